//! A local HTTP/1.1 server that replays recorded OpenAlex API pages, with faults injected on
//! request: error statuses with `Retry-After`, truncated bodies, dropped connections, hangs.
//! Only for tests (the `replay` feature): std only, loopback only, one thread per connection.

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::url::query_pairs;

/// A misbehaviour served instead of a page (once per queued fault).
#[derive(Debug, Clone)]
pub enum Fault {
    /// An error status, with an optional `Retry-After` header and a body.
    Status {
        status: u16,
        retry_after: Option<String>,
        body: String,
    },
    /// The full `Content-Length`, then only the first `keep` bytes of the page, then close.
    Truncate { keep: usize },
    /// No `Content-Length` (the body ends when the connection closes) and only `keep` bytes:
    /// the transport sees a complete body that is not a whole page.
    TruncateUndelimited { keep: usize },
    /// Close the connection without an answer.
    Drop,
    /// Never answer (until the server stops).
    Hang,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub target: String,
    pub query: Vec<(String, String)>,
    /// The page the cursor asked for, when it was a known cursor.
    pub page: Option<usize>,
    /// What was sent: `page`, `fault`, or an error status.
    pub served: String,
}

impl Request {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

struct Shared {
    entity: String,
    pages: Vec<Vec<u8>>,
    per_page: Option<u64>,
    cursors: HashMap<String, usize>,
    faults: Mutex<HashMap<usize, VecDeque<Fault>>>,
    log: Mutex<Vec<Request>>,
    logged: Condvar,
    delay: Mutex<Duration>,
    key: Mutex<Option<String>>,
    /// Filter names answered with a status (name, status, body): a filter the key may not use.
    refused_filters: Mutex<Vec<(String, u16, String)>>,
    stop: AtomicBool,
}

/// The server; stops when dropped.
pub struct ReplayServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ReplayServer {
    /// Serves the pages `page-*.json` of `dir` (in name order) under `/<entity>`: `cursor=*`
    /// gets the first page and each page's `meta.next_cursor` the next one.
    pub fn start(dir: &Path, entity: &str) -> io::Result<Self> {
        let mut names: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("page-") && n.ends_with(".json"))
            })
            .collect();
        names.sort();
        let mut pages = Vec::new();
        let mut cursors = HashMap::new();
        let mut next = Some("*".to_string());
        let mut per_page = None;
        for (i, path) in names.iter().enumerate() {
            let body = std::fs::read(path)?;
            let value: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            let cursor = next.take().ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidData, "a page after the last page")
            })?;
            cursors.insert(cursor, i);
            next = value["meta"]["next_cursor"].as_str().map(str::to_string);
            per_page = per_page.or(value["meta"]["per_page"].as_u64());
            pages.push(body);
        }
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            entity: entity.to_string(),
            pages,
            per_page,
            cursors,
            faults: Mutex::default(),
            log: Mutex::default(),
            logged: Condvar::new(),
            delay: Mutex::default(),
            key: Mutex::default(),
            refused_filters: Mutex::default(),
            stop: AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = Arc::clone(&s);
                std::thread::spawn(move || {
                    // A client that goes away mid-answer is not the server's problem.
                    let _ = serve(&s, conn);
                });
            }
        });
        Ok(Self {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Number of recorded pages (the last one is the empty end page).
    pub fn pages(&self) -> usize {
        self.shared.pages.len()
    }

    /// Queues a fault for the next request of page `page` (0-based).
    pub fn fault(&self, page: usize, fault: Fault) {
        lock(&self.shared.faults)
            .entry(page)
            .or_default()
            .push_back(fault);
    }

    /// Waits this long before answering every request.
    pub fn set_delay(&self, delay: Duration) {
        *lock(&self.shared.delay) = delay;
    }

    /// Answers 401 unless `api_key` is this key.
    pub fn require_key(&self, key: &str) {
        *lock(&self.shared.key) = Some(key.to_string());
    }

    /// Answers `status` with `body` to every request whose `filter` uses the filter `name`
    /// (as OpenAlex answers a filter the key's plan does not include).
    pub fn refuse_filter(&self, name: &str, status: u16, body: &str) {
        lock(&self.shared.refused_filters).push((name.to_string(), status, body.to_string()));
    }

    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.log).clone()
    }

    /// Waits until a request for page `page` arrived; false on timeout.
    pub fn wait_for_page(&self, page: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut log = lock(&self.shared.log);
        loop {
            if log.iter().any(|r| r.page == Some(page)) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            log = self
                .shared
                .logged
                .wait_timeout(log, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn serve(s: &Shared, mut conn: TcpStream) -> io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    if s.stop.load(Ordering::SeqCst) {
        return Ok(());
    }
    let target = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string();
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    let query = query_pairs(query);
    let param = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let page = param("cursor").and_then(|c| s.cursors.get(&c).copied());
    let delay = *lock(&s.delay);
    if !delay.is_zero() {
        std::thread::sleep(delay);
    }
    let required = lock(&s.key).clone();
    let per_page_ok = match (param("per-page").or_else(|| param("per_page")), s.per_page) {
        (Some(p), Some(want)) => p.parse::<u64>().ok() == Some(want),
        _ => true,
    };
    let fault = page.and_then(|p| lock(&s.faults).get_mut(&p).and_then(VecDeque::pop_front));
    let (served, action) = if path != format!("/{}", s.entity) {
        (
            "404".to_string(),
            Action::Status(404, None, r#"{"error":"Not found"}"#.into()),
        )
    } else if let Some((status, body)) = refused_filter(s, param("filter").as_deref()) {
        (status.to_string(), Action::Status(status, None, body))
    } else if required.is_some() && param("api_key") != required {
        (
            "401".to_string(),
            Action::Status(
                401,
                None,
                r#"{"error":"Invalid or missing API key"}"#.into(),
            ),
        )
    } else if !per_page_ok {
        ("400".to_string(), Action::Status(400, None, r#"{"error":"Invalid query parameters","message":"per-page does not match the recording"}"#.into()))
    } else if let Some(fault) = fault {
        ("fault".to_string(), Action::Fault(fault))
    } else if let Some(p) = page {
        ("page".to_string(), Action::Page(p))
    } else {
        (
            "400".to_string(),
            Action::Status(
                400,
                None,
                r#"{"error":"Invalid query parameters","message":"cursor is not valid"}"#.into(),
            ),
        )
    };
    {
        let mut log = lock(&s.log);
        log.push(Request {
            target: target.clone(),
            query: query.clone(),
            page,
            served,
        });
        s.logged.notify_all();
    }
    match action {
        Action::Page(p) => respond(&mut conn, 200, None, &s.pages[p], None),
        Action::Status(status, retry_after, body) => respond(
            &mut conn,
            status,
            retry_after.as_deref(),
            body.as_bytes(),
            None,
        ),
        Action::Fault(Fault::Status {
            status,
            retry_after,
            body,
        }) => respond(
            &mut conn,
            status,
            retry_after.as_deref(),
            body.as_bytes(),
            None,
        ),
        Action::Fault(Fault::Truncate { keep }) => {
            let body = page.map_or(&[][..], |p| &s.pages[p][..]);
            respond(&mut conn, 200, None, body, Some(keep.min(body.len())))
        }
        Action::Fault(Fault::TruncateUndelimited { keep }) => {
            let body = page.map_or(&[][..], |p| &s.pages[p][..]);
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
            conn.write_all(head.as_bytes())?;
            conn.write_all(&body[..keep.min(body.len())])?;
            conn.flush()?;
            conn.shutdown(Shutdown::Both)
        }
        Action::Fault(Fault::Drop) => conn.shutdown(Shutdown::Both),
        Action::Fault(Fault::Hang) => {
            while !s.stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
            conn.shutdown(Shutdown::Both)
        }
    }
}

enum Action {
    Page(usize),
    Status(u16, Option<String>, String),
    Fault(Fault),
}

/// Writes a response; with `cut`, announces the whole body but sends only `cut` bytes.
fn respond(
    conn: &mut TcpStream,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
    cut: Option<usize>,
) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(r) = retry_after {
        head.push_str(&format!("Retry-After: {r}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes())?;
    conn.write_all(&body[..cut.unwrap_or(body.len())])?;
    conn.flush()?;
    conn.shutdown(Shutdown::Both)
}

/// The status and body for a request whose filter uses a refused filter name.
fn refused_filter(s: &Shared, filter: Option<&str>) -> Option<(u16, String)> {
    let filter = filter?;
    let refused = lock(&s.refused_filters);
    refused
        .iter()
        .find(|(name, _, _)| {
            filter
                .split(',')
                .any(|f| f.split(':').next() == Some(name.as_str()))
        })
        .map(|(_, status, body)| (*status, body.clone()))
}
