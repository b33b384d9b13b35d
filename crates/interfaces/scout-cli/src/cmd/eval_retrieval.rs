//! `scout eval retrieval`: which works a topic finds, judged against works labelled with that
//! topic. `scripts/eval_retrieval.py` builds the labels from OpenReview keywords and a copy of the
//! corpus without them, so the index cannot match a label by its own words.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use scout_corpus::RelevanceOptions;
use scout_corpus::rusqlite::OptionalExtension;
use scout_rank::eval::Half;
use serde::{Deserialize, Serialize};

use super::Context;
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct RetrievalArgs {
    /// Labelled topics as JSON Lines: {"topic": "…", "works": ["work key", …]}
    #[arg(long)]
    labels: PathBuf,
    /// Which half of the topics (split once by topic with `scout_rank::eval::SPLIT_SEED`)
    #[arg(long, value_enum, default_value_t = Half::All)]
    half: Half,
    /// Lexical weights to compare (repeatable; default: the List's)
    #[arg(long)]
    lexical_weight: Vec<f64>,
    /// Exponents on the relative BM25 score to compare (repeatable; default: the List's)
    #[arg(long)]
    lexical_power: Vec<f64>,
    /// Semantic sharpness values to compare (repeatable; default: the List's)
    #[arg(long)]
    sharpness: Vec<f64>,
    /// Relevance floors to compare (repeatable; default: the List's)
    #[arg(long)]
    floor: Vec<f64>,
    /// Whether a work's BM25 is also measured against the best title-and-keywords match
    /// (repeatable: `--title-share false --title-share true`; default: the List's)
    #[arg(long)]
    title_share: Vec<bool>,
}

#[derive(Deserialize)]
struct LabelLine {
    topic: String,
    works: Vec<String>,
}

/// One labelled topic: its works (ids), and those whose title and abstract lack one of the
/// topic's words (found, if at all, only by meaning).
struct Labelled {
    topic: String,
    works: HashSet<i64>,
    unworded: HashSet<i64>,
    /// The labelled works without an abstract (their title and keywords are all the index has).
    no_abstract: HashSet<i64>,
}

#[derive(Serialize, Default, Clone, Copy)]
struct Scores {
    /// Average precision of the relevance ranking (labelled works not found count as 0).
    average_precision: f64,
    /// Precision among the first R works found, R the number of labelled works (a measure of
    /// the order that a looser floor does not raise).
    r_precision: f64,
    /// Precision among the first 100 works found.
    p_at_100: f64,
    /// Share of the labelled works above the relevance floor.
    recall: f64,
    /// The same, over the labelled works lacking one of the topic's words (the mean: over the
    /// topics that have such works).
    unworded_recall: f64,
    /// The same, over the labelled works without an abstract.
    no_abstract_recall: f64,
    /// Works above the floor.
    found: f64,
}

#[derive(Serialize)]
struct SettingRow {
    floor: f64,
    lexical_weight: f64,
    lexical_power: f64,
    sharpness: f64,
    title_share: bool,
    topics: usize,
    mean: Scores,
}

/// The values asked for on the command line, or the List's default when none was.
fn or_default<T: Copy>(asked: &[T], default: T) -> Vec<T> {
    if asked.is_empty() {
        vec![default]
    } else {
        asked.to_vec()
    }
}

pub fn run(ctx: &Context, args: RetrievalArgs) -> anyhow::Result<u8> {
    let d = RelevanceOptions::default();
    let mut grid: Vec<RelevanceOptions> = Vec::new();
    for &floor in &or_default(&args.floor, d.floor) {
        for &lexical_weight in &or_default(&args.lexical_weight, d.lexical_weight) {
            for &lexical_power in &or_default(&args.lexical_power, d.lexical_power) {
                for &sharpness in &or_default(&args.sharpness, d.sharpness) {
                    for title_share in or_default(&args.title_share, d.title_share) {
                        grid.push(RelevanceOptions {
                            floor,
                            lexical_weight,
                            lexical_power,
                            sharpness,
                            title_share,
                            ..d
                        });
                    }
                }
            }
        }
    }
    let mut corpus = ctx.open_existing()?;
    let index = corpus.text_index()?;
    let topics = load_labels(corpus.conn(), &args.labels, args.half)?;
    anyhow::ensure!(
        !topics.is_empty(),
        "{}: no labelled topic in the {} half has a work in this corpus",
        args.labels.display(),
        args.half.as_str()
    );

    let mut rows = Vec::new();
    for opts in grid {
        let mut sum = Scores::default();
        let mut with_unworded = 0usize;
        let mut with_no_abstract = 0usize;
        for t in &topics {
            let found = index.relevant(&t.topic, None, &opts)?;
            let s = judge(t, &found.hits);
            sum.average_precision += s.average_precision;
            sum.r_precision += s.r_precision;
            sum.p_at_100 += s.p_at_100;
            sum.recall += s.recall;
            if !t.unworded.is_empty() {
                sum.unworded_recall += s.unworded_recall;
                with_unworded += 1;
            }
            if !t.no_abstract.is_empty() {
                sum.no_abstract_recall += s.no_abstract_recall;
                with_no_abstract += 1;
            }
            sum.found += s.found;
        }
        let n = topics.len() as f64;
        rows.push(SettingRow {
            floor: opts.floor,
            lexical_weight: opts.lexical_weight,
            lexical_power: opts.lexical_power,
            sharpness: opts.sharpness,
            title_share: opts.title_share,
            topics: topics.len(),
            mean: Scores {
                average_precision: sum.average_precision / n,
                r_precision: sum.r_precision / n,
                p_at_100: sum.p_at_100 / n,
                recall: sum.recall / n,
                unworded_recall: sum.unworded_recall / with_unworded.max(1) as f64,
                no_abstract_recall: sum.no_abstract_recall / with_no_abstract.max(1) as f64,
                found: sum.found / n,
            },
        });
    }

    match ctx.format {
        Format::Json => output::json(&rows)?,
        _ => {
            println!(
                "Topic retrieval against labelled works ({} half): {} topics, {} labelled works ({} lacking one of the topic's words, {} without an abstract)",
                args.half.as_str(),
                topics.len(),
                topics.iter().map(|t| t.works.len()).sum::<usize>(),
                topics.iter().map(|t| t.unworded.len()).sum::<usize>(),
                topics.iter().map(|t| t.no_abstract.len()).sum::<usize>(),
            );
            let mut table = Table::new(&[
                "floor",
                "lexical weight",
                "lexical power",
                "sharpness",
                "title share",
                "mean AP",
                "R-precision",
                "P@100",
                "recall",
                "recall without the words",
                "recall without an abstract",
                "works found",
            ]);
            for r in &rows {
                table.row(vec![
                    format!("{:.2}", r.floor),
                    format!("{:.2}", r.lexical_weight),
                    format!("{:.2}", r.lexical_power),
                    format!("{:.2}", r.sharpness),
                    if r.title_share { "yes" } else { "no" }.to_string(),
                    format!("{:.4}", r.mean.average_precision),
                    format!("{:.4}", r.mean.r_precision),
                    format!("{:.4}", r.mean.p_at_100),
                    format!("{:.4}", r.mean.recall),
                    format!("{:.4}", r.mean.unworded_recall),
                    format!("{:.4}", r.mean.no_abstract_recall),
                    format!("{:.0}", r.mean.found),
                ]);
            }
            print!("{}", table.render());
        }
    }
    Ok(0)
}

/// Reads the labels of the topics in `half`, keeping the works this corpus holds.
fn load_labels(
    conn: &scout_corpus::rusqlite::Connection,
    path: &Path,
    half: Half,
) -> anyhow::Result<Vec<Labelled>> {
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut by_key = conn.prepare(
        "SELECT w.id, w.title, COALESCE(w.abstract, a.text, '') FROM works w
         LEFT JOIN abstracts a ON a.work_key = w.key WHERE w.key = ?1",
    )?;
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("{}:{}", path.display(), n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let label: LabelLine = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a labelled topic", path.display(), n + 1))?;
        if !half.holds(&label.topic) {
            continue;
        }
        let words: HashSet<String> = scout_corpus::semantic::tokens(&label.topic)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        let mut t = Labelled {
            topic: label.topic,
            works: HashSet::new(),
            unworded: HashSet::new(),
            no_abstract: HashSet::new(),
        };
        for key in &label.works {
            let row: Option<(i64, String, String)> = by_key
                .query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let Some((id, title, abstract_text)) = row else {
                continue;
            };
            t.works.insert(id);
            if abstract_text.trim().is_empty() {
                t.no_abstract.insert(id);
            }
            let text: HashSet<String> =
                scout_corpus::semantic::tokens(&format!("{title} {abstract_text}"))
                    .into_iter()
                    .map(|(_, t)| t)
                    .collect();
            if !words.is_subset(&text) {
                t.unworded.insert(id);
            }
        }
        if !t.works.is_empty() {
            out.push(t);
        }
    }
    Ok(out)
}

/// A topic's scores for the works found (best first).
fn judge(t: &Labelled, hits: &[scout_corpus::Hit]) -> Scores {
    let relevant: Vec<bool> = hits.iter().map(|h| t.works.contains(&h.work_id)).collect();
    let labelled_within = |k: usize| relevant.iter().take(k).filter(|&&r| r).count() as f64;
    let seen = |set: &HashSet<i64>| {
        if set.is_empty() {
            0.0
        } else {
            hits.iter().filter(|h| set.contains(&h.work_id)).count() as f64 / set.len() as f64
        }
    };
    let n = t.works.len() as f64;
    Scores {
        average_precision: scout_rank::eval::metrics(&relevant, t.works.len()).average_precision,
        r_precision: labelled_within(t.works.len()) / n,
        p_at_100: labelled_within(100) / 100.0,
        recall: labelled_within(hits.len()) / n,
        unworded_recall: seen(&t.unworded),
        no_abstract_recall: seen(&t.no_abstract),
        found: hits.len() as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_precision_and_recall_of_a_ranking() {
        let t = Labelled {
            topic: "x".into(),
            works: [1, 4, 9].into_iter().collect(),
            unworded: [9].into_iter().collect(),
            no_abstract: [4, 9].into_iter().collect(),
        };
        let hit = |work_id| scout_corpus::Hit {
            work_id,
            score: 1.0,
        };
        let s = judge(&t, &[hit(1), hit(2), hit(4), hit(5)]);
        // Precision 1/1 at the first, 2/3 at the second; the third is not found.
        assert!((s.average_precision - (1.0 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        assert!((s.recall - 2.0 / 3.0).abs() < 1e-12);
        // Two of the first three found are labelled; two of the 100 first.
        assert!((s.r_precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.p_at_100 - 0.02).abs() < 1e-12);
        assert_eq!(s.unworded_recall, 0.0);
        assert_eq!(s.no_abstract_recall, 0.5);
        assert_eq!(s.found, 4.0);
    }
}
