//! Measuring identity resolution against a labelled sample built from the data itself:
//! OpenReview profile ids name people, so hiding every strong id and re-resolving from names,
//! co-authors and affiliations alone shows how well the evidence recovers them.

use rusqlite::Connection;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;

use crate::error::Result;
use crate::identity::{self, Clustering, LinkEvidence, MentionData, ResolveConfig};
use crate::names::PersonName;

/// Pairwise and B-cubed scores of one clustering against the truth.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    pub method: String,
    pub pairwise_precision: f64,
    pub pairwise_recall: f64,
    pub pairwise_f1: f64,
    pub bcubed_precision: f64,
    pub bcubed_recall: f64,
    pub bcubed_f1: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct IdentityEval {
    /// Mentions carrying an OpenReview id (after dropping ids that name someone else).
    pub labelled_mentions: u64,
    /// Distinct OpenReview ids among them (true people).
    pub true_people: u64,
    pub true_pairs: u64,
    pub results: Vec<Scores>,
    /// The judgement calls of the ids-hidden resolution between two labelled mentions, by what
    /// they rest on: where the wrong merges come from.
    pub links: Vec<LinkKind>,
}

/// Links of one kind (rule, how much evidence, common or rare name) between two labelled
/// mentions, and how many of them join two different people.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct LinkKind {
    pub rule: String,
    /// Shared co-authors or organisations: "1", "2", "3+" ("-" for the other rules).
    pub shared: String,
    /// The block (family name + first initial) holds more distinct given names than the
    /// rare-name rule allows.
    pub common_name: bool,
    pub labelled: u64,
    pub wrong: u64,
}

/// What each of `clustering`'s links rests on: its rule, how many co-authors or organisations
/// were shared ("1", "2", "3+"; "-" for the other rules), and whether its name block is common
/// (one the resolution noted as holding too many given names for the rare-name rule).
fn link_classes(
    data: &MentionData,
    clustering: &Clustering,
) -> Vec<(&'static str, &'static str, bool)> {
    let common: HashSet<&str> = clustering
        .blocks
        .common
        .iter()
        .map(String::as_str)
        .collect();
    clustering
        .links
        .iter()
        .map(|link| {
            let shared = match link.evidence {
                LinkEvidence::Coauthors { shared, .. }
                | LinkEvidence::Organisations { shared, .. } => match shared {
                    0 | 1 => "1",
                    2 => "2",
                    _ => "3+",
                },
                _ => "-",
            };
            let name = &data.names[data.mentions[link.a as usize].name as usize];
            let in_common =
                PersonName::parse(name).is_some_and(|p| common.contains(p.block_key().as_str()));
            (link.rule.as_str(), shared, in_common)
        })
        .collect()
}

/// Counts the links between two labelled mentions by class ([`link_classes`]). A link counts
/// as wrong when its two mentions carry different OpenReview ids: an approximation of the merge
/// being wrong, as each side stands for its whole cluster.
fn link_kinds(
    clustering: &Clustering,
    classes: &[(&'static str, &'static str, bool)],
    truth: &[u32],
) -> Vec<LinkKind> {
    let mut counts: HashMap<(&str, &str, bool), (u64, u64)> = HashMap::default();
    for (link, &class) in clustering.links.iter().zip(classes) {
        let (ta, tb) = (truth[link.a as usize], truth[link.b as usize]);
        if ta == 0 || tb == 0 {
            continue;
        }
        let entry = counts.entry(class).or_default();
        entry.0 += 1;
        entry.1 += u64::from(ta != tb);
    }
    let mut kinds: Vec<LinkKind> = counts
        .into_iter()
        .map(
            |((rule, shared, common_name), (labelled, wrong))| LinkKind {
                rule: rule.to_string(),
                shared: shared.to_string(),
                common_name,
                labelled,
                wrong,
            },
        )
        .collect();
    kinds.sort();
    kinds
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    }
}

/// Scores `predicted` (one cluster label per mention) against `truth` (the OpenReview id per
/// mention, 0 = unlabelled); only labelled mentions count.
pub fn score(method: &str, predicted: &[u32], truth: &[u32]) -> Scores {
    let mut pred_sizes: HashMap<u32, u64> = HashMap::default();
    let mut truth_sizes: HashMap<u32, u64> = HashMap::default();
    let mut joint: HashMap<(u32, u32), u64> = HashMap::default();
    for (&p, &t) in predicted.iter().zip(truth) {
        if t == 0 {
            continue;
        }
        *pred_sizes.entry(p).or_default() += 1;
        *truth_sizes.entry(t).or_default() += 1;
        *joint.entry((p, t)).or_default() += 1;
    }
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let tp: u64 = joint.values().map(|&n| pairs(n)).sum();
    let pred_pairs: u64 = pred_sizes.values().map(|&n| pairs(n)).sum();
    let true_pairs: u64 = truth_sizes.values().map(|&n| pairs(n)).sum();
    let precision = if pred_pairs > 0 {
        tp as f64 / pred_pairs as f64
    } else {
        1.0
    };
    let recall = if true_pairs > 0 {
        tp as f64 / true_pairs as f64
    } else {
        1.0
    };
    // B-cubed: per mention, the share of its predicted cluster that is truly its person, and
    // the share of its person that its predicted cluster holds.
    let mut bp = 0.0;
    let mut br = 0.0;
    let mut n = 0u64;
    for (&(p, t), &count) in &joint {
        bp += count as f64 * count as f64 / pred_sizes[&p] as f64;
        br += count as f64 * count as f64 / truth_sizes[&t] as f64;
        n += count;
    }
    let (bp, br) = if n > 0 {
        (bp / n as f64, br / n as f64)
    } else {
        (1.0, 1.0)
    };
    Scores {
        method: method.to_string(),
        pairwise_precision: precision,
        pairwise_recall: recall,
        pairwise_f1: f1(precision, recall),
        bcubed_precision: bp,
        bcubed_recall: br,
        bcubed_f1: f1(bp, br),
    }
}

/// Hides strong ids and re-resolves; compares with the OpenReview-id truth of the people each
/// of `keeps` accepts (by OpenReview id: a half of the split), one result per subset, from one
/// load and one resolution. Also scores two simple baselines (exact normalised name; family
/// name + first initial) for context, and each of `variants` (settings tried for tuning,
/// strong ids hidden as well).
pub fn evaluate(
    conn: &Connection,
    keeps: &[&dyn Fn(&str) -> bool],
    variants: &[(String, ResolveConfig)],
) -> Result<Vec<IdentityEval>> {
    let data: MentionData = identity::load(conn)?;
    let hidden: Clustering = identity::resolve(
        &data,
        &ResolveConfig {
            use_strong_ids: false,
            ..ResolveConfig::default()
        },
    );
    let mut key_ids: HashMap<String, u32> = HashMap::default();
    let mut block_ids: HashMap<String, u32> = HashMap::default();
    let mut exact = Vec::with_capacity(data.mentions.len());
    let mut block = Vec::with_capacity(data.mentions.len());
    for m in &data.mentions {
        let raw = &data.names[m.name as usize];
        let parsed = PersonName::parse(raw);
        let key = parsed.as_ref().map_or_else(|| raw.clone(), PersonName::key);
        let bkey = parsed
            .as_ref()
            .map_or_else(|| raw.clone(), PersonName::block_key);
        let next = key_ids.len() as u32;
        exact.push(*key_ids.entry(key).or_insert(next));
        let next = block_ids.len() as u32;
        block.push(*block_ids.entry(bkey).or_insert(next));
    }
    let tried: Vec<(&str, Vec<u32>)> = variants
        .iter()
        .map(|(name, config)| {
            let clustering = identity::resolve(
                &data,
                &ResolveConfig {
                    use_strong_ids: false,
                    ..*config
                },
            );
            (name.as_str(), clustering.root)
        })
        .collect();
    let full = identity::resolve(&data, &ResolveConfig::default());
    let classes = link_classes(&data, &hidden);

    let mut out = Vec::with_capacity(keeps.len());
    for keep in keeps {
        let kept: Vec<bool> = data.id_values[0].iter().map(|id| keep(id)).collect();
        let truth: Vec<u32> = data
            .mentions
            .iter()
            .map(|m| if kept[m.ids[0] as usize] { m.ids[0] } else { 0 })
            .collect();
        let labelled = truth.iter().filter(|&&t| t != 0).count() as u64;
        let mut people: Vec<u32> = truth.iter().copied().filter(|&t| t != 0).collect();
        people.sort_unstable();
        people.dedup();
        let mut results = vec![
            score(
                "names + co-author/organisation evidence (strong ids hidden)",
                &hidden.root,
                &truth,
            ),
            score("baseline: same normalised full name", &exact, &truth),
            score("baseline: same family name + first initial", &block, &truth),
        ];
        for (name, root) in &tried {
            results.push(score(name, root, &truth));
        }
        results.push(score(
            "production (strong ids used; an upper bound, ids are the labels)",
            &full.root,
            &truth,
        ));
        let pairs = |n: u64| n * n.saturating_sub(1) / 2;
        let mut sizes: HashMap<u32, u64> = HashMap::default();
        for &t in truth.iter().filter(|&&t| t != 0) {
            *sizes.entry(t).or_default() += 1;
        }
        out.push(IdentityEval {
            labelled_mentions: labelled,
            true_people: people.len() as u64,
            true_pairs: sizes.values().map(|&n| pairs(n)).sum(),
            results,
            links: link_kinds(&hidden, &classes, &truth),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_perfect_split_and_merged_clusterings() {
        let truth = [1, 1, 2, 2, 0];
        let perfect = score("p", &[7, 7, 8, 8, 9], &truth);
        assert_eq!(
            (perfect.pairwise_precision, perfect.pairwise_recall),
            (1.0, 1.0)
        );
        let merged = score("m", &[1, 1, 1, 1, 1], &truth);
        assert_eq!(merged.pairwise_recall, 1.0);
        assert!((merged.pairwise_precision - 2.0 / 6.0).abs() < 1e-12);
        let split = score("s", &[1, 2, 3, 4, 5], &truth);
        assert_eq!(split.pairwise_recall, 0.0);
        assert!((split.bcubed_precision - 1.0).abs() < 1e-12);
        assert!((split.bcubed_recall - 0.5).abs() < 1e-12);
    }
}
