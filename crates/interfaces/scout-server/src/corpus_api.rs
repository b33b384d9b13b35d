//! Read-only JSON endpoints over the corpus for signed-in users: the List, researcher
//! profiles, co-author neighbourhoods, warm paths, organisations, flows, and the leak radius
//! of the pipeline's candidates (who on the shortlist would hear of an approach). The corpus is
//! opened once and held in memory (a `RankModel` and the co-author `Graph`, as the CLI's
//! benchmarks do); loading starts in the background when the router is built and queries
//! wait for it. One connection behind a mutex serves the queries, on blocking threads. While an
//! ingest job rewrites the corpus, that connection is pinned to one snapshot (a read
//! transaction, [`CorpusApi::pin`]), so the SQL it runs keeps matching the models loaded with
//! it; the job then calls [`CorpusApi::reload`], which loads the new state beside the old one
//! and swaps it in (dropping the old connection ends its snapshot).

mod claims;
mod employers;
mod list;
mod loaded;
mod orgs;
mod outreach;
mod packets;
mod people;
mod radius;
mod search;
mod watches;

pub(crate) use employers::{
    Cleared, EmployerAnswer, Employers, SetEmployerReq, clear as clear_employer,
    list as list_employers, set as set_employer,
};
pub use list::MAX_LIST_TEXT_CHARS;
pub(crate) use list::{ListParams, list, list_for_text};
pub(crate) use loaded::Api;
pub use loaded::CorpusApi;
pub(crate) use orgs::{FlowParams, FlowsAnswer, OrgParams, OrgsAnswer, flow_list, orgs};
pub(crate) use outreach::{Claims, ClaimsReq, Draft, DraftQuery, claims, outreach_draft};
pub(crate) use packets::ballot_facts;
pub(crate) use people::{
    Neighbourhood, NeighbourhoodParams, PathAnswer, PathParams, ProfileAnswer, ProfileParams,
    neighbourhood, researcher, warm_paths,
};
pub(crate) use radius::{RadiusAnswer, RadiusParams, leak_radius};
pub(crate) use search::{SearchAnswer, SearchParams, search};
pub(crate) use watches::{WatchAnswer, WatchReq, add as add_watch};
