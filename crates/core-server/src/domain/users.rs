//! Users: names, passwords, roles, and the rule that a site never loses its last admin.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{Error, Result};
use super::time::Timestamp;

pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 10;
/// Argon2 happily hashes megabytes; a cap keeps login from becoming a CPU sink.
pub const PASSWORD_MAX: usize = 256;

/// 3–32 characters of `a-z 0-9 . _ -`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(field: &str, raw: &str) -> Result<Self> {
        let ok_len = (3..=USERNAME_MAX).contains(&raw.len());
        let ok_chars = raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        let ok_start = raw.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if ok_len && ok_chars && ok_start {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Error::invalid(
                field,
                "must be 3 to 32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl utoipa::PartialSchema for Username {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("3 to 32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit."))
            .pattern(Some(format!("^[a-z0-9][a-z0-9._-]{{2,{}}}$", USERNAME_MAX - 1)))
            .examples(["ada"])
            .into()
    }
}

impl utoipa::ToSchema for Username {}

/// A new password that meets the rules. Never logged, never serialised.
pub struct Password(String);

impl Password {
    pub fn parse(field: &str, raw: &str) -> Result<Self> {
        let chars = raw.chars().count();
        if chars < PASSWORD_MIN {
            return Err(Error::invalid(field, "must be at least 10 characters"));
        }
        if chars > PASSWORD_MAX {
            return Err(Error::invalid(field, "must be at most 256 characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl utoipa::PartialSchema for Password {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("10 to 256 characters."))
            .min_length(Some(PASSWORD_MIN))
            .max_length(Some(PASSWORD_MAX))
            .into()
    }
}

impl utoipa::ToSchema for Password {}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Operator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub fn from_db(text: &str) -> Option<Self> {
        match text {
            "viewer" => Some(Role::Viewer),
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A user as the API shows it (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A change to a user; `None` leaves the field as it is.
#[derive(Debug, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

impl UserChange {
    fn keeps_admin(&self, user: &User) -> bool {
        let role = self.role.unwrap_or(user.role);
        let disabled = self.disabled.unwrap_or(user.disabled);
        role == Role::Admin && !disabled
    }
}

fn is_active_admin(user: &User) -> bool {
    user.role == Role::Admin && !user.disabled
}

/// Demoting or disabling the only enabled admin would lock everyone out of user management.
pub fn check_change_keeps_an_admin(user: &User, change: &UserChange, active_admins: i64) -> Result<()> {
    if is_active_admin(user) && !change.keeps_admin(user) && active_admins <= 1 {
        return Err(Error::Conflict("the last enabled admin cannot be demoted or disabled".into()));
    }
    Ok(())
}

pub fn check_delete_keeps_an_admin(user: &User, active_admins: i64) -> Result<()> {
    if is_active_admin(user) && active_admins <= 1 {
        return Err(Error::Conflict("the last enabled admin cannot be deleted".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin() -> User {
        User {
            id: 1,
            username: "ada".into(),
            role: Role::Admin,
            disabled: false,
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    #[test]
    fn usernames_follow_the_rules() {
        for ok in ["ada", "farm.ops", "a_b-c", "0day"] {
            assert!(Username::parse("username", ok).is_ok(), "{ok}");
        }
        for bad in ["", "ab", "Ada", "-lead", "has space", "ümlaut", &"x".repeat(33)] {
            assert!(Username::parse("username", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_need_ten_characters() {
        assert!(Password::parse("password", "123456789").is_err());
        assert!(Password::parse("password", "1234567890").is_ok());
        assert!(Password::parse("password", "ääääääääää").is_ok(), "counts characters, not bytes");
    }

    #[test]
    fn last_admin_cannot_be_demoted_disabled_or_deleted() {
        let demote = UserChange { role: Some(Role::Viewer), ..Default::default() };
        let disable = UserChange { disabled: Some(true), ..Default::default() };
        assert!(matches!(check_change_keeps_an_admin(&admin(), &demote, 1), Err(Error::Conflict(_))));
        assert!(matches!(check_change_keeps_an_admin(&admin(), &disable, 1), Err(Error::Conflict(_))));
        assert!(check_change_keeps_an_admin(&admin(), &demote, 2).is_ok());
        assert!(matches!(check_delete_keeps_an_admin(&admin(), 1), Err(Error::Conflict(_))));
        assert!(check_delete_keeps_an_admin(&admin(), 2).is_ok());
    }
}
