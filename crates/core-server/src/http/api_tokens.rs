//! API tokens for scripts (capability `tokens.manage`). The secret is returned once, at creation.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use super::{Items, Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::extract::caps::TokensManage;
use crate::auth::{Authz, Capability, secrets};
use crate::domain::api_tokens::{self, ApiToken};
use crate::domain::time::Timestamp;
use crate::error::ApiError;
use crate::store::NewApiToken;

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(purpose; api_tokens_list, api_token_create))
        .routes(routes!(purpose; api_token_delete))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiTokenCreate {
    #[schema(value_type = crate::domain::api_tokens::TokenName)]
    pub name: String,
    /// A subset of the creator's capabilities, at least one.
    #[schema(min_items = 1)]
    pub capabilities: Vec<Capability>,
    /// Optional; the token stops working at this instant.
    pub expires_at: Option<Timestamp>,
}

/// A new token and its secret. The secret is not stored and cannot be shown again.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenCreated {
    pub token: ApiToken,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// All API tokens, by id, revoked ones included. Secrets are never listed.
#[utoipa::path(
    get, path = "/api/api-tokens", tag = "api-tokens",
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Tokens", body = Items<ApiToken>),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn api_tokens_list(
    State(state): State<AppState>,
    _: Authz<TokensManage>,
) -> Result<Json<Items<ApiToken>>, ApiError> {
    Ok(Json(state.store.api_tokens_list().await?.into()))
}

/// Create a token carrying some of your capabilities; the response holds the secret, once.
#[utoipa::path(
    post, path = "/api/api-tokens", tag = "api-tokens",
    security(("session_cookie" = []), ("bearer" = [])),
    request_body = ApiTokenCreate,
    responses(
        (status = 201, description = "Created; the secret is shown only now", body = ApiTokenCreated),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn api_token_create(
    State(state): State<AppState>,
    Authz(principal, _): Authz<TokensManage>,
    Json(body): Json<ApiTokenCreate>,
) -> Result<(StatusCode, Json<ApiTokenCreated>), ApiError> {
    let now = state.clock.now_ms();
    let name = api_tokens::parse_name(&body.name)?;
    let capabilities = api_tokens::check_capabilities(&body.capabilities, &principal.capabilities)?;
    api_tokens::check_expiry(body.expires_at, Timestamp(now))?;
    let secret = secrets::new_api_token();
    let token = state
        .store
        .api_token_create(NewApiToken {
            user_id: principal.user.id,
            name,
            prefix: secret.chars().take(secrets::DISPLAY_PREFIX_LEN).collect(),
            token_hash: secrets::digest(&secret),
            capabilities,
            created_at: now,
            expires_at: body.expires_at.map(Timestamp::millis),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(ApiTokenCreated { token, secret })))
}

/// Revoke a token; it stops working at once.
#[utoipa::path(
    delete, path = "/api/api-tokens/{id}", tag = "api-tokens",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn api_token_delete(
    State(state): State<AppState>,
    _: Authz<TokensManage>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.api_token_revoke(id, state.clock.now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}
