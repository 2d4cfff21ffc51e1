//! Handlers, one module per resource, each exposing `router()`. Handlers parse and authorize,
//! call the domain and the store, and map errors; they hold no SQL.

pub mod action_logs;
pub mod adoption;
pub mod api_tokens;
pub mod auth;
pub mod backups;
pub mod dashboard;
pub mod events;
pub mod health;
pub mod json;
pub mod metrics;
pub mod node_api;
pub mod nodes;
pub mod outputs;
pub mod schedules;
pub mod sensors;
pub mod setup;
pub mod site;
pub mod users;

pub use json::Json;

use serde::Serialize;
use utoipa::ToSchema;

/// `{"items": [...]}`, the shape of every list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

impl<T> From<Vec<T>> for Items<T> {
    fn from(items: Vec<T>) -> Self {
        Self { items }
    }
}

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// The `limit` of a paginated list (API-CONVENTIONS: default 100, at most 1000).
pub fn page_limit(limit: Option<i64>) -> Result<i64, crate::domain::Error> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(crate::domain::Error::invalid("limit", "must be between 1 and 1000"));
    }
    Ok(limit)
}

/// Security requirement names used in the OpenAPI document.
pub const SESSION_COOKIE_SCHEME: &str = "session_cookie";
pub const BEARER_SCHEME: &str = "bearer";
