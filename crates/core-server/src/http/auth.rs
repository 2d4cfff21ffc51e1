//! Login, logout, the current session, and password changes.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use super::{Json, Purpose, routes};
use crate::app::AppState;
use crate::auth::{Capability, Principal, PrincipalKind, SESSION_COOKIE, capabilities_of, password, secrets};
use crate::domain::error::Error;
use crate::domain::time::Timestamp;
use crate::domain::users::{Password, User, UserChange};
use crate::error::ApiError;

pub fn router(purpose: Purpose) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(purpose; auth_login))
        .routes(routes!(purpose; auth_logout))
        .routes(routes!(purpose; auth_session))
        .routes(routes!(purpose; auth_password))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    #[schema(value_type = crate::domain::users::Password)]
    pub new_password: String,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    Session,
    ApiToken,
}

/// Who is calling and what they may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthSession {
    pub user: User,
    pub capabilities: Vec<Capability>,
    pub method: AuthMethod,
    /// When the session ends if idle until then (sessions only).
    pub expires_at: Option<Timestamp>,
}

impl From<Principal> for AuthSession {
    fn from(p: Principal) -> Self {
        let (method, expires_at) = match p.kind {
            PrincipalKind::Session { expires_at, .. } => (AuthMethod::Session, Some(Timestamp(expires_at))),
            PrincipalKind::ApiToken { .. } => (AuthMethod::ApiToken, None),
        };
        Self { user: p.user, capabilities: p.capabilities, method, expires_at }
    }
}

const BAD_LOGIN: &str = "invalid username or password";

fn throttle_keys(username: &str, addr: &SocketAddr) -> [String; 2] {
    [format!("user:{}", username.to_lowercase()), format!("addr:{}", addr.ip())]
}

fn served_over_tls(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

fn session_cookie(value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&cookie).expect("cookie from URL-safe characters")
}

/// Starts a session for `user` and returns it with its `Set-Cookie` header.
pub(crate) async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    user: User,
) -> Result<(HeaderValue, AuthSession), ApiError> {
    let now = state.clock.now_ms();
    let secret = secrets::random_secret();
    let absolute_ms = state.config.session_absolute_ms();
    let expires_at = now.saturating_add(absolute_ms);
    state.store.session_create(user.id, secrets::digest(&secret), now, expires_at).await?;
    let cookie = session_cookie(&secret, absolute_ms / 1000, served_over_tls(state, headers));
    let session = AuthSession {
        capabilities: capabilities_of(user.role),
        user,
        method: AuthMethod::Session,
        expires_at: Some(Timestamp(expires_at.min(now.saturating_add(state.config.session_idle_ms())))),
    };
    Ok((cookie, session))
}

async fn verify_off_thread(password: String, hash: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => password::verify(&password, &h),
        None => {
            password::verify_dummy(&password);
            false
        }
    })
    .await
    .map_err(|e| ApiError::internal(e.into()))
}

/// Log in with a username and password; sets the session cookie.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = AuthSession,
         headers(("set-cookie" = String, description = "farm_session, HttpOnly, SameSite=Strict"))),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
        (status = 429, response = crate::error::RateLimited),
    )
)]
pub async fn auth_login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(body): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let now = state.clock.now_ms();
    let keys = throttle_keys(&body.username, &addr);
    if let Some(retry_after_secs) = state.throttle.retry_after(&keys, now) {
        return Err(Error::RateLimited { retry_after_secs }.into());
    }
    let found = state.store.user_credentials(&body.username).await?;
    let (user, hash) = match found {
        Some((user, hash)) if !user.disabled => (Some(user), Some(hash)),
        _ => (None, None),
    };
    let ok = verify_off_thread(body.password, hash).await?;
    let Some(user) = user.filter(|_| ok) else {
        state.throttle.record_failure(&keys, now);
        tracing::info!(username = %body.username, addr = %addr.ip(), "login failed");
        return Err(ApiError::unauthenticated(BAD_LOGIN));
    };
    state.throttle.clear(&keys[0]);
    let (cookie, session) = start_session(&state, &headers, user).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(session)).into_response())
}

/// End the current browser session and clear its cookie.
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    tag = "auth",
    security(("session_cookie" = [])),
    responses(
        (status = 204, description = "Logged out; the cookie is cleared"),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
    )
)]
pub async fn auth_logout(State(state): State<AppState>, principal: Principal) -> Result<Response, ApiError> {
    let PrincipalKind::Session { id, .. } = principal.kind else {
        return Err(ApiError::bad_request(
            "logout ends a browser session; revoke an API token with DELETE /api/api-tokens/{id}",
        ));
    };
    state.store.session_delete(id).await?;
    let clear = session_cookie("", 0, state.config.secure_cookies);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

/// The current user, capabilities and session expiry.
#[utoipa::path(
    get,
    path = "/api/auth/session",
    tag = "auth",
    security(("session_cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = AuthSession),
        (status = 401, response = crate::error::Unauthenticated),
    )
)]
pub async fn auth_session(principal: Principal) -> Json<AuthSession> {
    Json(principal.into())
}

/// Change your own password. Ends every session of yours and starts a fresh one here.
#[utoipa::path(
    post,
    path = "/api/auth/password",
    tag = "auth",
    security(("session_cookie" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; other sessions ended, a new cookie is set",
         headers(("set-cookie" = String, description = "the new farm_session"))),
        (status = 400, response = crate::error::BadRequest),
        (status = 401, response = crate::error::Unauthenticated),
        (status = 403, response = crate::error::Forbidden),
        (status = 413, response = crate::error::PayloadTooLarge),
        (status = 422, response = crate::error::ValidationFailed),
        (status = 429, response = crate::error::RateLimited),
    )
)]
pub async fn auth_password(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Json(body): Json<PasswordChange>,
) -> Result<Response, ApiError> {
    if !matches!(principal.kind, PrincipalKind::Session { .. }) {
        return Err(ApiError::forbidden("passwords are changed from a browser session, not with an API token"));
    }
    let now = state.clock.now_ms();
    let key = [format!("user:{}", principal.user.username)];
    if let Some(retry_after_secs) = state.throttle.retry_after(&key, now) {
        return Err(Error::RateLimited { retry_after_secs }.into());
    }
    let new_password = Password::parse("new_password", &body.new_password)?;
    let hash = state.store.user_password_hash(principal.user.id).await?;
    if !verify_off_thread(body.current_password, Some(hash)).await? {
        state.throttle.record_failure(&key, now);
        return Err(Error::invalid("current_password", "is not your current password").into());
    }
    let new_hash = super::users::hash_off_thread(new_password).await?;
    let change = UserChange { password_hash: Some(new_hash), ..Default::default() };
    let user = state.store.user_update(principal.user.id, change, now).await?;
    let (cookie, _) = start_session(&state, &headers, user).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}
