//! Long work started from the UI — an ingest of an uploaded file, the pipeline export, the
//! corpus Parquet export — as background jobs with live progress. A job is a list of phases;
//! the running phase has a probe that reads the real operation's counters (the corpus and
//! Parquet code keep atomics; see `jobs_run`), from which a status answer derives done, total,
//! rate and ETA. Jobs live in memory (the most recent [`KEPT_JOBS`]); their files live in the
//! jobs folder as `job-<id>-…` and go when the job is dropped from the list or the server
//! restarts. Start and end of every job are written to the pipeline's audit log. A file that
//! holds a candidate's data is removed as soon as that candidate is erased (the job then says
//! "removed by erasure"), and an export still being written at the erasure loses its file as it
//! ends.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::StatusCode;
use schemars::JsonSchema;
use scout_pipeline::{Actor, Role, Store};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::corpus_api::CorpusApi;
use crate::error::ApiError;

/// Jobs kept in the list (finished ones beyond this are dropped with their files).
pub const KEPT_JOBS: usize = 30;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Upload a data file, ingest it into the corpus, refresh, reload the List's models.
    Ingest,
    /// Every candidate with stage, owner and tags (compensation for owners) as CSV or JSON.
    PipelineExport,
    /// The corpus as partitioned Parquet, packed into one `.tar`.
    ParquetExport,
}

impl JobKind {
    /// Whether only one job of this kind may run at a time.
    fn exclusive(self) -> bool {
        matches!(self, JobKind::Ingest | JobKind::ParquetExport)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhaseState {
    Pending,
    Running,
    Done,
    Skipped,
    Failed,
}

/// A reading of the running phase's counters.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Sample {
    pub done: u64,
    /// `None` when the amount of work is not known (identity resolution, say).
    pub total: Option<u64>,
    /// What `done` counts: `bytes`, `records`, `documents`, `works`, `candidates`, `rows`.
    pub unit: &'static str,
    /// Phase-specific counters (records and rejects while parsing, the identity step…).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub detail: Map<String, Value>,
}

/// Reads the live counters of a phase.
pub type Probe = Arc<dyn Fn() -> Sample + Send + Sync>;

struct Phase {
    name: &'static str,
    label: &'static str,
    state: PhaseState,
    started: Option<Instant>,
    seconds: Option<f64>,
}

/// A finished job's file, for download.
#[derive(Debug, Clone)]
pub struct Output {
    pub path: PathBuf,
    pub content_type: &'static str,
    pub file_name: String,
    pub bytes: u64,
    /// The candidates whose data the file holds: erasing one of them removes the file.
    pub candidate_ids: Vec<i64>,
}

struct State {
    status: Status,
    phases: Vec<Phase>,
    probe: Option<Probe>,
    /// Whether a cancel request is honoured in the running phase.
    cancellable: bool,
    message: Option<String>,
    result: Option<Value>,
    output: Option<Output>,
    finished_at: Option<i64>,
    /// The file was removed because it held an erased candidate.
    removed_by_erasure: bool,
}

/// One job.
pub struct Job {
    pub id: u64,
    pub kind: JobKind,
    pub actor: Actor,
    pub title: String,
    created_at: i64,
    started: Instant,
    /// Set by a cancel request; the running operation polls it.
    pub cancel: Arc<AtomicBool>,
    state: Mutex<State>,
}

impl Job {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn status(&self) -> Status {
        self.lock().status
    }

    pub fn is_running(&self) -> bool {
        self.status() == Status::Running
    }

    /// Finishes the running phase and starts `name` with `probe` (`None`: no counters). When
    /// `name` is the running phase already, only its probe changes.
    pub fn enter(&self, name: &str, probe: Option<Probe>, cancellable: bool) {
        let mut s = self.lock();
        let now = Instant::now();
        for p in s.phases.iter_mut() {
            if p.state == PhaseState::Running && p.name != name {
                p.state = PhaseState::Done;
                p.seconds = p.started.map(|t| now.duration_since(t).as_secs_f64());
            }
        }
        if let Some(p) = s.phases.iter_mut().find(|p| p.name == name)
            && p.state != PhaseState::Running
        {
            p.state = PhaseState::Running;
            p.started = Some(now);
        }
        s.probe = probe;
        s.cancellable = cancellable;
    }

    /// Finishes the running phase without starting another (the next one starts later).
    pub fn complete_phase(&self) {
        let mut s = self.lock();
        let now = Instant::now();
        for p in s.phases.iter_mut() {
            if p.state == PhaseState::Running {
                p.state = PhaseState::Done;
                p.seconds = p.started.map(|t| now.duration_since(t).as_secs_f64());
            }
        }
        s.probe = None;
        s.cancellable = false;
    }

    /// Marks a phase that did not need to run.
    pub fn skip(&self, name: &str) {
        let mut s = self.lock();
        if let Some(p) = s.phases.iter_mut().find(|p| p.name == name) {
            p.state = PhaseState::Skipped;
        }
    }

    /// Ends the job. The running phase ends done (success) or failed; phases not reached
    /// stay pending.
    pub fn finish(
        &self,
        status: Status,
        message: Option<String>,
        result: Option<Value>,
        output: Option<Output>,
    ) {
        let mut s = self.lock();
        let now = Instant::now();
        for p in s.phases.iter_mut() {
            if p.state == PhaseState::Running {
                p.state = if status == Status::Succeeded {
                    PhaseState::Done
                } else {
                    PhaseState::Failed
                };
                p.seconds = p.started.map(|t| now.duration_since(t).as_secs_f64());
            }
        }
        s.status = status;
        s.probe = None;
        s.cancellable = false;
        s.message = message;
        s.result = result;
        s.output = output;
        s.finished_at = Some(scout_pipeline::time::now_ms());
    }

    /// Removes the job's file if it holds `candidate`'s data; the job then says so. Returns
    /// whether a file was removed.
    fn remove_output_of(&self, candidate: i64) -> bool {
        let mut s = self.lock();
        let holds = s
            .output
            .as_ref()
            .is_some_and(|o| o.candidate_ids.contains(&candidate));
        if !holds {
            return false;
        }
        if let Some(o) = s.output.take()
            && let Err(e) = std::fs::remove_file(&o.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %o.path.display(), error = %e, "cannot remove an export");
        }
        s.message =
            Some("removed by erasure: the file held a candidate who has since been erased".into());
        s.removed_by_erasure = true;
        true
    }

    /// Whether the job's file was removed by an erasure.
    pub fn removed_by_erasure(&self) -> bool {
        self.lock().removed_by_erasure
    }

    /// The downloadable file of a finished job.
    pub fn output(&self) -> Option<Output> {
        let s = self.lock();
        (s.status == Status::Succeeded)
            .then(|| s.output.clone())
            .flatten()
    }

    /// Asks the job to stop; refused when the running phase cannot be interrupted.
    pub fn request_cancel(&self) -> Result<(), ApiError> {
        let s = self.lock();
        if s.status != Status::Running {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "job_finished",
                format!("job {} has already finished", self.id),
            ));
        }
        if !s.cancellable {
            let phase = s
                .phases
                .iter()
                .find(|p| p.state == PhaseState::Running)
                .map_or("this phase", |p| p.label);
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "not_cancellable",
                format!(
                    "job {} cannot be cancelled now: {phase} runs in one transaction and finishes by itself",
                    self.id
                ),
            ));
        }
        self.cancel.store(true, Ordering::Relaxed);
        Ok(())
    }

    pub fn cancel_requested(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The status answer: phases, the running phase's progress with rate and ETA, the
    /// message, the result and where to download it.
    pub fn view(&self) -> JobView {
        let s = self.lock();
        let running = s.phases.iter().find(|p| p.state == PhaseState::Running);
        let progress = running.map(|phase| {
            let elapsed = phase.started.map_or(0.0, |t| t.elapsed().as_secs_f64());
            let Some(probe) = &s.probe else {
                return Progress {
                    done: 0,
                    total: None,
                    unit: None,
                    fraction: None,
                    rate_per_second: None,
                    eta_seconds: None,
                    elapsed_seconds: elapsed,
                    detail: Map::new(),
                };
            };
            let sample = probe();
            let rate = (elapsed > 0.25 && sample.done > 0).then(|| sample.done as f64 / elapsed);
            let fraction = sample
                .total
                .filter(|t| *t > 0)
                .map(|t| (sample.done as f64 / t as f64).min(1.0));
            let eta = match (sample.total, rate) {
                (Some(total), Some(r)) if r > 0.0 => {
                    Some(total.saturating_sub(sample.done) as f64 / r)
                }
                _ => None,
            };
            Progress {
                done: sample.done,
                total: sample.total,
                unit: Some(sample.unit),
                fraction,
                rate_per_second: rate,
                eta_seconds: eta,
                elapsed_seconds: elapsed,
                detail: sample.detail,
            }
        });
        let phases = s
            .phases
            .iter()
            .map(|p| PhaseView {
                name: p.name,
                label: p.label,
                state: p.state,
                seconds: p.seconds,
            })
            .collect();
        let download = s
            .output
            .as_ref()
            .filter(|_| s.status == Status::Succeeded)
            .map(|o| Download {
                url: format!("/api/jobs/{}/download", self.id),
                file_name: o.file_name.clone(),
                content_type: o.content_type,
                bytes: o.bytes,
            });
        JobView {
            id: self.id,
            kind: self.kind,
            title: self.title.clone(),
            status: s.status,
            created_by: self.actor.name.clone(),
            created_at: scout_pipeline::time::rfc3339(self.created_at),
            finished_at: s.finished_at.map(scout_pipeline::time::rfc3339),
            elapsed_seconds: self.started.elapsed().as_secs_f64(),
            phase: running.map(|p| p.name),
            phases,
            progress,
            cancellable: s.status == Status::Running && s.cancellable,
            message: s.message.clone(),
            result: s.result.clone(),
            download,
        }
    }
}

/// A job as the API shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JobView {
    pub id: u64,
    pub kind: JobKind,
    pub title: String,
    pub status: Status,
    pub created_by: String,
    /// RFC 3339.
    pub created_at: String,
    pub finished_at: Option<String>,
    pub elapsed_seconds: f64,
    /// The running phase's name.
    pub phase: Option<&'static str>,
    pub phases: Vec<PhaseView>,
    /// The running phase's counters (none when nothing runs).
    pub progress: Option<Progress>,
    pub cancellable: bool,
    pub message: Option<String>,
    /// What a finished job produced (counts, file names), by kind.
    pub result: Option<Value>,
    pub download: Option<Download>,
}

/// One phase of a job.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PhaseView {
    pub name: &'static str,
    pub label: &'static str,
    pub state: PhaseState,
    pub seconds: Option<f64>,
}

/// The running phase's progress: done of total in `unit`, rate and time left.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Progress {
    pub done: u64,
    pub total: Option<u64>,
    pub unit: Option<&'static str>,
    pub fraction: Option<f64>,
    pub rate_per_second: Option<f64>,
    pub eta_seconds: Option<f64>,
    pub elapsed_seconds: f64,
    /// Phase-specific counters (records and rejects while parsing, the identity step…).
    pub detail: Map<String, Value>,
}

/// A finished export's file.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Download {
    pub url: String,
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: u64,
}

/// The jobs of one server.
pub struct Jobs {
    dir: PathBuf,
    pub store: Arc<Store>,
    pub corpus: Arc<CorpusApi>,
    /// Largest accepted upload.
    pub max_upload_bytes: u64,
    next_id: AtomicU64,
    list: Mutex<Vec<Arc<Job>>>,
    /// Candidates erased while this server runs: an export still being written when its
    /// candidate is erased has no file to remove yet, so `end` checks this set once it has one.
    erased: Mutex<std::collections::HashSet<i64>>,
}

impl Jobs {
    /// Jobs writing their files into `dir` (created; leftovers of an earlier run — entries
    /// named `job-…` — are removed, since jobs do not survive a restart).
    pub fn new(
        store: Arc<Store>,
        corpus: Arc<CorpusApi>,
        dir: PathBuf,
        max_upload_bytes: u64,
    ) -> Arc<Jobs> {
        if let Err(e) = std::fs::create_dir_all(&dir) {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot create the jobs folder");
        }
        remove_entries(&dir, "job-");
        Arc::new(Jobs {
            dir,
            store,
            corpus,
            max_upload_bytes,
            next_id: AtomicU64::new(1),
            list: Mutex::new(Vec::new()),
            erased: Mutex::new(std::collections::HashSet::new()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Job>>> {
        self.list.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `DIR/job-<id>-<what>`.
    pub fn path(&self, id: u64, what: &str) -> PathBuf {
        self.dir.join(format!("job-{id}-{what}"))
    }

    /// Removes `DIR/job-<id>-<what>` (a file, or a folder when `what` ends with `/`).
    pub fn remove_files(&self, id: u64, what: &str) {
        let path = self.path(id, what.trim_end_matches('/'));
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else if path.exists() {
            std::fs::remove_file(&path)
        } else {
            Ok(())
        };
        if let Err(e) = removed {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove a job file");
        }
    }

    /// Registers a new running job; 409 when a job of an exclusive kind is already running
    /// (or `blocked_by` is).
    pub fn create(
        &self,
        kind: JobKind,
        actor: &Actor,
        title: String,
        phases: &[(&'static str, &'static str)],
        blocked_by: &[JobKind],
    ) -> Result<Arc<Job>, ApiError> {
        let mut list = self.lock();
        for other in list.iter().filter(|j| j.is_running()) {
            if (other.kind == kind && kind.exclusive()) || blocked_by.contains(&other.kind) {
                let what = match other.kind {
                    JobKind::Ingest => "an ingest",
                    JobKind::ParquetExport => "a Parquet export",
                    JobKind::PipelineExport => "a pipeline export",
                };
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "job_running",
                    format!(
                        "{what} is already running (job {}, started by {}); wait until it finishes",
                        other.id, other.actor.name
                    ),
                ));
            }
        }
        let job = Arc::new(Job {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            kind,
            actor: actor.clone(),
            title,
            created_at: scout_pipeline::time::now_ms(),
            started: Instant::now(),
            cancel: Arc::new(AtomicBool::new(false)),
            state: Mutex::new(State {
                status: Status::Running,
                // The first phase runs from the start.
                phases: phases
                    .iter()
                    .enumerate()
                    .map(|(i, &(name, label))| Phase {
                        name,
                        label,
                        state: if i == 0 {
                            PhaseState::Running
                        } else {
                            PhaseState::Pending
                        },
                        started: (i == 0).then(Instant::now),
                        seconds: None,
                    })
                    .collect(),
                probe: None,
                cancellable: false,
                message: None,
                result: None,
                output: None,
                finished_at: None,
                removed_by_erasure: false,
            }),
        });
        list.push(job.clone());
        // Drop the oldest finished jobs beyond the limit, with their files.
        while list.len() > KEPT_JOBS {
            let Some(i) = list.iter().position(|j| !j.is_running()) else {
                break;
            };
            let old = list.remove(i);
            remove_entries(&self.dir, &format!("job-{}-", old.id));
        }
        Ok(job)
    }

    /// A job the caller may see: their own, or any for owners. Others are "not found".
    pub fn visible(&self, id: u64, actor: &Actor) -> Result<Arc<Job>, ApiError> {
        self.lock()
            .iter()
            .find(|j| j.id == id && may_see(actor, j))
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("no job {id}")))
    }

    /// Removes every job file that holds `candidate`'s data (after an erasure); returns how many.
    pub fn remove_exports_of(&self, candidate: i64) -> usize {
        // Recorded before the jobs are looked at: a job that sets its file after this look
        // finds the candidate in the set when it ends (see `end`).
        self.erased
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(candidate);
        let jobs: Vec<Arc<Job>> = self.lock().clone();
        jobs.iter()
            .filter(|j| j.remove_output_of(candidate))
            .count()
    }

    /// The caller's jobs (owners: everyone's), newest first.
    pub fn list(&self, actor: &Actor) -> Vec<Arc<Job>> {
        let mut out: Vec<Arc<Job>> = self
            .lock()
            .iter()
            .filter(|j| may_see(actor, j))
            .cloned()
            .collect();
        out.reverse();
        out
    }

    /// Appends an audit entry about a job by `actor` (the job still runs if the log cannot be
    /// written, but the failure is logged).
    pub async fn audit(&self, actor: &str, job: &Job, action: &str, mut detail: Value) {
        detail["job"] = json!(job.id);
        detail["kind"] = json!(job.kind);
        if let Err(e) = self.store.record(actor, action, detail).await {
            tracing::error!(job = job.id, error = %e, "could not write the job's audit entry");
        }
    }

    /// Ends a job and records its end in the audit log.
    pub async fn end(
        &self,
        job: &Job,
        status: Status,
        message: Option<String>,
        result: Option<Value>,
        output: Option<Output>,
    ) {
        let summary = json!({
            "status": status,
            "message": message,
            "seconds": (job.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            "file": output.as_ref().map(|o| json!({"name": o.file_name, "bytes": o.bytes})),
        });
        tracing::info!(job = job.id, kind = ?job.kind, status = ?status, seconds = job.started.elapsed().as_secs_f64(), "job finished");
        // The audit entry first: whoever sees the job finished finds its end in the log (the
        // other order let a client read the log between the two, which a PostgreSQL test did).
        self.audit(&job.actor.name, job, "job.finish", summary)
            .await;
        job.finish(status, message, result, output);
        let erased: Vec<i64> = self
            .erased
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
        let removed = erased.into_iter().any(|c| job.remove_output_of(c));
        if removed {
            tracing::info!(
                job = job.id,
                "export written during an erasure removed: it held the erased candidate"
            );
        }
    }
}

fn may_see(actor: &Actor, job: &Job) -> bool {
    actor.role == Role::Owner || job.actor.user_id == actor.user_id
}

/// Removes the files and folders in `dir` whose names start with `prefix`.
pub fn remove_entries(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(prefix) {
            continue;
        }
        let path = entry.path();
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        if let Err(e) = removed {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove a job file");
        }
    }
}

/// A probe over a byte counter with an optional known total.
pub fn counter_probe(done: Arc<AtomicU64>, total: Option<u64>, unit: &'static str) -> Probe {
    Arc::new(move || Sample {
        done: done.load(Ordering::Relaxed),
        total,
        unit,
        detail: Map::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An export still being written when its candidate is erased has no file to remove then;
    /// it loses the file as it ends.
    #[tokio::test]
    async fn an_export_ending_after_an_erasure_loses_its_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let config = scout_pipeline::StoreConfig::sqlite_path(&dir.path().join("p.sqlite"));
        let store = Arc::new(Store::open(&config).await.unwrap_or_else(|e| panic!("{e}")));
        let jobs = Jobs::new(
            store,
            CorpusApi::new(None, None),
            dir.path().join("jobs"),
            1 << 20,
        );
        let actor = Actor {
            user_id: 1,
            name: "olive".into(),
            role: Role::Owner,
        };
        let job = jobs
            .create(JobKind::PipelineExport, &actor, "export".into(), &[], &[])
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(jobs.remove_exports_of(7), 0, "nothing written yet");
        let path = jobs.path(job.id, "pipeline.csv");
        std::fs::write(&path, "7,a reply text").unwrap_or_else(|e| panic!("{e}"));
        let output = Output {
            path: path.clone(),
            content_type: "text/csv; charset=utf-8",
            file_name: "scout-pipeline.csv".into(),
            bytes: 14,
            candidate_ids: vec![3, 7],
        };
        jobs.end(&job, Status::Succeeded, None, None, Some(output))
            .await;
        assert!(
            !path.exists(),
            "the file holding the erased candidate is gone"
        );
        assert!(job.removed_by_erasure());

        // A later export without an erased candidate keeps its file.
        let other = jobs
            .create(JobKind::PipelineExport, &actor, "export".into(), &[], &[])
            .unwrap_or_else(|e| panic!("{e:?}"));
        let kept = jobs.path(other.id, "pipeline.csv");
        std::fs::write(&kept, "3,x").unwrap_or_else(|e| panic!("{e}"));
        let output = Output {
            path: kept.clone(),
            content_type: "text/csv; charset=utf-8",
            file_name: "scout-pipeline.csv".into(),
            bytes: 3,
            candidate_ids: vec![3],
        };
        jobs.end(&other, Status::Succeeded, None, None, Some(output))
            .await;
        assert!(kept.exists());
        assert!(!other.removed_by_erasure());
    }
}
