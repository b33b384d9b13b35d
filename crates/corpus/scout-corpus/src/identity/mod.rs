//! Identity resolution: which author mentions (one name on one paper) are the same researcher.
//!
//! 1. The same name twice on one paper is one person (a source duplicate).
//! 2. Strong ids: mentions sharing an OpenReview id, ORCID, OpenAlex author id or DBLP id are
//!    merged, in that order of trust. A cluster never holds two different ids of one kind.
//! 3. Names: within a block (family name + first initial), clusters whose names are compatible
//!    (see [`crate::names::PersonName::compatible`]) merge when they share a co-author or an
//!    organisation, unless that would join two different strong ids or two authors of one paper.
//!    A name given only by initials ("F. Chaumette") follows a shared organisation only in a
//!    block with few given names; in a common one ("J. Wang") it needs a shared co-author.
//!
//! Every union is recorded as a link with its rule and evidence, so `why-same` can show the
//! chain of reasons between any two mentions of a researcher.
//!
//! One job per file, in the order refresh runs them (`derive.rs` drives the steps and writes the
//! network between the identity tables and the researchers):
//! - `mention.rs`: what resolution reads ([`MentionData`]); `load.rs` loads it from the store.
//! - `union_find.rs`, `links.rs`, `resolve.rs`: the clustering and its recorded links.
//! - `org_table.rs`: the corpus's organisations ([`OrgTable`]), shared with the network.
//! - `partition.rs`: resolution of one component of blocks (the distributed job's unit), and
//!   the whole corpus's clustering assembled from the components' outcomes.
//! - `keys.rs`: clusters into researchers with stable keys, in key order; `inherit.rs`: which
//!   stored key each researcher inherits, and the keys merged, split or retired.
//! - `facts.rs` with `current.rs` and `trained.rs`: per-researcher facts.
//! - `write.rs`: the identity tables.

pub mod current;
mod facts;
mod inherit;
mod keys;
mod links;
mod load;
mod mention;
mod org_table;
pub mod partition;
mod resolve;
pub mod trained;
mod union_find;
mod write;

pub use facts::{KnownCoauthors, ResearcherFacts, facts_among, researcher_facts};
pub use inherit::PreviousKeys;
pub use keys::{ResearcherRow, Researchers};
pub(crate) use keys::{fresh_key, informativeness, row_of};
pub use links::{Link, LinkEvidence, Rule, org_token};
pub use load::{
    LoadedMention, OrgResolver, OrgView, for_each_mention, load, load_works, load_works_with,
};
pub use mention::{AffFact, ID_KINDS, Mention, MentionData};
pub use org_table::OrgTable;
pub use resolve::{BlockNotes, Clustering, ResolveConfig, Seed, resolve, resolve_seeded};
pub use write::{IdentityReport, IdentityTables};
