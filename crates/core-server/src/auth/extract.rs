//! Extractors: `Principal` authenticates the caller (bearer API token or session cookie, with
//! the CSRF rule for cookie writes); `Authz<C>` additionally demands capability `C`. Handlers
//! name the capability in their signature, so authorization runs before the body is read.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};

use super::capabilities::{Capability, capabilities_of};
use super::{SESSION_COOKIE, secrets};
use crate::app::AppState;
use crate::domain::users::User;
use crate::error::ApiError;

/// Writes of `last_seen_at` / `last_used_at` happen at most this often per session or token.
const TOUCH_EVERY_MS: i64 = 60_000;

#[derive(Debug, Clone)]
pub enum PrincipalKind {
    Session { id: i64, expires_at: i64 },
    ApiToken { id: i64 },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    /// What this caller may do: the role's capabilities, narrowed to the token's for API tokens.
    pub capabilities: Vec<Capability>,
    pub kind: PrincipalKind,
}

impl Principal {
    pub fn can(&self, cap: Capability) -> bool {
        self.capabilities.contains(&cap)
    }
}

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A cookie-authenticated write must come from our own pages: a same-origin `Origin` header,
/// or `X-Requested-With`, which a cross-site form cannot set.
fn passes_csrf(parts: &Parts) -> bool {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let headers = &parts.headers;
    if headers.contains_key("x-requested-with") {
        return true;
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, authority)| authority == host),
        _ => false,
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(principal.clone());
        }
        let principal = if let Some(token) = bearer(&parts.headers) {
            from_api_token(state, token).await?
        } else if let Some(cookie) = cookie_value(&parts.headers, SESSION_COOKIE) {
            let principal = from_session(state, cookie).await?;
            if !passes_csrf(parts) {
                return Err(ApiError::forbidden(
                    "cross-site request refused: send a same-origin Origin header or X-Requested-With",
                ));
            }
            principal
        } else {
            return Err(ApiError::unauthenticated("authentication required: log in or send a bearer token"));
        };
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

async fn from_api_token(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let invalid = || ApiError::unauthenticated("invalid, expired or revoked API token");
    let now = state.clock.now_ms();
    let Some((token, owner)) = state.store.api_token_lookup(secrets::digest(token)).await? else {
        if token.starts_with(secrets::NODE_TOKEN_PREFIX)
            && state.store.node_by_token(secrets::digest(token)).await?.is_some()
        {
            return Err(ApiError::forbidden("node tokens may only call the node API (/api/node/...)"));
        }
        return Err(invalid());
    };
    let expired = token.expires_at.is_some_and(|t| t.millis() <= now);
    if token.revoked_at.is_some() || expired || owner.disabled {
        return Err(invalid());
    }
    if token.last_used_at.is_none_or(|t| now - t.millis() >= TOUCH_EVERY_MS) {
        state.store.api_token_touch(token.id, now).await?;
    }
    // A token never outranks its owner's current role.
    let role_caps = capabilities_of(owner.role);
    let capabilities = token.capabilities.iter().copied().filter(|c| role_caps.contains(c)).collect();
    Ok(Principal { user: owner, capabilities, kind: PrincipalKind::ApiToken { id: token.id } })
}

async fn from_session(state: &AppState, cookie: &str) -> Result<Principal, ApiError> {
    let invalid = || ApiError::unauthenticated("session expired or ended; log in again");
    let now = state.clock.now_ms();
    let session = state.store.session_lookup(secrets::digest(cookie)).await?.ok_or_else(invalid)?;
    let idle_ms = state.config.session_idle_ms();
    if session.user.disabled || now >= session.expires_at || now - session.last_seen_at >= idle_ms {
        return Err(invalid());
    }
    if now - session.last_seen_at >= TOUCH_EVERY_MS {
        state.store.session_touch(session.id, now).await?;
    }
    let expires_at = session.expires_at.min(now + idle_ms);
    Ok(Principal {
        capabilities: capabilities_of(session.user.role),
        user: session.user,
        kind: PrincipalKind::Session { id: session.id, expires_at },
    })
}

/// A capability named at the type level, for `Authz<C>`.
pub trait RequiredCapability {
    const CAP: Capability;
}

/// Marker types, one per capability: `Authz<caps::UsersManage>`.
pub mod caps {
    use super::{Capability, RequiredCapability};

    macro_rules! markers {
        ($($name:ident),* $(,)?) => {$(
            pub struct $name;
            impl RequiredCapability for $name {
                const CAP: Capability = Capability::$name;
            }
        )*};
    }

    markers!(
        UsersManage,
        TokensManage,
        NodesView,
        NodesManage,
        OutputsCommand,
        LogsView,
        ConfigWrite,
        SchedulesView,
        SchedulesWrite,
        SchedulesRun,
        AlarmsView,
        AlarmsAck,
        BackupsView,
        BackupsManage,
    );
}

/// An authenticated caller holding capability `C`.
pub struct Authz<C>(pub Principal, pub PhantomData<C>);

impl<C: RequiredCapability + Send + Sync> FromRequestParts<AppState> for Authz<C> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = Principal::from_request_parts(parts, state).await?;
        if !principal.can(C::CAP) {
            return Err(ApiError::forbidden(format!("this needs the {} capability", C::CAP.as_str())));
        }
        Ok(Authz(principal, PhantomData))
    }
}
