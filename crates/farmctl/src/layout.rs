//! The installation on disk: where releases, the `current` link, data, logs and farmctl's own
//! state file live under the prefix, and that state file's contents.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The default prefix on both macOS and Linux.
pub const DEFAULT_PREFIX: &str = "/opt/farm-controller";
pub const STATE_FILE: &str = "farmctl.json";
pub const STATE_FORMAT: u32 = 1;
/// The database file inside the data dir, as `core-server` names it by default.
pub const DB_FILE: &str = "farm.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Rust,
    Python,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Rust => "rust",
            Backend::Python => "python",
        }
    }

    pub fn other(self) -> Backend {
        match self {
            Backend::Rust => Backend::Python,
            Backend::Python => Backend::Rust,
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ManagerKind {
    Launchd,
    Systemd,
    /// farmctl's own supervisor: spawns the server, keeps its pid in `<prefix>/run`.
    Foreground,
}

impl ManagerKind {
    /// launchd on macOS, systemd where it runs, else the foreground supervisor.
    pub fn detect() -> ManagerKind {
        if cfg!(target_os = "macos") {
            ManagerKind::Launchd
        } else if Path::new("/run/systemd/system").is_dir() {
            ManagerKind::Systemd
        } else {
            ManagerKind::Foreground
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ManagerKind::Launchd => "launchd",
            ManagerKind::Systemd => "systemd",
            ManagerKind::Foreground => "foreground",
        }
    }
}

/// Paths under the prefix. The data dir may live elsewhere (`State::data_dir`).
#[derive(Debug, Clone)]
pub struct Layout {
    pub prefix: PathBuf,
}

impl Layout {
    pub fn new(prefix: &Path) -> Layout {
        // Service definitions need absolute paths; a relative prefix is taken from here.
        let prefix = if prefix.is_absolute() {
            prefix.to_owned()
        } else {
            std::env::current_dir().map(|d| d.join(prefix)).unwrap_or_else(|_| prefix.to_owned())
        };
        Layout { prefix }
    }

    pub fn releases(&self) -> PathBuf {
        self.prefix.join("releases")
    }

    pub fn release(&self, name: &str) -> PathBuf {
        self.releases().join(name)
    }

    /// The Rust server binary of a release.
    pub fn release_binary(&self, name: &str) -> PathBuf {
        self.release(name).join("bin").join("core-server")
    }

    /// The link to the active release; service definitions run the binary through it.
    pub fn current(&self) -> PathBuf {
        self.prefix.join("current")
    }

    pub fn current_binary(&self) -> PathBuf {
        self.current().join("bin").join("core-server")
    }

    pub fn default_data_dir(&self) -> PathBuf {
        self.prefix.join("data")
    }

    pub fn logs(&self) -> PathBuf {
        self.prefix.join("logs")
    }

    pub fn stdout_log(&self) -> PathBuf {
        self.logs().join("core-server.log")
    }

    pub fn stderr_log(&self) -> PathBuf {
        self.logs().join("core-server.err.log")
    }

    /// The foreground supervisor's pid file lives here.
    pub fn run(&self) -> PathBuf {
        self.prefix.join("run")
    }

    pub fn state_file(&self) -> PathBuf {
        self.prefix.join(STATE_FILE)
    }
}

/// What farmctl remembers between commands: `<prefix>/farmctl.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub format: u32,
    pub service_manager: ManagerKind,
    /// The backend the service runs.
    pub backend: Backend,
    /// The `releases/<name>` that `current` points at.
    pub release: String,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// The legacy backend's interpreter (`<venv>/bin/python`, with `farm_core` installed).
    pub python: Option<PathBuf>,
    /// Run the service as this user (launchd `UserName`, systemd `User=`); root when unset.
    pub user: Option<String>,
    /// What `farmctl rollback` returns to: set by a successful upgrade.
    pub previous: Option<Previous>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Previous {
    pub release: String,
    /// The backup taken after stopping `release` and before the upgrade started its successor.
    pub snapshot: String,
}

impl State {
    pub fn database(&self) -> PathBuf {
        self.data_dir.join(DB_FILE)
    }

    /// Where the server keeps its backups by default, and so where farmctl puts its snapshots:
    /// the dashboard lists them too.
    pub fn backup_dir(&self) -> PathBuf {
        self.data_dir.join("backups")
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn load(layout: &Layout) -> anyhow::Result<State> {
        let path = layout.state_file();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
                "Farm Controller is not installed in {} (no {}): run `farmctl install` or pass --prefix",
                layout.prefix.display(),
                path.display()
            ),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let state: State = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        if state.format != STATE_FORMAT {
            anyhow::bail!("{} has format {}, this farmctl reads {STATE_FORMAT}", path.display(), state.format);
        }
        Ok(state)
    }

    /// Written atomically: a crash leaves the old state or the new one.
    pub fn save(&self, layout: &Layout) -> anyhow::Result<()> {
        crate::plan::write_atomic(&layout.state_file(), self.to_json().as_bytes(), 0o644)
    }

    /// The health check address: a wildcard listen address is asked on loopback.
    pub fn health_addr(&self) -> SocketAddr {
        let mut addr = self.listen;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        addr
    }
}
