//! A researcher's current organisation, weighed from the evidence rather than read off the
//! latest paper.
//!
//! Each (paper, organisation) counts once, weighted by how sure its alignment to the author is
//! (an organisation the source normalised, or gave with an e-mail domain or an institution id,
//! counts 1; a raw string whose list merely had as many entries as the paper had authors — the
//! shape of a paper-level list — counts [`WEAK_ALIGNMENT`]; an organisation only on the paper's
//! unaligned list, for an author with none of their own, [`PAPER_LEVEL`]) and by recency (half-life
//! [`HALF_LIFE_YEARS`] before the researcher's latest evidence). An OpenAlex author profile's
//! affiliation counts [`PROFILE_WEIGHT`] at its latest year. The organisation with the most
//! weight is current, except that an organisation present in the latest year while the leader
//! is not takes over when something corroborates it: at least two papers there from the year
//! the leader was last seen, the OpenAlex profile's last-known institution, or one paper there
//! and more co-authors (met on other recent papers, their organisation resting on their own
//! affiliations) there than at the old one. One newer paper alone never
//! overrides many. The evidence is read in tiers: the researcher's own (aligned) affiliations
//! first, and paper-level lists only when they have none, so a list on a newer paper never
//! outweighs or outdates the author's own affiliations; among list-only organisations, each
//! recent co-author currently there counts as one more listing.
//!
//! A researcher without any affiliation on their papers gets one from their recent co-authors
//! (on their papers of the last [`RECENT_COAUTHOR_YEARS`] years before their latest, teams of at
//! most [`MAX_COAUTHOR_TEAM`]) only when it is corroborated: at least [`MIN_COAUTHORS`] distinct
//! co-authors are currently there, and they are more than half of those whose current
//! organisation is known. The evidence says so ("inferred from co-authors"), and the confidence
//! is at most half.
//!
//! The confidence is the chosen organisation's share of all the weight, times n / (n + 1) for
//! its n papers, halved for every two years its evidence is older than the corpus's latest
//! year beyond the first two; the evidence is kept in words for profiles and the List.

use rusqlite::Connection;
use rustc_hash::FxHashMap as HashMap;

use super::mention::{AffFact, MentionData};
use super::org_table::OrgTable;
use crate::error::Result;
use crate::organisations::OrgRegistry;
use crate::orgs::OrgType;

/// Weight of an affiliation whose alignment to the author is only a guess from list length.
pub const WEAK_ALIGNMENT: f64 = 0.25;
/// Weight of one of a paper's unaligned affiliations, given to an author with none of their own.
pub const PAPER_LEVEL: f64 = 0.15;
/// Half-life of an affiliation's weight, in years before the researcher's latest evidence.
pub const HALF_LIFE_YEARS: f64 = 2.0;
/// Weight of an OpenAlex author profile affiliation at its latest year.
pub const PROFILE_WEIGHT: f64 = 1.5;
/// Evidence older than this many years before the corpus's latest year is stale.
pub const STALE_AFTER_YEARS: i32 = 2;
/// Co-authors count on papers up to this many years before the researcher's latest paper.
pub const RECENT_COAUTHOR_YEARS: i32 = 2;
/// Papers with more authors than this say little about where each of them works.
pub const MAX_COAUTHOR_TEAM: usize = 30;
/// Distinct co-authors who must share an organisation before it is inferred for a researcher
/// without affiliations of their own.
pub const MIN_COAUTHORS: u32 = 2;

/// The current organisations of a researcher's recent co-authors (their own evidence, never
/// inferred from co-authors in turn).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coauthors {
    /// Distinct recent co-authors whose current organisation is known and not stale.
    pub known: u32,
    /// (organisation index, distinct co-authors currently there), most first, ties by index.
    pub orgs: Vec<(usize, u32)>,
    /// (organisation, co-author, work) for every recent paper shared with such a co-author whose
    /// organisation rests on their own affiliations (not on lists or co-authors).
    pub shared: Vec<(usize, u32, i64)>,
}

impl Coauthors {
    /// Distinct co-authors currently at `org`.
    fn at(&self, org: usize) -> u32 {
        self.orgs
            .iter()
            .find(|(o, _)| *o == org)
            .map_or(0, |(_, n)| *n)
    }

    /// Distinct co-authors currently at `org` met on papers other than `works`: the co-authors
    /// of the very paper that names a new organisation are no corroboration of it.
    fn at_besides(&self, org: usize, works: &[i64]) -> u32 {
        let mut who: Vec<u32> = self
            .shared
            .iter()
            .filter(|(o, _, w)| *o == org && !works.contains(w))
            .map(|(_, c, _)| *c)
            .collect();
        who.sort_unstable();
        who.dedup();
        who.len() as u32
    }
}

/// A year-stamped affiliation from an OpenAlex author profile.
pub struct ProfileAffiliation {
    pub year: i32,
    /// Index into the [`OrgTable`].
    pub org: usize,
    pub country: Option<String>,
    pub org_type: OrgType,
    /// OpenAlex marks it as the author's last known institution.
    pub last_known: bool,
}

/// The affiliations of OpenAlex author profiles, by OpenAlex author id.
pub fn profile_affiliations(
    conn: &Connection,
    table: &mut OrgTable,
) -> Result<HashMap<String, Vec<ProfileAffiliation>>> {
    profile_affiliations_where(conn, table, "")
}

/// [`profile_affiliations`] of the profiles `openalex_ids` only (what an incremental refresh
/// reads: each profile's rows in the same order as the full read).
pub fn profile_affiliations_of(
    conn: &Connection,
    table: &mut OrgTable,
    openalex_ids: &[&str],
) -> Result<HashMap<String, Vec<ProfileAffiliation>>> {
    crate::db::fill_temp_ids(conn, "profile_ids", "TEXT", openalex_ids)?;
    let out = profile_affiliations_where(
        conn,
        table,
        "AND openalex_id IN (SELECT id FROM temp.profile_ids)",
    );
    conn.execute_batch("DELETE FROM temp.profile_ids;")?;
    out
}

fn profile_affiliations_where(
    conn: &Connection,
    table: &mut OrgTable,
    filter: &str,
) -> Result<HashMap<String, Vec<ProfileAffiliation>>> {
    let registry = OrgRegistry::builtin();
    let mut out: HashMap<String, Vec<ProfileAffiliation>> = HashMap::default();
    let mut stmt = conn.prepare(&format!(
        "SELECT openalex_id, name, country, org_type, years, last_known FROM oa_author_affiliations
         WHERE years <> '' {filter}"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let years: String = row.get(4)?;
        let Some(year) = years
            .split(',')
            .filter_map(|y| y.trim().parse::<i32>().ok())
            .max()
        else {
            continue;
        };
        let name: String = row.get(1)?;
        let source_type: Option<String> = row.get(3)?;
        let country: Option<String> = row.get(2)?;
        let last_known: i64 = row.get(5)?;
        let resolved = registry.resolve(&name);
        if resolved.key.is_empty() {
            continue;
        }
        let org_type = registry.org_type(&resolved, &name, None, source_type.as_deref());
        let org = table.intern(
            &resolved.key,
            &resolved.name,
            org_type,
            country.clone(),
            resolved.canonical,
        );
        out.entry(row.get(0)?)
            .or_default()
            .push(ProfileAffiliation {
                year,
                org,
                org_type,
                country,
                last_known: last_known != 0,
            });
    }
    Ok(out)
}

/// The current affiliation with its confidence and evidence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Current {
    /// Index into the [`OrgTable`].
    pub org_id: Option<usize>,
    /// The latest year with evidence for this organisation.
    pub year: Option<i32>,
    pub org_type: Option<OrgType>,
    pub country: Option<String>,
    /// 0–1: the organisation's share of the weighed evidence, discounted for few papers and age.
    pub confidence: f64,
    /// The evidence in words.
    pub evidence: String,
    /// The evidence is older than [`STALE_AFTER_YEARS`] before the corpus's latest year.
    pub stale: bool,
    /// Whether co-authors could change the answer: no evidence at all, organisations only on
    /// paper-level lists, or a newer organisation with one paper awaiting corroboration. Not
    /// stored.
    pub wants_coauthors: bool,
    /// The organisation rests on the researcher's own affiliations or profile (not only on
    /// paper-level lists or co-authors): only such organisations corroborate others'. Not stored.
    pub own_evidence: bool,
}

/// Evidence for one organisation.
#[derive(Default)]
struct OrgEvidence {
    weight: f64,
    /// Distinct papers, and of those only weakly aligned.
    papers: u32,
    weak_papers: u32,
    /// Of those, only on a paper-level list.
    paper_level_papers: u32,
    /// Recent co-authors currently there (counted for list-only organisations).
    coauthors: u32,
    first_year: i32,
    last_year: i32,
    /// Works counted (each once).
    works: Vec<i64>,
    /// Papers per year (distinct works), aligned ones only.
    aligned_by_year: Vec<(i32, i64)>,
    profile: bool,
    last_known: bool,
    country: Option<String>,
    org_type: Option<OrgType>,
}

/// Weighs the evidence of one researcher's mentions (and OpenAlex profile, and recent
/// co-authors' current organisations) into a current organisation. `as_of` is the corpus's
/// latest year.
pub fn current_affiliation(
    data: &MentionData,
    table: &OrgTable,
    mentions: &[u32],
    profile: &[ProfileAffiliation],
    coauthors: &Coauthors,
    as_of: i32,
) -> Current {
    // The researcher's own (aligned) named institutions first; then with the paper-level lists
    // of papers where they have none; a bare "Department of Computer Science" only when
    // nothing else was ever given.
    for (generic, paper_level) in [(false, false), (false, true), (true, true)] {
        let current = weigh(
            data,
            table,
            mentions,
            profile,
            coauthors,
            Tier {
                generic,
                paper_level,
            },
            as_of,
        );
        if current.org_id.is_some() {
            return current;
        }
    }
    from_coauthors(data, table, mentions, coauthors, as_of)
}

/// The organisation of a researcher without affiliations of their own, from their recent
/// co-authors, when enough of them agree (see the module documentation).
fn from_coauthors(
    data: &MentionData,
    table: &OrgTable,
    mentions: &[u32],
    coauthors: &Coauthors,
    as_of: i32,
) -> Current {
    let nothing = Current {
        wants_coauthors: true,
        ..Current::default()
    };
    let Some(&(org, n)) = coauthors.orgs.first() else {
        return nothing;
    };
    // The first entry must be the only one with the most co-authors, and a majority.
    let tied = coauthors.orgs.get(1).is_some_and(|(_, m)| *m == n);
    if n < MIN_COAUTHORS || 2 * n <= coauthors.known || tied {
        return nothing;
    }
    let Some(year) = mentions
        .iter()
        .map(|&m| data.mentions[m as usize].year)
        .filter(|y| *y > 0)
        .max()
    else {
        return nothing;
    };
    let share = f64::from(n) / f64::from(coauthors.known.max(1));
    let n = f64::from(n);
    let age = (as_of - year - STALE_AFTER_YEARS).max(0);
    let confidence = 0.5 * share * n / (n + 1.0) * 0.5f64.powf(f64::from(age) / 2.0);
    Current {
        org_id: Some(org),
        year: Some(year),
        org_type: Some(table.types[org]),
        country: table.countries[org].clone(),
        confidence: (confidence * 1000.0).round() / 1000.0,
        evidence: format!(
            "inferred from co-authors: {} of {} recent co-authors with a known organisation are there; no affiliation on the researcher's own papers",
            coauthors.at(org),
            coauthors.known
        ),
        stale: as_of - year > STALE_AFTER_YEARS,
        wants_coauthors: true,
        own_evidence: false,
    }
}

/// Which evidence a weighing reads.
#[derive(Clone, Copy)]
struct Tier {
    /// Bare departments ("Department of Computer Science").
    generic: bool,
    /// Paper-level lists given to authors without affiliations of their own.
    paper_level: bool,
}

impl Tier {
    fn reads(self, f: &AffFact) -> bool {
        (self.generic || !f.generic) && (self.paper_level || !f.paper_level)
    }
}

fn weigh(
    data: &MentionData,
    table: &OrgTable,
    mentions: &[u32],
    profile: &[ProfileAffiliation],
    coauthors: &Coauthors,
    tier: Tier,
    as_of: i32,
) -> Current {
    let usable = |m: u32| data.affs_of(m as usize).iter().any(|f| tier.reads(f));
    let latest = mentions
        .iter()
        .filter(|&&m| usable(m))
        .map(|&m| data.mentions[m as usize].year)
        .chain(profile.iter().map(|p| p.year))
        .max();
    let Some(latest) = latest.filter(|&y| y > 0) else {
        return Current::default();
    };
    let decay = |year: i32| 0.5f64.powf(f64::from(latest - year.min(latest)) / HALF_LIFE_YEARS);
    let mut by_org: HashMap<usize, OrgEvidence> = HashMap::default();
    for &m in mentions {
        let mention = &data.mentions[m as usize];
        if mention.year <= 0 {
            continue;
        }
        for f in data.affs_of(m as usize).iter().filter(|f| tier.reads(f)) {
            let e = by_org.entry(f.org as usize).or_default();
            // A work counts once per organisation (a name listed twice, two spellings).
            if e.works.contains(&mention.work) {
                continue;
            }
            e.works.push(mention.work);
            let w = if f.paper_level {
                PAPER_LEVEL
            } else if f.weak {
                WEAK_ALIGNMENT
            } else {
                1.0
            };
            e.weight += w * decay(mention.year);
            e.papers += 1;
            e.paper_level_papers += u32::from(f.paper_level);
            if f.weak {
                e.weak_papers += 1;
            } else {
                e.aligned_by_year.push((mention.year, mention.work));
            }
            e.first_year = if e.first_year == 0 {
                mention.year
            } else {
                e.first_year.min(mention.year)
            };
            e.last_year = e.last_year.max(mention.year);
            if e.country.is_none() {
                e.country = data.country(f).map(str::to_string);
            }
            e.org_type.get_or_insert(f.org_type);
        }
    }
    for p in profile {
        let e = by_org.entry(p.org).or_default();
        e.weight += PROFILE_WEIGHT * decay(p.year);
        e.profile = true;
        e.last_known |= p.last_known;
        e.first_year = if e.first_year == 0 {
            p.year
        } else {
            e.first_year.min(p.year)
        };
        e.last_year = e.last_year.max(p.year);
        if e.country.is_none() {
            e.country = p.country.clone();
        }
        e.org_type.get_or_insert(p.org_type);
    }
    if by_org.is_empty() {
        return Current::default();
    }
    // A paper-level list names the author's organisation among others: the ones where the
    // author's recent co-authors are count once more per such co-author.
    let mut from_lists = false;
    for (org, e) in by_org.iter_mut() {
        if e.paper_level_papers > 0 && e.paper_level_papers == e.papers && !e.profile {
            from_lists = true;
            e.coauthors = coauthors.at_besides(*org, &[]);
            e.weight += PAPER_LEVEL * f64::from(e.coauthors);
        }
    }
    // Summed smallest first: in hash order the last bit of the total, and so a confidence that
    // rounds to three decimals, could differ between two refreshes of the same data.
    let mut weights: Vec<f64> = by_org.values().map(|e| e.weight).collect();
    weights.sort_by(f64::total_cmp);
    let total: f64 = weights.iter().sum();
    // Ties go to the alphabetically first organisation, so the result does not depend on hash
    // order; by normalised key, not display name, which the most used spelling chooses and an
    // incremental refresh keeps (`incremental/downstream.rs`).
    let better = |a: (&usize, &OrgEvidence), b: (&usize, &OrgEvidence)| {
        a.1.weight
            .total_cmp(&b.1.weight)
            .then_with(|| table.keys[*b.0].cmp(&table.keys[*a.0]))
    };
    let Some((&leader, leader_ev)) = by_org.iter().max_by(|a, b| better(*a, *b)) else {
        return Current::default();
    };
    let mut chosen = leader;
    let mut why_moved = None;
    let mut wants_coauthors = false;
    if leader_ev.last_year < latest {
        let newest = by_org
            .iter()
            .filter(|(_, e)| e.last_year == latest)
            .max_by(|a, b| better(*a, *b));
        if let Some((&org, e)) = newest {
            let since_leader = e
                .aligned_by_year
                .iter()
                .filter(|(y, _)| *y >= leader_ev.last_year)
                .count();
            if since_leader >= 2 {
                chosen = org;
                why_moved = Some(format!(
                    "{since_leader} papers there since {}",
                    leader_ev.last_year
                ));
            } else if e.last_known {
                chosen = org;
                why_moved = Some("OpenAlex's last known institution".to_string());
            } else if since_leader == 1 {
                let new_works: Vec<i64> = e
                    .aligned_by_year
                    .iter()
                    .filter(|(y, _)| *y >= leader_ev.last_year)
                    .map(|(_, w)| *w)
                    .collect();
                let there = coauthors.at_besides(org, &new_works);
                // The co-authors must side with the new organisation, not the old one.
                if there > 0 && there > coauthors.at_besides(leader, &new_works) {
                    chosen = org;
                    why_moved = Some(format!(
                        "1 paper there since {}, and {there} co-author{} there from other recent papers",
                        leader_ev.last_year,
                        if there == 1 { "" } else { "s" }
                    ));
                } else {
                    wants_coauthors = true;
                }
            }
        }
    }
    let Some(ev) = by_org.get(&chosen) else {
        return Current::default();
    };
    let n = f64::from(ev.papers) + if ev.profile { 1.0 } else { 0.0 };
    let age = (as_of - ev.last_year - STALE_AFTER_YEARS).max(0);
    let confidence = (ev.weight / total.max(f64::MIN_POSITIVE)) * n / (n + 1.0)
        * 0.5f64.powf(f64::from(age) / 2.0);
    let mut evidence = describe(ev);
    if let Some(why) = why_moved {
        evidence.push_str(&format!(
            "; newer than {} ({why})",
            table.names[leader].as_str()
        ));
    } else if let Some((&other, oe)) = by_org
        .iter()
        .filter(|(o, _)| **o != chosen)
        .max_by(|a, b| better(*a, *b))
    {
        // Evidence that weighs exactly the same is no reason to prefer one: say so.
        let relation = if oe.weight.total_cmp(&ev.weight).is_eq() {
            "tied with"
        } else {
            "outweighs"
        };
        evidence.push_str(&format!(
            "; {relation} {} ({}){}",
            table.names[other].as_str(),
            describe(oe),
            if relation == "tied with" {
                ": the first alphabetically is shown"
            } else {
                ""
            }
        ));
    }
    Current {
        org_id: Some(chosen),
        year: Some(ev.last_year),
        org_type: Some(table.types[chosen]),
        country: ev
            .country
            .clone()
            .or_else(|| table.countries[chosen].clone()),
        confidence: (confidence * 1000.0).round() / 1000.0,
        evidence,
        stale: as_of - ev.last_year > STALE_AFTER_YEARS,
        wants_coauthors: wants_coauthors || from_lists,
        own_evidence: ev.papers > ev.paper_level_papers || ev.profile,
    }
}

fn describe(e: &OrgEvidence) -> String {
    let years = if e.first_year == e.last_year {
        e.last_year.to_string()
    } else {
        format!("{}–{}", e.first_year, e.last_year)
    };
    let mut s = format!(
        "{} paper{} {years}",
        e.papers,
        if e.papers == 1 { "" } else { "s" }
    );
    if e.weak_papers > 0 {
        s.push_str(&format!(", {} only from a paper-level list", e.weak_papers));
    }
    if e.coauthors > 0 {
        s.push_str(&format!(
            ", {} recent co-author{} there",
            e.coauthors,
            if e.coauthors == 1 { "" } else { "s" }
        ));
    }
    if e.last_known {
        s.push_str(", OpenAlex last known");
    } else if e.profile {
        s.push_str(", OpenAlex profile");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::mention::Mention;

    /// How an affiliation reaches an author.
    #[derive(Clone, Copy)]
    enum Given {
        /// Normalised by the source (aligned).
        Aligned,
        /// Only on the paper's unaligned list.
        List,
    }

    /// A paper: its year and its authors (researcher, affiliations (organisation, how)).
    type Paper = (i32, Vec<(usize, Vec<(usize, Given)>)>);

    /// A small corpus: `papers` is (year, [(researcher, [(organisation, how)])]); each paper's
    /// authors are its mentions, in order. Returns the data, the organisation table and each
    /// researcher's mentions.
    fn corpus(
        orgs: &[&str],
        papers: &[Paper],
        researchers: usize,
    ) -> (MentionData, OrgTable, Vec<Vec<u32>>) {
        let mut data = MentionData {
            org_start: vec![0],
            aff_start: vec![0],
            countries: vec![String::new()],
            org_tokens: orgs
                .iter()
                .map(|o| crate::organisations::org_key(o))
                .collect(),
            org_names: orgs.iter().map(|o| o.to_string()).collect(),
            org_canonical: vec![None; orgs.len()],
            org_rors: vec![None; orgs.len()],
            ..MentionData::default()
        };
        let mut of: Vec<Vec<u32>> = vec![Vec::new(); researchers];
        for (work, (year, authors)) in papers.iter().enumerate() {
            for (position, (r, affs)) in authors.iter().enumerate() {
                of[*r].push(data.mentions.len() as u32);
                for &(org, given) in affs {
                    if matches!(given, Given::Aligned) {
                        data.org_ids.push(org as u32);
                    }
                    data.aff_facts.push(AffFact {
                        org: org as u32,
                        country: 0,
                        generic: false,
                        weak: matches!(given, Given::List),
                        paper_level: matches!(given, Given::List),
                        org_type: OrgType::Education,
                        domain: 0,
                    });
                }
                data.mentions.push(Mention {
                    work: work as i64,
                    position: position as i64,
                    name: *r as u32,
                    ids: [0; 4],
                    year: *year,
                    citations: 0,
                });
                data.org_start.push(data.org_ids.len() as u32);
                data.aff_start.push(data.aff_facts.len() as u32);
            }
        }
        let table = OrgTable::from_data(&data);
        (data, table, of)
    }

    fn name(table: &OrgTable, c: &Current) -> String {
        c.org_id
            .map_or_else(|| "unknown".to_string(), |o| table.names[o].clone())
    }

    const WATERLOO: usize = 0;
    const SERVICENOW: usize = 1;
    const COLUMBIA: usize = 2;
    const ORGS: &[&str] = &[
        "University of Waterloo",
        "ServiceNow",
        "Columbia University",
    ];

    #[test]
    fn own_affiliations_outweigh_newer_paper_level_lists() {
        use Given::*;
        // Researcher 0: one paper of their own at Waterloo in 2021, one at ServiceNow in 2019,
        // then four papers whose only affiliations are the paper's list naming ServiceNow.
        let mut papers = vec![
            (2019, vec![(0, vec![(SERVICENOW, Aligned)])]),
            (2021, vec![(0, vec![(WATERLOO, Aligned)])]),
        ];
        for _ in 0..4 {
            papers.push((2023, vec![(0, vec![(SERVICENOW, List)])]));
        }
        let (data, table, of) = corpus(ORGS, &papers, 1);
        let c = current_affiliation(&data, &table, &of[0], &[], &Coauthors::default(), 2024);
        assert_eq!(name(&table, &c), "University of Waterloo", "{}", c.evidence);
        // Without any affiliation of their own, the lists are the evidence.
        let lists_only: Vec<_> = papers[2..].to_vec();
        let (data, table, of) = corpus(ORGS, &lists_only, 1);
        let c = current_affiliation(&data, &table, &of[0], &[], &Coauthors::default(), 2024);
        assert_eq!(name(&table, &c), "ServiceNow");
        assert!(c.evidence.contains("paper-level list"), "{}", c.evidence);
    }

    #[test]
    fn one_newer_paper_moves_only_when_a_coauthor_is_there() {
        use Given::*;
        // Five papers at Waterloo up to 2022, then one at Columbia in 2024.
        let mut papers: Vec<Paper> = (2018..=2022)
            .map(|y| (y, vec![(0, vec![(WATERLOO, Aligned)])]))
            .collect();
        papers.push((2024, vec![(0, vec![(COLUMBIA, Aligned)])]));
        let (data, table, of) = corpus(ORGS, &papers, 1);
        let alone = current_affiliation(&data, &table, &of[0], &[], &Coauthors::default(), 2024);
        assert_eq!(name(&table, &alone), "University of Waterloo");
        assert!(alone.wants_coauthors);
        // Two co-authors at Columbia on other recent papers (works 98, 99) corroborate the
        // move; one at Waterloo does not hold it back.
        let coauthors = Coauthors {
            known: 3,
            orgs: vec![(COLUMBIA, 2), (WATERLOO, 1)],
            shared: vec![(COLUMBIA, 7, 99), (COLUMBIA, 9, 98), (WATERLOO, 8, 4)],
        };
        let moved = current_affiliation(&data, &table, &of[0], &[], &coauthors, 2024);
        assert_eq!(name(&table, &moved), "Columbia University");
        assert!(moved.evidence.contains("co-author"), "{}", moved.evidence);
        // The co-authors of the Columbia paper itself (work 5) do not.
        let same_paper = Coauthors {
            known: 1,
            orgs: vec![(COLUMBIA, 1)],
            shared: vec![(COLUMBIA, 7, 5)],
        };
        let stays = current_affiliation(&data, &table, &of[0], &[], &same_paper, 2024);
        assert_eq!(name(&table, &stays), "University of Waterloo");
        // As many co-authors at the old organisation hold it.
        let split = Coauthors {
            known: 2,
            orgs: vec![(COLUMBIA, 1), (WATERLOO, 1)],
            shared: vec![(COLUMBIA, 7, 99), (WATERLOO, 8, 4)],
        };
        let stays = current_affiliation(&data, &table, &of[0], &[], &split, 2024);
        assert_eq!(name(&table, &stays), "University of Waterloo");
        // A co-author elsewhere corroborates nothing.
        let elsewhere = Coauthors {
            known: 1,
            orgs: vec![(SERVICENOW, 1)],
            shared: vec![(SERVICENOW, 7, 99)],
        };
        let stays = current_affiliation(&data, &table, &of[0], &[], &elsewhere, 2024);
        assert_eq!(name(&table, &stays), "University of Waterloo");
    }

    #[test]
    fn coauthors_give_an_organisation_only_when_corroborated() {
        // No affiliation on any of the researcher's papers.
        let papers = vec![(2023, vec![(0, vec![])]), (2024, vec![(0, vec![])])];
        let (data, table, of) = corpus(ORGS, &papers, 1);
        let none = current_affiliation(&data, &table, &of[0], &[], &Coauthors::default(), 2024);
        assert_eq!(none.org_id, None);
        assert!(none.wants_coauthors);
        let agreeing = Coauthors {
            known: 4,
            orgs: vec![(COLUMBIA, 3), (WATERLOO, 1)],
            ..Coauthors::default()
        };
        let c = current_affiliation(&data, &table, &of[0], &[], &agreeing, 2024);
        assert_eq!(name(&table, &c), "Columbia University");
        assert_eq!(c.year, Some(2024));
        assert!(
            c.evidence.starts_with("inferred from co-authors: 3 of 4"),
            "{}",
            c.evidence
        );
        assert!(c.confidence <= 0.5);
        // One co-author is not corroboration; neither is a minority or a tie.
        for weak in [
            Coauthors {
                known: 1,
                orgs: vec![(COLUMBIA, 1)],
                ..Coauthors::default()
            },
            Coauthors {
                known: 5,
                orgs: vec![(COLUMBIA, 2), (WATERLOO, 2), (SERVICENOW, 1)],
                ..Coauthors::default()
            },
            Coauthors {
                known: 4,
                orgs: vec![(COLUMBIA, 2), (WATERLOO, 1), (SERVICENOW, 1)],
                ..Coauthors::default()
            },
        ] {
            let c = current_affiliation(&data, &table, &of[0], &[], &weak, 2024);
            assert_eq!(c.org_id, None, "{weak:?}");
        }
    }

    #[test]
    fn coauthors_break_a_tie_between_organisations_on_one_list() {
        use Given::*;
        // One paper whose list names two organisations; the author has none of their own.
        let papers = vec![(2024, vec![(0, vec![(WATERLOO, List), (COLUMBIA, List)])])];
        let (data, table, of) = corpus(ORGS, &papers, 1);
        let tie = current_affiliation(&data, &table, &of[0], &[], &Coauthors::default(), 2024);
        assert!(tie.wants_coauthors);
        assert_eq!(name(&table, &tie), "Columbia University");
        assert!(
            tie.evidence
                .ends_with("; tied with University of Waterloo (1 paper 2024, 1 only from a paper-level list): the first alphabetically is shown"),
            "{}",
            tie.evidence
        );
        let coauthors = Coauthors {
            known: 2,
            orgs: vec![(WATERLOO, 2)],
            shared: vec![(WATERLOO, 3, 0), (WATERLOO, 4, 7)],
        };
        let c = current_affiliation(&data, &table, &of[0], &[], &coauthors, 2024);
        assert_eq!(name(&table, &c), "University of Waterloo");
        assert!(
            c.evidence.contains("2 recent co-authors there"),
            "{}",
            c.evidence
        );
        assert!(
            c.evidence.contains("; outweighs Columbia"),
            "{}",
            c.evidence
        );
    }
}
