//! Errors of the network queries.

#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error(transparent)]
    Corpus(#[from] scout_corpus::CorpusError),
    #[error(transparent)]
    Rank(#[from] scout_rank::RankError),
    #[error("database error: {0}")]
    Sqlite(#[from] scout_corpus::rusqlite::Error),
    #[error("{0}")]
    Invalid(String),
    /// No organisation has this name or alias; `suggestions` are close names.
    #[error("unknown organisation {name:?}{}", scout_corpus::did_you_mean(.suggestions))]
    UnknownOrg {
        name: String,
        suggestions: Vec<String>,
    },
}

pub type Result<T, E = NetworkError> = std::result::Result<T, E>;
