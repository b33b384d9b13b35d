//! Stable researcher keys on real records (`data/demo`): a name-keyed researcher keeps the key
//! anchored on the first paper seen when an older paper arrives; two researchers that a new
//! paper joins through a shared OpenReview id keep the strong key and log the other as merged;
//! a second refresh, and `refresh --rebuild` of a copy, give the same keys.

use std::path::{Path, PathBuf};

use scout_corpus::key_log::{KeyChange, KeyChangeKind};
use scout_corpus::{Corpus, CorpusError, IngestOptions, Progress, Result};

fn io(path: &Path) -> impl Fn(std::io::Error) -> CorpusError + '_ {
    move |source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A batch of real records copied from `data/demo` (see `tests/fixtures/README.md`).
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

fn ingest(corpus: &mut Corpus, file: PathBuf, dir: &Path) -> Result<()> {
    let opts = IngestOptions::new(dir.join("rejects.jsonl"));
    corpus.ingest(&[file], &opts, &Progress::default())?;
    corpus.refresh(false)?;
    Ok(())
}

/// (key, name, works) of every researcher, in id order.
fn researchers(corpus: &Corpus) -> Result<Vec<(String, String, i64)>> {
    let mut stmt = corpus
        .conn()
        .prepare("SELECT key, name, n_works FROM researchers ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

fn keys_of(corpus: &Corpus, name: &str) -> Result<Vec<(String, i64)>> {
    Ok(researchers(corpus)?
        .into_iter()
        .filter(|(_, n, _)| n == name)
        .map(|(k, _, w)| (k, w))
        .collect())
}

/// Katie Everett's researchers (her names differ by a middle initial).
fn everett(corpus: &Corpus) -> Result<Vec<(String, i64)>> {
    Ok(researchers(corpus)?
        .into_iter()
        .filter(|(_, n, _)| n.starts_with("Katie") && n.ends_with("Everett"))
        .map(|(k, _, w)| (k, w))
        .collect())
}

/// The old rule's key: the name key anchored on the first paper in work-key order.
fn anchored_key(corpus: &Corpus, name_part: &str, title: &str) -> Result<String> {
    let key: String =
        corpus
            .conn()
            .query_row("SELECT key FROM works WHERE title = ?1", [title], |r| {
                r.get(0)
            })?;
    Ok(format!("name:{name_part}:{key}"))
}

/// Titles of the fixtures' papers by Alexandre Passos (2020 in the first batch, 2018 in the
/// second).
const PASSOS_2020: &str = "Faster Neural Network Training with Data Echoing";
const PASSOS_2018: &str =
    "Large scale distributed neural network training through online distillation";

#[test]
fn keys_survive_older_papers_and_merges_are_logged() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let db = dir.path().join("c.sqlite");
    let mut corpus = Corpus::open(&db)?;
    ingest(&mut corpus, fixture("first.jsonl"), dir.path())?;

    let passos = keys_of(&corpus, "Alexandre Passos")?;
    assert_eq!(passos.len(), 1, "{passos:?}");
    let passos_key = passos[0].0.clone();
    assert!(
        passos_key.starts_with(&anchored_key(&corpus, "alexandre_passos", PASSOS_2020)?),
        "{passos_key}"
    );
    // Two researchers: the OpenReview profile, and the same person on a paper without an id.
    let two = everett(&corpus)?;
    assert_eq!(two.len(), 2, "{two:?}");
    let name_key = two
        .iter()
        .find(|(k, _)| k.starts_with("name:"))
        .map(|(k, _)| k.clone())
        .unwrap_or_else(|| panic!("no name key in {two:?}"));
    assert!(two.iter().any(|(k, _)| k == "openreview:~Katie_E_Everett1"));
    assert!(corpus.key_changes(None)?.is_empty());

    // An older paper of Passos (its work key sorts first: the old rule re-anchored the key)
    // and a paper that carries Everett's OpenReview id beside a co-author of the id-less paper.
    ingest(&mut corpus, fixture("second.jsonl"), dir.path())?;
    let anchored = anchored_key(&corpus, "alexandre_passos", PASSOS_2018)?;
    assert!(anchored < passos_key, "{anchored} sorts after {passos_key}");
    assert_eq!(
        keys_of(&corpus, "Alexandre Passos")?,
        [(passos_key.clone(), 2)],
        "the key survives the older paper"
    );
    assert_eq!(
        everett(&corpus)?,
        [("openreview:~Katie_E_Everett1".to_string(), 3)]
    );
    let changes = corpus.key_changes(None)?;
    let merged: Vec<&KeyChange> = changes.iter().filter(|c| c.old_key == name_key).collect();
    assert_eq!(merged.len(), 1, "{changes:?}");
    assert_eq!(merged[0].kind, KeyChangeKind::Merged);
    assert_eq!(
        merged[0].new_key.as_deref(),
        Some("openreview:~Katie_E_Everett1")
    );
    assert_eq!(merged[0].mentions, 1);
    let retired: i64 = corpus.conn().query_row(
        "SELECT COUNT(*) FROM retired_keys WHERE key = ?1",
        [&name_key],
        |r| r.get(0),
    )?;
    assert_eq!(retired, 1);
    // Following the log from the retired key leads to the survivor.
    assert_eq!(
        scout_corpus::key_log::successor(corpus.conn(), &name_key)?.as_deref(),
        Some("openreview:~Katie_E_Everett1")
    );
    // … and so does finding a researcher by the retired key.
    let found = scout_corpus::researchers::find(corpus.conn(), &name_key)?;
    assert_eq!(
        found.first().map(|r| r.key.as_str()),
        Some("openreview:~Katie_E_Everett1")
    );
    assert_eq!(
        scout_corpus::key_log::changes_touching(corpus.conn(), std::slice::from_ref(&name_key))?,
        merged.into_iter().cloned().collect::<Vec<_>>()
    );

    // The same database refreshed again: the same keys, nothing logged.
    let before = researchers(&corpus)?;
    corpus.refresh(true)?;
    assert_eq!(researchers(&corpus)?, before);
    assert_eq!(corpus.key_changes(None)?, changes);

    // A rebuild of a copy inherits from the same stored state: the same keys.
    let copy = dir.path().join("copy.sqlite");
    corpus
        .conn()
        .execute("VACUUM INTO ?1", [copy.to_string_lossy()])?;
    let mut copied = Corpus::open(&copy)?;
    copied.refresh(true)?;
    assert_eq!(researchers(&copied)?, before);
    assert_eq!(copied.key_changes(None)?, changes);
    Ok(())
}
