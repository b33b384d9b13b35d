//! What resolution records: each union as a [`Link`] with its [`Rule`] and [`LinkEvidence`]
//! (ids, spelled out in words by [`Link::detail`] only for what is written or shown).

use serde::Serialize;

use super::mention::MentionData;
use crate::names::fold;

/// Why two mentions were joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    DuplicateOnPaper,
    SameOpenReviewId,
    SameOrcid,
    SameOpenAlexId,
    SameDblpId,
    NameAndCoauthor,
    NameAndOrganisation,
    RareFullName,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::DuplicateOnPaper => "duplicate-on-paper",
            Rule::SameOpenReviewId => "same-openreview-id",
            Rule::SameOrcid => "same-orcid",
            Rule::SameOpenAlexId => "same-openalex-id",
            Rule::SameDblpId => "same-dblp-id",
            Rule::NameAndCoauthor => "compatible-name+shared-coauthor",
            Rule::NameAndOrganisation => "compatible-name+shared-organisation",
            Rule::RareFullName => "identical-rare-full-name",
        }
    }
    pub fn is_strong_id(self) -> bool {
        matches!(
            self,
            Rule::SameOpenReviewId | Rule::SameOrcid | Rule::SameOpenAlexId | Rule::SameDblpId
        )
    }

    /// The rule of a union by a strong id of kind `kind` (index into [`super::ID_KINDS`]).
    pub(super) fn for_kind(kind: usize) -> Rule {
        [
            Rule::SameOpenReviewId,
            Rule::SameOrcid,
            Rule::SameOpenAlexId,
            Rule::SameDblpId,
        ][kind]
    }
}

/// A recorded union of two mentions.
#[derive(Debug, Clone)]
pub struct Link {
    pub a: u32,
    pub b: u32,
    pub rule: Rule,
    pub evidence: LinkEvidence,
}

/// What a link rests on, as ids into [`MentionData`]; [`Link::detail`] spells it out. Kept
/// as ids because a large corpus has tens of millions of links and only the judgement calls
/// among them are ever written out.
#[derive(Debug, Clone, Copy)]
pub enum LinkEvidence {
    /// The name (into `names`) appears twice on the paper.
    Repeated { name: u32 },
    /// Shared co-author names, with one example spelling (into `names`).
    Coauthors { shared: u32, example: Option<u32> },
    /// Shared organisations, with one example (into `org_tokens`).
    Organisations { shared: u32, example: u32 },
    /// An identical full name (into `names`) in a block of at most `max_givens` given names.
    RareFullName { name: u32, max_givens: u32 },
}

impl Link {
    /// The evidence in words, as `identity_links.detail` and `why-same` show it.
    pub fn detail(&self, data: &MentionData) -> String {
        let name = |n: u32| data.names.get(n as usize).map_or("", String::as_str);
        match self.evidence {
            LinkEvidence::Repeated { name: n } => {
                format!("\"{}\" appears twice on the paper", name(n))
            }
            LinkEvidence::Coauthors { shared, example } => format!(
                "{shared} shared co-author name(s), e.g. {}",
                example.map_or_else(String::new, |n| format!("\"{}\"", name(n)))
            ),
            LinkEvidence::Organisations { shared, example } => format!(
                "{shared} shared organisation(s), e.g. \"{}\"",
                data.org_tokens
                    .get(example as usize)
                    .map_or("", String::as_str)
            ),
            LinkEvidence::RareFullName {
                name: n,
                max_givens,
            } => format!(
                "identical full name \"{}\", and at most {max_givens} given names occur with this family name and initial",
                name(n)
            ),
        }
    }
}

/// Organisation reduced for comparison: folded, letters and digits, single spaces.
pub fn org_token(s: &str) -> String {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
