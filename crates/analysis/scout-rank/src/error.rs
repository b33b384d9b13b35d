//! Errors of the analysis layer.

#[derive(Debug, thiserror::Error)]
pub enum RankError {
    #[error(transparent)]
    Corpus(#[from] scout_corpus::CorpusError),
    #[error("database error: {0}")]
    Sqlite(#[from] scout_corpus::rusqlite::Error),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = RankError> = std::result::Result<T, E>;
