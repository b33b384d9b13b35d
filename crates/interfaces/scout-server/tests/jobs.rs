//! The job API over real HTTP: a data file uploaded and ingested (progress, rejects with file
//! and line, the List answering from the new data without a restart, the audit log), one
//! ingest at a time (409), upload limits (413), roles, cancelling, and exports whose download
//! matches the data (pipeline CSV/JSON, the corpus as a Parquet tar).

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use common::{Backend, Client, ClientAuth, PASSWORD, Resp, repo_root, start};
use scout_pipeline::Role;
use scout_server::ServerConfig;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOPIC: &str = "LQR-trees feedback motion planning sparse randomized trees";
const NEW_TITLE: &str = "LQR-trees: Feedback motion planning on sparse randomized trees";

/// The real file the UI test uploads too: 39 RSS 2009 papers and one line cut short.
fn upload_file() -> Vec<u8> {
    std::fs::read(repo_root().join("e2e/fixtures/rss-2009.jsonl")).expect("fixture")
}

/// A small corpus from `data/demo` (COLM papers with abstracts, the OpenAlex sample), built
/// once; each test works on its own copy because ingest changes it.
fn corpus_copy(into: &Path) -> PathBuf {
    static TEMPLATE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, template) = TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = common::build_demo_corpus(
            dir.path(),
            &[
                "paperlists/papers/colm.jsonl.gz",
                "paperlists/abstracts/colm.jsonl.gz",
                "openalex",
            ],
        );
        (dir, db)
    });
    let db = into.join("corpus.sqlite");
    std::fs::copy(template, &db).expect("copy corpus");
    let index = scout_corpus::index::dir_for(template);
    let target = scout_corpus::index::dir_for(&db);
    std::fs::create_dir_all(&target).expect("index dir");
    for entry in std::fs::read_dir(&index).expect("index") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), target.join(entry.file_name())).expect("copy index file");
    }
    db
}

struct Setup {
    env: common::Env,
    _corpus_dir: tempfile::TempDir,
    corpus: PathBuf,
}

async fn setup(max_upload_bytes: u64) -> Setup {
    let corpus_dir = tempfile::tempdir().expect("temp dir");
    let corpus = corpus_copy(corpus_dir.path());
    let config = ServerConfig {
        corpus: Some(corpus.clone()),
        jobs_dir: Some(corpus_dir.path().join("jobs")),
        max_upload_bytes,
        ..ServerConfig::default()
    };
    Setup {
        env: start(&Backend::Sqlite, config).await,
        _corpus_dir: corpus_dir,
        corpus,
    }
}

async fn upload(c: &Client, name: &str, body: &[u8]) -> Resp {
    c.send(
        "POST",
        &format!("/api/jobs/ingest?name={name}"),
        Some(body),
        &[("Content-Type", "application/octet-stream")],
    )
    .await
}

/// Polls a job until it finishes; returns it and the phases seen running, in order.
async fn wait(c: &Client, id: u64) -> (Value, Vec<String>) {
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..2400 {
        let r = c.get(&format!("/api/jobs/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let job = r.json()["job"].clone();
        if let Some(p) = job["phase"].as_str()
            && seen.last().map(String::as_str) != Some(p)
        {
            seen.push(p.to_string());
        }
        if job["status"] != "running" {
            return (job, seen);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("job {id} did not finish");
}

fn list_has_title(list: &Value, title: &str) -> bool {
    list["rows"].as_array().is_some_and(|rows| {
        rows.iter().any(|r| {
            r["top_papers"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["title"] == title))
        })
    })
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_file_is_ingested_with_progress_and_the_list_answers_from_it() {
    let s = setup(1 << 20).await;
    let owner = s.env.client(Role::Owner);
    let list_path = format!("/api/list?topic={}&limit=10", encode(TOPIC));
    let before = owner.get(&list_path).await;
    assert_eq!(before.status, 200, "{}", before.text());
    assert!(!list_has_title(&before.json(), NEW_TITLE));

    // A session without the CSRF header is refused before anything is read.
    let (_, session) = Client::login(s.env.addr, "olive", PASSWORD).await;
    let session = session.expect("session");
    let ClientAuth::Session { cookie, .. } = &session.auth else {
        panic!("not a session")
    };
    let no_csrf = Client {
        addr: s.env.addr,
        auth: ClientAuth::Session {
            cookie: cookie.clone(),
            csrf: None,
        },
    };
    let r = upload(&no_csrf, "rss-2009.jsonl", &upload_file()).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.code(), "csrf");

    let file = upload_file();
    let r = upload(&session, "rss-2009.jsonl", &file).await;
    assert_eq!(r.status, 202, "{}", r.text());
    let started = r.json()["job"].clone();
    assert_eq!(started["kind"], "ingest");
    assert_eq!(started["status"], "running");
    assert_eq!(started["phases"][0]["name"], "upload");
    assert_eq!(started["phases"][0]["state"], "done");
    let id = started["id"].as_u64().expect("id");
    let (job, seen) = wait(&session, id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let states: Vec<&str> = job["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|p| p["state"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(states, ["done", "done", "done", "done"], "{job}");
    assert!(
        job["phases"]
            .as_array()
            .expect("phases")
            .iter()
            .all(|p| p["seconds"].as_f64().is_some())
    );
    // Phases are only ever seen in their order.
    let order = ["upload", "parse", "refresh", "reload"];
    let positions: Vec<usize> = seen
        .iter()
        .map(|p| order.iter().position(|o| o == p).expect("known phase"))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{seen:?}");

    // The result: counts, the reject with file, line and reason, the new papers.
    let result = &job["result"];
    assert_eq!(result["file"], "rss-2009.jsonl");
    assert_eq!(result["format"], "paperlists papers");
    assert_eq!(result["bytes"], file.len());
    assert_eq!(result["records_read"], 40);
    assert_eq!(result["inserted"], 39);
    assert_eq!(result["rejected"], 1);
    assert_eq!(result["new_works"], 39);
    let rejects = result["rejects"].as_array().expect("rejects");
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0]["file"], "rss-2009.jsonl");
    assert_eq!(rejects[0]["line"], 40);
    assert!(!rejects[0]["reason"].as_str().unwrap_or("").is_empty());
    let examples = result["new_work_examples"].as_array().expect("examples");
    assert!(!examples.is_empty() && examples.len() <= 5);
    assert!(
        result["refresh"]["researchers"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    assert!(job["download"].is_null());

    // The List answers from the new data, without a restart.
    let after = owner.get(&list_path).await;
    assert_eq!(after.status, 200);
    assert!(list_has_title(&after.json(), NEW_TITLE), "{}", after.text());
    let profile = owner.get("/api/researchers/R.%20Tedrake").await;
    assert_eq!(profile.status, 200, "{}", profile.text());

    // Start and end are in the audit log, and the chain still verifies.
    let audit = owner.get("/api/audit?limit=1000").await.json();
    let actions: Vec<(String, Value)> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_string(),
                serde_json::from_str(e["detail"].as_str().unwrap_or("{}")).unwrap_or(Value::Null),
            )
        })
        .filter(|(a, d)| a.starts_with("job.") && d["job"] == id)
        .collect();
    assert_eq!(
        actions.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
        ["job.start", "job.finish"]
    );
    assert_eq!(actions[1].1["status"], "succeeded");
    assert_eq!(
        owner.get("/api/audit/verify").await.json()["verify"]["ok"],
        true
    );

    // Listed for the owner; the upload itself is gone from the jobs folder.
    let listed = owner.get("/api/jobs").await.json();
    assert_eq!(listed["jobs"][0]["id"], id);
    assert_eq!(listed["limits"]["max_upload_bytes"], 1 << 20);
    let leftovers: Vec<String> = std::fs::read_dir(s.corpus.with_file_name("jobs"))
        .expect("jobs dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("upload"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The same file again changes nothing.
    let r = upload(&owner, "rss-2009.jsonl", &file).await;
    assert_eq!(r.status, 202, "{}", r.text());
    let (again, _) = wait(&owner, r.json()["job"]["id"].as_u64().expect("id")).await;
    assert_eq!(again["result"]["unchanged"], 39, "{again}");
    assert_eq!(again["result"]["new_works"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_uploads_are_read_and_a_file_that_is_not_data_fails_with_its_reason() {
    use std::io::Write as _;
    let s = setup(1 << 20).await;
    let owner = s.env.client(Role::Owner);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&upload_file()).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let r = upload(&owner, "rss-2009.jsonl.gz", &gz).await;
    assert_eq!(r.status, 202, "{}", r.text());
    let (job, _) = wait(&owner, r.json()["job"]["id"].as_u64().expect("id")).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["result"]["inserted"], 39);

    // A .gz that is not gzip: the job fails and says why.
    let r = upload(&owner, "broken.jsonl.gz", b"this is not gzip").await;
    assert_eq!(r.status, 202, "{}", r.text());
    let (job, _) = wait(&owner, r.json()["job"]["id"].as_u64().expect("id")).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert!(
        job["message"]
            .as_str()
            .is_some_and(|m| m.contains("broken.jsonl.gz")),
        "{job}"
    );
    // The List still answers (from the data before).
    let list = owner
        .get(&format!("/api/list?topic={}", encode(TOPIC)))
        .await;
    assert_eq!(list.status, 200);

    // Kinds of file ingest does not read, and missing names, are refused up front.
    let r = upload(&owner, "notes.md", b"# hi").await;
    assert_eq!(r.status, 415, "{}", r.text());
    assert_eq!(r.code(), "unsupported_file");
    let r = owner
        .send(
            "POST",
            "/api/jobs/ingest",
            Some(b"x"),
            &[("Content-Type", "application/octet-stream")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_decide_who_ingests_exports_and_sees_jobs() {
    let s = setup(1 << 20).await;
    for role in [Role::Recruiter, Role::Viewer] {
        let c = s.env.client(role);
        let r = upload(&c, "rss-2009.jsonl", &upload_file()).await;
        assert_eq!(r.status, 403, "{role:?}: {}", r.text());
        let r = c
            .post("/api/jobs/export", &json!({"kind": "parquet"}))
            .await;
        assert_eq!(r.status, 403, "{role:?}: {}", r.text());
    }
    let anon = s.env.anon();
    assert_eq!(anon.get("/api/jobs").await.status, 401);
    assert_eq!(upload(&anon, "rss-2009.jsonl", b"{}").await.status, 401);

    // A viewer exports the pipeline; the owner sees that job, a recruiter does not.
    let viewer = s.env.client(Role::Viewer);
    let r = viewer
        .post(
            "/api/jobs/export",
            &json!({"kind": "pipeline", "format": "json"}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.json()["job"]["id"].as_u64().expect("id");
    let (job, _) = wait(&viewer, id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let recruiter = s.env.client(Role::Recruiter);
    assert_eq!(recruiter.get(&format!("/api/jobs/{id}")).await.status, 404);
    assert_eq!(
        recruiter
            .get(&format!("/api/jobs/{id}/download"))
            .await
            .status,
        404
    );
    assert!(
        recruiter.get("/api/jobs").await.json()["jobs"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    let owner = s.env.client(Role::Owner);
    assert_eq!(owner.get(&format!("/api/jobs/{id}")).await.status, 200);
    assert_eq!(owner.get("/api/jobs").await.json()["jobs"][0]["id"], id);

    // Bad export requests.
    for (body, status) in [
        (json!({"kind": "everything"}), 422),
        (json!({"kind": "pipeline", "format": "xlsx"}), 422),
        (json!({"kind": "pipeline", "colour": "red"}), 422),
    ] {
        let r = owner.post("/api/jobs/export", &body).await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
    }
}

/// Sends the head of an upload and `first` bytes of the body, keeping the connection open.
async fn start_slow_upload(
    addr: SocketAddr,
    token: &str,
    total: usize,
    first: &[u8],
) -> tokio::net::TcpStream {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /api/jobs/ingest?name=slow.jsonl HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {total}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.expect("head");
    s.write_all(first).await.expect("first bytes");
    s.flush().await.expect("flush");
    s
}

async fn running_job(c: &Client) -> Value {
    for _ in 0..400 {
        let jobs = c.get("/api/jobs").await.json();
        if let Some(j) = jobs["jobs"]
            .as_array()
            .and_then(|js| js.iter().find(|j| j["status"] == "running"))
        {
            return j.clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no running job");
}

async fn read_response(mut s: tokio::net::TcpStream) -> (u16, Value) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // Until the server closes (a reset after the answer still leaves the answer read).
    while let Ok(n) = s.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    // Chunked or not, the JSON object is between the first { and the last }.
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) => serde_json::from_str(&body[a..=b]).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_ingest_at_a_time_limits_and_cancelling_an_upload() {
    let s = setup(20_000).await;
    let owner = s.env.client(Role::Owner);
    let token = s.env.token(Role::Owner);
    let file = upload_file();
    assert!(file.len() < 20_000);

    // An upload in progress holds the ingest slot: a second one gets 409 with the reason.
    let (a, b) = file.split_at(4000);
    let mut slow = start_slow_upload(s.env.addr, &token, file.len(), a).await;
    let running = running_job(&owner).await;
    assert_eq!(running["phase"], "upload");
    assert_eq!(running["progress"]["unit"], "bytes");
    assert_eq!(running["progress"]["total"], file.len());
    let r = upload(&owner, "other.jsonl", b"{}\n").await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.code(), "job_running");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("ingest is already running"))
    );
    // So does a Parquet export, which waits for ingests.
    let r = owner
        .post("/api/jobs/export", &json!({"kind": "parquet"}))
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    // The rest of the body arrives; the ingest finishes.
    slow.write_all(b).await.expect("rest");
    let (status, body) = read_response(slow).await;
    assert_eq!(status, 202, "{body}");
    let (job, _) = wait(&owner, body["job"]["id"].as_u64().expect("id")).await;
    assert_eq!(job["status"], "succeeded", "{job}");

    // Over the limit: refused from Content-Length before reading...
    let big = vec![b' '; 20_001];
    let r = upload(&owner, "big.jsonl", &big).await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.code(), "upload_too_large");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("20000"))
    );
    // ...and, without one (chunked), once the limit is passed.
    let mut chunked = Vec::new();
    for piece in big.chunks(8000) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let mut st = tokio::net::TcpStream::connect(s.env.addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/jobs/ingest?name=big.jsonl HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    st.write_all(head.as_bytes()).await.expect("head");
    // The server may stop reading once the limit is passed.
    let _ = st.write_all(&chunked).await;
    let (status, body) = read_response(st).await;
    assert_eq!(body["error"]["code"], "upload_too_large", "{body}");
    assert_eq!(status, 413);
    let failed = owner.get("/api/jobs").await.json();
    assert_eq!(failed["jobs"][0]["status"], "failed", "{failed}");

    // Cancelling an upload in progress: the job ends cancelled and nothing is ingested.
    let mut slow = start_slow_upload(s.env.addr, &token, file.len(), a).await;
    let running = running_job(&owner).await;
    let id = running["id"].as_u64().expect("id");
    assert_eq!(running["cancellable"], true);
    let r = owner
        .post(&format!("/api/jobs/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let _ = slow.write_all(b).await;
    let (status, body) = read_response(slow).await;
    assert_eq!(status, 409, "{body}");
    let (job, _) = wait(&owner, id).await;
    assert_eq!(job["status"], "cancelled", "{job}");
    let r = owner
        .post(&format!("/api/jobs/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "job_finished");

    // A client that goes away mid-upload: the job fails, its partial file is removed.
    let slow = start_slow_upload(s.env.addr, &token, file.len(), a).await;
    let id = running_job(&owner).await["id"].as_u64().expect("id");
    drop(slow);
    let (job, _) = wait(&owner, id).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert!(
        job["message"]
            .as_str()
            .is_some_and(|m| m.contains("interrupted")),
        "{job}"
    );
    let upload_dir = s
        .corpus
        .with_file_name("jobs")
        .join(format!("job-{id}-upload"));
    for _ in 0..100 {
        if !upload_dir.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!upload_dir.exists());
}

/// The export's records, read back with the `csv` crate.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    scout_formats::csv::rows(text, b',')
        .map(|r| r.fields)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_exports_match_the_data_and_hide_compensation_from_non_owners() {
    let s = setup(1 << 20).await;
    let owner = s.env.client(Role::Owner);
    let recruiter = s.env.client(Role::Recruiter);
    let owner_id = s.env.user(Role::Recruiter).id;
    let names = [
        "Ada Lovelace",
        "=HYPERLINK(\"http://x\")",
        "Grace \"Amazing\" Hopper, PhD",
    ];
    let mut ids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let r = recruiter
            .post(
                "/api/candidates",
                &json!({"name": name, "source_org": "Lab, Inc.", "tags": ["rl", format!("t{i}")], "owner_id": owner_id}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        ids.push(r.json()["candidate"]["id"].as_i64().expect("id"));
    }
    let r = recruiter
        .post(
            &format!("/api/candidates/{}/stage", ids[0]),
            &json!({"to": "shortlisted"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = owner
        .post(
            &format!("/api/candidates/{}/offers", ids[0]),
            &json!({"currency": "USD", "base": 187000, "bonus": 20000}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let total_value = r.json()["offer"]["total_value"].as_i64().expect("total");
    let r = owner
        .post(
            &format!("/api/candidates/{}/counteroffers", ids[0]),
            &json!({"rival_org": "Rival Lab", "currency": "USD", "value": 240000}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());

    // The owner's CSV: one row per candidate, as the API has them, with compensation.
    let r = owner
        .post(
            "/api/jobs/export",
            &json!({"kind": "pipeline", "format": "csv"}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    let (job, _) = wait(&owner, r.json()["job"]["id"].as_u64().expect("id")).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["result"]["compensation_included"], true);
    let url = job["download"]["url"]
        .as_str()
        .expect("download url")
        .to_string();
    let d = owner.get(&url).await;
    assert_eq!(d.status, 200);
    assert_eq!(d.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        d.header("content-disposition")
            .is_some_and(|v| v.starts_with("attachment; filename=\"scout-pipeline-"))
    );
    assert_eq!(
        d.body.len() as u64,
        job["download"]["bytes"].as_u64().expect("bytes")
    );
    let rows = parse_csv(&d.text());
    let header = &rows[0];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    let api = owner.get("/api/candidates?limit=1000").await.json();
    let cands = api["candidates"].as_array().expect("candidates");
    assert_eq!(rows.len() - 1, cands.len());
    for (row, c) in rows[1..].iter().zip(cands) {
        assert_eq!(row[col("id")], c["id"].to_string());
        let name = c["name"].as_str().expect("name");
        let expected = if name.starts_with('=') {
            format!("'{name}")
        } else {
            name.to_string()
        };
        assert_eq!(row[col("name")], expected, "formulas are defused");
        assert_eq!(row[col("stage")], c["stage"].as_str().expect("stage"));
        assert_eq!(row[col("source_org")], "Lab, Inc.");
        assert_eq!(row[col("owner")], "rick");
        let tags: Vec<String> = c["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| t.as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(row[col("tags")], tags.join("; "));
    }
    let first = &rows[1];
    assert_eq!(first[col("offer_total_value")], total_value.to_string());
    assert_eq!(first[col("offer_base")], "187000");
    assert_eq!(first[col("counteroffers")], "1");
    assert_eq!(
        first[col("counteroffers_detail")],
        "Rival Lab: 240000 USD total, 240000 per year"
    );
    assert_eq!(rows[2][col("offer_total_value")], "");

    // A recruiter's JSON: the same candidates, no compensation anywhere.
    let r = recruiter
        .post(
            "/api/jobs/export",
            &json!({"kind": "pipeline", "format": "json"}),
        )
        .await;
    let (job, _) = wait(&recruiter, r.json()["job"]["id"].as_u64().expect("id")).await;
    assert_eq!(job["result"]["compensation_included"], false);
    let d = recruiter
        .get(job["download"]["url"].as_str().expect("url"))
        .await;
    assert_eq!(d.header("content-type"), Some("application/json"));
    let text = d.text();
    for needle in ["187000", "Rival Lab", "compensation\":{", "offer"] {
        assert!(!text.contains(needle), "recruiter export contains {needle}");
    }
    let exported = d.json();
    let got: Vec<i64> = exported["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| c["id"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(got, ids);
    assert_eq!(exported["candidates"][2]["name"], names[2]);
    assert_eq!(exported["compensation_included"], false);
    assert_eq!(exported["exported_by"], "rick");

    // Both reads are audited.
    let audit = owner.get("/api/audit?limit=1000").await.json();
    let exports = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "pipeline.export")
        .count();
    assert_eq!(exports, 2);
    let downloads = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "job.download")
        .count();
    assert_eq!(downloads, 2);
}

/// `(name, bytes)` of every file in the archive, read back with the `tar` crate.
fn untar(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut archive = tar::Archive::new(bytes);
    let mut out = Vec::new();
    for entry in archive.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        assert!(entry.header().as_ustar().is_some(), "a ustar header");
        if entry.header().entry_type().is_file() {
            let name = entry.path().expect("path").to_string_lossy().into_owned();
            let mut body = Vec::new();
            entry.read_to_end(&mut body).expect("body");
            out.push((name, body));
        }
    }
    out
}

fn parquet_rows(bytes: Vec<u8>) -> i64 {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(axum::body::Bytes::from(bytes)).expect("parquet");
    reader.metadata().file_metadata().num_rows()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_parquet_export_downloads_as_a_tar_matching_the_corpus() {
    let s = setup(1 << 20).await;
    let owner = s.env.client(Role::Owner);
    let r = owner
        .post("/api/jobs/export", &json!({"kind": "parquet"}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    let (job, _) = wait(&owner, r.json()["job"]["id"].as_u64().expect("id")).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["phases"][0]["state"], "done");
    assert_eq!(job["phases"][1]["state"], "done");
    let d = owner
        .get(job["download"]["url"].as_str().expect("url"))
        .await;
    assert_eq!(d.status, 200);
    assert_eq!(d.header("content-type"), Some("application/x-tar"));
    assert_eq!(
        d.body.len() as u64,
        job["result"]["archive_bytes"].as_u64().expect("bytes")
    );
    let files = untar(&d.body);
    assert_eq!(
        files.len() as u64,
        job["result"]["files"].as_u64().expect("files")
    );
    // Parquet tables, and the manifest of the identity job's input.
    assert!(files.iter().all(|(n, _)| n.starts_with("scout-parquet/")
        && (n.ends_with(".parquet") || n == "scout-parquet/identity_input.json")));
    assert!(
        files
            .iter()
            .any(|(n, _)| n == "scout-parquet/identity_input.json")
    );

    let conn = scout_corpus::rusqlite::Connection::open(&s.corpus).expect("corpus");
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect("count") };
    let rows_of = |table: &str| -> i64 {
        files
            .iter()
            .filter(|(n, _)| n.starts_with(&format!("scout-parquet/{table}/")))
            .map(|(_, b)| parquet_rows(b.clone()))
            .sum()
    };
    assert_eq!(rows_of("works"), count("SELECT COUNT(*) FROM works"));
    assert_eq!(
        rows_of("researchers"),
        count("SELECT COUNT(*) FROM researchers")
    );
    assert_eq!(
        rows_of("organisations"),
        count("SELECT COUNT(*) FROM organisations")
    );
    assert_eq!(
        rows_of("coauthor_edges"),
        count("SELECT COUNT(*) FROM coauthor_edges")
    );
    for t in job["result"]["tables"].as_array().expect("tables") {
        assert_eq!(
            rows_of(t["table"].as_str().expect("table")),
            t["rows"].as_i64().expect("rows")
        );
    }
    // The export folder is gone (the tar holds it); the tar stays for download.
    let names: Vec<String> = std::fs::read_dir(s.corpus.with_file_name("jobs"))
        .expect("jobs dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with("-parquet")), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with(".tar")), "{names:?}");
}
