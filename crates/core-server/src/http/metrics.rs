//! Chart data: `GET /api/metrics/query`.

use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;

use super::{Items, Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::Authz;
use crate::auth::extract::caps::NodesView;
use crate::domain::metrics::{self, Series};
use crate::error::ApiError;

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(purpose; metrics_query))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MetricsParams {
    /// One sensor id, or up to 16 separated by commas (overlay charts): `3,4,7`.
    #[param(
        pattern = "^[\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*[+-]?[0-9]{1,18}[\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*(?:,[\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*[+-]?[0-9]{1,18}[\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*){0,15}$"
    )]
    pub sensor_id: String,
    /// Start of the range (RFC 3339), inclusive.
    #[param(format = DateTime)]
    pub from: String,
    /// End of the range (RFC 3339), exclusive; after `from`.
    #[param(format = DateTime)]
    pub to: String,
    /// At most this many points per sensor (2–10000, default 1000).
    #[param(minimum = 2, maximum = 10000)]
    pub max_points: Option<i64>,
}

/// Readings of one or more sensors over a range, in at most `max_points` points each: raw
/// readings when few enough, otherwise buckets with min, max and average (from hourly rollups
/// for long ranges, so a year answers as fast as a day).
#[utoipa::path(
    get, path = "/api/metrics/query", tag = "metrics",
    security(("session_cookie" = []), ("bearer" = [])),
    params(MetricsParams),
    responses(
        (status = 200, description = "One series per sensor, in the order asked", body = Items<Series>),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn metrics_query(
    State(state): State<AppState>,
    _: Authz<NodesView>,
    Query(params): Query<MetricsParams>,
) -> Result<Json<Items<Series>>, ApiError> {
    let query = metrics::parse_query(&params.sensor_id, &params.from, &params.to, params.max_points)?;
    Ok(Json(state.store.metrics_query(query).await?.into()))
}
