//! Per-researcher facts computed from a researcher's mentions: distinct works, first and last
//! year, citations, the current organisation (`current.rs`, with OpenAlex profiles) and where
//! they trained (`trained.rs`).

use rusqlite::Connection;
use rustc_hash::FxHashMap as HashMap;

use super::current::{self, Current};
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
            current: current::current_affiliation(data, orgs, mentions, profile, as_of),
            trained: trained::trained_at(data, orgs, mentions),
        });
    }
    Ok(facts)
}
