//! Who knows whom, teams and flows: queries over the co-author graph and the organisation
//! tables that the corpus derives at refresh time.
//!
//! - [`graph`]: the co-author graph in memory (compressed rows, both directions).
//! - [`paths`]: warm-introduction paths from our people to a target, each hop backed by
//!   joint papers.
//! - [`radius`]: who on a shortlist would hear about an approach, and an approach order.
//! - [`communities`]: a researcher's research cluster, its topics and organisations.
//! - [`orgs`]: organisations ranked by the talent they hold on a topic (the acqui-hire view).
//! - [`flows`]: who moved from where to where, with evidence, and a flow matrix.

pub mod communities;
pub mod error;
pub mod flows;
pub mod graph;
pub mod orgs;
pub mod paths;
pub mod radius;

pub use error::{NetworkError, Result};
pub use graph::Graph;
