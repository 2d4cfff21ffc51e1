//! `farmctl upgrade` and `farmctl rollback`: a new release beside the old one, a snapshot of the
//! database taken with the old server stopped and before the new one can migrate it, and on a
//! failed health gate both put back: the `current` link and the database.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use core_server::backup::Kind;

use super::{Ctx, report_undo, secs};
use crate::Exit;
use crate::db;
use crate::layout::{Backend, Previous};
use crate::plan;
use crate::release;

fn require_rust(ctx: &Ctx, what: &str) -> anyhow::Result<()> {
    if ctx.state.backend != Backend::Rust {
        bail!(
            "the {} backend is active; {what} applies to the Rust release: `farmctl switch rust` first",
            ctx.state.backend
        );
    }
    Ok(())
}

pub fn upgrade(prefix: &Path, new_binary: &Path, timeout: Duration) -> anyhow::Result<Exit> {
    let mut ctx = Ctx::load_locked(prefix)?;
    require_rust(&ctx, "an upgrade")?;
    let new_binary = std::path::absolute(new_binary)?;
    let version = release::probe_version(&new_binary)?;
    let old_state = ctx.state.clone();
    let old_version = release::info(&ctx.layout, &old_state.release).map(|i| i.version).unwrap_or_default();
    let name = release::free_name(&ctx.layout, &version);
    plan::apply_all(&release::install_actions(&ctx.layout, &name, &new_binary, &version, db::now_ms()))?;
    crate::say!("installed release {name} beside {}", old_state.release);

    let started = Instant::now();
    let spec = ctx.spec()?;
    ctx.stop()?;
    let snapshot = match db::snapshot(&ctx.state.database(), &ctx.state.backup_dir(), Kind::Safety) {
        Ok(manifest) => manifest,
        Err(e) => {
            eprintln!("FAILED: the pre-upgrade snapshot: {e:#}; nothing was changed, starting {old_version} again");
            return Ok(match ctx.start_gated(timeout) {
                Ok(_) => Exit::Failed,
                Err(_) => Exit::NeedsAttention,
            });
        }
    };
    crate::say!(
        "snapshot {} (schema {}, {}) in {}",
        snapshot.name,
        snapshot.schema_version,
        db::human_size(snapshot.size),
        ctx.state.backup_dir().display()
    );
    ctx.state.release = name.clone();
    ctx.state.previous = Some(Previous { release: old_state.release.clone(), snapshot: snapshot.name.clone() });
    ctx.activate(Some(&spec))?;
    match ctx.start_gated(timeout) {
        Ok(_) => {
            crate::say!(
                "upgraded {old_version} -> {version} in {}. `farmctl rollback` returns to {} and the snapshot {}.",
                secs(started.elapsed()),
                old_state.release,
                snapshot.name
            );
            Ok(Exit::Ok)
        }
        Err(why) => {
            eprintln!(
                "release {name} failed its health gate; restoring {} and the database snapshot",
                old_state.release
            );
            let failed = ctx.spec()?;
            let (database, dir) = (ctx.state.database(), ctx.state.backup_dir());
            let undo = ctx.undo(&failed, old_state.clone(), timeout, |_| {
                db::restore(&database, &dir, &snapshot.name).map(drop).context("restoring the pre-upgrade snapshot")
            });
            let exit = report_undo(
                &format!("upgrade to {version}"),
                &why,
                undo,
                &format!(
                    "back on release {} with the database as it was before the upgrade (snapshot {}); release {name} \
                     stays in {} for inspection",
                    old_state.release,
                    snapshot.name,
                    ctx.layout.release(&name).display()
                ),
            );
            eprintln!("(took {} in all)", secs(started.elapsed()));
            Ok(exit)
        }
    }
}

pub fn rollback(prefix: &Path, timeout: Duration) -> anyhow::Result<Exit> {
    let mut ctx = Ctx::load_locked(prefix)?;
    require_rust(&ctx, "a rollback")?;
    let Some(previous) = ctx.state.previous.clone() else {
        bail!("there is nothing to roll back to: no upgrade since the install or the last rollback");
    };
    if !ctx.layout.release_binary(&previous.release).is_file() {
        bail!("the previous release {} is gone from {}", previous.release, ctx.layout.releases().display());
    }
    let dir = ctx.state.backup_dir();
    core_server::backup::read_manifest(&dir, &previous.snapshot)
        .with_context(|| format!("the pre-upgrade snapshot {} is gone", previous.snapshot))?;
    let old_state = ctx.state.clone();
    let started = Instant::now();
    let spec = ctx.spec()?;
    ctx.stop()?;
    // What was written since the upgrade is discarded by the rollback, so it is kept here first.
    let safety = match db::snapshot(&ctx.state.database(), &dir, Kind::Safety) {
        Ok(manifest) => manifest,
        Err(e) => {
            eprintln!("FAILED: the safety backup before the rollback: {e:#}; nothing was changed, starting again");
            return Ok(match ctx.start_gated(timeout) {
                Ok(_) => Exit::Failed,
                Err(_) => Exit::NeedsAttention,
            });
        }
    };
    crate::say!("safety backup of the current data: {}", safety.name);
    let database = ctx.state.database();
    if let Err(e) = db::restore(&database, &dir, &previous.snapshot) {
        eprintln!("FAILED: restoring {}: {e:#}; nothing was changed, starting again", previous.snapshot);
        return Ok(match ctx.start_gated(timeout) {
            Ok(_) => Exit::Failed,
            Err(_) => Exit::NeedsAttention,
        });
    }
    crate::say!("restored the pre-upgrade snapshot {}", previous.snapshot);
    ctx.state.release = previous.release.clone();
    ctx.state.previous = None;
    ctx.activate(Some(&spec))?;
    match ctx.start_gated(timeout) {
        Ok(_) => {
            crate::say!(
                "rolled back {} -> {} in {}; the data written since the upgrade is in the backup {}",
                old_state.release,
                previous.release,
                secs(started.elapsed()),
                safety.name
            );
            Ok(Exit::Ok)
        }
        Err(why) => {
            let failed = ctx.spec()?;
            let undo = ctx.undo(&failed, old_state.clone(), timeout, |_| {
                db::restore(&database, &dir, &safety.name).map(drop).context("restoring the safety backup")
            });
            Ok(report_undo(
                &format!("rollback to {}", previous.release),
                &why,
                undo,
                &format!("back on release {} with its data (backup {})", old_state.release, safety.name),
            ))
        }
    }
}
