//! The open corpus behind the corpus routes: loading in the background, pinning a snapshot while a job writes, reloading after; and the error mapping the handlers share.
//! Every load also has the workspace follow the corpus's researcher key changes (candidates of
//! merged researchers move to the surviving key, split ones are flagged: `Store::follow_key_changes`),
//! then runs the move radar over the watched researchers (`run_radar`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::http::StatusCode;
use scout_corpus::name_search::NameIndex;
use scout_corpus::researchers::{self, Researcher};
use scout_corpus::{Corpus, CorpusError, TextIndex};
use scout_network::{Graph, NetworkError};
use scout_pipeline::Store;
use scout_rank::{RankError, RankModel};

use crate::error::{ApiError, ApiResult};

/// Most rows any list endpoint returns.
pub(crate) const MAX_LIMIT: usize = 500;
/// Most co-authors shown around a researcher in the graph view.
pub(crate) const MAX_NEIGHBOURS: usize = 60;

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
    /// The workspace whose candidates follow the corpus's key changes at each load.
    workspace: Option<Arc<Store>>,
    /// Woken when the radar records alerts at a load (the webhook delivery worker).
    alerts_waker: std::sync::OnceLock<crate::webhooks::Webhooks>,
}

/// The open corpus. All fields sit behind one mutex because the SQLite connection is not
/// `Sync`; the models themselves are read-only.
pub(crate) struct Loaded {
    inner: Mutex<Inner>,
}

impl Loaded {
    /// The loaded state (a panic while it was held leaves it usable: it is only read).
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub(crate) struct Inner {
    pub(crate) corpus: Corpus,
    pub(crate) index: TextIndex,
    pub(crate) model: RankModel,
    pub(crate) graph: Graph,
    /// Built on the first name search, not at load (the List does not need it).
    pub(crate) names: Option<NameIndex>,
    pub(crate) as_of: i32,
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
    /// Starts loading in the background (when there is a runtime and a corpus path), so the
    /// first query does not pay for it.
    pub fn warm_up(self: &Arc<CorpusApi>) {
        if tokio::runtime::Handle::try_current().is_ok() && self.path.is_some() {
            let warm = self.clone();
            tokio::spawn(async move {
                if let Err(e) = warm.get().await {
                    tracing::warn!(error = %e.message, "corpus not loaded");
                }
            });
        }
    }

    /// A corpus API over the corpus database at `path` (`None`: every corpus route answers
    /// 503 saying the server has no corpus); `workspace` follows its key changes.
    pub fn new(path: Option<PathBuf>, workspace: Option<Arc<Store>>) -> Arc<CorpusApi> {
        Arc::new(CorpusApi {
            path,
            loaded: Mutex::new(None),
            loading: tokio::sync::Mutex::new(()),
            busy: AtomicBool::new(false),
            workspace,
            alerts_waker: std::sync::OnceLock::new(),
        })
    }

    /// Has `webhooks` woken whenever the radar records alerts at a load (set once, before
    /// [`CorpusApi::warm_up`]).
    pub fn wake_on_alerts(&self, webhooks: crate::webhooks::Webhooks) {
        let _ = self.alerts_waker.set(webhooks);
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
        let keys = match &self.workspace {
            Some(store) => match store.linked_researcher_keys().await {
                Ok(keys) => Some(keys),
                Err(error) => {
                    tracing::warn!(%error, "cannot read the candidates' researcher keys");
                    None
                }
            },
            None => None,
        };
        let (inner, changes) = tokio::task::spawn_blocking(move || {
            let inner = Inner::open(&path)?;
            let changes =
                keys.map(|k| scout_corpus::key_log::changes_touching(inner.corpus.conn(), &k));
            Ok::<_, ApiError>((inner, changes))
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
        if let (Some(store), Some(changes)) = (&self.workspace, changes) {
            let followed = match changes {
                Ok(changes) => store
                    .follow_key_changes(&changes)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match followed {
                Ok(report) if !report.is_empty() => tracing::info!(
                    moved = report.moved.len(),
                    flagged = report.flagged.len(),
                    duplicates = report.duplicates.len(),
                    "candidates followed the corpus's key changes"
                ),
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "candidates did not follow the corpus's key changes")
                }
            }
        }
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "corpus loaded for the web API"
        );
        let loaded = Arc::new(Loaded {
            inner: Mutex::new(inner),
        });
        // The radar sees the corpus after the candidates and watches followed its key changes.
        if let Some(store) = &self.workspace
            && let Some(report) = run_radar(store, &loaded).await
            && !report.alerts.is_empty()
            && let Some(webhooks) = self.alerts_waker.get()
        {
            webhooks.wake();
        }
        *self.loaded.lock().unwrap_or_else(|p| p.into_inner()) = Some(loaded.clone());
        Ok(loaded)
    }

    /// Runs `f` on a blocking thread with the loaded corpus.
    pub(crate) async fn with<T, F>(&self, f: F) -> ApiResult<T>
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

pub(crate) fn corpus_err(e: CorpusError) -> ApiError {
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
pub(crate) fn empty_topic(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "empty_topic", message)
}

pub(crate) fn rank_err(e: RankError) -> ApiError {
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

pub(crate) fn network_err(e: NetworkError) -> ApiError {
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

pub(crate) type Api = Extension<Arc<CorpusApi>>;

pub(crate) fn clamp_limit(limit: Option<usize>, default: usize) -> usize {
    limit.unwrap_or(default).clamp(1, MAX_LIMIT)
}

pub(crate) fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The researcher a key or name means (the best match), and up to ten others it could mean.
pub(crate) fn find_one(c: &Inner, key: &str) -> ApiResult<(Researcher, Vec<Researcher>)> {
    let mut found = researchers::find(c.corpus.conn(), key).map_err(corpus_err)?;
    if found.is_empty() {
        let miss = researchers::no_researcher(c.corpus.conn(), key).map_err(corpus_err)?;
        return Err(corpus_err(miss));
    }
    let first = found.remove(0);
    found.truncate(10);
    Ok((first, found))
}

/// After a corpus load: observes the watched researchers in `loaded` that the refreshes since
/// the radar's last run may have changed (every one when the radar cannot tell) and records
/// what is new. Failures are logged (the load itself stands; the next load observes again).
async fn run_radar(
    store: &Store,
    loaded: &Arc<Loaded>,
) -> Option<scout_pipeline::store::RadarReport> {
    let ran = async {
        let keys = store.watched_keys().await.map_err(|e| e.to_string())?;
        if keys.is_empty() {
            return Ok::<_, String>(scout_pipeline::store::RadarReport::default());
        }
        let rivals = store
            .settings()
            .await
            .map_err(|e| e.to_string())?
            .settings
            .rival_list();
        let last = store.radar_place().await.map_err(|e| e.to_string())?;
        let from = last
            .as_ref()
            .and_then(|p| p.follow_from(&rivals))
            .map(str::to_string);
        let loaded = loaded.clone();
        let observe_with = rivals.clone();
        let (observed, latest) = tokio::task::spawn_blocking(move || {
            let inner = loaded.lock();
            scout_corpus::watch_facts::observe_since(
                inner.corpus.conn(),
                from.as_deref(),
                keys,
                &observe_with,
            )
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        let place = latest.map(|refresh_token| scout_pipeline::store::RadarPlace {
            refresh_token,
            rivals,
        });
        store
            .record_radar_run(&observed, place.as_ref())
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    match ran {
        Ok(report) => {
            if !report.alerts.is_empty() {
                tracing::info!(
                    researchers = report.researchers,
                    alerts = report.alerts.len(),
                    "the move radar recorded alerts"
                );
            }
            Some(report)
        }
        Err(error) => {
            tracing::warn!(%error, "the move radar did not run");
            None
        }
    }
}
