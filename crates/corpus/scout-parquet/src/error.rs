//! The export's error type.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Corpus(#[from] scout_corpus::CorpusError),
    #[error("database error: {0}")]
    Sqlite(#[from] scout_corpus::rusqlite::Error),
    #[error("parquet error: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("arrow error: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("export cancelled")]
    Cancelled,
}

pub type Result<T, E = ExportError> = std::result::Result<T, E>;
