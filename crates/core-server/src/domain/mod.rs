//! Types and rules of the farm controller, free of HTTP and SQL.

pub mod adoption;
pub mod api_tokens;
pub mod dashboard;
pub mod error;
pub mod metrics;
pub mod nodes;
pub mod outputs;
pub mod schedule_engine;
pub mod schedule_rules;
pub mod schedules;
pub mod sensors;
pub mod setup;
pub mod site;
pub mod time;
pub mod users;

pub use error::{Error, FieldError};
