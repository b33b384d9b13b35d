//! Loading: every author mention of the store, in work-key order, with its strong ids and
//! affiliations resolved to organisations (once per distinct string), into a [`MentionData`].

use rusqlite::Connection;
use rustc_hash::FxHashMap as HashMap;

use super::mention::{AffFact, Mention, MentionData};
use crate::error::Result;
use crate::names::openreview_id_fits;
use crate::organisations::{OrgRef, OrgRegistry};
use crate::orgs::OrgType;
use crate::stored::decode_authors;

/// Offset into a flat array as stored in the `*_start` columns.
fn flat_offset(len: usize) -> Result<u32> {
    u32::try_from(len).map_err(|_| {
        crate::error::CorpusError::Invalid(format!(
            "{len} affiliations (or organisations) of author mentions: more than identity resolution can index"
        ))
    })
}

/// Interns strings into dense ids.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    values: Vec<String>,
}

impl Interner {
    fn with_empty_slot() -> Self {
        Interner {
            ids: HashMap::default(),
            values: vec![String::new()],
        }
    }
    fn get(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.values.len() as u32;
        self.ids.insert(s.to_string(), id);
        self.values.push(s.to_string());
        id
    }
}

/// An affiliation string resolved to an organisation, cached per distinct string.
#[derive(Clone, Copy)]
struct ResolvedAffiliation {
    /// `None` for a placeholder or a string that names no organisation.
    org: Option<u32>,
    generic: bool,
    org_type: OrgType,
    /// The e-mail domain given with it, as [`crate::mail_domains::institutional_domain`]
    /// reduces it (an id into the load's domains; 0 = none).
    domain: u32,
    /// How the string names its organisation (an id into [`SpellingCounts`]).
    spelling: u32,
}

/// How often each organisation is written each way, so that it is named by its most used
/// spelling rather than by whichever came first in work-key order ("China University of Mining
/// Technology", 4 times, against "… of Mining and Technology", 12).
#[derive(Default)]
struct SpellingCounts {
    spellings: Interner,
    /// (organisation, spelling) → occurrences.
    counts: HashMap<(u32, u32), u32>,
}

impl SpellingCounts {
    fn spelling(&mut self, name: &str) -> u32 {
        self.spellings.get(name)
    }

    fn count(&mut self, org: u32, spelling: u32) {
        *self.counts.entry((org, spelling)).or_default() += 1;
    }

    /// Names each organisation the alias table did not name by its most used spelling.
    /// Spellings that differ only in case and accents count together, and among them the one
    /// with the most accented letters wins (text loses accents on its way through PDFs and
    /// forms, it never gains them), then the most used; ties go to the spelling met first.
    fn apply(self, names: &mut [String], canonical: &[Option<usize>]) {
        let mut by_org: Vec<Vec<(u32, u32)>> = vec![Vec::new(); names.len()];
        for (&(org, spelling), &n) in &self.counts {
            by_org[org as usize].push((spelling, n));
        }
        for (i, mut spellings) in by_org.into_iter().enumerate() {
            if spellings.is_empty() || canonical[i].is_some() {
                continue;
            }
            spellings.sort_unstable();
            let text = |spelling: u32| self.spellings.values[spelling as usize].as_str();
            let folded: Vec<String> = spellings
                .iter()
                .map(|&(spelling, _)| crate::names::fold(text(spelling)))
                .collect();
            let mut pooled: HashMap<&str, u32> = HashMap::default();
            for ((_, n), f) in spellings.iter().zip(&folded) {
                *pooled.entry(f.as_str()).or_default() += n;
            }
            let best = (0..spellings.len()).max_by_key(|&j| {
                let (spelling, n) = spellings[j];
                (
                    pooled.get(folded[j].as_str()).copied().unwrap_or(n),
                    accented_letters(text(spelling)),
                    n,
                    std::cmp::Reverse(spelling),
                )
            });
            if let Some(j) = best {
                names[i].clear();
                names[i].push_str(text(spellings[j].0));
            }
        }
    }
}

/// The names of a paper's authors, folded, to tell an author's name that a source put among
/// the affiliations (IEEE records of ICRA and IROS: "R. Küke" as A. Hein's affiliation, the
/// names shifted into the affiliation list) from an organisation.
struct AuthorNames(Vec<String>);

impl AuthorNames {
    /// Names longer than this are not compared: no author's name is that long.
    const LONGEST: usize = 80;

    /// `authors`' names, or none when no affiliation could be compared with them.
    fn of(authors: &[crate::stored::StoredAuthor], paper_affiliations: bool) -> AuthorNames {
        if !paper_affiliations && authors.iter().all(|a| a.affiliations.is_empty()) {
            return AuthorNames(Vec::new());
        }
        AuthorNames(
            authors
                .iter()
                .map(|a| Self::key(&a.name))
                .filter(|k| k.contains(' '))
                .collect(),
        )
    }

    /// Folded, letters and digits only, one space between words: "R. Küke" → "r kuke".
    fn key(text: &str) -> String {
        let folded = crate::names::fold(text);
        let mut key = String::with_capacity(folded.len());
        for word in folded.split(|c: char| !c.is_alphanumeric()) {
            if !word.is_empty() {
                if !key.is_empty() {
                    key.push(' ');
                }
                key.push_str(word);
            }
        }
        key
    }

    /// Whether `display` is the name of one of the authors (of two words or more). Runs for
    /// every affiliation of every mention, so ASCII text is compared word by word in place.
    fn contains(&self, display: &str) -> bool {
        if self.0.is_empty() || display.len() > Self::LONGEST {
            return false;
        }
        if !display.is_ascii() {
            return self.0.contains(&Self::key(display));
        }
        self.0.iter().any(|key| {
            let mut theirs = key.split(' ');
            let mut words = display
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty());
            loop {
                match (theirs.next(), words.next()) {
                    (None, None) => return true,
                    (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => {}
                    _ => return false,
                }
            }
        })
    }
}

/// Letters with accents or outside ASCII as a language writes them ("é", "ß", "ø"), not
/// typographic stand-ins that fold to ASCII ("ﬁ", full-width letters).
fn accented_letters(text: &str) -> usize {
    use unicode_normalization::UnicodeNormalization;
    text.chars()
        .filter(|&c| !c.is_ascii() && c.is_alphabetic())
        .filter(|&c| std::iter::once(c).nfkc().eq(std::iter::once(c)))
        .count()
}

/// One (domain, source type) under which an affiliation string was resolved.
struct AffiliationVariant {
    domain: Option<String>,
    source_type: Option<String>,
    resolved: ResolvedAffiliation,
}

/// Loads mentions, their strong ids and organisations from the store.
pub fn load(conn: &Connection) -> Result<MentionData> {
    load_from(conn, None, &mut OrgResolver::forgetful())
}

/// Loads the mentions of the works `works` only (ids; in work-key order like [`load`], every
/// mention of each work): what an incremental refresh reads. Organisation ids, names and strong
/// ids are interned in this load's order, so they are not the ids of a full load.
pub fn load_works(conn: &Connection, works: &[i64]) -> Result<MentionData> {
    load_works_with(conn, works, &mut OrgResolver::default())
}

/// [`load_works`], resolving affiliation strings through `resolver`, which remembers them for
/// the next load (an incremental refresh loads overlapping sets of works several times).
pub fn load_works_with(
    conn: &Connection,
    works: &[i64],
    resolver: &mut OrgResolver,
) -> Result<MentionData> {
    crate::db::fill_temp_ids(conn, "load_works", "INTEGER", works)?;
    let data = load_from(
        conn,
        Some("WHERE id IN (SELECT id FROM temp.load_works)"),
        resolver,
    );
    conn.execute_batch("DELETE FROM temp.load_works;")?;
    data
}

/// The built-in organisation registry with what it resolved so far: resolving an affiliation
/// string (folding, variants, the alias table) is pure, and the same strings recur in every
/// load of one refresh.
/// A load of the whole corpus uses one that remembers nothing ([`OrgResolver::forgetful`]): its
/// scan already resolves each distinct string once, and a second table of every string would
/// only add memory.
#[derive(Default)]
pub struct OrgResolver {
    /// Built on first use.
    registry: Option<OrgRegistry>,
    resolved: HashMap<String, OrgRef>,
    forgetful: bool,
}

impl OrgResolver {
    fn forgetful() -> OrgResolver {
        OrgResolver {
            forgetful: true,
            ..OrgResolver::default()
        }
    }

    fn registry(&mut self) -> &OrgRegistry {
        self.registry.get_or_insert_with(OrgRegistry::builtin)
    }

    fn resolve(&mut self, display: &str) -> OrgRef {
        if let Some(found) = self.resolved.get(display) {
            return found.clone();
        }
        let resolved = self.registry().resolve(display);
        if !self.forgetful {
            self.resolved.insert(display.to_string(), resolved.clone());
        }
        resolved
    }
}

/// One mention as loading resolves it, handed to a sink in corpus order (works by key, then
/// author position).
pub struct LoadedMention<'a> {
    pub work: i64,
    pub position: i64,
    /// 0 when unknown.
    pub year: i32,
    pub citations: i64,
    pub name: &'a str,
    /// Strong ids per kind of [`super::ID_KINDS`], after the load's rules (an OpenReview id that
    /// names someone else dropped, an ORCID from the OpenAlex author profile added).
    pub ids: [Option<&'a str>; 4],
    /// Named organisations, distinct, as ids into [`OrgView::tokens`].
    pub orgs: &'a [u32],
    pub affs: &'a [AffFact],
}

/// The organisations and countries interned so far: what a [`LoadedMention`]'s ids mean.
pub struct OrgView<'a> {
    /// Normalised keys (see [`crate::organisations::org_key`]).
    pub tokens: &'a [String],
    /// Display names (canonical when the alias table applied), each as the scan first met it:
    /// the most used spelling that names an organisation in [`MentionData`] is known only when
    /// the scan ends.
    pub names: &'a [String],
    pub rors: &'a [Option<String>],
    /// Country codes (index 0 = none).
    pub countries: &'a [String],
    /// Institutional e-mail domains (index 0 = none).
    pub domains: &'a [String],
}

/// What a scan interned, for [`MentionData`]'s tables.
struct Scanned {
    countries: Vec<String>,
    domains: Vec<String>,
    org_tokens: Vec<String>,
    org_names: Vec<String>,
    org_canonical: Vec<Option<usize>>,
    org_rors: Vec<Option<String>>,
    dropped_ids: [u64; 4],
}

/// Streams every mention of the store to `sink` as [`load`] reads them, holding only the
/// organisations and countries (one entry per distinct value), not the mentions: what an
/// export of a corpus too large to load uses. Returns the OpenReview ids dropped because they
/// name someone else (per kind, as [`MentionData::dropped_ids`]).
pub fn for_each_mention(
    conn: &Connection,
    mut sink: impl FnMut(&LoadedMention, &OrgView) -> Result<()>,
) -> Result<[u64; 4]> {
    Ok(scan(conn, None, &mut sink, &mut OrgResolver::forgetful())?.dropped_ids)
}

fn load_from(
    conn: &Connection,
    filter: Option<&str>,
    resolver: &mut OrgResolver,
) -> Result<MentionData> {
    let mut data = MentionData {
        org_start: vec![0],
        aff_start: vec![0],
        ..MentionData::default()
    };
    let mut names = Interner::default();
    let mut ids: [Interner; 4] = std::array::from_fn(|_| Interner::with_empty_slot());
    let scanned = scan(
        conn,
        filter,
        &mut |m, _| {
            let mut mention_ids = [0u32; 4];
            for (k, v) in m.ids.into_iter().enumerate() {
                if let Some(v) = v {
                    mention_ids[k] = ids[k].get(v);
                }
            }
            data.org_ids.extend_from_slice(m.orgs);
            data.aff_facts.extend_from_slice(m.affs);
            data.mentions.push(Mention {
                work: m.work,
                position: m.position,
                name: names.get(m.name),
                ids: mention_ids,
                year: m.year,
                citations: m.citations,
            });
            data.org_start.push(flat_offset(data.org_ids.len())?);
            data.aff_start.push(flat_offset(data.aff_facts.len())?);
            Ok(())
        },
        resolver,
    )?;
    data.org_ids.shrink_to_fit();
    data.aff_facts.shrink_to_fit();
    data.countries = scanned.countries;
    data.domains = scanned.domains;
    data.names = names.values;
    data.id_values = ids.map(|i| i.values);
    data.org_tokens = scanned.org_tokens;
    data.org_names = scanned.org_names;
    data.org_canonical = scanned.org_canonical;
    data.org_rors = scanned.org_rors;
    data.dropped_ids = scanned.dropped_ids;
    Ok(data)
}

fn scan(
    conn: &Connection,
    filter: Option<&str>,
    sink: &mut dyn FnMut(&LoadedMention, &OrgView) -> Result<()>,
    resolver: &mut OrgResolver,
) -> Result<Scanned> {
    let mut dropped_ids = [0u64; 4];
    let mut countries = Interner::with_empty_slot();
    let mut domains = Interner::with_empty_slot();
    // One mention's organisations and affiliations, reused.
    let mut mention_orgs: Vec<u32> = Vec::new();
    let mut mention_affs: Vec<AffFact> = Vec::new();
    // Organisations interned by normalised key; display strings resolved once each.
    let mut org_keys = Interner::default();
    let mut org_names: Vec<String> = Vec::new();
    let mut org_canonical: Vec<Option<usize>> = Vec::new();
    let mut org_rors: Vec<Option<String>> = Vec::new();
    let mut ror_keys: HashMap<String, String> = HashMap::default();
    let mut spellings = SpellingCounts::default();
    // By display string, then (domain, source type): looked up with borrowed strings, so a
    // string seen before costs no allocation.
    let mut org_facts: HashMap<String, Vec<AffiliationVariant>> = HashMap::default();
    // OpenAlex author profiles tie an OpenAlex id to an ORCID even where the work does not.
    let mut oa_orcid: HashMap<String, String> = HashMap::default();
    {
        let mut stmt =
            conn.prepare("SELECT openalex_id, orcid FROM oa_authors WHERE orcid IS NOT NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (oa, orcid) = row?;
            oa_orcid.insert(oa, orcid);
        }
    }
    // In key order, not id order: ids depend on the order files were ingested in (parallel),
    // keys do not, so resolution is the same however the corpus was loaded.
    let mut stmt = conn.prepare(&format!(
        "SELECT id, year, citations, authors, source, affiliations FROM works {} ORDER BY key",
        filter.unwrap_or("")
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let work: i64 = row.get(0)?;
        let year: Option<i32> = row.get(1)?;
        let citations: Option<i64> = row.get(2)?;
        let authors = decode_authors(row.get_ref(3)?.as_str().unwrap_or("[]"));
        let paperlists = row.get_ref(4)?.as_str().unwrap_or("") == "paperlists";
        let paper_affiliations =
            crate::stored::decode_affiliations(row.get_ref(5)?.as_str_or_null().ok().flatten());
        let author_names = AuthorNames::of(&authors, !paper_affiliations.is_empty());
        // The paper's unaligned affiliations, resolved once per paper (distinct organisations).
        let mut paper_orgs: Vec<(u32, OrgType)> = Vec::new();
        for aff in paper_affiliations {
            let display = aff.display();
            if crate::orgs::is_placeholder(display)
                || crate::orgs::is_generic(display)
                || author_names.contains(display)
            {
                continue;
            }
            let resolved = resolver.resolve(display);
            if resolved.key.is_empty() {
                continue;
            }
            let id = org_keys.get(&resolved.key);
            if id as usize == org_names.len() {
                org_names.push(resolved.name.clone());
                org_canonical.push(resolved.canonical);
                org_rors.push(None);
            }
            let spelling = spellings.spelling(&resolved.name);
            spellings.count(id, spelling);
            if !paper_orgs.iter().any(|(o, _)| *o == id) {
                paper_orgs.push((
                    id,
                    resolver.registry().org_type(&resolved, display, None, None),
                ));
            }
        }
        for (position, a) in authors.into_iter().enumerate() {
            let orcid = a.orcid.clone().or_else(|| {
                a.openalex_id
                    .as_ref()
                    .and_then(|oa| oa_orcid.get(oa))
                    .cloned()
            });
            // Some source records have their per-author id lists shifted against the author
            // list; an OpenReview id names its person, so a mismatch is caught here.
            let openreview = a.openreview_id.clone().filter(|id| {
                let ok = openreview_id_fits(id, &a.name);
                if !ok {
                    dropped_ids[0] += 1;
                }
                ok
            });
            mention_orgs.clear();
            mention_affs.clear();
            for aff in &a.affiliations {
                let display = aff.display();
                if author_names.contains(display) {
                    continue;
                }
                // Resolving, folding and classifying are done once per distinct string.
                let known = org_facts.get(display).and_then(|variants| {
                    variants
                        .iter()
                        .find(|v| v.domain == aff.domain && v.source_type == aff.org_type)
                        .map(|v| v.resolved)
                });
                let cached = if let Some(known) = known {
                    known
                } else {
                    let resolved = 'resolve: {
                        let mut resolved = resolver.resolve(display);
                        if resolved.key.is_empty() || crate::orgs::is_placeholder(display) {
                            break 'resolve ResolvedAffiliation {
                                org: None,
                                generic: true,
                                org_type: OrgType::Other,
                                domain: 0,
                                spelling: 0,
                            };
                        }
                        let domain = aff
                            .domain
                            .as_deref()
                            .and_then(crate::mail_domains::institutional_domain)
                            .map_or(0, |d| domains.get(&d));
                        // One ROR id is one organisation, whatever the spelling: the first
                        // spelling seen for a ROR id gives its key (unless the alias table
                        // named it).
                        if let Some(ror) = &aff.ror {
                            match ror_keys.get(ror) {
                                Some(key) if resolved.canonical.is_none() => {
                                    resolved.key = String::clone(key)
                                }
                                Some(_) => {}
                                None => {
                                    ror_keys.insert(ror.clone(), resolved.key.clone());
                                }
                            }
                        }
                        let id = org_keys.get(&resolved.key);
                        if id as usize == org_names.len() {
                            org_names.push(resolved.name.clone());
                            org_canonical.push(resolved.canonical);
                            org_rors.push(aff.ror.clone());
                        } else if org_rors[id as usize].is_none() {
                            org_rors[id as usize] = aff.ror.clone();
                        }
                        let org_type = resolver.registry().org_type(
                            &resolved,
                            display,
                            aff.domain.as_deref(),
                            aff.org_type.as_deref(),
                        );
                        let generic =
                            resolved.canonical.is_none() && crate::orgs::is_generic(display);
                        ResolvedAffiliation {
                            org: Some(id),
                            generic,
                            org_type,
                            domain,
                            spelling: spellings.spelling(&resolved.name),
                        }
                    };
                    // Nearly every string comes with one domain and type: room for one, not the
                    // four a first push reserves (a full load holds every distinct string).
                    org_facts
                        .entry(display.to_string())
                        .or_insert_with(|| Vec::with_capacity(1))
                        .push(AffiliationVariant {
                            domain: aff.domain.clone(),
                            source_type: aff.org_type.clone(),
                            resolved,
                        });
                    resolved
                };
                let ResolvedAffiliation {
                    org,
                    generic,
                    org_type,
                    domain,
                    spelling,
                } = cached;
                let Some(org) = org else { continue };
                spellings.count(org, spelling);
                if !generic && !mention_orgs.contains(&org) {
                    mention_orgs.push(org);
                }
                mention_affs.push(AffFact {
                    org,
                    country: aff.country.as_deref().map_or(0, |c| countries.get(c)),
                    generic,
                    weak: paperlists
                        && aff.org.is_none()
                        && aff.domain.is_none()
                        && aff.openalex_id.is_none()
                        && aff.ror.is_none(),
                    paper_level: false,
                    org_type,
                    domain,
                });
            }
            if a.affiliations.is_empty() {
                for &(org, org_type) in &paper_orgs {
                    mention_affs.push(AffFact {
                        org,
                        country: 0,
                        generic: false,
                        weak: true,
                        paper_level: true,
                        org_type,
                        domain: 0,
                    });
                }
            }
            sink(
                &LoadedMention {
                    work,
                    position: position as i64,
                    year: year.unwrap_or(0),
                    citations: citations.unwrap_or(0),
                    name: &a.name,
                    ids: [
                        openreview.as_deref(),
                        orcid.as_deref(),
                        a.openalex_id.as_deref(),
                        a.dblp_id.as_deref(),
                    ],
                    orgs: &mention_orgs,
                    affs: &mention_affs,
                },
                &OrgView {
                    tokens: &org_keys.values,
                    names: &org_names,
                    rors: &org_rors,
                    countries: &countries.values,
                    domains: &domains.values,
                },
            )?;
        }
    }
    spellings.apply(&mut org_names, &org_canonical);
    Ok(Scanned {
        countries: countries.values,
        domains: domains.values,
        org_tokens: org_keys.values,
        org_names,
        org_canonical,
        org_rors,
        dropped_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::{AuthorNames, SpellingCounts};

    #[test]
    fn an_authors_name_is_no_affiliation() {
        use crate::stored::StoredAuthor;
        let author = |name: &str| StoredAuthor {
            name: name.to_string(),
            ..StoredAuthor::default()
        };
        // IROS 2009's record of A. Hein's paper lists "R. Küke" among the affiliations.
        let authors = [author("A. Hein"), author("R. Küke"), author("Madonna")];
        let names = AuthorNames::of(&authors, true);
        for name in ["R. Küke", "r kuke", "R. KUKE", "R Kuke ", "A. Hein"] {
            assert!(names.contains(name), "{name}");
        }
        // An organisation, another person, a one-word name (an organisation may be one word).
        for other in [
            "University of Oldenburg",
            "R. Kükes",
            "R. Küke University",
            "Madonna",
        ] {
            assert!(!names.contains(other), "{other}");
        }
        // Without any affiliation on the paper nothing is compared.
        assert!(!AuthorNames::of(&authors, false).contains("R. Küke"));
    }

    #[test]
    fn the_most_used_spelling_names_an_organisation() {
        let mut counts = SpellingCounts::default();
        // Organisation 0: "B" twice after "A" once. Organisation 1: "C" and "D" once each (the
        // one met first wins). Organisation 2: named by the alias table, kept. Organisation 3:
        // never counted, kept.
        for (org, name) in [(0, "A"), (1, "C"), (0, "B"), (1, "D"), (2, "E"), (0, "B")] {
            let spelling = counts.spelling(name);
            counts.count(org, spelling);
        }
        // Organisation 4: "Universite de Montreal" twice, "Université de Montréal" once and
        // "University of Montreal" twice: the two French spellings count together, and the one
        // with its accents names it.
        for (org, name) in [
            (4, "Universite de Montreal"),
            (4, "University of Montreal"),
            (4, "Université de Montréal"),
            (4, "University of Montreal"),
            (4, "Universite de Montreal"),
            // A ligature from a PDF is no accent: "Artiﬁcial" does not beat "Artificial".
            (5, "Inception Institute of Artificial Intelligence"),
            (5, "Inception Institute of Artiﬁcial Intelligence"),
            (5, "Inception Institute of Artificial Intelligence"),
        ] {
            let spelling = counts.spelling(name);
            counts.count(org, spelling);
        }
        let mut names: Vec<String> = ["A", "C", "Canonical", "F", "Universite de Montreal", "I"]
            .map(String::from)
            .into();
        counts.apply(&mut names, &[None, None, Some(7), None, None, None]);
        assert_eq!(
            names,
            [
                "B",
                "C",
                "Canonical",
                "F",
                "Université de Montréal",
                "Inception Institute of Artificial Intelligence"
            ]
        );
    }
}
