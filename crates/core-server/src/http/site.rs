//! Site settings: name, time zone, units.

use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use super::{Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::Authz;
use crate::auth::extract::caps::{ConfigWrite, NodesView};
use crate::domain::nodes::parse_name;
use crate::domain::site::{Site, Units, parse_timezone};
use crate::error::ApiError;
use crate::store::site::SiteChange;

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(purpose; site_get, site_update))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteUpdate {
    #[schema(value_type = Option<crate::domain::nodes::DisplayName>)]
    pub name: Option<String>,
    /// An IANA time zone such as `Europe/Berlin`.
    #[schema(value_type = Option<crate::domain::site::TimeZone>)]
    pub timezone: Option<String>,
    pub units: Option<Units>,
}

/// The site's settings.
#[utoipa::path(
    get, path = "/api/site", tag = "site",
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Site settings", body = Site),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn site_get(State(state): State<AppState>, _: Authz<NodesView>) -> Result<Json<Site>, ApiError> {
    Ok(Json(state.store.site_get().await?))
}

/// Change the site's name, time zone or units.
#[utoipa::path(
    patch, path = "/api/site", tag = "site",
    security(("session_cookie" = []), ("bearer" = [])),
    request_body = SiteUpdate,
    responses(
        (status = 200, description = "Updated settings", body = Site),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn site_update(
    State(state): State<AppState>,
    _: Authz<ConfigWrite>,
    Json(body): Json<SiteUpdate>,
) -> Result<Json<Site>, ApiError> {
    let change = SiteChange {
        name: body.name.as_deref().map(|n| parse_name("name", n)).transpose()?,
        timezone: body.timezone.as_deref().map(|t| parse_timezone("timezone", t)).transpose()?,
        units: body.units,
    };
    Ok(Json(state.store.site_update(change, state.clock.now_ms()).await?))
}
