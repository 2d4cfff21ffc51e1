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
            count_statements: false,
        }
    }
}

impl Config {
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
        Ok(file.overlay(self).apply(Config::default()))
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
    fn unknown_file_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("farm.toml");
        std::fs::write(&file, "listn = \"0.0.0.0:9000\"\n").unwrap();
        let err = ConfigArgs { config: Some(file), ..Default::default() }.resolve().unwrap_err();
        assert!(format!("{err:#}").contains("listn"), "{err:#}");
    }
}
