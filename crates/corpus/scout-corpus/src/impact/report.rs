//! What a refresh's impact step reports.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct VenueValidation {
    pub venue: String,
    /// Held-back counted papers scored.
    pub heldout: usize,
    pub spearman: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImpactReport {
    pub counted: usize,
    pub estimated: usize,
    /// Counted works by the source and window of their count (`openalex`, `semantic_scholar/1095d`, …).
    pub by_measure: Vec<(String, usize)>,
    /// Spearman on the held-back half over all venues, then per venue.
    pub heldout_spearman: Option<f64>,
    pub validation: Vec<VenueValidation>,
    pub coefficients: Vec<f64>,
    /// True when the estimator was fitted in this refresh; false when works were folded in with
    /// the stored one (`fold.rs`).
    pub refit: bool,
    /// Works folded in by this refresh (0 after a fit).
    pub folded_in: usize,
    /// Works folded in since the last fit, these included.
    pub folded_since_fit: u64,
    pub seconds: f64,
}
