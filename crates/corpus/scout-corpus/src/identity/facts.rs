//! Per-researcher facts computed from a researcher's mentions: distinct works, first and last
//! year, citations, the current organisation (`current.rs`, with OpenAlex profiles) and where
//! they trained (`trained.rs`). The current organisation is weighed twice: once from each
//! researcher's own evidence, then again, for those whose answer co-authors could change, with
//! their recent co-authors' organisations from the first pass. What co-authors read of a
//! researcher (the first-pass organisation when not stale, and whether it is their own) is stored
//! with them, so an incremental refresh reads it instead of loading the co-authors' papers.

use rusqlite::Connection;
use rustc_hash::FxHashMap as HashMap;

use super::current::{self, Coauthors, Current};
use super::keys::Researchers;
use super::mention::MentionData;
use super::org_table::OrgTable;
use super::trained::{self, Trained};
use crate::error::Result;

/// What the `researchers` table holds about a researcher beyond name, key and ids.
#[derive(Debug, Clone)]
pub struct ResearcherFacts {
    pub n_works: i64,
    pub first_year: Option<i32>,
    pub last_year: Option<i32>,
    pub citations: i64,
    pub current: Current,
    pub trained: Option<Trained>,
    /// What co-authors' second pass reads of this researcher: the first-pass organisation
    /// (`OrgTable` index) when it is not stale, and whether it rests on their own affiliations.
    pub coauthor_reading: Option<(usize, bool)>,
}

/// Co-authors known only by their stored reading (`researchers.coauthor_org_id`,
/// `coauthor_org_own`), not by their papers: an incremental refresh's unchanged co-authors.
#[derive(Debug, Default)]
pub struct KnownCoauthors {
    /// Per mention of the data: the index in `readings` of its researcher, `u32::MAX` for a
    /// mention of one of the rows or of no researcher.
    pub of_mention: Vec<u32>,
    pub readings: Vec<Option<(usize, bool)>>,
}

/// A work as a researcher's statistics count it.
#[derive(Clone, Copy)]
struct WorkFacts {
    year: i32,
    citations: i64,
}

/// The facts of every researcher (in the order of `researchers.rows`). Organisations known only
/// from OpenAlex author profiles are added to `orgs`; `as_of` is the corpus's latest year.
pub fn researcher_facts(
    conn: &Connection,
    data: &MentionData,
    orgs: &mut OrgTable,
    researchers: &Researchers,
    as_of: i32,
) -> Result<Vec<ResearcherFacts>> {
    let profiles = current::profile_affiliations(conn, orgs)?;
    Ok(facts_among(
        data,
        orgs,
        researchers,
        &profiles,
        &KnownCoauthors::default(),
        researchers.rows.len(),
        as_of,
    ))
}

/// The facts of `researchers` (in the order of their rows), with OpenAlex `profiles` already
/// read into `orgs`. Only the first `second_pass` rows get the second pass; their co-authors
/// are the other rows and the `known` ones (an incremental refresh's unchanged co-authors).
pub fn facts_among(
    data: &MentionData,
    orgs: &OrgTable,
    researchers: &Researchers,
    profiles: &HashMap<String, Vec<current::ProfileAffiliation>>,
    known: &KnownCoauthors,
    second_pass: usize,
    as_of: i32,
) -> Vec<ResearcherFacts> {
    let mut facts = Vec::with_capacity(researchers.rows.len());
    for row in &researchers.rows {
        let mentions = researchers.mentions(row);
        let mut works: HashMap<i64, WorkFacts> = HashMap::default();
        for &m in mentions {
            let mention = &data.mentions[m as usize];
            works.insert(
                mention.work,
                WorkFacts {
                    year: mention.year,
                    citations: mention.citations,
                },
            );
        }
        let years = works.values().map(|w| w.year).filter(|y| *y > 0);
        let profile = row
            .id(data, 2)
            .and_then(|oa| profiles.get(oa))
            .map_or(&[][..], Vec::as_slice);
        facts.push(ResearcherFacts {
            n_works: works.len() as i64,
            first_year: years.clone().min(),
            last_year: years.max(),
            citations: works.values().map(|w| w.citations).sum(),
            current: current::current_affiliation(
                data,
                orgs,
                mentions,
                profile,
                &Coauthors::default(),
                as_of,
            ),
            trained: trained::trained_at(data, orgs, mentions),
            coauthor_reading: None,
        });
    }
    for f in &mut facts {
        f.coauthor_reading = f
            .current
            .org_id
            .filter(|_| !f.current.stale)
            .map(|o| (o, f.current.own_evidence));
    }
    // The second pass, with co-authors' organisations from the first.
    if facts
        .iter()
        .take(second_pass)
        .any(|f| f.current.wants_coauthors)
    {
        let rows = researchers.rows.len();
        let mut owner = vec![u32::MAX; data.mentions.len()];
        for (m, &k) in known.of_mention.iter().enumerate() {
            if k != u32::MAX {
                owner[m] = (rows + k as usize) as u32;
            }
        }
        for (i, row) in researchers.rows.iter().enumerate() {
            for &m in researchers.mentions(row) {
                owner[m as usize] = i as u32;
            }
        }
        // Each co-author's recent (not stale) organisation, and whether it rests on their own
        // affiliations (only those corroborate a move or break a list's tie): the rows' first
        // pass, then the known co-authors' stored readings.
        let first: Vec<Option<(usize, bool)>> = facts
            .iter()
            .map(|f| f.coauthor_reading)
            .chain(known.readings.iter().copied())
            .collect();
        for (i, row) in researchers.rows.iter().enumerate().take(second_pass) {
            if !facts[i].current.wants_coauthors {
                continue;
            }
            let mentions = researchers.mentions(row);
            let coauthors = recent_coauthors(data, &owner, &first, mentions, i as u32);
            if coauthors.orgs.is_empty() {
                continue;
            }
            let profile = row
                .id(data, 2)
                .and_then(|oa| profiles.get(oa))
                .map_or(&[][..], Vec::as_slice);
            facts[i].current =
                current::current_affiliation(data, orgs, mentions, profile, &coauthors, as_of);
        }
    }
    facts
}

/// The current organisations (first pass, not stale; whether each rests on the co-author's own
/// affiliations) of the distinct co-authors on a researcher's recent papers: those of the last
/// [`current::RECENT_COAUTHOR_YEARS`] years before their latest, with at most
/// [`current::MAX_COAUTHOR_TEAM`] authors. `owner` maps each mention to its researcher.
fn recent_coauthors(
    data: &MentionData,
    owner: &[u32],
    first: &[Option<(usize, bool)>],
    mentions: &[u32],
    me: u32,
) -> Coauthors {
    let Some(latest) = mentions
        .iter()
        .map(|&m| data.mentions[m as usize].year)
        .filter(|y| *y > 0)
        .max()
    else {
        return Coauthors::default();
    };
    // (co-author, work)
    let mut seen: Vec<(u32, i64)> = Vec::new();
    for &m in mentions {
        let m = m as usize;
        let work = data.mentions[m].work;
        if data.mentions[m].year < latest - current::RECENT_COAUTHOR_YEARS {
            continue;
        }
        let paper = data.paper_of(m);
        if paper.len() > current::MAX_COAUTHOR_TEAM {
            continue;
        }
        seen.extend(
            owner[paper]
                .iter()
                .copied()
                .filter(|&r| r != me && r != u32::MAX)
                .map(|r| (r, work)),
        );
    }
    seen.sort_unstable();
    seen.dedup();
    let mut shared: Vec<(usize, u32, i64)> = Vec::new();
    let mut counts: HashMap<usize, u32> = HashMap::default();
    let mut known = 0;
    let mut last: Option<u32> = None;
    for (r, work) in seen {
        if let Some(&Some((org, own))) = first.get(r as usize) {
            if own {
                shared.push((org, r, work));
            }
            if last != Some(r) {
                known += 1;
                *counts.entry(org).or_default() += 1;
            }
        }
        last = Some(r);
    }
    let mut orgs: Vec<(usize, u32)> = counts.into_iter().collect();
    orgs.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Coauthors {
        known,
        orgs,
        shared,
    }
}
