//! `farmctl`: installs Farm Controller as a service (launchd, systemd, or its own supervisor)
//! and operates it: switch between the Rust and Python backends, upgrade with a health gate and
//! automatic rollback, backups, restores, status and diagnostics. See docs/farmctl.md.

/// `println!` that stops quietly when nobody reads stdout any more (`farmctl status | head`):
/// the command's work goes on, and its exit code still says how it went.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub mod cli;
pub mod commands;
pub mod db;
pub mod health;
pub mod layout;
pub mod lock;
pub mod plan;
pub mod release;
pub mod service;

/// The exit codes, documented in docs/farmctl.md. Usage errors exit 2 (clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// The command failed, or `status`/`doctor` found a problem.
    Failed = 1,
    /// The change failed its health gate and was undone: the previous state is running and healthy.
    RolledBack = 3,
    /// The change failed and undoing it failed too: the service needs attention.
    NeedsAttention = 4,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}
