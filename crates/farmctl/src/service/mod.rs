//! The service manager behind one small trait: launchd (macOS), systemd (Linux), and farmctl's
//! own foreground supervisor for tests and hosts without either.

mod foreground;
mod launchd;
mod systemd;

use std::path::PathBuf;
use std::time::Duration;

pub use foreground::Foreground;
pub use launchd::{LAUNCHD_LABEL, Launchd};
pub use systemd::{SYSTEMD_UNIT, Systemd};

use crate::layout::{Backend, Layout, ManagerKind, State};
use crate::plan::Action;

/// How long a stopping server gets after SIGTERM before it is killed.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// Everything a service definition says, independent of the manager.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSpec {
    pub description: String,
    /// The command line, program first.
    pub program: Vec<String>,
    pub working_dir: PathBuf,
    pub stdout_log: PathBuf,
    pub stderr_log: PathBuf,
    /// The only paths the server may write (systemd `ReadWritePaths`).
    pub writable: Vec<PathBuf>,
    /// Paths the server must read (binaries, the Python venv): they decide whether `ProtectHome`
    /// can hide home folders entirely.
    pub readable: Vec<PathBuf>,
    pub user: Option<String>,
    /// Where the foreground supervisor keeps its pid file.
    pub run_dir: PathBuf,
}

impl ServiceSpec {
    /// The service for `state`'s backend: the Rust binary through the `current` link, or the
    /// legacy backend's interpreter with `-m farm_core`; both get the same flags.
    pub fn for_state(layout: &Layout, state: &State) -> anyhow::Result<ServiceSpec> {
        let mut program = match state.backend {
            Backend::Rust => vec![layout.current_binary().display().to_string()],
            Backend::Python => {
                let python = state.python.as_ref().ok_or_else(|| {
                    anyhow::anyhow!(
                        "no Python backend is configured: reinstall with --python-venv DIR (the legacy backend's \
                         virtual environment, made by `make python`)"
                    )
                })?;
                vec![python.display().to_string(), "-m".into(), "farm_core".into()]
            }
        };
        program.extend([
            "--data-dir".into(),
            state.data_dir.display().to_string(),
            "--listen".into(),
            state.listen.to_string(),
            "serve".into(),
        ]);
        let mut readable = vec![layout.prefix.clone()];
        readable.extend(state.python.clone());
        Ok(ServiceSpec {
            description: format!("Farm Controller core server ({} backend)", state.backend),
            program,
            working_dir: state.data_dir.clone(),
            stdout_log: layout.stdout_log(),
            stderr_log: layout.stderr_log(),
            writable: vec![state.data_dir.clone(), layout.logs()],
            readable,
            user: state.user.clone(),
            run_dir: layout.run(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceState {
    Running {
        pid: Option<u32>,
    },
    Stopped,
    /// It ran and exited, or the manager gave up on it; the text says how.
    Failed(String),
}

impl std::fmt::Display for ServiceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceState::Running { pid: Some(pid) } => write!(f, "running (pid {pid})"),
            ServiceState::Running { pid: None } => write!(f, "running"),
            ServiceState::Stopped => write!(f, "stopped"),
            ServiceState::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

pub trait ServiceManager {
    fn kind(&self) -> ManagerKind;
    /// The steps that make `spec` the installed service definition, without starting it.
    fn install_actions(&self, spec: &ServiceSpec) -> anyhow::Result<Vec<Action>>;
    fn start(&self, spec: &ServiceSpec) -> anyhow::Result<()>;
    /// Stops the service and returns once its process is gone; stopping a stopped one is fine.
    fn stop(&self, spec: &ServiceSpec) -> anyhow::Result<()>;
    fn state(&self, spec: &ServiceSpec) -> anyhow::Result<ServiceState>;
}

pub fn manager(kind: ManagerKind) -> Box<dyn ServiceManager> {
    match kind {
        ManagerKind::Launchd => Box::new(Launchd),
        ManagerKind::Systemd => Box::new(Systemd),
        ManagerKind::Foreground => Box::new(Foreground::default()),
    }
}
