use std::path::{Path, PathBuf};

use super::*;
use crate::error::CorpusError;
use crate::{Corpus, IngestOptions, Progress};

/// Words of four topics; a title takes five words of one topic and a shared word.
const TOPICS: [[&str; 8]; 4] = [
    [
        "robot",
        "grasping",
        "manipulation",
        "gripper",
        "tactile",
        "dexterous",
        "arm",
        "pick",
    ],
    [
        "language",
        "translation",
        "parsing",
        "syntax",
        "dialogue",
        "summarization",
        "token",
        "corpus",
    ],
    [
        "image",
        "segmentation",
        "pixel",
        "detection",
        "camera",
        "convolution",
        "video",
        "scene",
    ],
    [
        "graph",
        "node",
        "edge",
        "message",
        "spectral",
        "molecule",
        "vertex",
        "clustering",
    ],
];
const SHARED: [&str; 4] = ["learning", "model", "network", "method"];

fn io(path: &Path) -> impl Fn(std::io::Error) -> CorpusError + '_ {
    move |source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A deterministic title of `topic`, varied by `seed`.
fn title(topic: usize, seed: u64) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(7);
    let mut words: Vec<&str> = Vec::new();
    while words.len() < 5 {
        x ^= x >> 13;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let w = TOPICS[topic % 4][(x >> 32) as usize % 8];
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words.push(SHARED[(seed % 4) as usize]);
    words.join(" ")
}

fn paper_line(id: usize, title: &str) -> String {
    format!(
        r#"{{"venue": "testconf", "year": {}, "id": "p{id}", "title": "{title}", "authors": ["Author {}"]}}"#,
        2015 + id % 8,
        id % 23
    )
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    corpus: Corpus,
    index_dir: PathBuf,
    files: usize,
}

impl Fixture {
    /// A corpus of `n` papers (ids 1..=n), no model yet.
    fn new(n: usize) -> Result<Fixture> {
        let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
        let root = dir.path().to_path_buf();
        let corpus = Corpus::open(&root.join("c.sqlite"))?;
        let mut f = Fixture {
            _dir: dir,
            index_dir: root.join("idx"),
            root,
            corpus,
            files: 0,
        };
        std::fs::create_dir_all(&f.index_dir).map_err(io(&f.index_dir))?;
        let lines: Vec<String> = (1..=n)
            .map(|i| paper_line(i, &title(i, i as u64)))
            .collect();
        f.ingest(&lines)?;
        Ok(f)
    }

    fn ingest(&mut self, lines: &[String]) -> Result<()> {
        self.files += 1;
        let input = self.root.join(format!("in{}.jsonl", self.files));
        std::fs::write(&input, lines.join("\n") + "\n").map_err(io(&input))?;
        let opts = IngestOptions::new(self.root.join("rejects.jsonl"));
        self.corpus.ingest(&[input], &opts, &Progress::default())?;
        Ok(())
    }

    fn update(&self, policy: &UpdatePolicy) -> Result<SemanticReport> {
        update(self.corpus.conn(), &self.index_dir, policy)
    }

    fn model(&self) -> Result<SemanticModel> {
        SemanticModel::load(&self.index_dir)?
            .ok_or_else(|| CorpusError::Invalid("no model written".into()))
    }
}

/// Never refits on its own: fold-ins only.
fn fold_only() -> UpdatePolicy {
    UpdatePolicy {
        refit_fraction: f64::INFINITY,
        ..UpdatePolicy::default()
    }
}

/// Every work's stored vector as a full vectorisation pass under `model` gives it.
fn full_pass(model: &SemanticModel, conn: &Connection) -> Result<(Vec<i16>, Vec<i8>)> {
    let (years, raw) = model.raw_vectors(conn, max_work_id(conn)?)?;
    let papers = raw
        .chunks(model.dim.max(1))
        .flat_map(|v| model.final_vector(v))
        .collect();
    Ok((years, papers))
}

fn slot(model: &SemanticModel, id: usize) -> &[i8] {
    &model.papers[id * model.dim..(id + 1) * model.dim]
}

#[test]
fn a_build_equals_a_full_vectorisation_under_its_own_stored_model() -> Result<()> {
    let f = Fixture::new(80)?;
    let report = f.update(&UpdatePolicy::default())?;
    assert_eq!(report.mode, SemanticMode::Refit);
    assert_eq!(report.refit_reason.as_deref(), Some("there was no model"));
    assert!(report.vocabulary > 20, "{report:?}");
    let model = f.model()?;
    assert!(model.dim > 0);
    let (years, papers) = full_pass(&model, f.corpus.conn())?;
    assert_eq!(model.years, years);
    assert_eq!(model.papers, papers);
    assert!(slot(&model, 5).iter().any(|&x| x != 0));
    Ok(())
}

#[test]
fn folding_in_equals_a_full_vectorisation_with_the_same_model() -> Result<()> {
    let mut f = Fixture::new(80)?;
    let generation = crate::db::meta_get_i64(f.corpus.conn(), "corpus_generation")?;
    let fitted = f.update(&UpdatePolicy::default())?;
    let before = f.model()?;
    // Three new papers, one (id 5) retitled into another topic, one with no known word.
    let mut lines: Vec<String> = (81..=83)
        .map(|i| paper_line(i, &title(i, 1000 + i as u64)))
        .collect();
    lines.push(paper_line(5, &title(6, 77)));
    lines.push(paper_line(84, "zyzzyva quokka"));
    f.ingest(&lines)?;
    let report = f.update(&fold_only())?;
    assert_eq!(report.mode, SemanticMode::FoldIn, "{report:?}");
    assert_eq!(report.folded_in, 5);
    assert_eq!(report.fit.folded_works, 5);
    assert_eq!(report.fit.fitted_works, 80);
    assert_eq!(report.fit.fitted_generation, generation);
    assert!(report.fit.updated_generation > generation);
    assert_eq!(report.fit.max_work_id, 84);
    assert_eq!(report.works, 84);

    let after = f.model()?;
    // The model itself is frozen ...
    assert_eq!(after.vocab, before.vocab);
    assert_eq!(after.term_vectors, before.term_vectors);
    assert_eq!(after.common, before.common);
    assert_eq!(after.sif, before.sif);
    assert_eq!(
        after.fit().map(|x| x.fitted_works),
        Some(fitted.fit.fitted_works)
    );
    // ... the works' vectors are bit for bit those of a full pass with it.
    let (years, papers) = full_pass(&before, f.corpus.conn())?;
    assert_eq!(after.years, years);
    assert_eq!(after.papers, papers);
    assert_ne!(slot(&after, 5), slot(&before, 5), "the retitled work moved");
    assert!(slot(&after, 81).iter().any(|&x| x != 0));
    assert!(
        slot(&after, 84).iter().all(|&x| x == 0),
        "no known word, no vector"
    );
    // Untouched works keep their stored vectors.
    assert_eq!(slot(&after, 6), slot(&before, 6));
    Ok(())
}

#[test]
fn a_refit_happens_past_the_threshold() -> Result<()> {
    let mut f = Fixture::new(80)?;
    f.update(&UpdatePolicy::default())?;
    // 5 % of 80 is 4: three new works are folded in ...
    f.ingest(
        &(81..=83)
            .map(|i| paper_line(i, &title(i, i as u64)))
            .collect::<Vec<_>>(),
    )?;
    let report = f.update(&UpdatePolicy::default())?;
    assert_eq!(report.mode, SemanticMode::FoldIn);
    assert_eq!(report.fit.folded_works, 3);
    // ... one more is still within it (4 of 80) ...
    f.ingest(&[paper_line(84, &title(84, 84))])?;
    let report = f.update(&UpdatePolicy::default())?;
    assert_eq!(report.mode, SemanticMode::FoldIn);
    assert_eq!(report.fit.folded_works, 4);
    // ... a fifth is past it: the model is fitted anew on all 85.
    f.ingest(&[paper_line(85, &title(85, 85))])?;
    let report = f.update(&UpdatePolicy::default())?;
    assert_eq!(report.mode, SemanticMode::Refit, "{report:?}");
    assert!(
        report
            .refit_reason
            .as_deref()
            .is_some_and(|r| r.contains("5 works folded in")),
        "{report:?}"
    );
    assert_eq!(report.fit.fitted_works, 85);
    assert_eq!(report.fit.folded_works, 0);
    assert_eq!(f.model()?.fit().map(|x| x.max_work_id), Some(85));
    // The caller's fraction overrides the default.
    f.ingest(&[paper_line(86, &title(86, 86))])?;
    let strict = UpdatePolicy {
        refit_fraction: 0.0,
        ..UpdatePolicy::default()
    };
    assert_eq!(f.update(&strict)?.mode, SemanticMode::Refit);
    // Nothing new: the file is left as it is.
    let report = f.update(&UpdatePolicy::default())?;
    assert_eq!((report.mode, report.bytes), (SemanticMode::Current, 0));
    assert!(!is_behind(f.corpus.conn(), &f.index_dir)?);
    Ok(())
}

/// The update refitted, for a reason that says `why`.
fn assert_refit_because(report: &SemanticReport, why: &str) {
    assert_eq!(report.mode, SemanticMode::Refit);
    assert!(
        report
            .refit_reason
            .as_deref()
            .is_some_and(|r| r.contains(why)),
        "{:?}, expected {why}",
        report.refit_reason
    );
}

#[test]
fn a_missing_old_damaged_or_forced_model_is_fitted_anew() -> Result<()> {
    let f = Fixture::new(40)?;
    let path = SemanticModel::path(&f.index_dir);
    assert!(is_behind(f.corpus.conn(), &f.index_dir)?);
    f.update(&UpdatePolicy::default())?;
    assert!(!is_behind(f.corpus.conn(), &f.index_dir)?);
    let current = std::fs::read(&path).map_err(io(&path))?;

    // Older files: version 1 (the same layout without the fit record) and version 2 (a fit that
    // sampled by work id). Still read for queries, but behind, and refit by the next update.
    for (magic, body, version) in [
        (b"SCSEM001", 8 + 7 * 8, "version 1"),
        (b"SCSEM002", 8, "version 2"),
    ] {
        let mut older = magic.to_vec();
        older.extend_from_slice(&current[body..]);
        std::fs::write(&path, &older).map_err(io(&path))?;
        let old = f.model()?;
        assert_eq!(old.fit(), None);
        assert_eq!(old.papers, f.model_from(&current)?.papers);
        assert!(is_behind(f.corpus.conn(), &f.index_dir)?);
        assert_refit_because(&f.update(&fold_only())?, version);
        assert!(f.model()?.fit().is_some());
    }

    // A damaged file is an error for queries, never for the update.
    std::fs::write(&path, b"SCSEM003 and then nothing useful").map_err(io(&path))?;
    assert!(SemanticModel::load(&f.index_dir).is_err());
    assert!(is_behind(f.corpus.conn(), &f.index_dir)?);
    assert_refit_because(&f.update(&fold_only())?, "could not be read");

    // A missing file, and a rebuild.
    std::fs::remove_file(&path).map_err(io(&path))?;
    assert_eq!(f.update(&fold_only())?.mode, SemanticMode::Refit);
    let forced = UpdatePolicy {
        force: true,
        ..fold_only()
    };
    let report = f.update(&forced)?;
    assert_eq!(report.mode, SemanticMode::Refit);
    assert_eq!(
        report.refit_reason.as_deref(),
        Some("a rebuild was asked for")
    );
    assert_eq!(
        f.model()?.papers,
        f.model_from(&current)?.papers,
        "deterministic"
    );
    Ok(())
}

impl Fixture {
    /// Loads a model from the bytes of a file (through a second index directory).
    fn model_from(&self, bytes: &[u8]) -> Result<SemanticModel> {
        let dir = self.root.join("other");
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let path = SemanticModel::path(&dir);
        std::fs::write(&path, bytes).map_err(io(&path))?;
        SemanticModel::load(&dir)?.ok_or_else(|| CorpusError::Invalid("no model".into()))
    }
}

#[test]
fn a_changed_text_is_folded_in_whatever_the_index_did_with_its_queue() -> Result<()> {
    let mut f = Fixture::new(80)?;
    let report = f.corpus.refresh(false)?;
    let semantic = report
        .semantic
        .ok_or(CorpusError::Invalid("no model".into()))?;
    assert_eq!(semantic.mode, SemanticMode::Refit);
    assert!(!is_behind(f.corpus.conn(), f.corpus.index_dir())?);
    // A change that is not the text (the status) leaves the model current.
    f.ingest(&[
        paper_line(7, &title(7, 7)).replace("\"authors\"", "\"status\": \"Oral\", \"authors\"")
    ])?;
    let queued: i64 = f
        .corpus
        .conn()
        .query_row("SELECT COUNT(*) FROM index_queue", [], |r| r.get(0))?;
    assert_eq!(queued, 1, "the index takes the status change");
    assert!(!is_behind(f.corpus.conn(), f.corpus.index_dir())?);
    // An abstract delivered for paper 9 changes its text.
    f.ingest(&[format!(
        r#"{{"venue": "testconf", "year": {}, "id": "p9", "title": "{}", "abstract": "A gripper for tactile pick and place."}}"#,
        2015 + 9 % 8,
        title(9, 9)
    )])?;
    assert!(is_behind(f.corpus.conn(), f.corpus.index_dir())?);
    // The index clearing its queue first (it runs on another thread) loses nothing.
    f.corpus.conn().execute("DELETE FROM index_queue", [])?;
    let before = SemanticModel::load(f.corpus.index_dir())?;
    let report = f.corpus.refresh(false)?;
    let semantic = report
        .semantic
        .ok_or(CorpusError::Invalid("no update".into()))?;
    assert_eq!(
        (semantic.mode, semantic.folded_in),
        (SemanticMode::FoldIn, 1),
        "{semantic:?}"
    );
    let after = SemanticModel::load(f.corpus.index_dir())?;
    let (Some(before), Some(after)) = (before, after) else {
        return Err(CorpusError::Invalid("no model".into()));
    };
    assert_ne!(slot(&after, 9), slot(&before, 9));
    let (_, papers) = full_pass(&before, f.corpus.conn())?;
    assert_eq!(after.papers, papers);
    // The log rows the file covers are gone; the next refresh has nothing to do for the model.
    let logged: i64 =
        f.corpus
            .conn()
            .query_row("SELECT COUNT(*) FROM semantic_changes", [], |r| r.get(0))?;
    assert_eq!(logged, 0);
    assert!(f.corpus.refresh(false)?.semantic.is_none());
    // A retitled paper is logged by the trigger and folded in by the next refresh.
    f.ingest(&[paper_line(9, &title(2, 4242))])?;
    let semantic = f.corpus.refresh(false)?.semantic;
    assert_eq!(
        semantic.map(|s| (s.mode, s.folded_in)),
        Some((SemanticMode::FoldIn, 1))
    );
    // A rebuild refits.
    let semantic = f.corpus.refresh(true)?.semantic;
    assert_eq!(semantic.map(|s| s.mode), Some(SemanticMode::Refit));
    Ok(())
}
