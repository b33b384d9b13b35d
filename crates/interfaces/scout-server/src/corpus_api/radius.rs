//! The leak radius of the pipeline's candidates: who would hear of an approach, and an approach order.

use axum::Extension;
use axum::extract::State;
use schemars::JsonSchema;
use scout_corpus::researchers::{self, Researcher};
use scout_network::radius::{DIRECT_TIE_STRENGTH, Radius, Wave, approach_order_from, radius};
use scout_pipeline::Stage;
use scout_pipeline::model::CandidateFilter;
use serde::{Deserialize, Serialize};

use super::loaded::{Api, Inner, corpus_err, find_one, nonempty};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::route::Reply;
use crate::state::AppState;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RadiusParams {
    /// Comma-separated pipeline stages whose candidates form the shortlist (default: the open
    /// stages, `sourced` to `offer`).
    stages: Option<String>,
    /// A researcher (key or id), in the pipeline or not, whose reach into the shortlist is
    /// reported as `focus`.
    focus: Option<String>,
    /// Only candidates with this tag (a shortlist the committee named).
    tag: Option<String>,
    /// Only these candidates: comma-separated candidate ids (a selection).
    candidates: Option<String>,
}

/// Most candidates read for one radius (the pipeline's list endpoint pages by 1,000).
const MAX_RADIUS_CANDIDATES: i64 = 10_000;

#[derive(Serialize, JsonSchema)]
pub(crate) struct Person {
    id: i64,
    key: String,
    name: String,
    current_org: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct CandidateRef {
    id: i64,
    name: String,
    stage: Stage,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct RadiusTarget {
    researcher_id: i64,
    candidates: Vec<CandidateRef>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Unmatched {
    candidate_id: i64,
    name: String,
    researcher_key: String,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Focus {
    researcher_id: i64,
    in_pipeline: bool,
    radius: Radius,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct RadiusAnswer {
    stages: Vec<Stage>,
    targets: Vec<RadiusTarget>,
    /// Candidates in those stages without a researcher link.
    unlinked: usize,
    /// Candidates whose researcher key is not in this corpus.
    not_in_corpus: Vec<Unmatched>,
    radius: Vec<Radius>,
    /// Targets whose candidate is already contacted (stage `contacted` or later): the approach
    /// order starts from them.
    contacted: Vec<i64>,
    approach: Vec<Wave>,
    /// Ties weaker than this are not direct links in the approach order (one old paper among
    /// many authors): such co-authors may land in different waves.
    direct_tie_strength: f64,
    focus: Option<Focus>,
    /// Everyone an id above refers to (targets, shared co-authors, the focus).
    people: Vec<Person>,
}

fn parse_stages(raw: Option<String>) -> ApiResult<Vec<Stage>> {
    let Some(raw) = nonempty(raw) else {
        return Ok(Stage::ALL.into_iter().filter(|s| !s.is_outcome()).collect());
    };
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let stage: Stage = part.parse().map_err(|e: String| {
            ApiError::bad_request(format!(
                "{e} in stages; use sourced, shortlisted, finalist, contacted, responded, meeting, offer, accepted, declined or withdrawn"
            ))
        })?;
        if !out.contains(&stage) {
            out.push(stage);
        }
    }
    Ok(out)
}

/// A selection of candidate ids (`"3,7,12"`); `None` when not given.
fn parse_ids(raw: Option<String>) -> ApiResult<Option<Vec<i64>>> {
    let Some(raw) = nonempty(raw) else {
        return Ok(None);
    };
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!(
                    "{p:?} in candidates is not a candidate id; give ids separated by commas"
                ))
            })
        })
        .collect::<ApiResult<Vec<i64>>>()
        .map(Some)
}

/// The candidate has been approached: the approach order starts from them.
fn already_contacted(stage: Stage) -> bool {
    matches!(
        stage,
        Stage::Contacted
            | Stage::Responded
            | Stage::Meeting
            | Stage::Offer
            | Stage::Accepted
            | Stage::Declined
    )
}

/// The corpus researcher a candidate's stored key names: an exact key or strong-id match only
/// (never a name match, which could be someone else).
fn linked_researcher(c: &Inner, key: &str) -> ApiResult<Option<Researcher>> {
    let found = researchers::find(c.corpus.conn(), key).map_err(corpus_err)?;
    Ok(found.into_iter().find(|r| {
        r.key == key
            || [&r.openreview_id, &r.orcid, &r.openalex_id, &r.dblp_id]
                .iter()
                .any(|id| id.as_deref() == Some(key))
    }))
}

pub(crate) async fn leak_radius(
    State(state): State<AppState>,
    Extension(api): Api,
    auth: Auth,
    ApiQuery(p): ApiQuery<RadiusParams>,
) -> ApiResult<Reply<RadiusAnswer>> {
    let stages = parse_stages(p.stages)?;
    let focus = nonempty(p.focus);
    let tag = nonempty(p.tag);
    let selection = parse_ids(p.candidates)?;
    // The shortlist: every non-erased candidate in those stages (read like the board does, so
    // the read is audited).
    let mut candidates = Vec::new();
    let mut offset = 0;
    loop {
        let page = state
            .store
            .list_candidates(
                &auth.actor,
                &CandidateFilter {
                    limit: Some(1000),
                    offset: Some(offset),
                    tag: tag.clone(),
                    ..CandidateFilter::default()
                },
            )
            .await?;
        let n = page.len() as i64;
        candidates.extend(page.into_iter().filter(|c| {
            stages.contains(&c.stage) && selection.as_ref().is_none_or(|ids| ids.contains(&c.id))
        }));
        offset += n;
        if n < 1000 || offset >= MAX_RADIUS_CANDIDATES {
            break;
        }
    }
    api.with(move |c| {
        let mut people: Vec<Person> = Vec::new();
        let person = |r: &Researcher, people: &mut Vec<Person>| {
            if !people.iter().any(|p| p.id == r.id) {
                people.push(Person {
                    id: r.id,
                    key: r.key.clone(),
                    name: r.name.clone(),
                    current_org: r.current_org.clone(),
                });
            }
        };
        let mut targets: Vec<RadiusTarget> = Vec::new();
        let mut contacted: Vec<i64> = Vec::new();
        let mut not_in_corpus = Vec::new();
        let mut unlinked = 0;
        for cand in &candidates {
            let Some(key) = cand.researcher_key.as_deref() else {
                unlinked += 1;
                continue;
            };
            let Some(r) = linked_researcher(c, key)? else {
                not_in_corpus.push(Unmatched {
                    candidate_id: cand.id,
                    name: cand.name.clone(),
                    researcher_key: key.to_string(),
                });
                continue;
            };
            if already_contacted(cand.stage) && !contacted.contains(&r.id) {
                contacted.push(r.id);
            }
            let entry = CandidateRef {
                id: cand.id,
                name: cand.name.clone(),
                stage: cand.stage,
            };
            match targets.iter_mut().find(|t| t.researcher_id == r.id) {
                Some(t) => t.candidates.push(entry),
                None => {
                    targets.push(RadiusTarget {
                        researcher_id: r.id,
                        candidates: vec![entry],
                    });
                    person(&r, &mut people);
                }
            }
        }
        let ids: Vec<u32> = targets
            .iter()
            .filter_map(|t| u32::try_from(t.researcher_id).ok())
            .collect();
        let radii = radius(&c.graph, &ids);
        let contacted_ids: Vec<u32> = contacted
            .iter()
            .filter_map(|&id| u32::try_from(id).ok())
            .collect();
        let approach = approach_order_from(&c.graph, &ids, &contacted_ids);
        let focus = match &focus {
            Some(key) => {
                let (r, _) = find_one(c, key)?;
                let fid = u32::try_from(r.id)
                    .map_err(|_| ApiError::internal("researcher id out of range"))?;
                let in_pipeline = ids.contains(&fid);
                // The focus's reach among the others: measured with the focus added to the
                // shortlist, so that a researcher not (yet) in the pipeline can be checked.
                let mut with_focus = ids.clone();
                if !in_pipeline {
                    with_focus.push(fid);
                }
                let own = radius(&c.graph, &with_focus)
                    .into_iter()
                    .find(|x| x.target == fid)
                    .ok_or_else(|| ApiError::internal("focus missing from its radius"))?;
                person(&r, &mut people);
                Some(Focus {
                    researcher_id: r.id,
                    in_pipeline,
                    radius: own,
                })
            }
            None => None,
        };
        let vias: Vec<u32> = radii
            .iter()
            .chain(focus.as_ref().map(|f| &f.radius))
            .flat_map(|r| r.within_two.iter().filter_map(|x| x.via))
            .collect();
        for v in vias {
            if let Some(r) =
                researchers::by_id(c.corpus.conn(), i64::from(v)).map_err(corpus_err)?
            {
                person(&r, &mut people);
            }
        }
        let answer = RadiusAnswer {
            stages,
            targets,
            unlinked,
            not_in_corpus,
            radius: radii,
            contacted,
            approach,
            direct_tie_strength: DIRECT_TIE_STRENGTH,
            focus,
            people,
        };
        Ok(Reply::ok(answer))
    })
    .await
}
