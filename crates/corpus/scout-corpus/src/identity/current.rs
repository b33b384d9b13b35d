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
//! the leader was last seen, or the OpenAlex profile's last-known institution. One newer paper
//! alone never overrides many.
//!
//! The confidence is the chosen organisation's share of all the weight, times n / (n + 1) for
//! its n papers, halved for every two years its evidence is older than the corpus's latest
//! year beyond the first two; the evidence is kept in words for profiles and the List.

use rusqlite::Connection;
use rustc_hash::FxHashMap as HashMap;

use super::mention::MentionData;
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
    let registry = OrgRegistry::builtin();
    let mut out: HashMap<String, Vec<ProfileAffiliation>> = HashMap::default();
    let mut stmt = conn.prepare(
        "SELECT openalex_id, name, country, org_type, years, last_known FROM oa_author_affiliations WHERE years <> ''",
    )?;
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
}

/// Evidence for one organisation.
#[derive(Default)]
struct OrgEvidence {
    weight: f64,
    /// Distinct papers, and of those only weakly aligned.
    papers: u32,
    weak_papers: u32,
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

/// Weighs the evidence of one researcher's mentions (and OpenAlex profile) into a current
/// organisation. `as_of` is the corpus's latest year.
pub fn current_affiliation(
    data: &MentionData,
    table: &OrgTable,
    mentions: &[u32],
    profile: &[ProfileAffiliation],
    as_of: i32,
) -> Current {
    // Prefer named institutions; a bare "Department of Computer Science" only when nothing else
    // was ever given.
    let named = weigh(data, table, mentions, profile, false, as_of);
    if named.org_id.is_some() {
        return named;
    }
    weigh(data, table, mentions, profile, true, as_of)
}

fn weigh(
    data: &MentionData,
    table: &OrgTable,
    mentions: &[u32],
    profile: &[ProfileAffiliation],
    generic: bool,
    as_of: i32,
) -> Current {
    let usable = |m: u32| {
        data.affs_of(m as usize)
            .iter()
            .any(|f| generic || !f.generic)
    };
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
        for f in data
            .affs_of(m as usize)
            .iter()
            .filter(|f| generic || !f.generic)
        {
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
    let total: f64 = by_org.values().map(|e| e.weight).sum();
    // Ties go to the alphabetically first name, so the result does not depend on hash order.
    let better = |a: (&usize, &OrgEvidence), b: (&usize, &OrgEvidence)| {
        a.1.weight
            .total_cmp(&b.1.weight)
            .then_with(|| table.names[*b.0].cmp(&table.names[*a.0]))
    };
    let Some((&leader, leader_ev)) = by_org.iter().max_by(|a, b| better(*a, *b)) else {
        return Current::default();
    };
    let mut chosen = leader;
    let mut why_moved = None;
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
        evidence.push_str(&format!(
            "; outweighs {} ({})",
            table.names[other].as_str(),
            describe(oe)
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
    if e.last_known {
        s.push_str(", OpenAlex last known");
    } else if e.profile {
        s.push_str(", OpenAlex profile");
    }
    s
}
