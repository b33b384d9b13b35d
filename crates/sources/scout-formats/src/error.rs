//! Errors and rejects. A [`FormatError`] stops reading one file; a [`Reject`] is one record
//! that could not be read, kept with enough context (file, line, field, excerpt) to fix it.

use std::path::PathBuf;

/// A failure that ends the reading of one input file (the run goes on with the next file).
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: no such file or directory")]
    NotFound { path: PathBuf },
    #[error("{path}: unrecognised content ({detail})")]
    UnknownFormat { path: PathBuf, detail: String },
}

/// A record that could not be read. Written to the reject file; never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub file: String,
    /// 1-based line number (for JSON Lines) or the line where the element ended (for JSON
    /// documents), or 1-based row number in the file (for Parquet); 0 when the whole file (or
    /// row group) was rejected.
    pub line: u64,
    /// Row group (0-based, as Parquet tools count) of a Parquet row.
    pub row_group: Option<u64>,
    /// Element index inside a JSON array or API page, when the input is a JSON document.
    pub element: Option<u64>,
    /// JSON path of the offending field, when known (`authors[3]`, `year`).
    pub field: Option<String>,
    pub reason: String,
    /// The start of the offending input (at most [`Reject::EXCERPT_BYTES`] bytes, lossily decoded).
    pub excerpt: String,
}

impl Reject {
    pub const EXCERPT_BYTES: usize = 512;

    pub fn excerpt_of(bytes: &[u8]) -> String {
        let end = bytes.len().min(Self::EXCERPT_BYTES);
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    }
}
