//! Read-only JSON endpoints over the corpus for signed-in users: the List, researcher
//! profiles, co-author neighbourhoods, warm paths, organisations, flows, and the leak radius
//! of the pipeline's candidates (who on the shortlist would hear of an approach). The corpus is
//! opened once and held in memory (a `RankModel` and the co-author `Graph`, as the CLI's
//! benchmarks do); loading starts in the background when the router is built and queries
//! wait for it. One connection behind a mutex serves the queries, on blocking threads. While an
//! ingest job rewrites the corpus, that connection is pinned to one snapshot (a read
//! transaction, [`CorpusApi::pin`]), so the SQL it runs keeps matching the models loaded with
//! it; the job then calls [`CorpusApi::reload`], which loads the new state beside the old one
//! and swaps it in (dropping the old connection ends its snapshot).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use rustc_hash::FxHashSet;
use scout_corpus::name_search::NameIndex;
use scout_corpus::orgs::OrgType;
use scout_corpus::researchers::{self, CareerStage, Researcher};
use scout_corpus::{Corpus, CorpusError, TextIndex};
use scout_network::flows::{FlowQuery, flows, matrix};
use scout_network::orgs::{OrgQuery, rank_orgs};
use scout_network::paths::{self, DescribedChain};
use scout_network::radius::{DIRECT_TIE_STRENGTH, Radius, Wave, approach_order, radius};
use scout_network::{Graph, NetworkError};
use scout_pipeline::model::CandidateFilter;
use scout_pipeline::{Role, Stage};
use scout_rank::{ListQuery, RankError, RankModel, rank_with};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};

mod search;

/// Most rows any list endpoint returns.
const MAX_LIMIT: usize = 500;
/// Most co-authors shown around a researcher in the graph view.
const MAX_NEIGHBOURS: usize = 60;

/// What the corpus routes read: a corpus path (if the server was given one) and, once
/// loaded, the open corpus with its in-memory models.
pub struct CorpusApi {
    path: Option<PathBuf>,
    /// The state queries use; replaced whole by [`CorpusApi::reload`].
    loaded: Mutex<Option<Arc<Loaded>>>,
    /// Held while loading, so that one load runs at a time.
    loading: tokio::sync::Mutex<()>,
    /// Set while a job writes the corpus: nothing is loaded meanwhile (the job reloads).
    busy: AtomicBool,
}

/// The open corpus. All fields sit behind one mutex because the SQLite connection is not
/// `Sync`; the models themselves are read-only.
struct Loaded {
    inner: Mutex<Inner>,
}

struct Inner {
    corpus: Corpus,
    index: TextIndex,
    model: RankModel,
    graph: Graph,
    /// Built on the first name search, not at load (the List does not need it).
    names: Option<NameIndex>,
    as_of: i32,
}

impl Inner {
    fn open(path: &std::path::Path) -> Result<Inner, ApiError> {
        if !path.exists() {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "no_corpus",
                format!(
                    "no corpus at {} (run `scout ingest`, or upload a data file on the Data page)",
                    path.display()
                ),
            ));
        }
        let mut corpus = Corpus::open_existing(path).map_err(corpus_err)?;
        // `text_index` brings derived data up to date first when the corpus is stale.
        let index = corpus.text_index().map_err(corpus_err)?;
        let as_of = corpus.latest_year().map_err(corpus_err)?.unwrap_or(2025);
        let model = RankModel::load(corpus.conn()).map_err(rank_err)?;
        let graph = Graph::load(corpus.conn()).map_err(network_err)?;
        Ok(Inner {
            corpus,
            index,
            model,
            graph,
            names: None,
            as_of,
        })
    }
}

impl CorpusApi {
    /// A corpus API over the corpus database at `path` (`None`: every corpus route answers
    /// 503 saying the server has no corpus).
    pub fn new(path: Option<PathBuf>) -> Arc<CorpusApi> {
        Arc::new(CorpusApi {
            path,
            loaded: Mutex::new(None),
            loading: tokio::sync::Mutex::new(()),
            busy: AtomicBool::new(false),
        })
    }

    /// The corpus database this API reads, if any.
    pub fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }

    fn current(&self) -> Option<Arc<Loaded>> {
        self.loaded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Marks the corpus as being written by a job (`true`) or not. While it is, a corpus that
    /// was never loaded is not loaded (the job's refresh must not race another); a loaded one
    /// keeps answering from its snapshot.
    pub fn set_busy(&self, busy: bool) {
        self.busy.store(busy, Ordering::Relaxed);
    }

    /// Opens the corpus and loads the models, once; later calls return the loaded state.
    /// A failed load is retried by the next call.
    async fn get(&self) -> ApiResult<Arc<Loaded>> {
        if let Some(loaded) = self.current() {
            return Ok(loaded);
        }
        let _one_at_a_time = self.loading.lock().await;
        if let Some(loaded) = self.current() {
            return Ok(loaded);
        }
        if self.busy.load(Ordering::Relaxed) {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "corpus_busy",
                "an ingest job is building the corpus; it answers when the job finishes",
            ));
        }
        let loaded = self.load().await?;
        Ok(loaded)
    }

    /// Pins the loaded state's connection to its current snapshot until [`CorpusApi::unpin`]
    /// or the next reload. Not held otherwise: a long read transaction keeps SQLite from
    /// checkpointing its WAL (a `scout ingest` beside the server would grow it).
    pub async fn pin(&self) {
        self.pinned(true).await;
    }

    /// Ends a [`CorpusApi::pin`] (the job stopped before anything derived changed).
    pub async fn unpin(&self) {
        self.pinned(false).await;
    }

    async fn pinned(&self, pin: bool) {
        let Some(loaded) = self.current() else {
            return;
        };
        let done = tokio::task::spawn_blocking(move || {
            let inner = loaded.inner.lock().unwrap_or_else(|p| p.into_inner());
            let conn = inner.corpus.conn();
            if pin && conn.is_autocommit() {
                // The first read inside the transaction fixes the snapshot.
                conn.execute_batch("BEGIN DEFERRED")?;
                conn.query_row("SELECT COUNT(*) FROM meta", [], |r| r.get::<_, i64>(0))?;
            } else if !pin && !conn.is_autocommit() {
                conn.execute_batch("COMMIT")?;
            }
            Ok::<(), scout_corpus::rusqlite::Error>(())
        })
        .await;
        let failed = match done {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(e) => Some(e.to_string()),
        };
        if let Some(error) = failed {
            tracing::warn!(%error, pin, "could not change the corpus snapshot");
        }
    }

    /// Loads the corpus afresh (after an ingest job) and swaps it in; queries keep using the
    /// previous state until the new one is ready.
    pub async fn reload(&self) -> ApiResult<()> {
        let _one_at_a_time = self.loading.lock().await;
        self.load().await.map(|_| ())
    }

    /// Loads (the caller holds `loading`) and stores the new state.
    async fn load(&self) -> ApiResult<Arc<Loaded>> {
        let Some(path) = self.path.clone() else {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "no_corpus",
                "this server was started without a corpus (scout serve --db PATH)",
            ));
        };
        let started = std::time::Instant::now();
        let inner = tokio::task::spawn_blocking(move || Inner::open(&path))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))??;
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "corpus loaded for the web API"
        );
        let loaded = Arc::new(Loaded {
            inner: Mutex::new(inner),
        });
        *self.loaded.lock().unwrap_or_else(|p| p.into_inner()) = Some(loaded.clone());
        Ok(loaded)
    }

    /// Runs `f` on a blocking thread with the loaded corpus.
    async fn with<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Inner) -> ApiResult<T> + Send + 'static,
    {
        let loaded = self.get().await?;
        tokio::task::spawn_blocking(move || {
            let mut inner = loaded.inner.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut inner)
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
    }
}

fn corpus_err(e: CorpusError) -> ApiError {
    match &e {
        CorpusError::UnknownResearcher(_) | CorpusError::NoResearcher { .. } => {
            ApiError::not_found(e.to_string())
        }
        CorpusError::Query(_) => ApiError::bad_request(e.to_string()),
        _ => {
            tracing::error!(error = %e, "corpus error");
            ApiError::internal(e.to_string())
        }
    }
}

/// A topic with nothing to search for (empty or only stop words): 422.
fn empty_topic(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "empty_topic", message)
}

fn rank_err(e: RankError) -> ApiError {
    match e {
        RankError::Corpus(c) => corpus_err(c),
        RankError::Invalid(m) => ApiError::bad_request(m),
        e @ RankError::EmptyTopic(_) => empty_topic(e.to_string()),
        other => {
            tracing::error!(error = %other, "ranking error");
            ApiError::internal(other.to_string())
        }
    }
}

fn network_err(e: NetworkError) -> ApiError {
    match e {
        NetworkError::Corpus(c) => corpus_err(c),
        NetworkError::Rank(r) => rank_err(r),
        NetworkError::Invalid(m) => ApiError::bad_request(m),
        e @ NetworkError::UnknownOrg { .. } => {
            ApiError::new(StatusCode::NOT_FOUND, "unknown_org", e.to_string())
        }
        other => {
            tracing::error!(error = %other, "network error");
            ApiError::internal(other.to_string())
        }
    }
}

/// The routes, for signed-in users (any role). `api` is shared by all of them.
pub fn corpus_routes(api: Arc<CorpusApi>) -> Router<AppState> {
    // Start loading now, so the first query does not pay for it.
    if tokio::runtime::Handle::try_current().is_ok() && api.path.is_some() {
        let warm = api.clone();
        tokio::spawn(async move {
            if let Err(e) = warm.get().await {
                tracing::warn!(error = %e.message, "corpus not loaded");
            }
        });
    }
    Router::new()
        .route("/api/list", get(list).post(list_for_text))
        .route("/api/researchers/{key}", get(researcher))
        .route("/api/researchers/{key}/neighbourhood", get(neighbourhood))
        .route("/api/paths", get(warm_paths))
        .route("/api/orgs", get(orgs))
        .route("/api/flows", get(flow_list))
        .route("/api/radius", get(leak_radius))
        .route("/api/search", get(search::search))
        .layer(Extension(api))
}

/// `(method, path, summary)` of the corpus routes, for documentation.
pub const CORPUS_ROUTES: &[(&str, &str, &str)] = &[
    (
        "GET",
        "/api/search",
        "Find by name (query: q, limit): researchers (typos, word order and a word being typed allowed; each with current organisation, years and most cited paper to tell namesakes apart), the workspace's candidates, and organisations",
    ),
    (
        "GET",
        "/api/list",
        "The List for a topic (query: topic, limit, org, org_type, country, stage — the committee's override for candidates —, trained_at and worked_at as ORG[,ORG…], since, explain_papers, include_rejected); each researcher carries current_org_confidence, current_org_evidence, current_org_stale, career_stage, stage_at_least, stage_basis, trained_at and trained_evidence",
    ),
    (
        "POST",
        "/api/list",
        "The List for a long text — a role description or an abstract — sent as `topic` in a JSON body (at most 20,000 characters), with the same optional fields as GET /api/list",
    ),
    (
        "GET",
        "/api/researchers/{key}",
        "A researcher's profile (query: topic adds the score explanation)",
    ),
    (
        "GET",
        "/api/researchers/{key}/neighbourhood",
        "Co-author graph around a researcher: nodes and edges (query: limit)",
    ),
    (
        "GET",
        "/api/paths",
        "Warm paths from our organisation to a researcher (query: to, from_org, max_hops, k)",
    ),
    (
        "GET",
        "/api/orgs",
        "Organisations ranked by talent on a topic (query: topic, org_type, max_size, min_people, since, limit)",
    ),
    (
        "GET",
        "/api/flows",
        "Moves between organisations with evidence, and the flow matrix (query: from, to, since, limit, matrix)",
    ),
    (
        "GET",
        "/api/radius",
        "Leak radius of the pipeline's candidates linked to researchers: who is within one and two co-author hops of whom, and an approach order (query: stages, focus)",
    ),
];

/// The shared corpus API, as an extension: the routes keep the server's `AppState`, which
/// `Auth` reads.
type Api = Extension<Arc<CorpusApi>>;

fn clamp_limit(limit: Option<usize>, default: usize) -> usize {
    limit.unwrap_or(default).clamp(1, MAX_LIMIT)
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    topic: String,
    limit: Option<usize>,
    org: Option<String>,
    org_type: Option<String>,
    country: Option<String>,
    stage: Option<String>,
    /// ORG[,ORG…]: inferred training organisation.
    trained_at: Option<String>,
    /// ORG[,ORG…]: any organisation in the timeline.
    worked_at: Option<String>,
    since: Option<i32>,
    explain_papers: Option<usize>,
    /// Count rejected and withdrawn submissions too (left out by default).
    include_rejected: Option<bool>,
}

fn list_query(p: ListParams) -> ApiResult<ListQuery> {
    let topic = p.topic.trim();
    if topic.is_empty() {
        return Err(empty_topic(
            RankError::EmptyTopic(String::new()).to_string(),
        ));
    }
    let mut q = ListQuery::new(topic);
    q.limit = clamp_limit(p.limit, 50);
    q.org = nonempty(p.org);
    q.org_type = match nonempty(p.org_type) {
        Some(t) => Some(OrgType::parse(&t).ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown org_type {t:?}; use company, education, facility, government, nonprofit, healthcare or other"
            ))
        })?),
        None => None,
    };
    q.country = match nonempty(p.country) {
        Some(c) => Some(scout_corpus::country_code(&c).ok_or_else(|| {
            ApiError::bad_request(format!("unknown country {c:?}; use an ISO code such as US"))
        })?),
        None => None,
    };
    q.stage = match nonempty(p.stage) {
        Some(s) => Some(CareerStage::parse(&s).ok_or_else(|| {
            ApiError::bad_request(format!("unknown stage {s:?}; use early, mid or senior"))
        })?),
        None => None,
    };
    q.trained_at = scout_rank::org_filter::OrgMatcher::new(&[p.trained_at.unwrap_or_default()]);
    q.worked_at = scout_rank::org_filter::OrgMatcher::new(&[p.worked_at.unwrap_or_default()]);
    q.since = p.since;
    q.explain_papers = p.explain_papers.unwrap_or(3).clamp(1, 20);
    q.include_rejected = p.include_rejected.unwrap_or(false);
    Ok(q)
}

/// The committee's career-stage overrides of candidates, by researcher key (an audited read).
async fn stage_overrides(
    state: &AppState,
    actor: &scout_pipeline::Actor,
) -> ApiResult<rustc_hash::FxHashMap<String, CareerStage>> {
    let overrides = state.store.career_stage_overrides(actor).await?;
    Ok(overrides
        .into_iter()
        .filter_map(|(key, stage)| CareerStage::parse(&stage).map(|s| (key, s)))
        .collect())
}

async fn list(
    State(state): State<AppState>,
    Extension(api): Api,
    auth: Auth,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<axum::response::Response> {
    answer_list(state, api, auth, p).await
}

/// The longest text `POST /api/list` ranks for (a page of a role description; the query
/// grows with its distinct words).
pub const MAX_LIST_TEXT_CHARS: usize = 20_000;

/// `POST /api/list`: the List for a long text in the body (a role description does not fit
/// in a URL, and should not sit in proxy logs).
async fn list_for_text(
    State(state): State<AppState>,
    Extension(api): Api,
    auth: Auth,
    ApiJson(p): ApiJson<ListParams>,
) -> ApiResult<axum::response::Response> {
    let chars = p.topic.chars().count();
    if chars > MAX_LIST_TEXT_CHARS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "text_too_long",
            format!(
                "the text has {chars} characters; the List ranks for at most {MAX_LIST_TEXT_CHARS}"
            ),
        ));
    }
    answer_list(state, api, auth, p).await
}

/// The List for either form of the request.
async fn answer_list(
    state: AppState,
    api: Arc<CorpusApi>,
    auth: Auth,
    p: ListParams,
) -> ApiResult<axum::response::Response> {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    auth.require(Role::Viewer)?;
    let mut q = list_query(p)?;
    if q.stage.is_some() {
        q.stage_overrides = stage_overrides(&state, &auth.actor).await?;
    }
    let started = std::time::Instant::now();
    // Ranked and encoded on the blocking thread; the times go out as Server-Timing (the
    // browser's Performance API shows them beside the request's own timing).
    let (body, queued, ranked, encoded) = api
        .with(move |c| {
            let queued = started.elapsed();
            let t = std::time::Instant::now();
            let result = rank_with(c.corpus.conn(), &c.index, &mut c.model.facts(), c.as_of, &q)
                .map_err(rank_err)?;
            let ranked = t.elapsed();
            let t = std::time::Instant::now();
            let body =
                serde_json::to_vec(&result).map_err(|e| ApiError::internal(e.to_string()))?;
            Ok((body, queued, ranked, t.elapsed()))
        })
        .await?;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let timing = format!(
        "queue;dur={:.1}, rank;dur={:.1}, json;dur={:.1}, total;dur={:.1}",
        ms(queued),
        ms(ranked),
        ms(encoded),
        ms(started.elapsed())
    );
    let mut resp = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&timing) {
        resp.headers_mut().insert("server-timing", v);
    }
    Ok(resp)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileParams {
    topic: Option<String>,
}

fn find_one(c: &Inner, key: &str) -> ApiResult<(Researcher, Vec<Researcher>)> {
    let mut found = researchers::find(c.corpus.conn(), key).map_err(corpus_err)?;
    if found.is_empty() {
        let miss = researchers::no_researcher(c.corpus.conn(), key).map_err(corpus_err)?;
        return Err(corpus_err(miss));
    }
    let first = found.remove(0);
    found.truncate(10);
    Ok((first, found))
}

async fn researcher(
    Extension(api): Api,
    auth: Auth,
    ApiPath(key): ApiPath<String>,
    ApiQuery(p): ApiQuery<ProfileParams>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let topic = nonempty(p.topic);
    api.with(move |c| {
        let (first, others) = find_one(c, &key)?;
        let profile =
            researchers::profile(c.corpus.conn(), first, c.as_of, 15).map_err(corpus_err)?;
        let breakdown = match &topic {
            Some(t) => {
                let mut q = ListQuery::new(t.clone());
                q.limit = usize::MAX;
                q.explain_papers = 10;
                let result =
                    rank_with(c.corpus.conn(), &c.index, &mut c.model.facts(), c.as_of, &q)
                        .map_err(rank_err)?;
                result
                    .rows
                    .into_iter()
                    .find(|r| r.researcher.id == profile.researcher.id)
            }
            None => None,
        };
        let id = u32::try_from(profile.researcher.id).unwrap_or(u32::MAX);
        let degree = if (id as usize) < c.graph.len() {
            c.graph.degree(id)
        } else {
            0
        };
        Ok(Json(json!({
            "profile": profile,
            "coauthor_degree": degree,
            "topic": topic,
            "topic_breakdown": breakdown,
            "other_matches": others,
        })))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NeighbourhoodParams {
    limit: Option<usize>,
}

#[derive(Serialize)]
struct Node {
    id: i64,
    key: String,
    name: String,
    current_org: Option<String>,
    n_works: i64,
    /// 0 for the researcher asked about, 1 for co-authors.
    hop: u8,
}

#[derive(Serialize)]
struct Edge {
    source: i64,
    target: i64,
    papers: u32,
    strength: f64,
    last_year: i32,
}

async fn neighbourhood(
    Extension(api): Api,
    auth: Auth,
    ApiPath(key): ApiPath<String>,
    ApiQuery(p): ApiQuery<NeighbourhoodParams>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let limit = p.limit.unwrap_or(25).clamp(1, MAX_NEIGHBOURS);
    api.with(move |c| {
        let (center, _) = find_one(c, &key)?;
        let cid = u32::try_from(center.id)
            .map_err(|_| ApiError::internal("researcher id out of range"))?;
        let mut ties: Vec<(u32, f64)> = if (cid as usize) < c.graph.len() {
            c.graph
                .neighbours(cid)
                .map(|(n, t)| (n, t.strength()))
                .collect()
        } else {
            Vec::new()
        };
        let total = ties.len();
        ties.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ties.truncate(limit);
        let mut nodes = vec![node(&center, 0)];
        for (n, _) in &ties {
            if let Some(r) =
                researchers::by_id(c.corpus.conn(), i64::from(*n)).map_err(corpus_err)?
            {
                nodes.push(node(&r, 1));
            }
        }
        let shown: FxHashSet<u32> = nodes
            .iter()
            .filter_map(|n| u32::try_from(n.id).ok())
            .collect();
        let mut edges = Vec::new();
        let ids: Vec<u32> = shown.iter().copied().collect();
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                if let Some(t) = c.graph.tie(a, b) {
                    let (s, d) = if a < b { (a, b) } else { (b, a) };
                    edges.push(Edge {
                        source: i64::from(s),
                        target: i64::from(d),
                        papers: t.papers,
                        strength: t.strength(),
                        last_year: t.last_year,
                    });
                }
            }
        }
        edges.sort_by_key(|e| (e.source, e.target));
        Ok(Json(json!({
            "center": center.id,
            "coauthors_total": total,
            "nodes": nodes,
            "edges": edges,
        })))
    })
    .await
}

fn node(r: &Researcher, hop: u8) -> Node {
    Node {
        id: r.id,
        key: r.key.clone(),
        name: r.name.clone(),
        current_org: r.current_org.clone(),
        n_works: r.n_works,
        hop,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathParams {
    to: String,
    from_org: String,
    max_hops: Option<usize>,
    k: Option<usize>,
}

#[derive(Serialize)]
struct PathAnswer {
    target: Researcher,
    from_org: String,
    our_people: usize,
    chains: Vec<DescribedChain>,
}

async fn warm_paths(
    Extension(api): Api,
    auth: Auth,
    ApiQuery(p): ApiQuery<PathParams>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let from_org = p.from_org.trim().to_string();
    if from_org.is_empty() {
        return Err(ApiError::bad_request("from_org must not be empty"));
    }
    let max_hops = p.max_hops.unwrap_or(3);
    let k = p.k.unwrap_or(3).clamp(1, 10);
    api.with(move |c| {
        let (target, _) = find_one(c, &p.to)?;
        let conn = c.corpus.conn();
        let sources: FxHashSet<u32> = paths::people_of_org(conn, &from_org)
            .map_err(network_err)?
            .into_iter()
            .collect();
        let tid = u32::try_from(target.id)
            .map_err(|_| ApiError::internal("researcher id out of range"))?;
        let chains = if sources.is_empty() {
            Vec::new()
        } else {
            paths::best_chains(&c.graph, &sources, tid, max_hops, k)
                .map_err(network_err)?
                .iter()
                .map(|ch| paths::describe(conn, &c.graph, ch, 3))
                .collect::<Result<Vec<_>, _>>()
                .map_err(network_err)?
        };
        let answer = PathAnswer {
            our_people: sources.len(),
            target,
            from_org,
            chains,
        };
        Ok(Json(
            serde_json::to_value(&answer).map_err(|e| ApiError::internal(e.to_string()))?,
        ))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgParams {
    topic: String,
    org_type: Option<String>,
    max_size: Option<i64>,
    min_people: Option<usize>,
    since: Option<i32>,
    limit: Option<usize>,
}

async fn orgs(
    Extension(api): Api,
    auth: Auth,
    ApiQuery(p): ApiQuery<OrgParams>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let topic = p.topic.trim().to_string();
    if topic.is_empty() {
        return Err(ApiError::bad_request("topic must not be empty"));
    }
    let mut q = OrgQuery::new(topic.clone());
    q.org_type = match nonempty(p.org_type) {
        Some(t) => Some(
            OrgType::parse(&t)
                .ok_or_else(|| ApiError::bad_request(format!("unknown org_type {t:?}")))?,
        ),
        None => None,
    };
    q.max_size = p.max_size;
    q.min_people = p.min_people.unwrap_or(1);
    q.since = p.since;
    q.limit = clamp_limit(p.limit, 25);
    api.with(move |c| {
        let rows = rank_orgs(c.corpus.conn(), &c.index, &mut c.model.facts(), c.as_of, &q)
            .map_err(network_err)?;
        Ok(Json(json!({"topic": topic, "orgs": rows})))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowParams {
    from: Option<String>,
    to: Option<String>,
    since: Option<i32>,
    limit: Option<usize>,
    matrix: Option<usize>,
}

async fn flow_list(
    Extension(api): Api,
    auth: Auth,
    ApiQuery(p): ApiQuery<FlowParams>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let q = FlowQuery {
        from: nonempty(p.from),
        to: nonempty(p.to),
        since: p.since,
        limit: clamp_limit(p.limit, 50),
    };
    let top = p.matrix.unwrap_or(10).min(30);
    api.with(move |c| {
        let conn = c.corpus.conn();
        let rows = flows(conn, &q).map_err(network_err)?;
        let m = (top > 0)
            .then(|| matrix(conn, q.since, top))
            .transpose()
            .map_err(network_err)?;
        Ok(Json(json!({"moves": rows, "matrix": m})))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RadiusParams {
    /// Comma-separated pipeline stages whose candidates form the shortlist (default: the open
    /// stages, `sourced` to `offer`).
    stages: Option<String>,
    /// A researcher (key or id), in the pipeline or not, whose reach into the shortlist is
    /// reported as `focus`.
    focus: Option<String>,
}

/// Most candidates read for one radius (the pipeline's list endpoint pages by 1,000).
const MAX_RADIUS_CANDIDATES: i64 = 10_000;

#[derive(Serialize)]
struct Person {
    id: i64,
    key: String,
    name: String,
    current_org: Option<String>,
}

#[derive(Serialize)]
struct CandidateRef {
    id: i64,
    name: String,
    stage: Stage,
}

#[derive(Serialize)]
struct RadiusTarget {
    researcher_id: i64,
    candidates: Vec<CandidateRef>,
}

#[derive(Serialize)]
struct Unmatched {
    candidate_id: i64,
    name: String,
    researcher_key: String,
}

#[derive(Serialize)]
struct Focus {
    researcher_id: i64,
    in_pipeline: bool,
    radius: Radius,
}

#[derive(Serialize)]
struct RadiusAnswer {
    stages: Vec<Stage>,
    targets: Vec<RadiusTarget>,
    /// Candidates in those stages without a researcher link.
    unlinked: usize,
    /// Candidates whose researcher key is not in this corpus.
    not_in_corpus: Vec<Unmatched>,
    radius: Vec<Radius>,
    approach: Vec<Wave>,
    /// Ties weaker than this are not direct links in the approach order (one old paper among
    /// many authors): such co-authors may land in different waves.
    direct_tie_strength: f64,
    focus: Option<Focus>,
    /// Everyone an id above refers to (targets, shared co-authors, the focus).
    people: Vec<Person>,
}

fn parse_stages(raw: Option<String>) -> ApiResult<Vec<Stage>> {
    let Some(raw) = nonempty(raw) else {
        return Ok(Stage::ALL.into_iter().filter(|s| !s.is_outcome()).collect());
    };
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let stage: Stage = part.parse().map_err(|e: String| {
            ApiError::bad_request(format!(
                "{e} in stages; use sourced, shortlisted, finalist, contacted, responded, meeting, offer, accepted, declined or withdrawn"
            ))
        })?;
        if !out.contains(&stage) {
            out.push(stage);
        }
    }
    Ok(out)
}

/// The corpus researcher a candidate's stored key names: an exact key or strong-id match only
/// (never a name match, which could be someone else).
fn linked_researcher(c: &Inner, key: &str) -> ApiResult<Option<Researcher>> {
    let found = researchers::find(c.corpus.conn(), key).map_err(corpus_err)?;
    Ok(found.into_iter().find(|r| {
        r.key == key
            || [&r.openreview_id, &r.orcid, &r.openalex_id, &r.dblp_id]
                .iter()
                .any(|id| id.as_deref() == Some(key))
    }))
}

async fn leak_radius(
    State(state): State<AppState>,
    Extension(api): Api,
    auth: Auth,
    ApiQuery(p): ApiQuery<RadiusParams>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let stages = parse_stages(p.stages)?;
    let focus = nonempty(p.focus);
    // The shortlist: every non-erased candidate in those stages (read like the board does, so
    // the read is audited).
    let mut candidates = Vec::new();
    let mut offset = 0;
    loop {
        let page = state
            .store
            .list_candidates(
                &auth.actor,
                &CandidateFilter {
                    limit: Some(1000),
                    offset: Some(offset),
                    ..CandidateFilter::default()
                },
            )
            .await?;
        let n = page.len() as i64;
        candidates.extend(page.into_iter().filter(|c| stages.contains(&c.stage)));
        offset += n;
        if n < 1000 || offset >= MAX_RADIUS_CANDIDATES {
            break;
        }
    }
    api.with(move |c| {
        let mut people: Vec<Person> = Vec::new();
        let person = |r: &Researcher, people: &mut Vec<Person>| {
            if !people.iter().any(|p| p.id == r.id) {
                people.push(Person {
                    id: r.id,
                    key: r.key.clone(),
                    name: r.name.clone(),
                    current_org: r.current_org.clone(),
                });
            }
        };
        let mut targets: Vec<RadiusTarget> = Vec::new();
        let mut not_in_corpus = Vec::new();
        let mut unlinked = 0;
        for cand in &candidates {
            let Some(key) = cand.researcher_key.as_deref() else {
                unlinked += 1;
                continue;
            };
            let Some(r) = linked_researcher(c, key)? else {
                not_in_corpus.push(Unmatched {
                    candidate_id: cand.id,
                    name: cand.name.clone(),
                    researcher_key: key.to_string(),
                });
                continue;
            };
            let entry = CandidateRef {
                id: cand.id,
                name: cand.name.clone(),
                stage: cand.stage,
            };
            match targets.iter_mut().find(|t| t.researcher_id == r.id) {
                Some(t) => t.candidates.push(entry),
                None => {
                    targets.push(RadiusTarget {
                        researcher_id: r.id,
                        candidates: vec![entry],
                    });
                    person(&r, &mut people);
                }
            }
        }
        let ids: Vec<u32> = targets
            .iter()
            .filter_map(|t| u32::try_from(t.researcher_id).ok())
            .collect();
        let radii = radius(&c.graph, &ids);
        let approach = approach_order(&c.graph, &ids);
        let focus = match &focus {
            Some(key) => {
                let (r, _) = find_one(c, key)?;
                let fid = u32::try_from(r.id)
                    .map_err(|_| ApiError::internal("researcher id out of range"))?;
                let in_pipeline = ids.contains(&fid);
                // The focus's reach among the others: measured with the focus added to the
                // shortlist, so that a researcher not (yet) in the pipeline can be checked.
                let mut with_focus = ids.clone();
                if !in_pipeline {
                    with_focus.push(fid);
                }
                let own = radius(&c.graph, &with_focus)
                    .into_iter()
                    .find(|x| x.target == fid)
                    .ok_or_else(|| ApiError::internal("focus missing from its radius"))?;
                person(&r, &mut people);
                Some(Focus {
                    researcher_id: r.id,
                    in_pipeline,
                    radius: own,
                })
            }
            None => None,
        };
        let vias: Vec<u32> = radii
            .iter()
            .chain(focus.as_ref().map(|f| &f.radius))
            .flat_map(|r| r.within_two.iter().filter_map(|x| x.via))
            .collect();
        for v in vias {
            if let Some(r) =
                researchers::by_id(c.corpus.conn(), i64::from(v)).map_err(corpus_err)?
            {
                person(&r, &mut people);
            }
        }
        let answer = RadiusAnswer {
            stages,
            targets,
            unlinked,
            not_in_corpus,
            radius: radii,
            approach,
            direct_tie_strength: DIRECT_TIE_STRENGTH,
            focus,
            people,
        };
        Ok(Json(
            serde_json::to_value(&answer).map_err(|e| ApiError::internal(e.to_string()))?,
        ))
    })
    .await
}
