//! Types and rules of the farm controller, free of HTTP and SQL.

pub mod api_tokens;
pub mod error;
pub mod time;
pub mod users;

pub use error::{Error, FieldError};
