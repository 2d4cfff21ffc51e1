//! Nodes: list, inspect, register with declared sensors and outputs, rename, retire, and add
//! sensors or outputs to an existing node.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use super::{Items, Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::extract::caps::{NodesManage, NodesView};
use crate::auth::{Authz, secrets};
use crate::domain::error::{Error, FieldError, Result as DomainResult};
use crate::domain::nodes::{self, Node};
use crate::domain::outputs::{Output, OutputKind};
use crate::domain::sensors::{self, Sensor, SensorKind};
use crate::error::ApiError;
use crate::store::nodes::{NewNode, NewOutput, NewSensor, NodeChange};

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(purpose; nodes_list, node_create))
        .routes(routes!(purpose; node_get, node_update))
        .routes(routes!(purpose; node_retire))
        .routes(routes!(purpose; node_sensor_create))
        .routes(routes!(purpose; node_output_create))
}

/// A sensor as a node declares it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensorDeclaration {
    /// 1–32 of a-z, 0-9, '_': how the node names it in telemetry.
    #[schema(value_type = nodes::Key)]
    pub key: String,
    #[schema(value_type = nodes::DisplayName)]
    pub name: String,
    pub kind: SensorKind,
    #[schema(value_type = sensors::SensorUnit)]
    pub unit: String,
    /// Seconds between readings, 1–86400; default 60.
    #[schema(minimum = 1, maximum = 86400)]
    pub interval_s: Option<i64>,
    /// Days raw readings are kept, 1–3650; default 30 (hourly rollups are kept longer).
    #[schema(minimum = 1, maximum = 3650)]
    pub retention_days: Option<i64>,
}

/// An output as a node declares it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputDeclaration {
    #[schema(value_type = nodes::Key)]
    pub key: String,
    #[schema(value_type = nodes::DisplayName)]
    pub name: String,
    pub kind: OutputKind,
    /// What it returns to when nothing claims it: 0/1 for a relay, 0–100 for a level.
    #[schema(minimum = 0, maximum = 100)]
    pub default_state: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeCreate {
    #[schema(value_type = nodes::DisplayName)]
    pub name: String,
    #[schema(value_type = nodes::MacAddress)]
    pub mac: String,
    #[schema(value_type = Option<nodes::Label>)]
    pub model: Option<String>,
    #[schema(value_type = Option<nodes::Label>)]
    pub agent_version: Option<String>,
    /// Seconds between heartbeats, 5–3600; default 30.
    #[schema(minimum = 5, maximum = 3600)]
    pub heartbeat_interval_s: Option<i64>,
    #[serde(default)]
    pub sensors: Vec<SensorDeclaration>,
    #[serde(default)]
    pub outputs: Vec<OutputDeclaration>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeUpdate {
    #[schema(value_type = Option<nodes::DisplayName>)]
    pub name: Option<String>,
    /// Seconds between heartbeats, 5–3600.
    #[schema(minimum = 5, maximum = 3600)]
    pub heartbeat_interval_s: Option<i64>,
}

/// A newly registered node and its token. The token is not stored and is shown only now.
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeRegistered {
    pub node: Node,
    pub sensors: Vec<Sensor>,
    pub outputs: Vec<Output>,
    /// The node sends `Authorization: Bearer <token>` on the node API.
    pub token: String,
}

/// Collects every problem of a declaration list rather than stopping at the first.
fn collect<T>(results: impl IntoIterator<Item = DomainResult<T>>, problems: &mut Vec<FieldError>) -> Vec<T> {
    results.into_iter().filter_map(|r| keep(problems, r)).collect()
}

pub fn parse_sensor(prefix: &str, d: &SensorDeclaration) -> DomainResult<NewSensor> {
    let f = |name: &str| format!("{prefix}{name}");
    let mut problems = Vec::new();
    let key = keep(&mut problems, nodes::parse_key(&f("key"), &d.key));
    let name = keep(&mut problems, nodes::parse_name(&f("name"), &d.name));
    let unit = keep(&mut problems, sensors::parse_unit(&f("unit"), &d.unit));
    let interval = keep(
        &mut problems,
        sensors::check_interval(&f("interval_s"), d.interval_s.unwrap_or(sensors::DEFAULT_INTERVAL_S)),
    );
    let retention = keep(
        &mut problems,
        sensors::check_retention(&f("retention_days"), d.retention_days.unwrap_or(sensors::DEFAULT_RETENTION_DAYS)),
    );
    match (key, name, unit, interval, retention) {
        (Some(key), Some(name), Some(unit), Some(interval_s), Some(retention_days)) => {
            Ok(NewSensor { key, name, kind: d.kind, unit, interval_s, retention_days })
        }
        _ => Err(Error::Validation(problems)),
    }
}

pub fn parse_output(prefix: &str, d: &OutputDeclaration) -> DomainResult<NewOutput> {
    let f = |name: &str| format!("{prefix}{name}");
    let mut problems = Vec::new();
    let key = keep(&mut problems, nodes::parse_key(&f("key"), &d.key));
    let name = keep(&mut problems, nodes::parse_name(&f("name"), &d.name));
    let default_state = keep(&mut problems, d.kind.check_state(&f("default_state"), d.default_state));
    match (key, name, default_state) {
        (Some(key), Some(name), Some(default_state)) => Ok(NewOutput { key, name, kind: d.kind, default_state }),
        _ => Err(Error::Validation(problems)),
    }
}

/// Keys must be unique within the declaration, as they will be on the node.
fn check_unique_keys<'a>(list: &str, keys: impl Iterator<Item = &'a str>, problems: &mut Vec<FieldError>) {
    let mut seen = std::collections::HashSet::new();
    for (i, key) in keys.enumerate() {
        if !seen.insert(key) {
            problems.push(FieldError::new(format!("{list}[{i}].key"), "is declared twice"));
        }
    }
}

/// Validates a registration (shared with adoption): every problem at once, with its path.
pub fn parse_declarations(
    sensors: &[SensorDeclaration],
    outputs: &[OutputDeclaration],
) -> DomainResult<(Vec<NewSensor>, Vec<NewOutput>)> {
    let mut problems = Vec::new();
    let new_sensors =
        collect(sensors.iter().enumerate().map(|(i, d)| parse_sensor(&format!("sensors[{i}]."), d)), &mut problems);
    let new_outputs =
        collect(outputs.iter().enumerate().map(|(i, d)| parse_output(&format!("outputs[{i}]."), d)), &mut problems);
    check_unique_keys("sensors", sensors.iter().map(|s| s.key.as_str()), &mut problems);
    check_unique_keys("outputs", outputs.iter().map(|o| o.key.as_str()), &mut problems);
    if problems.is_empty() { Ok((new_sensors, new_outputs)) } else { Err(Error::Validation(problems)) }
}

/// All nodes, by id, with their status.
#[utoipa::path(
    get, path = "/api/nodes", tag = "nodes",
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Nodes", body = Items<Node>),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn nodes_list(State(state): State<AppState>, _: Authz<NodesView>) -> Result<Json<Items<Node>>, ApiError> {
    Ok(Json(state.store.nodes_list(state.clock.now_ms()).await?.into()))
}

/// Register a node by hand with its sensors and outputs. The response carries the node's
/// token, once.
#[utoipa::path(
    post, path = "/api/nodes", tag = "nodes",
    security(("session_cookie" = []), ("bearer" = [])),
    request_body = NodeCreate,
    responses(
        (status = 201, description = "Registered; the token is shown only now", body = NodeRegistered),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn node_create(
    State(state): State<AppState>,
    _: Authz<NodesManage>,
    Json(body): Json<NodeCreate>,
) -> Result<(StatusCode, Json<NodeRegistered>), ApiError> {
    let mut problems = Vec::new();
    let name = keep(&mut problems, nodes::parse_name("name", &body.name));
    let mac = keep(&mut problems, nodes::parse_mac("mac", &body.mac));
    let model = keep(&mut problems, nodes::parse_label("model", body.model.as_deref().unwrap_or("")));
    let agent = keep(&mut problems, nodes::parse_label("agent_version", body.agent_version.as_deref().unwrap_or("")));
    let interval = keep(
        &mut problems,
        nodes::check_heartbeat_interval(
            "heartbeat_interval_s",
            body.heartbeat_interval_s.unwrap_or(nodes::DEFAULT_HEARTBEAT_INTERVAL_S),
        ),
    );
    let declared = keep(&mut problems, parse_declarations(&body.sensors, &body.outputs));
    let (Some(name), Some(mac), Some(model), Some(agent_version), Some(interval), Some((sensors, outputs))) =
        (name, mac, model, agent, interval, declared)
    else {
        return Err(Error::Validation(problems).into());
    };
    let token = secrets::new_node_token();
    let new = NewNode {
        name,
        mac,
        model,
        agent_version,
        heartbeat_interval_s: interval,
        token_hash: secrets::digest(&token),
        sensors,
        outputs,
    };
    let (node, sensors, outputs) = state.store.node_create(new, state.clock.now_ms()).await?;
    state.events.node(&node);
    Ok((StatusCode::CREATED, Json(NodeRegistered { node, sensors, outputs, token })))
}

/// The value, or `None` with its problems added to `problems`.
pub(crate) fn keep<T>(problems: &mut Vec<FieldError>, r: DomainResult<T>) -> Option<T> {
    r.map_err(|e| push(problems, e)).ok()
}

fn push(problems: &mut Vec<FieldError>, e: Error) {
    match e {
        Error::Validation(mut p) => problems.append(&mut p),
        other => problems.push(FieldError::new("body", other.to_string())),
    }
}

/// One node.
#[utoipa::path(
    get, path = "/api/nodes/{id}", tag = "nodes",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Node id")),
    responses(
        (status = 200, description = "The node", body = Node),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn node_get(
    State(state): State<AppState>,
    _: Authz<NodesView>,
    Path(id): Path<i64>,
) -> Result<Json<Node>, ApiError> {
    Ok(Json(state.store.node_get(id, state.clock.now_ms()).await?))
}

/// Rename a node or change its heartbeat interval.
#[utoipa::path(
    patch, path = "/api/nodes/{id}", tag = "nodes",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Node id")),
    request_body = NodeUpdate,
    responses(
        (status = 200, description = "The updated node", body = Node),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn node_update(
    State(state): State<AppState>,
    _: Authz<NodesManage>,
    Path(id): Path<i64>,
    Json(body): Json<NodeUpdate>,
) -> Result<Json<Node>, ApiError> {
    let change = NodeChange {
        name: body.name.as_deref().map(|n| nodes::parse_name("name", n)).transpose()?,
        heartbeat_interval_s: body
            .heartbeat_interval_s
            .map(|s| nodes::check_heartbeat_interval("heartbeat_interval_s", s))
            .transpose()?,
    };
    let node = state.store.node_update(id, change, state.clock.now_ms()).await?;
    state.events.node(&node);
    Ok(Json(node))
}

/// Retire a node: its token stops working, its open commands expire, its history stays.
#[utoipa::path(
    post, path = "/api/nodes/{id}/retire", tag = "nodes",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Node id")),
    responses(
        (status = 200, description = "The retired node", body = Node),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
    )
)]
pub async fn node_retire(
    State(state): State<AppState>,
    _: Authz<NodesManage>,
    Path(id): Path<i64>,
) -> Result<Json<Node>, ApiError> {
    let node = state.store.node_retire(id, state.clock.now_ms()).await?;
    // Recorded, so the liveness tick does not announce the same change again.
    state.liveness.changed(node.id, node.status);
    state.events.node(&node);
    state.wakeups.wake(id);
    Ok(Json(node))
}

/// Add a sensor to a node.
#[utoipa::path(
    post, path = "/api/nodes/{id}/sensors", tag = "nodes",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Node id")),
    request_body = SensorDeclaration,
    responses(
        (status = 201, description = "The new sensor", body = Sensor),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn node_sensor_create(
    State(state): State<AppState>,
    _: Authz<NodesManage>,
    Path(id): Path<i64>,
    Json(body): Json<SensorDeclaration>,
) -> Result<(StatusCode, Json<Sensor>), ApiError> {
    let new = parse_sensor("", &body)?;
    let sensor = state.store.sensor_create(id, new, state.clock.now_ms()).await?;
    state.events.sensor(&sensor);
    Ok((StatusCode::CREATED, Json(sensor)))
}

/// Add an output to a node.
#[utoipa::path(
    post, path = "/api/nodes/{id}/outputs", tag = "nodes",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Node id")),
    request_body = OutputDeclaration,
    responses(
        (status = 201, description = "The new output", body = Output),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn node_output_create(
    State(state): State<AppState>,
    _: Authz<NodesManage>,
    Path(id): Path<i64>,
    Json(body): Json<OutputDeclaration>,
) -> Result<(StatusCode, Json<Output>), ApiError> {
    let new = parse_output("", &body)?;
    let output = state.store.output_create(id, new, state.clock.now_ms()).await?;
    state.events.output(&output);
    Ok((StatusCode::CREATED, Json(output)))
}
