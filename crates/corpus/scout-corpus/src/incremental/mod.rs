//! Incremental refresh: after an ingest of a few works, identity is re-resolved around the new
//! mentions and everything downstream of it is brought up to date for the researchers that
//! changed only ([`downstream::apply`]).

pub mod downstream;

/// What an incremental identity step changed, already written when [`downstream::apply`] runs.
#[derive(Debug, Clone, Default)]
pub struct IdentityDelta {
    /// Researchers that are new or whose mentions changed (grew, merged with another).
    pub changed: Vec<i64>,
    /// Researchers that no longer exist (merged into another, or lost every mention).
    pub removed: Vec<i64>,
}
