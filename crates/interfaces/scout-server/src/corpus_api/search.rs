//! `GET /api/search`: find by name from the top bar — researchers from the loaded corpus's
//! name index, the workspace's candidates by the same rules, organisations by a word of their
//! name.

use axum::Extension;
use axum::extract::State;
use schemars::JsonSchema;
use scout_corpus::name_search::NameIndex;
use scout_corpus::researchers;
use scout_corpus::rusqlite::OptionalExtension;
use scout_pipeline::Stage;
use scout_pipeline::model::CandidateFilter;
use serde::{Deserialize, Serialize};

use super::loaded::{Api, clamp_limit, corpus_err};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::route::Reply;
use crate::state::AppState;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchParams {
    q: String,
    limit: Option<usize>,
}

/// What a name search found.
#[derive(Serialize, JsonSchema)]
pub(crate) struct SearchAnswer {
    query: String,
    researchers: Vec<ResearcherHit>,
    candidates: Vec<CandidateHit>,
    orgs: Vec<OrgHit>,
}

/// A researcher whose name matches, with what tells namesakes apart.
#[derive(Serialize, JsonSchema)]
pub(crate) struct ResearcherHit {
    id: i64,
    key: String,
    name: String,
    current_org: Option<String>,
    n_works: i64,
    first_year: Option<i32>,
    last_year: Option<i32>,
    /// Name words matched (typos and prefixes allowed).
    matched_words: usize,
    similarity: f64,
    /// Their most cited paper.
    top_paper: Option<TopPaper>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct TopPaper {
    title: String,
    year: Option<i32>,
    venue: Option<String>,
}

/// A candidate of the workspace whose name matches.
#[derive(Serialize, JsonSchema)]
pub(crate) struct CandidateHit {
    id: i64,
    name: String,
    stage: Stage,
    researcher_key: Option<String>,
    source_org: Option<String>,
}

/// An organisation whose name matches.
#[derive(Serialize, JsonSchema)]
pub(crate) struct OrgHit {
    id: i64,
    name: String,
    org_type: String,
    country: Option<String>,
    current_researchers: i64,
}

/// Longest search text accepted (a name, not a document).
const MAX_SEARCH_CHARS: usize = 200;

pub(crate) async fn search(
    State(state): State<AppState>,
    Extension(api): Api,
    auth: Auth,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<Reply<SearchAnswer>> {
    let q = p.q.trim().to_string();
    if q.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
        return Err(ApiError::bad_request(
            "q must hold at least two letters or digits",
        ));
    }
    if q.chars().count() > MAX_SEARCH_CHARS {
        return Err(ApiError::bad_request(format!(
            "q is longer than {MAX_SEARCH_CHARS} characters: search for a name"
        )));
    }
    let limit = clamp_limit(p.limit, 10).min(50);
    // The workspace's candidates, matched by the same rules (read like the board does, so the
    // read is audited).
    let pool = state
        .store
        .list_candidates(
            &auth.actor,
            &CandidateFilter {
                limit: Some(1000),
                ..CandidateFilter::default()
            },
        )
        .await?;
    let names = NameIndex::from_names(pool.iter().map(|c| (c.id, c.name.as_str(), 0)));
    let candidates: Vec<CandidateHit> = names
        .search(&q, limit)
        .into_iter()
        .filter_map(|m| pool.iter().find(|c| c.id == m.researcher_id))
        .map(|c| CandidateHit {
            id: c.id,
            name: c.name.clone(),
            stage: c.stage,
            researcher_key: c.researcher_key.clone(),
            source_org: c.source_org.clone(),
        })
        .collect();
    let query = q.clone();
    let sets = super::employers::set_employers(&state).await?;
    api.with(move |c| {
        if c.names.is_none() {
            c.names = Some(NameIndex::load(c.corpus.conn()).map_err(corpus_err)?);
        }
        let conn = c.corpus.conn();
        let mut researchers = Vec::new();
        let found = c
            .names
            .as_ref()
            .map(|n| n.search(&query, limit))
            .unwrap_or_default();
        for m in found {
            let Some(mut r) = researchers::by_id(conn, m.researcher_id).map_err(corpus_err)? else {
                continue;
            };
            super::employers::apply_all(conn, &sets, std::iter::once(&mut r))?;
            let top_paper: Option<TopPaper> = conn
                .query_row(
                    "SELECT w.title, w.year, w.venue FROM authorship_researcher a
                     JOIN works w ON w.id = a.work_id WHERE a.researcher_id = ?1
                     ORDER BY COALESCE(w.citations, 0) DESC, w.year DESC, w.id LIMIT 1",
                    [r.id],
                    |row| {
                        Ok(TopPaper {
                            title: row.get(0)?,
                            year: row.get(1)?,
                            venue: row.get(2)?,
                        })
                    },
                )
                .optional()
                .map_err(|e| corpus_err(e.into()))?;
            researchers.push(ResearcherHit {
                id: r.id,
                key: r.key,
                name: r.name,
                current_org: r.current_org,
                n_works: r.n_works,
                first_year: r.first_year,
                last_year: r.last_year,
                matched_words: m.words,
                similarity: m.similarity,
                top_paper,
            });
        }
        let pattern = format!("%{}%", scout_corpus::names::fold(&query).trim());
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, name, org_type, country, current_researchers FROM organisations
                 WHERE key LIKE ?1 OR name LIKE ?1
                 ORDER BY current_researchers DESC, name LIMIT ?2",
            )
            .map_err(|e| corpus_err(e.into()))?;
        let orgs: Vec<OrgHit> = stmt
            .query_map(
                scout_corpus::rusqlite::params![pattern, limit as i64],
                |row| {
                    Ok(OrgHit {
                        id: row.get(0)?,
                        name: row.get(1)?,
                        org_type: row.get(2)?,
                        country: row.get(3)?,
                        current_researchers: row.get(4)?,
                    })
                },
            )
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| corpus_err(e.into()))?;
        Ok(Reply::ok(SearchAnswer {
            query,
            researchers,
            candidates,
            orgs,
        }))
    })
    .await
}
