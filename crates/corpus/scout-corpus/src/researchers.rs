//! Reading researchers: lookup by id, key or name, and profiles (papers by year,
//! affiliations over time, co-authors, venues).

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, params};
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

use crate::error::{CorpusError, Result};
use crate::names::name_key;
use crate::stored::decode_authors;

/// Career stage from years since first publication (early ≤ 6, mid 7–12, senior > 12): the
/// corpus's estimate, the List's filter and the committee's override all use this one type
/// (the recruiting pipeline's funnel stage is `scout_pipeline::stage::Stage`, another thing).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum CareerStage {
    Early,
    Mid,
    Senior,
}

impl CareerStage {
    pub fn from_years(years: i32) -> CareerStage {
        match years {
            ..=6 => CareerStage::Early,
            7..=12 => CareerStage::Mid,
            _ => CareerStage::Senior,
        }
    }

    pub fn parse(s: &str) -> Option<CareerStage> {
        match s.trim().to_ascii_lowercase().as_str() {
            "early" => Some(CareerStage::Early),
            "mid" => Some(CareerStage::Mid),
            "senior" => Some(CareerStage::Senior),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CareerStage::Early => "early",
            CareerStage::Mid => "mid",
            CareerStage::Senior => "senior",
        }
    }
}

/// One row of the `researchers` table.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Researcher {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub openreview_id: Option<String>,
    pub orcid: Option<String>,
    pub dblp_id: Option<String>,
    pub openalex_id: Option<String>,
    pub n_works: i64,
    pub first_year: Option<i32>,
    pub last_year: Option<i32>,
    pub citations: i64,
    pub current_org: Option<String>,
    pub current_org_year: Option<i32>,
    pub current_org_type: Option<String>,
    pub current_country: Option<String>,
    /// Id in `organisations` of the current organisation.
    pub current_org_id: Option<i64>,
    /// Research community (co-author graph cluster), when the researcher has co-authors.
    pub community: Option<i64>,
    /// 0–1, how strongly the evidence supports the current organisation (see `current.rs`).
    pub current_org_confidence: Option<f64>,
    /// The evidence for the current organisation, in words.
    pub current_org_evidence: Option<String>,
    /// The current organisation's evidence is older than two years before the corpus's latest.
    pub current_org_stale: bool,
    /// Career stage estimated at refresh (see `career.rs`); `None` on databases not yet refreshed.
    pub career_stage: Option<CareerStage>,
    /// The first year is censored by the corpus's coverage: the stage is a lower bound.
    pub stage_at_least: bool,
    pub stage_basis: Option<String>,
    /// Where the researcher trained, inferred from early papers (see `trained.rs`).
    pub trained_at: Option<String>,
    pub trained_org_id: Option<i64>,
    pub trained_evidence: Option<String>,
    /// Who of the workspace's owners set the current organisation (it then wins over the
    /// inference; see `employer.rs`); `None` when it is inferred.
    pub current_org_set_by: Option<String>,
    /// When it was set (RFC 3339).
    pub current_org_set_at: Option<String>,
}

impl Researcher {
    /// Career stage as of `year` (the corpus's latest year).
    /// The refresh's estimate when there is one, else read from the first year.
    pub fn stage(&self, as_of: i32) -> Option<CareerStage> {
        self.career_stage
            .or_else(|| self.first_year.map(|f| CareerStage::from_years(as_of - f)))
    }

    /// The stage in words: "senior", or "at least mid" when the first year is censored.
    pub fn stage_label(&self, as_of: i32) -> Option<String> {
        self.stage(as_of).map(|s| {
            if self.stage_at_least && s != CareerStage::Senior {
                format!("at least {}", s.as_str())
            } else {
                s.as_str().to_string()
            }
        })
    }

    /// The current organisation with its last evidence year when stale: "OpenAI (last evidence 2018)".
    pub fn current_org_label(&self) -> Option<String> {
        let org = self.current_org.as_deref()?;
        Some(match self.current_org_year {
            Some(y) if self.current_org_stale => format!("{org} (last evidence {y})"),
            _ => org.to_string(),
        })
    }
}

const COLUMNS: &str =
    "id, key, name, openreview_id, orcid, dblp_id, openalex_id, n_works, first_year, last_year,
                       citations, current_org, current_org_year, current_org_type, current_country,
                       current_org_id, community, current_org_confidence, current_org_evidence,
                       current_org_stale, stage, stage_at_least, stage_basis, trained_at, trained_org_id,
                       trained_evidence";

fn from_row(r: &Row) -> rusqlite::Result<Researcher> {
    Ok(Researcher {
        id: r.get(0)?,
        key: r.get(1)?,
        name: r.get(2)?,
        openreview_id: r.get(3)?,
        orcid: r.get(4)?,
        dblp_id: r.get(5)?,
        openalex_id: r.get(6)?,
        n_works: r.get(7)?,
        first_year: r.get(8)?,
        last_year: r.get(9)?,
        citations: r.get(10)?,
        current_org: r.get(11)?,
        current_org_year: r.get(12)?,
        current_org_type: r.get(13)?,
        current_country: r.get(14)?,
        current_org_id: r.get(15)?,
        community: r.get(16)?,
        current_org_confidence: r.get(17)?,
        current_org_evidence: r.get(18)?,
        current_org_stale: r.get(19)?,
        career_stage: r
            .get::<_, Option<String>>(20)?
            .as_deref()
            .and_then(CareerStage::parse),
        stage_at_least: r.get(21)?,
        stage_basis: r.get(22)?,
        trained_at: r.get(23)?,
        trained_org_id: r.get(24)?,
        trained_evidence: r.get(25)?,
        current_org_set_by: None,
        current_org_set_at: None,
    })
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Option<Researcher>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM researchers WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// Finds researchers by key (`openreview:~Name1`), bare strong id (`~Name1`, an ORCID, `A…`),
/// numeric id, a key merged into another (the researcher holding it now), or name (normalised:
/// accents, case, "Last, First"). Most prolific first.
pub fn find(conn: &Connection, query: &str) -> Result<Vec<Researcher>> {
    let q = query.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    if let Ok(id) = q.parse::<i64>() {
        return Ok(by_id(conn, id)?.into_iter().collect());
    }
    // A researcher key is unique and indexed; the strong-id columns are not, so their lookup
    // scans the table (tens of milliseconds at paperlists) and runs only when no key matches.
    let keyed: Vec<Researcher> = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM researchers WHERE key = ?1"))?
        .query_map([q], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    if !keyed.is_empty() {
        return Ok(keyed);
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM researchers
         WHERE key = ?1 OR openreview_id = ?1 OR orcid = ?1 OR openalex_id = ?1 OR dblp_id = ?1
         ORDER BY n_works DESC, id"
    );
    let exact: Vec<Researcher> = conn
        .prepare_cached(&sql)?
        .query_map([q], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    if !exact.is_empty() {
        return Ok(exact);
    }
    // A key merged into another researcher's (`key_changes`): the researcher holding it now.
    if q.contains(':')
        && let Some(now) = crate::key_log::successor(conn, q)?
    {
        let sql = format!("SELECT {COLUMNS} FROM researchers WHERE key = ?1");
        let found: Vec<Researcher> = conn
            .prepare_cached(&sql)?
            .query_map([now], from_row)?
            .collect::<rusqlite::Result<_>>()?;
        if !found.is_empty() {
            return Ok(found);
        }
    }
    let sql =
        format!("SELECT {COLUMNS} FROM researchers WHERE name_norm = ?1 ORDER BY n_works DESC, id");
    Ok(conn
        .prepare_cached(&sql)?
        .query_map([name_key(q)], from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// The single researcher a query means, or an error naming close names.
pub fn resolve_one(conn: &Connection, query: &str) -> Result<Researcher> {
    let mut found = find(conn, query)?;
    match found.len() {
        0 => Err(no_researcher(conn, query)?),
        _ => Ok(found.swap_remove(0)),
    }
}

/// The error for a query that matches no researcher, with up to three close names.
pub fn no_researcher(conn: &Connection, query: &str) -> Result<CorpusError> {
    let suggestions = suggest(conn, query, 3)?
        .into_iter()
        .map(|r| describe_briefly(&r))
        .collect();
    Ok(CorpusError::NoResearcher {
        query: query.trim().to_string(),
        suggestions,
    })
}

/// "Percy Liang (Stanford University, 120 papers)": a name told apart from its namesakes.
pub fn describe_briefly(r: &Researcher) -> String {
    match &r.current_org {
        Some(org) => format!("{} ({org}, {} papers)", r.name, r.n_works),
        None => format!("{} ({} papers)", r.name, r.n_works),
    }
}

/// How close a name must be to count as a suggestion (normalised Damerau–Levenshtein
/// similarity of the normalised names: one typo in a 10-letter name is 0.9).
const SUGGEST_MIN_SIMILARITY: f64 = 0.8;

/// Researchers whose normalised name is close to `query`'s — a typo, a dropped or swapped
/// letter — most similar first, then the most prolific. A scan of every name (about 0.1 s at
/// 220,000 researchers), for the miss path only.
pub fn suggest(conn: &Connection, query: &str, limit: usize) -> Result<Vec<Researcher>> {
    let want = name_key(query);
    let want_len = want.chars().count();
    if want_len < 3 || limit == 0 {
        return Ok(Vec::new());
    }
    // A name whose length differs by more than this cannot reach the similarity.
    let slack = ((1.0 - SUGGEST_MIN_SIMILARITY) * want_len as f64).ceil() as usize + 1;
    let mut close: Vec<(f64, i64, i64)> = Vec::new();
    let mut stmt = conn.prepare_cached("SELECT id, name_norm, n_works FROM researchers")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(name) = r.get_ref(1)?.as_str().ok() else {
            continue;
        };
        if name.len().abs_diff(want.len()) > slack * 4
            || name.chars().count().abs_diff(want_len) > slack
        {
            continue;
        }
        let similarity = strsim::normalized_damerau_levenshtein(&want, name);
        if similarity >= SUGGEST_MIN_SIMILARITY {
            close.push((similarity, r.get(2)?, r.get(0)?));
        }
    }
    close.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut out = Vec::new();
    for (_, _, id) in close.into_iter().take(limit) {
        out.extend(by_id(conn, id)?);
    }
    Ok(out)
}

/// A paper in a profile.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProfilePaper {
    pub work_id: i64,
    pub key: String,
    pub title: String,
    pub year: Option<i32>,
    pub venue: Option<String>,
    pub status: Option<String>,
    pub citations: Option<i64>,
    pub url: Option<String>,
    /// 0-based author position and the number of authors.
    pub position: i64,
    pub n_authors: i64,
    pub authors: Vec<String>,
    /// The researcher's affiliations on this paper.
    pub affiliations: Vec<String>,
    /// A rejected or withdrawn submission: shown, and evidence for identity, affiliation and
    /// co-authorship, but not counted in scores (unless the List is asked to include them).
    pub not_accepted: bool,
}

/// True for the status of a rejected or withdrawn submission.
pub fn is_not_accepted(status: &str) -> bool {
    let s = status.to_ascii_lowercase();
    s.contains("reject") || s.contains("withdraw")
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Coauthor {
    pub researcher_id: i64,
    pub name: String,
    pub joint_papers: i64,
    pub last_year: Option<i32>,
}

/// An organisation in a researcher's timeline: the years of their first and last paper naming
/// it among their own affiliations, and how many papers do.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AffiliationPeriod {
    pub org: String,
    pub first_year: i32,
    pub last_year: i32,
    pub papers: i64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Profile {
    pub researcher: Researcher,
    pub stage: Option<CareerStage>,
    pub papers: Vec<ProfilePaper>,
    /// `(year, papers)`, oldest first.
    pub papers_by_year: Vec<(i32, i64)>,
    /// Resolved organisations, the most recent first.
    pub affiliations: Vec<AffiliationPeriod>,
    pub coauthors: Vec<Coauthor>,
    /// `(venue, papers)`, most first.
    pub venues: Vec<(String, i64)>,
    /// Name spellings found on papers, most frequent first.
    pub name_variants: Vec<(String, i64)>,
}

/// The researcher's organisations over time, as the refresh resolved them (`researcher_orgs`:
/// their own affiliations on dated papers, every spelling and unit of one organisation under its
/// name, bare departments left out), the most recent first. The papers list each paper's
/// affiliations as written.
pub fn affiliation_periods(
    conn: &Connection,
    researcher_id: i64,
) -> Result<Vec<AffiliationPeriod>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.name, MIN(ro.year), MAX(ro.year), SUM(ro.papers)
         FROM researcher_orgs ro JOIN organisations o ON o.id = ro.org_id
         WHERE ro.researcher_id = ?1 AND ro.year > 0
         GROUP BY ro.org_id
         ORDER BY MAX(ro.year) DESC, SUM(ro.papers) DESC, o.name",
    )?;
    let rows = stmt.query_map([researcher_id], |r| {
        Ok(AffiliationPeriod {
            org: r.get(0)?,
            first_year: r.get(1)?,
            last_year: r.get(2)?,
            papers: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Everything the corpus knows about one researcher.
pub fn profile(
    conn: &Connection,
    researcher: Researcher,
    as_of: i32,
    max_coauthors: usize,
) -> Result<Profile> {
    let mut papers = Vec::new();
    let mut variants: HashMap<String, i64> = HashMap::default();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT w.id, w.key, w.title, w.year, w.venue, w.status, w.citations, w.url, ar.position, w.n_authors,
                    w.authors
             FROM authorship_researcher ar JOIN works w ON w.id = ar.work_id
             WHERE ar.researcher_id = ?1
             ORDER BY w.year DESC, w.id",
        )?;
        let mut rows = stmt.query([researcher.id])?;
        while let Some(r) = rows.next()? {
            let position: i64 = r.get(8)?;
            let authors = decode_authors(r.get_ref(10)?.as_str().unwrap_or("[]"));
            let me = authors.get(position as usize);
            if let Some(me) = me {
                *variants.entry(me.name.clone()).or_default() += 1;
            }
            let work_id: i64 = r.get(0)?;
            // A paper can list the same person twice (source duplicates); show it once.
            if papers
                .last()
                .is_some_and(|p: &ProfilePaper| p.work_id == work_id)
            {
                continue;
            }
            papers.push(ProfilePaper {
                work_id,
                key: r.get(1)?,
                title: r.get(2)?,
                year: r.get(3)?,
                venue: r.get(4)?,
                status: r.get(5)?,
                not_accepted: r
                    .get::<_, Option<String>>(5)?
                    .as_deref()
                    .is_some_and(is_not_accepted),
                citations: r.get(6)?,
                url: r.get(7)?,
                position,
                n_authors: r.get(9)?,
                affiliations: me
                    .map(|m| {
                        m.affiliations
                            .iter()
                            .map(|a| a.display().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
                authors: authors.into_iter().map(|a| a.name).collect(),
            });
        }
    }
    let mut by_year: BTreeMap<i32, i64> = BTreeMap::new();
    let mut venues: HashMap<String, i64> = HashMap::default();
    for p in &papers {
        if let Some(y) = p.year {
            *by_year.entry(y).or_default() += 1;
        }
        if let Some(v) = &p.venue {
            *venues.entry(v.clone()).or_default() += 1;
        }
    }
    let affiliations = affiliation_periods(conn, researcher.id)?;
    let mut venues: Vec<(String, i64)> = venues.into_iter().collect();
    venues.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut name_variants: Vec<(String, i64)> = variants.into_iter().collect();
    name_variants.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));

    let mut coauthors = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT other.researcher_id, r.name, COUNT(DISTINCT other.work_id) AS n, MAX(w.year)
             FROM authorship_researcher me
             JOIN authorship_researcher other ON other.work_id = me.work_id AND other.researcher_id <> me.researcher_id
             JOIN researchers r ON r.id = other.researcher_id
             JOIN works w ON w.id = me.work_id
             WHERE me.researcher_id = ?1
             GROUP BY other.researcher_id
             ORDER BY n DESC, MAX(w.year) DESC, r.name
             LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![researcher.id, max_coauthors as i64], |r| {
            Ok(Coauthor {
                researcher_id: r.get(0)?,
                name: r.get(1)?,
                joint_papers: r.get(2)?,
                last_year: r.get(3)?,
            })
        })?;
        for c in rows {
            coauthors.push(c?);
        }
    }
    Ok(Profile {
        stage: researcher.stage(as_of),
        researcher,
        papers_by_year: by_year.into_iter().collect(),
        papers,
        affiliations,
        coauthors,
        venues,
        name_variants,
    })
}
