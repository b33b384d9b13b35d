//! One researcher: the profile with its score explanation, the co-author neighbourhood, and warm paths from our organisation.

use axum::Extension;
use axum::extract::State;
use rustc_hash::FxHashSet;
use schemars::JsonSchema;
use scout_corpus::researchers::{self, Profile, Researcher};
use scout_network::paths::{self, DescribedChain};
use scout_rank::{ListQuery, ListRow, rank_with};
use serde::{Deserialize, Serialize};

use super::loaded::{Api, MAX_NEIGHBOURS, corpus_err, find_one, network_err, nonempty, rank_err};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, ApiQuery};
use crate::route::Reply;
use crate::state::AppState;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileParams {
    topic: Option<String>,
}

/// A researcher's profile; with a topic, their row of the List for it (the score explained).
#[derive(Serialize, JsonSchema)]
pub(crate) struct ProfileAnswer {
    profile: Profile,
    coauthor_degree: usize,
    topic: Option<String>,
    topic_breakdown: Option<ListRow>,
    /// Other researchers the key or name could mean.
    other_matches: Vec<Researcher>,
}

pub(crate) async fn researcher(
    State(state): State<AppState>,
    Extension(api): Api,
    ApiPath(key): ApiPath<String>,
    ApiQuery(p): ApiQuery<ProfileParams>,
) -> ApiResult<Reply<ProfileAnswer>> {
    let topic = nonempty(p.topic);
    let sets = super::employers::set_employers(&state).await?;
    api.with(move |c| {
        let (first, mut others) = find_one(c, &key)?;
        let mut profile =
            researchers::profile(c.corpus.conn(), first, c.as_of, 15).map_err(corpus_err)?;
        super::employers::apply_all(
            c.corpus.conn(),
            &sets,
            std::iter::once(&mut profile.researcher).chain(others.iter_mut()),
        )?;
        let breakdown = match &topic {
            Some(t) => {
                let mut q = ListQuery::new(t.clone());
                q.set_employers = sets;
                q.limit = usize::MAX;
                q.explain_papers = 10;
                let result =
                    rank_with(c.corpus.conn(), &c.index, &mut c.model.facts(), c.as_of, &q)
                        .map_err(rank_err)?;
                result
                    .rows
                    .into_iter()
                    .find(|r| r.researcher.id == profile.researcher.id)
            }
            None => None,
        };
        let id = u32::try_from(profile.researcher.id).unwrap_or(u32::MAX);
        let degree = if (id as usize) < c.graph.len() {
            c.graph.degree(id)
        } else {
            0
        };
        Ok(Reply::ok(ProfileAnswer {
            profile,
            coauthor_degree: degree,
            topic,
            topic_breakdown: breakdown,
            other_matches: others,
        }))
    })
    .await
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NeighbourhoodParams {
    limit: Option<usize>,
}

/// The co-author graph around a researcher.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Neighbourhood {
    center: i64,
    coauthors_total: usize,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Node {
    id: i64,
    key: String,
    name: String,
    current_org: Option<String>,
    n_works: i64,
    /// 0 for the researcher asked about, 1 for co-authors.
    hop: u8,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Edge {
    source: i64,
    target: i64,
    papers: u32,
    strength: f64,
    last_year: i32,
}

pub(crate) async fn neighbourhood(
    Extension(api): Api,
    ApiPath(key): ApiPath<String>,
    ApiQuery(p): ApiQuery<NeighbourhoodParams>,
) -> ApiResult<Reply<Neighbourhood>> {
    let limit = p.limit.unwrap_or(25).clamp(1, MAX_NEIGHBOURS);
    api.with(move |c| {
        let (center, _) = find_one(c, &key)?;
        let cid = u32::try_from(center.id)
            .map_err(|_| ApiError::internal("researcher id out of range"))?;
        let mut ties: Vec<(u32, f64)> = if (cid as usize) < c.graph.len() {
            c.graph
                .neighbours(cid)
                .map(|(n, t)| (n, t.strength()))
                .collect()
        } else {
            Vec::new()
        };
        let total = ties.len();
        ties.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ties.truncate(limit);
        let mut nodes = vec![node(&center, 0)];
        for (n, _) in &ties {
            if let Some(r) =
                researchers::by_id(c.corpus.conn(), i64::from(*n)).map_err(corpus_err)?
            {
                nodes.push(node(&r, 1));
            }
        }
        let shown: FxHashSet<u32> = nodes
            .iter()
            .filter_map(|n| u32::try_from(n.id).ok())
            .collect();
        let mut edges = Vec::new();
        let ids: Vec<u32> = shown.iter().copied().collect();
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                if let Some(t) = c.graph.tie(a, b) {
                    let (s, d) = if a < b { (a, b) } else { (b, a) };
                    edges.push(Edge {
                        source: i64::from(s),
                        target: i64::from(d),
                        papers: t.papers,
                        strength: t.strength(),
                        last_year: t.last_year,
                    });
                }
            }
        }
        edges.sort_by_key(|e| (e.source, e.target));
        Ok(Reply::ok(Neighbourhood {
            center: center.id,
            coauthors_total: total,
            nodes,
            edges,
        }))
    })
    .await
}

fn node(r: &Researcher, hop: u8) -> Node {
    Node {
        id: r.id,
        key: r.key.clone(),
        name: r.name.clone(),
        current_org: r.current_org.clone(),
        n_works: r.n_works,
        hop,
    }
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PathParams {
    to: String,
    from_org: String,
    max_hops: Option<usize>,
    k: Option<usize>,
}

/// Warm paths from our organisation's people to a researcher.
#[derive(Serialize, JsonSchema)]
pub(crate) struct PathAnswer {
    target: Researcher,
    from_org: String,
    our_people: usize,
    chains: Vec<DescribedChain>,
}

pub(crate) async fn warm_paths(
    Extension(api): Api,
    ApiQuery(p): ApiQuery<PathParams>,
) -> ApiResult<Reply<PathAnswer>> {
    let from_org = p.from_org.trim().to_string();
    if from_org.is_empty() {
        return Err(ApiError::bad_request("from_org must not be empty"));
    }
    let max_hops = p.max_hops.unwrap_or(3);
    let k = p.k.unwrap_or(3).clamp(1, 10);
    api.with(move |c| {
        let (target, _) = find_one(c, &p.to)?;
        let conn = c.corpus.conn();
        let sources: FxHashSet<u32> = paths::people_of_org(conn, &from_org)
            .map_err(network_err)?
            .into_iter()
            .collect();
        let tid = u32::try_from(target.id)
            .map_err(|_| ApiError::internal("researcher id out of range"))?;
        let chains = if sources.is_empty() {
            Vec::new()
        } else {
            paths::best_chains(&c.graph, &sources, tid, max_hops, k)
                .map_err(network_err)?
                .iter()
                .map(|ch| paths::describe(conn, &c.graph, ch, 3))
                .collect::<Result<Vec<_>, _>>()
                .map_err(network_err)?
        };
        let answer = PathAnswer {
            our_people: sources.len(),
            target,
            from_org,
            chains,
        };
        Ok(Reply::ok(answer))
    })
    .await
}
