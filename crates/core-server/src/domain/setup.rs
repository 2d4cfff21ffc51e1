//! The first-run wizard's rules: who may see which step, and the backup settings it chooses.

use std::path::{Path, PathBuf};

use super::error::{Error, Result};

/// The wizard's row, once the first admin was created through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wizard {
    pub admin_id: i64,
    /// SHA-256 of the cookie of the browser that created the admin; cleared on completion.
    pub token_hash: Option<String>,
    pub completed: bool,
}

/// What the database says about setup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupState {
    /// An enabled admin exists.
    pub admin_exists: bool,
    pub wizard: Option<Wizard>,
}

/// Which part of the wizard a caller may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// No admin yet: anyone on the network may create the first one (step 1 only).
    CreateAdmin,
    /// The browser that created the admin, before it finished: steps 2 to 4.
    Continue { admin_id: i64 },
    /// Setup is over (or is someone else's): everything goes to the dashboard.
    Closed,
}

/// `cookie_digest` is the SHA-256 of the caller's setup cookie, if it sent one.
pub fn gate(state: &SetupState, cookie_digest: Option<&str>) -> Gate {
    if !state.admin_exists {
        return Gate::CreateAdmin;
    }
    match &state.wizard {
        Some(w) if !w.completed && cookie_digest.is_some() && w.token_hash.as_deref() == cookie_digest => {
            Gate::Continue { admin_id: w.admin_id }
        }
        _ => Gate::Closed,
    }
}

/// Where backups go and when the daily one runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSettings {
    pub dir: PathBuf,
    /// `HH:MM` in the site's time zone; `None`: no scheduled backups.
    pub daily_at: Option<String>,
}

impl BackupSettings {
    /// What the configuration says, before the wizard chose anything.
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self { dir: config.backup_dir(), daily_at: config.backup_time.clone() }
    }
}

/// `HH:MM` (24-hour), or `off`.
pub fn parse_daily_at(field: &str, raw: &str) -> Result<Option<String>> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let ok = raw.len() == 5 && chrono::NaiveTime::parse_from_str(raw, "%H:%M").is_ok();
    if ok { Ok(Some(raw.to_owned())) } else { Err(Error::invalid(field, "must be a time HH:MM such as 03:00, or off")) }
}

/// An absolute path; whether it is writable is checked where the file system is.
pub fn parse_backup_dir(field: &str, raw: &str) -> Result<PathBuf> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 1024 || raw.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must be a folder path of at most 1024 characters"));
    }
    if !Path::new(raw).is_absolute() {
        return Err(Error::invalid(field, "must be an absolute path such as /var/backups/farm"));
    }
    Ok(PathBuf::from(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(admin_exists: bool, wizard: Option<Wizard>) -> SetupState {
        SetupState { admin_exists, wizard }
    }

    fn wizard(completed: bool) -> Option<Wizard> {
        Some(Wizard { admin_id: 7, token_hash: (!completed).then(|| "abc".to_owned()), completed })
    }

    #[test]
    fn the_gate_follows_the_database_and_the_cookie() {
        let cases = [
            (state(false, None), None, Gate::CreateAdmin),
            (state(false, None), Some("abc"), Gate::CreateAdmin),
            (state(true, None), Some("abc"), Gate::Closed),
            (state(true, wizard(false)), Some("abc"), Gate::Continue { admin_id: 7 }),
            (state(true, wizard(false)), Some("other"), Gate::Closed),
            (state(true, wizard(false)), None, Gate::Closed),
            (state(true, wizard(true)), Some("abc"), Gate::Closed),
        ];
        for (i, (s, cookie, want)) in cases.into_iter().enumerate() {
            assert_eq!(gate(&s, cookie), want, "case {i}");
        }
    }

    #[test]
    fn daily_time_is_hh_mm_or_off() {
        assert_eq!(parse_daily_at("t", "03:00").unwrap().as_deref(), Some("03:00"));
        assert_eq!(parse_daily_at("t", " 23:59 ").unwrap().as_deref(), Some("23:59"));
        assert_eq!(parse_daily_at("t", "OFF").unwrap(), None);
        for bad in ["", "3:00", "24:00", "12:60", "noon", "03:00:00"] {
            assert!(parse_daily_at("t", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn backup_dir_must_be_absolute() {
        assert_eq!(parse_backup_dir("d", "/srv/farm/backups").unwrap(), PathBuf::from("/srv/farm/backups"));
        for bad in ["", "  ", "backups", "./data/backups", "/a\nb"] {
            assert!(parse_backup_dir("d", bad).is_err(), "{bad:?}");
        }
    }
}
