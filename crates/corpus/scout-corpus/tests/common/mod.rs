//! What several integration tests share: a corpus in a temporary directory, built from files
//! and refreshed in full.

use std::path::PathBuf;

use scout_corpus::{Corpus, CorpusError, IngestOptions, Progress, Result};

/// A corpus of `files`, ingested and refreshed in full (`refresh(true)`); the directory holding
/// it lives as long as the returned guard.
pub fn refreshed_corpus(files: &[PathBuf]) -> Result<(tempfile::TempDir, Corpus)> {
    let dir = tempfile::tempdir().map_err(|source| CorpusError::Io {
        path: "tmp".into(),
        source,
    })?;
    let mut corpus = Corpus::open(&dir.path().join("c.sqlite"))?;
    let opts = IngestOptions::new(dir.path().join("rejects.jsonl"));
    corpus.ingest(files, &opts, &Progress::default())?;
    corpus.refresh(true)?;
    Ok((dir, corpus))
}
