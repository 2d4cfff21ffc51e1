//! Releases: `<prefix>/releases/<name>/bin/core-server` beside a `release.json`, named by the
//! version the binary reports, kept side by side so the previous one is there to go back to.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::layout::Layout;
use crate::plan::Action;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseInfo {
    pub version: String,
    /// Where the binary was copied from.
    pub source: PathBuf,
    pub installed_at: i64,
}

/// The core-server binary beside this farmctl: where a release tarball (or `target/debug`) keeps it.
pub fn bundled_server() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("locating farmctl")?;
    let bin = exe.with_file_name("core-server");
    if !bin.is_file() {
        bail!("no core-server beside {}: pass --from PATH", exe.display());
    }
    Ok(bin)
}

/// `<binary> --version` answers `core-server 0.1.0`; the last word is the version.
pub fn probe_version(binary: &Path) -> anyhow::Result<String> {
    if !binary.is_file() {
        bail!("{} is not a file", binary.display());
    }
    let mut child = Command::new(binary)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("running {} --version", binary.display()))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{} --version did not answer within 10 s: not a core-server release", binary.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout.read_to_string(&mut out)?;
    }
    let version = out.split_whitespace().last().unwrap_or_default().to_owned();
    let valid = !version.is_empty()
        && version.len() <= 64
        && version.bytes().all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
        && !version.starts_with('.');
    if !status.success() || !valid {
        bail!("{} --version answered {:?} ({status}): not a core-server release", binary.display(), out.trim());
    }
    Ok(version)
}

/// The version, or `<version>-2`, `-3`… when a release of that name is already installed.
pub fn free_name(layout: &Layout, version: &str) -> String {
    (1..)
        .map(|n| if n == 1 { version.to_owned() } else { format!("{version}-{n}") })
        .find(|name| !layout.release(name).exists())
        .unwrap_or_else(|| version.to_owned())
}

/// The steps that put `binary` into `releases/<name>`.
pub fn install_actions(layout: &Layout, name: &str, binary: &Path, version: &str, now_ms: i64) -> Vec<Action> {
    let info = ReleaseInfo { version: version.to_owned(), source: binary.to_owned(), installed_at: now_ms };
    let mut json = serde_json::to_string_pretty(&info).unwrap_or_default();
    json.push('\n');
    vec![
        Action::CreateDir { path: layout.release(name).join("bin"), mode: 0o755 },
        Action::CopyFile { from: binary.to_owned(), to: layout.release_binary(name), mode: 0o755 },
        Action::WriteFile { path: layout.release(name).join("release.json"), contents: json, mode: 0o644 },
    ]
}

/// Points `current` at `releases/<name>` (a relative link, so the prefix can move).
pub fn link_current(layout: &Layout, name: &str) -> Action {
    Action::Symlink { link: layout.current(), target: Path::new("releases").join(name) }
}

pub fn info(layout: &Layout, name: &str) -> anyhow::Result<ReleaseInfo> {
    let path = layout.release(name).join("release.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}
