//! The recruiting pipeline: candidates linked to corpus researchers, stages with an enforced
//! transition table, notes, offers and counteroffers with computed values, messages and
//! meetings (in IANA time zones, exported as RFC 5545), funnel analytics, the login limiter's
//! failure counts, and an append-only hash-chained audit log — stored in SQLite or
//! PostgreSQL (sqlx, one migration folder per dialect).

pub mod analytics;
pub mod audit;
pub mod committee;
pub mod db;
pub mod error;
pub mod ics;
pub mod login_limit;
pub mod model;
pub mod offer;
pub mod outreach;
pub mod secret;
pub mod stage;
pub mod store;
mod text;
pub mod time;
pub mod tz;
pub mod webhook_url;

pub use db::{Db, Dialect, StoreConfig};
pub use error::{Error, Result};
pub use model::{Actor, Role};
pub use offer::OfferTerms;
pub use stage::Stage;
pub use store::{FollowReport, Store};
