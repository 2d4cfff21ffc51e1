//! The command line: `serve` (the default), `migrate`, `openapi`, `user create`.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::app;
use crate::auth::password;
use crate::clock::{Clock, ManualClock, SystemClock};
use crate::config::{Config, ConfigArgs, LogFormat};
use crate::domain::time::Timestamp;
use crate::domain::users::{Password, Role, Username};
use crate::store::{SqliteStore, UserStore};

#[derive(Debug, Parser)]
#[command(name = "core-server", version, about = "Farm Controller core server: REST API, dashboard and setup wizard")]
#[command(after_help = "Settings come from defaults < the --config TOML file < FARM_* environment variables < flags.")]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve HTTP until SIGINT or SIGTERM (the default)
    Serve {
        /// On an empty database: create the admin `admin` (password printed once), a demo farm with
        /// 30 days of history, and <data-dir>/demo-nodes.json for node-sim
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit
    Migrate,
    /// Print the OpenAPI document (sorted keys) to stdout
    Openapi,
    /// Manage users from the command line
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from FARM_ADMIN_PASSWORD or the first line of stdin
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, value_enum, default_value = "admin")]
        role: RoleArg,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    Viewer,
    Operator,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Operator => Role::Operator,
            RoleArg::Admin => Role::Admin,
        }
    }
}

pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config.resolve()?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Openapi => {
            print!("{}", app::openapi_json());
            Ok(())
        }
        Command::Migrate => {
            init_logging(config.log_format);
            let store = app::open_store(&config, &SystemClock).await?;
            let version = store.schema_version().await?;
            println!("database {} is at schema version {version}", config.database.display());
            Ok(())
        }
        Command::User(UserCommand::Create { username, role }) => user_create(&config, &username, role.into()).await,
        Command::Serve { demo } => serve(config, demo).await,
    }
}

/// `FARM_TEST_CLOCK=2026-03-01T06:00:00Z` freezes time for parity runs; it is refused unless
/// `FARM_TEST_MODE=1`, so a production service cannot be started with a stopped clock.
pub fn clock_from_env(test_clock: Option<&str>, test_mode: Option<&str>) -> anyhow::Result<Arc<dyn Clock>> {
    let Some(text) = test_clock.filter(|t| !t.is_empty()) else {
        return Ok(Arc::new(SystemClock));
    };
    if test_mode != Some("1") {
        anyhow::bail!("FARM_TEST_CLOCK is only accepted in test mode (FARM_TEST_MODE=1)");
    }
    let at = Timestamp::parse_rfc3339(text)
        .with_context(|| format!("FARM_TEST_CLOCK={text} is not an RFC 3339 instant such as 2026-03-01T06:00:00Z"))?;
    tracing::warn!(at = %at.to_rfc3339(), "test mode: the clock is frozen");
    Ok(Arc::new(ManualClock::new(at.millis())))
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    init_logging(config.log_format);
    let test_clock = std::env::var("FARM_TEST_CLOCK").ok().filter(|t| !t.is_empty());
    let clock = clock_from_env(test_clock.as_deref(), std::env::var("FARM_TEST_MODE").ok().as_deref())?;
    // With the clock frozen nothing happens by time passing, so the loops that act on time
    // (expiry, schedules, scheduled backups) stay off; requests still evaluate schedules.
    let background = if test_clock.is_some() { app::Background::Off } else { app::Background::Run };
    let store = app::open_store(&config, clock.as_ref()).await?;
    if demo {
        std::fs::create_dir_all(&config.data_dir)?;
        match crate::demo::seed(store.as_ref(), &config.data_dir, clock.now_ms()).await? {
            Some(password) => {
                println!("Demo admin created. Log in as:  admin / {password}");
                println!("(This password is shown only once; `make reset-demo` starts over.)");
            }
            None => println!("Demo data exists: log in with the admin password printed when it was created."),
        }
    }
    let needs_setup = !store.setup_state().await?.admin_exists;
    let running = app::start_with_store(config, clock, store, background).await?;
    // The handlers are installed before the line that tells supervisors we are up, so a
    // SIGTERM right after it is a graceful shutdown, not a kill.
    let signal = app::shutdown_signal()?;
    tracing::info!(addr = %running.addr, "listening");
    // Written, not printed: a supervisor that stopped reading stdout must not stop the server.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "Farm Controller is listening on http://{}", running.addr);
    if needs_setup {
        let _ = writeln!(out, "No admin yet: open http://{}/setup to set up this controller.", running.addr);
    }
    let _ = out.flush();
    signal.await;
    tracing::info!("shutting down: finishing in-flight requests");
    running.shutdown().await
}

async fn user_create(config: &Config, username: &str, role: Role) -> anyhow::Result<()> {
    let username = Username::parse("username", username).map_err(|e| anyhow::anyhow!("{e}"))?;
    let raw = match std::env::var("FARM_ADMIN_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            if std::io::stdin().is_terminal() {
                eprintln!(
                    "Password for {} (input is echoed; pipe it in or set FARM_ADMIN_PASSWORD):",
                    username.as_str()
                );
            }
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).context("reading the password from stdin")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let password = Password::parse("password", &raw).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = password::hash(password.expose())?;
    let path = config.database.clone();
    let now = SystemClock.now_ms();
    let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path, now)).await??;
    let user = store.user_create(&username, hash, role, now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("created user {} (id {}, role {})", user.username, user.id, user.role.as_str());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_clock_needs_test_mode() {
        assert!(clock_from_env(Some("2026-03-01T06:00:00Z"), None).is_err());
        assert!(clock_from_env(Some("2026-03-01T06:00:00Z"), Some("0")).is_err());
        assert!(clock_from_env(Some("not a time"), Some("1")).is_err());
        let clock = clock_from_env(Some("2026-03-01T06:00:00Z"), Some("1")).unwrap();
        assert_eq!(clock.now_ms(), 1_772_344_800_000);
        assert!(clock_from_env(None, None).unwrap().now_ms() > 1_772_344_800_000);
    }
}
