//! The pipeline's error type: storage failures, illegal moves, missing rows, bad input.

use crate::stage::Stage;

/// Everything a pipeline operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("illegal stage move from {from} to {to}; allowed from {from}: {allowed}")]
    IllegalMove {
        from: Stage,
        to: Stage,
        allowed: String,
    },
    #[error("{0}")]
    Conflict(String),
    /// The candidate record was merged into another (the id to use instead).
    #[error("candidate {id} was merged into candidate {into}")]
    Merged { id: i64, into: i64 },
    /// The role allows the route, but not this record (e.g. another member's shared view).
    #[error("{0}")]
    Forbidden(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The database does not exist (or has no pipeline schema) and the command may not create
    /// one.
    #[error("no pipeline database at {db}: {hint}")]
    NoDatabase { db: String, hint: String },
    /// The file is there but is not a usable pipeline database (empty, damaged, foreign).
    #[error("pipeline database {db} is unusable: {reason}")]
    Unusable { db: String, reason: String },
    /// A schema migration failed (the open applied none of the pending ones).
    #[error("schema migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?} (expected sqlite:… or postgres://…)")]
    BadUrl(String),
    #[error("password hashing failed: {0}")]
    Password(String),
    #[error("corpus error: {0}")]
    Corpus(String),
    /// A webhook URL refused (the message says what to change).
    #[error(transparent)]
    BadWebhookUrl(#[from] crate::webhook_url::WebhookUrlError),
}

/// Shorthand for pipeline results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            what,
            id: id.to_string(),
        }
    }
}
