//! Scout's corpus: the SQLite store of works, authorships, affiliations, OpenAlex authors and
//! institutions; the ingest pipeline that fills it; identity resolution that turns author
//! mentions into researchers; and the full-text index over titles, abstracts and keywords.
//!
//! Source tables are written only by [`ingest`]; derived tables (researchers, cohorts) and the
//! index are rebuilt by [`Corpus::refresh`] whenever the source generation moved on.

mod analyzer;
mod bulk;
pub mod career;
pub mod citations;
mod db;
pub mod derive;
pub mod employer;
mod error;
pub mod explain;
pub mod graph;
pub mod identity;
pub mod identity_eval;
pub mod impact;
pub mod incremental;
pub mod index;
pub mod ingest;
pub mod key_log;
pub mod mail_domains;
pub mod memory;
pub mod moves;
pub mod name_search;
pub mod names;
pub mod network;
pub mod org_names;
mod org_segments;
pub mod org_variants;
pub mod organisations;
pub mod orgs;
pub mod refresh_log;
pub mod relevance;
pub mod researchers;
pub mod semantic;
mod store;
pub mod stored;
pub mod timeline_part;
pub mod venue_fields;
pub mod watch_facts;

use std::path::{Path, PathBuf};

pub use derive::{IdentityStep, RefreshProgress, RefreshReport};
pub use error::{CorpusError, Result, did_you_mean};
pub use index::{Hit, TextIndex};
pub use ingest::{IngestOptions, IngestReport, Progress};
pub use relevance::{RelevanceOptions, Relevant};
pub use rusqlite;
pub use scout_formats::{SliceFilter, country_code, title_fingerprint};
pub use semantic::SemanticModel;

/// The latest publication year of the corpus in `conn` ([`Corpus::latest_year`]), for readers
/// holding only a connection.
pub fn latest_year(conn: &rusqlite::Connection) -> Result<Option<i32>> {
    Ok(db::meta_get(conn, "latest_year")?.and_then(|v| v.parse().ok()))
}

/// An open corpus: the database connection and the location of its index.
pub struct Corpus {
    conn: rusqlite::Connection,
    path: PathBuf,
    index_dir: PathBuf,
}

impl Corpus {
    /// Opens (creating and migrating if needed) the corpus database at `path`.
    /// Opens a corpus, creating it when the file is missing (for commands that write data:
    /// ingest, synth).
    pub fn open(path: &Path) -> Result<Corpus> {
        let conn = db::open(path)?;
        Ok(Corpus {
            conn,
            path: path.to_path_buf(),
            index_dir: index::dir_for(path),
        })
    }

    /// Opens a corpus that must already exist: a missing, empty or foreign file is an error
    /// (naming the file and the cause), never a new empty corpus.
    pub fn open_existing(path: &Path) -> Result<Corpus> {
        let conn = db::open_existing(path)?;
        Ok(Corpus {
            conn,
            path: path.to_path_buf(),
            index_dir: index::dir_for(path),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn index_dir(&self) -> &Path {
        &self.index_dir
    }

    pub fn conn(&self) -> &rusqlite::Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut rusqlite::Connection {
        &mut self.conn
    }

    /// Reads data files into the source tables. Call [`Corpus::refresh`] afterwards.
    pub fn ingest(
        &mut self,
        paths: &[PathBuf],
        opts: &IngestOptions,
        progress: &Progress,
    ) -> Result<IngestReport> {
        ingest::ingest(&mut self.conn, paths, opts, progress)
    }

    /// Brings identity, statistics and the index up to date with the source tables.
    pub fn refresh(&mut self, force: bool) -> Result<RefreshReport> {
        derive::refresh(&mut self.conn, &self.path, &self.index_dir, force)
    }

    /// [`Corpus::refresh`], reporting its steps in `progress`.
    pub fn refresh_with_progress(
        &mut self,
        force: bool,
        progress: &derive::RefreshProgress,
    ) -> Result<RefreshReport> {
        derive::refresh_with_progress(&mut self.conn, &self.path, &self.index_dir, force, progress)
    }

    /// A full rebuild with identity's clustering (and maybe the co-author edges) given by a job (see
    /// [`derive::rebuild_with_clustering`]).
    pub fn rebuild_with_clustering(&mut self, job: derive::JobOutput<'_>) -> Result<RefreshReport> {
        derive::rebuild_with_clustering(&mut self.conn, &self.path, &self.index_dir, job)
    }

    pub fn is_stale(&self) -> Result<bool> {
        derive::is_stale(&self.conn)
    }

    /// Opens the full-text index (after making derived data current).
    pub fn text_index(&mut self) -> Result<TextIndex> {
        if self.is_stale()? || !self.index_dir.join("meta.json").exists() {
            self.refresh(false)?;
        }
        TextIndex::open(&self.index_dir)
    }

    /// The logged researcher key changes, oldest first (see [`key_log::changes`]).
    pub fn key_changes(&self, since: Option<&str>) -> Result<Vec<key_log::KeyChange>> {
        key_log::changes(&self.conn, since)
    }

    /// The latest publication year in the corpus: the "as of" year for recency and career stage.
    pub fn latest_year(&self) -> Result<Option<i32>> {
        latest_year(&self.conn)
    }

    /// Row counts of the main tables.
    pub fn counts(&self) -> Result<Counts> {
        let count = |table: &str| -> Result<u64> {
            Ok(self
                .conn
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
                    r.get::<_, i64>(0)
                })? as u64)
        };
        Ok(Counts {
            works: count("works")?,
            authorships: count("authorship_researcher")?,
            abstracts: count("abstracts")?,
            researchers: count("researchers")?,
            openalex_authors: count("oa_authors")?,
            institutions: count("institutions")?,
        })
    }
}

#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Counts {
    pub works: u64,
    pub authorships: u64,
    pub abstracts: u64,
    pub researchers: u64,
    pub openalex_authors: u64,
    pub institutions: u64,
}
