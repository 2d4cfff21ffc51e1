//! `farmctl backup` (online: `VACUUM INTO` reads one consistent snapshot while the server runs)
//! and `farmctl restore FILE` (offline: the server is stopped, so nothing it holds in memory or
//! writes meanwhile can disagree with the restored data, and started again behind the gate).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use core_server::backup::{self, Kind, Status};

use super::{Ctx, report_undo, secs};
use crate::Exit;
use crate::db;

pub fn backup(prefix: &Path) -> anyhow::Result<Exit> {
    let ctx = Ctx::load(prefix)?;
    let started = Instant::now();
    let dir = ctx.state.backup_dir();
    let manifest = db::snapshot(&ctx.state.database(), &dir, Kind::Manual)?;
    crate::say!(
        "backup {} written and verified in {}: schema {}, {}, {}",
        manifest.name,
        secs(started.elapsed()),
        manifest.schema_version,
        db::human_size(manifest.size),
        backup::data_path(&dir, &manifest.name).display()
    );
    Ok(Exit::Ok)
}

pub fn restore(prefix: &Path, file: &str, timeout: Duration) -> anyhow::Result<Exit> {
    let mut ctx = Ctx::load_locked(prefix)?;
    let dir = ctx.state.backup_dir();
    let database = ctx.state.database();
    let (folder, name) = db::locate_backup(file, &dir)?;
    let manifest = backup::read_manifest(&folder, &name)?;
    if manifest.status != Status::Verified {
        bail!("the backup {name} is {:?}, not verified: {}", manifest.status, manifest.problem.unwrap_or_default());
    }
    backup::verify(&folder, &manifest).with_context(|| format!("the backup {name} no longer verifies"))?;
    // The server refuses a database with migrations it does not know: refuse here instead.
    let current_schema = db::schema_version(&database)?;
    if manifest.schema_version > current_schema {
        bail!(
            "the backup has schema {} but the installed release is at {current_schema}: upgrade first",
            manifest.schema_version
        );
    }
    let started = Instant::now();
    let old_state = ctx.state.clone();
    ctx.stop()?;
    let safety = match db::snapshot(&database, &dir, Kind::Safety) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("FAILED: the safety backup of the current data: {e:#}; nothing was restored, starting again");
            return Ok(match ctx.start_gated(timeout) {
                Ok(_) => Exit::Failed,
                Err(_) => Exit::NeedsAttention,
            });
        }
    };
    crate::say!("safety backup of the current data: {}", safety.name);
    if let Err(e) = db::restore(&database, &folder, &name) {
        eprintln!("FAILED: restoring {name}: {e:#}; the data is unchanged, starting again");
        return Ok(match ctx.start_gated(timeout) {
            Ok(_) => Exit::Failed,
            Err(_) => Exit::NeedsAttention,
        });
    }
    crate::say!("restored {name} (schema {}, taken {})", manifest.schema_version, manifest.created_at.to_rfc3339());
    match ctx.start_gated(timeout) {
        Ok(_) => {
            crate::say!(
                "restore done in {}; the data it replaced is in the backup {}",
                secs(started.elapsed()),
                safety.name
            );
            Ok(Exit::Ok)
        }
        Err(why) => {
            let failed = ctx.spec()?;
            let undo = ctx.undo(&failed, old_state, timeout, |_| {
                db::restore(&database, &dir, &safety.name).map(drop).context("restoring the safety backup")
            });
            Ok(report_undo(
                &format!("restore of {name}"),
                &why,
                undo,
                &format!("the data from before the restore is back (backup {})", safety.name),
            ))
        }
    }
}
