//! The commands, and the steps they share: stop, activate a state (link, state file, service
//! definition), start behind the health gate.

pub mod backup;
pub mod doctor;
pub mod install;
pub mod status;
pub mod switch;
pub mod upgrade;

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::Exit;
use crate::health::{self, Expect, Health};
use crate::layout::{Layout, State};
use crate::plan;
use crate::release;
use crate::service::{self, ServiceManager, ServiceSpec, ServiceState};

pub struct Ctx {
    pub layout: Layout,
    pub state: State,
    pub manager: Box<dyn ServiceManager>,
    /// Held by commands that change the installation, released when they end.
    pub lock: Option<crate::lock::Lock>,
}

impl Ctx {
    pub fn load(prefix: &Path) -> anyhow::Result<Ctx> {
        let layout = Layout::new(prefix);
        let state = State::load(&layout)?;
        let manager = service::manager(state.service_manager);
        Ok(Ctx { layout, state, manager, lock: None })
    }

    /// For commands that change the installation: loaded under the prefix's lock.
    pub fn load_locked(prefix: &Path) -> anyhow::Result<Ctx> {
        let layout = Ctx::load(prefix)?.layout;
        let lock = crate::lock::Lock::take(&layout.prefix)?;
        // Read again under the lock: the command that held it may have changed the state.
        let mut ctx = Ctx::load(prefix)?;
        ctx.lock = Some(lock);
        Ok(ctx)
    }

    pub fn spec(&self) -> anyhow::Result<ServiceSpec> {
        ServiceSpec::for_state(&self.layout, &self.state)
    }

    pub fn service_state(&self) -> anyhow::Result<ServiceState> {
        self.manager.state(&self.spec()?)
    }

    /// The version the gate expects: the release's for the Rust backend, any for Python.
    pub fn expect(&self) -> Expect {
        let version = match self.state.backend {
            crate::layout::Backend::Rust => release::info(&self.layout, &self.state.release).ok().map(|i| i.version),
            crate::layout::Backend::Python => None,
        };
        Expect { backend: self.state.backend, version }
    }

    pub fn stop(&self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let spec = self.spec()?;
        let what = match self.manager.state(&spec)? {
            ServiceState::Running { pid: Some(pid) } => format!("{} (pid {pid})", self.state.backend),
            _ => self.state.backend.to_string(),
        };
        self.manager.stop(&spec)?;
        let took = started.elapsed();
        crate::say!("stopped {what} in {}", secs(took));
        Ok(took)
    }

    /// Makes the files say what `self.state` says: the `current` link, the state file, and the
    /// service definition (rewritten only when it changed).
    pub fn activate(&self, previous_spec: Option<&ServiceSpec>) -> anyhow::Result<()> {
        release::link_current(&self.layout, &self.state.release).apply()?;
        self.state.save(&self.layout)?;
        let spec = self.spec()?;
        if previous_spec != Some(&spec) {
            plan::apply_all(&self.manager.install_actions(&spec)?)?;
        }
        Ok(())
    }

    /// Starts the service and waits for the health gate. On failure the reason comes with the
    /// lines the server wrote to its error log since this start.
    pub fn start_gated(&self, timeout: Duration) -> Result<(Health, Duration), String> {
        let started = Instant::now();
        let expect = self.expect();
        let spec = self.spec().map_err(|e| format!("{e:#}"))?;
        let log_start = std::fs::metadata(&spec.stderr_log).map(|m| m.len()).unwrap_or(0);
        // Whatever answers on a port held by someone else would be taken for the new server.
        port_free(self.state.listen, Duration::from_secs(3)).map_err(|e| {
            format!("port {} is in use by another process ({e}); nothing was started", self.state.listen)
        })?;
        crate::say!(
            "starting {}{}, waiting up to {} s for /healthz on {}",
            self.state.backend,
            expect.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default(),
            timeout.as_secs(),
            self.state.health_addr()
        );
        let result = self
            .manager
            .start(&spec)
            .map_err(|e| format!("could not start: {e:#}"))
            .and_then(|()| health::gate(self.state.health_addr(), &expect, timeout, || self.manager.state(&spec)));
        match result {
            Ok(health) => {
                let took = started.elapsed();
                crate::say!(
                    "healthy in {}: backend {}, version {}, schema {}",
                    secs(took),
                    health.backend,
                    health.version,
                    health.schema_version
                );
                Ok((health, took))
            }
            Err(why) => {
                let tail = log_tail(&spec.stderr_log, log_start, 12);
                if tail.is_empty() {
                    Err(why)
                } else {
                    Err(format!("{why}\n  last lines of {}:\n{tail}", spec.stderr_log.display()))
                }
            }
        }
    }

    /// After a failed gate: stop whatever half-started, put `state` back, start it behind the gate.
    /// `restore` runs between the stop and the start (to put the database back).
    pub fn undo(
        &mut self,
        failed_spec: &ServiceSpec,
        state: State,
        timeout: Duration,
        restore: impl FnOnce(&State) -> anyhow::Result<()>,
    ) -> Result<(Health, Duration), String> {
        if let Err(e) = self.manager.stop(failed_spec) {
            return Err(format!("could not stop the failed server: {e:#}"));
        }
        self.state = state;
        restore(&self.state).map_err(|e| format!("{e:#}"))?;
        self.activate(Some(failed_spec)).map_err(|e| format!("{e:#}"))?;
        self.start_gated(timeout)
    }
}

/// Waits until `addr` can be bound (as the server will, with SO_REUSEADDR like std sets).
fn port_free(addr: std::net::SocketAddr, wait: Duration) -> std::io::Result<()> {
    let deadline = Instant::now() + wait;
    loop {
        match std::net::TcpListener::bind(addr) {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

pub fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// The last `lines` lines written to `path` after byte `from`, indented.
pub fn log_tail(path: &Path, from: u64, lines: usize) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let mut text = String::new();
    if file.seek(SeekFrom::Start(from)).is_err() || file.read_to_string(&mut text).is_err() {
        return String::new();
    }
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|l| format!("    {l}\n"))
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// Prints the failure of a change and of its undo, and picks the exit code.
pub fn report_undo(change: &str, why: &str, undo: Result<(Health, Duration), String>, undone: &str) -> Exit {
    eprintln!("FAILED: {change}: {why}");
    match undo {
        Ok(_) => {
            eprintln!("ROLLED BACK: {undone}.");
            eprintln!("The service is running and healthy as before; the change was NOT applied.");
            Exit::RolledBack
        }
        Err(again) => {
            eprintln!("ROLLBACK FAILED too: {again}");
            eprintln!("The service needs attention: see the logs, `farmctl status` and `farmctl doctor`.");
            Exit::NeedsAttention
        }
    }
}

/// `start`: start the configured service behind the health gate.
pub fn start(prefix: &Path, timeout: Duration) -> anyhow::Result<Exit> {
    let ctx = Ctx::load_locked(prefix)?;
    if let ServiceState::Running { .. } = ctx.service_state()? {
        crate::say!("already running");
        return Ok(Exit::Ok);
    }
    match ctx.start_gated(timeout) {
        Ok(_) => Ok(Exit::Ok),
        Err(why) => {
            eprintln!("FAILED: {why}");
            Ok(Exit::Failed)
        }
    }
}

pub fn stop(prefix: &Path) -> anyhow::Result<Exit> {
    let ctx = Ctx::load_locked(prefix)?;
    ctx.stop()?;
    Ok(Exit::Ok)
}
