//! The ingest pipeline: parser threads read files in parallel (largest first) and send
//! batches of records over a bounded channel to one writer, which stores them in
//! transactions of a few thousand records. Memory is bounded by the channel, not the input.
//!
//! Parquet files (the OpenAlex snapshot's Parquet edition) are planned first (footer, entity,
//! column types, in parallel); each of their row groups is then a task of its own, so that the
//! threads share the row groups of one large file as they share JSON files.
//!
//! A killed ingest loses at most the open transaction; because every write is idempotent,
//! running the same ingest again completes it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, bounded};
use rusqlite::Connection;
use scout_formats::{
    Encoding, FileSummary, InputFile, Item, Limits, Reject, SkippedFile, SliceFilter, discover,
    read_file_filtered,
};
use scout_openalex_parquet::FilePlan;

use serde::Serialize;

use crate::db::{meta_get_i64, meta_set};
use crate::error::{CorpusError, Result};
use crate::store::{Prepared, WriteOutcome, Writer, prepare};

/// How to run an ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub limits: Limits,
    /// Parser threads; 0 means one per core.
    pub threads: usize,
    /// Where to write rejected records (JSON Lines). Created only if there is a reject.
    pub rejects_path: PathBuf,
    /// Records per transaction.
    pub batch_records: usize,
    /// Parse and report, store nothing.
    pub check_only: bool,
    /// Keep only the OpenAlex works this selects (a slice of the snapshot).
    pub filter: Option<SliceFilter>,
}

impl IngestOptions {
    pub fn new(rejects_path: PathBuf) -> Self {
        IngestOptions {
            limits: Limits::default(),
            threads: 0,
            rejects_path,
            batch_records: 20_000,
            check_only: false,
            filter: None,
        }
    }
}

/// Live counters, readable from another thread (the CLI draws its progress bar from them).
#[derive(Debug, Default)]
pub struct Progress {
    pub bytes_total: AtomicU64,
    pub bytes_read: Arc<AtomicU64>,
    pub records: AtomicU64,
    pub rejects: AtomicU64,
    pub files_total: AtomicU64,
    pub files_done: AtomicU64,
    pub finished: AtomicBool,
    /// Set from another thread to stop the ingest: the open transaction is rolled back and
    /// [`ingest`] returns [`CorpusError::Cancelled`]; transactions committed before stay (a
    /// later ingest of the same files completes the work, as after a kill).
    pub cancel: AtomicBool,
}

/// What happened to one input file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: PathBuf,
    pub format: Option<String>,
    pub bytes: u64,
    pub records: u64,
    pub rejects: u64,
    /// OpenAlex works left out by the slice filter.
    pub filtered: u64,
    /// Parquet row groups skipped unread by their statistics (the slice's years).
    pub row_groups_skipped: u64,
    /// Set when the file (or, for Parquet, a row group) could not be read at all.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedReport {
    pub path: PathBuf,
    pub reason: String,
}

/// Totals of one ingest run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    pub files: Vec<FileReport>,
    pub skipped: Vec<SkippedReport>,
    /// Records read, including rejected ones.
    pub records_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// OpenAlex works left out by the slice filter (not rejects: they were read and skipped).
    pub filtered: u64,
    /// Parquet row groups skipped unread by their statistics (their works count as filtered).
    pub row_groups_skipped: u64,
    /// Bytes of the input files (compressed size for gzip; whole size for Parquet, of which
    /// only the needed columns are read).
    pub bytes: u64,
    pub seconds: f64,
    pub rejects_path: Option<PathBuf>,
}

impl IngestReport {
    pub fn stored(&self) -> u64 {
        self.inserted + self.updated + self.unchanged
    }
    pub fn megabytes_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.bytes as f64 / 1e6 / self.seconds
        } else {
            0.0
        }
    }
    pub fn records_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.records_read as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// A parsed and prepared record, or a reject.
enum Entry {
    Record(Prepared),
    Reject(Reject),
}

enum Message {
    Items(Vec<Entry>),
    /// One task of file `index` is done (a whole JSON file, or one Parquet row group).
    TaskDone {
        index: usize,
        result: std::result::Result<TaskSummary, String>,
    },
}

/// What one task read.
#[derive(Default)]
struct TaskSummary {
    file: FileSummary,
    row_groups_skipped: u64,
}

/// A unit of parsing work.
enum Task {
    Json { index: usize },
    RowGroup { index: usize, row_group: usize },
}

const ITEMS_PER_MESSAGE: usize = 512;

/// Reads every data file under `paths` into the corpus.
pub fn ingest(
    conn: &mut Connection,
    paths: &[PathBuf],
    opts: &IngestOptions,
    progress: &Progress,
) -> Result<IngestReport> {
    let started = Instant::now();
    let found = discover(paths)?;
    let mut files = found.files;
    // Largest first, so that one big file does not start last and run alone.
    files.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
    progress
        .bytes_total
        .store(files.iter().map(|f| f.size).sum(), Ordering::Relaxed);
    progress
        .files_total
        .store(files.len() as u64, Ordering::Relaxed);

    let mut report = IngestReport {
        skipped: found
            .skipped
            .into_iter()
            .map(|SkippedFile { path, reason }| SkippedReport { path, reason })
            .collect(),
        ..IngestReport::default()
    };
    report.files = files
        .iter()
        .map(|f| FileReport {
            path: f.path.clone(),
            format: None,
            bytes: f.size,
            records: 0,
            rejects: 0,
            filtered: 0,
            row_groups_skipped: 0,
            error: None,
        })
        .collect();

    let run_id = start_run(conn)?;

    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        opts.threads
    };
    let mut rejects = RejectWriter::new(&opts.rejects_path);
    let plans = plan_parquet(&files, threads, opts.filter.as_ref());
    let mut tasks: Vec<(u64, Task)> = Vec::with_capacity(files.len());
    let mut tasks_left = vec![0usize; files.len()];
    for (index, file) in files.iter().enumerate() {
        match &plans[index] {
            None => {
                tasks.push((file.size, Task::Json { index }));
                tasks_left[index] = 1;
            }
            Some(Ok(plan)) => {
                // A file without row groups still gets one (empty) task, to be reported.
                let row_groups = plan.row_groups().max(1);
                for row_group in 0..row_groups {
                    tasks.push((
                        plan.row_group_bytes(row_group),
                        Task::RowGroup { index, row_group },
                    ));
                }
                tasks_left[index] = row_groups;
                report.files[index].format = plan.format().map(|f| f.to_string());
            }
            Some(Err(e)) => {
                progress.files_done.fetch_add(1, Ordering::Relaxed);
                progress.bytes_read.fetch_add(file.size, Ordering::Relaxed);
                file_failed(&mut report, &mut rejects, index, e.to_string())?;
            }
        }
    }
    // Largest first, so that one big file does not start last and run alone.
    tasks.sort_by_key(|(bytes, _)| std::cmp::Reverse(*bytes));
    let tasks: Vec<Task> = tasks.into_iter().map(|(_, t)| t).collect();

    let abort = AtomicBool::new(false);
    let next_task = AtomicUsize::new(0);
    let (tx, rx) = bounded::<Message>(threads * 4);

    let outcome = std::thread::scope(|scope| {
        for _ in 0..threads.min(tasks.len().max(1)) {
            let tx = tx.clone();
            let (files, plans, tasks, next_task, abort) =
                (&files, &plans, &tasks, &next_task, &abort);
            let limits = opts.limits;
            let counter = Arc::clone(&progress.bytes_read);
            let filter = opts.filter.as_ref();
            scope.spawn(move || {
                let work = Work {
                    files,
                    plans,
                    tasks,
                    next_task,
                    abort,
                    limits: &limits,
                    filter,
                };
                work.run(counter, &tx)
            });
        }
        drop(tx);
        let result = write_all(
            conn,
            &rx,
            opts,
            progress,
            &mut report,
            &mut rejects,
            &mut tasks_left,
        );
        if result.is_err() {
            abort.store(true, Ordering::Relaxed);
        }
        drop(rx);
        result
    });
    outcome?;
    report.rejects_path = rejects.finish()?;
    report.bytes = files.iter().map(|f| f.size).sum();
    report.seconds = started.elapsed().as_secs_f64();
    finish_run(conn, run_id, &report)?;
    progress.finished.store(true, Ordering::Relaxed);
    Ok(report)
}

/// Plans every Parquet file (footer, entity, column types), in parallel; `None` for JSON files.
#[allow(clippy::type_complexity)]
fn plan_parquet(
    files: &[InputFile],
    threads: usize,
    filter: Option<&SliceFilter>,
) -> Vec<Option<std::result::Result<FilePlan, scout_openalex_parquet::ParquetError>>> {
    let parquet: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].encoding == Encoding::Parquet)
        .collect();
    let mut plans: Vec<Option<_>> = (0..files.len()).map(|_| None).collect();
    if parquet.is_empty() {
        return plans;
    }
    let next = AtomicUsize::new(0);
    let planned: Vec<Vec<(usize, _)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.clamp(1, parquet.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&index) = parquet.get(k) else {
                            return out;
                        };
                        out.push((index, FilePlan::open(&files[index].path, filter)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for (index, plan) in planned.into_iter().flatten() {
        plans[index] = Some(plan);
    }
    plans
}

/// What the parser threads share.
struct Work<'a> {
    files: &'a [InputFile],
    #[allow(clippy::type_complexity)]
    plans: &'a [Option<std::result::Result<FilePlan, scout_openalex_parquet::ParquetError>>],
    tasks: &'a [Task],
    next_task: &'a AtomicUsize,
    abort: &'a AtomicBool,
    limits: &'a Limits,
    filter: Option<&'a SliceFilter>,
}

impl Work<'_> {
    fn run(&self, counter: Arc<AtomicU64>, tx: &Sender<Message>) {
        loop {
            let next = self.next_task.fetch_add(1, Ordering::Relaxed);
            if next >= self.tasks.len() || self.abort.load(Ordering::Relaxed) {
                return;
            }
            let mut batch = Vec::with_capacity(ITEMS_PER_MESSAGE);
            let abort = self.abort;
            let mut sink = |item: Item| {
                if abort.load(Ordering::Relaxed) {
                    return;
                }
                batch.push(match item {
                    Item::Record { record, .. } => Entry::Record(prepare(record)),
                    Item::Reject(r) => Entry::Reject(r),
                });
                if batch.len() >= ITEMS_PER_MESSAGE {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(ITEMS_PER_MESSAGE));
                    if tx.send(Message::Items(full)).is_err() {
                        abort.store(true, Ordering::Relaxed);
                    }
                }
            };
            let (index, result) = match self.tasks[next] {
                Task::Json { index } => {
                    let result = read_file_filtered(
                        &self.files[index],
                        self.limits,
                        self.filter,
                        Arc::clone(&counter),
                        &mut sink,
                    );
                    let result = result
                        .map(|file| TaskSummary {
                            file,
                            row_groups_skipped: 0,
                        })
                        .map_err(|e| e.to_string());
                    (index, result)
                }
                Task::RowGroup { index, row_group } => {
                    let result = match &self.plans[index] {
                        Some(Ok(plan)) => plan
                            .read_row_group(row_group, self.limits, &counter, &mut sink)
                            .map(|s| TaskSummary {
                                file: s.file,
                                row_groups_skipped: s.row_groups_skipped,
                            })
                            .map_err(|e| e.to_string()),
                        _ => Ok(TaskSummary::default()),
                    };
                    (index, result)
                }
            };
            if !batch.is_empty() && tx.send(Message::Items(batch)).is_err() {
                return;
            }
            if tx.send(Message::TaskDone { index, result }).is_err() {
                return;
            }
        }
    }
}

/// Records that file `index` could not be read: its report says why, and a reject (line 0)
/// carries the reason into the reject file.
fn file_failed(
    report: &mut IngestReport,
    rejects: &mut RejectWriter,
    index: usize,
    reason: String,
) -> Result<()> {
    let file = &mut report.files[index];
    let reject = Reject {
        file: file.path.display().to_string(),
        line: 0,
        row_group: None,
        element: None,
        field: None,
        reason: reason.clone(),
        excerpt: String::new(),
    };
    file.error.get_or_insert(reason);
    file.rejects += 1;
    report.rejected += 1;
    rejects.write(&reject)
}

fn write_all(
    conn: &Connection,
    rx: &Receiver<Message>,
    opts: &IngestOptions,
    progress: &Progress,
    report: &mut IngestReport,
    rejects: &mut RejectWriter,
    tasks_left: &mut [usize],
) -> Result<()> {
    let mut in_tx = 0usize;
    let mut changed_in_tx = false;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let mut writer = Writer::new(conn)?;
    let result = (|| -> Result<()> {
        for message in rx {
            if progress.cancel.load(Ordering::Relaxed) {
                return Err(CorpusError::Cancelled);
            }
            match message {
                Message::Items(items) => {
                    for item in items {
                        match item {
                            Entry::Record(record) => {
                                report.records_read += 1;
                                let outcome = if opts.check_only {
                                    WriteOutcome::Unchanged
                                } else {
                                    writer.write(&record)?
                                };
                                match outcome {
                                    WriteOutcome::Inserted => {
                                        report.inserted += 1;
                                        changed_in_tx = true;
                                    }
                                    WriteOutcome::Updated => {
                                        report.updated += 1;
                                        changed_in_tx = true;
                                    }
                                    WriteOutcome::Unchanged => report.unchanged += 1,
                                }
                                progress.records.fetch_add(1, Ordering::Relaxed);
                                in_tx += 1;
                            }
                            Entry::Reject(reject) => {
                                report.records_read += 1;
                                report.rejected += 1;
                                progress.rejects.fetch_add(1, Ordering::Relaxed);
                                rejects.write(&reject)?;
                            }
                        }
                    }
                    if in_tx >= opts.batch_records {
                        commit(conn, changed_in_tx)?;
                        conn.execute_batch("BEGIN IMMEDIATE")?;
                        in_tx = 0;
                        changed_in_tx = false;
                    }
                }
                Message::TaskDone { index, result } => {
                    tasks_left[index] = tasks_left[index].saturating_sub(1);
                    if tasks_left[index] == 0 {
                        progress.files_done.fetch_add(1, Ordering::Relaxed);
                    }
                    match result {
                        Ok(summary) => {
                            let file = &mut report.files[index];
                            if let Some(format) = summary.file.format {
                                file.format.get_or_insert_with(|| format.to_string());
                            }
                            file.records += summary.file.records;
                            file.rejects += summary.file.rejects;
                            file.filtered += summary.file.filtered;
                            file.row_groups_skipped += summary.row_groups_skipped;
                            report.filtered += summary.file.filtered;
                            report.row_groups_skipped += summary.row_groups_skipped;
                        }
                        Err(reason) => file_failed(report, rejects, index, reason)?,
                    }
                }
            }
        }
        commit(conn, changed_in_tx)
    })();
    if result.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    result
}

/// Commits the open transaction, first bumping the corpus generation if anything changed, so
/// that derived data (identity, index, statistics) knows it is stale.
fn commit(conn: &Connection, changed: bool) -> Result<()> {
    if changed {
        let generation = meta_get_i64(conn, "corpus_generation")?;
        meta_set(conn, "corpus_generation", &(generation + 1).to_string())?;
    }
    conn.execute_batch("COMMIT")?;
    Ok(())
}

fn start_run(conn: &Connection) -> Result<i64> {
    conn.execute(
        "INSERT INTO ingest_runs (started_at) VALUES (datetime('now'))",
        [],
    )?;
    Ok(conn.last_insert_rowid())
}

fn finish_run(conn: &Connection, run_id: i64, r: &IngestReport) -> Result<()> {
    conn.execute(
        "UPDATE ingest_runs SET finished_at = datetime('now'), files = ?2, records = ?3, inserted = ?4,
                updated = ?5, unchanged = ?6, rejected = ?7, bytes = ?8
         WHERE id = ?1",
        rusqlite::params![
            run_id,
            r.files.len() as i64,
            r.records_read as i64,
            r.inserted as i64,
            r.updated as i64,
            r.unchanged as i64,
            r.rejected as i64,
            r.bytes as i64
        ],
    )?;
    Ok(())
}

/// One line of the reject file.
#[derive(Serialize)]
struct RejectLine<'a> {
    file: &'a str,
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    row_group: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    element: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    reason: &'a str,
    excerpt: &'a str,
}

struct RejectWriter {
    path: PathBuf,
    out: Option<BufWriter<File>>,
}

impl RejectWriter {
    fn new(path: &Path) -> Self {
        RejectWriter {
            path: path.to_path_buf(),
            out: None,
        }
    }

    fn write(&mut self, r: &Reject) -> Result<()> {
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| CorpusError::Io { path, source }
        };
        if self.out.is_none() {
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io_err(dir))?;
            }
            let file = File::create(&self.path).map_err(io_err(&self.path))?;
            self.out = Some(BufWriter::new(file));
        }
        let line = RejectLine {
            file: &r.file,
            line: r.line,
            row_group: r.row_group,
            element: r.element,
            field: r.field.as_deref(),
            reason: &r.reason,
            excerpt: &r.excerpt,
        };
        let mut json =
            serde_json::to_vec(&line).map_err(|e| CorpusError::Invalid(e.to_string()))?;
        json.push(b'\n');
        if let Some(out) = self.out.as_mut() {
            out.write_all(&json).map_err(io_err(&self.path))?;
        }
        Ok(())
    }

    fn finish(self) -> Result<Option<PathBuf>> {
        match self.out {
            Some(mut out) => {
                out.flush().map_err(|source| CorpusError::Io {
                    path: self.path.clone(),
                    source,
                })?;
                Ok(Some(self.path))
            }
            None => Ok(None),
        }
    }
}
