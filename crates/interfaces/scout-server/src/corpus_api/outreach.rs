//! Outreach from the candidate page: a draft that cites the candidate's own papers on our
//! topics and the warmest introduction path from our organisation, and the check of a claimed
//! publication list. Both read the corpus the server holds loaded (index, co-author graph),
//! never a second copy.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use rustc_hash::FxHashSet;
use schemars::JsonSchema;
use scout_corpus::researchers::{self, Researcher};
use scout_network::paths;
use scout_pipeline::outreach::{
    DraftEvidence, DraftPaper, PathHop, TEMPLATES, WarmPath, render_draft,
};
use serde::{Deserialize, Serialize};

use super::claims::{ClaimReport, check_claims, normalise_title};
use super::loaded::{CorpusApi, Inner, corpus_err, network_err};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::route::Reply;
use crate::state::AppState;

/// Papers cited in a draft.
const DRAFT_PAPERS: usize = 3;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DraftQuery {
    /// Comma-separated topics of the lab (at most five are used) [default: the workspace's].
    #[serde(default)]
    topics: Option<String>,
    /// `intro` (default) or `short`.
    #[serde(default)]
    template: Option<String>,
    /// [default: the workspace's lab name]
    #[serde(default)]
    lab: Option<String>,
    #[serde(default)]
    sender: Option<String>,
    /// Our organisation, for the warm path [default: the workspace's].
    #[serde(default)]
    our_org: Option<String>,
}

/// A draft and what it cites; `note` says why it cites nothing when the corpus cannot help.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Draft {
    draft: String,
    template: String,
    evidence: DraftEvidence,
    note: Option<String>,
}

pub(crate) async fn outreach_draft(
    State(state): State<AppState>,
    Extension(api): Extension<Arc<CorpusApi>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DraftQuery>,
) -> ApiResult<Reply<Draft>> {
    let c = state.store.get_candidate(&auth.actor, id).await?;
    // What the query leaves out comes from the workspace settings.
    let settings = state.store.settings().await?.settings;
    let pick = |asked: Option<String>, set: &str| {
        asked
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .or_else(|| Some(set.trim().to_string()).filter(|s| !s.is_empty()))
    };
    let lab = pick(q.lab, &settings.lab).unwrap_or_else(|| "our lab".to_string());
    let our_org = pick(q.our_org, &settings.our_org);
    let topics_text = pick(q.topics, &settings.topics).unwrap_or_default();
    let template_name = q.template.unwrap_or_else(|| "intro".into());
    let template = TEMPLATES
        .iter()
        .find(|(n, _)| *n == template_name)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            ApiError::bad_request(format!("unknown template {template_name:?} (intro, short)"))
        })?;
    let topics: Vec<String> = topics_text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .take(5)
        .collect();
    // A corpus path whose file does not exist yet (nothing ingested) is no corpus.
    let has_corpus = api.path().is_some_and(std::path::Path::exists);
    let (evidence, note) = match (has_corpus, c.researcher_key.clone()) {
        (false, _) => (
            DraftEvidence::default(),
            Some("the server has no corpus: the draft cannot cite papers".to_string()),
        ),
        (true, None) => (
            DraftEvidence::default(),
            Some(
                "the candidate is not linked to a researcher: the draft cannot cite papers"
                    .to_string(),
            ),
        ),
        (true, Some(key)) => {
            let topics = topics.clone();
            let our_org = our_org.clone();
            api.with(move |c| match linked_researcher(c, &key)? {
                None => Ok((
                    DraftEvidence::default(),
                    Some(format!("researcher {key:?} is not in the corpus")),
                )),
                Some(r) => Ok((
                    evidence(c, &r, &topics, our_org.as_deref(), DRAFT_PAPERS)?,
                    None,
                )),
            })
            .await?
        }
    };
    let draft = render_draft(
        template,
        &c.name,
        &lab,
        &settings.pitch,
        q.sender.as_deref().unwrap_or(&auth.actor.name),
        &topics,
        &evidence,
    );
    Ok(Reply::ok(Draft {
        draft,
        template: template_name,
        evidence,
        note,
    }))
}

/// The researcher a candidate's key names, if the corpus has them.
fn linked_researcher(c: &Inner, key: &str) -> ApiResult<Option<Researcher>> {
    Ok(researchers::find(c.corpus.conn(), key)
        .map_err(corpus_err)?
        .into_iter()
        .next())
}

/// The researcher's papers that match the topics best (BM25 over the index, restricted to
/// their own papers), at most `limit`, and the warmest path from `our_org`'s people over the
/// loaded co-author graph.
fn evidence(
    c: &Inner,
    r: &Researcher,
    topics: &[String],
    our_org: Option<&str>,
    limit: usize,
) -> ApiResult<DraftEvidence> {
    let conn = c.corpus.conn();
    let mut own: rustc_hash::FxHashMap<i64, (String, Option<i32>, Option<String>)> =
        Default::default();
    {
        let mut stmt = conn
            .prepare_cached(
                "SELECT w.id, w.title, w.year, w.venue FROM authorship_researcher ar \
                 JOIN works w ON w.id = ar.work_id WHERE ar.researcher_id = ?1",
            )
            .map_err(|e| corpus_err(e.into()))?;
        let rows = stmt
            .query_map([r.id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    (row.get(1)?, row.get(2)?, row.get(3)?),
                ))
            })
            .map_err(|e| corpus_err(e.into()))?;
        for row in rows {
            let (id, v) = row.map_err(|e| corpus_err(e.into()))?;
            own.insert(id, v);
        }
    }
    let mut papers: Vec<DraftPaper> = Vec::new();
    // Normalised titles already chosen: one paper in two venues is cited once.
    let mut seen: FxHashSet<String> = FxHashSet::default();
    for topic in topics {
        for hit in c.index.search(topic, 5000, None).map_err(corpus_err)? {
            if let Some((title, year, venue)) = own.get(&hit.work_id)
                && seen.insert(normalise_title(title))
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
    let warm_path = match (our_org, u32::try_from(r.id)) {
        (Some(org), Ok(target)) if (target as usize) < c.graph.len() => {
            let sources: FxHashSet<u32> = paths::people_of_org(conn, org)
                .map_err(network_err)?
                .into_iter()
                .collect();
            let chains =
                paths::best_chains(&c.graph, &sources, target, 3, 1).map_err(network_err)?;
            match chains.first() {
                Some(chain) => {
                    let d = paths::describe(conn, &c.graph, chain, 2).map_err(network_err)?;
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
        _ => None,
    };
    Ok(DraftEvidence {
        researcher_key: Some(r.key.clone()),
        papers,
        warm_path,
    })
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClaimsReq {
    /// The claimed publications: BibTeX, CSV or one title per line.
    text: String,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Claims {
    claims: ClaimReport,
}

pub(crate) async fn claims(
    State(state): State<AppState>,
    Extension(api): Extension<Arc<CorpusApi>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ClaimsReq>,
) -> ApiResult<Reply<Claims>> {
    let c = state.store.get_candidate(&auth.actor, id).await?;
    let key = c.researcher_key.clone();
    let report = api
        .with(move |c| {
            let researcher = match &key {
                Some(k) => linked_researcher(c, k)?,
                None => None,
            };
            check_claims(c.corpus.conn(), &c.index, researcher.as_ref(), &req.text)
        })
        .await?;
    Ok(Reply::ok(Claims { claims: report }))
}
