//! One changing farmctl command per prefix at a time: `<prefix>/farmctl.lock` holds the pid of
//! the command that changes the installation. A lock whose process is gone is taken over.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

pub struct Lock {
    path: PathBuf,
}

fn running(pid: u32) -> bool {
    Command::new("sh")
        .args(["-c", "kill -0 \"$1\" 2>/dev/null", "sh", &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success())
}

impl Lock {
    pub fn take(prefix: &Path) -> anyhow::Result<Lock> {
        let path = prefix.join("farmctl.lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    writeln!(file, "{}", std::process::id())?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).ok().and_then(|t| t.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if running(pid) => {
                            bail!(
                                "another farmctl (pid {pid}) is changing this installation; try again when it is done"
                            )
                        }
                        _ => std::fs::remove_file(&path)
                            .with_context(|| format!("removing the stale {}", path.display()))?,
                    }
                }
                Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
            }
        }
        bail!("could not take {}", path.display())
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
