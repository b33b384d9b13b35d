//! One paper of a researcher as the career-stage estimate and its learned model read it.

/// One paper of a researcher, as the stage estimate needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CareerPaper {
    pub work: i64,
    pub year: i32,
    /// First year of the paper's venue in the corpus.
    pub venue_first_year: i32,
    /// 0-based author position.
    pub position: i64,
    pub n_authors: i64,
}
