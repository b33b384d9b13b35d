//! The job endpoints: start an ingest by uploading a data file (streamed to disk, never held
//! in memory), start an export, read a job's status and progress, list recent jobs, cancel,
//! and download a finished export (streamed from disk).
//!
//! Roles: ingest and the Parquet export of the whole corpus are for owners; the pipeline
//! export is for every signed-in role and holds what that role can read through the API
//! (compensation only in an owner's file). Everyone sees and downloads their own jobs; owners
//! see all.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body::{Body as _, Frame};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::jobs::{Job, JobKind, JobView, Jobs, Status, counter_probe};
use crate::jobs_run::{self, PipelineFormat};
use crate::route::Reply;

type JobsExt = Extension<Arc<Jobs>>;

/// The kinds of file `scout ingest` reads, for messages.
const ACCEPTED: &str = "paperlists JSON Lines or OpenAlex works/authors/institutions (.jsonl, .json, .ndjson; plain or .gz)";

/// Recent jobs, and what an upload may be.
#[derive(Serialize, JsonSchema)]
pub(crate) struct JobList {
    jobs: Vec<JobView>,
    limits: UploadLimits,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct UploadLimits {
    max_upload_bytes: u64,
    /// The kinds of file an ingest reads.
    accepted: &'static str,
    /// Whether this server can ingest (it was given a corpus path).
    ingest: bool,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct OneJob {
    job: JobView,
}

pub(crate) async fn list_jobs(Extension(jobs): JobsExt, auth: Auth) -> ApiResult<Reply<JobList>> {
    Ok(Reply::ok(JobList {
        jobs: jobs.list(&auth.actor).iter().map(|j| j.view()).collect(),
        limits: UploadLimits {
            max_upload_bytes: jobs.max_upload_bytes,
            accepted: ACCEPTED,
            ingest: jobs.corpus.path().is_some(),
        },
    }))
}

pub(crate) async fn job_status(
    Extension(jobs): JobsExt,
    auth: Auth,
    ApiPath(id): ApiPath<u64>,
) -> ApiResult<Reply<OneJob>> {
    Ok(Reply::ok(OneJob {
        job: jobs.visible(id, &auth.actor)?.view(),
    }))
}

pub(crate) async fn cancel_job(
    Extension(jobs): JobsExt,
    auth: Auth,
    ApiPath(id): ApiPath<u64>,
) -> ApiResult<Reply<OneJob>> {
    let job = jobs.visible(id, &auth.actor)?;
    job.request_cancel()?;
    Ok(Reply::ok(OneJob { job: job.view() }))
}

/// A file name for the upload: the last path segment, limited to safe characters, of a
/// kind `scout ingest` reads (415 otherwise).
fn upload_name(raw: &str) -> ApiResult<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    let cleaned = cleaned.trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        return Err(ApiError::bad_request(
            "name must be the uploaded file's name",
        ));
    }
    scout_formats::classify(std::path::Path::new(&cleaned)).map_err(|reason| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file",
            format!("{cleaned}: {reason}; upload {ACCEPTED}"),
        )
    })?;
    Ok(cleaned)
}

fn too_large(bytes: u64, limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "upload_too_large",
        format!(
            "the file is {bytes} bytes; uploads are limited to {limit} bytes ({} MB; scout serve --max-upload-mb)",
            limit / 1_000_000
        ),
    )
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UploadParams {
    name: String,
}

/// Ends the job as failed and removes the partial upload if the request is dropped before
/// the upload completed (the client went away).
struct UploadGuard {
    jobs: Arc<Jobs>,
    job: Arc<Job>,
    /// The thread writing the upload; awaited before its file is removed.
    writer: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    armed: bool,
}

impl Drop for UploadGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (jobs, job, writer) = (self.jobs.clone(), self.job.clone(), self.writer.take());
        let message = "the upload was interrupted (the connection closed)".to_string();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if let Some(w) = writer {
                        let _ = w.await;
                    }
                    jobs.remove_files(job.id, "upload");
                    jobs.end(&job, Status::Failed, Some(message), None, None)
                        .await;
                });
            }
            Err(_) => {
                jobs.remove_files(job.id, "upload");
                job.finish(Status::Failed, Some(message), None, None);
            }
        }
    }
}

pub(crate) async fn start_ingest(
    Extension(jobs): JobsExt,
    auth: Auth,
    ApiQuery(q): ApiQuery<UploadParams>,
    headers: HeaderMap,
    mut body: Body,
) -> ApiResult<Reply<OneJob>> {
    let Some(corpus_path) = jobs.corpus.path().map(std::path::Path::to_path_buf) else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_corpus",
            "this server was started without a corpus path; ingest with `scout serve --db PATH`",
        ));
    };
    let name = upload_name(&q.name)?;
    let limit = jobs.max_upload_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|n| *n > limit) {
        return Err(too_large(n, limit));
    }
    let job = jobs.create(
        JobKind::Ingest,
        &auth.actor,
        format!("Ingest {name}"),
        jobs_run::INGEST_PHASES,
        &[],
    )?;
    let received = Arc::new(AtomicU64::new(0));
    job.enter(
        "upload",
        Some(counter_probe(received.clone(), declared, "bytes")),
        true,
    );
    jobs.audit(
        &auth.actor.name,
        &job,
        "job.start",
        json!({"file": name, "bytes": declared}),
    )
    .await;
    tracing::info!(job = job.id, file = %name, bytes = ?declared, "ingest upload started");
    let dir = jobs.path(job.id, "upload");
    let path = dir.join(&name);

    // A blocking thread writes what the request delivers; the bounded channel keeps memory
    // to a few chunks whatever the file's size.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(8);
    let file_path = path.clone();
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&file_path)?);
        while let Some(chunk) = rx.blocking_recv() {
            out.write_all(&chunk)?;
        }
        out.flush()?;
        out.get_ref().sync_all()
    });
    let mut guard = UploadGuard {
        jobs: jobs.clone(),
        job: job.clone(),
        writer: Some(writer),
        armed: true,
    };
    let streamed: Result<(), ApiError> = loop {
        match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            None => break Ok(()),
            Some(Err(e)) => {
                break Err(ApiError::bad_request(format!(
                    "the upload was interrupted: {e}"
                )));
            }
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                let n =
                    received.fetch_add(data.len() as u64, Ordering::Relaxed) + data.len() as u64;
                if n > limit {
                    break Err(too_large(n, limit));
                }
                if job.cancel_requested() {
                    break Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "cancelled",
                        "the upload was cancelled",
                    ));
                }
                if tx.send(data).await.is_err() {
                    break Ok(()); // the writer stopped; its error is reported below
                }
            }
        }
    };
    drop(tx);
    let written = match guard.writer.take() {
        Some(w) => w
            .await
            .map_err(|e| ApiError::internal(e.to_string()))
            .and_then(|r| {
                r.map_err(|e| ApiError::internal(format!("could not store the upload: {e}")))
            }),
        None => Err(ApiError::internal("the upload writer is gone")),
    };
    let n = received.load(Ordering::Relaxed);
    let outcome = streamed.and(written).and_then(|()| match declared {
        Some(d) if d != n => Err(ApiError::bad_request(format!(
            "the upload ended after {n} of {d} bytes"
        ))),
        _ => Ok(()),
    });
    guard.armed = false;
    if let Err(e) = outcome {
        jobs.remove_files(job.id, "upload");
        let status = if e.code == "cancelled" {
            Status::Cancelled
        } else {
            Status::Failed
        };
        jobs.end(&job, status, Some(e.message.clone()), None, None)
            .await;
        return Err(e);
    }
    tracing::info!(job = job.id, bytes = n, "ingest upload stored");
    job.complete_phase();
    tokio::spawn(jobs_run::ingest(
        jobs.clone(),
        job.clone(),
        corpus_path,
        path,
        name,
    ));
    Ok(Reply(StatusCode::ACCEPTED, OneJob { job: job.view() }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportReq {
    kind: String,
    #[serde(default)]
    format: Option<String>,
}

pub(crate) async fn start_export(
    Extension(jobs): JobsExt,
    auth: Auth,
    ApiJson(req): ApiJson<ExportReq>,
) -> ApiResult<Reply<OneJob>> {
    let job = match req.kind.as_str() {
        "pipeline" => {
            let format = match req.format.as_deref().unwrap_or("csv") {
                "csv" => PipelineFormat::Csv,
                "json" => PipelineFormat::Json,
                other => {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_input",
                        format!("unknown format {other:?}: use csv or json"),
                    ));
                }
            };
            let label = if format == PipelineFormat::Csv {
                "CSV"
            } else {
                "JSON"
            };
            let job = jobs.create(
                JobKind::PipelineExport,
                &auth.actor,
                format!("Pipeline export ({label})"),
                jobs_run::PIPELINE_PHASES,
                &[],
            )?;
            jobs.audit(
                &auth.actor.name,
                &job,
                "job.start",
                json!({"format": label.to_lowercase(), "compensation": auth.is_owner()}),
            )
            .await;
            tokio::spawn(jobs_run::pipeline_export(jobs.clone(), job.clone(), format));
            job
        }
        "parquet" => {
            // The corpus export holds every researcher: owners only (the route itself is open
            // to viewers for the pipeline export).
            if !auth.is_owner() {
                return Err(ApiError::forbidden(
                    "the Parquet export of the corpus needs the owner role",
                ));
            }
            if req.format.as_deref().is_some_and(|f| f != "tar") {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    "the Parquet export comes as one .tar (format tar)",
                ));
            }
            let Some(corpus_path) = jobs.corpus.path().map(std::path::Path::to_path_buf) else {
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "no_corpus",
                    "this server was started without a corpus",
                ));
            };
            let job = jobs.create(
                JobKind::ParquetExport,
                &auth.actor,
                "Corpus export (Parquet)".to_string(),
                jobs_run::PARQUET_PHASES,
                &[JobKind::Ingest],
            )?;
            jobs.audit(
                &auth.actor.name,
                &job,
                "job.start",
                json!({"format": "parquet-tar"}),
            )
            .await;
            tokio::spawn(jobs_run::parquet_export(
                jobs.clone(),
                job.clone(),
                corpus_path,
            ));
            job
        }
        other => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                format!("unknown export kind {other:?}: use pipeline or parquet"),
            ));
        }
    };
    tracing::info!(job = job.id, kind = ?job.kind, "export started");
    Ok(Reply(StatusCode::ACCEPTED, OneJob { job: job.view() }))
}

/// A response body fed by a blocking reader thread through a bounded channel.
struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.rx
            .poll_recv(cx)
            .map(|chunk| chunk.map(|r| r.map(Frame::data)))
    }
}

pub(crate) async fn download(
    Extension(jobs): JobsExt,
    auth: Auth,
    ApiPath(id): ApiPath<u64>,
) -> ApiResult<Response> {
    let job = jobs.visible(id, &auth.actor)?;
    let Some(out) = job.output() else {
        if job.removed_by_erasure() {
            return Err(ApiError::new(
                StatusCode::GONE,
                "removed_by_erasure",
                format!("job {id}'s file was removed by erasure: it held an erased candidate"),
            ));
        }
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_ready",
            format!(
                "job {id} has no file to download (it is {:?})",
                job.status()
            )
            .to_lowercase(),
        ));
    };
    let path: PathBuf = out.path.clone();
    let file = tokio::task::spawn_blocking(move || File::open(&path))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| {
            ApiError::new(
                StatusCode::GONE,
                "gone",
                format!("the file of job {id} is gone: {e}"),
            )
        })?;
    jobs.audit(
        &auth.actor.name,
        &job,
        "job.download",
        json!({"file": out.file_name}),
    )
    .await;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let mut file = file;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match file.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                        .is_err()
                    {
                        return; // the client went away
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(out.content_type),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(out.bytes));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", out.file_name))
            .map_err(|e| ApiError::internal(e.to_string()))?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok((h, Body::new(ChannelBody { rx })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_are_cleaned_and_checked() {
        assert_eq!(
            upload_name("rss-2009.jsonl").ok().as_deref(),
            Some("rss-2009.jsonl")
        );
        assert_eq!(
            upload_name("C:\\data\\works.json.gz").ok().as_deref(),
            Some("works.json.gz")
        );
        assert_eq!(
            upload_name("../../etc/x y.jsonl").ok().as_deref(),
            Some("x_y.jsonl")
        );
        for bad in ["", "notes.md", "table.csv", "/"] {
            assert!(upload_name(bad).is_err(), "{bad}");
        }
    }
}
