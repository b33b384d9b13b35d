//! What the pipeline reads from the corpus: a candidate's top papers for the lab's topics and
//! the warmest introduction path (for outreach drafts), and the check of a claimed
//! publication list against the corpus. Blocking (rusqlite, tantivy): call from a blocking
//! thread.

use std::collections::HashSet;
use std::path::Path;

use scout_corpus::Corpus;
use scout_corpus::researchers::{self, Researcher};
use scout_formats::claims::{Claim, parse_claims};
use serde::Serialize;

use crate::error::{Error, Result};

fn corpus_err(e: impl std::fmt::Display) -> Error {
    Error::Corpus(e.to_string())
}

/// Lower-case alphanumeric words of a title, accents kept as letters: `"Attention Is All
/// You Need!"` → `"attention is all you need"`.
pub fn normalise_title(t: &str) -> String {
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

/// An open corpus with the researcher a candidate is linked to.
pub struct Linked {
    corpus: Corpus,
    pub researcher: Option<Researcher>,
}

impl Linked {
    pub fn open(path: &Path, researcher_key: Option<&str>) -> Result<Linked> {
        if !path.exists() {
            return Err(Error::Corpus(format!("no corpus at {}", path.display())));
        }
        let corpus = Corpus::open(path).map_err(corpus_err)?;
        let researcher = match researcher_key {
            Some(k) => researchers::find(corpus.conn(), k)
                .map_err(corpus_err)?
                .into_iter()
                .next(),
            None => None,
        };
        Ok(Linked { corpus, researcher })
    }
}

/// A paper chosen for a draft.
#[derive(Debug, Clone, Serialize)]
pub struct DraftPaper {
    pub title: String,
    pub year: Option<i32>,
    pub venue: Option<String>,
    pub topic: String,
    pub relevance: f32,
}

/// One hop of a warm path.
#[derive(Debug, Clone, Serialize)]
pub struct PathHop {
    pub from: String,
    pub to: String,
    pub joint_papers: Vec<String>,
}

/// The best introduction path from our organisation's people.
#[derive(Debug, Clone, Serialize)]
pub struct WarmPath {
    pub warmth: f64,
    pub hops: Vec<PathHop>,
}

/// What a draft draws on from the corpus.
#[derive(Debug, Clone, Serialize, Default)]
pub struct DraftEvidence {
    pub researcher_key: Option<String>,
    pub papers: Vec<DraftPaper>,
    pub warm_path: Option<WarmPath>,
}

/// The candidate's papers that match the topics best (BM25 over the index, restricted to
/// the researcher's own papers), at most `limit`, and the warmest path from `our_org`.
pub fn evidence(
    linked: &mut Linked,
    topics: &[String],
    our_org: Option<&str>,
    limit: usize,
) -> Result<DraftEvidence> {
    let Some(r) = linked.researcher.clone() else {
        return Ok(DraftEvidence::default());
    };
    let conn = linked.corpus.conn();
    let mut own: std::collections::HashMap<i64, (String, Option<i32>, Option<String>)> =
        Default::default();
    {
        let mut stmt = conn
            .prepare("SELECT w.id, w.title, w.year, w.venue FROM authorship_researcher ar JOIN works w ON w.id = ar.work_id WHERE ar.researcher_id = ?1")
            .map_err(corpus_err)?;
        let rows = stmt
            .query_map([r.id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    (row.get(1)?, row.get(2)?, row.get(3)?),
                ))
            })
            .map_err(corpus_err)?;
        for row in rows {
            let (id, v) = row.map_err(corpus_err)?;
            own.insert(id, v);
        }
    }
    let mut papers: Vec<DraftPaper> = Vec::new();
    let index = linked.corpus.text_index().map_err(corpus_err)?;
    for topic in topics {
        for hit in index.search(topic, 5000, None).map_err(corpus_err)? {
            if let Some((title, year, venue)) = own.get(&hit.work_id)
                && !papers
                    .iter()
                    .any(|p| normalise_title(&p.title) == normalise_title(title))
            {
                papers.push(DraftPaper {
                    title: title.clone(),
                    year: *year,
                    venue: venue.clone(),
                    topic: topic.clone(),
                    relevance: hit.score,
                });
            }
        }
    }
    papers.sort_by(|a, b| b.relevance.total_cmp(&a.relevance));
    papers.truncate(limit);

    let warm_path = match our_org {
        Some(org) => {
            let conn = linked.corpus.conn();
            let sources: rustc_hash::FxHashSet<u32> =
                scout_network::paths::people_of_org(conn, org)
                    .map_err(corpus_err)?
                    .into_iter()
                    .collect();
            let graph = scout_network::Graph::load(conn).map_err(corpus_err)?;
            let target = u32::try_from(r.id).map_err(corpus_err)?;
            let chains = scout_network::paths::best_chains(&graph, &sources, target, 3, 1)
                .map_err(corpus_err)?;
            match chains.first() {
                Some(c) => {
                    let d =
                        scout_network::paths::describe(conn, &graph, c, 2).map_err(corpus_err)?;
                    Some(WarmPath {
                        warmth: d.warmth,
                        hops: d
                            .hops
                            .into_iter()
                            .map(|h| PathHop {
                                from: h.from_name,
                                to: h.to_name,
                                joint_papers: h.papers.into_iter().map(|p| p.title).collect(),
                            })
                            .collect(),
                    })
                }
                None => None,
            }
        }
        None => None,
    };
    Ok(DraftEvidence {
        researcher_key: Some(r.key),
        papers,
        warm_path,
    })
}

/// The built-in templates. Placeholders: `{{first_name}}`, `{{name}}`, `{{lab}}`,
/// `{{sender}}`, `{{topics}}`, `{{papers}}` (a sentence about their work), `{{intro}}`
/// (a line about a mutual colleague, or nothing).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "intro",
        "Subject: Your work on {{topics}}\n\nDear {{first_name}},\n\n{{papers}}\n\n{{intro}}I lead recruiting for {{lab}}, where we work on {{topics}}. Would you be open to a short conversation about what you would like to work on next? No commitment — I would simply like to hear about your plans.\n\nBest regards,\n{{sender}}\n",
    ),
    (
        "short",
        "Hi {{first_name}} — {{papers}} {{intro}}We at {{lab}} work on {{topics}}; would you have 20 minutes for a chat? — {{sender}}\n",
    ),
];

/// Fills a template.
pub fn render_draft(
    template: &str,
    name: &str,
    lab: &str,
    sender: &str,
    topics: &[String],
    ev: &DraftEvidence,
) -> String {
    let first = name.split_whitespace().next().unwrap_or(name);
    let topics_s = match topics.len() {
        0 => "our research".to_string(),
        1 => topics[0].clone(),
        n => format!("{} and {}", topics[..n - 1].join(", "), topics[n - 1]),
    };
    let papers = match ev.papers.as_slice() {
        [] => format!("I have been following your work and think it fits {topics_s}."),
        [p] => format!(
            "I read your paper \"{}\"{} with great interest.",
            p.title,
            year_s(p)
        ),
        [p, q, ..] => format!(
            "I read your papers \"{}\"{} and \"{}\"{} with great interest.",
            p.title,
            year_s(p),
            q.title,
            year_s(q)
        ),
    };
    let intro = match &ev.warm_path {
        Some(w) if !w.hops.is_empty() => {
            let first_hop = &w.hops[0];
            let via: Vec<&str> = w.hops.iter().skip(1).map(|h| h.from.as_str()).collect();
            if via.is_empty() {
                format!(
                    "{} on our team, your co-author, suggested I write. ",
                    first_hop.from
                )
            } else {
                format!(
                    "{} on our team knows you through {}. ",
                    first_hop.from,
                    via.join(" and ")
                )
            }
        }
        _ => String::new(),
    };
    template
        .replace("{{first_name}}", first)
        .replace("{{name}}", name)
        .replace("{{lab}}", lab)
        .replace("{{sender}}", sender)
        .replace("{{topics}}", &topics_s)
        .replace("{{papers}}", &papers)
        .replace("{{intro}}", &intro)
}

fn year_s(p: &DraftPaper) -> String {
    p.year.map(|y| format!(" ({y})")).unwrap_or_default()
}

/// The verdict on one claimed publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
pub struct ClaimReport {
    pub format: String,
    pub researcher_key: Option<String>,
    pub claims: Vec<ClaimCheck>,
    pub unreadable: Vec<String>,
    pub supported: usize,
    pub flagged: usize,
}

/// Checks a claimed publication list (BibTeX, CSV or plain titles) against the corpus.
pub fn check_claims(linked: &mut Linked, text: &str) -> Result<ClaimReport> {
    let list = parse_claims(text);
    let index = linked.corpus.text_index().map_err(corpus_err)?;
    let conn = linked.corpus.conn();
    let rid = linked.researcher.as_ref().map(|r| r.id);
    let mut out = Vec::new();
    for claim in &list.claims {
        out.push(check_one(conn, &index, rid, claim)?);
    }
    let supported = out
        .iter()
        .filter(|c| c.verdict == Verdict::Supported)
        .count();
    Ok(ClaimReport {
        format: list.format.to_string(),
        researcher_key: linked.researcher.as_ref().map(|r| r.key.clone()),
        flagged: out.len() - supported,
        supported,
        claims: out,
        unreadable: list.errors.iter().map(|e| e.to_string()).collect(),
    })
}

fn check_one(
    conn: &scout_corpus::rusqlite::Connection,
    index: &scout_corpus::TextIndex,
    researcher: Option<i64>,
    claim: &Claim,
) -> Result<ClaimCheck> {
    let want = normalise_title(&claim.title);
    // Candidate works: full-text hits for the title; the best normalised-title match wins.
    let mut best: Option<(f64, i64, String, Option<i32>)> = None;
    let mut title_stmt = conn
        .prepare_cached("SELECT title, year FROM works WHERE id = ?1")
        .map_err(corpus_err)?;
    for hit in index.search(&claim.title, 20, None).map_err(corpus_err)? {
        let (title, year): (String, Option<i32>) = title_stmt
            .query_row([hit.work_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(corpus_err)?;
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
        .map_err(corpus_err)?;
    let authors: Vec<(i64, String)> = stmt
        .query_map([work_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(corpus_err)?
        .collect::<std::result::Result<_, _>>()
        .map_err(corpus_err)?;
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

    #[test]
    fn drafts_use_papers_and_paths() {
        let ev = DraftEvidence {
            researcher_key: Some("k".into()),
            papers: vec![DraftPaper {
                title: "World Models".into(),
                year: Some(2018),
                venue: None,
                topic: "rl".into(),
                relevance: 3.0,
            }],
            warm_path: Some(WarmPath {
                warmth: 0.5,
                hops: vec![PathHop {
                    from: "Ann Ours".into(),
                    to: "Ada L".into(),
                    joint_papers: vec![],
                }],
            }),
        };
        let s = render_draft(
            TEMPLATES[0].1,
            "Ada Lovelace",
            "Lab X",
            "Olive",
            &["rl".into(), "planning".into()],
            &ev,
        );
        assert!(s.contains("Dear Ada,"));
        assert!(s.contains("\"World Models\" (2018)"));
        assert!(s.contains("Ann Ours on our team, your co-author"));
        assert!(s.contains("rl and planning"));
        assert!(!s.contains("{{"));
    }
}
