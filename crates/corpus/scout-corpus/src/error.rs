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
    /// No researcher matches; `suggestions` are close names ("did you mean …").
    #[error("no researcher matches {query:?}{}", did_you_mean(.suggestions))]
    NoResearcher {
        query: String,
        suggestions: Vec<String>,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("cancelled")]
    Cancelled,
}

/// "; did you mean A, B or C?" (empty without suggestions).
pub fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
    }
}

pub type Result<T, E = CorpusError> = std::result::Result<T, E>;
