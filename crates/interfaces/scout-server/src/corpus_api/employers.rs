//! Current employers set by the workspace's owners: set or clear one researcher's (the key is
//! checked against the corpus), list them all, and apply them wherever the corpus shows a
//! researcher (the List, profiles, name search), so they win over the inference everywhere.

use axum::Extension;
use axum::extract::State;
use rustc_hash::FxHashMap;
use schemars::JsonSchema;
use scout_corpus::employer::{self, SetEmployer as CorpusSet};
use scout_corpus::organisations::OrgRegistry;
use scout_corpus::researchers::{self, Researcher};
use scout_pipeline::store::SetEmployer;
use serde::{Deserialize, Serialize};

use super::loaded::{Api, CorpusApi, corpus_err};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::route::Reply;
use crate::state::AppState;

/// The employers set, by researcher key, as the corpus applies them.
pub(crate) async fn set_employers(state: &AppState) -> ApiResult<FxHashMap<String, CorpusSet>> {
    Ok(state
        .store
        .set_employers()
        .await?
        .into_iter()
        .map(|s| (s.researcher_key.clone(), to_corpus(&s)))
        .collect())
}

fn to_corpus(s: &SetEmployer) -> CorpusSet {
    CorpusSet {
        organisation: s.organisation.clone(),
        set_by: s.set_by.clone(),
        set_at: scout_pipeline::time::rfc3339(s.set_at),
    }
}

/// Applies the employers set to researchers read from the corpus.
pub(crate) fn apply_all<'a>(
    conn: &scout_corpus::rusqlite::Connection,
    sets: &FxHashMap<String, CorpusSet>,
    people: impl IntoIterator<Item = &'a mut Researcher>,
) -> ApiResult<()> {
    if sets.is_empty() {
        return Ok(());
    }
    let registry = OrgRegistry::builtin();
    for r in people {
        if let Some(set) = sets.get(&r.key) {
            employer::apply(conn, &registry, r, set).map_err(corpus_err)?;
        }
    }
    Ok(())
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Employers {
    employers: Vec<SetEmployer>,
}

/// `GET /api/employers`.
pub(crate) async fn list(State(state): State<AppState>) -> ApiResult<Reply<Employers>> {
    Ok(Reply::ok(Employers {
        employers: state.store.set_employers().await?,
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetEmployerReq {
    /// The organisation, as the owner writes it (resolved like an affiliation string).
    organisation: String,
}

/// The employer set, and the researcher as the corpus now shows them.
#[derive(Serialize, JsonSchema)]
pub(crate) struct EmployerAnswer {
    set: SetEmployer,
    researcher: Researcher,
}

/// The researcher with exactly this key (a name or bare id is not enough to set a fact on).
async fn researcher_by_key(api: &CorpusApi, key: String) -> ApiResult<Researcher> {
    api.with(move |c| {
        researchers::find(c.corpus.conn(), &key)
            .map_err(corpus_err)?
            .into_iter()
            .find(|r| r.key == key)
            .ok_or_else(|| ApiError::not_found(format!("no researcher has the key {key:?}")))
    })
    .await
}

/// `PUT /api/researchers/{key}/employer`.
pub(crate) async fn set(
    State(state): State<AppState>,
    Extension(api): Api,
    auth: Auth,
    ApiPath(key): ApiPath<String>,
    ApiJson(req): ApiJson<SetEmployerReq>,
) -> ApiResult<Reply<EmployerAnswer>> {
    let researcher = researcher_by_key(&api, key).await?;
    let set = state
        .store
        .set_employer(&auth.actor, &researcher.key, &req.organisation)
        .await?;
    let corpus_set = to_corpus(&set);
    let researcher = api
        .with(move |c| {
            let mut r = researcher;
            employer::apply(
                c.corpus.conn(),
                &OrgRegistry::builtin(),
                &mut r,
                &corpus_set,
            )
            .map_err(corpus_err)?;
            Ok(r)
        })
        .await?;
    Ok(Reply::ok(EmployerAnswer { set, researcher }))
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Cleared {
    researcher: Researcher,
}

/// `DELETE /api/researchers/{key}/employer`: the inference shows again.
pub(crate) async fn clear(
    State(state): State<AppState>,
    Extension(api): Api,
    auth: Auth,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<Reply<Cleared>> {
    let researcher = researcher_by_key(&api, key).await?;
    state
        .store
        .clear_employer(&auth.actor, &researcher.key)
        .await?;
    Ok(Reply::ok(Cleared { researcher }))
}
