//! launchd: a daemon plist in /Library/LaunchDaemons, driven with `launchctl bootstrap`,
//! `bootout` and `kickstart` in the system domain.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use plist::{Dictionary, Value};

use super::{ServiceManager, ServiceSpec, ServiceState};
use crate::layout::ManagerKind;
use crate::plan::{self, Action, argv};

pub const LAUNCHD_LABEL: &str = "org.farm-controller.core-server";
const DAEMON_DIR: &str = "/Library/LaunchDaemons";

pub struct Launchd;

impl Launchd {
    pub fn plist_path() -> PathBuf {
        Path::new(DAEMON_DIR).join(format!("{LAUNCHD_LABEL}.plist"))
    }

    fn target() -> String {
        format!("system/{LAUNCHD_LABEL}")
    }

    pub fn render(spec: &ServiceSpec) -> anyhow::Result<String> {
        let mut d = Dictionary::new();
        d.insert("Label".into(), LAUNCHD_LABEL.into());
        d.insert(
            "ProgramArguments".into(),
            Value::Array(spec.program.iter().map(|a| Value::String(a.clone())).collect()),
        );
        d.insert("WorkingDirectory".into(), spec.working_dir.display().to_string().into());
        if let Some(user) = &spec.user {
            d.insert("UserName".into(), user.clone().into());
        }
        d.insert("RunAtLoad".into(), true.into());
        // Restarted whenever it exits, crash or not: a controller is always on.
        d.insert("KeepAlive".into(), true.into());
        // At most one restart every 5 s, so a crash loop does not spin.
        d.insert("ThrottleInterval".into(), 5.into());
        // Seconds between SIGTERM and SIGKILL when stopping.
        d.insert("ExitTimeOut".into(), super::STOP_TIMEOUT.as_secs().into());
        d.insert("ProcessType".into(), "Standard".into());
        d.insert("Umask".into(), 0o027.into());
        d.insert("StandardOutPath".into(), spec.stdout_log.display().to_string().into());
        d.insert("StandardErrorPath".into(), spec.stderr_log.display().to_string().into());
        let mut out = Vec::new();
        Value::Dictionary(d).to_writer_xml(&mut out).context("rendering the launchd plist")?;
        let mut text = String::from_utf8(out)?;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        Ok(text)
    }

    fn loaded() -> bool {
        plan::run(&argv(&["launchctl", "print", &Self::target()])).is_ok()
    }
}

impl ServiceManager for Launchd {
    fn kind(&self) -> ManagerKind {
        ManagerKind::Launchd
    }

    fn install_actions(&self, spec: &ServiceSpec) -> anyhow::Result<Vec<Action>> {
        // Loading happens at start: `bootstrap` reads the plist then, so a rewritten one takes effect.
        Ok(vec![Action::WriteFile { path: Self::plist_path(), contents: Self::render(spec)?, mode: 0o644 }])
    }

    fn start(&self, _spec: &ServiceSpec) -> anyhow::Result<()> {
        if Self::loaded() {
            return plan::run(&argv(&["launchctl", "kickstart", &Self::target()])).map(drop);
        }
        plan::run(&argv(&["launchctl", "bootstrap", "system", &Self::plist_path().display().to_string()])).map(drop)
    }

    fn stop(&self, _spec: &ServiceSpec) -> anyhow::Result<()> {
        if !Self::loaded() {
            return Ok(());
        }
        // With KeepAlive a killed daemon comes back; unloading it is the only real stop.
        plan::run(&argv(&["launchctl", "bootout", &Self::target()]))?;
        let deadline = Instant::now() + super::STOP_TIMEOUT + Duration::from_secs(5);
        while Self::loaded() {
            if Instant::now() > deadline {
                anyhow::bail!("launchd still lists {LAUNCHD_LABEL} after bootout");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }

    fn state(&self, _spec: &ServiceSpec) -> anyhow::Result<ServiceState> {
        let Ok(out) = plan::run(&argv(&["launchctl", "print", &Self::target()])) else {
            return Ok(ServiceState::Stopped);
        };
        let field = |key: &str| {
            out.lines()
                .find_map(|l| l.trim().strip_prefix(key).and_then(|r| r.trim_start().strip_prefix('=')))
                .map(|v| v.trim().to_owned())
        };
        let pid = field("pid").and_then(|p| p.parse().ok());
        Ok(match field("state").as_deref() {
            Some("running") => ServiceState::Running { pid },
            _ => match field("last exit code") {
                Some(code) if code != "0" && code != "(never exited)" => {
                    ServiceState::Failed(format!("it exited ({code}); launchd restarts it"))
                }
                _ => ServiceState::Stopped,
            },
        })
    }
}
