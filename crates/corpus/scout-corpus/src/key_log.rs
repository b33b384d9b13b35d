//! The log of researcher key changes (migration 0005: `key_changes` and `retired_keys`).
//! Refresh appends to it in identity's transaction ([`record`], from the moves
//! `identity/inherit.rs` found); `scout keys changes` reads it ([`changes`]), and so does the
//! workspace, which moves candidates after merged keys and flags split ones
//! ([`changes_touching`], then `scout-pipeline`'s `Store::follow_key_changes`).
//!
//! These tables are history, not derived data: `refresh --rebuild` keeps and extends them.

use std::collections::BTreeMap;

use rusqlite::{Connection, Transaction, params};
use rustc_hash::FxHashSet as HashSet;
use serde::Serialize;

use crate::error::{CorpusError, Result};

/// What happened to a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyChangeKind {
    /// The key's researcher became part of another's (`new_key`); the key is retired.
    Merged,
    /// Some of the key's mentions now belong to another researcher (`new_key`); the key lives
    /// on with the rest.
    SplitOff,
    /// None of the key's mentions exist any more; the key is retired.
    Retired,
}

impl KeyChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyChangeKind::Merged => "merged",
            KeyChangeKind::SplitOff => "split_off",
            KeyChangeKind::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<KeyChangeKind> {
        match s {
            "merged" => Some(KeyChangeKind::Merged),
            "split_off" => Some(KeyChangeKind::SplitOff),
            "retired" => Some(KeyChangeKind::Retired),
            _ => None,
        }
    }
}

/// A key that lost mentions in a refresh, before it is logged with the refresh's time
/// (found by `identity/inherit.rs`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyMove {
    pub old_key: String,
    pub kind: KeyChangeKind,
    /// The researcher the mentions went to; `None` when the key was retired.
    pub new_key: Option<String>,
    /// How many of the key's mentions went there.
    pub mentions: u64,
}

/// One logged change of a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyChange {
    pub id: i64,
    /// When the refresh ran (UTC, RFC 3339 with milliseconds; one value per refresh).
    pub refreshed_at: String,
    /// The corpus generation that refresh built.
    pub generation: i64,
    pub old_key: String,
    /// Where the mentions went; `None` for a retired key.
    pub new_key: Option<String>,
    pub kind: KeyChangeKind,
    /// How many of the old key's mentions (author positions on papers) moved.
    pub mentions: u64,
}

impl KeyChange {
    /// Names the change beyond this file's row ids: a workspace remembers the changes it applied
    /// by this reference, so a corpus rebuilt from scratch (ids from 1 again) is not mistaken
    /// for one it already followed.
    pub fn reference(&self) -> String {
        format!("{}#{}", self.refreshed_at, self.id)
    }
}

/// Appends `moves` to the log as one refresh of `generation` (all with the same time), and
/// retires the keys that were merged or retired. Returns the rows written.
pub fn record(tx: &Transaction, generation: i64, moves: &[KeyMove]) -> Result<usize> {
    if moves.is_empty() {
        return Ok(0);
    }
    let at: String = tx.query_row("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", [], |r| {
        r.get(0)
    })?;
    let mut insert = tx.prepare(
        "INSERT INTO key_changes (refreshed_at, generation, old_key, new_key, kind, mentions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut retire =
        tx.prepare("INSERT OR IGNORE INTO retired_keys (key, change_id) VALUES (?1, ?2)")?;
    for m in moves {
        insert.execute(params![
            at,
            generation,
            m.old_key,
            m.new_key,
            m.kind.as_str(),
            m.mentions as i64
        ])?;
        if m.kind != KeyChangeKind::SplitOff {
            retire.execute(params![m.old_key, tx.last_insert_rowid()])?;
        }
    }
    Ok(moves.len())
}

const COLUMNS: &str = "id, refreshed_at, generation, old_key, new_key, kind, mentions";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<KeyChange> {
    let kind: String = r.get(5)?;
    Ok(KeyChange {
        id: r.get(0)?,
        refreshed_at: r.get(1)?,
        generation: r.get(2)?,
        old_key: r.get(3)?,
        new_key: r.get(4)?,
        kind: KeyChangeKind::parse(&kind).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                5,
                rusqlite::types::Type::Text,
                format!("unknown key change kind {kind:?}").into(),
            )
        })?,
        mentions: r.get::<_, i64>(6)?.max(0) as u64,
    })
}

/// The logged changes, oldest first; with `since`, only refreshes at or after it (a date
/// `2026-12-01` or an RFC 3339 UTC time `2026-12-01T08:00:00Z`).
pub fn changes(conn: &Connection, since: Option<&str>) -> Result<Vec<KeyChange>> {
    if let Some(s) = since {
        check_since(s)?;
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM key_changes WHERE ?1 IS NULL OR refreshed_at >= ?1 ORDER BY id"
    );
    Ok(conn
        .prepare(&sql)?
        .query_map([since], from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Refuses a `since` that is not a date or UTC time (compared as text, so it must have the
/// log's shape).
fn check_since(s: &str) -> Result<()> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    let date = b.len() >= 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-';
    let ok = date
        && digits(8..10)
        && (b.len() == 10 || (b[10] == b'T' && b.len() >= 13 && digits(11..13)));
    if ok {
        Ok(())
    } else {
        Err(CorpusError::Invalid(format!(
            "--since {s:?}: expected a date (2026-12-01) or a UTC time (2026-12-01T08:00:00Z)"
        )))
    }
}

/// The changes that concern `keys` (oldest first): those of the keys themselves and, after a
/// merge, those of the key they were merged into, and so on. What a workspace needs to follow
/// the researchers its candidates are linked to, without reading the whole log.
pub fn changes_touching(conn: &Connection, keys: &[String]) -> Result<Vec<KeyChange>> {
    let mut seen: HashSet<String> = keys.iter().cloned().collect();
    let mut frontier: Vec<String> = seen.iter().cloned().collect();
    let mut found: BTreeMap<i64, KeyChange> = BTreeMap::new();
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM key_changes WHERE old_key = ?1"
    ))?;
    while let Some(key) = frontier.pop() {
        for change in stmt.query_map([&key], from_row)? {
            let change = change?;
            if change.kind == KeyChangeKind::Merged
                && let Some(next) = &change.new_key
                && seen.insert(next.clone())
            {
                frontier.push(next.clone());
            }
            found.insert(change.id, change);
        }
    }
    Ok(found.into_values().collect())
}

/// The key a retired key was merged into, followed to the researcher holding it now (`None`
/// when `key` is not a merged key, or its line ends in a retirement).
pub fn successor(conn: &Connection, key: &str) -> Result<Option<String>> {
    let mut stmt = conn.prepare(
        "SELECT new_key FROM key_changes WHERE old_key = ?1 AND kind = 'merged' ORDER BY id DESC
         LIMIT 1",
    )?;
    let mut current = key.to_string();
    let mut steps = 0;
    loop {
        let next: Option<String> =
            stmt.query_row([&current], |r| r.get(0))
                .map(Some)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })?;
        match next {
            Some(n) if steps < 1000 => {
                current = n;
                steps += 1;
            }
            _ => break,
        }
    }
    Ok((current != key).then_some(current))
}
