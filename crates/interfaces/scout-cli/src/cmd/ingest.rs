//! `scout ingest PATH…`: read data files into the corpus, then refresh identity and index.
//! `--openalex-snapshot DIR` finds the works of an OpenAlex snapshot in either edition.
//! `--citations FILE…` reads citation counts (CSV, TSV, JSON Lines) and matches them to works.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scout_corpus::citations::CitationReport;
use scout_corpus::{IngestOptions, IngestReport, Progress, RefreshReport};

use super::Context;
use crate::output::{self, Format, Table};

/// Exit code when a command finished but some input records were rejected.
pub const EXIT_REJECTS: u8 = 3;

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (searched recursively); JSON plain or .gz, or OpenAlex Parquet
    #[arg(required_unless_present_any = ["openalex_snapshot", "citations"])]
    paths: Vec<PathBuf>,
    /// Citation files (CSV, TSV or JSON Lines, optionally .gz) keyed by OpenReview id, arXiv id,
    /// DOI, Semantic Scholar id, OpenAlex id or title + year; read after the data files. Every
    /// row is matched, reported as ambiguous, or rejected with its line and reason
    #[arg(long, num_args = 1..)]
    citations: Vec<PathBuf>,
    /// An OpenAlex snapshot root: the works of its Parquet edition (parquet/works/), else of its
    /// JSON Lines edition (jsonl/works/, or the legacy works/) are read (use the filters below to
    /// keep a slice)
    #[arg(long)]
    openalex_snapshot: Option<PathBuf>,
    /// Keep only OpenAlex works with one of these topic, subfield, field, domain or concept ids
    /// (comma-separated, e.g. T10028,C154945302)
    #[arg(long)]
    topic_filter: Option<String>,
    /// Keep only OpenAlex works with an author at one of these institutions (I… ids)
    #[arg(long)]
    institution_filter: Option<String>,
    /// Keep only OpenAlex works published in these years ("2018-2025", "2020-", "-2019", "2024")
    #[arg(long, allow_hyphen_values = true)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot: Option<&'a SnapshotWorks>,
    ingest: &'a IngestReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    citations: Option<&'a CitationReport>,
    refresh: Option<&'a RefreshReport>,
}

/// The works folder of an OpenAlex snapshot and which edition it holds.
#[derive(Debug, serde::Serialize, PartialEq, Eq)]
pub struct SnapshotWorks {
    pub works: PathBuf,
    /// `parquet`, `jsonl`, or `jsonl (legacy layout)`.
    pub edition: &'static str,
    /// The other edition's works folder, when the snapshot holds both (it is not read).
    pub not_read: Option<PathBuf>,
}

/// Finds the works of a snapshot: `ROOT/{parquet,jsonl}/works` (also under `ROOT/data`, as in
/// the bucket), preferring Parquet when both are there, else the legacy `ROOT/works` (or
/// `ROOT/legacy-data/works`).
pub fn snapshot_works(root: &Path) -> anyhow::Result<SnapshotWorks> {
    for base in [root.to_path_buf(), root.join("data")] {
        let parquet = base.join("parquet/works");
        let jsonl = base.join("jsonl/works");
        match (parquet.is_dir(), jsonl.is_dir()) {
            (true, both) => {
                return Ok(SnapshotWorks {
                    works: parquet,
                    edition: "parquet",
                    not_read: both.then_some(jsonl),
                });
            }
            (false, true) => {
                return Ok(SnapshotWorks {
                    works: jsonl,
                    edition: "jsonl",
                    not_read: None,
                });
            }
            (false, false) => {}
        }
    }
    for works in [root.join("works"), root.join("legacy-data/works")] {
        if works.is_dir() {
            return Ok(SnapshotWorks {
                works,
                edition: "jsonl (legacy layout)",
                not_read: None,
            });
        }
    }
    anyhow::bail!(
        "{} is not an OpenAlex snapshot root: found none of parquet/works/, jsonl/works/ (also under data/) or works/",
        root.display()
    )
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
    let citation_rejects = rejects.with_extension("citations.jsonl");
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
    let snapshot = match &args.openalex_snapshot {
        Some(root) => {
            let found = snapshot_works(root)?;
            match &found.not_read {
                Some(other) => eprintln!(
                    "OpenAlex snapshot: both editions found; reading the Parquet edition {} \
                     (the JSON Lines edition {} is a copy of the same records and is not read)",
                    found.works.display(),
                    other.display()
                ),
                None => eprintln!(
                    "OpenAlex snapshot: reading the {} edition {}",
                    found.edition,
                    found.works.display()
                ),
            }
            paths.push(found.works.clone());
            Some(found)
        }
        None => None,
    };
    let report = if paths.is_empty() {
        IngestReport::default()
    } else {
        let progress = Arc::new(Progress::default());
        let bar = spawn_progress_bar(Arc::clone(&progress), ctx.format == Format::Table);
        let report = corpus.ingest(&paths, &opts, &progress);
        progress.finished.store(true, Ordering::Relaxed);
        if let Some(handle) = bar {
            let _ = handle.join();
        }
        report?
    };
    let citations = if args.citations.is_empty() || args.check {
        None
    } else {
        Some(scout_corpus::citations::ingest_citations(
            corpus.conn_mut(),
            &args.citations,
            &citation_rejects,
        )?)
    };
    let refresh = if args.no_refresh || args.check {
        None
    } else {
        if ctx.format == Format::Table {
            eprintln!("resolving identities and updating the index…");
        }
        let refreshed = corpus.refresh(args.rebuild)?;
        super::keys::follow_after_refresh(ctx, &corpus);
        Some(refreshed)
    };
    if ctx.format == Format::Json {
        output::json(&Summary {
            snapshot: snapshot.as_ref(),
            ingest: &report,
            citations: citations.as_ref(),
            refresh: refresh.as_ref(),
        })?;
    } else {
        if !paths.is_empty() {
            print_summary(&report, None);
        }
        if let Some(c) = &citations {
            print_citations(c);
        }
        if let Some(r) = &refresh {
            print_refresh(r);
        }
    }
    let citation_problems = citations.as_ref().map_or(0, |c| c.rejected + c.ambiguous);
    Ok(if report.rejected > 0 || citation_problems > 0 {
        EXIT_REJECTS
    } else {
        0
    })
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
    if r.row_groups_skipped > 0 {
        println!(
            "{} Parquet row groups skipped unread (their publication years are outside the slice)",
            r.row_groups_skipped
        );
    }
    if let Some(path) = &r.rejects_path {
        println!(
            "rejected records with file, line and reason: {}",
            path.display()
        );
    }
    if let Some(refresh) = refresh {
        print_refresh(refresh);
    }
}

/// Per citation file: rows, matched (by which key), stored, ambiguous, rejected; then the first
/// problems with file and line (all are in the rejects file).
pub fn print_citations(c: &CitationReport) {
    let mut t = Table::new(&[
        "citation file",
        "rows",
        "matched",
        "new or changed",
        "ambiguous",
        "rejected",
        "matched by",
    ])
    .right_align(&[1, 2, 3, 4, 5]);
    for f in &c.files {
        let by: Vec<String> = f
            .matched_by
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        t.row(vec![
            f.path.display().to_string(),
            f.rows.to_string(),
            f.matched.to_string(),
            f.stored.to_string(),
            f.ambiguous.to_string(),
            f.rejected.to_string(),
            by.join(", "),
        ]);
    }
    print!("{}", t.render());
    for p in &c.problems {
        println!("{} {}:{}: {}", p.kind, p.file, p.line, p.reason);
    }
    if let Some(path) = &c.rejects_path {
        println!(
            "{} ambiguous and {} rejected citation rows with file, line and reason: {}",
            c.ambiguous,
            c.rejected,
            path.display()
        );
    }
}

pub fn print_refresh(refresh: &RefreshReport) {
    super::refresh_report::print_incremental(refresh);
    {
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
            if id.keys_merged + id.keys_split + id.keys_retired > 0 {
                println!(
                    "researcher keys: {} merged into another, {} split, {} retired (scout keys changes)",
                    id.keys_merged, id.keys_split, id.keys_retired
                );
            }
        }
        if let Some(im) = refresh.impact.as_ref().filter(|im| !im.refit) {
            println!(
                "impact: {} works folded in with the stored estimator ({} with a count, {} estimated); {} folded in since it was fitted",
                im.folded_in, im.counted, im.estimated, im.folded_since_fit
            );
        } else if let Some(im) = &refresh.impact {
            let measures: Vec<String> = im
                .by_measure
                .iter()
                .map(|(m, n)| format!("{m} {n}"))
                .collect();
            println!(
                "impact: {} papers with a count ({}), {} estimated; held-out rank correlation of the estimate {}",
                im.counted,
                measures.join(", "),
                im.estimated,
                im.heldout_spearman
                    .map_or("-".into(), |s| format!("{s:.3}"))
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
