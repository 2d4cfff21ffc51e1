//! `farmctl switch python|rust`: the same database under the other backend, behind the health
//! gate, and back by itself when the gate fails.
//!
//! The database is not snapshotted: both backends run the same migrations, so starting either
//! changes nothing the other cannot read. A backend that finds a migration it does not know
//! refuses to start, which the gate sees, and the switch goes back.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;

use super::{Ctx, report_undo, secs};
use crate::Exit;
use crate::layout::Backend;

pub fn run(prefix: &Path, to: Backend, timeout: Duration) -> anyhow::Result<Exit> {
    let mut ctx = Ctx::load_locked(prefix)?;
    let from = ctx.state.backend;
    if from == to {
        crate::say!("the service already runs the {to} backend (`farmctl status` shows its health)");
        return Ok(Exit::Ok);
    }
    if to == Backend::Python {
        match &ctx.state.python {
            Some(python) if python.is_file() => {}
            Some(python) => {
                bail!("{} is missing: recreate the Python backend's venv (`make python`)", python.display())
            }
            None => bail!("no Python backend is configured: reinstall with --python-venv DIR"),
        }
    }
    let started = Instant::now();
    crate::say!("switching {from} -> {to}");
    let old_state = ctx.state.clone();
    let old_spec = ctx.spec()?;
    ctx.stop()?;
    ctx.state.backend = to;
    ctx.activate(Some(&old_spec))?;
    match ctx.start_gated(timeout) {
        Ok(_) => {
            crate::say!("switched {from} -> {to} in {}", secs(started.elapsed()));
            Ok(Exit::Ok)
        }
        Err(why) => {
            let failed = ctx.spec()?;
            eprintln!("the {to} backend failed its health gate; switching back to {from}");
            let undo = ctx.undo(&failed, old_state, timeout, |_| Ok(()));
            let exit = report_undo(&format!("switch to {to}"), &why, undo, &format!("switched back to {from}"));
            eprintln!("(took {} in all)", secs(started.elapsed()));
            Ok(exit)
        }
    }
}
