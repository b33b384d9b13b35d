//! What identity resolution reads: one [`Mention`] per author position on a paper, and the
//! strings they point to (names, strong ids, organisations, countries) interned once, with each
//! mention's affiliations in flat arrays. Loaded by `load.rs`, read by every later step.

use crate::orgs::OrgType;

/// Strong id kinds, in the order they are trusted.
pub const ID_KINDS: [&str; 4] = ["openreview", "orcid", "openalex", "dblp"];

/// One author position on one paper.
#[derive(Debug, Clone, Copy)]
pub struct Mention {
    pub work: i64,
    pub position: i64,
    pub name: u32,
    /// Interned strong ids per kind (index into [`ID_KINDS`]); 0 = none.
    pub ids: [u32; 4],
    /// Publication year of the work (0 when unknown).
    pub year: i32,
    pub citations: i64,
}

/// An affiliation of a mention, as statistics need it.
#[derive(Debug, Clone, Copy)]
pub struct AffFact {
    /// Index into [`MentionData::org_names`].
    pub org: u32,
    /// Index into [`MentionData::countries`]; 0 = none given.
    pub country: u32,
    /// A department or school named without its institution ("Department of Computer Science").
    pub generic: bool,
    /// Aligned to the author only by list length (a raw string without a source-normalised
    /// name, domain or institution id, from a source that also writes paper-level lists).
    pub weak: bool,
    /// Not the author's at all: one of the paper's unaligned affiliations, given to an author
    /// who has none of their own. Evidence for the current organisation only (never for
    /// identity, timelines or moves).
    pub paper_level: bool,
    pub org_type: OrgType,
    /// Index into [`MentionData::domains`]: the institutional e-mail domain the source gave with
    /// this affiliation (`mail_domains.rs`); 0 = none, or a personal mail provider.
    pub domain: u32,
}

/// Everything resolution needs, loaded once.
#[derive(Debug, Default)]
pub struct MentionData {
    pub mentions: Vec<Mention>,
    pub names: Vec<String>,
    /// Per kind, interned id strings (index 0 unused).
    pub id_values: [Vec<String>; 4],
    /// Named (not generic) organisation ids of all mentions, distinct per mention, mention
    /// after mention: see [`MentionData::orgs_of`]. Flat arrays rather than a vector per
    /// mention: at 50M mentions the per-vector headers and allocations alone were gigabytes.
    pub(super) org_ids: Vec<u32>,
    /// Start of each mention's organisations in `org_ids` (one more entry than mentions).
    pub(super) org_start: Vec<u32>,
    /// Organisations by id: normalised key (see [`crate::organisations::org_key`]).
    pub org_tokens: Vec<String>,
    /// Affiliations of all mentions, mention after mention: see [`MentionData::affs_of`].
    pub(super) aff_facts: Vec<AffFact>,
    /// Start of each mention's affiliations in `aff_facts` (one more entry than mentions).
    pub(super) aff_start: Vec<u32>,
    /// Country codes by id (index 0 = none).
    pub countries: Vec<String>,
    /// Institutional e-mail domains by id (index 0 = none).
    pub domains: Vec<String>,
    /// Organisations by id: display name (canonical when the alias table applied).
    pub org_names: Vec<String>,
    /// Organisations by id: index into the alias table, when it applied.
    pub org_canonical: Vec<Option<usize>>,
    /// Organisations by id: ROR id, when a source gave one.
    pub org_rors: Vec<Option<String>>,
    /// OpenReview ids dropped at load because they name someone else (index 0 used).
    pub dropped_ids: [u64; 4],
}

impl MentionData {
    /// Named organisations of mention `m` (distinct, in the order the paper lists them).
    pub fn orgs_of(&self, m: usize) -> &[u32] {
        &self.org_ids[self.org_start[m] as usize..self.org_start[m + 1] as usize]
    }

    /// Affiliations of mention `m`.
    pub fn affs_of(&self, m: usize) -> &[AffFact] {
        &self.aff_facts[self.aff_start[m] as usize..self.aff_start[m + 1] as usize]
    }

    /// The mentions of the paper of mention `m`, as a range of mention indices (a paper's
    /// mentions are adjacent, in author order: the data is loaded paper by paper).
    pub fn paper_of(&self, m: usize) -> std::ops::Range<usize> {
        let work = self.mentions[m].work;
        let start = m - self.mentions[..m]
            .iter()
            .rev()
            .take_while(|x| x.work == work)
            .count();
        let end = m + self.mentions[m..]
            .iter()
            .take_while(|x| x.work == work)
            .count();
        start..end
    }

    /// Each paper's mentions as a range of mention indices, paper after paper in load order (a
    /// paper's mentions are adjacent).
    pub fn papers(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let mut start = 0;
        std::iter::from_fn(move || {
            let first = self.mentions.get(start)?;
            let len = self.mentions[start..]
                .iter()
                .take_while(|x| x.work == first.work)
                .count();
            let paper = start..start + len;
            start += len;
            Some(paper)
        })
    }

    /// Every affiliation of every mention.
    pub fn all_affs(&self) -> &[AffFact] {
        &self.aff_facts
    }

    /// The latest publication year of any mention (0 when none is known): the year recency and
    /// career stage are measured from.
    pub fn latest_year(&self) -> i32 {
        self.mentions.iter().map(|m| m.year).max().unwrap_or(0)
    }

    /// The country code of an affiliation, if one was given.
    pub fn country(&self, fact: &AffFact) -> Option<&str> {
        (fact.country != 0).then(|| self.countries[fact.country as usize].as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn papers_are_the_runs_of_one_work() {
        let mention = |work| Mention {
            work,
            position: 0,
            name: 0,
            ids: [0; 4],
            year: 2020,
            citations: 0,
        };
        let data = MentionData {
            mentions: [7, 7, 3, 9, 9, 9, 7].into_iter().map(mention).collect(),
            ..MentionData::default()
        };
        let papers: Vec<_> = data.papers().collect();
        assert_eq!(papers, vec![0..2, 2..3, 3..6, 6..7]);
        assert_eq!(data.paper_of(4), 3..6);
        assert_eq!(MentionData::default().papers().count(), 0);
    }
}
