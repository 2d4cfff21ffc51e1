//! The command line: one subcommand per operator task; `main` only parses and hands over.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::Exit;
use crate::commands::{self, install::InstallArgs};
use crate::layout::{Backend, DEFAULT_PREFIX};

#[derive(Debug, Parser)]
#[command(
    name = "farmctl",
    version,
    about = "Install and operate a Farm Controller host (launchd, systemd, or farmctl's own supervisor)"
)]
#[command(after_help = "Exit codes: 0 ok; 1 failed, or status/doctor found a problem; 2 usage; \
    3 the change failed its health gate and was undone; 4 undoing it failed too. See docs/farmctl.md.")]
pub struct Cli {
    /// The installation folder
    #[arg(long, env = "FARMCTL_PREFIX", global = true, default_value = DEFAULT_PREFIX, value_name = "DIR")]
    pub prefix: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Gate {
    /// Seconds the health gate waits for /healthz before undoing the change
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
}

impl Gate {
    fn duration(&self) -> Duration {
        Duration::from_secs(self.timeout)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lay out the prefix, install the release and the service definition, and start it
    Install(InstallArgs),
    /// Run the same database under the other backend; switches back by itself when it is not healthy
    Switch {
        #[arg(value_enum)]
        backend: Backend,
        #[command(flatten)]
        gate: Gate,
    },
    /// Install a new core-server release beside the current one, snapshot the database, start it;
    /// on a failed health gate restore both the previous release and the snapshot
    Upgrade {
        /// The new core-server binary
        #[arg(long, value_name = "PATH")]
        release: PathBuf,
        #[command(flatten)]
        gate: Gate,
    },
    /// Return to the release before the last upgrade and its pre-upgrade database snapshot
    Rollback {
        #[command(flatten)]
        gate: Gate,
    },
    /// Backend, version, schema version, health and the last backup; exits 1 when not healthy
    Status,
    /// Take a verified backup now, while the server runs
    Backup,
    /// Stop the server, replace the database with a backup (after a safety backup), start it again
    Restore {
        /// A backup name in the backups folder, or the path of its .db.zst or .json file
        file: String,
        #[command(flatten)]
        gate: Gate,
    },
    /// Check ports, permissions, disk space, database integrity and the service; exits 1 on a failure
    Doctor,
    /// Start the service behind the health gate
    Start {
        #[command(flatten)]
        gate: Gate,
    },
    /// Stop the service (SIGTERM, then SIGKILL after 15 s)
    Stop,
}

pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let prefix = cli.prefix.as_path();
    match cli.command {
        Command::Install(args) => commands::install::run(prefix, args),
        Command::Switch { backend, gate } => commands::switch::run(prefix, backend, gate.duration()),
        Command::Upgrade { release, gate } => commands::upgrade::upgrade(prefix, &release, gate.duration()),
        Command::Rollback { gate } => commands::upgrade::rollback(prefix, gate.duration()),
        Command::Status => commands::status::run(prefix),
        Command::Backup => commands::backup::backup(prefix),
        Command::Restore { file, gate } => commands::backup::restore(prefix, &file, gate.duration()),
        Command::Doctor => commands::doctor::run(prefix),
        Command::Start { gate } => commands::start(prefix, gate.duration()),
        Command::Stop => commands::stop(prefix),
    }
}
