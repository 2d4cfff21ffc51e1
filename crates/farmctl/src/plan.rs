//! File-system and command steps as data, so `--dry-run` prints exactly what a real run does.

use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// Dry-run output shows a written file's contents between these lines.
pub const BEGIN_FILE: &str = "----- begin -----";
pub const END_FILE: &str = "----- end -----";

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    CreateDir {
        path: PathBuf,
        mode: u32,
    },
    CopyFile {
        from: PathBuf,
        to: PathBuf,
        mode: u32,
    },
    WriteFile {
        path: PathBuf,
        contents: String,
        mode: u32,
    },
    /// Points `link` at `target` (relative to the link's folder), replacing it atomically.
    Symlink {
        link: PathBuf,
        target: PathBuf,
    },
    Run {
        argv: Vec<String>,
    },
}

impl Action {
    pub fn describe(&self) -> String {
        match self {
            Action::CreateDir { path, mode } => format!("create directory {} (mode {mode:o})", path.display()),
            Action::CopyFile { from, to, mode } => {
                format!("copy {} -> {} (mode {mode:o})", from.display(), to.display())
            }
            Action::WriteFile { path, contents, mode } => {
                let mut out = format!("write {} (mode {mode:o}):\n{BEGIN_FILE}\n{contents}", path.display());
                if !contents.ends_with('\n') {
                    out.push('\n');
                }
                let _ = write!(out, "{END_FILE}");
                out
            }
            Action::Symlink { link, target } => format!("link {} -> {}", link.display(), target.display()),
            Action::Run { argv } => format!("run: {}", argv.join(" ")),
        }
    }

    pub fn apply(&self) -> anyhow::Result<()> {
        match self {
            Action::CreateDir { path, mode } => {
                std::fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
                set_mode(path, *mode)
            }
            Action::CopyFile { from, to, mode } => {
                let tmp = tmp_path(to);
                std::fs::copy(from, &tmp).with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
                set_mode(&tmp, *mode)?;
                std::fs::rename(&tmp, to).with_context(|| format!("moving {} into place", to.display()))
            }
            Action::WriteFile { path, contents, mode } => write_atomic(path, contents.as_bytes(), *mode),
            Action::Symlink { link, target } => {
                let tmp = tmp_path(link);
                let _ = std::fs::remove_file(&tmp);
                std::os::unix::fs::symlink(target, &tmp).with_context(|| format!("creating {}", tmp.display()))?;
                // rename(2) replaces the old link in one step: `current` always points somewhere.
                std::fs::rename(&tmp, link).with_context(|| format!("replacing {}", link.display()))
            }
            Action::Run { argv } => run(argv).map(drop),
        }
    }
}

/// Prints the plan for `--dry-run`.
pub fn describe_all(actions: &[Action]) -> String {
    let mut out = String::new();
    for action in actions {
        let _ = writeln!(out, "would {}", action.describe());
    }
    out
}

pub fn apply_all(actions: &[Action]) -> anyhow::Result<()> {
    actions.iter().try_for_each(Action::apply)
}

fn tmp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting the mode of {}", path.display()))
}

/// Writes through a temporary file and a rename, so readers never see half a file.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let tmp = tmp_path(path);
    let mut file = std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    set_mode(&tmp, mode)?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

/// Runs a command, failing with its output when it fails; returns its stdout.
pub fn run(argv: &[String]) -> anyhow::Result<String> {
    let (program, args) = argv.split_first().context("empty command")?;
    let out = Command::new(program).args(args).output().with_context(|| format!("running {program}"))?;
    if !out.status.success() {
        bail!(
            "`{}` failed ({}): {}{}",
            argv.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}
