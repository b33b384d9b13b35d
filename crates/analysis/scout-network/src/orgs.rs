//! Organisations ranked by the talent they hold on a topic: the acqui-hire view. Talent is the
//! sum of the List scores of the organisation's current researchers; density divides it by the
//! organisation's size (all its current researchers in the corpus), so a small company of
//! strong people stands out next to a large lab.

use rustc_hash::FxHashMap as HashMap;
use scout_corpus::TextIndex;
use scout_corpus::orgs::OrgType;
use scout_corpus::rusqlite::Connection;
use scout_rank::{FactSource, ListQuery, rank_with};
use serde::Serialize;

use crate::error::Result;

#[derive(Debug, Clone)]
pub struct OrgQuery {
    pub topic: String,
    pub org_type: Option<OrgType>,
    /// Only organisations with at most this many current researchers.
    pub max_size: Option<i64>,
    /// Only organisations with at least this many people on the topic.
    pub min_people: usize,
    pub limit: usize,
    pub since: Option<i32>,
}

impl OrgQuery {
    pub fn new(topic: impl Into<String>) -> Self {
        OrgQuery {
            topic: topic.into(),
            org_type: None,
            max_size: None,
            min_people: 1,
            limit: 25,
            since: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgPerson {
    pub researcher_id: i64,
    pub name: String,
    pub score: f64,
    pub rank: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgRow {
    pub rank: usize,
    pub org_id: i64,
    pub name: String,
    pub org_type: String,
    pub country: Option<String>,
    /// Current researchers of the organisation in the corpus.
    pub size: i64,
    /// Of those, people with papers on the topic.
    pub people: usize,
    /// Sum of their List scores.
    pub talent: f64,
    /// Talent per current researcher.
    pub density: f64,
    pub top_people: Vec<OrgPerson>,
}

/// Ranks organisations by talent on `query.topic` (highest density first when `max_size`
/// is set, highest total otherwise).
pub fn rank_orgs(
    conn: &Connection,
    index: &TextIndex,
    facts: &mut dyn FactSource,
    as_of: i32,
    query: &OrgQuery,
) -> Result<Vec<OrgRow>> {
    let mut list = ListQuery::new(query.topic.clone());
    list.limit = usize::MAX;
    list.explain_papers = 0;
    list.since = query.since;
    let result = rank_with(conn, index, facts, as_of, &list)?;
    let mut by_org: HashMap<i64, Vec<OrgPerson>> = HashMap::default();
    for row in &result.rows {
        if let Some(org) = row.researcher.current_org_id {
            by_org.entry(org).or_default().push(OrgPerson {
                researcher_id: row.researcher.id,
                name: row.researcher.name.clone(),
                score: row.score,
                rank: row.rank,
            });
        }
    }
    let mut rows = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT name, org_type, country, current_researchers FROM organisations WHERE id = ?1",
    )?;
    for (org, mut people) in by_org {
        if people.len() < query.min_people {
            continue;
        }
        let (name, org_type, country, size): (String, String, Option<String>, i64) =
            stmt.query_row([org], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        if query.org_type.is_some_and(|t| t.as_str() != org_type) {
            continue;
        }
        if query.max_size.is_some_and(|m| size > m) {
            continue;
        }
        let talent: f64 = people.iter().map(|p| p.score).sum();
        people.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.researcher_id.cmp(&b.researcher_id))
        });
        let n = people.len();
        people.truncate(3);
        rows.push(OrgRow {
            rank: 0,
            org_id: org,
            name,
            org_type,
            country,
            size: size.max(n as i64),
            people: n,
            talent,
            density: talent / size.max(n as i64).max(1) as f64,
            top_people: people,
        });
    }
    let by_density = query.max_size.is_some();
    rows.sort_by(|a, b| {
        let (x, y) = if by_density {
            (b.density, a.density)
        } else {
            (b.talent, a.talent)
        };
        x.total_cmp(&y).then(a.org_id.cmp(&b.org_id))
    });
    rows.truncate(query.limit);
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    Ok(rows)
}
