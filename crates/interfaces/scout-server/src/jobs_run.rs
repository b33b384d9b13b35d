//! What the jobs of `jobs` do, on blocking threads: the real ingest and refresh of
//! `scout-corpus` (the same code as `scout ingest`), the pipeline export of `scout-pipeline`,
//! and the Parquet export of `scout-parquet` packed into a tar. Each phase hands the job a
//! probe over the operation's own counters.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use scout_corpus::{Corpus, CorpusError, IngestOptions, Progress, RefreshProgress};
use scout_formats::csv::CsvWriter;
use scout_parquet::{ExportError, ExportProgress};
use scout_pipeline::store::PipelineExport;
use serde_json::{Map, Value, json};

use crate::jobs::{Job, Jobs, Output, Probe, Sample, Status, counter_probe};

/// Rejects shown in an ingest's result (all of them are counted).
const SHOWN_REJECTS: usize = 100;
/// New papers linked from an ingest's result (the most cited).
const SHOWN_NEW_WORKS: i64 = 5;

/// Why a job stopped early.
pub enum Stop {
    Cancelled(String),
    Failed(String),
    /// Failed, with a result worth showing (the rejects of a file nothing could be read from).
    FailedWith(String, Value),
}

impl From<CorpusError> for Stop {
    fn from(e: CorpusError) -> Stop {
        match e {
            CorpusError::Cancelled => Stop::Cancelled("cancelled".into()),
            other => Stop::Failed(other.to_string()),
        }
    }
}

impl From<ExportError> for Stop {
    fn from(e: ExportError) -> Stop {
        match e {
            ExportError::Cancelled => Stop::Cancelled("cancelled".into()),
            other => Stop::Failed(other.to_string()),
        }
    }
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Stop {
        if e.kind() == std::io::ErrorKind::Interrupted {
            Stop::Cancelled("cancelled".into())
        } else {
            Stop::Failed(e.to_string())
        }
    }
}

/// Runs a blocking job body and ends the job with its outcome.
async fn finish_with(
    jobs: &Jobs,
    job: &Arc<Job>,
    outcome: Result<Result<(Value, Option<Output>), Stop>, tokio::task::JoinError>,
) -> bool {
    match outcome {
        Ok(Ok((result, output))) => {
            jobs.end(job, Status::Succeeded, None, Some(result), output)
                .await;
            true
        }
        Ok(Err(Stop::Cancelled(m))) => {
            jobs.end(job, Status::Cancelled, Some(m), None, None).await;
            false
        }
        Ok(Err(Stop::Failed(m))) => {
            jobs.end(job, Status::Failed, Some(m), None, None).await;
            false
        }
        Ok(Err(Stop::FailedWith(m, result))) => {
            jobs.end(job, Status::Failed, Some(m), Some(result), None)
                .await;
            false
        }
        Err(e) => {
            jobs.end(
                job,
                Status::Failed,
                Some(format!("the job crashed: {e}")),
                None,
                None,
            )
            .await;
            false
        }
    }
}

// ----- ingest ------------------------------------------------------------------------------

/// Phases of an ingest job.
pub const INGEST_PHASES: &[(&str, &str)] = &[
    ("upload", "Upload"),
    ("parse", "Parse and store"),
    ("refresh", "Refresh identity, network and index"),
    ("reload", "Reload the List"),
];

/// Ingests the uploaded file (the upload phase is over), refreshes, and reloads the corpus
/// API's models; ends the job.
pub async fn ingest(
    jobs: Arc<Jobs>,
    job: Arc<Job>,
    corpus_path: PathBuf,
    upload: PathBuf,
    name: String,
) {
    jobs.corpus.set_busy(true);
    // Queries keep reading the data before the ingest until the reload swaps in the new.
    jobs.corpus.pin().await;
    let rejects = jobs.path(job.id, "rejects.jsonl");
    let worker_job = job.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        ingest_blocking(&worker_job, &corpus_path, &upload, &name, &rejects)
    })
    .await;
    let loaded = match outcome {
        Ok(Ok(result)) if result["inserted"] == 0 && result["updated"] == 0 => {
            // Nothing changed: the loaded models are current.
            jobs.corpus.unpin().await;
            job.complete_phase();
            job.skip("reload");
            Ok(Ok((result, None)))
        }
        Ok(Ok(result)) => {
            job.enter("reload", None, false);
            let started = std::time::Instant::now();
            match jobs.corpus.reload().await {
                Ok(()) => {
                    let mut result = result;
                    result["reload_seconds"] = json!(started.elapsed().as_secs_f64());
                    Ok(Ok((result, None)))
                }
                Err(e) => {
                    jobs.corpus.unpin().await;
                    Ok(Err(Stop::Failed(format!(
                        "the data was stored, but the List could not be reloaded: {}",
                        e.message
                    ))))
                }
            }
        }
        other => {
            // Stopped or failed: the List goes on with the state it had (a cancelled parse
            // leaves committed batches that the next ingest or refresh resolves).
            jobs.corpus.unpin().await;
            other.map(|r| r.map(|v| (v, None)))
        }
    };
    jobs.corpus.set_busy(false);
    jobs.remove_files(job.id, "upload");
    finish_with(&jobs, &job, loaded).await;
}

fn ingest_blocking(
    job: &Job,
    corpus_path: &Path,
    upload: &Path,
    name: &str,
    rejects_path: &Path,
) -> Result<Value, Stop> {
    let mut corpus = Corpus::open(corpus_path)?;
    let max_id = |c: &Corpus| -> Result<i64, Stop> {
        Ok(c.conn()
            .query_row("SELECT COALESCE(MAX(id), 0) FROM works", [], |r| r.get(0))
            .map_err(CorpusError::from)?)
    };
    let works_before = max_id(&corpus)?;

    let progress = Arc::new(Progress::default());
    let probe_progress = progress.clone();
    let probe: Probe = Arc::new(move || {
        let p = &probe_progress;
        let mut detail = Map::new();
        detail.insert("records".into(), json!(p.records.load(Ordering::Relaxed)));
        detail.insert("rejects".into(), json!(p.rejects.load(Ordering::Relaxed)));
        Sample {
            done: p.bytes_read.load(Ordering::Relaxed),
            total: Some(p.bytes_total.load(Ordering::Relaxed)).filter(|t| *t > 0),
            unit: "bytes",
            detail,
        }
    });
    // A cancel request reaches the ingest through its own flag.
    let cancel_watch = {
        let (progress, cancel) = (progress.clone(), job.cancel.clone());
        std::thread::spawn(move || {
            while !progress.finished.load(Ordering::Relaxed) {
                if cancel.load(Ordering::Relaxed) {
                    progress.cancel.store(true, Ordering::Relaxed);
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        })
    };
    job.enter("parse", Some(probe), true);
    let opts = IngestOptions::new(rejects_path.to_path_buf());
    let report = corpus.ingest(&[upload.to_path_buf()], &opts, &progress);
    progress.finished.store(true, Ordering::Relaxed);
    let _ = cancel_watch.join();
    let report = match report {
        Ok(r) => r,
        Err(CorpusError::Cancelled) => {
            return Err(Stop::Cancelled(
                "cancelled while parsing: the open transaction was rolled back; records committed \
                 before the cancel stay and are resolved by the next ingest or refresh"
                    .into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let file = report.files.first();
    if let Some(error) = file.and_then(|f| f.error.clone()) {
        return Err(Stop::Failed(format!("{name}: {error}")));
    }
    if report.stored() == 0 && report.rejected > 0 {
        let rejects = read_rejects(report.rejects_path.as_deref(), upload, name);
        let reason = rejects
            .first()
            .and_then(|r| r["reason"].as_str())
            .unwrap_or("every record was rejected")
            .to_string();
        return Err(Stop::FailedWith(
            format!("nothing could be read from {name}: {reason}"),
            json!({"file": name, "bytes": report.bytes, "records_read": report.records_read,
                   "inserted": 0, "updated": 0, "unchanged": 0, "rejected": report.rejected,
                   "rejects": rejects, "new_works": 0, "new_work_examples": []}),
        ));
    }

    let refresh = Arc::new(RefreshProgress::default());
    let probe_refresh = refresh.clone();
    let probe: Probe = Arc::new(move || {
        let r = &probe_refresh;
        let mut detail = Map::new();
        detail.insert("identity".into(), json!(r.identity_step()));
        detail.insert(
            "index_finished".into(),
            json!(r.index_finished.load(Ordering::Relaxed)),
        );
        let total = r.index_total.load(Ordering::Relaxed);
        Sample {
            done: r.index_written.load(Ordering::Relaxed),
            total: (total > 0).then_some(total),
            unit: "documents",
            detail,
        }
    });
    job.enter("refresh", Some(probe), false);
    let refreshed = corpus.refresh_with_progress(false, &refresh)?;

    let new_works: i64 = corpus
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM works WHERE id > ?1",
            [works_before],
            |r| r.get(0),
        )
        .map_err(CorpusError::from)?;
    let examples = {
        let mut stmt = corpus
            .conn()
            .prepare(
                "SELECT id, title, year FROM works WHERE id > ?1 \
                 ORDER BY COALESCE(citations, -1) DESC, id LIMIT ?2",
            )
            .map_err(CorpusError::from)?;
        let rows = stmt
            .query_map([works_before, SHOWN_NEW_WORKS], |r| {
                Ok(
                    json!({"id": r.get::<_, i64>(0)?, "title": r.get::<_, String>(1)?,
                          "year": r.get::<_, Option<i64>>(2)?}),
                )
            })
            .map_err(CorpusError::from)?;
        rows.collect::<Result<Vec<Value>, _>>()
            .map_err(CorpusError::from)?
    };
    let rejects = read_rejects(report.rejects_path.as_deref(), upload, name);
    Ok(json!({
        "file": name,
        "format": file.and_then(|f| f.format.clone()),
        "bytes": report.bytes,
        "records_read": report.records_read,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "parse_seconds": report.seconds,
        "rejects": rejects,
        "new_works": new_works,
        "new_work_examples": examples,
        "refresh": {
            "researchers": refreshed
                .identity
                .as_ref()
                .map(|i| i.researchers)
                .or(refreshed.incremental.as_ref().map(|i| i.researchers)),
            "plan": refreshed.plan,
            "identity_seconds": refreshed.identity_seconds,
            "index_documents": refreshed.index.as_ref().map(|i| i.documents_written),
        },
    }))
}

/// The first rejects of the run, with the upload's path replaced by the uploaded name.
fn read_rejects(path: Option<&Path>, upload: &Path, name: &str) -> Vec<Value> {
    let Some(file) = path.and_then(|p| File::open(p).ok()) else {
        return Vec::new();
    };
    let stored = upload.display().to_string();
    BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .take(SHOWN_REJECTS)
        .filter_map(|line| serde_json::from_str::<Value>(&line).ok())
        .map(|mut r| {
            if r["file"].as_str() == Some(stored.as_str()) {
                r["file"] = json!(name);
            }
            r
        })
        .collect()
}

// ----- pipeline export ---------------------------------------------------------------------

pub const PIPELINE_PHASES: &[(&str, &str)] =
    &[("read", "Read candidates"), ("write", "Write the file")];

/// `csv` or `json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineFormat {
    Csv,
    Json,
}

pub async fn pipeline_export(jobs: Arc<Jobs>, job: Arc<Job>, format: PipelineFormat) {
    let done = Arc::new(AtomicU64::new(0));
    let total = Arc::new(AtomicU64::new(0));
    let probe: Probe = {
        let (done, total) = (done.clone(), total.clone());
        Arc::new(move || Sample {
            done: done.load(Ordering::Relaxed),
            total: Some(total.load(Ordering::Relaxed)),
            unit: "candidates",
            detail: Map::new(),
        })
    };
    job.enter("read", Some(probe), true);
    let read = {
        let (done, total) = (done.clone(), total.clone());
        jobs.store
            .export_pipeline(&job.actor, &move |d, t| {
                done.store(d, Ordering::Relaxed);
                total.store(t, Ordering::Relaxed);
            })
            .await
    };
    let export = match read {
        Ok(e) => e,
        Err(e) => {
            jobs.end(&job, Status::Failed, Some(e.to_string()), None, None)
                .await;
            return;
        }
    };
    if job.cancel_requested() {
        jobs.end(
            &job,
            Status::Cancelled,
            Some("cancelled".into()),
            None,
            None,
        )
        .await;
        return;
    }
    let rows = Arc::new(AtomicU64::new(0));
    job.enter(
        "write",
        Some(counter_probe(
            rows.clone(),
            Some(export.candidates.len() as u64),
            "rows",
        )),
        true,
    );
    let (ext, content_type) = match format {
        PipelineFormat::Csv => ("csv", "text/csv; charset=utf-8"),
        PipelineFormat::Json => ("json", "application/json"),
    };
    let path = jobs.path(job.id, &format!("pipeline.{ext}"));
    let worker_job = job.clone();
    let outcome = tokio::task::spawn_blocking(move || -> Result<(Value, Option<Output>), Stop> {
        let bytes = match format {
            PipelineFormat::Csv => write_csv(&export, &path, &rows, &worker_job)?,
            PipelineFormat::Json => write_json(&export, &path, &rows)?,
        };
        let result = json!({
            "candidates": export.candidates.len(),
            "compensation_included": export.compensation_included,
            "format": ext,
            "bytes": bytes,
        });
        let output = Output {
            path,
            content_type,
            file_name: format!("scout-pipeline-{}.{ext}", stamp(export.exported_at)),
            bytes,
            candidate_ids: export.candidates.iter().map(|c| c.candidate.id).collect(),
        };
        Ok((result, Some(output)))
    })
    .await;
    finish_with(&jobs, &job, outcome).await;
}

/// `20260302-1530`, for file names.
fn stamp(ms: i64) -> String {
    let t = scout_pipeline::time::rfc3339(ms);
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    format!(
        "{}-{}",
        &digits[..8.min(digits.len())],
        digits.get(8..12).unwrap_or("")
    )
}

/// The CSV columns of the pipeline export; the compensation ones only in an owner's file.
const CSV_COLUMNS: &[&str] = &[
    "id",
    "name",
    "email",
    "researcher_key",
    "source_org",
    "stage",
    "career_stage",
    "owner",
    "tags",
    "stage_entered_at",
    "created_at",
    "updated_at",
];
const CSV_COMPENSATION: &[&str] = &[
    "offer_revision",
    "offer_currency",
    "offer_base",
    "offer_bonus",
    "offer_sign_on",
    "offer_equity",
    "offer_vesting_months",
    "offer_total_value",
    "offer_annualised_value",
    "counteroffers",
    "counteroffers_detail",
];

fn write_csv(
    export: &PipelineExport,
    path: &Path,
    rows: &AtomicU64,
    job: &Job,
) -> Result<u64, Stop> {
    // Formula-safe: a name or tag starting with `=` is text in the sheet, a number stays one.
    let mut out = CsvWriter::new(BufWriter::new(File::create(path)?));
    let mut header: Vec<&str> = CSV_COLUMNS.to_vec();
    if export.compensation_included {
        header.extend_from_slice(CSV_COMPENSATION);
    }
    out.write_row(&header)?;
    let time = scout_pipeline::time::rfc3339;
    for (i, e) in export.candidates.iter().enumerate() {
        if i.is_multiple_of(256) && job.cancel_requested() {
            return Err(Stop::Cancelled("cancelled".into()));
        }
        let c = &e.candidate;
        let mut fields: Vec<String> = vec![
            c.id.to_string(),
            c.name.clone(),
            c.email.clone().unwrap_or_default(),
            c.researcher_key.clone().unwrap_or_default(),
            c.source_org.clone().unwrap_or_default(),
            c.stage.to_string(),
            c.career_stage.clone().unwrap_or_default(),
            e.owner.clone().unwrap_or_default(),
            c.tags.join("; "),
            time(c.stage_entered_at),
            time(c.created_at),
            time(c.updated_at),
        ];
        if export.compensation_included {
            let comp = e.compensation.as_ref();
            let offer = comp.and_then(|c| c.latest_offer.as_ref());
            let num = |f: fn(&scout_pipeline::model::Offer) -> i64| {
                offer.map(|o| f(o).to_string()).unwrap_or_default()
            };
            fields.push(num(|o| o.revision));
            fields.push(offer.map(|o| o.terms.currency.clone()).unwrap_or_default());
            fields.push(num(|o| o.terms.base));
            fields.push(num(|o| o.terms.bonus));
            fields.push(num(|o| o.terms.sign_on));
            fields.push(num(|o| o.terms.equity));
            fields.push(num(|o| o.terms.vesting_months));
            fields.push(num(|o| o.total_value));
            fields.push(num(|o| o.annualised_value));
            let counters = comp.map(|c| c.counteroffers.as_slice()).unwrap_or_default();
            fields.push(counters.len().to_string());
            fields.push(
                counters
                    .iter()
                    .map(|k| {
                        format!(
                            "{}: {} {} total, {} per year",
                            k.rival_org, k.total_value, k.terms.currency, k.annualised_value
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        out.write_row(&fields)?;
        rows.store(i as u64 + 1, Ordering::Relaxed);
    }
    let mut out = out.into_inner()?;
    out.flush()?;
    out.get_ref().sync_all()?;
    Ok(std::fs::metadata(path)?.len())
}

fn write_json(export: &PipelineExport, path: &Path, rows: &AtomicU64) -> Result<u64, Stop> {
    let mut out = BufWriter::new(File::create(path)?);
    serde_json::to_writer_pretty(&mut out, export).map_err(|e| Stop::Failed(e.to_string()))?;
    out.write_all(b"\n")?;
    out.flush()?;
    out.get_ref().sync_all()?;
    rows.store(export.candidates.len() as u64, Ordering::Relaxed);
    Ok(std::fs::metadata(path)?.len())
}

// ----- Parquet export ----------------------------------------------------------------------

pub const PARQUET_PHASES: &[(&str, &str)] = &[
    ("export", "Write Parquet tables"),
    ("pack", "Pack into one .tar"),
];

pub async fn parquet_export(jobs: Arc<Jobs>, job: Arc<Job>, corpus_path: PathBuf) {
    let worker_jobs = jobs.clone();
    let worker_job = job.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        parquet_blocking(&worker_jobs, &worker_job, &corpus_path)
    })
    .await;
    // The tables are in the archive now (or the export stopped).
    jobs.remove_files(job.id, "parquet/");
    if !matches!(outcome, Ok(Ok(_))) {
        jobs.remove_files(job.id, "scout-parquet.tar");
    }
    finish_with(&jobs, &job, outcome).await;
}

fn parquet_blocking(
    jobs: &Jobs,
    job: &Job,
    corpus_path: &Path,
) -> Result<(Value, Option<Output>), Stop> {
    if !corpus_path.exists() {
        return Err(Stop::Failed(format!(
            "no corpus at {}: ingest data first",
            corpus_path.display()
        )));
    }
    let corpus = Corpus::open_existing(corpus_path)?;
    let progress = Arc::new(ExportProgress::default());
    let probe: Probe = {
        let p = progress.clone();
        Arc::new(move || {
            let mut detail = Map::new();
            detail.insert(
                "tables_done".into(),
                json!(p.tables_done.load(Ordering::Relaxed)),
            );
            detail.insert("tables".into(), json!(scout_parquet::TABLES.len()));
            let total = p.works_total.load(Ordering::Relaxed);
            Sample {
                done: p.works_done.load(Ordering::Relaxed),
                total: (total > 0).then_some(total),
                unit: "works",
                detail,
            }
        })
    };
    job.enter("export", Some(probe), true);
    let cancel_watch = {
        let (progress, cancel) = (progress.clone(), job.cancel.clone());
        let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = finished.clone();
        let handle = std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if cancel.load(Ordering::Relaxed) {
                    progress.cancel.store(true, Ordering::Relaxed);
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        });
        (finished, handle)
    };
    let folder = jobs.path(job.id, "parquet");
    // One snapshot for the staleness check and the whole export.
    let conn = corpus.conn();
    let exported = (|| -> Result<Vec<scout_parquet::TableReport>, Stop> {
        conn.execute_batch("BEGIN DEFERRED")
            .map_err(CorpusError::from)?;
        let stale = corpus.is_stale();
        let result = match stale {
            Ok(false) => {
                scout_parquet::export_with_progress(conn, &folder, &progress).map_err(Stop::from)
            }
            Ok(true) => Err(Stop::Failed(
                "the corpus has changes that are not refreshed yet (an ingest without refresh?); \
                 run `scout refresh` or wait for the running ingest"
                    .into(),
            )),
            Err(e) => Err(e.into()),
        };
        let _ = conn.execute_batch("COMMIT");
        result
    })();
    cancel_watch.0.store(true, Ordering::Relaxed);
    let _ = cancel_watch.1.join();
    let tables = exported?;

    let plan = crate::pack::Plan::of_dir(&folder, "scout-parquet")?;
    let written = Arc::new(AtomicU64::new(0));
    job.enter(
        "pack",
        Some(counter_probe(
            written.clone(),
            Some(plan.archive_bytes()),
            "bytes",
        )),
        true,
    );
    let path = jobs.path(job.id, "scout-parquet.tar");
    let mut out = BufWriter::new(File::create(&path)?);
    plan.write(&mut out, &written, &job.cancel)?;
    out.get_ref().sync_all()?;
    let bytes = plan.archive_bytes();
    let result = json!({
        "tables": tables,
        "files": plan.files(),
        "archive_bytes": bytes,
    });
    Ok((
        result,
        Some(Output {
            path,
            content_type: "application/x-tar",
            file_name: format!(
                "scout-corpus-parquet-{}.tar",
                stamp(scout_pipeline::time::now_ms())
            ),
            bytes,
            // Corpus data only (public records), no candidate's.
            candidate_ids: Vec::new(),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_file_name_safe() {
        let s = stamp(1_772_465_400_000);
        assert_eq!(s.len(), 13, "{s}");
        assert!(s.chars().all(|c| c.is_ascii_digit() || c == '-'), "{s}");
    }
}
