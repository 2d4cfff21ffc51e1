//! The node-facing API: telemetry, heartbeats, command long-poll and acknowledgements. Every
//! route authenticates with the node's own token and acts only on that node.

use std::time::Duration;

use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use super::json::LenientJson;
use super::{Items, Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::NodeCaller;
use crate::domain::error::Error;
use crate::domain::nodes::{NodeStatus, parse_label};
use crate::domain::outputs::{Ack, Command};
use crate::domain::sensors::RawReading;
use crate::domain::time::Timestamp;
use crate::error::ApiError;
use crate::store::commands::{Heartbeat, ReportedOutput};

/// Longest a command poll may wait (below the 30 s request timeout).
pub const MAX_WAIT_S: u64 = 25;
pub const MAX_BATCH: usize = 10_000;

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(purpose; node_telemetry))
        .routes(routes!(purpose; node_heartbeat))
        .routes(routes!(purpose; node_commands_poll))
        .routes(routes!(purpose; node_command_ack))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TelemetryReading {
    /// The key of one of this node's sensors.
    #[schema(value_type = crate::domain::nodes::Key)]
    pub sensor_key: String,
    /// When it was measured (RFC 3339); at most 5 minutes ahead of the server's clock.
    #[schema(format = DateTime)]
    pub ts: String,
    /// A finite number. NaN and Infinity (as some JSON writers emit them) are rejected with 422.
    #[schema(value_type = f64)]
    pub value: Option<f64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TelemetryBatch {
    /// 1 to 10000 readings, stored all together or not at all.
    #[schema(min_items = 1, max_items = 10000)]
    pub readings: Vec<TelemetryReading>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TelemetryAccepted {
    pub stored: usize,
    /// Readings already stored (same sensor and time): re-sending a batch is harmless.
    pub duplicates: usize,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportedOutputState {
    /// The key of one of this node's outputs.
    #[schema(value_type = crate::domain::nodes::Key)]
    pub key: String,
    pub state: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeHeartbeat {
    #[schema(value_type = Option<crate::domain::nodes::Label>)]
    pub agent_version: Option<String>,
    /// Ignored when negative.
    pub uptime_s: Option<i64>,
    #[schema(value_type = Option<crate::domain::nodes::Label>)]
    pub ip: Option<String>,
    /// The node's actual output states; differences from the desired ones are reconciled.
    #[serde(default)]
    pub outputs: Vec<ReportedOutputState>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeartbeatAccepted {
    pub server_time: Timestamp,
    pub heartbeat_interval_s: i64,
    /// Commands queued to bring reported states back to the desired ones; fetch them by polling.
    pub reconciliation_commands: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PollParams {
    /// Seconds to wait for a command when none is queued (0–25, default 0).
    pub wait: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandAck {
    /// Whether the node applied the command.
    pub ok: bool,
    /// The output's state after trying (defaults to the commanded state when ok).
    pub reported_state: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Store a batch of readings. The batch is atomic: one bad reading (unknown sensor key, NaN or
/// Infinity, more than 5 minutes in the future) rejects it all with 422 naming each offender.
#[utoipa::path(
    post, path = "/api/node/telemetry", tag = "node",
    security(("bearer" = [])),
    request_body = TelemetryBatch,
    responses(
        (status = 200, description = "Stored", body = TelemetryAccepted),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn node_telemetry(
    State(state): State<AppState>,
    node: NodeCaller,
    LenientJson(body): LenientJson<TelemetryBatch>,
) -> Result<Json<TelemetryAccepted>, ApiError> {
    if body.readings.is_empty() || body.readings.len() > MAX_BATCH {
        return Err(Error::invalid("readings", "must hold 1 to 10000 readings").into());
    }
    let now = state.clock.now_ms();
    let raw = body
        .readings
        .into_iter()
        .map(|r| RawReading { ts: Timestamp::parse_rfc3339(&r.ts), sensor_key: r.sensor_key, value: r.value })
        .collect();
    let outcome = state.store.metrics_ingest(node.node_id, raw, now).await?;
    for reading in &outcome.latest {
        state.events.reading(reading, now);
    }
    Ok(Json(TelemetryAccepted { stored: outcome.stored, duplicates: outcome.duplicates }))
}

/// Report liveness and actual output states. A state that differs from the desired one, with
/// no command in flight, queues a reconciliation command.
#[utoipa::path(
    post, path = "/api/node/heartbeat", tag = "node",
    security(("bearer" = [])),
    request_body = NodeHeartbeat,
    responses(
        (status = 200, description = "Recorded", body = HeartbeatAccepted),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn node_heartbeat(
    State(state): State<AppState>,
    node: NodeCaller,
    Json(body): Json<NodeHeartbeat>,
) -> Result<Json<HeartbeatAccepted>, ApiError> {
    let beat = Heartbeat {
        agent_version: body.agent_version.as_deref().map(|v| parse_label("agent_version", v)).transpose()?,
        uptime_s: body.uptime_s.filter(|u| *u >= 0),
        ip: body.ip.as_deref().map(|v| parse_label("ip", v)).transpose()?,
        outputs: body.outputs.into_iter().map(|o| ReportedOutput { key: o.key, state: o.state }).collect(),
    };
    let now = state.clock.now_ms();
    let outcome = state.store.node_heartbeat(node.node_id, beat, now).await?;
    for c in outcome.expired.iter().chain(&outcome.reconciliation) {
        state.events.command(c);
    }
    for o in &outcome.outputs {
        state.events.output(o);
    }
    state.liveness.changed(outcome.node.id, NodeStatus::Online);
    state.events.node(&outcome.node);
    if !outcome.reconciliation.is_empty() {
        state.wakeups.wake(node.node_id);
    }
    Ok(Json(HeartbeatAccepted {
        server_time: Timestamp(now),
        heartbeat_interval_s: outcome.node.heartbeat_interval_s,
        reconciliation_commands: outcome.reconciliation.len() as i64,
    }))
}

/// Fetch this node's queued commands (marking them delivered), waiting up to `wait` seconds
/// for one to arrive when none is queued.
#[utoipa::path(
    get, path = "/api/node/commands", tag = "node",
    security(("bearer" = [])),
    params(PollParams),
    responses(
        (status = 200, description = "Commands to apply, oldest first", body = Items<Command>),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn node_commands_poll(
    State(state): State<AppState>,
    node: NodeCaller,
    Query(params): Query<PollParams>,
) -> Result<Json<Items<Command>>, ApiError> {
    let wait = Duration::from_secs(params.wait.unwrap_or(0).min(MAX_WAIT_S));
    let deadline = tokio::time::Instant::now() + wait;
    let notify = state.wakeups.of(node.node_id);
    loop {
        // Registered before looking, so a command queued meanwhile still wakes us.
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let (delivered, expired) = state.store.node_commands_take(node.node_id, state.clock.now_ms()).await?;
        for c in expired.iter().chain(&delivered) {
            state.events.command(c);
        }
        if !delivered.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(Json(delivered.into()));
        }
        tokio::select! {
            () = notified => {}
            () = tokio::time::sleep_until(deadline) => return Ok(Json(Vec::new().into())),
            () = state.shutdown.cancelled() => return Ok(Json(Vec::new().into())),
        }
    }
}

/// Report the outcome of a command: `confirmed` when ok, `failed` otherwise.
#[utoipa::path(
    post, path = "/api/node/commands/{id}/ack", tag = "node",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Command id")),
    request_body = CommandAck,
    responses(
        (status = 200, description = "The command, finished", body = Command),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn node_command_ack(
    State(state): State<AppState>,
    node: NodeCaller,
    Path(id): Path<i64>,
    Json(body): Json<CommandAck>,
) -> Result<Json<Command>, ApiError> {
    let error = body.error.map(|e| e.chars().take(500).collect());
    let ack = Ack { ok: body.ok, reported_state: body.reported_state, error };
    let (command, output) = state.store.command_ack(node.node_id, id, ack, state.clock.now_ms()).await?;
    state.events.command(&command);
    state.events.output(&output);
    Ok(Json(command))
}
