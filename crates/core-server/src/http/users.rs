//! User management (capability `users.manage`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use super::{Items, Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::Authz;
use crate::auth::extract::caps::UsersManage;
use crate::auth::password;
use crate::domain::users::{Password, Role, User, UserChange, Username};
use crate::error::ApiError;

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(purpose; users_list, user_create))
        .routes(routes!(purpose; user_get, user_update, user_delete))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    /// 3–32 characters of a-z, 0-9, '.', '_', '-'.
    #[schema(value_type = crate::domain::users::Username)]
    pub username: String,
    /// 10 to 256 characters.
    #[schema(value_type = crate::domain::users::Password)]
    pub password: String,
    pub role: Role,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub role: Option<Role>,
    /// A disabled user cannot log in; their sessions end.
    pub disabled: Option<bool>,
    /// Sets a new password (an admin reset); the user's sessions end.
    #[schema(value_type = Option<crate::domain::users::Password>)]
    pub password: Option<String>,
}

/// Argon2 takes tens of milliseconds: never on the async workers.
pub(crate) async fn hash_off_thread(password: Password) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || password::hash(password.expose()))
        .await
        .map_err(|e| ApiError::internal(e.into()))?
        .map_err(ApiError::internal)
}

/// All users, by id.
#[utoipa::path(
    get, path = "/api/users", tag = "users",
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Users", body = Items<User>),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn users_list(State(state): State<AppState>, _: Authz<UsersManage>) -> Result<Json<Items<User>>, ApiError> {
    Ok(Json(state.store.users_list().await?.into()))
}

/// Create a user.
#[utoipa::path(
    post, path = "/api/users", tag = "users",
    security(("session_cookie" = []), ("bearer" = [])),
    request_body = UserCreate,
    responses(
        (status = 201, description = "Created", body = User),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn user_create(
    State(state): State<AppState>,
    _: Authz<UsersManage>,
    Json(body): Json<UserCreate>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let username = Username::parse("username", &body.username)?;
    let password = Password::parse("password", &body.password)?;
    let hash = hash_off_thread(password).await?;
    let user = state.store.user_create(&username, hash, body.role, state.clock.now_ms()).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// One user.
#[utoipa::path(
    get, path = "/api/users/{id}", tag = "users",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
    )
)]
pub async fn user_get(
    State(state): State<AppState>,
    _: Authz<UsersManage>,
    Path(id): Path<i64>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(state.store.user_get(id).await?))
}

/// Change a user's role, disable or enable them, or reset their password. The last enabled
/// admin cannot be demoted or disabled (409).
#[utoipa::path(
    patch, path = "/api/users/{id}", tag = "users",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = UserUpdate,
    responses(
        (status = 200, description = "The updated user", body = User),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
    )
)]
pub async fn user_update(
    State(state): State<AppState>,
    _: Authz<UsersManage>,
    Path(id): Path<i64>,
    Json(body): Json<UserUpdate>,
) -> Result<Json<User>, ApiError> {
    let password = body.password.as_deref().map(|p| Password::parse("password", p)).transpose()?;
    let password_hash = match password {
        Some(p) => Some(hash_off_thread(p).await?),
        None => None,
    };
    let change = UserChange { role: body.role, disabled: body.disabled, password_hash };
    Ok(Json(state.store.user_update(id, change, state.clock.now_ms()).await?))
}

/// Delete a user, their sessions and their API tokens. The last enabled admin stays (409).
#[utoipa::path(
    delete, path = "/api/users/{id}", tag = "users",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 404, response = crate::error::NotFound),
        (status = 409, response = crate::error::Conflict),
    )
)]
pub async fn user_delete(
    State(state): State<AppState>,
    _: Authz<UsersManage>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.user_delete(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
