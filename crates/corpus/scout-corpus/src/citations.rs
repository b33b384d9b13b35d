//! Citation files into the corpus (`scout ingest --citations FILE…`).
//!
//! Each row of a citation file ([`scout_formats::citations`]) is matched to one work by the
//! first of its keys that names a stored work, in this order: OpenReview id, OpenAlex id, DOI,
//! arXiv id, Semantic Scholar id, title + year. A key that names two or more works makes the row
//! ambiguous; a row whose keys name no work is rejected as unknown. A second row for the same
//! work, source and window in one ingest is rejected as a duplicate (naming the first). Matched
//! rows go to `citation_counts`, one per work, source and window: a newer file for the same
//! source and window replaces the count, and nothing else stored is touched (`works.citations`,
//! the record's own count, stays as it was). Every ambiguous or rejected row is reported with
//! its file, line and reason and written to the rejects file.

use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};
use rustc_hash::FxHashMap as HashMap;
use scout_formats::citations::{CitationItem, CitationRow, PaperKeys, read_citation_file};
use scout_formats::title_fingerprint;
use serde::Serialize;

use crate::db::{meta_get_i64, meta_set};
use crate::error::{CorpusError, Result};

/// What happened to one file's rows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CitationFileReport {
    pub path: PathBuf,
    pub rows: u64,
    pub matched: u64,
    /// Matched rows whose count was new or changed.
    pub stored: u64,
    pub unchanged: u64,
    pub ambiguous: u64,
    pub rejected: u64,
    /// Matched by each key kind (`openreview`, `title+year`, …).
    pub matched_by: Vec<(String, u64)>,
}

/// A row not stored: file, line, and why.
#[derive(Debug, Clone, Serialize)]
pub struct CitationProblem {
    pub file: String,
    pub line: u64,
    /// `ambiguous` or `rejected`.
    pub kind: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CitationReport {
    pub files: Vec<CitationFileReport>,
    pub rows: u64,
    pub matched: u64,
    pub stored: u64,
    pub ambiguous: u64,
    pub rejected: u64,
    /// The first problems (all of them are in the rejects file).
    pub problems: Vec<CitationProblem>,
    pub rejects_path: Option<PathBuf>,
}

const PROBLEMS_KEPT: usize = 20;

/// One key of a row: its kind, the value given, and the works it names.
type KeyLookup<'k> = (&'static str, Option<String>, Option<&'k Vec<i64>>);

/// Lookup tables from every kind of key to work ids.
struct WorkKeys {
    openreview: HashMap<String, Vec<i64>>,
    openalex: HashMap<String, Vec<i64>>,
    doi: HashMap<String, Vec<i64>>,
    arxiv: HashMap<String, Vec<i64>>,
    title_year: HashMap<(String, i32), Vec<i64>>,
}

fn push(map: &mut HashMap<String, Vec<i64>>, key: String, id: i64) {
    let ids = map.entry(key).or_default();
    if !ids.contains(&id) {
        ids.push(id);
    }
}

/// `https://doi.org/10.1/X` → `10.1/x`.
fn norm_doi(doi: &str) -> String {
    let lower = doi.trim().to_ascii_lowercase();
    for prefix in ["https://doi.org/", "http://doi.org/", "doi.org/", "doi:"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    lower
}

/// `arXiv:2203.02155v3` → `2203.02155`.
fn norm_arxiv(id: &str) -> String {
    let lower = id.trim().to_ascii_lowercase();
    let lower = lower
        .strip_prefix("arxiv:")
        .or_else(|| lower.rsplit_once("/abs/").map(|(_, r)| r))
        .unwrap_or(&lower);
    match lower.rfind('v') {
        Some(i)
            if i > 0
                && lower[i + 1..].bytes().all(|b| b.is_ascii_digit())
                && i + 1 < lower.len() =>
        {
            lower[..i].to_string()
        }
        _ => lower.to_string(),
    }
}

/// `https://openalex.org/W123` → `W123`.
fn norm_openalex(id: &str) -> String {
    id.trim()
        .rsplit('/')
        .next()
        .unwrap_or(id)
        .to_ascii_uppercase()
}

impl WorkKeys {
    fn load(conn: &Connection) -> Result<WorkKeys> {
        let mut keys = WorkKeys {
            openreview: HashMap::default(),
            openalex: HashMap::default(),
            doi: HashMap::default(),
            arxiv: HashMap::default(),
            title_year: HashMap::default(),
        };
        let mut stmt = conn.prepare("SELECT id, key, url, doi, arxiv, title, year FROM works")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let key: String = r.get(1)?;
            let url: Option<String> = r.get(2)?;
            if let Some(w) = key.strip_prefix("openalex:") {
                push(&mut keys.openalex, norm_openalex(w), id);
            }
            if let Some(forum) = url
                .as_deref()
                .and_then(|u| u.split_once("openreview.net/forum?id="))
                .map(|(_, f)| f.split('&').next().unwrap_or(f))
            {
                push(&mut keys.openreview, forum.to_string(), id);
            } else if let Some(rest) = key.strip_prefix("paperlists:") {
                // paperlists:VENUE:YEAR:ID — the id is the OpenReview forum id for OpenReview venues.
                if let Some(pid) = rest
                    .splitn(3, ':')
                    .nth(2)
                    .filter(|p| !p.starts_with("title-"))
                {
                    push(&mut keys.openreview, pid.to_string(), id);
                }
            }
            if let Some(doi) = r.get::<_, Option<String>>(3)? {
                push(&mut keys.doi, norm_doi(&doi), id);
            }
            if let Some(arxiv) = r.get::<_, Option<String>>(4)? {
                push(&mut keys.arxiv, norm_arxiv(&arxiv), id);
            }
            let title: String = r.get(5)?;
            if let Some(year) = r.get::<_, Option<i32>>(6)? {
                let ids = keys
                    .title_year
                    .entry((title_fingerprint(&title), year))
                    .or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        Ok(keys)
    }

    /// The work a row names: `Ok((id, key kind))`, or `Err((kind, reason))` with kind
    /// `ambiguous` or `rejected`.
    fn resolve(
        &self,
        k: &PaperKeys,
    ) -> std::result::Result<(i64, &'static str), (&'static str, String)> {
        let candidates: [KeyLookup<'_>; 4] = [
            (
                "openreview",
                k.openreview.clone(),
                k.openreview
                    .as_ref()
                    .and_then(|v| self.openreview.get(v.trim())),
            ),
            (
                "openalex",
                k.openalex.clone(),
                k.openalex
                    .as_ref()
                    .and_then(|v| self.openalex.get(&norm_openalex(v))),
            ),
            (
                "doi",
                k.doi.clone(),
                k.doi.as_ref().and_then(|v| self.doi.get(&norm_doi(v))),
            ),
            (
                "arxiv",
                k.arxiv.clone(),
                k.arxiv
                    .as_ref()
                    .and_then(|v| self.arxiv.get(&norm_arxiv(v))),
            ),
        ];
        let mut tried = Vec::new();
        for (kind, given, found) in &candidates {
            match found {
                Some(ids) if ids.len() == 1 => return Ok((ids[0], kind)),
                Some(ids) => {
                    return Err((
                        "ambiguous",
                        format!(
                            "{kind} {} names {} works",
                            given.as_deref().unwrap_or(""),
                            ids.len()
                        ),
                    ));
                }
                None => {
                    if let Some(g) = given {
                        tried.push(format!("{kind} {g}"));
                    }
                }
            }
        }
        if let Some(s2) = &k.semantic_scholar {
            // The corpus stores no Semantic Scholar ids; such a row matches by its other keys.
            tried.push(format!("semantic_scholar {s2}"));
        }
        if let (Some(title), Some(year)) = (&k.title, k.year) {
            match self.title_year.get(&(title_fingerprint(title), year)) {
                Some(ids) if ids.len() == 1 => return Ok((ids[0], "title+year")),
                Some(ids) => {
                    return Err((
                        "ambiguous",
                        format!("title + year {year} names {} works", ids.len()),
                    ));
                }
                None => tried.push(format!("title + year {year}")),
            }
        }
        Err((
            "rejected",
            format!("unknown paper: no work has {}", tried.join(", ")),
        ))
    }
}

/// Reads citation files and stores their matched counts. A work whose count changed is queued
/// as changed in its metadata alone (`derive_queue`, as ingest queues a record's own count), so
/// the next refresh recomputes its impact: folded in between fits of the estimator, or a full
/// refresh when the changed works pass `incremental::MAX_NEW_SHARE`. Bumps the corpus generation
/// when a count changed.
pub fn ingest_citations(
    conn: &mut Connection,
    paths: &[PathBuf],
    rejects_path: &Path,
) -> Result<CitationReport> {
    let keys = WorkKeys::load(conn)?;
    let mut report = CitationReport::default();
    let mut rejects: Option<std::io::BufWriter<std::fs::File>> = None;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CorpusError::Io { path, source }
    };
    // (work, source, window) → where it was first given in this ingest.
    let mut seen: HashMap<(i64, String, u32), (String, u64)> = HashMap::default();
    let tx = conn.transaction()?;
    let mut changed = false;
    {
        let mut find = tx.prepare(
            "SELECT count, as_of FROM citation_counts WHERE work_id = ?1 AND source = ?2 AND window_days = ?3",
        )?;
        let mut upsert = tx.prepare(
            "INSERT INTO citation_counts (work_id, source, window_days, count, as_of, file, line)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (work_id, source, window_days) DO UPDATE SET count = excluded.count,
                 as_of = excluded.as_of, file = excluded.file, line = excluded.line",
        )?;
        let mut queue = tx.prepare(
            "INSERT INTO derive_queue (work_id, identity) VALUES (?1, 0) ON CONFLICT (work_id) DO NOTHING",
        )?;
        for path in paths {
            let file_name = path.display().to_string();
            let mut file = CitationFileReport {
                path: path.clone(),
                ..CitationFileReport::default()
            };
            let mut items = Vec::new();
            read_citation_file(path, &mut |item| items.push(item))?;
            let mut by_kind: Vec<(String, u64)> = Vec::new();
            for item in items {
                file.rows += 1;
                let problem = match item {
                    CitationItem::Reject(r) => Some(("rejected", r.line, r.reason)),
                    CitationItem::Row(row) => match keys.resolve(&row.keys) {
                        Err((kind, reason)) => Some((kind, row.line, reason)),
                        Ok((work, kind)) => {
                            match store_row(
                                &mut find,
                                &mut upsert,
                                &mut seen,
                                &file_name,
                                work,
                                &row,
                            )? {
                                Stored::Duplicate(reason) => Some(("rejected", row.line, reason)),
                                outcome => {
                                    file.matched += 1;
                                    match by_kind.iter_mut().find(|(k, _)| k == kind) {
                                        Some((_, n)) => *n += 1,
                                        None => by_kind.push((kind.to_string(), 1)),
                                    }
                                    if matches!(outcome, Stored::Changed) {
                                        file.stored += 1;
                                        changed = true;
                                        queue.execute([work])?;
                                    } else {
                                        file.unchanged += 1;
                                    }
                                    None
                                }
                            }
                        }
                    },
                };
                if let Some((kind, line, reason)) = problem {
                    if kind == "ambiguous" {
                        file.ambiguous += 1;
                    } else {
                        file.rejected += 1;
                    }
                    let out = match &mut rejects {
                        Some(w) => w,
                        None => {
                            let f =
                                std::fs::File::create(rejects_path).map_err(io(rejects_path))?;
                            report.rejects_path = Some(rejects_path.to_path_buf());
                            rejects.insert(std::io::BufWriter::new(f))
                        }
                    };
                    let problem = CitationProblem {
                        file: file_name.clone(),
                        line,
                        kind,
                        reason,
                    };
                    serde_json::to_writer(&mut *out, &problem)
                        .map_err(|e| CorpusError::Invalid(e.to_string()))?;
                    out.write_all(b"\n").map_err(io(rejects_path))?;
                    if report.problems.len() < PROBLEMS_KEPT {
                        report.problems.push(problem);
                    }
                }
            }
            file.matched_by = by_kind;
            report.rows += file.rows;
            report.matched += file.matched;
            report.stored += file.stored;
            report.ambiguous += file.ambiguous;
            report.rejected += file.rejected;
            report.files.push(file);
        }
    }
    if changed {
        let generation = meta_get_i64(&tx, "corpus_generation")?;
        meta_set(&tx, "corpus_generation", &(generation + 1).to_string())?;
    }
    tx.commit()?;
    if let Some(mut w) = rejects {
        w.flush().map_err(io(rejects_path))?;
    }
    Ok(report)
}

enum Stored {
    Changed,
    Unchanged,
    Duplicate(String),
}

fn store_row(
    find: &mut rusqlite::Statement<'_>,
    upsert: &mut rusqlite::Statement<'_>,
    seen: &mut HashMap<(i64, String, u32), (String, u64)>,
    file: &str,
    work: i64,
    row: &CitationRow,
) -> Result<Stored> {
    let window = row.window_days.unwrap_or(0);
    let key = (work, row.source.clone(), window);
    if let Some((f, l)) = seen.get(&key) {
        return Ok(Stored::Duplicate(format!(
            "duplicate: {f}:{l} already gave this paper's {} count{}",
            row.source,
            if window > 0 {
                format!(" within {window} days")
            } else {
                String::new()
            }
        )));
    }
    seen.insert(key, (file.to_string(), row.line));
    use rusqlite::OptionalExtension;
    let existing: Option<(i64, Option<String>)> = find
        .query_row(params![work, row.source, window], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    if existing.as_ref() == Some(&(row.count, row.as_of.clone())) {
        return Ok(Stored::Unchanged);
    }
    upsert.execute(params![
        work,
        row.source,
        window,
        row.count,
        row.as_of,
        file,
        row.line as i64
    ])?;
    Ok(Stored::Changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_normalised() {
        assert_eq!(norm_doi("https://doi.org/10.1/AbC"), "10.1/abc");
        assert_eq!(norm_arxiv("arXiv:2203.02155v3"), "2203.02155");
        assert_eq!(norm_arxiv("https://arxiv.org/abs/1706.03762"), "1706.03762");
        assert_eq!(norm_arxiv("2203.02155"), "2203.02155");
        assert_eq!(norm_openalex("https://openalex.org/w123"), "W123");
    }
}
