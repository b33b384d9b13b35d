//! Test harness: a server on 127.0.0.1:0 over SQLite (always) or a fresh PostgreSQL database
//! (when `SCOUT_TEST_DATABASE_URL` is set), seeded users, and a minimal HTTP/1.1 client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use scout_pipeline::model::User;
use scout_pipeline::{Actor, Role, Store, StoreConfig};
use scout_server::{AppState, ServerConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const PASSWORD: &str = "correct horse battery";

/// The repository root (for `data/demo` and `e2e/fixtures`).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// Ingests `parts` of `data/demo` (paths under it) into `dir/corpus.sqlite` and refreshes
/// derived data; returns the database path. Test binaries build theirs once (`OnceLock`).
pub fn build_demo_corpus(dir: &std::path::Path, parts: &[&str]) -> std::path::PathBuf {
    use scout_corpus::{Corpus, IngestOptions, Progress};
    let db = dir.join("corpus.sqlite");
    let demo = repo_root().join("data/demo");
    let inputs: Vec<std::path::PathBuf> = parts.iter().map(|p| demo.join(p)).collect();
    let mut corpus = Corpus::open(&db).expect("open corpus");
    let opts = IngestOptions::new(dir.join("rejects.jsonl"));
    corpus
        .ingest(&inputs, &opts, &Progress::default())
        .expect("ingest");
    corpus.refresh(false).expect("refresh");
    db
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// SQLite always; PostgreSQL too when `SCOUT_TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("SCOUT_TEST_DATABASE_URL") {
        v.push(Backend::Postgres(url));
    }
    v
}

/// A fresh database on the PostgreSQL server of `url`.
pub async fn fresh_pg_url(url: &str) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .expect("connect to postgres");
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = format!(
        "scout_api_{}_{}_{}",
        std::process::id(),
        scout_pipeline::time::now_ms(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create database");
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    format!("{base}/{name}")
}

pub struct Env {
    pub addr: SocketAddr,
    pub store: Arc<Store>,
    pub url: String,
    pub dir: tempfile::TempDir,
    pub users: Vec<(User, String)>, // (user, api token)
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Env {
    pub fn backend_name(&self) -> &'static str {
        if self.url.starts_with("sqlite") {
            "sqlite"
        } else {
            "postgres"
        }
    }
    pub fn user(&self, role: Role) -> &User {
        &self
            .users
            .iter()
            .find(|(u, _)| u.role == role)
            .expect("seeded")
            .0
    }
    pub fn token(&self, role: Role) -> String {
        self.users
            .iter()
            .find(|(u, _)| u.role == role)
            .expect("seeded")
            .1
            .clone()
    }
    pub fn actor(&self, role: Role) -> Actor {
        let u = self.user(role);
        Actor {
            user_id: u.id,
            name: u.name.clone(),
            role,
        }
    }
    pub fn client(&self, role: Role) -> Client {
        Client {
            addr: self.addr,
            auth: ClientAuth::Token(self.token(role)),
        }
    }
    pub fn anon(&self) -> Client {
        Client {
            addr: self.addr,
            auth: ClientAuth::None,
        }
    }
    pub async fn stop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

pub async fn open_store(backend: &Backend, dir: &std::path::Path) -> (Arc<Store>, String) {
    let url = match backend {
        Backend::Sqlite => StoreConfig::sqlite_path(&dir.join("pipeline.sqlite")).url,
        Backend::Postgres(u) => fresh_pg_url(u).await,
    };
    let store = Store::open(&StoreConfig::new(url.clone()))
        .await
        .expect("open store");
    (Arc::new(store), url)
}

/// Starts a server with users olive (owner), rick (recruiter) and vera (viewer).
pub async fn start(backend: &Backend, config: ServerConfig) -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, url) = open_store(backend, dir.path()).await;
    let hash = scout_pipeline::secret::hash_password(PASSWORD).expect("hash");
    let mut users = Vec::new();
    for (name, role) in [
        ("olive", Role::Owner),
        ("rick", Role::Recruiter),
        ("vera", Role::Viewer),
    ] {
        let u = store
            .create_user("test", name, role, &hash)
            .await
            .expect("user");
        let (_, token) = store
            .create_token("test", u.id, "test")
            .await
            .expect("token");
        users.push((u, token));
    }
    start_on(store, url, dir, users, config).await
}

pub async fn start_on(
    store: Arc<Store>,
    url: String,
    dir: tempfile::TempDir,
    users: Vec<(User, String)>,
    config: ServerConfig,
) -> Env {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = AppState::new(store.clone(), config).expect("state");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        scout_server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .expect("serve");
    });
    Env {
        addr,
        store,
        url,
        dir,
        users,
        shutdown: Some(tx),
        task: Some(task),
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

#[derive(Debug, Clone)]
pub enum ClientAuth {
    None,
    Token(String),
    Session {
        cookie: String,
        csrf: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Client {
    pub addr: SocketAddr,
    pub auth: ClientAuth,
}

impl Client {
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut headers: Vec<(String, String)> = Vec::new();
        match &self.auth {
            ClientAuth::None => {}
            ClientAuth::Token(t) => headers.push(("Authorization".into(), format!("Bearer {t}"))),
            ClientAuth::Session { cookie, csrf } => {
                headers.push(("Cookie".into(), format!("scout_session={cookie}")));
                if let Some(c) = csrf {
                    headers.push(("X-CSRF-Token".into(), c.clone()));
                }
            }
        }
        if body.is_some()
            && !extra
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        for (k, v) in extra {
            headers.push(((*k).to_string(), (*v).to_string()));
        }
        raw(self.addr, method, path, &headers, body).await
    }
    pub async fn get(&self, path: &str) -> Resp {
        self.send("GET", path, None, &[]).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send("POST", path, Some(body.to_string().as_bytes()), &[])
            .await
    }
    pub async fn patch(&self, path: &str, body: &Value) -> Resp {
        self.send("PATCH", path, Some(body.to_string().as_bytes()), &[])
            .await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.send("DELETE", path, None, &[]).await
    }

    /// Logs in and returns a session client (cookie + CSRF token).
    pub async fn login(addr: SocketAddr, name: &str, password: &str) -> (Resp, Option<Client>) {
        let c = Client {
            addr,
            auth: ClientAuth::None,
        };
        let r = c
            .post(
                "/api/login",
                &serde_json::json!({"name": name, "password": password}),
            )
            .await;
        if r.status != 200 {
            return (r, None);
        }
        let cookie = r
            .header("set-cookie")
            .and_then(|v| v.split(';').next())
            .and_then(|kv| kv.strip_prefix("scout_session="))
            .expect("session cookie")
            .to_string();
        let csrf = r.json()["csrf_token"].as_str().map(str::to_string);
        (
            r,
            Some(Client {
                addr,
                auth: ClientAuth::Session { cookie, csrf },
            }),
        )
    }
}

/// One HTTP/1.1 request; `None` when the connection fails or breaks (server gone).
pub async fn try_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Option<Resp> {
    let mut s = TcpStream::connect(addr).await.ok()?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.ok()?;
    s.write_all(body).await.ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.ok()?;
    if !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        return None;
    }
    Some(parse_response(&buf))
}

/// One HTTP/1.1 request with `Connection: close`.
pub async fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
) -> Resp {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or(b"");
    if !body.is_empty() || matches!(method, "POST" | "PATCH" | "PUT") {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    // Head and body in one write: the server reads them in one go, so a route that answers
    // without reading the body (a GET sent one) never closes on unread bytes, which the kernel
    // would turn into a connection reset before the answer is read.
    let mut request = req.into_bytes();
    request.extend_from_slice(body);
    s.write_all(&request).await.expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    parse_response(&buf)
}

fn parse_response(buf: &[u8]) -> Resp {
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = buf[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") {
            let size =
                usize::from_str_radix(String::from_utf8_lossy(&rest[..nl]).trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + size]);
            rest = &rest[nl + 2 + size + 2..];
        }
        body = out;
    }
    Resp {
        status,
        headers,
        body,
    }
}
