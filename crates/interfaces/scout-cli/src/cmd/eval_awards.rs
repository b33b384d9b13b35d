//! `scout eval awards`: the papers a field singled out (best-paper and test-of-time awards),
//! joined to the corpus by title, as a test of the impact term:
//!
//! - where each award paper's impact falls in its venue-year — the estimate's rank among the
//!   venue-year's estimates for papers without a count, the count's rank among the same measure
//!   otherwise (ties counted against the paper);
//! - where the middle authors of award papers with ≥ 10 authors land on the List for the paper's
//!   own keywords (its title when it has none), before issue 12 and now;
//! - the estimator's rank correlation on held-back counted papers, per venue (from refresh).
//!
//! The award file is JSON Lines (`{"venue", "year", "title", "authors"}`); `scripts/eval` makes it
//! from `../shared/data/eval-award-papers/papers.yml`.

use std::path::PathBuf;

use anyhow::Context as _;
use rustc_hash::FxHashMap as HashMap;
use scout_corpus::title_fingerprint;
use scout_rank::eval::Half;
use scout_rank::{ListQuery, RankModel, Shape, rank_with};
use serde::Serialize;

use super::Context;
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct AwardArgs {
    /// Award papers as JSON Lines: {"venue", "year", "title", "authors"}
    #[arg(long)]
    awards: PathBuf,
    /// Which half of the award papers (split once by title with `scout_rank::eval::SPLIT_SEED`)
    #[arg(long, value_enum, default_value_t = Half::All)]
    half: Half,
    /// List depth searched for the middle authors of large-team papers
    #[arg(long, default_value_t = 2000)]
    depth: usize,
    /// Authors a paper needs to count as large-team
    #[arg(long, default_value_t = 10)]
    min_authors: i64,
}

#[derive(Serialize)]
struct AwardPaper {
    title: String,
    work_id: i64,
    venue: Option<String>,
    year: Option<i32>,
    n_authors: i64,
    estimated: bool,
    /// Share of the venue-year at or above this paper (ties against it): 0.03 = top 3 %.
    top_share: f64,
}

#[derive(Serialize, Default)]
struct Placement {
    papers: usize,
    in_top_5_percent: usize,
    in_top_20_percent: usize,
    median_top_share: Option<f64>,
}

#[derive(Serialize)]
struct MiddleAuthors {
    title: String,
    topic: String,
    n_authors: i64,
    /// Rank of each middle author on the List (None: below the depth searched).
    before: Vec<Option<usize>>,
    after: Vec<Option<usize>>,
}

#[derive(Serialize)]
struct LandmarkSummary {
    papers: usize,
    middle_authors: usize,
    median_rank_before: Option<usize>,
    median_rank_after: Option<usize>,
    in_top_100_before: usize,
    in_top_100_after: usize,
    in_top_500_before: usize,
    in_top_500_after: usize,
}

#[derive(Serialize)]
struct ValidationRow {
    venue: String,
    heldout: i64,
    spearman: Option<f64>,
}

#[derive(Serialize)]
struct Report {
    half: Half,
    award_titles: usize,
    matched: usize,
    without_count: Placement,
    with_count: Placement,
    landmarks: LandmarkSummary,
    landmark_papers: Vec<MiddleAuthors>,
    estimator: Vec<ValidationRow>,
    papers: Vec<AwardPaper>,
}

fn placement(papers: &[&AwardPaper]) -> Placement {
    let mut shares: Vec<f64> = papers.iter().map(|p| p.top_share).collect();
    shares.sort_by(f64::total_cmp);
    Placement {
        papers: papers.len(),
        in_top_5_percent: shares.iter().filter(|s| **s <= 0.05).count(),
        in_top_20_percent: shares.iter().filter(|s| **s <= 0.20).count(),
        median_top_share: shares.get(shares.len() / 2).copied(),
    }
}

fn median(mut ranks: Vec<usize>) -> Option<usize> {
    ranks.sort_unstable();
    ranks.get(ranks.len() / 2).copied()
}

pub fn run(ctx: &Context, args: AwardArgs) -> anyhow::Result<u8> {
    let half = args.half;
    let mut corpus = ctx.open_existing()?;
    let index = corpus.text_index()?;
    let as_of = corpus.latest_year()?.unwrap_or(2025);
    let conn = corpus.conn();
    let text = std::fs::read_to_string(&args.awards)
        .with_context(|| format!("reading {}", args.awards.display()))?;
    // Award titles, once each (a paper can hold several awards).
    let mut titles: Vec<(String, Option<i32>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("{}:{}", args.awards.display(), i + 1))?;
        let Some(title) = v["title"].as_str() else {
            continue;
        };
        let year = v["year"].as_i64().map(|y| y as i32);
        if half.holds(title) && seen.insert(title_fingerprint(title)) {
            titles.push((title.to_string(), year));
        }
    }
    // Works by title fingerprint.
    let mut by_title: HashMap<String, Vec<(i64, Option<i32>)>> = HashMap::default();
    {
        let mut stmt = conn.prepare("SELECT id, title, year FROM works ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let title: String = r.get(1)?;
            by_title
                .entry(title_fingerprint(&title))
                .or_default()
                .push((r.get(0)?, r.get(2)?));
        }
    }
    let mut papers = Vec::new();
    for (title, year) in &titles {
        let Some(candidates) = by_title.get(&title_fingerprint(title)) else {
            continue;
        };
        let Some(&(work_id, _)) = candidates
            .iter()
            .find(|(_, y)| *y == *year)
            .or_else(|| candidates.first())
        else {
            continue;
        };
        let (venue, wyear, n_authors, estimated, percentile): (
            Option<String>,
            Option<i32>,
            i64,
            Option<i64>,
            Option<f64>,
        ) = conn.query_row(
            "SELECT w.venue, w.year, w.n_authors, i.estimated, i.percentile
             FROM works w LEFT JOIN work_impact i ON i.work_id = w.id WHERE w.id = ?1",
            [work_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        papers.push(AwardPaper {
            title: title.clone(),
            work_id,
            venue,
            year: wyear,
            n_authors,
            estimated: estimated.unwrap_or(1) != 0,
            top_share: 1.0 - percentile.unwrap_or(0.0),
        });
    }
    let without: Vec<&AwardPaper> = papers.iter().filter(|p| p.estimated).collect();
    let with: Vec<&AwardPaper> = papers.iter().filter(|p| !p.estimated).collect();

    // Middle authors of large-team award papers on the List for the paper's keywords.
    let model = RankModel::load(conn)?;
    let mut facts = model.facts();
    let mut landmark_papers = Vec::new();
    for p in papers.iter().filter(|p| p.n_authors >= args.min_authors) {
        let (title, keywords): (String, Option<String>) = conn.query_row(
            "SELECT title, keywords FROM works WHERE id = ?1",
            [p.work_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let topic = keywords
            .map(|k| k.lines().collect::<Vec<_>>().join(" "))
            .filter(|k| !k.trim().is_empty())
            .unwrap_or(title);
        let mut middle: Vec<i64> = Vec::new();
        let mut stmt = conn.prepare_cached(
            "SELECT researcher_id FROM authorship_researcher WHERE work_id = ?1 AND position > 0 AND position < ?2 ORDER BY position",
        )?;
        for id in stmt.query_map(
            scout_corpus::rusqlite::params![p.work_id, p.n_authors - 1],
            |r| r.get::<_, i64>(0),
        )? {
            let id = id?;
            if !middle.contains(&id) {
                middle.push(id);
            }
        }
        let mut ranks =
            |shape: Shape, include_rejected: bool| -> anyhow::Result<Vec<Option<usize>>> {
                let mut q = ListQuery::new(topic.clone());
                q.limit = args.depth;
                q.explain_papers = 1;
                q.shape = shape;
                q.include_rejected = include_rejected;
                let result = rank_with(conn, &index, &mut facts, as_of, &q)?;
                let position: HashMap<i64, usize> = result
                    .rows
                    .iter()
                    .map(|r| (r.researcher.id, r.rank))
                    .collect();
                Ok(middle.iter().map(|id| position.get(id).copied()).collect())
            };
        let before = ranks(Shape::BEFORE, true)?;
        let after = ranks(Shape::default(), false)?;
        landmark_papers.push(MiddleAuthors {
            title: p.title.clone(),
            topic,
            n_authors: p.n_authors,
            before,
            after,
        });
    }
    let flat = |f: fn(&MiddleAuthors) -> &Vec<Option<usize>>| -> Vec<usize> {
        landmark_papers
            .iter()
            .flat_map(|m| f(m).iter().map(|r| r.unwrap_or(args.depth + 1)))
            .collect()
    };
    let (before, after) = (flat(|m| &m.before), flat(|m| &m.after));
    let within = |v: &[usize], k: usize| v.iter().filter(|r| **r <= k).count();
    let landmarks = LandmarkSummary {
        papers: landmark_papers.len(),
        middle_authors: before.len(),
        median_rank_before: median(before.clone()),
        median_rank_after: median(after.clone()),
        in_top_100_before: within(&before, 100),
        in_top_100_after: within(&after, 100),
        in_top_500_before: within(&before, 500),
        in_top_500_after: within(&after, 500),
    };
    let mut estimator = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT venue, heldout, spearman FROM impact_validation ORDER BY heldout DESC, venue",
        )?;
        for row in stmt.query_map([], |r| {
            Ok(ValidationRow {
                venue: r.get(0)?,
                heldout: r.get(1)?,
                spearman: r.get(2)?,
            })
        })? {
            estimator.push(row?);
        }
    }
    let report = Report {
        half,
        award_titles: titles.len(),
        matched: papers.len(),
        without_count: placement(&without),
        with_count: placement(&with),
        landmarks,
        landmark_papers,
        estimator,
        papers,
    };
    if ctx.format == Format::Json {
        output::json(&report)?;
        return Ok(0);
    }
    print_report(&report, args.depth);
    Ok(0)
}

fn print_report(r: &Report, depth: usize) {
    println!(
        "Award papers ({:?} half): {} titles, {} found in the corpus.",
        r.half, r.award_titles, r.matched
    );
    let mut t = Table::new(&[
        "award papers",
        "papers",
        "top 5 %",
        "top 20 %",
        "median top share",
    ])
    .right_align(&[1, 2, 3, 4]);
    let pct = |n: usize, of: usize| {
        if of == 0 {
            "-".to_string()
        } else {
            format!("{n} ({:.0} %)", 100.0 * n as f64 / of as f64)
        }
    };
    for (label, p) in [
        ("without a count: estimate in venue-year", &r.without_count),
        (
            "with a count: count in venue-year (reference)",
            &r.with_count,
        ),
    ] {
        t.row(vec![
            label.to_string(),
            p.papers.to_string(),
            pct(p.in_top_5_percent, p.papers),
            pct(p.in_top_20_percent, p.papers),
            p.median_top_share
                .map_or("-".into(), |s| format!("{:.1} %", 100.0 * s)),
        ]);
    }
    print!("{}", t.render());
    let l = &r.landmarks;
    println!(
        "\nLarge-team award papers: {} papers, {} middle authors on the List for the paper's keywords (depth {depth}; below it counts as {}):",
        l.papers,
        l.middle_authors,
        depth + 1
    );
    let mut t =
        Table::new(&["", "median rank", "in top 100", "in top 500"]).right_align(&[1, 2, 3]);
    t.row(vec![
        "before issue 12".into(),
        l.median_rank_before.map_or("-".into(), |m| m.to_string()),
        l.in_top_100_before.to_string(),
        l.in_top_500_before.to_string(),
    ]);
    t.row(vec![
        "now".into(),
        l.median_rank_after.map_or("-".into(), |m| m.to_string()),
        l.in_top_100_after.to_string(),
        l.in_top_500_after.to_string(),
    ]);
    print!("{}", t.render());
    println!("\nImpact estimator, Spearman on held-back counted papers (per venue):");
    let mut t = Table::new(&["venue", "held back", "Spearman"]).right_align(&[1, 2]);
    for v in &r.estimator {
        t.row(vec![
            v.venue.clone(),
            v.heldout.to_string(),
            v.spearman.map_or("-".into(), |s| format!("{s:.3}")),
        ]);
    }
    print!("{}", t.render());
}
