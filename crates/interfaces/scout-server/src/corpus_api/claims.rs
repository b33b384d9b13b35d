//! Checking a candidate's claimed publication list (BibTeX, CSV or plain titles) against the
//! corpus the server holds loaded: each claim is supported, by someone else, or not found.

use std::collections::HashSet;

use schemars::JsonSchema;
use scout_corpus::TextIndex;
use scout_corpus::researchers::Researcher;
use scout_corpus::rusqlite::Connection;
use scout_formats::claims::{Claim, parse_claims};
use serde::Serialize;

use super::loaded::corpus_err;
use crate::error::ApiResult;

/// Lower-case alphanumeric words of a title, accents kept as letters: `"Attention Is All
/// You Need!"` → `"attention is all you need"`.
pub(crate) fn normalise_title(t: &str) -> String {
    t.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn word_jaccard(a: &str, b: &str) -> f64 {
    let x: HashSet<&str> = a.split(' ').collect();
    let y: HashSet<&str> = b.split(' ').collect();
    let inter = x.intersection(&y).count() as f64;
    let union = x.union(&y).count() as f64;
    if union == 0.0 { 0.0 } else { inter / union }
}

/// The verdict on one claimed publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The paper is in the corpus with the candidate among its authors.
    Supported,
    /// The paper is in the corpus, but the candidate is not one of its authors.
    NotAnAuthor,
    /// No paper with this title in the corpus.
    NotFound,
    /// The paper exists, but the candidate is not linked to a corpus researcher.
    FoundUnlinked,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClaimCheck {
    pub line: u64,
    pub claimed_title: String,
    pub claimed_year: Option<i32>,
    pub verdict: Verdict,
    /// The corpus paper matched, its year and authors.
    pub matched_title: Option<String>,
    pub matched_year: Option<i32>,
    pub matched_authors: Vec<String>,
    /// 1.0 for an exact normalised-title match, else the word overlap.
    pub title_similarity: f64,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClaimReport {
    pub format: String,
    pub researcher_key: Option<String>,
    pub claims: Vec<ClaimCheck>,
    pub unreadable: Vec<String>,
    pub supported: usize,
    pub flagged: usize,
}

/// Checks a claimed publication list (BibTeX, CSV or plain titles) against the corpus.
pub(crate) fn check_claims(
    conn: &Connection,
    index: &TextIndex,
    researcher: Option<&Researcher>,
    text: &str,
) -> ApiResult<ClaimReport> {
    let list = parse_claims(text);
    let rid = researcher.map(|r| r.id);
    let mut out = Vec::new();
    for claim in &list.claims {
        out.push(check_one(conn, index, rid, claim)?);
    }
    let supported = out
        .iter()
        .filter(|c| c.verdict == Verdict::Supported)
        .count();
    Ok(ClaimReport {
        format: list.format.to_string(),
        researcher_key: researcher.map(|r| r.key.clone()),
        flagged: out.len() - supported,
        supported,
        claims: out,
        unreadable: list.errors.iter().map(|e| e.to_string()).collect(),
    })
}

fn check_one(
    conn: &Connection,
    index: &TextIndex,
    researcher: Option<i64>,
    claim: &Claim,
) -> ApiResult<ClaimCheck> {
    let want = normalise_title(&claim.title);
    // Candidate works: full-text hits for the title; the best normalised-title match wins.
    let mut best: Option<(f64, i64, String, Option<i32>)> = None;
    let mut title_stmt = conn
        .prepare_cached("SELECT title, year FROM works WHERE id = ?1")
        .map_err(|e| corpus_err(e.into()))?;
    for hit in index.search(&claim.title, 20, None).map_err(corpus_err)? {
        let (title, year): (String, Option<i32>) = title_stmt
            .query_row([hit.work_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| corpus_err(e.into()))?;
        let got = normalise_title(&title);
        let sim = if got == want {
            1.0
        } else {
            word_jaccard(&got, &want)
        };
        if best.as_ref().is_none_or(|b| sim > b.0) {
            best = Some((sim, hit.work_id, title, year));
        }
    }
    let mut check = ClaimCheck {
        line: claim.line,
        claimed_title: claim.title.clone(),
        claimed_year: claim.year,
        verdict: Verdict::NotFound,
        matched_title: None,
        matched_year: None,
        matched_authors: Vec::new(),
        title_similarity: best.as_ref().map_or(0.0, |b| b.0),
        note: None,
    };
    // Titles must agree almost word for word: a near-identical title is the same paper with
    // punctuation or a typo; anything looser is a different paper.
    let Some((sim, work_id, title, year)) = best.filter(|b| b.0 >= 0.85) else {
        return Ok(check);
    };
    let mut stmt = conn
        .prepare_cached(
            "SELECT ar.researcher_id, r.name FROM authorship_researcher ar JOIN researchers r ON r.id = ar.researcher_id \
             WHERE ar.work_id = ?1 ORDER BY ar.position",
        )
        .map_err(|e| corpus_err(e.into()))?;
    let authors: Vec<(i64, String)> = stmt
        .query_map([work_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(|e| corpus_err(e.into()))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| corpus_err(e.into()))?;
    check.matched_title = Some(title);
    check.matched_year = year;
    check.matched_authors = authors.iter().map(|a| a.1.clone()).collect();
    check.verdict = match researcher {
        None => Verdict::FoundUnlinked,
        Some(id) if authors.iter().any(|a| a.0 == id) => Verdict::Supported,
        Some(_) => Verdict::NotAnAuthor,
    };
    let mut notes = Vec::new();
    if sim < 1.0 {
        notes.push(format!(
            "title matched approximately ({:.0}% of words)",
            sim * 100.0
        ));
    }
    if let (Some(c), Some(y)) = (claim.year, year)
        && c != y
    {
        notes.push(format!("claimed year {c}, corpus year {y}"));
    }
    check.note = (!notes.is_empty()).then(|| notes.join("; "));
    Ok(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_normalise() {
        assert_eq!(
            normalise_title("Attention Is All You Need!"),
            "attention is all you need"
        );
        assert_eq!(normalise_title("  Deep-RL:  a survey "), "deep rl a survey");
        assert!(word_jaccard("a b c d e f g", "a b c d e f h") < 0.85);
    }
}
