//! Where a researcher trained, inferred from early-career papers: the university on most of
//! the papers of their first [`TRAINING_YEARS`] years in the corpus where they were a
//! student-style author (first or middle, not the last author of a multi-author paper, which is
//! the supervisor's place). Only affiliations aligned to the author count. It is an inference
//! and is labelled as one wherever it is shown.

use rustc_hash::FxHashMap as HashMap;

use super::mention::MentionData;
use super::org_table::OrgTable;
use crate::orgs::OrgType;

/// Years from the first paper that count as the training years.
pub const TRAINING_YEARS: i32 = 5;

/// The inferred training organisation and its evidence in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    /// Index into the [`OrgTable`].
    pub org_id: usize,
    pub evidence: String,
}

/// Infers where the researcher with these mentions trained.
pub fn trained_at(data: &MentionData, table: &OrgTable, mentions: &[u32]) -> Option<Trained> {
    let first = mentions
        .iter()
        .map(|&m| data.mentions[m as usize].year)
        .filter(|y| *y > 0)
        .min()?;
    // Per organisation: distinct works and their years.
    let mut by_org: HashMap<usize, Vec<(i64, i32)>> = HashMap::default();
    for &m in mentions {
        let mention = &data.mentions[m as usize];
        if mention.year <= 0 || mention.year >= first + TRAINING_YEARS {
            continue;
        }
        let n = data.paper_of(m as usize).len();
        let last_of_many = n >= 2 && mention.position as usize + 1 == n;
        if last_of_many {
            continue;
        }
        for f in data.affs_of(m as usize) {
            let org = f.org as usize;
            if f.generic || f.weak || table.types.get(org) != Some(&OrgType::Education) {
                continue;
            }
            let works = by_org.entry(org).or_default();
            if !works.iter().any(|(w, _)| *w == mention.work) {
                works.push((mention.work, mention.year));
            }
        }
    }
    let (org, works) = by_org.into_iter().max_by(|a, b| {
        a.1.len()
            .cmp(&b.1.len())
            .then_with(|| table.keys[b.0].cmp(&table.keys[a.0]))
    })?;
    let from = works.iter().map(|w| w.1).min().unwrap_or(first);
    let to = works.iter().map(|w| w.1).max().unwrap_or(first);
    let years = if from == to {
        from.to_string()
    } else {
        format!("{from}–{to}")
    };
    Some(Trained {
        org_id: org,
        evidence: format!(
            "inferred: {} paper{} {years} as first or middle author at {}, within {TRAINING_YEARS} years of the first paper ({first})",
            works.len(),
            if works.len() == 1 { "" } else { "s" },
            table.names[org]
        ),
    })
}
