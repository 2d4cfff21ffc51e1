//! What the schedule engine decided, and alarms.

use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use super::{Items, Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::Authz;
use crate::auth::extract::caps::{AlarmsAck, AlarmsView, LogsView};
use crate::domain::error::Error;
use crate::domain::time::check_range;
use crate::error::ApiError;
use crate::store::schedules::{ActionLog, Alarm, LogFilter};

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(purpose; action_logs_list))
        .routes(routes!(purpose; alarms_list))
        .routes(routes!(purpose; alarm_acknowledge))
}

const OUTCOMES: [&str; 4] = ["fired", "ended", "skipped", "missed"];

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActionLogParams {
    pub schedule_id: Option<i64>,
    pub output_id: Option<i64>,
    /// `fired`, `ended`, `skipped` or `missed`.
    #[param(pattern = "^(?:fired|ended|skipped|missed)$")]
    pub outcome: Option<String>,
    /// Only decisions made at or after this instant (RFC 3339), inclusive.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Only decisions made before this instant (RFC 3339), exclusive; after `from` if given.
    #[param(format = DateTime)]
    pub to: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<i64>,
}

/// Newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionLogPage {
    pub items: Vec<ActionLog>,
    pub next_cursor: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlarmParams {
    /// Only alarms not yet acknowledged (default false).
    pub open: Option<bool>,
}

/// The engine's decisions, newest first, filterable by schedule, output, outcome and time.
#[utoipa::path(
    get, path = "/api/action-logs", tag = "schedules",
    security(("session_cookie" = []), ("bearer" = [])),
    params(ActionLogParams),
    responses(
        (status = 200, description = "A page of decisions", body = ActionLogPage),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn action_logs_list(
    State(state): State<AppState>,
    _: Authz<LogsView>,
    Query(params): Query<ActionLogParams>,
) -> Result<Json<ActionLogPage>, ApiError> {
    let limit = super::page_limit(params.limit)?;
    if let Some(outcome) = &params.outcome
        && !OUTCOMES.contains(&outcome.as_str())
    {
        return Err(Error::invalid("outcome", "must be fired, ended, skipped or missed").into());
    }
    let mut problems = Vec::new();
    let (from, to) = check_range(params.from.as_deref(), params.to.as_deref(), &mut problems);
    if !problems.is_empty() {
        return Err(Error::Validation(problems).into());
    }
    let filter =
        LogFilter { schedule_id: params.schedule_id, output_id: params.output_id, outcome: params.outcome, from, to };
    let page = state.store.action_logs_list(filter, limit, params.cursor).await?;
    Ok(Json(ActionLogPage { items: page.items, next_cursor: page.next_cursor }))
}

/// Alarms, newest first (at most 1000).
#[utoipa::path(
    get, path = "/api/alarms", tag = "alarms",
    security(("session_cookie" = []), ("bearer" = [])),
    params(AlarmParams),
    responses(
        (status = 200, description = "Alarms", body = Items<Alarm>),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn alarms_list(
    State(state): State<AppState>,
    _: Authz<AlarmsView>,
    Query(params): Query<AlarmParams>,
) -> Result<Json<Items<Alarm>>, ApiError> {
    Ok(Json(state.store.alarms_list(params.open.unwrap_or(false)).await?.into()))
}

/// Acknowledge an alarm.
#[utoipa::path(
    post, path = "/api/alarms/{id}/acknowledge", tag = "alarms",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Alarm id")),
    responses(
        (status = 200, description = "Acknowledged", body = Alarm),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
    )
)]
pub async fn alarm_acknowledge(
    State(state): State<AppState>,
    Authz(principal, _): Authz<AlarmsAck>,
    Path(id): Path<i64>,
) -> Result<Json<Alarm>, ApiError> {
    Ok(Json(state.store.alarm_acknowledge(id, principal.user.username, state.clock.now_ms()).await?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_outcome_pattern_lists_the_outcomes() {
        let doc = serde_json::to_value(crate::app::openapi()).expect("the document serializes");
        let params = doc["paths"]["/api/action-logs"]["get"]["parameters"].as_array().expect("parameters");
        let outcome = params.iter().find(|p| p["name"] == "outcome").expect("outcome");
        assert_eq!(outcome["schema"]["pattern"], format!("^(?:{})$", super::OUTCOMES.join("|")));
    }
}
