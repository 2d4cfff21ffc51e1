//! Outputs and the commands that move them.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use super::sensors::NodeFilter;
use super::{Items, Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::extract::caps::{self, LogsView, NodesManage, NodesView};
use crate::auth::{Authz, Principal, PrincipalKind};
use crate::domain::error::{Error, FieldError};
use crate::domain::nodes::parse_name;
use crate::domain::outputs::{Command, CommandSource, Output, Requester};
use crate::error::ApiError;
use crate::store::commands::{CommandRequest, Issued};
use crate::store::outputs::OutputChange;

pub const MAX_GROUP: usize = 100;

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(purpose; outputs_list))
        .routes(routes!(purpose; output_get, output_update, output_delete))
        .routes(routes!(purpose; output_command))
        .routes(routes!(purpose; outputs_command))
        .routes(routes!(purpose; commands_list))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputUpdate {
    #[schema(value_type = Option<crate::domain::nodes::DisplayName>)]
    pub name: Option<String>,
    /// 0/1 for a relay, 0–100 for a level output.
    #[schema(minimum = 0, maximum = 100)]
    pub default_state: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputCommand {
    /// 0/1 for a relay, 0–100 for a level output.
    #[schema(minimum = 0, maximum = 100)]
    pub state: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupCommandItem {
    pub output_id: i64,
    /// 0/1 for a relay, 0–100 for a level output.
    #[schema(minimum = 0, maximum = 100)]
    pub state: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputsCommand {
    /// 1 to 100 outputs; all are commanded or, if any is invalid, none.
    #[schema(min_items = 1, max_items = 100)]
    pub commands: Vec<GroupCommandItem>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CommandsParams {
    pub output_id: Option<i64>,
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<i64>,
}

/// Newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommandPage {
    pub items: Vec<Command>,
    /// Pass as `cursor` for the next page; null at the end.
    pub next_cursor: Option<i64>,
}

fn requester(principal: &Principal) -> Requester {
    let source = match principal.kind {
        PrincipalKind::Session { .. } => CommandSource::User,
        PrincipalKind::ApiToken { .. } => CommandSource::ApiToken,
    };
    Requester { source, name: Some(principal.user.username.clone()) }
}

fn announce(state: &AppState, issued: &Issued) {
    for c in issued.superseded.iter().chain(&issued.commands) {
        state.events.command(c);
    }
    for o in &issued.outputs {
        state.events.output(o);
    }
    for c in &issued.commands {
        state.wakeups.wake(c.node_id);
    }
}

/// Outputs, by id, optionally of one node.
#[utoipa::path(
    get, path = "/api/outputs", tag = "outputs",
    security(("session_cookie" = []), ("bearer" = [])),
    params(NodeFilter),
    responses(
        (status = 200, description = "Outputs", body = Items<Output>),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn outputs_list(
    State(state): State<AppState>,
    _: Authz<NodesView>,
    Query(filter): Query<NodeFilter>,
) -> Result<Json<Items<Output>>, ApiError> {
    Ok(Json(state.store.outputs_list(filter.node_id).await?.into()))
}

/// One output with its desired and reported state.
#[utoipa::path(
    get, path = "/api/outputs/{id}", tag = "outputs",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Output id")),
    responses(
        (status = 200, description = "The output", body = Output),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn output_get(
    State(state): State<AppState>,
    _: Authz<NodesView>,
    Path(id): Path<i64>,
) -> Result<Json<Output>, ApiError> {
    Ok(Json(state.store.output_get(id).await?))
}

/// Rename an output or change its default state.
#[utoipa::path(
    patch, path = "/api/outputs/{id}", tag = "outputs",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Output id")),
    request_body = OutputUpdate,
    responses(
        (status = 200, description = "The updated output", body = Output),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn output_update(
    State(state): State<AppState>,
    _: Authz<NodesManage>,
    Path(id): Path<i64>,
    Json(body): Json<OutputUpdate>,
) -> Result<Json<Output>, ApiError> {
    let change = OutputChange {
        name: body.name.as_deref().map(|n| parse_name("name", n)).transpose()?,
        default_state: body.default_state,
    };
    let output = state.store.output_update(id, change, state.clock.now_ms()).await?;
    state.events.output(&output);
    Ok(Json(output))
}

/// Remove an output from its node; its open commands expire, its history stays.
#[utoipa::path(
    delete, path = "/api/outputs/{id}", tag = "outputs",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Output id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn output_delete(
    State(state): State<AppState>,
    _: Authz<NodesManage>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now_ms();
    let output = state.store.output_remove(id, now).await?;
    state.events.output_removed(&output, now);
    Ok(StatusCode::NO_CONTENT)
}

/// Set an output's state. Answers 202 with the queued command; watch it (events, or the
/// command list) move to `confirmed` when the node acknowledges.
#[utoipa::path(
    post, path = "/api/outputs/{id}/command", tag = "outputs",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Output id")),
    request_body = OutputCommand,
    responses(
        (status = 202, description = "Queued", body = Command),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn output_command(
    State(state): State<AppState>,
    Authz(principal, _): Authz<caps::OutputsCommand>,
    Path(id): Path<i64>,
    Json(body): Json<OutputCommand>,
) -> Result<(StatusCode, Json<Command>), ApiError> {
    state.store.output_get(id).await?;
    let request = CommandRequest { field: String::new(), output_id: id, state: body.state };
    let issued = state.store.commands_issue(vec![request], requester(&principal), state.clock.now_ms()).await?;
    announce(&state, &issued);
    let command =
        issued.commands.into_iter().next().ok_or_else(|| ApiError::internal(anyhow::anyhow!("no command issued")))?;
    Ok((StatusCode::ACCEPTED, Json(command)))
}

/// Set several outputs at once (a scene): each gets its own command; if any item is invalid,
/// none is queued.
#[utoipa::path(
    post, path = "/api/outputs/commands", tag = "outputs",
    security(("session_cookie" = []), ("bearer" = [])),
    request_body = OutputsCommand,
    responses(
        (status = 202, description = "Queued, in request order", body = Items<Command>),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn outputs_command(
    State(state): State<AppState>,
    Authz(principal, _): Authz<caps::OutputsCommand>,
    Json(body): Json<OutputsCommand>,
) -> Result<(StatusCode, Json<Items<Command>>), ApiError> {
    if body.commands.is_empty() || body.commands.len() > MAX_GROUP {
        return Err(Error::invalid("commands", "must hold 1 to 100 commands").into());
    }
    let mut seen = std::collections::HashSet::new();
    let duplicates: Vec<FieldError> = body
        .commands
        .iter()
        .enumerate()
        .filter(|(_, c)| !seen.insert(c.output_id))
        .map(|(i, _)| FieldError::new(format!("commands[{i}].output_id"), "names an output twice"))
        .collect();
    if !duplicates.is_empty() {
        return Err(Error::Validation(duplicates).into());
    }
    let requests = body
        .commands
        .iter()
        .enumerate()
        .map(|(i, c)| CommandRequest { field: format!("commands[{i}]."), output_id: c.output_id, state: c.state })
        .collect();
    let issued = state.store.commands_issue(requests, requester(&principal), state.clock.now_ms()).await?;
    announce(&state, &issued);
    Ok((StatusCode::ACCEPTED, Json(issued.commands.into())))
}

/// Command history, newest first, optionally of one output.
#[utoipa::path(
    get, path = "/api/commands", tag = "outputs",
    security(("session_cookie" = []), ("bearer" = [])),
    params(CommandsParams),
    responses(
        (status = 200, description = "A page of commands", body = CommandPage),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn commands_list(
    State(state): State<AppState>,
    _: Authz<LogsView>,
    Query(params): Query<CommandsParams>,
) -> Result<Json<CommandPage>, ApiError> {
    let limit = super::page_limit(params.limit)?;
    let page = state.store.commands_list(params.output_id, limit, params.cursor).await?;
    Ok(Json(CommandPage { items: page.items, next_cursor: page.next_cursor }))
}
