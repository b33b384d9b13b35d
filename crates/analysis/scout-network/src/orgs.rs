//! Organisations ranked by the talent they hold on a topic: the acqui-hire view. Talent is the
//! sum of the List scores of the organisation's current researchers; density divides it by the
//! organisation's size (all its current researchers in the corpus), so a small company of
//! strong people stands out next to a large lab.
//!
//! Raw density crowns one- and two-person "companies" (one strong paper and a size of one), so
//! the ranking uses density with its uncertainty: the density shrunk towards the density of all
//! organisations considered, as if each had [`PRIOR_PEOPLE`] more people of average talent,
//! minus one standard error of the organisation's mean per-person score (the spread of its
//! people's scores over its size). A small team outranks a large one only with the evidence of several
//! strong people. Each organisation also carries its size trend (researchers with papers
//! there, per year) and who joined or left it recently (the `moves` refresh derived).

use rustc_hash::FxHashMap as HashMap;
use scout_corpus::TextIndex;
use scout_corpus::orgs::OrgType;
use scout_corpus::rusqlite::Connection;
use scout_rank::{FactSource, ListQuery, rank_with};
use serde::Serialize;

use crate::error::Result;

/// People of average talent added to every organisation when its density is shrunk.
pub const PRIOR_PEOPLE: f64 = 5.0;
/// Years of size trend reported, and the window of "recent" joins and departures.
pub const TREND_YEARS: i32 = 6;
pub const RECENT_YEARS: i32 = 3;

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

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct OrgPerson {
    pub researcher_id: i64,
    /// The stable researcher key (what the pipeline links candidates by).
    pub key: String,
    pub name: String,
    pub score: f64,
    pub rank: usize,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
    /// Density shrunk towards the mean of all organisations considered, minus one standard
    /// error: what the ranking by density uses.
    pub density_lower: f64,
    pub top_people: Vec<OrgPerson>,
    /// Researchers with papers at the organisation, per year (the last [`TREND_YEARS`]).
    pub size_trend: Vec<YearCount>,
    /// Moves into and out of the organisation in the last [`RECENT_YEARS`] years.
    pub joined: Vec<OrgMove>,
    pub left: Vec<OrgMove>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct YearCount {
    pub year: i32,
    pub researchers: i64,
}

/// A researcher who joined (from `other`) or left (for `other`) an organisation.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct OrgMove {
    pub researcher_id: i64,
    /// The stable researcher key.
    pub key: String,
    pub name: String,
    pub other: String,
    pub year: i32,
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
                key: row.researcher.key.clone(),
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
        let squares: f64 = people.iter().map(|p| p.score * p.score).sum();
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
            density_lower: squares,
            top_people: people,
            size_trend: Vec::new(),
            joined: Vec::new(),
            left: Vec::new(),
        });
    }
    // Pooled first and second moments of per-person scores over everyone in the organisations
    // considered (people without papers on the topic score 0): the prior each is shrunk to.
    let people_total: f64 = rows.iter().map(|r| r.size as f64).sum::<f64>().max(1.0);
    let mean = rows.iter().map(|r| r.talent).sum::<f64>() / people_total;
    let second = rows.iter().map(|r| r.density_lower).sum::<f64>() / people_total;
    for r in &mut rows {
        r.density_lower = lower_density(r.talent, r.density_lower, r.size as f64, mean, second);
    }
    let by_density = query.max_size.is_some();
    rows.sort_by(|a, b| {
        let (x, y) = if by_density {
            (b.density_lower, a.density_lower)
        } else {
            (b.talent, a.talent)
        };
        x.total_cmp(&y).then(a.org_id.cmp(&b.org_id))
    });
    rows.truncate(query.limit);
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i + 1;
        r.size_trend = size_trend(conn, r.org_id, as_of)?;
        (r.joined, r.left) = recent_moves(conn, r.org_id, as_of)?;
    }
    Ok(rows)
}

/// Density shrunk towards the pooled `mean` by [`PRIOR_PEOPLE`], minus one standard error of
/// the organisation's mean per-person score (its spread, also shrunk towards the pooled second
/// moment `second`, over its size): one strong person in a company of one is mostly noise.
pub fn lower_density(talent: f64, squares: f64, size: f64, mean: f64, second: f64) -> f64 {
    let weight = size + PRIOR_PEOPLE;
    let shrunk = (talent + PRIOR_PEOPLE * mean) / weight;
    let spread = ((squares + PRIOR_PEOPLE * second) / weight - shrunk * shrunk).max(0.0);
    shrunk - (spread / size.max(1.0)).sqrt()
}

fn size_trend(conn: &Connection, org: i64, as_of: i32) -> Result<Vec<YearCount>> {
    let mut stmt = conn.prepare_cached(
        "SELECT year, COUNT(DISTINCT researcher_id) FROM researcher_orgs
         WHERE org_id = ?1 AND year > ?2 AND year <= ?3 GROUP BY year ORDER BY year",
    )?;
    let rows = stmt.query_map(
        [org, i64::from(as_of - TREND_YEARS), i64::from(as_of)],
        |r| {
            Ok(YearCount {
                year: r.get(0)?,
                researchers: r.get(1)?,
            })
        },
    )?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

fn recent_moves(conn: &Connection, org: i64, as_of: i32) -> Result<(Vec<OrgMove>, Vec<OrgMove>)> {
    let since = i64::from(as_of - RECENT_YEARS + 1);
    let mut out = (Vec::new(), Vec::new());
    for (joined, sql) in [
        (
            true,
            "SELECT m.researcher_id, r.key, r.name, o.name, m.year FROM moves m JOIN researchers r ON r.id = m.researcher_id
             JOIN organisations o ON o.id = m.from_org WHERE m.to_org = ?1 AND m.year >= ?2
             ORDER BY m.year DESC, r.n_works DESC, m.researcher_id LIMIT 10",
        ),
        (
            false,
            "SELECT m.researcher_id, r.key, r.name, o.name, m.year FROM moves m JOIN researchers r ON r.id = m.researcher_id
             JOIN organisations o ON o.id = m.to_org WHERE m.from_org = ?1 AND m.year >= ?2
             ORDER BY m.year DESC, r.n_works DESC, m.researcher_id LIMIT 10",
        ),
    ] {
        let mut stmt = conn.prepare_cached(sql)?;
        let moves = stmt
            .query_map([org, since], |r| {
                Ok(OrgMove {
                    researcher_id: r.get(0)?,
                    key: r.get(1)?,
                    name: r.get(2)?,
                    other: r.get(3)?,
                    year: r.get(4)?,
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        if joined {
            out.0 = moves;
        } else {
            out.1 = moves;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_strong_person_needs_company_to_outrank_a_strong_team() {
        let (mean, second) = (0.1, 0.2);
        // One person with a score of 3 against 30 people scoring 1 each.
        let solo = lower_density(3.0, 9.0, 1.0, mean, second);
        let team = lower_density(30.0, 30.0, 30.0, mean, second);
        assert!(team > solo, "team {team} vs solo {solo}");
        // Five people scoring 3 in a company of five outrank the team.
        let small = lower_density(15.0, 45.0, 5.0, mean, second);
        assert!(small > team, "small {small} vs team {team}");
    }
}
