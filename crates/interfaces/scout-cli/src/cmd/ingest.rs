//! `scout ingest PATH…`: read data files into the corpus, then refresh identity and index.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scout_corpus::{IngestOptions, IngestReport, Progress, RefreshReport};

use super::Context;
use crate::EXIT_REJECTS;
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (searched recursively); plain or .gz
    #[arg(required_unless_present = "openalex_snapshot")]
    paths: Vec<PathBuf>,
    /// An OpenAlex snapshot root: its works/updated_date=*/part_*.gz are read (use the filters
    /// below to keep a slice)
    #[arg(long)]
    openalex_snapshot: Option<PathBuf>,
    /// Keep only OpenAlex works with one of these topic, subfield, field, domain or concept ids
    /// (comma-separated, e.g. T10028,C154945302)
    #[arg(long)]
    topic_filter: Option<String>,
    /// Keep only OpenAlex works with an author at one of these institutions (I… ids)
    #[arg(long)]
    institution_filter: Option<String>,
    /// Keep only OpenAlex works published in these years ("2018-2025", "2020-", "2024")
    #[arg(long)]
    years: Option<String>,
    /// Where to write rejected records [default: <db>.rejects.jsonl]
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Parser threads (0 = one per core)
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Load only; leave identity and index for the next command that needs them
    #[arg(long)]
    no_refresh: bool,
    /// Rebuild identity, statistics and the index from scratch after loading
    #[arg(long)]
    rebuild: bool,
    /// Only parse and report rejects; store nothing
    #[arg(long)]
    check: bool,
}

#[derive(serde::Serialize)]
struct Summary<'a> {
    ingest: &'a IngestReport,
    refresh: Option<&'a RefreshReport>,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let mut corpus = ctx.open()?;
    let rejects = args.rejects.unwrap_or_else(|| {
        let mut name = ctx
            .db
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".rejects.jsonl");
        ctx.db.with_file_name(name)
    });
    let mut opts = IngestOptions::new(rejects);
    opts.threads = args.threads;
    opts.check_only = args.check;
    let mut filter = scout_corpus::SliceFilter::default();
    if let Some(t) = &args.topic_filter {
        filter.topics = scout_corpus::SliceFilter::ids(t);
    }
    if let Some(i) = &args.institution_filter {
        filter.institutions = scout_corpus::SliceFilter::ids(i);
    }
    if let Some(y) = &args.years {
        let (from, to) = scout_corpus::SliceFilter::years(y).ok_or_else(|| {
            anyhow::anyhow!("--years: expected 2018-2025, 2020-, -2019 or 2024, got {y:?}")
        })?;
        filter.from_year = from;
        filter.to_year = to;
    }
    if !filter.is_empty() {
        opts.filter = Some(filter);
    }
    let mut paths = args.paths.clone();
    if let Some(root) = &args.openalex_snapshot {
        let works = root.join("works");
        anyhow::ensure!(
            works.is_dir(),
            "{} has no works/ folder (an OpenAlex snapshot root is expected)",
            root.display()
        );
        paths.push(works);
    }
    let progress = Arc::new(Progress::default());
    let bar = spawn_progress_bar(Arc::clone(&progress), ctx.format == Format::Table);
    let report = corpus.ingest(&paths, &opts, &progress);
    progress.finished.store(true, Ordering::Relaxed);
    if let Some(handle) = bar {
        let _ = handle.join();
    }
    let report = report?;
    let refresh = if args.no_refresh || args.check {
        None
    } else {
        if ctx.format == Format::Table {
            eprintln!("resolving identities and updating the index…");
        }
        Some(corpus.refresh(args.rebuild)?)
    };
    if ctx.format == Format::Json {
        output::json(&Summary {
            ingest: &report,
            refresh: refresh.as_ref(),
        })?;
    } else {
        print_summary(&report, refresh.as_ref());
    }
    Ok(if report.rejected > 0 { EXIT_REJECTS } else { 0 })
}

pub fn spawn_progress_bar(
    progress: Arc<Progress>,
    enabled: bool,
) -> Option<std::thread::JoinHandle<()>> {
    if !enabled {
        return None;
    }
    Some(std::thread::spawn(move || {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} ({bytes_per_sec}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        while !progress.finished.load(Ordering::Relaxed) {
            bar.set_length(progress.bytes_total.load(Ordering::Relaxed));
            bar.set_position(progress.bytes_read.load(Ordering::Relaxed));
            bar.set_message(format!(
                "{} records, {} rejected, {}/{} files",
                progress.records.load(Ordering::Relaxed),
                progress.rejects.load(Ordering::Relaxed),
                progress.files_done.load(Ordering::Relaxed),
                progress.files_total.load(Ordering::Relaxed)
            ));
            std::thread::sleep(Duration::from_millis(100));
        }
        bar.finish_and_clear();
    }))
}

pub fn print_summary(r: &IngestReport, refresh: Option<&RefreshReport>) {
    let mut files = Table::new(&["file", "format", "records", "rejected"]).right_align(&[2, 3]);
    let mut sorted: Vec<_> = r.files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    for f in sorted {
        files.row(vec![
            f.path.display().to_string(),
            f.error
                .clone()
                .or_else(|| f.format.clone())
                .unwrap_or_else(|| "empty".into()),
            f.records.to_string(),
            f.rejects.to_string(),
        ]);
    }
    print!("{}", files.render());
    for s in &r.skipped {
        println!("skipped {} ({})", s.path.display(), s.reason);
    }
    println!(
        "read {} records from {} files ({:.1} MB) in {:.2} s: {:.0} records/s, {:.1} MB/s",
        r.records_read,
        r.files.len(),
        r.bytes as f64 / 1e6,
        r.seconds,
        r.records_per_second(),
        r.megabytes_per_second()
    );
    println!(
        "stored {} ({} new, {} updated, {} unchanged), rejected {}{}",
        r.stored(),
        r.inserted,
        r.updated,
        r.unchanged,
        r.rejected,
        if r.filtered > 0 {
            format!(", {} OpenAlex works outside the slice skipped", r.filtered)
        } else {
            String::new()
        }
    );
    if let Some(path) = &r.rejects_path {
        println!(
            "rejected records with file, line and reason: {}",
            path.display()
        );
    }
    if let Some(refresh) = refresh {
        if let Some(id) = &refresh.identity {
            println!(
                "identity: {} mentions → {} researchers in {:.2} s ({} unions refused for conflicting ids, \
                 {} namesakes kept apart; ids ignored as attached to different names: {} OpenReview, {} ORCID, \
                 {} OpenAlex, {} DBLP)",
                id.mentions,
                id.researchers,
                refresh.identity_seconds,
                id.refused_conflicts,
                id.namesakes_kept_apart,
                id.inconsistent_ids[0],
                id.inconsistent_ids[1],
                id.inconsistent_ids[2],
                id.inconsistent_ids[3]
            );
        }
        if let Some(ix) = &refresh.index {
            println!(
                "index: {} documents written in {:.2} s{}",
                ix.documents_written,
                ix.seconds,
                if ix.full_rebuild { " (full build)" } else { "" }
            );
        }
    }
}
