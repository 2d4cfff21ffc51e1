//! `GET /healthz`: liveness and readiness for supervisors and `farmctl`'s health gate.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use super::{Json, Purpose, routes};
use crate::app::AppState;
use crate::domain::Error;
use crate::error::ApiError;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers 200.
    pub status: String,
    /// `rust` here; the legacy server answers `python`.
    pub backend: String,
    pub version: String,
    /// The highest applied migration.
    pub schema_version: i64,
}

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(purpose; healthz))
}

/// Liveness and readiness: 200 when the database answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, response = crate::error::Unavailable),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let schema_version =
        state.store.schema_version().await.map_err(|e| Error::Unavailable(format!("database not usable: {e}")))?;
    Ok(Json(Health {
        status: "ok".into(),
        backend: "rust".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        schema_version,
    }))
}
