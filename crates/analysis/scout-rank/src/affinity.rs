//! The affinity model: how well a researcher's papers match a text (a topic, a submission's
//! title and abstract, a role description), as conference reviewer matching needs it.
//!
//! A text becomes a [`TextProfile`]: its analysed terms as a normalised `(1 + ln tf) · idf` bag
//! (idf from the corpus) and its semantic vector from the corpus's [`SemanticModel`]. Two texts'
//! similarity is `w · lexical cosine + (1 − w) · semantic cosine`; a researcher's affinity to a
//! text aggregates the similarities of their papers ([`Aggregate`]).
//!
//! Also reads and writes the OpenReview expertise format (`archives/~ID.jsonl`, one researcher's
//! papers per file; `submissions.json`; scores as CSV rows `submission,researcher,score`), the
//! format of openreview-expertise.

use std::path::{Path, PathBuf};

use scout_corpus::SemanticModel;
use scout_corpus::semantic::tokens;
use serde::Serialize;

use crate::error::{RankError, Result};

/// How a researcher's per-paper similarities become one affinity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// The best-matching paper.
    Max,
    /// The mean of the `n` best-matching papers.
    TopMean(usize),
    /// The mean over all papers.
    Mean,
}

impl Aggregate {
    pub fn parse(s: &str) -> Option<Aggregate> {
        match s {
            "max" => Some(Aggregate::Max),
            "mean" => Some(Aggregate::Mean),
            _ => s
                .strip_prefix("top")
                .and_then(|n| n.parse().ok())
                .filter(|n| *n > 0)
                .map(Aggregate::TopMean),
        }
    }
}

/// Settings of the affinity model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AffinityOptions {
    /// Weight of the lexical cosine against the semantic one, in [0, 1].
    pub lexical_weight: f64,
    pub aggregate: Aggregate,
}

impl Default for AffinityOptions {
    fn default() -> Self {
        // Chosen on the tuning half of the held-back-paper protocol (docs/quality.md).
        AffinityOptions {
            lexical_weight: 0.9,
            aggregate: Aggregate::TopMean(3),
        }
    }
}

/// A text as the model sees it.
#[derive(Debug, Clone, Default)]
pub struct TextProfile {
    lexical: Vec<(String, f32)>,
    semantic: Option<Vec<f32>>,
}

/// The affinity model over a corpus's semantic model.
pub struct Affinity<'m> {
    model: &'m SemanticModel,
    pub options: AffinityOptions,
}

impl<'m> Affinity<'m> {
    pub fn new(model: &'m SemanticModel, options: AffinityOptions) -> Self {
        Affinity { model, options }
    }

    pub fn profile(&self, text: &str) -> TextProfile {
        let toks = tokens(text);
        let terms: Vec<&str> = toks.iter().map(|(_, t)| t.as_str()).collect();
        TextProfile {
            lexical: self.model.lexical(&terms),
            semantic: self.model.embed_terms(&terms),
        }
    }

    /// Similarity of two texts in [−1, 1] (in practice [0, 1]).
    pub fn similarity(&self, a: &TextProfile, b: &TextProfile) -> f64 {
        let w = self.options.lexical_weight.clamp(0.0, 1.0);
        let lexical = sparse_dot(&a.lexical, &b.lexical);
        let semantic = match (&a.semantic, &b.semantic) {
            (Some(x), Some(y)) => x.iter().zip(y).map(|(p, q)| f64::from(p * q)).sum(),
            _ => 0.0,
        };
        w * lexical + (1.0 - w) * semantic
    }

    /// A researcher's affinity to `text` from the profiles of their papers.
    pub fn affinity(&self, papers: &[TextProfile], text: &TextProfile) -> f64 {
        let mut sims: Vec<f64> = papers.iter().map(|p| self.similarity(p, text)).collect();
        aggregate(&mut sims, self.options.aggregate)
    }
}

/// Aggregates similarities (sorted in place, best first).
pub fn aggregate(sims: &mut [f64], how: Aggregate) -> f64 {
    if sims.is_empty() {
        return 0.0;
    }
    sims.sort_by(|a, b| b.total_cmp(a));
    match how {
        Aggregate::Max => sims[0],
        Aggregate::Mean => sims.iter().sum::<f64>() / sims.len() as f64,
        Aggregate::TopMean(n) => {
            let n = n.min(sims.len());
            sims[..n].iter().sum::<f64>() / n as f64
        }
    }
}

fn sparse_dot(a: &[(String, f32)], b: &[(String, f32)]) -> f64 {
    let (mut i, mut j, mut s) = (0, 0, 0f64);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += f64::from(a[i].1 * b[j].1);
                i += 1;
                j += 1;
            }
        }
    }
    s
}

/// One paper of the OpenReview expertise format.
#[derive(Debug, Clone)]
pub struct ExpertisePaper {
    pub id: String,
    pub title: String,
    pub abstract_text: String,
}

impl ExpertisePaper {
    pub fn text(&self) -> String {
        if self.abstract_text.is_empty() {
            self.title.clone()
        } else {
            format!("{}. {}", self.title, self.abstract_text)
        }
    }

    fn from_json(v: &serde_json::Value, fallback_id: &str) -> ExpertisePaper {
        let content = v.get("content").unwrap_or(v);
        let field = |name: &str| -> String {
            match content.get(name) {
                Some(serde_json::Value::String(s)) => s.clone(),
                // OpenReview API v2 wraps values: {"value": "..."}.
                Some(o) => o
                    .get("value")
                    .and_then(|x| x.as_str())
                    .unwrap_or_default()
                    .to_string(),
                None => String::new(),
            }
        };
        ExpertisePaper {
            id: v
                .get("id")
                .and_then(|x| x.as_str())
                .unwrap_or(fallback_id)
                .to_string(),
            title: field("title"),
            abstract_text: field("abstract"),
        }
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> RankError + '_ {
    move |e| RankError::Invalid(format!("{}: {e}", path.display()))
}

/// Reads `DIR/~ID.jsonl` files: researcher id (the file name without `.jsonl`) and papers.
pub fn read_archives(dir: &Path) -> Result<Vec<(String, Vec<ExpertisePaper>)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_err(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(RankError::Invalid(format!(
            "{}: no archive files (~ID.jsonl, one researcher's papers per file)",
            dir.display()
        )));
    }
    let mut out = Vec::with_capacity(files.len());
    for path in files {
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
        let mut papers = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
                RankError::Invalid(format!("{} line {}: {e}", path.display(), n + 1))
            })?;
            papers.push(ExpertisePaper::from_json(&v, &format!("{id}:{}", n + 1)));
        }
        out.push((id, papers));
    }
    Ok(out)
}

/// Reads submissions: a JSON object keyed by id, a JSON array, or JSON Lines.
pub fn read_submissions(path: &Path) -> Result<Vec<ExpertisePaper>> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    let bad = |e: serde_json::Error| RankError::Invalid(format!("{}: {e}", path.display()));
    let mut out = Vec::new();
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(map)) => {
            for (id, v) in map {
                out.push(ExpertisePaper::from_json(&v, &id));
            }
        }
        Ok(serde_json::Value::Array(items)) => {
            for (n, v) in items.iter().enumerate() {
                out.push(ExpertisePaper::from_json(v, &n.to_string()));
            }
        }
        Ok(_) => {
            return Err(RankError::Invalid(format!(
                "{}: expected an object of submissions keyed by id, an array or JSON Lines",
                path.display()
            )));
        }
        Err(_) => {
            for (n, line) in text.lines().enumerate() {
                if !line.trim().is_empty() {
                    let v: serde_json::Value = serde_json::from_str(line).map_err(bad)?;
                    out.push(ExpertisePaper::from_json(&v, &n.to_string()));
                }
            }
        }
    }
    Ok(out)
}

/// Scores every (submission, researcher) pair: rows of submission id, researcher id, score.
pub fn score_all(
    affinity: &Affinity<'_>,
    archives: &[(String, Vec<ExpertisePaper>)],
    submissions: &[ExpertisePaper],
) -> Vec<(String, String, f64)> {
    let researchers: Vec<(&str, Vec<TextProfile>)> = archives
        .iter()
        .map(|(id, papers)| {
            (
                id.as_str(),
                papers.iter().map(|p| affinity.profile(&p.text())).collect(),
            )
        })
        .collect();
    let mut rows = Vec::with_capacity(submissions.len() * researchers.len());
    for s in submissions {
        let profile = affinity.profile(&s.text());
        for (rid, papers) in &researchers {
            rows.push((
                s.id.clone(),
                (*rid).to_string(),
                affinity.affinity(papers, &profile),
            ));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregates() {
        let mut s = vec![0.1, 0.9, 0.5];
        assert_eq!(aggregate(&mut s, Aggregate::Max), 0.9);
        assert!((aggregate(&mut s, Aggregate::TopMean(2)) - 0.7).abs() < 1e-12);
        assert!((aggregate(&mut s, Aggregate::Mean) - 0.5).abs() < 1e-12);
        assert_eq!(aggregate(&mut [], Aggregate::Max), 0.0);
        assert_eq!(Aggregate::parse("top3"), Some(Aggregate::TopMean(3)));
        assert_eq!(Aggregate::parse("top0"), None);
    }

    #[test]
    fn sparse_dot_matches_shared_terms_only() {
        let a = vec![("learn".to_string(), 0.6), ("reinforc".to_string(), 0.8)];
        let b = vec![("reinforc".to_string(), 1.0)];
        assert!((sparse_dot(&a, &b) - 0.8).abs() < 1e-6);
    }

    #[test]
    fn the_expertise_format_is_read() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| RankError::Invalid(e.to_string()))?;
        let archives = dir.path().join("archives");
        std::fs::create_dir(&archives).map_err(io_err(&archives))?;
        std::fs::write(
            archives.join("~Ada_Lovelace1.jsonl"),
            "{\"id\": \"p1\", \"content\": {\"title\": \"Engines\", \"abstract\": \"On analytical engines.\"}}\n",
        )
        .map_err(io_err(&archives))?;
        let subs = dir.path().join("submissions.json");
        std::fs::write(
            &subs,
            r#"{"s1": {"id": "s1", "content": {"title": {"value": "Looms"}, "abstract": "Punched cards."}}}"#,
        )
        .map_err(io_err(&subs))?;
        let a = read_archives(&archives)?;
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].0, "~Ada_Lovelace1");
        assert_eq!(a[0].1[0].text(), "Engines. On analytical engines.");
        let s = read_submissions(&subs)?;
        assert_eq!(s[0].id, "s1");
        assert_eq!(s[0].title, "Looms");
        Ok(())
    }
}
