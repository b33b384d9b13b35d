//! Research communities (Louvain clusters of the co-author graph, computed at refresh): a
//! researcher's community, its characteristic topics, and where its members work.

use scout_corpus::rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::Result;

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub researcher_id: i64,
    pub name: String,
    pub papers: i64,
    pub current_org: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Community {
    pub id: i64,
    pub size: i64,
    /// Most characteristic title terms of the members' papers.
    pub topics: Vec<String>,
    /// Current organisations of members, with counts.
    pub orgs: Vec<(String, i64)>,
    /// The most prolific members.
    pub members: Vec<Member>,
}

fn load(conn: &Connection, id: i64, members: usize) -> Result<Option<Community>> {
    let row: Option<(i64, String, String)> = conn
        .prepare_cached("SELECT size, topics, orgs FROM communities WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((size, topics, orgs)) = row else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, n_works, current_org FROM researchers WHERE community = ?1
         ORDER BY n_works DESC, id LIMIT ?2",
    )?;
    let members = stmt
        .query_map(scout_corpus::rusqlite::params![id, members as i64], |r| {
            Ok(Member {
                researcher_id: r.get(0)?,
                name: r.get(1)?,
                papers: r.get(2)?,
                current_org: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(Community {
        id,
        size,
        topics: topics
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        orgs: orgs
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(name, n)| (name.to_string(), n.parse().unwrap_or(0)))
            .collect(),
        members,
    }))
}

/// The community of a researcher, if they have co-authors.
pub fn of_researcher(
    conn: &Connection,
    researcher_id: i64,
    members: usize,
) -> Result<Option<Community>> {
    let id: Option<Option<i64>> = conn
        .prepare_cached("SELECT community FROM researchers WHERE id = ?1")?
        .query_row([researcher_id], |r| r.get(0))
        .optional()?;
    match id.flatten() {
        Some(c) => load(conn, c, members),
        None => Ok(None),
    }
}

/// The largest communities.
pub fn largest(conn: &Connection, limit: usize, members: usize) -> Result<Vec<Community>> {
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM communities ORDER BY size DESC, id LIMIT ?1")?
        .query_map([limit as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(c) = load(conn, id, members)? {
            out.push(c);
        }
    }
    Ok(out)
}
