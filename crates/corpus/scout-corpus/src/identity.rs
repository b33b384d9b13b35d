//! Identity resolution: which author mentions (one name on one paper) are the same researcher.
//!
//! 1. The same name twice on one paper is one person (a source duplicate).
//! 2. Strong ids: mentions sharing an OpenReview id, ORCID, OpenAlex author id or DBLP id are
//!    merged, in that order of trust. A cluster never holds two different ids of one kind.
//! 3. Names: within a block (family name + first initial), clusters whose names are compatible
//!    (see [`PersonName::compatible`]) merge when they share a co-author or an organisation,
//!    unless that would join two different strong ids or two authors of one paper.
//!
//! Every union is recorded as a link with its rule and evidence, so `why-same` can show the
//! chain of reasons between any two mentions of a researcher.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::Result;
use crate::names::{PersonName, fold};
use crate::network::OrgTable;
use crate::organisations::OrgRegistry;
use crate::orgs::OrgType;
use crate::stored::decode_authors;

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
    org_ids: Vec<u32>,
    /// Start of each mention's organisations in `org_ids` (one more entry than mentions).
    org_start: Vec<u32>,
    /// Organisations by id: normalised key (see [`crate::organisations::org_key`]).
    pub org_tokens: Vec<String>,
    /// Affiliations of all mentions, mention after mention: see [`MentionData::affs_of`].
    aff_facts: Vec<AffFact>,
    /// Start of each mention's affiliations in `aff_facts` (one more entry than mentions).
    aff_start: Vec<u32>,
    /// Country codes by id (index 0 = none).
    pub countries: Vec<String>,
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

    /// Every affiliation of every mention.
    pub fn all_affs(&self) -> &[AffFact] {
        &self.aff_facts
    }

    /// The country code of an affiliation, if one was given.
    pub fn country(&self, fact: &AffFact) -> Option<&str> {
        (fact.country != 0).then(|| self.countries[fact.country as usize].as_str())
    }
}

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

    fn for_kind(kind: usize) -> Rule {
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

/// What resolution decided: a cluster representative per mention, and the links.
#[derive(Debug, Default)]
pub struct Clustering {
    pub root: Vec<u32>,
    /// The judgement calls (every rule but the strong ids), kept to be written out.
    pub links: Vec<Link>,
    /// Unions by strong id, per kind, counted only: they follow from the ids on the mentions
    /// (`why-same` recomputes them), and a large corpus has tens of millions.
    pub strong_id_links: [u64; 4],
    /// Unions refused because they would have joined two different strong ids.
    pub refused_conflicts: u64,
    /// Name matches with evidence that were not merged because the clusters hold different
    /// strong ids (namesakes who share a co-author or an organisation).
    pub namesakes_kept_apart: u64,
    /// Per id kind, ids not used because they are attached to clearly different names
    /// (misaligned source lists).
    pub inconsistent_ids: [u64; 4],
}

/// Knobs for resolution; the evaluation hides strong ids to test names + evidence alone.
#[derive(Debug, Clone, Copy)]
pub struct ResolveConfig {
    pub use_strong_ids: bool,
    /// Evidence tokens shared by more clusters than this in one block carry no signal.
    pub max_token_clusters: usize,
    /// Identical full names merge without evidence when their block (family name + first
    /// initial) holds at most this many distinct given names; 0 disables.
    pub rare_name_max_givens: usize,
}

impl Default for ResolveConfig {
    fn default() -> Self {
        ResolveConfig {
            use_strong_ids: true,
            max_token_clusters: 60,
            rare_name_max_givens: 6,
        }
    }
}

struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
    ids: Vec<[u32; 4]>,
}

impl UnionFind {
    fn new(mentions: &[Mention], use_ids: bool) -> Self {
        UnionFind {
            parent: (0..mentions.len() as u32).collect(),
            size: vec![1; mentions.len()],
            ids: mentions
                .iter()
                .map(|m| if use_ids { m.ids } else { [0; 4] })
                .collect(),
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Forgets an id found to be unreliable: the clusters of these mentions no longer carry it,
    /// so it neither joins nor blocks anything.
    fn drop_id(&mut self, mentions: &[u32], kind: usize, id: u32) {
        for &m in mentions {
            let r = self.find(m);
            if self.ids[r as usize][kind] == id {
                self.ids[r as usize][kind] = 0;
            }
        }
    }

    fn conflict(&self, ra: u32, rb: u32) -> bool {
        let (a, b) = (&self.ids[ra as usize], &self.ids[rb as usize]);
        (0..4).any(|k| a[k] != 0 && b[k] != 0 && a[k] != b[k])
    }

    /// Joins the clusters of `a` and `b`; returns the new root, or `None` if they were already
    /// together or the union would join different strong ids.
    fn union(&mut self, a: u32, b: u32) -> Result<Option<u32>, ()> {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Ok(None);
        }
        if self.conflict(ra, rb) {
            return Err(());
        }
        let (big, small) = if self.size[ra as usize] >= self.size[rb as usize] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
        let small_ids = self.ids[small as usize];
        for (k, id) in small_ids.iter().enumerate() {
            if self.ids[big as usize][k] == 0 {
                self.ids[big as usize][k] = *id;
            }
        }
        Ok(Some(big))
    }
}

/// Loads mentions, their strong ids and organisations from the store.
pub fn load(conn: &Connection) -> Result<MentionData> {
    let mut data = MentionData {
        org_start: vec![0],
        aff_start: vec![0],
        ..MentionData::default()
    };
    let mut countries = Interner::with_empty_slot();
    let mut names = Interner::default();
    let mut ids: [Interner; 4] = std::array::from_fn(|_| Interner::with_empty_slot());
    let registry = OrgRegistry::builtin();
    // Organisations interned by normalised key; display strings resolved once each.
    let mut org_keys = Interner::default();
    let mut org_names: Vec<String> = Vec::new();
    let mut org_canonical: Vec<Option<usize>> = Vec::new();
    let mut org_rors: Vec<Option<String>> = Vec::new();
    let mut ror_keys: HashMap<String, String> = HashMap::default();
    type OrgFacts = (Option<u32>, bool, OrgType);
    let mut org_facts: HashMap<(String, Option<String>, Option<String>), OrgFacts> =
        HashMap::default();
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
    let mut stmt = conn.prepare(
        "SELECT id, year, citations, authors, source, affiliations FROM works ORDER BY key",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let work: i64 = row.get(0)?;
        let year: Option<i32> = row.get(1)?;
        let citations: Option<i64> = row.get(2)?;
        let authors = decode_authors(row.get_ref(3)?.as_str().unwrap_or("[]"));
        let paperlists = row.get_ref(4)?.as_str().unwrap_or("") == "paperlists";
        // The paper's unaligned affiliations, resolved once per paper (distinct organisations).
        let mut paper_orgs: Vec<(u32, OrgType)> = Vec::new();
        for aff in
            crate::stored::decode_affiliations(row.get_ref(5)?.as_str_or_null().ok().flatten())
        {
            let display = aff.display();
            if crate::orgs::is_placeholder(display) || crate::orgs::is_generic(display) {
                continue;
            }
            let resolved = registry.resolve(display);
            if resolved.key.is_empty() {
                continue;
            }
            let id = org_keys.get(&resolved.key);
            if id as usize == org_names.len() {
                org_names.push(resolved.name.clone());
                org_canonical.push(resolved.canonical);
                org_rors.push(None);
            }
            if !paper_orgs.iter().any(|(o, _)| *o == id) {
                paper_orgs.push((id, registry.org_type(&resolved, display, None, None)));
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
                let ok = match (
                    PersonName::from_openreview_id(id),
                    PersonName::parse(&a.name),
                ) {
                    (Some(x), Some(y)) => x.plausibly_same(&y),
                    _ => true,
                };
                if !ok {
                    data.dropped_ids[0] += 1;
                }
                ok
            });
            let values = [&openreview, &orcid, &a.openalex_id, &a.dblp_id];
            let mut mention_ids = [0u32; 4];
            for (k, v) in values.into_iter().enumerate() {
                if let Some(v) = v {
                    mention_ids[k] = ids[k].get(v);
                }
            }
            let orgs_from = data.org_ids.len();
            for aff in &a.affiliations {
                let display = aff.display();
                // Resolving, folding and classifying are done once per distinct string.
                let cached = org_facts
                    .entry((
                        display.to_string(),
                        aff.domain.clone(),
                        aff.org_type.clone(),
                    ))
                    .or_insert_with(|| {
                        let mut resolved = registry.resolve(display);
                        if resolved.key.is_empty() || crate::orgs::is_placeholder(display) {
                            return (None, true, OrgType::Other);
                        }
                        // One ROR id is one organisation, whatever the spelling: the first
                        // spelling seen for a ROR id names it (unless the alias table already did).
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
                        let org_type = registry.org_type(
                            &resolved,
                            display,
                            aff.domain.as_deref(),
                            aff.org_type.as_deref(),
                        );
                        let generic =
                            resolved.canonical.is_none() && crate::orgs::is_generic(display);
                        (Some(id), generic, org_type)
                    });
                let (org, generic, org_type) = *cached;
                let Some(org) = org else { continue };
                if !generic && !data.org_ids[orgs_from..].contains(&org) {
                    data.org_ids.push(org);
                }
                data.aff_facts.push(AffFact {
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
                });
            }
            if a.affiliations.is_empty() {
                for &(org, org_type) in &paper_orgs {
                    data.aff_facts.push(AffFact {
                        org,
                        country: 0,
                        generic: false,
                        weak: true,
                        paper_level: true,
                        org_type,
                    });
                }
            }
            data.mentions.push(Mention {
                work,
                position: position as i64,
                name: names.get(&a.name),
                ids: mention_ids,
                year: year.unwrap_or(0),
                citations: citations.unwrap_or(0),
            });
            data.org_start.push(flat_offset(data.org_ids.len())?);
            data.aff_start.push(flat_offset(data.aff_facts.len())?);
        }
    }
    data.org_ids.shrink_to_fit();
    data.aff_facts.shrink_to_fit();
    data.countries = countries.values;
    data.names = names.values;
    data.id_values = ids.map(|i| i.values);
    data.org_tokens = org_keys.values;
    data.org_names = org_names;
    data.org_canonical = org_canonical;
    data.org_rors = org_rors;
    Ok(data)
}

/// Organisation reduced for comparison: folded, letters and digits, single spaces.
pub fn org_token(s: &str) -> String {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Shared evidence between two clusters, with one example of each kind for explanations.
#[derive(Clone, Copy)]
struct Evidence {
    coauthors: u32,
    orgs: u32,
    co_token: u32,
    org_token: u32,
}

impl Evidence {
    fn new(co_token: u32, org_token: u32) -> Self {
        Evidence {
            coauthors: 0,
            orgs: 0,
            co_token,
            org_token,
        }
    }

    /// A shared co-author counts twice as much as a shared organisation.
    fn strength(&self) -> u32 {
        2 * self.coauthors + self.orgs
    }
}

/// Per-cluster facts used while resolving one block.
#[derive(Default, Clone)]
struct ClusterFacts {
    name: Option<PersonName>,
    coauthors: HashSet<u32>,
    orgs: HashSet<u32>,
    works: HashSet<i64>,
}

/// Runs resolution over `data`.
pub fn resolve(data: &MentionData, config: &ResolveConfig) -> Clustering {
    let n = data.mentions.len();
    let mut uf = UnionFind::new(&data.mentions, config.use_strong_ids);
    let mut links = Vec::new();
    let mut strong_id_links = [0u64; 4];
    let mut refused = 0u64;
    let mut namesakes = 0u64;

    // 1. The same name twice on one paper.
    let mut i = 0;
    while i < n {
        let work = data.mentions[i].work;
        let mut j = i;
        while j < n && data.mentions[j].work == work {
            j += 1;
        }
        for a in i..j {
            for b in (a + 1)..j {
                if data.mentions[a].name == data.mentions[b].name {
                    match uf.union(a as u32, b as u32) {
                        Ok(Some(_)) => links.push(Link {
                            a: a as u32,
                            b: b as u32,
                            rule: Rule::DuplicateOnPaper,
                            evidence: LinkEvidence::Repeated {
                                name: data.mentions[a].name,
                            },
                        }),
                        Ok(None) => {}
                        Err(()) => refused += 1,
                    }
                }
            }
        }
        i = j;
    }

    // 2. Strong ids, most trusted first.
    let parsed: Vec<Option<PersonName>> = data.names.iter().map(|s| PersonName::parse(s)).collect();
    let mut inconsistent = data.dropped_ids;
    if config.use_strong_ids {
        for (kind, inconsistent_of_kind) in inconsistent.iter_mut().enumerate() {
            let mut groups: HashMap<u32, Vec<u32>> = HashMap::default();
            for (m, mention) in data.mentions.iter().enumerate() {
                if mention.ids[kind] != 0 {
                    groups.entry(mention.ids[kind]).or_default().push(m as u32);
                }
            }
            let mut ids: Vec<u32> = groups.keys().copied().collect();
            ids.sort_unstable();
            for id in ids {
                let group = &groups[&id];
                if kind > 0 && !names_agree(group, data, &parsed) {
                    *inconsistent_of_kind += 1;
                    uf.drop_id(group, kind, id);
                    continue;
                }
                let f = group[0];
                for &m in &group[1..] {
                    match uf.union(f, m) {
                        Ok(Some(_)) => strong_id_links[kind] += 1,
                        Ok(None) => {}
                        Err(()) => refused += 1,
                    }
                }
            }
        }
    }

    // 3. Names with evidence, block by block.
    let name_key_ids: Vec<u32> = {
        let mut keys: HashMap<String, u32> = HashMap::default();
        parsed
            .iter()
            .zip(&data.names)
            .map(|(p, raw)| {
                let key = p.as_ref().map_or_else(|| fold(raw), PersonName::key);
                let next = keys.len() as u32;
                *keys.entry(key).or_insert(next)
            })
            .collect()
    };
    // One spelling per name key, for explanations.
    let mut key_names = vec![
        0u32;
        name_key_ids
            .iter()
            .map(|&k| k as usize + 1)
            .max()
            .unwrap_or(0)
    ];
    for (name, &key) in name_key_ids.iter().enumerate().rev() {
        key_names[key as usize] = name as u32;
    }
    // Co-authors of each mention, as name keys.
    let mut work_start = vec![0u32; n];
    let mut work_end = vec![0u32; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j < n && data.mentions[j].work == data.mentions[i].work {
            j += 1;
        }
        for k in i..j {
            work_start[k] = i as u32;
            work_end[k] = j as u32;
        }
        i = j;
    }
    let mut blocks: HashMap<String, Vec<u32>> = HashMap::default();
    for (m, mention) in data.mentions.iter().enumerate() {
        if let Some(p) = &parsed[mention.name as usize] {
            blocks.entry(p.block_key()).or_default().push(m as u32);
        }
    }
    let mut block_keys: Vec<&String> = blocks.keys().collect();
    block_keys.sort();
    for key in block_keys {
        let members = &blocks[key];
        resolve_block(
            members,
            data,
            &parsed,
            (&name_key_ids, &key_names),
            (&work_start, &work_end),
            config,
            &mut uf,
            &mut links,
            &mut namesakes,
        );
    }

    let root = (0..n as u32).map(|m| uf.find(m)).collect();
    Clustering {
        root,
        links,
        strong_id_links,
        refused_conflicts: refused,
        namesakes_kept_apart: namesakes,
        inconsistent_ids: inconsistent,
    }
}

#[allow(clippy::too_many_arguments)]
fn resolve_block(
    members: &[u32],
    data: &MentionData,
    parsed: &[Option<PersonName>],
    (name_key_ids, key_names): (&[u32], &[u32]),
    (work_start, work_end): (&[u32], &[u32]),
    config: &ResolveConfig,
    uf: &mut UnionFind,
    links: &mut Vec<Link>,
    refused: &mut u64,
) {
    // Two passes: merges in the first pass pool evidence that can enable merges in the second.
    for _pass in 0..2 {
        let mut facts: HashMap<u32, ClusterFacts> = HashMap::default();
        let mut witness: HashMap<u32, u32> = HashMap::default(); // root -> one mention in this block
        for &m in members {
            let root = uf.find(m);
            witness.entry(root).or_insert(m);
            let f = facts.entry(root).or_default();
            let mention = &data.mentions[m as usize];
            if let Some(p) = &parsed[mention.name as usize] {
                let better = match &f.name {
                    None => true,
                    Some(cur) => informative(p) > informative(cur),
                };
                if better {
                    f.name = Some(p.clone());
                }
            }
            for other in work_start[m as usize] as usize..work_end[m as usize] as usize {
                if other != m as usize {
                    f.coauthors
                        .insert(name_key_ids[data.mentions[other].name as usize]);
                }
            }
            f.orgs.extend(data.orgs_of(m as usize).iter().copied());
            f.works.insert(mention.work);
        }
        if facts.len() < 2 {
            return;
        }
        // Candidate pairs through shared evidence tokens.
        let mut by_coauthor: HashMap<u32, Vec<u32>> = HashMap::default();
        let mut by_org: HashMap<u32, Vec<u32>> = HashMap::default();
        let mut roots: Vec<u32> = facts.keys().copied().collect();
        roots.sort_unstable();
        for &r in &roots {
            let f = &facts[&r];
            for &c in &f.coauthors {
                by_coauthor.entry(c).or_default().push(r);
            }
            for &o in &f.orgs {
                by_org.entry(o).or_default().push(r);
            }
        }
        let mut scores: HashMap<(u32, u32), Evidence> = HashMap::default();
        for (token, list) in &by_coauthor {
            if list.len() > config.max_token_clusters {
                continue;
            }
            for (x, &a) in list.iter().enumerate() {
                for &b in &list[x + 1..] {
                    let e = scores
                        .entry((a.min(b), a.max(b)))
                        .or_insert(Evidence::new(*token, u32::MAX));
                    e.coauthors += 1;
                }
            }
        }
        for (token, list) in &by_org {
            if list.len() > config.max_token_clusters {
                continue;
            }
            for (x, &a) in list.iter().enumerate() {
                for &b in &list[x + 1..] {
                    let e = scores
                        .entry((a.min(b), a.max(b)))
                        .or_insert(Evidence::new(u32::MAX, *token));
                    e.orgs += 1;
                    if e.org_token == u32::MAX {
                        e.org_token = *token;
                    }
                }
            }
        }
        let mut pairs: Vec<((u32, u32), Evidence)> = scores.into_iter().collect();
        // Strongest evidence first; ties broken by ids for determinism.
        pairs.sort_by(|(ka, sa), (kb, sb)| sb.strength().cmp(&sa.strength()).then(ka.cmp(kb)));
        let mut merged_any = false;
        for ((a, b), evidence) in pairs {
            let Evidence {
                coauthors: co,
                orgs: org,
                co_token,
                org_token,
            } = evidence;
            let (ra, rb) = (uf.find(a), uf.find(b));
            if ra == rb {
                continue;
            }
            // Facts are keyed by the roots at the start of the pass; merged roots carry both.
            let (Some(fa), Some(fb)) = (facts.get(&ra), facts.get(&rb)) else {
                continue;
            };
            let (Some(na), Some(nb)) = (&fa.name, &fb.name) else {
                continue;
            };
            if !na.compatible(nb) || !fa.works.is_disjoint(&fb.works) {
                continue;
            }
            // An initial alone ("Y. Liu") is too weak to follow an organisation.
            if co == 0 && (!na.has_full_given() || !nb.has_full_given()) {
                continue;
            }
            let (Some(&wa), Some(&wb)) = (witness.get(&ra), witness.get(&rb)) else {
                continue;
            };
            match uf.union(wa, wb) {
                Ok(Some(new_root)) => {
                    merged_any = true;
                    let (rule, evidence) = if co > 0 {
                        (
                            Rule::NameAndCoauthor,
                            LinkEvidence::Coauthors {
                                shared: co,
                                example: key_names.get(co_token as usize).copied(),
                            },
                        )
                    } else {
                        (
                            Rule::NameAndOrganisation,
                            LinkEvidence::Organisations {
                                shared: org,
                                example: org_token,
                            },
                        )
                    };
                    links.push(Link {
                        a: wa,
                        b: wb,
                        rule,
                        evidence,
                    });
                    let mut joined = facts.remove(&ra).unwrap_or_default();
                    let other = facts.remove(&rb).unwrap_or_default();
                    if let (Some(x), Some(y)) = (&joined.name, &other.name)
                        && informative(y) > informative(x)
                    {
                        joined.name = other.name.clone();
                    }
                    joined.coauthors.extend(other.coauthors);
                    joined.orgs.extend(other.orgs);
                    joined.works.extend(other.works);
                    facts.insert(new_root, joined);
                    witness.insert(new_root, wa);
                }
                Ok(None) => {}
                Err(()) => *refused += 1,
            }
        }
        if !merged_any {
            break;
        }
    }
    if config.rare_name_max_givens > 0 {
        merge_rare_full_names(members, data, parsed, config, uf, links);
    }
}

/// Identical full names in a block that holds few distinct given names (a rare family name
/// and initial) are taken to be one person even without shared evidence; common names
/// ("Yang Liu") never qualify.
fn merge_rare_full_names(
    members: &[u32],
    data: &MentionData,
    parsed: &[Option<PersonName>],
    config: &ResolveConfig,
    uf: &mut UnionFind,
    links: &mut Vec<Link>,
) {
    let mut givens: HashSet<String> = HashSet::default();
    let mut by_key: HashMap<String, Vec<u32>> = HashMap::default();
    for &m in members {
        let Some(p) = &parsed[data.mentions[m as usize].name as usize] else {
            continue;
        };
        if !p.has_full_given() {
            continue;
        }
        givens.insert(p.given_compact());
        if givens.len() > config.rare_name_max_givens {
            return;
        }
        by_key.entry(p.key()).or_default().push(m);
    }
    let mut keys: Vec<&String> = by_key.keys().collect();
    keys.sort();
    for key in keys {
        let group = &by_key[key];
        let mut works: HashMap<u32, HashSet<i64>> = HashMap::default();
        for &m in group {
            let r = uf.find(m);
            works
                .entry(r)
                .or_default()
                .insert(data.mentions[m as usize].work);
        }
        let Some(&first) = group.first() else {
            continue;
        };
        for &m in &group[1..] {
            let (ra, rb) = (uf.find(first), uf.find(m));
            if ra == rb {
                continue;
            }
            let disjoint = match (works.get(&ra), works.get(&rb)) {
                (Some(a), Some(b)) => a.is_disjoint(b),
                _ => true,
            };
            if !disjoint {
                continue;
            }
            if let Ok(Some(root)) = uf.union(first, m) {
                let mut joined = works.remove(&ra).unwrap_or_default();
                joined.extend(works.remove(&rb).unwrap_or_default());
                works.insert(root, joined);
                links.push(Link {
                    a: first,
                    b: m,
                    rule: Rule::RareFullName,
                    evidence: LinkEvidence::RareFullName {
                        name: data.mentions[m as usize].name,
                        max_givens: config.rare_name_max_givens as u32,
                    },
                });
            }
        }
    }
}

/// Do the names carrying one id plausibly belong to one person? Each must be plausibly the
/// same as the group's most common name.
fn names_agree(group: &[u32], data: &MentionData, parsed: &[Option<PersonName>]) -> bool {
    let mut counts: HashMap<u32, usize> = HashMap::default();
    for &m in group {
        *counts.entry(data.mentions[m as usize].name).or_default() += 1;
    }
    if counts.len() == 1 {
        return true;
    }
    let Some((&main, _)) = counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) else {
        return true;
    };
    let Some(main) = &parsed[main as usize] else {
        return true;
    };
    counts.keys().all(|&n| {
        parsed[n as usize]
            .as_ref()
            .is_none_or(|p| p.plausibly_same(main))
    })
}

/// How much a name tells: full given names beat initials, more given tokens beat fewer.
fn informative(p: &PersonName) -> (bool, usize, usize) {
    (p.has_full_given(), p.given.len(), p.given_compact().len())
}

/// Summary of a resolution written to the store.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IdentityReport {
    pub mentions: u64,
    pub researchers: u64,
    pub links_by_rule: Vec<(String, u64)>,
    pub refused_conflicts: u64,
    pub namesakes_kept_apart: u64,
    /// Ids ignored because they sat on clearly different names, per kind (openreview, orcid,
    /// openalex, dblp).
    pub inconsistent_ids: [u64; 4],
    /// Organisations, moves, co-author edges and communities written with the researchers.
    pub network: crate::network::NetworkReport,
}

/// Resolves all mentions and rewrites the identity tables (one transaction).
pub fn rebuild(conn: &mut Connection) -> Result<IdentityReport> {
    rebuild_with_steps(conn, &|_| {})
}

/// [`rebuild`], telling `step` when loading, resolving and writing begin.
pub fn rebuild_with_steps(
    conn: &mut Connection,
    step: &dyn Fn(crate::derive::IdentityStep),
) -> Result<IdentityReport> {
    use crate::derive::IdentityStep;
    step(IdentityStep::Loading);
    let started = std::time::Instant::now();
    let data = load(conn)?;
    tracing::info!(mentions = data.mentions.len(), "identity: mentions");
    crate::memory::log_phase("identity: loaded", started);
    step(IdentityStep::Resolving);
    let started = std::time::Instant::now();
    let clustering = resolve(&data, &ResolveConfig::default());
    crate::memory::log_phase("identity: resolved", started);
    step(IdentityStep::Writing);
    let started = std::time::Instant::now();
    let report = write(conn, &data, clustering);
    crate::memory::log_phase("identity: written", started);
    report
}

fn write(
    conn: &mut Connection,
    data: &MentionData,
    clustering: Clustering,
) -> Result<IdentityReport> {
    let started = std::time::Instant::now();
    let Clustering {
        root,
        links,
        strong_id_links,
        refused_conflicts,
        namesakes_kept_apart,
        inconsistent_ids,
    } = clustering;
    let mut by_rule: HashMap<&'static str, u64> = HashMap::default();
    for l in &links {
        *by_rule.entry(l.rule.as_str()).or_default() += 1;
    }
    for (kind, &count) in strong_id_links.iter().enumerate() {
        if count > 0 {
            *by_rule.entry(Rule::for_kind(kind).as_str()).or_default() += count;
        }
    }
    let mut table = OrgTable::from_data(data);
    let profiles = crate::current::profile_affiliations(conn, &mut table)?;
    let as_of = data.mentions.iter().map(|m| m.year).max().unwrap_or(0);
    let info_of: Vec<(bool, usize, usize)> = data
        .names
        .iter()
        .map(|n| PersonName::parse(n).map_or((false, 0, 0), |p| informative(&p)))
        .collect();
    // Group mentions by cluster: one array of mention indices sorted by (root, mention), and
    // each cluster a range of it (no vector per cluster: there are millions).
    let mut by_cluster: Vec<u32> = (0..root.len() as u32).collect();
    by_cluster.sort_unstable_by_key(|&m| (root[m as usize], m));
    let mut clusters: Vec<(u32, std::ops::Range<usize>)> = Vec::new();
    for (i, &m) in by_cluster.iter().enumerate() {
        let r = root[m as usize];
        match clusters.last_mut() {
            Some((last, range)) if *last == r => range.end = i + 1,
            _ => clusters.push((r, i..i + 1)),
        }
    }
    /// A researcher to write: names and ids as indices into `data` (millions of rows; only
    /// the key, which orders them, is a string).
    struct Row {
        key: String,
        /// Into `data.names`.
        name: u32,
        /// Per kind, into `data.id_values[kind]`; 0 = none.
        ids: [u32; 4],
        mentions: std::ops::Range<usize>,
    }
    let name_of = |row: &Row| data.names.get(row.name as usize).map_or("", String::as_str);
    let id_of = |row: &Row, kind: usize| {
        (row.ids[kind] != 0).then(|| data.id_values[kind][row.ids[kind] as usize].as_str())
    };
    let mut work_key_stmt = conn.prepare("SELECT key FROM works WHERE id = ?1")?;
    let mut rows: Vec<(u32, Row)> = clusters
        .into_iter()
        .map(|(root, range)| {
            let mentions = &by_cluster[range.clone()];
            let mut ids = [0u32; 4];
            for &m in mentions {
                for (k, slot) in ids.iter_mut().enumerate() {
                    let id = data.mentions[m as usize].ids[k];
                    if id != 0 && *slot == 0 {
                        *slot = id;
                    }
                }
            }
            let name_id = display_name(data, &info_of, mentions);
            let name = data.names.get(name_id as usize).map_or("", String::as_str);
            let key = match ids.iter().enumerate().find(|(_, v)| **v != 0) {
                Some((k, &v)) => format!("{}:{}", ID_KINDS[k], data.id_values[k][v as usize]),
                None => {
                    // Mentions are in work-key order, so the smallest index is the first paper.
                    let first = mentions.first().copied().unwrap_or(0);
                    let mention = &data.mentions[first as usize];
                    let work_key: String = work_key_stmt
                        .query_row([mention.work], |r| r.get(0))
                        .unwrap_or_else(|_| mention.work.to_string());
                    format!(
                        "name:{}:{}#{}",
                        crate::names::name_key(name).replace(' ', "_"),
                        work_key,
                        mention.position
                    )
                }
            };
            let name = name_id;
            (
                root,
                Row {
                    key,
                    name,
                    ids,
                    mentions: range,
                },
            )
        })
        .collect();
    // Deterministic order; a key can repeat when a conflict kept two clusters with one id
    // (the same OpenReview id with two ORCIDs): number the later ones.
    rows.sort_by(|a, b| {
        a.1.key
            .cmp(&b.1.key)
            .then_with(|| by_cluster[a.1.mentions.start].cmp(&by_cluster[b.1.mentions.start]))
    });
    // Equal keys are adjacent after the sort.
    let mut previous: Option<String> = None;
    let mut run = 0;
    for (_, row) in &mut rows {
        if previous.as_deref() == Some(row.key.as_str()) {
            run += 1;
            row.key = format!("{}#{}", row.key, run);
        } else {
            run = 1;
            previous = Some(row.key.clone());
        }
    }

    drop(work_key_stmt);
    let tx = conn.transaction()?;
    // Bulk rewrite: drop secondary indexes, insert in key order, build the indexes once.
    tx.execute_batch(
        "DROP INDEX IF EXISTS identity_links_by_researcher;
         DROP INDEX IF EXISTS authorship_researcher_by_researcher;
         DROP INDEX IF EXISTS researchers_name_norm;
         DELETE FROM identity_links; DELETE FROM authorship_researcher; DELETE FROM researchers;",
    )?;
    // Researcher id (1-based) by cluster root; 0 for a mention that is not a root.
    let mut researcher_of_root: Vec<u32> = vec![0; data.mentions.len()];
    let mut current_org: Vec<Option<usize>> = Vec::with_capacity(rows.len());
    let mut rid_of: Vec<u32> = vec![0; data.mentions.len()];
    struct Stats {
        n_works: i64,
        first_year: Option<i32>,
        last_year: Option<i32>,
        citations: i64,
        current: crate::current::Current,
        trained: Option<crate::trained::Trained>,
    }
    let mut stats: Vec<Stats> = Vec::with_capacity(rows.len());
    for (i, (root, row)) in rows.iter().enumerate() {
        researcher_of_root[*root as usize] = i as u32 + 1;
        let mentions = &by_cluster[row.mentions.clone()];
        let mut works: HashMap<i64, (i32, i64)> = HashMap::default();
        for &m in mentions {
            let mention = &data.mentions[m as usize];
            works.insert(mention.work, (mention.year, mention.citations));
        }
        let years = works.values().map(|(y, _)| *y).filter(|y| *y > 0);
        let profile = id_of(row, 2)
            .and_then(|oa| profiles.get(oa))
            .map_or(&[][..], Vec::as_slice);
        let current = crate::current::current_affiliation(data, &table, mentions, profile, as_of);
        current_org.push(current.org_id);
        stats.push(Stats {
            n_works: works.len() as i64,
            first_year: years.clone().min(),
            last_year: years.max(),
            citations: works.values().map(|(_, c)| *c).sum(),
            current,
            trained: crate::trained::trained_at(data, &table, mentions),
        });
    }
    {
        let mut map = tx.prepare("INSERT INTO authorship_researcher (work_id, position, researcher_id) VALUES (?1, ?2, ?3)")?;
        // Mentions are in work-key order; the table's primary key is (work id, position), and
        // inserting in key order keeps the B-tree appends sequential.
        let mut order: Vec<u32> = (0..data.mentions.len() as u32).collect();
        order.sort_unstable_by_key(|&m| {
            (
                data.mentions[m as usize].work,
                data.mentions[m as usize].position,
            )
        });
        for m in order {
            let m = m as usize;
            let rid = researcher_of_root[root[m] as usize];
            if rid > 0 {
                let mention = &data.mentions[m];
                map.execute(params![mention.work, mention.position, rid])?;
                rid_of[m] = rid;
            }
        }
        let mut link = tx.prepare(
            "INSERT INTO identity_links (researcher_id, a_work, a_position, b_work, b_position, rule, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        // Strong-id links are implied by the ids on the mentions (why-same recomputes them);
        // only the judgement calls are stored.
        for l in &links {
            let rid = researcher_of_root[root[l.a as usize] as usize];
            if rid == 0 {
                continue;
            }
            let (a, b) = (&data.mentions[l.a as usize], &data.mentions[l.b as usize]);
            link.execute(params![
                rid,
                a.work,
                a.position,
                b.work,
                b.position,
                l.rule.as_str(),
                l.detail(data)
            ])?;
        }
    }
    drop((links, root, researcher_of_root, by_cluster));
    crate::memory::log_phase("identity: mentions mapped, links inserted", started);
    let (network, community) =
        crate::network::write(&tx, data, &table, &rid_of, &current_org, as_of)?;
    {
        let mut ins = tx.prepare(
            "INSERT INTO researchers (id, key, name, name_norm, openreview_id, orcid, openalex_id, dblp_id, n_works,
                                      first_year, last_year, citations, current_org, current_org_year,
                                      current_org_type, current_country, current_org_id, community,
                                      current_org_confidence, current_org_evidence, current_org_stale,
                                      trained_org_id, trained_at, trained_evidence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
                     ?22, ?23, ?24)",
        )?;
        for (i, ((_, row), st)) in rows.iter().zip(&stats).enumerate() {
            ins.execute(params![
                i as i64 + 1,
                row.key,
                name_of(row),
                crate::names::name_key(name_of(row)),
                id_of(row, 0),
                id_of(row, 1),
                id_of(row, 2),
                id_of(row, 3),
                st.n_works,
                st.first_year,
                st.last_year,
                st.citations,
                st.current.org_id.map(|o| table.names[o].as_str()),
                st.current.year,
                st.current.org_type.map(OrgType::as_str),
                st.current.country,
                st.current.org_id.map(|o| o as i64 + 1),
                community[i],
                st.current.org_id.map(|_| st.current.confidence),
                st.current.org_id.map(|_| st.current.evidence.as_str()),
                st.current.stale,
                st.trained.as_ref().map(|t| t.org_id as i64 + 1),
                st.trained.as_ref().map(|t| table.names[t.org_id].as_str()),
                st.trained.as_ref().map(|t| t.evidence.as_str())
            ])?;
        }
    }
    tx.execute_batch(
        "CREATE INDEX identity_links_by_researcher ON identity_links (researcher_id);
         CREATE INDEX authorship_researcher_by_researcher ON authorship_researcher (researcher_id, work_id);
         CREATE INDEX researchers_name_norm ON researchers (name_norm);",
    )?;
    crate::career::write(&tx, as_of)?;
    tx.commit()?;
    let mut links_by_rule: Vec<(String, u64)> = by_rule
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    links_by_rule.sort();
    Ok(IdentityReport {
        mentions: data.mentions.len() as u64,
        researchers: rows.len() as u64,
        links_by_rule,
        refused_conflicts,
        namesakes_kept_apart,
        inconsistent_ids,
        network,
    })
}

/// The most common spelling among the most informative names of a cluster (into
/// `data.names`; `u32::MAX` for no mentions).
fn display_name(data: &MentionData, info_of: &[(bool, usize, usize)], mentions: &[u32]) -> u32 {
    let mut counts: HashMap<u32, usize> = HashMap::default();
    for &m in mentions {
        *counts.entry(data.mentions[m as usize].name).or_default() += 1;
    }
    let mut best: Option<(u32, (bool, usize, usize), usize)> = None;
    for (&name, &count) in &counts {
        let info = info_of[name as usize];
        let better = match &best {
            None => true,
            Some((bn, binfo, bcount)) => {
                (info.0, count, info.1, &data.names[*bn as usize])
                    > (binfo.0, *bcount, binfo.1, &data.names[name as usize])
            }
        };
        if better {
            best = Some((name, info, count));
        }
    }
    best.map_or(u32::MAX, |(n, _, _)| n)
}
