//! The erasure ledger: a JSON Lines file outside the database listing every erasure (no
//! personal data), read on open to re-apply erasures a restored backup does not show (see
//! `erasure`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One line of the erasure ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub candidate_id: i64,
    /// The candidate's creation time: with the id it identifies the person, so a restored
    /// database that reused the id for someone else is not touched.
    pub created_at: i64,
    pub erased_at: i64,
}

/// Reads the ledger; a missing file is an empty ledger. A line that does not parse is an error
/// (the ledger is what keeps erasures erased: it must not be silently half-read).
pub fn read_ledger(path: &Path) -> Result<Vec<LedgerEntry>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::Invalid(format!(
                "cannot read the erasure ledger {}: {e}",
                path.display()
            )));
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                Error::Invalid(format!(
                    "erasure ledger {} line {}: {e}",
                    path.display(),
                    i + 1
                ))
            })
        })
        .collect()
}

/// Appends one line to the ledger and syncs it.
pub(super) fn append_ledger(path: &Path, entry: &LedgerEntry) -> Result<()> {
    let fail = |e: std::io::Error| {
        Error::Invalid(format!(
            "cannot write the erasure ledger {}: {e}",
            path.display()
        ))
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(fail)?;
    let line = serde_json::to_string(entry).map_err(|e| Error::Invalid(e.to_string()))?;
    f.write_all(format!("{line}\n").as_bytes()).map_err(fail)?;
    f.sync_all().map_err(fail)
}

/// The default ledger of a SQLite URL: `<file>.erasures.jsonl`.
pub(crate) fn default_ledger(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(format!("{path}.erasures.jsonl")))
}
