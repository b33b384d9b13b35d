//! Talent flows: moves between organisations (detected at refresh from affiliations over the
//! years, with double affiliations and one-year visits excluded), with the evidence for each,
//! and a matrix of flows among the largest organisations.

use scout_corpus::organisations::OrgRegistry;
use scout_corpus::rusqlite::{Connection, params_from_iter, types::Value};
use serde::Serialize;

use crate::error::{NetworkError, Result};

#[derive(Debug, Clone, Default)]
pub struct FlowQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub since: Option<i32>,
    pub limit: usize,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Evidence {
    pub work_id: i64,
    pub title: String,
    pub year: i32,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FlowRow {
    pub researcher_id: i64,
    pub researcher: String,
    pub from: String,
    pub to: String,
    pub year: i32,
    /// The last paper at the old organisation.
    pub last_at_from: Evidence,
    /// The first paper at the new one.
    pub first_at_to: Evidence,
}

/// Organisation ids matching a name or alias.
fn org_ids(conn: &Connection, name: &str) -> Result<Vec<i64>> {
    let key = OrgRegistry::builtin().resolve(name).key;
    let like = format!("%{}%", name.trim().to_lowercase());
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM organisations WHERE key = ?1 OR lower(name) = lower(?2)
         UNION SELECT id FROM organisations WHERE lower(name) LIKE ?3 AND NOT EXISTS
               (SELECT 1 FROM organisations WHERE key = ?1 OR lower(name) = lower(?2))",
    )?;
    let ids = stmt.query_map(scout_corpus::rusqlite::params![key, name, like], |r| {
        r.get(0)
    })?;
    Ok(ids.collect::<Result<_, _>>()?)
}

/// The error for a name no organisation answers to, with up to three close names (the
/// largest first among equally close ones).
pub fn unknown_org(conn: &Connection, name: &str) -> Result<NetworkError> {
    const MIN_SIMILARITY: f64 = 0.75;
    let want = name.trim().to_lowercase();
    let mut close: Vec<(f64, i64, String)> = Vec::new();
    if want.chars().count() >= 2 {
        let mut stmt = conn.prepare_cached("SELECT name, researchers_ever FROM organisations")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let org: String = r.get(0)?;
            let similarity = strsim::normalized_damerau_levenshtein(&want, &org.to_lowercase());
            if similarity >= MIN_SIMILARITY {
                close.push((similarity, r.get(1)?, org));
            }
        }
    }
    close.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    Ok(NetworkError::UnknownOrg {
        name: name.trim().to_string(),
        suggestions: close.into_iter().take(3).map(|c| c.2).collect(),
    })
}

/// Whether some organisation answers to `name` (its name, an alias, or part of a name).
pub fn org_known(conn: &Connection, name: &str) -> Result<bool> {
    Ok(!org_ids(conn, name)?.is_empty())
}

/// Moves matching the query, most recent first; a name no organisation answers to is an error
/// naming close ones.
pub fn flows(conn: &Connection, q: &FlowQuery) -> Result<Vec<FlowRow>> {
    let mut sql = String::from(
        "SELECT m.researcher_id, r.name, fo.name, tfo.name, m.year,
                m.from_last_work, fw.title, m.from_last_year, m.to_first_work, tw.title, m.to_first_year
         FROM moves m
         JOIN researchers r ON r.id = m.researcher_id
         JOIN organisations fo ON fo.id = m.from_org
         JOIN organisations tfo ON tfo.id = m.to_org
         JOIN works fw ON fw.id = m.from_last_work
         JOIN works tw ON tw.id = m.to_first_work
         WHERE 1 = 1",
    );
    let mut args: Vec<Value> = Vec::new();
    for (column, name) in [("m.from_org", &q.from), ("m.to_org", &q.to)] {
        if let Some(name) = name {
            let ids = org_ids(conn, name)?;
            if ids.is_empty() {
                return Err(unknown_org(conn, name)?);
            }
            sql.push_str(&format!(
                " AND {column} IN ({})",
                vec!["?"; ids.len()].join(",")
            ));
            args.extend(ids.into_iter().map(Value::Integer));
        }
    }
    if let Some(since) = q.since {
        sql.push_str(" AND m.year >= ?");
        args.push(Value::Integer(i64::from(since)));
    }
    sql.push_str(" ORDER BY m.year DESC, r.name LIMIT ?");
    args.push(Value::Integer(q.limit as i64));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        Ok(FlowRow {
            researcher_id: r.get(0)?,
            researcher: r.get(1)?,
            from: r.get(2)?,
            to: r.get(3)?,
            year: r.get(4)?,
            last_at_from: Evidence {
                work_id: r.get(5)?,
                title: r.get(6)?,
                year: r.get(7)?,
            },
            first_at_to: Evidence {
                work_id: r.get(8)?,
                title: r.get(9)?,
                year: r.get(10)?,
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Moves among the `top` organisations with the most moves in and out.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Matrix {
    pub orgs: Vec<String>,
    /// `counts[i][j]`: moves from `orgs[i]` to `orgs[j]`.
    pub counts: Vec<Vec<i64>>,
    pub since: Option<i32>,
}

pub fn matrix(conn: &Connection, since: Option<i32>, top: usize) -> Result<Matrix> {
    let since_value = since.unwrap_or(i32::MIN);
    let mut stmt = conn.prepare_cached(
        "SELECT o, SUM(n) AS total FROM (
             SELECT from_org AS o, COUNT(*) AS n FROM moves WHERE year >= ?1 GROUP BY from_org
             UNION ALL
             SELECT to_org AS o, COUNT(*) AS n FROM moves WHERE year >= ?1 GROUP BY to_org)
         GROUP BY o ORDER BY total DESC, o LIMIT ?2",
    )?;
    let ids: Vec<i64> = stmt
        .query_map(
            scout_corpus::rusqlite::params![since_value, top as i64],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    let mut names = Vec::with_capacity(ids.len());
    for id in &ids {
        names.push(
            conn.query_row("SELECT name FROM organisations WHERE id = ?1", [id], |r| {
                r.get::<_, String>(0)
            })?,
        );
    }
    let mut counts = vec![vec![0i64; ids.len()]; ids.len()];
    let mut stmt = conn.prepare_cached(
        "SELECT from_org, to_org, COUNT(*) FROM moves WHERE year >= ?1 GROUP BY from_org, to_org",
    )?;
    let rows = stmt.query_map([since_value], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (f, t, n) = row?;
        if let (Some(i), Some(j)) = (
            ids.iter().position(|x| *x == f),
            ids.iter().position(|x| *x == t),
        ) {
            counts[i][j] = n;
        }
    }
    Ok(Matrix {
        orgs: names,
        counts,
        since,
    })
}
