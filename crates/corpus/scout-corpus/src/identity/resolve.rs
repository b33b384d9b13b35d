//! Resolution: mentions clustered into researchers with union-find, rule by rule (see the
//! module documentation of `identity`): duplicates on a paper, strong ids, then names with
//! co-author or organisation evidence block by block, and identical rare full names.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::links::{Link, LinkEvidence, Rule};
use super::mention::MentionData;
use super::union_find::{Union, UnionFind};
use crate::names::{PersonName, fold};

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
    /// What the blocks were like, for an incremental refresh that sees only part of a block.
    pub blocks: BlockNotes,
}

/// Facts about whole name blocks that a resolution of a part of a block cannot see: which blocks
/// hold too many given names for the rare-name rule, and which evidence tokens were shared by
/// too many clusters to count.
#[derive(Debug, Default, Clone)]
pub struct BlockNotes {
    /// Blocks with more distinct given names than the rare-name rule allows.
    pub common: Vec<String>,
    /// (block, token is an organisation, token): co-author name keys and organisation keys
    /// shared by more than `max_token_clusters` clusters of the block.
    pub capped: Vec<(String, bool, String)>,
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
    /// In a block with more distinct given names than `rare_name_max_givens` (a common family
    /// name and initial: "Liu, Y."), the least evidence strength ([`Evidence::strength`]: a
    /// shared co-author 2, a shared organisation 1) that merges two clusters.
    pub common_min_strength: u32,
}

impl Default for ResolveConfig {
    fn default() -> Self {
        ResolveConfig {
            use_strong_ids: true,
            max_token_clusters: 60,
            rare_name_max_givens: 6,
            common_min_strength: 1,
        }
    }
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
    /// The most informative name of the cluster's mentions in the block (into `names`).
    name: Option<u32>,
    coauthors: HashSet<u32>,
    orgs: HashSet<u32>,
    works: HashSet<i64>,
}

/// Where an incremental refresh starts from: the loaded mentions' stored researchers, kept
/// whole, and the name blocks of the new mentions, the only blocks resolved again.
#[derive(Debug, Clone, Copy)]
pub struct Seed<'a> {
    /// Per mention of the data: its stored researcher, 0 for a new mention.
    pub stored: &'a [i64],
    /// Per mention: its researcher is only partly loaded (a co-author's), so it stays as it is.
    pub locked: &'a [bool],
    /// What the last full resolution noted about these blocks as a whole.
    pub notes: &'a BlockNotes,
    pub blocks: &'a HashSet<String>,
}

/// Runs resolution over `data`.
pub fn resolve(data: &MentionData, config: &ResolveConfig) -> Clustering {
    resolve_seeded(data, config, None)
}

/// Runs resolution over `data`, from the stored researchers of `seed` when given: those stay
/// whole, and two of them merge only once a new mention has joined one (every union needs a
/// cluster with a new mention on one side); only the blocks of `seed` are resolved.
pub fn resolve_seeded(
    data: &MentionData,
    config: &ResolveConfig,
    seed: Option<Seed<'_>>,
) -> Clustering {
    let mut uf = UnionFind::new(&data.mentions, config.use_strong_ids);
    if let Some(seed) = seed {
        uf.keep_stored(seed.stored, seed.locked);
    }
    let mut links = Vec::new();
    let mut strong_id_links = [0u64; 4];
    let mut refused = 0u64;
    let mut namesakes = 0u64;

    // 1. The same name twice on one paper.
    for paper in data.papers() {
        for a in paper.clone() {
            for b in (a + 1)..paper.end {
                if data.mentions[a].name == data.mentions[b].name {
                    match uf.union(a as u32, b as u32) {
                        Union::Joined { .. } => links.push(Link {
                            a: a as u32,
                            b: b as u32,
                            rule: Rule::DuplicateOnPaper,
                            evidence: LinkEvidence::Repeated {
                                name: data.mentions[a].name,
                            },
                        }),
                        Union::AlreadyTogether | Union::Kept => {}
                        Union::Conflict => refused += 1,
                    }
                }
            }
        }
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
                        Union::Joined { .. } => strong_id_links[kind] += 1,
                        Union::AlreadyTogether | Union::Kept => {}
                        Union::Conflict => refused += 1,
                    }
                }
            }
        }
    }

    // 3. Names with evidence, block by block.
    let name_keys = NameKeys::new(data, &parsed);
    let info: Vec<Informativeness> = parsed
        .iter()
        .map(|p| {
            p.as_ref()
                .map_or_else(Informativeness::default, Informativeness::of)
        })
        .collect();
    let org_rank = string_ranks(&data.org_tokens);
    let papers = PaperSpans::new(data);
    // The stored notes as this data's token ids (a seeded run), per block.
    let mut seeded_caps: HashMap<&str, (HashSet<u32>, HashSet<u32>)> = HashMap::default();
    let mut common: HashSet<&str> = HashSet::default();
    if let Some(seed) = seed {
        let org_ids: HashMap<&str, u32> = data
            .org_tokens
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i as u32))
            .collect();
        for (block, is_org, token) in &seed.notes.capped {
            let entry = seeded_caps.entry(block.as_str()).or_default();
            if *is_org {
                if let Some(&id) = org_ids.get(token.as_str()) {
                    entry.1.insert(id);
                }
            } else if let Some(&id) = name_keys.ids.get(token.as_str()) {
                entry.0.insert(id);
            }
        }
        common.extend(seed.notes.common.iter().map(String::as_str));
    }
    let mut notes = BlockNotes::default();
    // Each name's block, computed once per distinct name (not per mention); a seeded run keeps
    // only its own blocks.
    let mut block_ids: HashMap<String, u32> = HashMap::default();
    let mut block_names: Vec<String> = Vec::new();
    let block_of_name: Vec<Option<u32>> = parsed
        .iter()
        .map(|p| {
            let key = p.as_ref()?.block_key();
            if seed.is_some_and(|s| !s.blocks.contains(&key)) {
                return None;
            }
            Some(*block_ids.entry(key).or_insert_with_key(|key| {
                block_names.push(key.clone());
                block_names.len() as u32 - 1
            }))
        })
        .collect();
    let mut blocks: Vec<Vec<u32>> = vec![Vec::new(); block_names.len()];
    for (m, mention) in data.mentions.iter().enumerate() {
        if let Some(b) = block_of_name[mention.name as usize] {
            blocks[b as usize].push(m as u32);
        }
    }
    let mut block_order: Vec<u32> = (0..block_names.len() as u32).collect();
    block_order.sort_unstable_by(|&a, &b| block_names[a as usize].cmp(&block_names[b as usize]));
    for b in block_order {
        let key = &block_names[b as usize];
        let members = &blocks[b as usize];
        let none = (HashSet::default(), HashSet::default());
        let block = Block {
            key,
            data,
            parsed: &parsed,
            info: &info,
            name_keys: &name_keys,
            org_rank: &org_rank,
            papers: &papers,
            config,
            capped: seeded_caps.get(key.as_str()).unwrap_or(&none),
            common: common.contains(key.as_str()),
        };
        resolve_block(
            members,
            &block,
            &mut uf,
            &mut links,
            &mut namesakes,
            &mut notes,
        );
    }
    notes.capped.sort();
    notes.capped.dedup();

    let root = (0..data.mentions.len() as u32)
        .map(|m| uf.find(m))
        .collect();
    Clustering {
        root,
        links,
        strong_id_links,
        refused_conflicts: refused,
        namesakes_kept_apart: namesakes,
        inconsistent_ids: inconsistent,
        blocks: notes,
    }
}

/// Each name's key (names that compare equal share one), and one spelling per key for
/// explanations.
struct NameKeys {
    /// Key id of each name (index into [`MentionData::names`]).
    of_name: Vec<u32>,
    /// Key ids by key.
    ids: HashMap<String, u32>,
    /// Each key id's key.
    keys: Vec<String>,
    /// A spelling (index into [`MentionData::names`]) of each key id: its first name.
    spelling: Vec<u32>,
    /// Each key id's place among the keys in string order: evidence tokens are weighed in
    /// that order, so a link's example is the same whatever ids this data interned (a
    /// partition of the corpus resolves exactly as the whole, see `partition.rs`).
    rank: Vec<u32>,
}

impl NameKeys {
    fn new(data: &MentionData, parsed: &[Option<PersonName>]) -> NameKeys {
        let mut ids: HashMap<String, u32> = HashMap::default();
        let mut keys: Vec<String> = Vec::new();
        let of_name: Vec<u32> = parsed
            .iter()
            .zip(&data.names)
            .map(|(p, raw)| {
                let key = name_key(p.as_ref(), raw);
                *ids.entry(key).or_insert_with_key(|key| {
                    keys.push(key.clone());
                    keys.len() as u32 - 1
                })
            })
            .collect();
        let mut spelling = vec![0u32; of_name.iter().map(|&k| k as usize + 1).max().unwrap_or(0)];
        for (name, &key) in of_name.iter().enumerate().rev() {
            spelling[key as usize] = name as u32;
        }
        let rank = string_ranks(&keys);
        NameKeys {
            of_name,
            ids,
            keys,
            spelling,
            rank,
        }
    }
}

/// The key two names compare by as co-authors (evidence tokens): the parsed name's key, else
/// the folded string.
pub(super) fn name_key(parsed: Option<&PersonName>, raw: &str) -> String {
    parsed.map_or_else(|| fold(raw), PersonName::key)
}

/// Each string's place in sorted order.
fn string_ranks(values: &[String]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..values.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| values[a as usize].cmp(&values[b as usize]));
    let mut rank = vec![0u32; values.len()];
    for (place, &i) in order.iter().enumerate() {
        rank[i as usize] = place as u32;
    }
    rank
}

/// The mentions on each mention's paper (mentions of one work are contiguous): co-authors.
struct PaperSpans {
    start: Vec<u32>,
    end: Vec<u32>,
}

impl PaperSpans {
    fn new(data: &MentionData) -> PaperSpans {
        let n = data.mentions.len();
        let mut start = vec![0u32; n];
        let mut end = vec![0u32; n];
        for paper in data.papers() {
            for k in paper.clone() {
                start[k] = paper.start as u32;
                end[k] = paper.end as u32;
            }
        }
        PaperSpans { start, end }
    }

    /// Indices of the mentions on the paper of mention `m`, `m` included.
    fn of(&self, m: u32) -> std::ops::Range<usize> {
        self.start[m as usize] as usize..self.end[m as usize] as usize
    }
}

/// What resolving a block reads, the same for every block.
struct Block<'a> {
    key: &'a str,
    data: &'a MentionData,
    parsed: &'a [Option<PersonName>],
    /// Each name's informativeness (default for a name that does not parse).
    info: &'a [Informativeness],
    name_keys: &'a NameKeys,
    /// Each organisation token's place in string order (see [`NameKeys::rank`]).
    org_rank: &'a [u32],
    papers: &'a PaperSpans,
    config: &'a ResolveConfig,
    /// Tokens (co-author keys, organisations) the whole block shares too widely to count, when
    /// only part of it is loaded.
    capped: &'a (HashSet<u32>, HashSet<u32>),
    /// The whole block holds too many given names for the rare-name rule.
    common: bool,
}

/// Merges the clusters of one block (`members`: mentions with one family name and first
/// initial) by compatible names and shared evidence, then identical rare full names; counts
/// name matches kept apart by different strong ids in `namesakes`.
fn resolve_block(
    members: &[u32],
    block: &Block,
    uf: &mut UnionFind,
    links: &mut Vec<Link>,
    namesakes: &mut u64,
    notes: &mut BlockNotes,
) {
    let Block {
        key,
        data,
        parsed,
        info,
        name_keys,
        org_rank,
        papers,
        config,
        capped,
        common,
    } = *block;
    // (Counted only when a common name needs more than any evidence: not by default.)
    let common_block = || {
        common || {
            let mut givens: HashSet<String> = HashSet::default();
            for &m in members {
                if let Some(p) = &parsed[data.mentions[m as usize].name as usize]
                    && p.has_full_given()
                {
                    givens.insert(p.given_compact());
                    if givens.len() > config.rare_name_max_givens {
                        break;
                    }
                }
            }
            givens.len() > config.rare_name_max_givens
        }
    };
    // Counted once, when first asked.
    let mut common_memo: Option<bool> = None;
    let mut is_common = || *common_memo.get_or_insert_with(common_block);
    let min_strength = if config.common_min_strength > 1 && is_common() {
        config.common_min_strength
    } else {
        1
    };
    // Two passes: merges in the first pass pool evidence that can enable merges in the second.
    for _pass in 0..2 {
        let mut facts: HashMap<u32, ClusterFacts> = HashMap::default();
        let mut witness: HashMap<u32, u32> = HashMap::default(); // root -> one mention in this block
        for &m in members {
            let root = uf.find(m);
            witness.entry(root).or_insert(m);
            let f = facts.entry(root).or_default();
            let mention = &data.mentions[m as usize];
            let n = mention.name;
            if parsed[n as usize].is_some() {
                let better = match f.name {
                    None => true,
                    Some(cur) => info[n as usize] > info[cur as usize],
                };
                if better {
                    f.name = Some(n);
                }
            }
            for other in papers.of(m) {
                if other != m as usize {
                    f.coauthors
                        .insert(name_keys.of_name[data.mentions[other].name as usize]);
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
        // Tokens in string order, so that each pair's example token does not depend on ids.
        let mut by_coauthor: Vec<(u32, Vec<u32>)> = by_coauthor.into_iter().collect();
        by_coauthor.sort_unstable_by_key(|(token, _)| name_keys.rank[*token as usize]);
        let mut by_org: Vec<(u32, Vec<u32>)> = by_org.into_iter().collect();
        by_org.sort_unstable_by_key(|(token, _)| org_rank[*token as usize]);
        let mut scores: HashMap<(u32, u32), Evidence> = HashMap::default();
        for (token, list) in &by_coauthor {
            if list.len() > config.max_token_clusters {
                notes.capped.push((
                    key.to_string(),
                    false,
                    name_keys.keys[*token as usize].clone(),
                ));
                continue;
            }
            if capped.0.contains(token) {
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
                notes.capped.push((
                    key.to_string(),
                    true,
                    data.org_tokens[*token as usize].clone(),
                ));
                continue;
            }
            if capped.1.contains(token) {
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
            if evidence.strength() < min_strength {
                continue;
            }
            let (ra, rb) = (uf.find(a), uf.find(b));
            if ra == rb {
                continue;
            }
            // Facts are keyed by the roots at the start of the pass; merged roots carry both.
            let (Some(fa), Some(fb)) = (facts.get(&ra), facts.get(&rb)) else {
                continue;
            };
            let (Some(na), Some(nb)) = (
                fa.name.and_then(|n| parsed[n as usize].as_ref()),
                fb.name.and_then(|n| parsed[n as usize].as_ref()),
            ) else {
                continue;
            };
            if !na.compatible(nb) || !fa.works.is_disjoint(&fb.works) {
                continue;
            }
            // An initial alone ("Y. Liu") is too weak to follow an organisation, unless the
            // block is rare (few given names go with the family name and initial: "F.
            // Chaumette"), where a shared organisation is as good a sign as a rare full name.
            if co == 0 && (!na.has_full_given() || !nb.has_full_given()) && is_common() {
                continue;
            }
            let (Some(&wa), Some(&wb)) = (witness.get(&ra), witness.get(&rb)) else {
                continue;
            };
            match uf.union(wa, wb) {
                Union::Joined { root: new_root } => {
                    merged_any = true;
                    let (rule, evidence) = if co > 0 {
                        (
                            Rule::NameAndCoauthor,
                            LinkEvidence::Coauthors {
                                shared: co,
                                example: name_keys.spelling.get(co_token as usize).copied(),
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
                    if let (Some(x), Some(y)) = (joined.name, other.name)
                        && info[y as usize] > info[x as usize]
                    {
                        joined.name = other.name;
                    }
                    joined.coauthors.extend(other.coauthors);
                    joined.orgs.extend(other.orgs);
                    joined.works.extend(other.works);
                    facts.insert(new_root, joined);
                    witness.insert(new_root, wa);
                }
                Union::AlreadyTogether | Union::Kept => {}
                Union::Conflict => *namesakes += 1,
            }
        }
        if !merged_any {
            break;
        }
    }
    if config.rare_name_max_givens > 0
        && !common
        && !merge_rare_full_names(members, data, parsed, config, uf, links)
    {
        notes.common.push(key.to_string());
    }
}

/// Identical full names in a block that holds few distinct given names (a rare family name
/// and initial) are taken to be one person even without shared evidence; common names
/// ("Yang Liu") never qualify: false when the block holds too many given names.
fn merge_rare_full_names(
    members: &[u32],
    data: &MentionData,
    parsed: &[Option<PersonName>],
    config: &ResolveConfig,
    uf: &mut UnionFind,
    links: &mut Vec<Link>,
) -> bool {
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
            return false;
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
            if let Union::Joined { root } = uf.union(first, m) {
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
    true
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

/// How much a name tells, compared field by field: full given names beat initials, then more
/// given tokens beat fewer, then longer given names beat shorter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Informativeness {
    pub full_given: bool,
    pub given_tokens: usize,
    pub given_chars: usize,
}

impl Informativeness {
    pub(crate) fn of(p: &PersonName) -> Informativeness {
        Informativeness {
            full_given: p.has_full_given(),
            given_tokens: p.given.len(),
            given_chars: p.given_compact().len(),
        }
    }
}
