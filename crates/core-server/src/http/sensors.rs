//! Sensors: list, inspect, edit, remove.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use super::{Items, Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::Authz;
use crate::auth::extract::caps::{NodesManage, NodesView};
use crate::domain::nodes::parse_name;
use crate::domain::sensors::{self, Sensor};
use crate::error::ApiError;
use crate::store::sensors::SensorChange;

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(purpose; sensors_list))
        .routes(routes!(purpose; sensor_get, sensor_update, sensor_delete))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NodeFilter {
    /// Only this node's.
    pub node_id: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SensorDeleteParams {
    /// Delete its readings and rollups now instead of letting retention age them out.
    pub purge: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensorUpdate {
    #[schema(value_type = Option<crate::domain::nodes::DisplayName>)]
    pub name: Option<String>,
    #[schema(value_type = Option<sensors::SensorUnit>)]
    pub unit: Option<String>,
    /// Seconds between readings, 1–86400.
    #[schema(minimum = 1, maximum = 86400)]
    pub interval_s: Option<i64>,
    /// Days raw readings are kept, 1–3650.
    #[schema(minimum = 1, maximum = 3650)]
    pub retention_days: Option<i64>,
}

/// Sensors, by id, optionally of one node.
#[utoipa::path(
    get, path = "/api/sensors", tag = "sensors",
    security(("session_cookie" = []), ("bearer" = [])),
    params(NodeFilter),
    responses(
        (status = 200, description = "Sensors", body = Items<Sensor>),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn sensors_list(
    State(state): State<AppState>,
    _: Authz<NodesView>,
    Query(filter): Query<NodeFilter>,
) -> Result<Json<Items<Sensor>>, ApiError> {
    Ok(Json(state.store.sensors_list(filter.node_id).await?.into()))
}

/// One sensor with its last reading.
#[utoipa::path(
    get, path = "/api/sensors/{id}", tag = "sensors",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Sensor id")),
    responses(
        (status = 200, description = "The sensor", body = Sensor),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn sensor_get(
    State(state): State<AppState>,
    _: Authz<NodesView>,
    Path(id): Path<i64>,
) -> Result<Json<Sensor>, ApiError> {
    Ok(Json(state.store.sensor_get(id).await?))
}

/// Rename a sensor or change its unit, interval or retention.
#[utoipa::path(
    patch, path = "/api/sensors/{id}", tag = "sensors",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Sensor id")),
    request_body = SensorUpdate,
    responses(
        (status = 200, description = "The updated sensor", body = Sensor),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn sensor_update(
    State(state): State<AppState>,
    _: Authz<NodesManage>,
    Path(id): Path<i64>,
    Json(body): Json<SensorUpdate>,
) -> Result<Json<Sensor>, ApiError> {
    let change = SensorChange {
        name: body.name.as_deref().map(|n| parse_name("name", n)).transpose()?,
        unit: body.unit.as_deref().map(|u| sensors::parse_unit("unit", u)).transpose()?,
        interval_s: body.interval_s.map(|s| sensors::check_interval("interval_s", s)).transpose()?,
        retention_days: body.retention_days.map(|d| sensors::check_retention("retention_days", d)).transpose()?,
    };
    let sensor = state.store.sensor_update(id, change, state.clock.now_ms()).await?;
    state.events.sensor(&sensor);
    Ok(Json(sensor))
}

/// Remove a sensor from its node. Its history stays until retention removes it, unless
/// `purge=true`.
#[utoipa::path(
    delete, path = "/api/sensors/{id}", tag = "sensors",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Sensor id"), SensorDeleteParams),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn sensor_delete(
    State(state): State<AppState>,
    _: Authz<NodesManage>,
    Path(id): Path<i64>,
    Query(params): Query<SensorDeleteParams>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now_ms();
    let sensor = state.store.sensor_remove(id, params.purge.unwrap_or(false), now).await?;
    state.events.sensor_removed(&sensor, now);
    Ok(StatusCode::NO_CONTENT)
}
