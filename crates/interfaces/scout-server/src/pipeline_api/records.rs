//! A candidate's export and erasure, funnel analytics (also the per-source table as CSV), and
//! the audit log.

use axum::extract::State;
use axum::http::{HeaderName, header};
use schemars::JsonSchema;
use scout_pipeline::Stage;
use scout_pipeline::store::{ErasureReport, PersonExport};
use serde::{Deserialize, Serialize};

use super::answers::{Analytics, AuditEntries, AuditVerify};
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery};
use crate::route::Reply;
use crate::state::AppState;

pub(crate) async fn export(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<PersonExport>> {
    Ok(Reply::ok(
        state.store.export_candidate(&auth.actor, id).await?,
    ))
}

/// What an erasure removed.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Erased {
    erased: ErasureReport,
    /// Export files made before the erasure, deleted with it.
    exports_removed: usize,
}

pub(crate) async fn erase(
    State(state): State<AppState>,
    axum::Extension(jobs): axum::Extension<std::sync::Arc<crate::jobs::Jobs>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<Erased>> {
    let erased = state.store.erase_candidate(&auth.actor, id).await?;
    // Export files made before the erasure hold the person's data: they go too.
    let exports_removed = jobs.remove_exports_of(id);
    Ok(Reply::ok(Erased {
        erased,
        exports_removed,
    }))
}

/// An optional date range: only the candidates who entered the pipeline on these UTC days.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnalyticsQuery {
    /// First day (`YYYY-MM-DD`, included).
    #[serde(default)]
    from: Option<String>,
    /// Last day (`YYYY-MM-DD`, included).
    #[serde(default)]
    to: Option<String>,
}

/// The funnel report for `q`'s date range, as `auth` may see it.
async fn report(
    state: &AppState,
    auth: &Auth,
    q: AnalyticsQuery,
) -> ApiResult<scout_pipeline::analytics::Report> {
    use scout_pipeline::time::parse_day;
    let day = |s: Option<String>| {
        s.filter(|s| !s.trim().is_empty())
            .map(|s| parse_day(s.trim()))
            .transpose()
    };
    let from = day(q.from)?;
    let to = day(q.to)?.map(|t| t + 86_400_000);
    let input = state
        .store
        .analytics_input(&auth.actor)
        .await?
        .entered_between(from, to);
    Ok(scout_pipeline::analytics::compute(
        &input,
        auth.is_owner(),
        scout_pipeline::time::now_ms(),
    ))
}

pub(crate) async fn analytics(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AnalyticsQuery>,
) -> ApiResult<Reply<Analytics>> {
    let analytics = report(&state, &auth, q).await?;
    Ok(Reply::ok(Analytics { analytics }))
}

/// The per-source-organisation funnel as CSV, through the one formula-safe writer
/// (`scout_formats::csv`): the table the analytics page shows.
pub(crate) async fn analytics_by_source_csv(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AnalyticsQuery>,
) -> ApiResult<([(HeaderName, &'static str); 2], String)> {
    let r = report(&state, &auth, q).await?;
    let stages = Stage::FUNNEL;
    let header = ["source_organisation", "candidates"]
        .into_iter()
        .map(str::to_string)
        .chain(stages.iter().map(|s| s.as_str().to_string()))
        .chain(std::iter::once("acceptance_rate".to_string()))
        .collect::<Vec<_>>();
    let rows = r.by_source_org.iter().map(|g| {
        [g.group.clone(), g.candidates.to_string()]
            .into_iter()
            .chain(
                stages
                    .iter()
                    .map(|s| g.reached.get(s).copied().unwrap_or(0).to_string()),
            )
            .chain(std::iter::once(
                g.acceptance_rate.map_or_else(String::new, |a| {
                    ((a * 10_000.0).round() / 10_000.0).to_string()
                }),
            ))
            .collect::<Vec<_>>()
    });
    let body = scout_formats::csv::to_string(std::iter::once(header).chain(rows));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"scout-funnel-by-source.csv\"",
            ),
        ],
        body,
    ))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

pub(crate) async fn audit_entries(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Reply<AuditEntries>> {
    let entries = state
        .store
        .audit_entries(q.after.unwrap_or(0), q.limit.unwrap_or(500))
        .await?;
    Ok(Reply::ok(AuditEntries { entries }))
}

pub(crate) async fn audit_verify(State(state): State<AppState>) -> ApiResult<Reply<AuditVerify>> {
    Ok(Reply::ok(AuditVerify {
        verify: state.store.verify_audit().await?,
    }))
}
