//! systemd: a hardened unit in /etc/systemd/system, driven with `systemctl`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{ServiceManager, ServiceSpec, ServiceState};
use crate::layout::ManagerKind;
use crate::plan::{self, Action, argv};

pub const SYSTEMD_UNIT: &str = "farm-controller.service";
const UNIT_DIR: &str = "/etc/systemd/system";

pub struct Systemd;

impl Systemd {
    pub fn unit_path() -> PathBuf {
        Path::new(UNIT_DIR).join(SYSTEMD_UNIT)
    }

    pub fn render(spec: &ServiceSpec) -> String {
        let exec = spec.program.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ");
        let writable = spec.writable.iter().map(|p| quote(&p.display().to_string())).collect::<Vec<_>>().join(" ");
        // Home folders are hidden entirely unless something the server reads or writes is in one
        // (a Python venv in a checkout, say); then they are read-only, with the data dir writable.
        let in_home = spec
            .readable
            .iter()
            .chain(&spec.writable)
            .any(|p| ["/home", "/root", "/run/user"].iter().any(|h| p.starts_with(h)));
        let mut u = String::new();
        let _ = writeln!(u, "# Written by farmctl; `farmctl switch` and `farmctl install` rewrite it.");
        let _ = writeln!(u, "[Unit]");
        let _ = writeln!(u, "Description={}", spec.description);
        let _ = writeln!(u, "After=network-online.target");
        let _ = writeln!(u, "Wants=network-online.target");
        let _ = writeln!(u);
        let _ = writeln!(u, "[Service]");
        let _ = writeln!(u, "Type=simple");
        let _ = writeln!(u, "ExecStart={exec}");
        let _ = writeln!(u, "WorkingDirectory={}", quote(&spec.working_dir.display().to_string()));
        // glibc raises its mmap threshold each time a large block is freed, and then keeps up
        // to twice that much free heap: after a backup, its compression buffers (about 8 MiB).
        let _ = writeln!(u, "# Keeps glibc from holding on to a backup's freed buffers (docs/performance.md).");
        let _ = writeln!(u, "Environment=GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072");
        if let Some(user) = &spec.user {
            let _ = writeln!(u, "User={user}");
            let _ = writeln!(u, "Group={user}");
        }
        let _ = writeln!(u, "Restart=on-failure");
        let _ = writeln!(u, "RestartSec=2");
        let _ = writeln!(u, "TimeoutStopSec={}", super::STOP_TIMEOUT.as_secs());
        let _ = writeln!(u, "KillMode=mixed");
        let _ = writeln!(u, "StandardOutput=append:{}", spec.stdout_log.display());
        let _ = writeln!(u, "StandardError=append:{}", spec.stderr_log.display());
        let _ = writeln!(u, "UMask=0027");
        let _ = writeln!(u, "NoNewPrivileges=yes");
        let _ = writeln!(u, "ProtectSystem=strict");
        let _ = writeln!(u, "ReadWritePaths={writable}");
        let _ = writeln!(u, "ProtectHome={}", if in_home { "read-only" } else { "yes" });
        let _ = writeln!(u, "PrivateTmp=yes");
        let _ = writeln!(u, "PrivateDevices=yes");
        let _ = writeln!(u, "ProtectKernelTunables=yes");
        let _ = writeln!(u, "ProtectKernelModules=yes");
        let _ = writeln!(u, "ProtectKernelLogs=yes");
        let _ = writeln!(u, "ProtectControlGroups=yes");
        let _ = writeln!(u, "ProtectClock=yes");
        let _ = writeln!(u, "ProtectHostname=yes");
        let _ = writeln!(u, "RestrictSUIDSGID=yes");
        let _ = writeln!(u, "RestrictRealtime=yes");
        let _ = writeln!(u, "RestrictNamespaces=yes");
        let _ = writeln!(u, "LockPersonality=yes");
        let _ = writeln!(u, "CapabilityBoundingSet=");
        let _ = writeln!(u, "SystemCallArchitectures=native");
        let _ = writeln!(u);
        let _ = writeln!(u, "[Install]");
        let _ = writeln!(u, "WantedBy=multi-user.target");
        u
    }
}

/// systemd's command-line quoting: double quotes around words with spaces or quotes, and `%`
/// and `$` doubled so they are not taken as specifiers or variables.
fn quote(word: &str) -> String {
    let escaped = word.replace('%', "%%").replace('$', "$$");
    if escaped.is_empty() || escaped.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '\\') {
        format!("\"{}\"", escaped.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        escaped
    }
}

impl ServiceManager for Systemd {
    fn kind(&self) -> ManagerKind {
        ManagerKind::Systemd
    }

    fn install_actions(&self, spec: &ServiceSpec) -> anyhow::Result<Vec<Action>> {
        Ok(vec![
            Action::WriteFile { path: Self::unit_path(), contents: Self::render(spec), mode: 0o644 },
            Action::Run { argv: argv(&["systemctl", "daemon-reload"]) },
            Action::Run { argv: argv(&["systemctl", "enable", SYSTEMD_UNIT]) },
        ])
    }

    fn start(&self, _spec: &ServiceSpec) -> anyhow::Result<()> {
        plan::run(&argv(&["systemctl", "start", SYSTEMD_UNIT])).map(drop)
    }

    fn stop(&self, _spec: &ServiceSpec) -> anyhow::Result<()> {
        // `systemctl stop` returns once the main process is gone (or was killed after TimeoutStopSec).
        plan::run(&argv(&["systemctl", "stop", SYSTEMD_UNIT])).map(drop)
    }

    fn state(&self, _spec: &ServiceSpec) -> anyhow::Result<ServiceState> {
        let out = plan::run(&argv(&["systemctl", "show", "-p", "ActiveState,SubState,MainPID,Result", SYSTEMD_UNIT]))?;
        let field = |key: &str| {
            out.lines().find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('='))).unwrap_or("").to_owned()
        };
        let pid = field("MainPID").parse::<u32>().ok().filter(|p| *p != 0);
        Ok(match field("ActiveState").as_str() {
            "active" | "reloading" => ServiceState::Running { pid },
            "failed" => ServiceState::Failed(format!("systemd reports {} ({})", field("SubState"), field("Result"))),
            // `activating` between restarts after a crash counts as not running yet.
            "activating" if field("SubState") == "auto-restart" => {
                ServiceState::Failed(format!("it exited and systemd is restarting it ({})", field("Result")))
            }
            "activating" => ServiceState::Running { pid },
            _ => ServiceState::Stopped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(python: &str) -> ServiceSpec {
        ServiceSpec {
            description: "test".into(),
            program: vec![python.into(), "-m".into(), "farm_core".into()],
            working_dir: "/opt/farm/data".into(),
            stdout_log: "/opt/farm/logs/out.log".into(),
            stderr_log: "/opt/farm/logs/err.log".into(),
            writable: vec!["/opt/farm/data".into(), "/opt/farm/logs".into()],
            readable: vec!["/opt/farm".into(), python.into()],
            user: Some("farm".into()),
            run_dir: "/opt/farm/run".into(),
        }
    }

    #[test]
    fn home_folders_are_hidden_unless_the_server_reads_from_one() {
        let outside = Systemd::render(&spec("/opt/venv/bin/python"));
        let inside = Systemd::render(&spec("/home/ada/farm/.venv/bin/python"));

        assert!(outside.contains("\nProtectHome=yes\n"), "{outside}");
        assert!(outside.contains("\nEnvironment=GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072\n"), "{outside}");
        assert!(inside.contains("\nProtectHome=read-only\n"), "{inside}");
        assert!(outside.contains("\nUser=farm\nGroup=farm\n"), "{outside}");
    }

    #[test]
    fn quoting_keeps_words_whole_and_literal() {
        assert_eq!(quote("/opt/farm/current/bin/core-server"), "/opt/farm/current/bin/core-server");
        assert_eq!(quote("/srv/my farm"), "\"/srv/my farm\"");
        assert_eq!(quote("100%"), "100%%");
        assert_eq!(quote("$HOME"), "$$HOME");
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
    }
}
