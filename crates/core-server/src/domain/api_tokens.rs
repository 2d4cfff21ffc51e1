//! API tokens for scripts: a named secret carrying a subset of its owner's capabilities.

use serde::Serialize;
use utoipa::ToSchema;

use super::error::{Error, Result};
use super::time::Timestamp;
use crate::auth::Capability;

pub const NAME_MAX: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart; the secret itself is shown once.
    pub prefix: String,
    pub user_id: i64,
    pub username: String,
    pub capabilities: Vec<Capability>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

pub fn parse_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(Error::invalid("name", "must be 1 to 64 characters"));
    }
    Ok(name.to_owned())
}

/// A token name as [`parse_name`] takes it: 1 to 64 characters once trimmed, any characters
/// (the OpenAPI schema; the parser decides).
pub struct TokenName;

impl utoipa::PartialSchema for TokenName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use super::nodes::{WHITE_SPACE_CLASS, trimmed_pattern};
        let pattern = trimmed_pattern(NAME_MAX, "[\\s\\S]", &format!("[^{WHITE_SPACE_CLASS}]"));
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("1 to 64 characters once white space around is trimmed."))
            .pattern(Some(pattern))
            .examples(["irrigation script"])
            .into()
    }
}

impl utoipa::ToSchema for TokenName {}

/// A token may carry only capabilities its creator has; the result is sorted and deduplicated.
pub fn check_capabilities(requested: &[Capability], creator: &[Capability]) -> Result<Vec<Capability>> {
    if requested.is_empty() {
        return Err(Error::invalid("capabilities", "must name at least one capability"));
    }
    let mut problems = Vec::new();
    for (i, cap) in requested.iter().enumerate() {
        if !creator.contains(cap) {
            problems.push(super::FieldError::new(
                format!("capabilities[{i}]"),
                format!("{} is not a capability of the token's creator", cap.as_str()),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut caps = requested.to_vec();
    caps.sort();
    caps.dedup();
    Ok(caps)
}

pub fn check_expiry(expires_at: Option<Timestamp>, now: Timestamp) -> Result<()> {
    match expires_at {
        Some(t) if t <= now => Err(Error::invalid("expires_at", "must be in the future")),
        _ => Ok(()),
    }
}
