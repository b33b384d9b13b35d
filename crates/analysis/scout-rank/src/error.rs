//! Errors of the analysis layer.

#[derive(Debug, thiserror::Error)]
pub enum RankError {
    #[error(transparent)]
    Corpus(#[from] scout_corpus::CorpusError),
    #[error("database error: {0}")]
    Sqlite(#[from] scout_corpus::rusqlite::Error),
    #[error("{0}")]
    Invalid(String),
    /// A topic with nothing to search for: empty, or only stop words and punctuation.
    #[error(
        "the topic {0:?} has no words to search for (it is empty or only stop words such as \"the\", \"of\", \"and\"); describe the research area, e.g. \"reinforcement learning from human feedback\""
    )]
    EmptyTopic(String),
}

pub type Result<T, E = RankError> = std::result::Result<T, E>;
