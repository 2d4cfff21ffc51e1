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

/// Security requirement names used in the OpenAPI document.
pub const SESSION_COOKIE_SCHEME: &str = "session_cookie";
pub const BEARER_SCHEME: &str = "bearer";
