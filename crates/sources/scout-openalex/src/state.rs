//! The resumable progress of a fetch, kept in `DIR/.scout-fetch.json` (a hidden file, so
//! `scout ingest DIR` skips it). Written atomically: a temporary file, fsync, rename, fsync of
//! the directory — and only after the page it records is on disk.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::FetchError;

/// Name of the state file inside the output directory.
pub const STATE_FILE: &str = ".scout-fetch.json";

/// Progress of one fetch (one entity + filter into one directory). Never holds the API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchState {
    pub version: u32,
    pub entity: String,
    pub filter: String,
    pub per_page: u32,
    pub records_per_part: u64,
    /// The cursor of the next page to request (`*` at the start).
    pub cursor: Option<String>,
    /// The API said there is nothing more.
    pub done: bool,
    /// Committed pages and records.
    pub pages: u64,
    pub records: u64,
    /// `meta.count` of the last page: how many records the query matches.
    pub expected: Option<u64>,
    /// The part file being filled, its committed length and record count.
    pub part: u32,
    pub part_bytes: u64,
    pub part_records: u64,
    /// Requests made on `budget_day` (UTC), against the daily budget.
    pub budget_day: String,
    pub requests_today: u64,
    pub requests_total: u64,
}

impl FetchState {
    pub fn new(entity: &str, filter: &str, per_page: u32, records_per_part: u64) -> Self {
        Self {
            version: 1,
            entity: entity.to_string(),
            filter: filter.to_string(),
            per_page,
            records_per_part,
            cursor: Some("*".to_string()),
            done: false,
            pages: 0,
            records: 0,
            expected: None,
            part: 0,
            part_bytes: 0,
            part_records: 0,
            budget_day: String::new(),
            requests_today: 0,
            requests_total: 0,
        }
    }

    pub fn path(dir: &Path) -> PathBuf {
        dir.join(STATE_FILE)
    }

    /// The state in `dir`, if a fetch was started there.
    pub fn load(dir: &Path) -> Result<Option<Self>, FetchError> {
        let path = Self::path(dir);
        let Some(state) = read_json::<Self>(&path)? else {
            return Ok(None);
        };
        if state.version != 1 {
            return Err(FetchError::BadState {
                path,
                reason: format!("unknown version {}", state.version),
            });
        }
        Ok(Some(state))
    }

    /// Replaces the state file atomically and durably.
    pub fn save(&self, dir: &Path) -> Result<(), FetchError> {
        write_json_durably(dir, STATE_FILE, self)
    }
}

/// A JSON file's value, `None` when the file does not exist.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> Result<Option<T>, FetchError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(FetchError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| FetchError::BadState {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

/// Replaces `dir/name` with `value` as pretty JSON, atomically (a temporary file renamed into
/// place) and durably (file and directory synced).
pub(crate) fn write_json_durably<T: Serialize>(
    dir: &Path,
    name: &str,
    value: &T,
) -> Result<(), FetchError> {
    let path = dir.join(name);
    let tmp = dir.join(format!("{name}.tmp"));
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| FetchError::Io { path: p, source }
    };
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| FetchError::BadState {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    bytes.push(b'\n');
    let mut file = File::create(&tmp).map_err(io(&tmp))?;
    file.write_all(&bytes).map_err(io(&tmp))?;
    file.sync_all().map_err(io(&tmp))?;
    drop(file);
    fs::rename(&tmp, &path).map_err(io(&path))?;
    sync_dir(dir)
}

/// Makes a rename or a new file in `dir` durable.
pub fn sync_dir(dir: &Path) -> Result<(), FetchError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| FetchError::Io {
            path: dir.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_no_leftover_temp() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        assert_eq!(FetchState::load(dir.path())?, None);
        let mut s = FetchState::new("works", "publication_year:2020", 200, 10_000);
        s.pages = 3;
        s.save(dir.path())?;
        s.pages = 4;
        s.save(dir.path())?;
        assert_eq!(FetchState::load(dir.path())?, Some(s));
        let names: Vec<_> = fs::read_dir(dir.path())?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()?;
        assert_eq!(names, vec![std::ffi::OsString::from(STATE_FILE)]);
        fs::write(FetchState::path(dir.path()), "{\"version\":1")?;
        assert!(matches!(
            FetchState::load(dir.path()),
            Err(FetchError::BadState { .. })
        ));
        Ok(())
    }
}
