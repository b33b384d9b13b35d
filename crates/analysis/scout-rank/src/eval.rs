//! Ranking quality against expert ground truth: for each topic, the List's researchers are
//! matched by name to a list of known experts, and precision@k, NDCG@k and average precision
//! are computed. Names are matched carefully (accents, case, initials, middle names,
//! "Last, First") with [`PersonName::compatible`]; a ground-truth name counts once however
//! many researchers it matches.

use std::path::Path;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use scout_corpus::names::PersonName;
use scout_corpus::rusqlite::Connection;
use serde::Serialize;

use crate::error::{RankError, Result};
use crate::rank::ListResult;

/// A topic and the names of its experts.
#[derive(Debug, Clone)]
pub struct ExpertList {
    pub name: String,
    pub query: String,
    pub experts: Vec<String>,
}

/// Reads `experts.csv` (`list,name`) of the ArnetMiner expert lists. The topic query is the
/// list name without the `New-` prefix and with dashes as spaces.
pub fn load_aminer(csv: &Path) -> Result<Vec<ExpertList>> {
    let text = std::fs::read_to_string(csv)
        .map_err(|e| RankError::Invalid(format!("{}: {e}", csv.display())))?;
    let mut lists: Vec<ExpertList> = Vec::new();
    for row in scout_formats::csv::rows(&text, b',').skip(1) {
        let [list, name, ..] = row.fields.as_slice() else {
            continue;
        };
        let (list, name) = (list.as_str(), name.trim().to_string());
        match lists.iter_mut().find(|l| l.name == list) {
            Some(l) => l.experts.push(name),
            None => lists.push(ExpertList {
                name: list.to_string(),
                query: list
                    .trim_start_matches("New-")
                    .replace('-', " ")
                    .to_lowercase(),
                experts: vec![name],
            }),
        }
    }
    Ok(lists)
}

/// Reads a `name,year` CSV (ACM Fellows, Turing Award) and returns the names.
pub fn load_names_csv(csv: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(csv)
        .map_err(|e| RankError::Invalid(format!("{}: {e}", csv.display())))?;
    Ok(scout_formats::csv::rows(&text, b',')
        .skip(1)
        .filter_map(|row| {
            let name = row.fields.first()?.trim();
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect())
}

/// Seed of the one split of every evaluation set into a tuning and a reporting half.
pub const SPLIT_SEED: u64 = 20_261_203;

/// Which half of an evaluation set to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Half {
    Tuning,
    Reporting,
    All,
}

impl Half {
    pub fn as_str(self) -> &'static str {
        match self {
            Half::Tuning => "tuning",
            Half::Reporting => "reporting",
            Half::All => "all",
        }
    }

    /// Whether an item (an expert's name, an award paper's title) falls in this half: the
    /// parity of `xxh3(lowercased, trimmed text, SPLIT_SEED)`, tuning even, reporting odd.
    pub fn holds(self, item: &str) -> bool {
        let key = item.trim().to_lowercase();
        let odd = xxhash_rust::xxh3::xxh3_64_with_seed(key.as_bytes(), SPLIT_SEED) & 1 == 1;
        match self {
            Half::All => true,
            Half::Tuning => !odd,
            Half::Reporting => odd,
        }
    }
}

/// Researchers of the corpus, blocked by family name + first initial, for name matching.
pub struct NameMatcher {
    blocks: HashMap<String, Vec<(i64, PersonName)>>,
}

impl NameMatcher {
    pub fn load(conn: &Connection) -> Result<NameMatcher> {
        let mut blocks: HashMap<String, Vec<(i64, PersonName)>> = HashMap::default();
        let mut stmt = conn.prepare("SELECT id, name FROM researchers")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let name: String = r.get(1)?;
            if let Some(p) = PersonName::parse(&name) {
                blocks.entry(p.block_key()).or_default().push((id, p));
            }
        }
        Ok(NameMatcher { blocks })
    }

    /// Researcher ids whose name is compatible with `name`.
    pub fn matches(&self, name: &str) -> Vec<i64> {
        let Some(p) = PersonName::parse(name) else {
            return Vec::new();
        };
        self.blocks
            .get(&p.block_key())
            .map(|list| {
                list.iter()
                    .filter(|(_, q)| q.compatible(&p))
                    .map(|(id, _)| *id)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Ground truth for one topic: which expert each matching researcher is.
pub struct Truth {
    /// researcher id → index of the expert name it matches.
    expert_of: HashMap<i64, usize>,
    pub experts: usize,
    pub found: usize,
}

impl Truth {
    pub fn build(matcher: &NameMatcher, experts: &[String]) -> Truth {
        let mut expert_of = HashMap::default();
        let mut found = 0;
        for (i, name) in experts.iter().enumerate() {
            let ids = matcher.matches(name);
            if !ids.is_empty() {
                found += 1;
            }
            for id in ids {
                expert_of.entry(id).or_insert(i);
            }
        }
        Truth {
            expert_of,
            experts: experts.len(),
            found,
        }
    }

    /// Relevance (0/1) of each ranked researcher; an expert counts at its first match only.
    pub fn judge(&self, ranked: &[i64]) -> Vec<bool> {
        let mut credited = HashSet::default();
        ranked
            .iter()
            .map(|id| self.expert_of.get(id).is_some_and(|&e| credited.insert(e)))
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Metrics {
    pub p_at_10: f64,
    pub p_at_50: f64,
    pub ndcg_at_50: f64,
    /// Average precision over the ranking depth, normalised by the experts found in the corpus.
    pub average_precision: f64,
}

/// Metrics of one ranking given its relevance judgements and the number of relevant items
/// that exist (experts found in the corpus).
pub fn metrics(relevant: &[bool], total_relevant: usize) -> Metrics {
    let p_at = |k: usize| relevant.iter().take(k).filter(|&&r| r).count() as f64 / k as f64;
    let dcg: f64 = relevant
        .iter()
        .take(50)
        .enumerate()
        .filter(|(_, r)| **r)
        .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
        .sum();
    let ideal: f64 = (0..total_relevant.min(50))
        .map(|i| 1.0 / ((i + 2) as f64).log2())
        .sum();
    let mut hits = 0usize;
    let mut ap = 0.0;
    for (i, &r) in relevant.iter().enumerate() {
        if r {
            hits += 1;
            ap += hits as f64 / (i + 1) as f64;
        }
    }
    Metrics {
        p_at_10: p_at(10),
        p_at_50: p_at(50),
        ndcg_at_50: if ideal > 0.0 { dcg / ideal } else { 0.0 },
        average_precision: if total_relevant > 0 {
            ap / total_relevant as f64
        } else {
            0.0
        },
    }
}

/// Researcher ids of a List, in rank order.
pub fn ranked_ids(result: &ListResult) -> Vec<i64> {
    result.rows.iter().map(|r| r.researcher.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_of_known_rankings() {
        let perfect = metrics(&[true; 10], 10);
        assert_eq!(perfect.p_at_10, 1.0);
        assert!((perfect.ndcg_at_50 - 1.0).abs() < 1e-12);
        assert!((perfect.average_precision - 1.0).abs() < 1e-12);
        let one_late = metrics(&[false, true], 1);
        assert!((one_late.average_precision - 0.5).abs() < 1e-12);
        assert!((one_late.ndcg_at_50 - 1.0 / 3f64.log2()).abs() < 1e-12);
        assert_eq!(metrics(&[], 5).p_at_10, 0.0);
    }

    #[test]
    fn halves_split_once_and_cover_everything() {
        let names: Vec<String> = (0..1000).map(|i| format!("Person {i}")).collect();
        let tuning = names.iter().filter(|n| Half::Tuning.holds(n)).count();
        let reporting = names.iter().filter(|n| Half::Reporting.holds(n)).count();
        assert_eq!(tuning + reporting, 1000);
        assert!((400..600).contains(&tuning), "{tuning}");
        assert!(Half::All.holds("x"));
        assert_eq!(
            Half::Tuning.holds(" Person 1"),
            Half::Tuning.holds("person 1")
        );
    }

    #[test]
    fn csv_names_parse() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let f = dir.path().join("f.csv");
        std::fs::write(&f, "name,year\nA. J. Milner,1994\n\"Smith, John\",2001\n")?;
        let names = load_names_csv(&f).map_err(|e| std::io::Error::other(e.to_string()))?;
        assert_eq!(names, ["A. J. Milner", "Smith, John"]);
        Ok(())
    }
}
