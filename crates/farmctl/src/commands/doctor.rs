//! `farmctl doctor`: checks an installation the way an operator would, one line per check.
//! Warnings do not fail it; any failure exits 1.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use super::Ctx;
use crate::Exit;
use crate::db;
use crate::health;
use crate::layout::Backend;
use crate::service::ServiceState;

const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Ok,
    Warn,
    Fail,
}

#[derive(Default)]
struct Report {
    counts: [usize; 3],
}

impl Report {
    fn line(&mut self, level: Level, text: impl AsRef<str>) {
        let tag = match level {
            Level::Ok => " ok ",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        };
        self.counts[level as usize] += 1;
        crate::say!("[{tag}] {}", text.as_ref());
    }
}

pub fn run(prefix: &Path) -> anyhow::Result<Exit> {
    let mut r = Report::default();
    let ctx = match Ctx::load(prefix) {
        Ok(ctx) => ctx,
        Err(e) => {
            r.line(Level::Fail, format!("{e:#}"));
            return Ok(Exit::Failed);
        }
    };
    let state = &ctx.state;
    r.line(
        Level::Ok,
        format!("installed in {} ({} service manager)", ctx.layout.prefix.display(), state.service_manager.as_str()),
    );

    // The release the service runs.
    let binary = ctx.layout.current_binary();
    match std::fs::metadata(&binary) {
        Ok(m) if m.permissions().mode() & 0o111 != 0 => {
            r.line(Level::Ok, format!("release {}: {} is executable", state.release, binary.display()))
        }
        Ok(_) => r.line(Level::Fail, format!("{} is not executable", binary.display())),
        Err(e) => r.line(Level::Fail, format!("{}: {e}", binary.display())),
    }
    match (&state.python, state.backend) {
        (Some(p), _) if p.is_file() => r.line(Level::Ok, format!("Python backend available: {}", p.display())),
        (Some(p), Backend::Python) => {
            r.line(Level::Fail, format!("the active Python backend's {} is missing", p.display()))
        }
        (Some(p), Backend::Rust) => {
            r.line(Level::Warn, format!("{} is missing: switching to Python would fail", p.display()))
        }
        (None, _) => r.line(Level::Warn, "no Python backend configured: `farmctl switch python` is unavailable"),
    }

    // The service and its port.
    let service = ctx.service_state();
    let running = matches!(service, Ok(ServiceState::Running { .. }));
    match &service {
        Ok(s @ ServiceState::Running { .. }) => r.line(Level::Ok, format!("service {s}")),
        Ok(ServiceState::Stopped) => r.line(Level::Warn, "service stopped: `farmctl start` starts it"),
        Ok(s) => r.line(Level::Fail, format!("service {s}")),
        Err(e) => r.line(Level::Fail, format!("service state unknown: {e:#}")),
    }
    let addr = state.health_addr();
    match health::probe(addr) {
        Ok(h) if h.backend == state.backend.as_str() && running => r.line(
            Level::Ok,
            format!(
                "port {}: bound by the server, /healthz ok ({} {}, schema {})",
                state.listen, h.backend, h.version, h.schema_version
            ),
        ),
        Ok(h) => r.line(
            Level::Fail,
            format!(
                "port {}: something else answers /healthz (backend {}); the configured service is {}",
                state.listen, h.backend, state.backend
            ),
        ),
        Err(e) if running => {
            r.line(Level::Fail, format!("port {}: the service runs but /healthz fails: {e}", state.listen))
        }
        Err(_) => match TcpListener::bind(state.listen) {
            Ok(_) => r.line(Level::Ok, format!("port {}: free for the server to bind", state.listen)),
            Err(e) => r.line(Level::Fail, format!("port {}: in use by another process ({e})", state.listen)),
        },
    }

    // The data dir, the database, the disk.
    let data = &state.data_dir;
    match std::fs::metadata(data) {
        Ok(m) if m.is_dir() => {
            let probe = data.join(format!(".farmctl-doctor-{}", std::process::id()));
            match std::fs::write(&probe, b"") {
                Ok(()) => {
                    let _ = std::fs::remove_file(&probe);
                    let mode = m.permissions().mode() & 0o777;
                    if mode & 0o007 != 0 {
                        r.line(
                            Level::Warn,
                            format!("data dir {} is open to all users (mode {mode:o}; 750 is enough)", data.display()),
                        );
                    } else {
                        r.line(Level::Ok, format!("data dir {} is writable (mode {mode:o})", data.display()));
                    }
                }
                Err(e) => r.line(Level::Fail, format!("data dir {} is not writable: {e}", data.display())),
            }
        }
        Ok(_) => r.line(Level::Fail, format!("{} is not a directory", data.display())),
        Err(e) => r.line(Level::Fail, format!("data dir {}: {e}", data.display())),
    }
    let database = state.database();
    let db_size = std::fs::metadata(&database).map(|m| m.len()).unwrap_or(0);
    if database.exists() {
        if let Ok(m) = std::fs::metadata(&database)
            && m.permissions().mode() & 0o004 != 0
        {
            r.line(Level::Warn, format!("{} is readable by all users: it holds password hashes", database.display()));
        }
        match db::integrity(&database) {
            Ok(result) if result == "ok" => r.line(
                Level::Ok,
                format!("database {} ({}): integrity_check ok", database.display(), db::human_size(db_size)),
            ),
            Ok(result) => r.line(Level::Fail, format!("database {}: integrity_check: {result}", database.display())),
            Err(e) => r.line(Level::Fail, format!("database {}: {e:#}", database.display())),
        }
    } else {
        r.line(Level::Warn, format!("no database yet at {} (the server creates it)", database.display()));
    }
    match free_space(data) {
        Some(free) => {
            // An upgrade writes a snapshot (at most the database's size) and the database may grow.
            let needed = (2 * db_size).max(100 * MIB);
            let text = format!("disk: {} free for {}", db::human_size(free), data.display());
            if free < needed {
                r.line(Level::Fail, format!("{text}; at least {} needed for snapshots", db::human_size(needed)));
            } else if free < 1024 * MIB {
                r.line(Level::Warn, format!("{text}; less than 1 GiB"));
            } else {
                r.line(Level::Ok, text);
            }
        }
        None => r.line(Level::Warn, format!("disk: could not measure the free space for {}", data.display())),
    }
    match db::last_verified(&state.backup_dir()) {
        Ok(Some(m)) if db::now_ms() - m.created_at.millis() > 48 * 3_600_000 => {
            r.line(Level::Warn, format!("last verified backup {} is from {}", m.name, db::age(m.created_at.millis())))
        }
        Ok(Some(m)) => {
            r.line(Level::Ok, format!("last verified backup {} ({})", m.name, db::age(m.created_at.millis())))
        }
        Ok(None) => r.line(Level::Warn, "no verified backup yet: `farmctl backup` takes one"),
        Err(e) => r.line(Level::Warn, format!("backups: {e:#}")),
    }

    let [ok, warn, fail] = r.counts;
    crate::say!("doctor: {ok} ok, {warn} warnings, {fail} failures");
    Ok(if fail == 0 { Exit::Ok } else { Exit::Failed })
}

/// Free bytes for unprivileged users on the file system holding `dir` (`df -Pk`, on macOS and Linux).
fn free_space(dir: &Path) -> Option<u64> {
    let out = Command::new("df").arg("-Pk").arg(dir).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let kib: u64 = text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()?;
    Some(kib * 1024)
}
