//! farmctl's own supervisor, for tests and hosts without launchd or systemd: it spawns the
//! server in its own process group with its output appended to the log files, records the pid
//! (and the process's start time, so a reused pid is never mistaken for it) in
//! `<prefix>/run/core-server.pid`, and stops it with SIGTERM, then SIGKILL after a grace period.
//! It does not restart a crashed server; that is what launchd and systemd are for.

use std::fs::OpenOptions;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::{ServiceManager, ServiceSpec, ServiceState};
use crate::layout::ManagerKind;
use crate::plan::Action;

const PID_FILE: &str = "core-server.pid";

#[derive(Default)]
pub struct Foreground {
    /// The server this process started, so its exit is noticed (and reaped) at once.
    child: Mutex<Option<Child>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct PidFile {
    pid: u32,
    /// `/proc/<pid>/stat` start time on Linux, `ps -o lstart=` elsewhere.
    started: Option<String>,
    program: Vec<String>,
}

fn pid_path(spec: &ServiceSpec) -> PathBuf {
    spec.run_dir.join(PID_FILE)
}

fn read_pid_file(spec: &ServiceSpec) -> Option<PidFile> {
    let text = std::fs::read_to_string(pid_path(spec)).ok()?;
    serde_json::from_str(&text).ok()
}

/// An identity for the process with `pid` that changes when the pid is reused.
fn start_time(pid: u32) -> Option<String> {
    if Path::new("/proc/self/stat").exists() {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name may hold spaces and parentheses: fields are counted after the last ')'.
        let rest = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.first() == Some(&"Z") {
            return None;
        }
        return fields.get(19).map(|s| (*s).to_owned());
    }
    let out = Command::new("ps").args(["-o", "lstart=", "-p", &pid.to_string()]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Sends `signal` to the process group `pid` leads, or to the process alone when that fails.
fn signal(pid: u32, signal: &str) {
    // The shell's builtin `kill` exists everywhere; `unsafe` (and so libc::kill) is forbidden here.
    let group = Command::new("sh")
        .args(["-c", "kill -s \"$1\" -- \"-$2\" 2>/dev/null", "sh", signal, &pid.to_string()])
        .status();
    if !group.is_ok_and(|s| s.success()) {
        let _ = Command::new("sh")
            .args(["-c", "kill -s \"$1\" \"$2\" 2>/dev/null", "sh", signal, &pid.to_string()])
            .status();
    }
}

impl Foreground {
    /// `Some(exit description)` when our own child has exited; `None` when it runs or is not ours.
    fn own_child_exit(&self, pid: u32) -> Option<String> {
        let mut guard = self.child.lock().unwrap_or_else(|e| e.into_inner());
        let child = guard.as_mut().filter(|c| c.id() == pid)?;
        match child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            _ => None,
        }
    }

    fn owns(&self, pid: u32) -> bool {
        self.child.lock().unwrap_or_else(|e| e.into_inner()).as_ref().is_some_and(|c| c.id() == pid)
    }

    fn alive(&self, record: &PidFile) -> bool {
        if self.owns(record.pid) {
            return self.own_child_exit(record.pid).is_none();
        }
        match (&record.started, start_time(record.pid)) {
            (Some(recorded), Some(now)) => *recorded == now,
            (None, Some(_)) => true,
            _ => false,
        }
    }
}

impl ServiceManager for Foreground {
    fn kind(&self) -> ManagerKind {
        ManagerKind::Foreground
    }

    fn install_actions(&self, _spec: &ServiceSpec) -> anyhow::Result<Vec<Action>> {
        // Nothing to register: the state file says what to run.
        Ok(Vec::new())
    }

    fn start(&self, spec: &ServiceSpec) -> anyhow::Result<()> {
        if let Some(record) = read_pid_file(spec)
            && self.alive(&record)
        {
            bail!("the server is already running (pid {})", record.pid);
        }
        let open = |path: &Path| {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))
        };
        let program = spec.program.first().context("empty service command")?;
        // Through the shell only to set the umask that launchd and systemd set (data and logs are
        // not for other users); `exec` keeps the pid, so the pid file names the server itself.
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", "umask 027 && exec \"$@\"", "sh"])
            .args(&spec.program)
            .current_dir(&spec.working_dir)
            .stdin(Stdio::null())
            .stdout(open(&spec.stdout_log)?)
            .stderr(open(&spec.stderr_log)?)
            // Its own group: a Ctrl-C meant for farmctl does not reach it, and stop reaches its children.
            .process_group(0);
        // Like under launchd and systemd, the server's settings come from its command line only.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("FARM_") {
                cmd.env_remove(key);
            }
        }
        std::fs::create_dir_all(&spec.working_dir)
            .with_context(|| format!("creating {}", spec.working_dir.display()))?;
        let child = cmd.spawn().with_context(|| format!("starting {program}"))?;
        let record = PidFile { pid: child.id(), started: start_time(child.id()), program: spec.program.clone() };
        std::fs::create_dir_all(&spec.run_dir)?;
        crate::plan::write_atomic(&pid_path(spec), serde_json::to_string(&record)?.as_bytes(), 0o644)?;
        *self.child.lock().unwrap_or_else(|e| e.into_inner()) = Some(child);
        Ok(())
    }

    fn stop(&self, spec: &ServiceSpec) -> anyhow::Result<()> {
        let Some(record) = read_pid_file(spec) else {
            return Ok(());
        };
        if self.alive(&record) {
            signal(record.pid, "TERM");
            let deadline = Instant::now() + super::STOP_TIMEOUT;
            while self.alive(&record) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(25));
            }
            if self.alive(&record) {
                signal(record.pid, "KILL");
                let deadline = Instant::now() + Duration::from_secs(5);
                while self.alive(&record) {
                    if Instant::now() > deadline {
                        bail!("pid {} survived SIGKILL", record.pid);
                    }
                    std::thread::sleep(Duration::from_millis(25));
                }
            }
        }
        // A child whose exit was never collected would otherwise stay a zombie in this process.
        if self.owns(record.pid) {
            let _ = self.own_child_exit(record.pid);
            *self.child.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        match std::fs::remove_file(pid_path(spec)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn state(&self, spec: &ServiceSpec) -> anyhow::Result<ServiceState> {
        let Some(record) = read_pid_file(spec) else {
            return Ok(ServiceState::Stopped);
        };
        if let Some(exit) = self.own_child_exit(record.pid) {
            return Ok(ServiceState::Failed(format!("it exited ({exit})")));
        }
        if self.alive(&record) {
            Ok(ServiceState::Running { pid: Some(record.pid) })
        } else {
            Ok(ServiceState::Failed(format!("pid {} from the pid file is gone", record.pid)))
        }
    }
}
