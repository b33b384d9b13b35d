//! Committee arena sessions: blind pairwise votes on finalists, ranked with Bradley–Terry
//! (`scout-arena`), built so that the known ways of gaming a public leaderboard do not work here.
//!
//! * Members do not choose what they judge: the server issues a **ballot** (the pair that reduces
//!   the ranking's uncertainty most, [`scout_arena::next_pair`]) with sides randomised, and a vote
//!   is only accepted on a ballot issued to that member. An unanswered ballot is handed out again
//!   rather than replaced, so asking repeatedly cannot fish for a preferred pair.
//! * **One vote per member per pair** per session (a unique key, whatever the sides), and a
//!   per-member cap.
//! * **Blinding**: while a session is blind, ballots and results show aliases ("Finalist C"),
//!   never names, organisations, corpus keys or tags (a tag can name a person); only the owner
//!   can lift it.
//! * **Packets**: each side of a ballot carries what there is to judge (`packet.rs`): named —
//!   top papers with the List's factors for the session's topic, stages, scorecard averages,
//!   notes — or, in a blind session, only bands that cannot identify the finalist.
//! * **No retraction**: a withdrawn finalist gets no new ballots but keeps every vote and stays in
//!   each fit, marked withdrawn.
//! * Every fit is recorded, with the full **input snapshot** (votes, options, seed), in
//!   `arena_fits` and in the audit log, and
//!   [`Store::arena_fit_record`](crate::Store::arena_fit_record) can recompute it from the
//!   snapshot to show that the published ranking is reproducible. Fits report provisional items
//!   (fewer than `min_votes`), disconnected comparison graphs, and voters flagged by a sequential
//!   likelihood-ratio test against the consensus.

mod ballot;
mod fit;
mod load;
mod model;
mod packet;
mod sessions;

pub use ballot::IssuedBallot;

pub use fit::{COMMITTEE_PRIOR, CiMethod, FitRecord, FitSnapshot, FitSummary, compute_fit};
pub use model::{
    ArenaItem, ArenaSession, Ballot, BallotSide, NewArenaSession, VoteOutcome, VoteReceipt,
};
pub use packet::{
    BlindPacket, CorpusFacts, CorpusStatus, CountBand, ImpactBand, NamedPacket, Packet,
    PacketPaper, PacketScorecards, PaperFactors, TOP_PAPERS, TierSummary, VenueTier,
};
