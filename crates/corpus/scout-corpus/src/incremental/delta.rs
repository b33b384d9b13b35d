//! What the incremental identity step hands to the downstream step.

/// What an incremental identity step changed, already written when [`downstream::apply`] runs.
#[derive(Debug, Clone, Default)]
pub struct IdentityDelta {
    /// Researchers that are new or whose mentions changed (grew, merged with another).
    pub changed: Vec<i64>,
    /// Researchers that no longer exist (merged into another, or lost every mention).
    pub removed: Vec<i64>,
    /// The current organisations the removed researchers had (their rows are gone): their
    /// researcher counts change.
    pub removed_orgs: Vec<i64>,
    /// The communities the removed researchers were in: their sizes change.
    pub removed_communities: Vec<i64>,
}
