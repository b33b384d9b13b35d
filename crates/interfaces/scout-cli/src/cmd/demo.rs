//! `scout demo`: ingest the bundled demo data (a real subset of the conference corpus plus
//! OpenAlex records) and show the List for a few topics, an explanation and a profile.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use scout_corpus::researchers;
use scout_corpus::{Corpus, IngestOptions, Progress};
use scout_rank::{ListQuery, rank};

use super::Context;
use super::ingest::{print_summary, spawn_progress_bar};
use super::list::print_table;
use super::show::print_profile;
use crate::output::{self, Format};

const TOPICS: [&str; 3] = [
    "reinforcement learning for reasoning",
    "large language model pretraining",
    "diffusion models for image generation",
];

#[derive(clap::Args)]
pub struct Args {
    /// Demo data directory [default: data/demo in the repository]
    #[arg(long)]
    data: Option<PathBuf>,
    /// Researchers per topic
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

fn find_data(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p);
    }
    let candidates = [
        PathBuf::from("data/demo"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../data/demo"),
    ];
    candidates.into_iter().find(|p| p.is_dir()).ok_or_else(|| {
        anyhow::anyhow!("demo data not found; run from the repository root or pass --data DIR")
    })
}

pub fn run(ctx: &Context, args: Args, db_given: bool) -> anyhow::Result<u8> {
    let data = find_data(args.data)?;
    let db = if db_given {
        ctx.db.clone()
    } else {
        std::env::temp_dir().join("scout-demo").join("demo.sqlite")
    };
    let mut corpus = Corpus::open(&db)?;
    let mut rejects = db.clone().into_os_string();
    rejects.push(".rejects.jsonl");
    let opts = IngestOptions::new(PathBuf::from(rejects));
    let progress = Arc::new(Progress::default());
    let table = ctx.format == Format::Table;
    let bar = spawn_progress_bar(Arc::clone(&progress), table);
    let report = corpus.ingest(&[data], &opts, &progress);
    progress.finished.store(true, Ordering::Relaxed);
    if let Some(h) = bar {
        let _ = h.join();
    }
    let report = report?;
    let refresh = corpus.refresh(false)?;
    let index = corpus.text_index()?;
    let as_of = corpus.latest_year()?.unwrap_or(2025);
    let mut lists = Vec::new();
    for topic in TOPICS {
        let mut q = ListQuery::new(topic);
        q.limit = args.limit;
        lists.push(rank(corpus.conn(), &index, as_of, &q)?);
    }
    let top = lists[0].rows.first().map(|r| r.researcher.clone());
    let profile = match top {
        Some(r) => Some(researchers::profile(corpus.conn(), r, as_of, 10)?),
        None => None,
    };
    if !table {
        output::json(&serde_json::json!({
            "db": db, "ingest": report, "refresh": refresh, "lists": lists, "profile": profile,
        }))?;
        return Ok(0);
    }
    println!("== Ingest of {} into {}", opts_path(&report), db.display());
    print_summary(&report, Some(&refresh));
    for (i, list) in lists.iter().enumerate() {
        println!();
        print_table(list, false);
        if i == 0 {
            let mut explained = list.clone();
            explained.rows.truncate(2);
            println!(
                "\n-- Why these scores? (top 2 explained: each score is a sum of per-paper contributions)"
            );
            print_table(&explained, true);
        }
    }
    if let Some(p) = profile {
        println!("\n== Profile of the first researcher on the first List");
        print_profile(&p, 8);
    }
    println!("\nTry next:");
    println!(
        "  scout --db {} list \"your topic\" --explain --limit 20",
        db.display()
    );
    println!(
        "  scout --db {} list \"vision language models\" --org-type company --stage early",
        db.display()
    );
    println!("  scout --db {} show \"Chelsea Finn\"", db.display());
    Ok(0)
}

fn opts_path(report: &scout_corpus::IngestReport) -> String {
    format!("{} files", report.files.len())
}
