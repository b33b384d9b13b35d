//! One paper of a researcher as the career-stage estimate and its learned model read it.

use rustc_hash::FxHashMap as HashMap;

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

/// Every researcher's papers, by researcher id.
pub type PaperMap = HashMap<i64, Vec<CareerPaper>>;

/// One order whatever the query plan or map order: the features sum in it.
pub(crate) fn sort_papers(papers: &mut PaperMap) {
    for own in papers.values_mut() {
        own.sort_unstable_by_key(|p| (p.year, p.work, p.position));
    }
}
