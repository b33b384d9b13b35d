//! Resolution in parts, for a job that spreads identity over many machines (the Spark job in
//! `spark/`, issue 17). No union crosses a *component*: the name blocks that strong ids join
//! (a name is in one block; a cluster grows only by a strong id, which may cross blocks, or by
//! a rule inside one block). So each component, given its mentions in corpus order and the
//! names of their co-authors, resolves exactly as inside the whole corpus (`resolve.rs` weighs
//! evidence tokens in string order, not by interned id, for this):
//!
//! - [`block_of`] is the block a mention is partitioned by;
//! - [`resolve_partition`] resolves one component's [`PartitionRow`]s (its own mentions plus
//!   their co-authors as context) into a [`PartitionOutcome`] keyed by corpus-wide mention
//!   ordinals and strings, never by this part's interned ids;
//! - [`assemble`] turns the outcomes of every component back into the [`Clustering`] of the
//!   whole corpus, which a refresh then writes as if it had resolved it itself.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::links::{Link, LinkEvidence, Rule};
use super::mention::{Mention, MentionData};
use super::resolve::{BlockNotes, Clustering, ResolveConfig, Seed, resolve_seeded};
use crate::error::{CorpusError, Result};
use crate::names::PersonName;

/// The block a mention with this name is resolved in. A name that does not parse is a block
/// of its own (only the same string on one paper or a strong id can join it to anything).
pub fn block_of(name: &str) -> String {
    PersonName::parse(name).map_or_else(|| format!("?{name}"), |p| p.block_key())
}

/// The co-author key of a name string (see `resolve::name_key`).
fn name_key(name: &str) -> String {
    super::resolve::name_key(PersonName::parse(name).as_ref(), name)
}

/// One mention given to [`resolve_partition`].
#[derive(Debug, Clone, Default)]
pub struct PartitionRow {
    /// Place of the mention in the corpus's order (works by key, then author position): the
    /// index of [`MentionData::mentions`] of a full load.
    pub ordinal: u64,
    pub work: i64,
    pub name: String,
    /// Strong ids per kind of [`super::ID_KINDS`].
    pub ids: [Option<String>; 4],
    /// Named organisations, as keys (`MentionData::org_tokens` of the full load).
    pub orgs: Vec<String>,
    /// False for a co-author from another component, there only as evidence.
    pub own: bool,
}

/// Evidence of a link in words and numbers that mean the same in every part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortableEvidence {
    Repeated {
        name: String,
    },
    /// `key`: the example co-author's name key (its spelling is chosen from the whole corpus).
    Coauthors {
        shared: u32,
        key: Option<String>,
    },
    Organisations {
        shared: u32,
        token: String,
    },
    RareFullName {
        name: String,
        max_givens: u32,
    },
}

/// A link between two mentions given by ordinal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortableLink {
    pub a: u64,
    pub b: u64,
    pub rule: Rule,
    pub evidence: PortableEvidence,
}

/// What resolving one component decided.
#[derive(Debug, Clone, Default)]
pub struct PartitionOutcome {
    /// (mention ordinal, ordinal of its cluster's representative) for every own mention.
    pub roots: Vec<(u64, u64)>,
    pub links: Vec<PortableLink>,
    pub strong_id_links: [u64; 4],
    pub refused_conflicts: u64,
    pub namesakes_kept_apart: u64,
    pub inconsistent_ids: [u64; 4],
    pub notes: BlockNotes,
}

/// Resolves one component. `rows` may come in any order; each own mention must appear once,
/// and every mention of a work that holds an own mention should be there (the others as
/// context), or co-author evidence is missing.
pub fn resolve_partition(rows: &[PartitionRow]) -> Result<PartitionOutcome> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_unstable_by_key(|&i| rows[i].ordinal);
    if let Some(pair) = order
        .windows(2)
        .find(|w| rows[w[0]].ordinal == rows[w[1]].ordinal)
    {
        return Err(CorpusError::Invalid(format!(
            "mention {} appears twice in one part",
            rows[pair[0]].ordinal
        )));
    }
    let mut data = MentionData {
        org_start: vec![0],
        aff_start: vec![0],
        ..MentionData::default()
    };
    let mut names: HashMap<&str, u32> = HashMap::default();
    let mut ids: [HashMap<&str, u32>; 4] = Default::default();
    for values in &mut data.id_values {
        values.push(String::new());
    }
    let mut orgs: HashMap<&str, u32> = HashMap::default();
    let mut stored = Vec::with_capacity(rows.len());
    let mut locked = Vec::with_capacity(rows.len());
    let mut blocks: HashSet<String> = HashSet::default();
    for (place, &i) in order.iter().enumerate() {
        let row = &rows[i];
        let name = *names.entry(row.name.as_str()).or_insert_with(|| {
            data.names.push(row.name.clone());
            data.names.len() as u32 - 1
        });
        let mut mention_ids = [0u32; 4];
        if row.own {
            for (kind, value) in row.ids.iter().enumerate() {
                if let Some(value) = value {
                    mention_ids[kind] = *ids[kind].entry(value.as_str()).or_insert_with(|| {
                        data.id_values[kind].push(value.clone());
                        data.id_values[kind].len() as u32 - 1
                    });
                }
            }
            let from = data.org_ids.len();
            for org in &row.orgs {
                let id = *orgs.entry(org.as_str()).or_insert_with(|| {
                    data.org_tokens.push(org.clone());
                    data.org_tokens.len() as u32 - 1
                });
                if !data.org_ids[from..].contains(&id) {
                    data.org_ids.push(id);
                }
            }
            blocks.insert(block_of(&row.name));
        }
        data.org_start.push(data.org_ids.len() as u32);
        data.aff_start.push(0);
        data.mentions.push(Mention {
            work: row.work,
            position: 0,
            name,
            ids: mention_ids,
            year: 0,
            citations: 0,
        });
        // Context mentions are stored researchers of their own, locked: nothing joins them.
        stored.push(if row.own { 0 } else { place as i64 + 1 });
        locked.push(!row.own);
    }
    let notes = BlockNotes::default();
    let clustering = resolve_seeded(
        &data,
        &ResolveConfig::default(),
        Some(Seed {
            stored: &stored,
            locked: &locked,
            notes: &notes,
            blocks: &blocks,
        }),
    );
    let ordinal = |m: u32| rows[order[m as usize]].ordinal;
    let roots = (0..order.len())
        .filter(|&m| rows[order[m]].own)
        .map(|m| (rows[order[m]].ordinal, ordinal(clustering.root[m])))
        .collect();
    let name = |n: u32| data.names[n as usize].clone();
    let links = clustering
        .links
        .iter()
        .map(|l| PortableLink {
            a: ordinal(l.a),
            b: ordinal(l.b),
            rule: l.rule,
            evidence: match l.evidence {
                LinkEvidence::Repeated { name: n } => PortableEvidence::Repeated { name: name(n) },
                LinkEvidence::Coauthors { shared, example } => PortableEvidence::Coauthors {
                    shared,
                    key: example.map(|n| name_key(&data.names[n as usize])),
                },
                LinkEvidence::Organisations { shared, example } => {
                    PortableEvidence::Organisations {
                        shared,
                        token: data.org_tokens[example as usize].clone(),
                    }
                }
                LinkEvidence::RareFullName {
                    name: n,
                    max_givens,
                } => PortableEvidence::RareFullName {
                    name: name(n),
                    max_givens,
                },
            },
        })
        .collect();
    Ok(PartitionOutcome {
        roots,
        links,
        strong_id_links: clustering.strong_id_links,
        refused_conflicts: clustering.refused_conflicts,
        namesakes_kept_apart: clustering.namesakes_kept_apart,
        inconsistent_ids: clustering.inconsistent_ids,
        notes: clustering.blocks,
    })
}

/// Rebuilds the whole corpus's [`Clustering`] from the outcomes of all its components, for
/// `data` loaded in full from the store the parts were exported from. Fails when a mention is
/// missing, appears twice, or names something `data` does not hold (a stale export).
pub fn assemble(data: &MentionData, outcomes: &[PartitionOutcome]) -> Result<Clustering> {
    let n = data.mentions.len();
    let stale = |what: String| {
        CorpusError::Invalid(format!(
            "the identity job's output does not match this corpus ({what}): export the corpus again and rerun the job"
        ))
    };
    let index = |ordinal: u64| -> Result<u32> {
        if ordinal < n as u64 {
            Ok(ordinal as u32)
        } else {
            Err(stale(format!("mention {ordinal} of {n}")))
        }
    };
    let mut root = vec![u32::MAX; n];
    for outcome in outcomes {
        for &(m, r) in &outcome.roots {
            let (m, r) = (index(m)?, index(r)?);
            if root[m as usize] != u32::MAX {
                return Err(stale(format!("mention {m} resolved twice")));
            }
            root[m as usize] = r;
        }
    }
    if let Some(m) = root.iter().position(|&r| r == u32::MAX) {
        return Err(stale(format!("mention {m} not resolved")));
    }
    let names: HashMap<&str, u32> = data
        .names
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i as u32))
        .collect();
    let orgs: HashMap<&str, u32> = data
        .org_tokens
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i as u32))
        .collect();
    // A co-author key is spelled as its first name in the corpus, as resolution spells it.
    let mut spelling: HashMap<String, u32> = HashMap::default();
    for (i, name) in data.names.iter().enumerate() {
        spelling.entry(name_key(name)).or_insert(i as u32);
    }
    let name_id = |s: &str| {
        names
            .get(s)
            .copied()
            .ok_or_else(|| stale(format!("name {s:?}")))
    };
    let mut clustering = Clustering {
        root,
        inconsistent_ids: data.dropped_ids,
        ..Clustering::default()
    };
    for outcome in outcomes {
        for l in &outcome.links {
            let evidence = match &l.evidence {
                PortableEvidence::Repeated { name } => LinkEvidence::Repeated {
                    name: name_id(name)?,
                },
                PortableEvidence::Coauthors { shared, key } => LinkEvidence::Coauthors {
                    shared: *shared,
                    example: match key {
                        Some(key) => Some(
                            spelling
                                .get(key)
                                .copied()
                                .ok_or_else(|| stale(format!("co-author key {key:?}")))?,
                        ),
                        None => None,
                    },
                },
                PortableEvidence::Organisations { shared, token } => LinkEvidence::Organisations {
                    shared: *shared,
                    example: orgs
                        .get(token.as_str())
                        .copied()
                        .ok_or_else(|| stale(format!("organisation {token:?}")))?,
                },
                PortableEvidence::RareFullName { name, max_givens } => LinkEvidence::RareFullName {
                    name: name_id(name)?,
                    max_givens: *max_givens,
                },
            };
            clustering.links.push(Link {
                a: index(l.a)?,
                b: index(l.b)?,
                rule: l.rule,
                evidence,
            });
        }
        for kind in 0..4 {
            clustering.strong_id_links[kind] += outcome.strong_id_links[kind];
            clustering.inconsistent_ids[kind] += outcome.inconsistent_ids[kind];
        }
        clustering.refused_conflicts += outcome.refused_conflicts;
        clustering.namesakes_kept_apart += outcome.namesakes_kept_apart;
        clustering
            .blocks
            .common
            .extend(outcome.notes.common.iter().cloned());
        clustering
            .blocks
            .capped
            .extend(outcome.notes.capped.iter().cloned());
    }
    clustering.blocks.common.sort();
    clustering.blocks.capped.sort();
    clustering.blocks.capped.dedup();
    Ok(clustering)
}

/// The rows of `data` for [`resolve_partition`], one component per block set: what the tests
/// and a single-machine check use to split a corpus the way the distributed job does.
pub fn components(data: &MentionData) -> Vec<Vec<PartitionRow>> {
    let n = data.mentions.len();
    // Blocks joined by shared strong ids: union-find over block numbers.
    let mut block_ids: HashMap<String, u32> = HashMap::default();
    let block: Vec<u32> = data
        .mentions
        .iter()
        .map(|m| {
            let key = block_of(&data.names[m.name as usize]);
            let next = block_ids.len() as u32;
            *block_ids.entry(key).or_insert(next)
        })
        .collect();
    let mut parent: Vec<u32> = (0..block_ids.len() as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    let mut first: [HashMap<u32, u32>; 4] = Default::default();
    for (m, mention) in data.mentions.iter().enumerate() {
        for (kind, &id) in mention.ids.iter().enumerate() {
            if id == 0 {
                continue;
            }
            let other = *first[kind].entry(id).or_insert(block[m]);
            let (a, b) = (find(&mut parent, other), find(&mut parent, block[m]));
            if a != b {
                parent[a.max(b) as usize] = a.min(b);
            }
        }
    }
    let mut component_of_block: HashMap<u32, usize> = HashMap::default();
    let mut parts: Vec<Vec<PartitionRow>> = Vec::new();
    let row = |m: usize, own: bool| {
        let mention = &data.mentions[m];
        PartitionRow {
            ordinal: m as u64,
            work: mention.work,
            name: data.names[mention.name as usize].clone(),
            ids: std::array::from_fn(|k| {
                (own && mention.ids[k] != 0)
                    .then(|| data.id_values[k][mention.ids[k] as usize].clone())
            }),
            orgs: if own {
                data.orgs_of(m)
                    .iter()
                    .map(|&o| data.org_tokens[o as usize].clone())
                    .collect()
            } else {
                Vec::new()
            },
            own,
        }
    };
    let mut part_of = vec![0usize; n];
    for m in 0..n {
        let c = find(&mut parent, block[m]);
        let next = parts.len();
        let p = *component_of_block.entry(c).or_insert(next);
        if p == parts.len() {
            parts.push(Vec::new());
        }
        part_of[m] = p;
        parts[p].push(row(m, true));
    }
    // Context: the co-authors from other components on each part's papers.
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j < n && data.mentions[j].work == data.mentions[i].work {
            j += 1;
        }
        let mut here: Vec<usize> = part_of[i..j].to_vec();
        here.sort_unstable();
        here.dedup();
        if here.len() > 1 {
            for &p in &here {
                for (m, &q) in part_of.iter().enumerate().take(j).skip(i) {
                    if q != p {
                        parts[p].push(row(m, false));
                    }
                }
            }
        }
        i = j;
    }
    parts
}
