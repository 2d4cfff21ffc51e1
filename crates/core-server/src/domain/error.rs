//! The one error type below the HTTP layer. It names what went wrong in domain terms;
//! `crate::error` turns it into a status code and the JSON error body at the boundary.

use std::fmt;

/// One invalid field of a request, as reported in `error.details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub problem: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self { field: field.into(), problem: problem.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Well-formed but invalid input; at least one field says why.
    #[error("{}", describe_fields(.0))]
    Validation(Vec<FieldError>),
    /// Input that could not be read at all (malformed JSON, bad query string).
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique name taken, a stale update, a rule such as "the last admin stays".
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    Unavailable(String),
    /// A single-use token whose time ran out (adoption).
    #[error("the token has expired; ask for a new one")]
    TokenExpired,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, problem)])
    }
}

fn describe_fields(fields: &[FieldError]) -> String {
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        fmt::write(&mut out, format_args!("{} {}", f.field, f.problem)).expect("writing to a String");
    }
    out
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
