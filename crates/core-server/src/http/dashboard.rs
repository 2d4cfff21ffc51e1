//! `GET /api/dashboard/state`: the overview page in one call.

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;

use super::{Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::Authz;
use crate::auth::extract::caps::NodesView;
use crate::domain::dashboard::{BackupHealth, DashboardState};
use crate::error::ApiError;

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(purpose; dashboard_state))
}

/// Site, nodes with status, sensors with last values, outputs with desired, reported and
/// pending command, counts, and the newest verified backup's age; a fixed number of queries
/// however large the farm.
#[utoipa::path(
    get, path = "/api/dashboard/state", tag = "dashboard",
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The overview", body = DashboardState),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn dashboard_state(
    State(state): State<AppState>,
    _: Authz<NodesView>,
) -> Result<Json<DashboardState>, ApiError> {
    let now = state.clock.now_ms();
    let mut overview = state.store.dashboard_state(now).await?;
    overview.backup = BackupHealth::at(crate::engine::backups::newest_verified(&state), now);
    Ok(Json(overview))
}
