//! The List and its evaluation: ranking researchers for a topic with explainable per-paper
//! contributions ([`rank`]), the affinity of a researcher's papers to a text ([`affinity`]), and measuring ranking quality against expert lists ([`eval`]).
//!
//! Sits on the analysis layer: reads the corpus (store and index), writes nothing.

pub mod affinity;
pub mod error;
pub mod eval;
pub mod facts;
mod field_sums;
pub mod impact;
pub mod org_filter;
mod paper;
pub mod rank;
mod scores;

pub use error::{RankError, Result};
pub use impact::{ImpactShape, RoleShape, Shape};
pub use rank::{
    Contribution, FactSource, Factors, FieldVenues, ListQuery, ListResult, ListRow, RankModel,
    SqlFacts, explain_researchers, rank, rank_with,
};
