//! `farmctl status`: what is installed, what runs, whether it is healthy, the last backup.

use std::path::Path;

use super::Ctx;
use crate::Exit;
use crate::db;
use crate::health;
use crate::release;
use crate::service::ServiceState;

pub fn run(prefix: &Path) -> anyhow::Result<Exit> {
    let ctx = Ctx::load(prefix)?;
    let state = &ctx.state;
    let row = |key: &str, value: String| crate::say!("{key:<12} {value}");
    row("prefix", ctx.layout.prefix.display().to_string());
    let service = ctx.service_state();
    row(
        "service",
        format!(
            "{}: {}",
            state.service_manager.as_str(),
            service.as_ref().map(ToString::to_string).unwrap_or_else(|e| format!("unknown ({e:#})"))
        ),
    );
    row("backend", state.backend.to_string());
    let version = release::info(&ctx.layout, &state.release).map(|i| i.version);
    row(
        "release",
        match &version {
            Ok(v) => format!("{} (core-server {v})", state.release),
            Err(e) => format!("{} ({e:#})", state.release),
        },
    );
    let expect = ctx.expect();
    let healthy = match health::probe(state.health_addr()) {
        Ok(h) if h.status == "ok" && h.backend == expect.backend.as_str() => {
            row("health", format!("ok: backend {}, version {}, schema {}", h.backend, h.version, h.schema_version));
            true
        }
        Ok(h) => {
            row(
                "health",
                format!(
                    "WRONG: {} answers as backend {} {}, expected {}",
                    state.listen, h.backend, h.version, state.backend
                ),
            );
            false
        }
        Err(e) => {
            row("health", format!("DOWN: {e}"));
            false
        }
    };
    let database = state.database();
    match db::schema_version(&database) {
        Ok(v) => {
            let size = std::fs::metadata(&database).map(|m| m.len()).unwrap_or(0);
            row("schema", format!("{v} ({}, {})", database.display(), db::human_size(size)));
        }
        Err(e) => row("schema", format!("unknown: {e:#}")),
    }
    match db::last_verified(&state.backup_dir()) {
        Ok(Some(m)) => row(
            "last backup",
            format!(
                "{} ({}, {}, {})",
                m.name,
                m.kind.as_str(),
                m.created_at.to_rfc3339(),
                db::age(m.created_at.millis())
            ),
        ),
        Ok(None) => row("last backup", format!("none in {}", state.backup_dir().display())),
        Err(e) => row("last backup", format!("unknown: {e:#}")),
    }
    if let Some(previous) = &state.previous {
        row("rollback", format!("to release {} with the snapshot {}", previous.release, previous.snapshot));
    }
    let running = matches!(service, Ok(ServiceState::Running { .. }));
    Ok(if running && healthy { Exit::Ok } else { Exit::Failed })
}
