//! The corpus error type.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("full-text index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("cannot parse query: {0}")]
    Query(#[from] tantivy::query::QueryParserError),
    #[error(transparent)]
    Format(#[from] scout_formats::FormatError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "database {path} has schema version {found}, newer than this build of scout understands ({supported}); upgrade scout"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{path} is not a Scout corpus: {reason}")]
    NotACorpus { path: PathBuf, reason: String },
    #[error("no researcher matches {0:?}")]
    UnknownResearcher(String),
    #[error("{0}")]
    Invalid(String),
    #[error("cancelled")]
    Cancelled,
}

pub type Result<T, E = CorpusError> = std::result::Result<T, E>;
