//! One `Config`, layered: built-in defaults < TOML file (`--config`, `FARM_CONFIG`) <
//! environment (`FARM_*`) < command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// The SQLite database file.
    pub database: PathBuf,
    /// Where backups and other state live.
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    /// Serve the dashboard from this folder instead of the copy embedded in the binary.
    pub dashboard_dir: Option<PathBuf>,
    /// A session ends after this long without a request.
    pub session_idle_minutes: u64,
    /// A session ends this long after login, however active.
    pub session_absolute_hours: u64,
    /// Mark the session cookie `Secure` (set when a TLS proxy sits in front).
    pub secure_cookies: bool,
    /// Where backups go [default: <data-dir>/backups].
    pub backup_dir: Option<PathBuf>,
    /// Daily backup time, HH:MM in the site's time zone; `None` turns scheduled backups off.
    pub backup_time: Option<String>,
    /// Backups older than this many days are deleted...
    pub backup_keep_days: u64,
    /// ...except the newest this many verified ones.
    pub backup_keep_min: usize,
    /// Look for field nodes advertising over mDNS and list them as adoption candidates.
    pub mdns: bool,
    /// Diagnostics for tests: count executed SQL statements. Not a command-line setting.
    pub count_statements: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: PathBuf::from("./data/farm.db"),
            data_dir: PathBuf::from("./data"),
            log_format: LogFormat::Text,
            dashboard_dir: None,
            session_idle_minutes: 12 * 60,
            session_absolute_hours: 7 * 24,
            secure_cookies: false,
            backup_dir: None,
            backup_time: Some("03:00".into()),
            backup_keep_days: 30,
            backup_keep_min: 3,
            mdns: false,
            count_statements: false,
        }
    }
}

impl Config {
    pub fn backup_dir(&self) -> PathBuf {
        self.backup_dir.clone().unwrap_or_else(|| self.data_dir.join("backups"))
    }

    pub fn session_idle_ms(&self) -> i64 {
        i64::try_from(self.session_idle_minutes.saturating_mul(60_000)).unwrap_or(i64::MAX)
    }

    pub fn session_absolute_ms(&self) -> i64 {
        i64::try_from(self.session_absolute_hours.saturating_mul(3_600_000)).unwrap_or(i64::MAX)
    }

    /// A configuration for tests and tools: defaults with the database in `data_dir`.
    pub fn in_dir(data_dir: &Path) -> Self {
        Self { database: data_dir.join("farm.db"), data_dir: data_dir.to_owned(), ..Self::default() }
    }
}

/// The same settings as optional values: what one layer (file, or environment + flags) says.
#[derive(Debug, Default, Clone, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigArgs {
    /// TOML file with any of the settings below (keys as the long flags, with underscores)
    #[arg(long, env = "FARM_CONFIG", global = true, value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "FARM_LISTEN", global = true, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// SQLite database file [default: <data-dir>/farm.db]
    #[arg(long, env = "FARM_DATABASE", global = true, value_name = "FILE")]
    pub database: Option<PathBuf>,
    /// Data folder for the database, backups and state [default: ./data]
    #[arg(long, env = "FARM_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Log format [default: text]
    #[arg(long, env = "FARM_LOG_FORMAT", global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Serve the dashboard from this folder (development) instead of the embedded build
    #[arg(long, env = "FARM_DASHBOARD_DIR", global = true, value_name = "DIR")]
    pub dashboard_dir: Option<PathBuf>,
    /// Minutes without a request before a session ends [default: 720]
    #[arg(long, env = "FARM_SESSION_IDLE_MINUTES", global = true, value_name = "MIN")]
    pub session_idle_minutes: Option<u64>,
    /// Hours after login when a session ends regardless [default: 168]
    #[arg(long, env = "FARM_SESSION_ABSOLUTE_HOURS", global = true, value_name = "H")]
    pub session_absolute_hours: Option<u64>,
    /// Mark the session cookie Secure (behind a TLS proxy) [default: false]
    #[arg(long, env = "FARM_SECURE_COOKIES", global = true, value_name = "BOOL")]
    pub secure_cookies: Option<bool>,
    /// Folder for backups [default: <data-dir>/backups]
    #[arg(long, env = "FARM_BACKUP_DIR", global = true, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Daily backup time in the site's time zone, HH:MM, or "off" [default: 03:00]
    #[arg(long, env = "FARM_BACKUP_TIME", global = true, value_name = "HH:MM")]
    pub backup_time: Option<String>,
    /// Delete backups older than this many days [default: 30]
    #[arg(long, env = "FARM_BACKUP_KEEP_DAYS", global = true, value_name = "DAYS")]
    pub backup_keep_days: Option<u64>,
    /// Always keep at least this many newest verified backups [default: 3]
    #[arg(long, env = "FARM_BACKUP_KEEP_MIN", global = true, value_name = "N")]
    pub backup_keep_min: Option<usize>,
    /// Discover field nodes advertising _farmnode._tcp over mDNS [default: false]
    #[arg(long, env = "FARM_MDNS", global = true, value_name = "BOOL")]
    pub mdns: Option<bool>,
}

impl ConfigArgs {
    /// Layers: defaults < the file named by `--config` < `self` (environment and flags).
    pub fn resolve(&self) -> anyhow::Result<Config> {
        let file = match &self.config {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str::<ConfigArgs>(&text)
                    .with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => ConfigArgs::default(),
        };
        let config = file.overlay(self).apply(Config::default());
        if let Some(time) = &config.backup_time
            && chrono::NaiveTime::parse_from_str(time, "%H:%M").is_err()
        {
            anyhow::bail!("backup_time {time:?} is not HH:MM (or \"off\")");
        }
        Ok(config)
    }

    fn overlay(self, top: &ConfigArgs) -> ConfigArgs {
        ConfigArgs {
            config: None,
            listen: top.listen.or(self.listen),
            database: top.database.clone().or(self.database),
            data_dir: top.data_dir.clone().or(self.data_dir),
            log_format: top.log_format.or(self.log_format),
            dashboard_dir: top.dashboard_dir.clone().or(self.dashboard_dir),
            session_idle_minutes: top.session_idle_minutes.or(self.session_idle_minutes),
            session_absolute_hours: top.session_absolute_hours.or(self.session_absolute_hours),
            secure_cookies: top.secure_cookies.or(self.secure_cookies),
            backup_dir: top.backup_dir.clone().or(self.backup_dir),
            backup_time: top.backup_time.clone().or(self.backup_time),
            backup_keep_days: top.backup_keep_days.or(self.backup_keep_days),
            backup_keep_min: top.backup_keep_min.or(self.backup_keep_min),
            mdns: top.mdns.or(self.mdns),
        }
    }

    fn apply(self, base: Config) -> Config {
        let data_dir = self.data_dir.unwrap_or(base.data_dir);
        Config {
            listen: self.listen.unwrap_or(base.listen),
            database: self.database.unwrap_or_else(|| data_dir.join("farm.db")),
            data_dir,
            log_format: self.log_format.unwrap_or(base.log_format),
            dashboard_dir: self.dashboard_dir.or(base.dashboard_dir),
            session_idle_minutes: self.session_idle_minutes.unwrap_or(base.session_idle_minutes),
            session_absolute_hours: self.session_absolute_hours.unwrap_or(base.session_absolute_hours),
            secure_cookies: self.secure_cookies.unwrap_or(base.secure_cookies),
            backup_dir: self.backup_dir.or(base.backup_dir),
            backup_time: match self.backup_time {
                Some(t) if t.eq_ignore_ascii_case("off") => None,
                Some(t) => Some(t),
                None => base.backup_time,
            },
            backup_keep_days: self.backup_keep_days.unwrap_or(base.backup_keep_days),
            backup_keep_min: self.backup_keep_min.unwrap_or(base.backup_keep_min),
            mdns: self.mdns.unwrap_or(base.mdns),
            count_statements: base.count_statements,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_layers_win() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("farm.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/farm\"\nsession_idle_minutes = 5\n")
            .unwrap();
        let flags = ConfigArgs { config: Some(file), session_idle_minutes: Some(7), ..Default::default() };
        let config = flags.resolve().unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000", "file beats default");
        assert_eq!(config.database, PathBuf::from("/srv/farm/farm.db"), "database follows data_dir");
        assert_eq!(config.session_idle_minutes, 7, "flag beats file");
        assert_eq!(config.session_absolute_hours, 168, "default stays");
    }

    #[test]
    fn backup_time_is_checked_and_can_be_off() {
        let off = ConfigArgs { backup_time: Some("off".into()), ..Default::default() }.resolve().unwrap();
        assert_eq!(off.backup_time, None);
        assert!(ConfigArgs { backup_time: Some("25:00".into()), ..Default::default() }.resolve().is_err());
        assert_eq!(ConfigArgs::default().resolve().unwrap().backup_time.as_deref(), Some("03:00"));
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("farm.toml");
        std::fs::write(&file, "listn = \"0.0.0.0:9000\"\n").unwrap();
        let err = ConfigArgs { config: Some(file), ..Default::default() }.resolve().unwrap_err();
        assert!(format!("{err:#}").contains("listn"), "{err:#}");
    }
}
