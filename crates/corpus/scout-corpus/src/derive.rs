//! Derived data: after the source tables change, identity, per-researcher statistics, each
//! work's impact measure with the citation cohorts (`impact/`) and the full-text index are
//! brought up to date. Each step is idempotent;
//! the `derived_generation` mark is written last, so an interrupted refresh simply runs again.
//!
//! Identity and the network are written here, in one transaction: identity's tables, then the
//! network (which needs each mention's researcher and each researcher's current organisation),
//! then the researchers (which need the network's communities) and their career stages.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::Instant;

use rusqlite::Connection;
use serde::Serialize;

use crate::db::{meta_get, meta_get_i64, meta_set};
use crate::error::Result;
use crate::identity::{self, IdentityReport, IdentityTables, OrgTable, Researchers};
use crate::incremental::Plan;
use crate::index::{self, IndexReport};
use crate::network::{self, NetworkReport};

#[derive(Debug, Clone, Default, Serialize)]
pub struct RefreshReport {
    /// Whether identity and the network were refreshed in full (and why) or from the new works.
    pub plan: Option<Plan>,
    /// What the incremental refresh did, when it ran.
    pub incremental: Option<crate::incremental::IncrementalReport>,
    pub identity: Option<IdentityReport>,
    /// Organisations, moves, co-author edges and communities, written with identity.
    pub network: Option<NetworkReport>,
    /// Identity and the network.
    pub identity_seconds: f64,
    pub statistics_seconds: f64,
    /// Each work's impact measure: counts chosen and normalised, estimates where none exists.
    pub impact: Option<crate::impact::ImpactReport>,
    pub index: Option<IndexReport>,
    /// The semantic model: new and changed works folded in, refit on a schedule.
    pub semantic: Option<crate::semantic::SemanticReport>,
}

/// The step identity resolution is in, as reported by [`RefreshProgress::identity_step`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum IdentityStep {
    /// Not started yet.
    Pending = 0,
    /// Reading author mentions from the store.
    Loading = 1,
    /// Clustering mentions into researchers.
    Resolving = 2,
    /// Writing researchers, organisations, moves, the co-author graph and communities.
    Writing = 3,
    /// Citation cohorts and the latest year.
    Statistics = 4,
    Done = 5,
    /// Identity was current; nothing to do.
    Skipped = 6,
}

impl IdentityStep {
    fn from_u8(v: u8) -> IdentityStep {
        match v {
            1 => IdentityStep::Loading,
            2 => IdentityStep::Resolving,
            3 => IdentityStep::Writing,
            4 => IdentityStep::Statistics,
            5 => IdentityStep::Done,
            6 => IdentityStep::Skipped,
            _ => IdentityStep::Pending,
        }
    }
}

/// Live counters of a refresh, readable from another thread (a server shows them as a job's
/// progress). Identity has steps but no known total; the index has a document count.
#[derive(Debug, Default)]
pub struct RefreshProgress {
    identity_step: AtomicU8,
    /// Documents the index update will write (known once it starts).
    pub index_total: AtomicU64,
    pub index_written: AtomicU64,
    /// Set when the index update finished or was not needed.
    pub index_finished: AtomicBool,
}

impl RefreshProgress {
    pub fn identity_step(&self) -> IdentityStep {
        IdentityStep::from_u8(self.identity_step.load(Ordering::Relaxed))
    }

    fn set_identity_step(&self, step: IdentityStep) {
        self.identity_step.store(step as u8, Ordering::Relaxed);
    }
}

/// True when source data changed since derived data was last built, or derived data exists
/// but was built with other organisation rules (an upgrade changed them).
pub fn is_stale(conn: &Connection) -> Result<bool> {
    let derived = meta_get(conn, "derived_generation")?;
    let derived_generation = derived.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
    Ok(corpus_generation(conn)? != derived_generation
        || (derived.is_some() && !crate::incremental::org_rules_current(conn)?))
}

/// The generation of the source data: every ingest that stores something moves it.
pub fn corpus_generation(conn: &Connection) -> Result<i64> {
    meta_get_i64(conn, "corpus_generation")
}

/// Rebuilds what is stale (or everything with `force`). Identity and the full-text index
/// depend on different data and are built at the same time, the index on a second connection.
pub fn refresh(
    conn: &mut Connection,
    db_path: &Path,
    index_dir: &Path,
    force: bool,
) -> Result<RefreshReport> {
    refresh_with_progress(conn, db_path, index_dir, force, &RefreshProgress::default())
}

/// [`refresh`], reporting its steps and the index's document count in `progress`.
pub fn refresh_with_progress(
    conn: &mut Connection,
    db_path: &Path,
    index_dir: &Path,
    force: bool,
    progress: &RefreshProgress,
) -> Result<RefreshReport> {
    refresh_inner(conn, db_path, index_dir, force, progress, None)
}

/// Gives the clustering of all mentions of a full load, instead of resolving them here.
pub type Resolver<'a> = &'a dyn Fn(&identity::MentionData) -> Result<identity::Clustering>;

/// Reads the co-author edges a job aggregated: called once the researchers are numbered, so
/// that the edges are not held through the identity step.
pub type EdgeReader<'a> = &'a dyn Fn() -> Result<Vec<network::MentionEdge>>;

/// What a distributed job computed for a rebuild, in place of the rebuild's own steps.
pub struct JobOutput<'a> {
    /// The clustering of all mentions (the job's identity step).
    pub resolver: Resolver<'a>,
    /// The co-author edges the job aggregated, or `None` to build them here.
    pub edges: Option<EdgeReader<'a>>,
    /// The timelines and moves the job computed, or `None` to compute them here.
    pub timelines: Option<TimelineReader<'a>>,
}

/// Reads the timelines and moves a job computed (called once the researchers are numbered).
pub type TimelineReader<'a> = &'a dyn Fn() -> Result<Vec<crate::timeline_part::GivenTimeline>>;

/// `refresh --rebuild` with identity resolved elsewhere: `job.resolver` gives the clustering
/// (the distributed identity job's output, see `identity::partition::assemble`), `job.edges`,
/// when set, the co-author edges, and `job.timelines` the timelines and moves; everything else
/// (keys, facts, organisations and their counts, communities, career stages, impact, the index)
/// is derived here as in a rebuild, so the result equals a rebuild whenever the job's parts do.
pub fn rebuild_with_clustering(
    conn: &mut Connection,
    db_path: &Path,
    index_dir: &Path,
    job: JobOutput<'_>,
) -> Result<RefreshReport> {
    refresh_inner(
        conn,
        db_path,
        index_dir,
        true,
        &RefreshProgress::default(),
        Some(job),
    )
}

fn refresh_inner(
    conn: &mut Connection,
    db_path: &Path,
    index_dir: &Path,
    force: bool,
    progress: &RefreshProgress,
    job: Option<JobOutput<'_>>,
) -> Result<RefreshReport> {
    let mut report = RefreshReport::default();
    let generation = meta_get_i64(conn, "corpus_generation")?;
    if force {
        index::remove(index_dir)?;
    }
    let queued: i64 = conn.query_row("SELECT COUNT(*) FROM index_queue", [], |r| r.get(0))?;
    let max_work: i64 =
        conn.query_row("SELECT COALESCE(MAX(id), 0) FROM works", [], |r| r.get(0))?;
    let indexed = meta_get_i64(conn, "indexed_max_work_id")?;
    let index_needed = queued > 0 || max_work > indexed || !index_dir.join("meta.json").exists();
    let semantic_needed = force || crate::semantic::schedule::is_behind(conn, index_dir)?;
    let identity_needed = force || is_stale(conn)?;
    if !index_needed {
        progress.index_finished.store(true, Ordering::Relaxed);
    }
    if !identity_needed {
        progress.set_identity_step(IdentityStep::Skipped);
    }
    let plan = if !identity_needed {
        None
    } else if force {
        Some(Plan::Full("refresh --rebuild".into()))
    } else {
        Some(crate::incremental::plan(conn)?)
    };
    // The works impact folds in after an incremental identity step (`None`: a full refresh).
    let touched: Option<Vec<i64>> = match &plan {
        Some(Plan::Incremental {
            new_works,
            changed_works,
        }) => {
            let mut touched: Vec<i64> = new_works.iter().chain(changed_works).copied().collect();
            touched.sort_unstable();
            touched.dedup();
            Some(touched)
        }
        _ => None,
    };

    // Each side job holds a sender until it ends, so that the impact reader below can wait for
    // them: on two cores a third thread would slow identity down.
    let (side_job_running, side_jobs_done) = std::sync::mpsc::channel::<()>();
    let index_result = std::thread::scope(
        |scope| -> Result<Option<(IndexReport, index::IndexedUpTo)>> {
            let index_running = side_job_running.clone();
            let index_job = index_needed.then(|| {
                scope.spawn(move || -> Result<(IndexReport, index::IndexedUpTo)> {
                    let _running = index_running;
                    let started = Instant::now();
                    let reader = crate::db::open(db_path)?;
                    let built = index::build_with_progress(
                        &reader,
                        index_dir,
                        &progress.index_total,
                        &progress.index_written,
                    );
                    progress.index_finished.store(true, Ordering::Relaxed);
                    crate::memory::log_phase("index: built", started);
                    built
                })
            });
            let semantic_running = side_job_running;
            let semantic_job = semantic_needed.then(|| {
                scope.spawn(move || -> Result<crate::semantic::SemanticReport> {
                    let _running = semantic_running;
                    let started = Instant::now();
                    let reader = crate::db::open(db_path)?;
                    std::fs::create_dir_all(index_dir).map_err(|source| {
                        crate::error::CorpusError::Io {
                            path: index_dir.to_path_buf(),
                            source,
                        }
                    })?;
                    let policy = crate::semantic::schedule::UpdatePolicy::forced(force);
                    let built = crate::semantic::schedule::update(&reader, index_dir, &policy);
                    crate::memory::log_phase("semantic model: updated", started);
                    built
                })
            });
            // What a fold-in of impact reads does not depend on identity: it is read on a
            // second connection while identity runs, once the side jobs are done.
            let impact_job = touched.as_deref().map(|touched| {
                scope.spawn(move || -> Result<Option<crate::impact::Prepared>> {
                    // Err: every sender is gone, i.e. both side jobs ended (or never ran).
                    let _ = side_jobs_done.recv();
                    let reader = crate::db::open(db_path)?;
                    crate::impact::prepare(&reader, touched)
                })
            });
            if let Some(plan) = plan {
                let started = Instant::now();
                match &plan {
                    Plan::Incremental {
                        new_works,
                        changed_works,
                    } => {
                        progress.set_identity_step(IdentityStep::Resolving);
                        report.incremental = Some(crate::incremental::refresh(
                            conn,
                            new_works,
                            changed_works,
                            generation,
                        )?);
                    }
                    Plan::Full(_) => {
                        let rebuilt = rebuild_identity(conn, generation, job, &|step| {
                            progress.set_identity_step(step)
                        })?;
                        report.identity = Some(rebuilt.identity);
                        report.network = Some(rebuilt.network);
                    }
                }
                report.plan = Some(plan);
                report.identity_seconds = started.elapsed().as_secs_f64();
                let started = Instant::now();
                progress.set_identity_step(IdentityStep::Statistics);
                let prepared = match impact_job {
                    Some(job) => job.join().map_err(|_| {
                        crate::error::CorpusError::Invalid("impact reader thread panicked".into())
                    })??,
                    None => None,
                };
                report.impact = Some(crate::impact::finish(conn, prepared)?);
                report.statistics_seconds = started.elapsed().as_secs_f64();
                progress.set_identity_step(IdentityStep::Done);
            }
            if let Some(job) = semantic_job {
                match job.join() {
                    Ok(result) => {
                        let semantic = result?;
                        crate::semantic::schedule::forget_folded(conn, &semantic)?;
                        report.semantic = Some(semantic);
                    }
                    Err(_) => {
                        return Err(crate::error::CorpusError::Invalid(
                            "semantic model thread panicked".into(),
                        ));
                    }
                }
            }
            match index_job {
                Some(job) => match job.join() {
                    Ok(result) => result.map(Some),
                    Err(_) => Err(crate::error::CorpusError::Invalid(
                        "index builder thread panicked".into(),
                    )),
                },
                None => Ok(None),
            }
        },
    );
    if let Some((index_report, upto)) = index_result? {
        index::finish_update(conn, upto)?;
        report.index = Some(index_report);
    }
    meta_set(conn, "derived_generation", &generation.to_string())?;
    Ok(report)
}

/// What [`rebuild_identity`] wrote.
struct IdentityRebuilt {
    identity: IdentityReport,
    network: NetworkReport,
}

/// Resolves all mentions into researchers (or takes their clustering, and maybe the co-author
/// edges, from `job`) and rewrites the identity tables, the network and career stages (one
/// transaction), telling
/// `step` when loading, resolving and writing begin.
/// Researchers inherit the stored keys; the keys that lost mentions are logged as a refresh of
/// `generation` in the same transaction.
fn rebuild_identity(
    conn: &mut Connection,
    generation: i64,
    job: Option<JobOutput<'_>>,
    step: &dyn Fn(IdentityStep),
) -> Result<IdentityRebuilt> {
    step(IdentityStep::Loading);
    let started = Instant::now();
    let data = identity::load(conn)?;
    tracing::info!(mentions = data.mentions.len(), "identity: mentions");
    crate::memory::log_phase("identity: loaded", started);

    step(IdentityStep::Resolving);
    let started = Instant::now();
    let (mut clustering, given_edges, given_timelines) = match job {
        Some(job) => ((job.resolver)(&data)?, job.edges, job.timelines),
        None => (
            identity::resolve(&data, &identity::ResolveConfig::default()),
            None,
            None,
        ),
    };
    crate::memory::log_phase("identity: resolved", started);

    step(IdentityStep::Writing);
    let started = Instant::now();
    let as_of = data.latest_year();
    let mut orgs = OrgTable::from_data(&data);
    let previous = identity::PreviousKeys::load(conn, &data)?;
    let mut researchers = Researchers::from_clusters(conn, &data, &clustering.root, &previous)?;
    drop(previous);
    let key_moves = std::mem::take(&mut researchers.moves);
    crate::memory::log_phase("identity: keys inherited", started);
    let facts = identity::researcher_facts(conn, &data, &mut orgs, &researchers, as_of)?;
    let current_org: Vec<Option<usize>> = facts.iter().map(|f| f.current.org_id).collect();
    let mut identity_report = IdentityReport::new(&data, &clustering, researchers.rows.len());
    let rows = researchers.into_rows();
    // The write lock from the start: a transaction that reads first and writes later fails at
    // once ("database is locked", no busy wait) when another connection wrote in between.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Read before the transaction writes: reads behind gigabytes of its writes are slow
    // (career/works.rs).
    let work_facts = crate::career::WorkFacts::load(&tx)?;
    let tables = IdentityTables::clear(&tx)?;
    let notes = std::mem::take(&mut clustering.blocks);
    let rid_of = tables.write_mentions(&tx, &data, clustering, &rows)?;
    tables.write_blocks(&tx, &data, &rid_of)?;
    tables.write_block_notes(&tx, &notes)?;
    crate::memory::log_phase("identity: mentions mapped, links inserted", started);
    let given_edges = given_edges
        .map(|read| network::edges_of_researchers(read()?, &rid_of))
        .transpose()?;
    let given_timelines = given_timelines
        .map(|read| {
            crate::timeline_part::timelines_of_researchers(
                read()?,
                &rid_of,
                current_org.len(),
                &orgs,
            )
        })
        .transpose()?;
    let network = network::write(
        &tx,
        &data,
        &orgs,
        &rid_of,
        &current_org,
        as_of,
        network::GivenByJob {
            edges: given_edges,
            timelines: given_timelines,
        },
    )?;
    tables.write_researchers(&tx, &data, &orgs, &rows, &facts, &network.community)?;
    crate::memory::log_phase("identity: researchers written", started);
    let network_report = network.report;
    drop((orgs, rows, facts, current_org));
    // Every researcher's papers from the mentions just mapped, as `authorship_researcher` now
    // holds them; then the mentions go before career stages take their memory.
    let papers = work_facts.papers(
        data.mentions
            .iter()
            .zip(&rid_of)
            .filter(|(_, rid)| **rid > 0)
            .map(|(m, rid)| (m.work, m.position, i64::from(*rid))),
    );
    drop((data, rid_of, work_facts));
    crate::memory::log_phase("identity: career papers", started);
    crate::career::write(&tx, &papers, as_of)?;
    drop(papers);
    crate::memory::log_phase("identity: career stages", started);
    crate::key_log::record(&tx, generation, &key_moves)?;
    identity_report.count_key_moves(&key_moves);
    crate::incremental::mark_built(&tx, as_of, 0)?;
    crate::refresh_log::record_full(&tx)?;
    tx.commit()?;
    crate::memory::log_phase("identity: written", started);
    Ok(IdentityRebuilt {
        identity: identity_report,
        network: network_report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CorpusError;
    use crate::{Corpus, IngestOptions, Progress};

    const PAPERS: &str = concat!(
        r#"{"venue": "rss", "year": 2009, "id": "a1", "title": "LQR-trees: Feedback motion planning on sparse randomized trees", "authors": ["Russ Tedrake"]}"#,
        "\n",
        r#"{"venue": "rss", "year": 2009, "id": "a2", "title": "Generalized-ICP", "authors": ["Aleksandr Segal", "Dirk Haehnel", "Sebastian Thrun"]}"#,
        "\n",
    );

    fn io(path: &Path) -> impl Fn(std::io::Error) -> CorpusError + '_ {
        move |source| CorpusError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    #[test]
    fn refresh_reports_its_steps_and_index_documents() -> Result<()> {
        let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
        let input = dir.path().join("rss.jsonl");
        std::fs::write(&input, PAPERS).map_err(io(&input))?;
        let mut corpus = Corpus::open(&dir.path().join("c.sqlite"))?;
        let opts = IngestOptions::new(dir.path().join("rejects.jsonl"));
        corpus.ingest(&[input], &opts, &Progress::default())?;
        let progress = RefreshProgress::default();
        assert_eq!(progress.identity_step(), IdentityStep::Pending);
        let report = corpus.refresh_with_progress(false, &progress)?;
        assert_eq!(progress.identity_step(), IdentityStep::Done);
        assert!(progress.index_finished.load(Ordering::Relaxed));
        assert_eq!(progress.index_total.load(Ordering::Relaxed), 2);
        assert_eq!(progress.index_written.load(Ordering::Relaxed), 2);
        assert_eq!(report.identity.map(|i| i.researchers), Some(4));
        // Nothing changed: both parts are skipped and say so.
        let again = RefreshProgress::default();
        corpus.refresh_with_progress(false, &again)?;
        assert_eq!(again.identity_step(), IdentityStep::Skipped);
        assert!(again.index_finished.load(Ordering::Relaxed));
        assert_eq!(again.index_total.load(Ordering::Relaxed), 0);

        // Derived data from a build with other organisation rules (or from before they were
        // recorded) is stale, and its next refresh is full even without new data.
        corpus.conn().execute(
            "UPDATE meta SET value = 'older rules' WHERE key = 'derived_org_rules'",
            [],
        )?;
        assert!(corpus.is_stale()?);
        assert!(matches!(
            crate::incremental::plan(corpus.conn())?,
            Plan::Full(why) if why.contains("organisation rules")
        ));
        let upgraded = RefreshProgress::default();
        corpus.refresh_with_progress(false, &upgraded)?;
        assert_eq!(upgraded.identity_step(), IdentityStep::Done);
        assert!(!corpus.is_stale()?);
        Ok(())
    }

    #[test]
    fn a_cancelled_ingest_stores_nothing_of_its_open_transaction() -> Result<()> {
        let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
        let input = dir.path().join("rss.jsonl");
        std::fs::write(&input, PAPERS).map_err(io(&input))?;
        let mut corpus = Corpus::open(&dir.path().join("c.sqlite"))?;
        let opts = IngestOptions::new(dir.path().join("rejects.jsonl"));
        let progress = Progress::default();
        progress.cancel.store(true, Ordering::Relaxed);
        let result = corpus.ingest(&[input], &opts, &progress);
        assert!(matches!(result, Err(CorpusError::Cancelled)), "{result:?}");
        assert_eq!(corpus.counts()?.works, 0);
        assert!(!corpus.is_stale()?);
        Ok(())
    }
}
