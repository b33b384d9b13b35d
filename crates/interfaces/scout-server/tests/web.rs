//! The web UI and the corpus endpoints over real HTTP: security headers on the page, asset
//! content types (and that every asset the page imports is embedded), authentication on the
//! corpus routes, and the JSON shapes of the corpus routes on a slice of `data/demo`.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use scout_pipeline::{Role, Store, StoreConfig};
use scout_server::{AppState, ServerConfig, web};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::PASSWORD;

/// A corpus built once per test binary from part of `data/demo` (one conference with its
/// abstracts, plus the OpenAlex sample for affiliations): enough for every route, quick to
/// build.
fn demo_corpus() -> PathBuf {
    static CORPUS: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    CORPUS
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let db = common::build_demo_corpus(
                dir.path(),
                &[
                    "paperlists/papers/colm.jsonl.gz",
                    "paperlists/abstracts/colm.jsonl.gz",
                    "paperlists/papers/acl.jsonl.gz",
                    "openalex",
                ],
            );
            (dir, db)
        })
        .1
        .clone()
}

struct Server {
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

async fn start(corpus: Option<PathBuf>) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&StoreConfig::sqlite_path(
        &dir.path().join("pipeline.sqlite"),
    ))
    .await
    .expect("store");
    let hash = scout_pipeline::secret::hash_password(PASSWORD).expect("hash");
    store
        .create_user("test", "olivia", Role::Owner, &hash)
        .await
        .expect("owner");
    let config = ServerConfig {
        corpus,
        ..ServerConfig::default()
    };
    let state = AppState::new(Arc::new(store), config).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(scout_server::serve(listener, state, std::future::pending()));
    Server { addr, _dir: dir }
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.0 request (the server closes the connection after answering, so the body is
/// everything after the headers).
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<&str>,
) -> Resp {
    request_with(addr, method, path, cookie, &[], body).await
}

/// `request` with extra headers (e.g. the session's `X-CSRF-Token` on a write).
async fn request_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Resp {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\n");
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: {c}\r\n"));
    }
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    s.write_all(req.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

async fn get(addr: SocketAddr, path: &str, cookie: Option<&str>) -> Resp {
    request(addr, "GET", path, cookie, None).await
}

/// Logs in as the owner and returns the session cookie (`scout_session=…`).
async fn login(addr: SocketAddr) -> String {
    let body = format!(r#"{{"name":"olivia","password":"{PASSWORD}"}}"#);
    let r = request(addr, "POST", "/api/login", None, Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let set = r.header("set-cookie").expect("set-cookie");
    set.split(';').next().expect("cookie").to_string()
}

#[tokio::test]
async fn page_has_strict_csp_and_no_inline_script() {
    let srv = start(None).await;
    for path in ["/", "/index.html"] {
        let r = get(srv.addr, path, None).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        let csp = r.header("content-security-policy").expect("CSP header");
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        let html = r.text();
        // Every script is external (the CSP would block an inline one anyway).
        let scripts: Vec<&str> = html.split("<script").skip(1).collect();
        assert!(!scripts.is_empty());
        for s in scripts {
            let tag = s.split('>').next().unwrap_or_default();
            assert!(
                tag.contains("src=\"/assets/"),
                "inline script: <script{tag}>"
            );
        }
        assert!(
            !html.contains(" style="),
            "inline style attribute in the page"
        );
    }
}

#[tokio::test]
async fn assets_are_served_with_their_content_types() {
    let srv = start(None).await;
    for (name, ctype, bytes) in web::ASSETS {
        let r = get(srv.addr, &format!("/assets/{name}"), None).await;
        assert_eq!(r.status, 200, "{name}");
        let expected = match name.rsplit('.').next() {
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("svg") => "image/svg+xml",
            other => panic!("unexpected asset type {other:?}"),
        };
        assert_eq!(*ctype, expected, "{name}");
        assert_eq!(r.header("content-type"), Some(expected), "{name}");
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{name}"
        );
        assert_eq!(&r.body[..], *bytes, "{name}");
    }
    let r = get(srv.addr, "/assets/nope.js", None).await;
    assert_eq!(r.status, 404);
    let r = get(srv.addr, "/assets/..%2Fsrc%2Flib.rs", None).await;
    assert_eq!(r.status, 404);
}

/// Every `/assets/…` the page links and every module a script imports is embedded (a file
/// added to `web/assets` but not to `web::ASSETS` would 404 in the browser).
#[test]
fn every_referenced_asset_is_embedded() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let embedded: Vec<&str> = web::ASSETS.iter().map(|(n, _, _)| *n).collect();
    let mut referenced = Vec::new();
    let html = std::fs::read_to_string(dir.join("index.html")).expect("index.html");
    for part in html.split("/assets/").skip(1) {
        referenced.push(part.split('"').next().unwrap_or_default().to_string());
    }
    for entry in std::fs::read_dir(dir.join("assets")).expect("assets dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        assert!(
            embedded.contains(&name.as_str()),
            "web/assets/{name} is not in web::ASSETS"
        );
        if name.ends_with(".js") {
            let js = std::fs::read_to_string(&path).expect("js");
            for part in js
                .split("from './")
                .skip(1)
                .chain(js.split("import('./").skip(1))
            {
                referenced.push(part.split('\'').next().unwrap_or_default().to_string());
            }
            // Data never reaches the page as HTML.
            assert!(
                !js.contains("innerHTML")
                    && !js.contains("insertAdjacentHTML")
                    && !js.contains("document.write"),
                "{name} writes HTML"
            );
        }
    }
    assert!(referenced.len() > 10);
    for r in &referenced {
        assert!(
            embedded.contains(&r.as_str()),
            "{r} is referenced but not embedded"
        );
    }
}

/// The modules a script imports statically (`from './x.js'`).
fn static_imports(js: &str) -> Vec<&str> {
    js.split("from './")
        .skip(1)
        .map(|part| part.split('\'').next().unwrap_or_default())
        .collect()
}

/// Pages (the modules the shell's route table loads) import the router, helpers and their own
/// sections, never the shell (`app.js`, an import cycle through every page) or another page.
#[test]
fn pages_import_neither_the_shell_nor_each_other() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/assets");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect(name);
    let shell = read("app.js");
    let pages: Vec<&str> = shell
        .split("import('./")
        .skip(1)
        .map(|part| part.split('\'').next().unwrap_or_default())
        .collect();
    assert!(pages.len() >= 10, "{pages:?}");
    assert!(static_imports(&shell).contains(&"router.js"));
    for (name, _, _) in web::ASSETS {
        if !name.ends_with(".js") || *name == "app.js" {
            continue;
        }
        for import in static_imports(&read(name)) {
            assert_ne!(import, "app.js", "{name} imports the shell");
            assert!(!pages.contains(&import), "{name} imports the page {import}");
        }
    }
}

const CORPUS_GETS: &[&str] = &[
    "/api/list?topic=language%20models",
    "/api/researchers/1",
    "/api/researchers/1/neighbourhood",
    "/api/paths?to=1&from_org=Google",
    "/api/orgs?topic=language%20models",
    "/api/flows",
    "/api/radius",
];

#[tokio::test]
async fn corpus_routes_require_authentication() {
    let srv = start(Some(demo_corpus())).await;
    for path in CORPUS_GETS {
        let r = get(srv.addr, path, None).await;
        assert_eq!(r.status, 401, "{path}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], "unauthorized", "{path}");
        let r = get(srv.addr, path, Some("scout_session=forged")).await;
        assert_eq!(r.status, 401, "{path}");
    }
}

#[tokio::test]
async fn without_a_corpus_the_routes_say_so() {
    let srv = start(None).await;
    let cookie = login(srv.addr).await;
    let r = get(srv.addr, "/api/list?topic=x", Some(&cookie)).await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "no_corpus");
}

fn arr<'a>(v: &'a Value, what: &str) -> &'a Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("{what} is not an array: {v}"))
}

#[tokio::test]
async fn corpus_routes_answer_with_the_documented_shapes() {
    let srv = start(Some(demo_corpus())).await;
    let cookie = login(srv.addr).await;
    let c = Some(cookie.as_str());

    // The List: ranked rows whose score is at least the sum of the shown contributions, each
    // contribution the product of its factors.
    let r = get(
        srv.addr,
        "/api/list?topic=language%20models&limit=10&explain_papers=2",
        c,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let list = r.json();
    assert_eq!(list["topic"], "language models");
    let rows = arr(&list["rows"], "rows");
    assert_eq!(rows.len(), 10);
    let mut previous = f64::INFINITY;
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["rank"], i + 1);
        let score = row["score"].as_f64().expect("score");
        assert!(score <= previous + 1e-9);
        previous = score;
        assert!(row["researcher"]["key"].is_string());
        let papers = arr(&row["top_papers"], "top_papers");
        assert!(!papers.is_empty() && papers.len() <= 2);
        let mut sum = 0.0;
        for p in papers {
            let f = |k: &str| p[k].as_f64().unwrap_or_else(|| panic!("{k} in {p}"));
            let product = f("relevance") * f("impact") * f("role") * f("recency");
            assert!((product - f("contribution")).abs() < 1e-9, "{p}");
            sum += f("contribution");
        }
        assert!(score + 1e-9 >= sum);
    }
    let top_key = rows[0]["researcher"]["key"]
        .as_str()
        .expect("key")
        .to_string();
    let top_org = rows
        .iter()
        .find_map(|r| r["researcher"]["current_org"].as_str())
        .expect("someone has an organisation")
        .to_string();

    // Filters are validated with clear messages.
    for (q, needle) in [
        ("/api/list", "topic"),
        ("/api/list?topic=%20", "topic"),
        ("/api/list?topic=x&stage=ancient", "stage"),
        ("/api/list?topic=x&org_type=castle", "org_type"),
        ("/api/list?topic=x&country=Atlantis", "country"),
        ("/api/list?topic=x&colour=red", "colour"),
    ] {
        let r = get(srv.addr, q, c).await;
        // A topic with no words to search for is well-formed but unprocessable (422).
        let want = if q.ends_with("%20") { 422 } else { 400 };
        assert_eq!(r.status, want, "{q}: {}", r.text());
        let msg = r.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(msg.contains(needle), "{q}: {msg}");
    }
    let r = get(
        srv.addr,
        "/api/list?topic=language%20models&stage=senior&limit=5",
        c,
    )
    .await;
    assert_eq!(r.status, 200);
    for row in arr(&r.json()["rows"], "rows") {
        assert_eq!(row["stage"], "senior");
    }

    // A profile, with and without the score explanation.
    let enc = top_key.replace(':', "%3A").replace('~', "%7E");
    let r = get(
        srv.addr,
        &format!("/api/researchers/{enc}?topic=language%20models"),
        c,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.json();
    assert_eq!(p["profile"]["researcher"]["key"], top_key.as_str());
    let by_year = arr(&p["profile"]["papers_by_year"], "papers_by_year");
    assert!(!by_year.is_empty());
    assert!(by_year.iter().all(|y| y[0].is_i64() && y[1].is_i64()));
    assert!(p["profile"]["affiliations"].is_array());
    assert!(p["profile"]["coauthors"].is_array());
    assert!(p["coauthor_degree"].is_u64());
    assert_eq!(p["topic_breakdown"]["rank"], 1);
    let r = get(srv.addr, &format!("/api/researchers/{enc}"), c).await;
    assert!(r.json()["topic_breakdown"].is_null());
    let r = get(srv.addr, "/api/researchers/openreview%3A~Nobody_Atall9", c).await;
    assert_eq!(r.status, 404, "{}", r.text());

    // The neighbourhood: the researcher first, then co-authors; edges join shown nodes.
    let r = get(
        srv.addr,
        &format!("/api/researchers/{enc}/neighbourhood?limit=8"),
        c,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let g = r.json();
    let nodes = arr(&g["nodes"], "nodes");
    assert_eq!(nodes[0]["key"], top_key.as_str());
    assert_eq!(nodes[0]["hop"], 0);
    assert!(nodes.len() <= 9 && nodes[1..].iter().all(|n| n["hop"] == 1));
    let ids: Vec<i64> = nodes.iter().filter_map(|n| n["id"].as_i64()).collect();
    let edges = arr(&g["edges"], "edges");
    assert!(
        edges.len() >= nodes.len() - 1,
        "every co-author has an edge to the centre"
    );
    for e in edges {
        assert!(
            ids.contains(&e["source"].as_i64().unwrap_or(-1))
                && ids.contains(&e["target"].as_i64().unwrap_or(-1))
        );
        let st = e["strength"].as_f64().unwrap_or(-1.0);
        assert!((0.0..=1.0).contains(&st));
    }

    // Warm paths from an organisation (possibly none, but the shape holds).
    let org = top_org.replace(' ', "%20").replace(',', "%2C");
    let r = get(srv.addr, &format!("/api/paths?to={enc}&from_org={org}"), c).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let a = r.json();
    assert!(a["our_people"].as_u64().is_some_and(|n| n > 0), "{a}");
    for chain in arr(&a["chains"], "chains") {
        assert!(!arr(&chain["hops"], "hops").is_empty());
        assert_eq!(
            chain["hops"]
                .as_array()
                .and_then(|h| h.last())
                .map(|h| h["to"].clone()),
            Some(p["profile"]["researcher"]["id"].clone())
        );
    }
    let r = get(srv.addr, &format!("/api/paths?to={enc}"), c).await;
    assert_eq!(r.status, 400);
    // A misspelt organisation is a 404 that names the close ones, not an empty answer.
    let typo = format!("{}{}", &top_org[..1], &top_org[2..]);
    for path in [
        format!("/api/paths?to={enc}&from_org={}", self::enc(&typo)),
        format!("/api/flows?to={}", self::enc(&typo)),
    ] {
        let r = get(srv.addr, &path, c).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        let e = r.json();
        assert_eq!(e["error"]["code"], "unknown_org", "{e}");
        assert!(
            e["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("did you mean")),
            "{e}"
        );
    }

    // Organisations and flows.
    let r = get(srv.addr, "/api/orgs?topic=language%20models&limit=5", c).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let orgs = r.json();
    let rows = arr(&orgs["orgs"], "orgs");
    assert!(!rows.is_empty() && rows.len() <= 5);
    assert!(
        rows.iter()
            .all(|o| o["name"].is_string() && o["talent"].is_f64())
    );
    let r = get(srv.addr, "/api/flows?limit=5&matrix=4", c).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let f = r.json();
    assert!(arr(&f["moves"], "moves").len() <= 5);
    let m = &f["matrix"];
    let n = arr(&m["orgs"], "matrix orgs").len();
    assert!(n <= 4);
    assert_eq!(arr(&m["counts"], "counts").len(), n);
}

/// Logs in as the owner: the session cookie and its CSRF token.
async fn login_with_csrf(addr: SocketAddr) -> (String, String) {
    let body = format!(r#"{{"name":"olivia","password":"{PASSWORD}"}}"#);
    let r = request(addr, "POST", "/api/login", None, Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let set = r.header("set-cookie").expect("set-cookie");
    let cookie = set.split(';').next().expect("cookie").to_string();
    let csrf = r.json()["csrf_token"]
        .as_str()
        .expect("csrf token")
        .to_string();
    (cookie, csrf)
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// All co-authors of a researcher, when the neighbourhood holds every one of them.
async fn all_coauthors(addr: SocketAddr, cookie: &str, key: &str) -> Option<Vec<(i64, String)>> {
    let r = get(
        addr,
        &format!("/api/researchers/{}/neighbourhood?limit=60", enc(key)),
        Some(cookie),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let g = r.json();
    let nodes = arr(&g["nodes"], "nodes");
    (g["coauthors_total"].as_u64()? as usize == nodes.len() - 1).then(|| {
        nodes[1..]
            .iter()
            .map(|n| {
                (
                    n["id"].as_i64().expect("id"),
                    n["key"].as_str().expect("key").to_string(),
                )
            })
            .collect()
    })
}

/// The integers of a JSON array.
fn ids_of(list: &Value) -> Vec<i64> {
    arr(list, "ids").iter().filter_map(Value::as_i64).collect()
}

fn ids_in(list: &Value) -> Vec<i64> {
    arr(list, "reach list")
        .iter()
        .filter_map(|x| x["researcher"].as_i64())
        .collect()
}

/// The committee's career-stage override of a candidate replaces the corpus's estimate in the
/// List's stage filter (an audited read of the pipeline).
#[tokio::test]
async fn the_stage_filter_follows_the_committees_override() {
    let srv = start(Some(demo_corpus())).await;
    let (cookie, csrf) = login_with_csrf(srv.addr).await;
    let c = Some(cookie.as_str());
    let q = "/api/list?topic=language%20models&stage=senior&limit=20";
    let senior = get(srv.addr, q, c).await.json();
    let key = arr(&senior["rows"], "rows")[0]["researcher"]["key"]
        .as_str()
        .expect("a senior researcher")
        .to_string();
    let early = |list: &Value| {
        arr(&list["rows"], "rows")
            .iter()
            .any(|r| r["researcher"]["key"].as_str() == Some(key.as_str()))
    };
    let q_early = "/api/list?topic=language%20models&stage=early&limit=500";
    assert!(!early(&get(srv.addr, q_early, c).await.json()));
    let body =
        serde_json::json!({"name": "Override", "researcher_key": key, "career_stage": "early"})
            .to_string();
    let r = request_with(
        srv.addr,
        "POST",
        "/api/candidates",
        Some(&cookie),
        &[("X-CSRF-Token", &csrf)],
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let list = get(srv.addr, q_early, c).await.json();
    assert!(early(&list), "the override moves {key} to early: {list}");
    assert!(
        !arr(&get(srv.addr, q, c).await.json()["rows"], "rows")
            .iter()
            .any(|r| r["researcher"]["key"].as_str() == Some(key.as_str())),
        "and out of senior"
    );
}

#[tokio::test]
async fn leak_radius_of_the_pipeline() {
    let srv = start(Some(demo_corpus())).await;
    let (cookie, csrf) = login_with_csrf(srv.addr).await;
    let c = Some(cookie.as_str());

    // Three researchers from the corpus: A, a co-author B of A, and a co-author C of B who
    // never wrote with A (so C is two hops from A).
    let list = get(srv.addr, "/api/list?topic=language%20models&limit=40", c)
        .await
        .json();
    let mut chosen = None;
    'search: for row in arr(&list["rows"], "rows") {
        let a_key = row["researcher"]["key"].as_str().expect("key").to_string();
        let a_id = row["researcher"]["id"].as_i64().expect("id");
        let Some(a_co) = all_coauthors(srv.addr, &cookie, &a_key).await else {
            continue;
        };
        for (b_id, b_key) in &a_co {
            let Some(b_co) = all_coauthors(srv.addr, &cookie, b_key).await else {
                continue;
            };
            if let Some((c_id, c_key)) = b_co
                .iter()
                .find(|(id, _)| *id != a_id && !a_co.iter().any(|(x, _)| x == id))
            {
                chosen = Some((
                    (a_id, a_key.clone()),
                    (*b_id, b_key.clone()),
                    (*c_id, c_key.clone()),
                ));
                break 'search;
            }
        }
    }
    let ((a_id, a_key), (b_id, b_key), (c_id, c_key)) =
        chosen.expect("the demo corpus has a two-hop chain among the List's researchers");

    // The pipeline: A finalist, B shortlisted, C sourced, one candidate without a link, one
    // with a key the corpus does not know, and one withdrawn (outside the default stages).
    let post = |body: Value| {
        let cookie = cookie.clone();
        let csrf = csrf.clone();
        async move {
            let text = body.to_string();
            request_with(
                srv.addr,
                "POST",
                "/api/candidates",
                Some(&cookie),
                &[("X-CSRF-Token", &csrf)],
                Some(&text),
            )
            .await
        }
    };
    let mut made = Vec::new();
    for (name, key) in [
        ("A", Some(a_key.as_str())),
        ("B", Some(b_key.as_str())),
        ("C", Some(c_key.as_str())),
        ("Unlinked", None),
        ("Elsewhere", Some("orcid:0000-0000-0000-0000")),
    ] {
        let r = post(serde_json::json!({"name": name, "researcher_key": key})).await;
        assert_eq!(r.status, 201, "{}", r.text());
        made.push(r.json()["candidate"]["id"].as_i64().expect("id"));
    }
    // Withdrawn, linked to a fourth researcher of the List (one person, one candidate).
    let d_key = arr(&list["rows"], "rows")
        .iter()
        .filter_map(|row| row["researcher"]["key"].as_str())
        .find(|k| ![&a_key, &b_key, &c_key].iter().any(|x| x.as_str() == *k))
        .expect("a fourth researcher")
        .to_string();
    let r = post(serde_json::json!({"name": "Gone", "researcher_key": d_key})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let gone = r.json()["candidate"]["id"].as_i64().expect("id");
    let moves: [(i64, &[&str]); 3] = [
        (made[0], &["shortlisted", "finalist"]),
        (made[1], &["shortlisted"]),
        (gone, &["withdrawn"]),
    ];
    for (id, path) in moves {
        for to in path {
            let body = format!(r#"{{"to":"{to}"}}"#);
            let r = request_with(
                srv.addr,
                "POST",
                &format!("/api/candidates/{id}/stage"),
                c,
                &[("X-CSRF-Token", &csrf)],
                Some(&body),
            )
            .await;
            assert_eq!(r.status, 200, "{}", r.text());
        }
    }

    let r = get(srv.addr, "/api/radius", c).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let answer = r.json();
    let targets: Vec<i64> = arr(&answer["targets"], "targets")
        .iter()
        .filter_map(|t| t["researcher_id"].as_i64())
        .collect();
    assert_eq!(
        targets,
        vec![a_id, b_id, c_id],
        "withdrawn and unlinked excluded"
    );
    assert_eq!(
        arr(&answer["targets"][0]["candidates"], "candidates").len(),
        1,
        "the withdrawn candidate of A is outside the default stages"
    );
    assert_eq!(answer["targets"][0]["candidates"][0]["id"], made[0]);
    assert_eq!(answer["targets"][0]["candidates"][0]["stage"], "finalist");
    assert_eq!(answer["unlinked"], 1);
    assert_eq!(answer["not_in_corpus"][0]["candidate_id"], made[4]);
    let radius = arr(&answer["radius"], "radius");
    let of = |id: i64| {
        radius
            .iter()
            .find(|r| r["target"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no radius for {id}"))
    };
    let ra = of(a_id);
    assert!(ids_in(&ra["within_one"]).contains(&b_id), "{ra}");
    assert!(!ids_in(&ra["within_one"]).contains(&c_id), "{ra}");
    assert!(ids_in(&ra["within_two"]).contains(&c_id), "{ra}");
    assert!(ids_in(&of(b_id)["within_one"]).contains(&a_id));
    for reach in arr(&ra["within_one"], "within_one")
        .iter()
        .chain(arr(&ra["within_two"], "within_two"))
    {
        let st = reach["strength"].as_f64().expect("strength");
        assert!(st > 0.0 && st <= 1.0, "{reach}");
    }
    // Every id the answer mentions is described in `people`.
    let people: Vec<i64> = arr(&answer["people"], "people")
        .iter()
        .filter_map(|p| p["id"].as_i64())
        .collect();
    let via = arr(&ra["within_two"], "within_two")
        .iter()
        .find(|x| x["researcher"] == c_id)
        .and_then(|x| x["via"].as_i64())
        .expect("a two-hop reach names the shared co-author");
    assert!(people.contains(&via) && people.contains(&a_id) && people.contains(&c_id));
    // The approach order has every target exactly once.
    let mut waved: Vec<i64> = arr(&answer["approach"], "approach")
        .iter()
        .flat_map(|w| arr(&w["targets"], "wave targets").clone())
        .filter_map(|t| t.as_i64())
        .collect();
    waved.sort_unstable();
    let mut expected = vec![a_id, b_id, c_id];
    expected.sort_unstable();
    assert_eq!(waved, expected);
    assert_eq!(
        answer["direct_tie_strength"].as_f64(),
        Some(scout_network::radius::DIRECT_TIE_STRENGTH)
    );

    // Stages narrow the shortlist; a focus outside it is measured against it.
    let r = get(
        srv.addr,
        &format!("/api/radius?stages=finalist&focus={}", enc(&b_key)),
        c,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let narrow = r.json();
    assert_eq!(narrow["stages"], serde_json::json!(["finalist"]));
    assert_eq!(arr(&narrow["targets"], "targets").len(), 1);
    assert_eq!(narrow["focus"]["researcher_id"], b_id);
    assert_eq!(narrow["focus"]["in_pipeline"], false);
    assert_eq!(ids_in(&narrow["focus"]["radius"]["within_one"]), vec![a_id]);

    // A selection of candidates narrows the shortlist the same way.
    let r = get(
        srv.addr,
        &format!("/api/radius?candidates={},{}", made[1], made[2]),
        c,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let picked: Vec<i64> = arr(&r.json()["targets"], "targets")
        .iter()
        .filter_map(|t| t["researcher_id"].as_i64())
        .collect();
    assert_eq!(picked, vec![b_id, c_id]);
    // A tag names a shortlist; once A is contacted, the order starts from A, and B (A's
    // co-author, who may already have heard) comes next.
    for id in [made[0], made[1], made[2]] {
        let body = r#"{"tag":"frontier"}"#;
        let r = request_with(
            srv.addr,
            "POST",
            &format!("/api/candidates/{id}/tags"),
            c,
            &[("X-CSRF-Token", &csrf)],
            Some(body),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let body = r#"{"to":"contacted"}"#;
    let r = request_with(
        srv.addr,
        "POST",
        &format!("/api/candidates/{}/stage", made[0]),
        c,
        &[("X-CSRF-Token", &csrf)],
        Some(body),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = get(srv.addr, "/api/radius?tag=frontier", c).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let tagged = r.json();
    assert_eq!(tagged["contacted"], serde_json::json!([a_id]));
    let waves: Vec<Vec<i64>> = arr(&tagged["approach"], "approach")
        .iter()
        .map(|w| ids_of(&w["targets"]))
        .collect();
    assert_eq!(waves[0], vec![a_id], "{tagged}");
    assert!(
        waves[1].contains(&b_id),
        "A's co-author comes next: {waves:?}"
    );
    assert!(
        tagged["approach"][1]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("tied to someone already contacted")),
        "{tagged}"
    );
    let r = get(srv.addr, "/api/radius?tag=nobody-has-this", c).await;
    assert_eq!(arr(&r.json()["targets"], "targets").len(), 0);
    let r = get(srv.addr, "/api/radius?candidates=1,x", c).await;
    assert_eq!(r.status, 400, "{}", r.text());

    for (q, needle) in [
        ("/api/radius?stages=limbo", "stages"),
        ("/api/radius?colour=red", "colour"),
    ] {
        let r = get(srv.addr, q, c).await;
        // A topic with no words to search for is well-formed but unprocessable (422).
        let want = if q.ends_with("%20") { 422 } else { 400 };
        assert_eq!(r.status, want, "{q}: {}", r.text());
        assert!(r.text().contains(needle), "{q}: {}", r.text());
    }
    let r = get(srv.addr, "/api/radius?focus=openreview%3A~Nobody_Atall9", c).await;
    assert_eq!(r.status, 404, "{}", r.text());
}

/// Assets carry an ETag; a browser revalidating an unchanged file gets 304 and no bytes.
#[tokio::test]
async fn unchanged_assets_revalidate_with_304() {
    let srv = start(None).await;
    for path in ["/", "/assets/app.js", "/assets/app.css"] {
        let r = get(srv.addr, path, None).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("cache-control"), Some("no-cache"), "{path}");
        let tag = r.header("etag").expect("etag").to_string();
        assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
        let mut s = tokio::net::TcpStream::connect(srv.addr)
            .await
            .expect("connect");
        let req = format!("GET {path} HTTP/1.0\r\nHost: localhost\r\nIf-None-Match: {tag}\r\n\r\n");
        s.write_all(req.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.expect("read");
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.starts_with("HTTP/1.0 304") || text.starts_with("HTTP/1.1 304"),
            "{path}: {text}"
        );
        assert!(text.ends_with("\r\n\r\n"), "{path}: a 304 has no body");
        assert!(
            text.to_lowercase().contains("content-security-policy"),
            "{path}"
        );
        // A stale tag gets the file.
        let mut s = tokio::net::TcpStream::connect(srv.addr)
            .await
            .expect("connect");
        let req =
            format!("GET {path} HTTP/1.0\r\nHost: localhost\r\nIf-None-Match: \"stale\"\r\n\r\n");
        s.write_all(req.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.expect("read");
        assert!(String::from_utf8_lossy(&raw).contains(" 200 "), "{path}");
    }
    let a = get(srv.addr, "/assets/app.js", None).await;
    let b = get(srv.addr, "/assets/list.js", None).await;
    assert_ne!(a.header("etag"), b.header("etag"));
}

/// `POST /api/list`: a role description in the body ranks like the same text in the query
/// string, needs the CSRF token like every write-method request, and says why it refuses.
#[tokio::test]
async fn the_list_ranks_for_a_role_description_in_the_body() {
    let srv = start(Some(demo_corpus())).await;
    let (cookie, csrf) = login_with_csrf(srv.addr).await;
    let role = "We are hiring a research scientist to lead pretraining of large language \
                models: scaling laws, instruction tuning and the evaluation of reasoning.";
    let post = |body: String, headers: Vec<(&'static str, String)>| {
        let cookie = cookie.clone();
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            request_with(
                srv.addr,
                "POST",
                "/api/list",
                Some(&cookie),
                &headers,
                Some(&body),
            )
            .await
        }
    };
    let with_csrf = || vec![("X-CSRF-Token", csrf.clone())];
    let body = serde_json::json!({"topic": role, "limit": 15, "org_type": "education"});
    let r = post(body.to_string(), with_csrf()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let by_post = r.json();
    let rows = arr(&by_post["rows"], "rows");
    assert!(!rows.is_empty(), "{by_post}");
    assert!(rows.len() <= 15);
    let by_get = get(
        srv.addr,
        &format!("/api/list?topic={}&limit=15&org_type=education", enc(role)),
        Some(&cookie),
    )
    .await
    .json();
    let keys = |list: &Value| -> Vec<String> {
        arr(&list["rows"], "rows")
            .iter()
            .map(|r| {
                r["researcher"]["key"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(keys(&by_post), keys(&by_get));

    let r = post(body.to_string(), Vec::new()).await;
    assert_eq!(r.status, 403, "no CSRF token: {}", r.text());
    let r = post(
        serde_json::json!({"topic": "the of and"}).to_string(),
        with_csrf(),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (422, Some("empty_topic"))
    );
    let long = "language models ".repeat(1_300);
    let r = post(serde_json::json!({"topic": long}).to_string(), with_csrf()).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (422, Some("text_too_long")),
        "{}",
        r.text()
    );
    let r = post(
        serde_json::json!({"topic": role, "colour": "red"}).to_string(),
        with_csrf(),
    )
    .await;
    assert_eq!(r.status, 422, "unknown field: {}", r.text());
}
