//! Backups as background work: manual and scheduled ones with progress events, retention, a
//! restore that swaps the live database's contents, and an alarm when the newest verified
//! backup gets old.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use chrono::{NaiveTime, TimeZone};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::backup::{self, Kind, Manifest, Phase, Status};
use crate::domain::error::{Error, Result};
use crate::domain::setup::BackupSettings;

/// An alarm is raised when the newest verified backup is older than this.
pub const STALE_AFTER_MS: i64 = crate::domain::dashboard::BACKUP_STALE_AFTER_MS;
pub const STALE_ALARM: &str = "no verified backup in the last 2 days";

/// Backups being written now, with their phase; and one lock so backups and restores take
/// turns.
#[derive(Default)]
pub struct BackupJobs {
    running: Mutex<BTreeMap<String, (Kind, i64, Phase)>>,
    pub turn: tokio::sync::Mutex<()>,
    /// Bumped by every change this server makes to the backups folder.
    generation: AtomicU64,
    newest: Mutex<Option<NewestVerified>>,
}

/// The newest verified backup as last read from the folder, and what it was read at.
#[derive(Clone, Copy)]
struct NewestVerified {
    generation: u64,
    folder_modified: Option<SystemTime>,
    created_at: Option<i64>,
}

/// A running backup as the list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunningBackup {
    pub name: String,
    pub kind: Kind,
    pub started_at: crate::domain::time::Timestamp,
    pub phase: Phase,
}

impl BackupJobs {
    pub fn running(&self) -> Vec<RunningBackup> {
        let jobs = self.running.lock().unwrap_or_else(|p| p.into_inner());
        jobs.iter()
            .map(|(name, (kind, at, phase))| RunningBackup {
                name: name.clone(),
                kind: *kind,
                started_at: crate::domain::time::Timestamp(*at),
                phase: *phase,
            })
            .collect()
    }

    /// Call after changing the backups folder: the newest verified backup is read again.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn set(&self, name: &str, kind: Kind, at: i64, phase: Option<Phase>) {
        let mut jobs = self.running.lock().unwrap_or_else(|p| p.into_inner());
        match phase {
            Some(phase) => {
                jobs.insert(name.to_owned(), (kind, at, phase));
            }
            None => {
                jobs.remove(name);
            }
        }
    }
}

/// The backups folder in effect: the stored choice (the setup wizard's or the settings API's),
/// else the configuration's.
pub fn dir(state: &AppState) -> PathBuf {
    state.backup_settings().dir
}

/// Creates the folder if needed and writes (then removes) a file in it: a `dir` validation error
/// otherwise. The messages quote only the operating system's reason, not the probe's name, so
/// the same folder always gets the same answer.
pub async fn check_writable(dir: PathBuf) -> Result<()> {
    // Probes of this process get their own names, so checks of one folder may run at once.
    static PROBES: AtomicU64 = AtomicU64::new(0);
    let probe = format!(".farm-write-check-{}-{}", std::process::id(), PROBES.fetch_add(1, Ordering::Relaxed));
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir).map_err(|e| Error::invalid("dir", format!("cannot be created: {e}")))?;
        let probe = dir.join(probe);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
            .map_err(|e| Error::invalid("dir", format!("is not writable: {e}")))?;
        // The folder took a file, which is what was asked; a probe left behind harms nothing.
        let _ = std::fs::remove_file(&probe);
        Ok(())
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
}

/// Stores new backup settings and puts them into effect. The folder may be another one now, so
/// the newest verified backup is read again.
pub async fn change_settings(state: &AppState, settings: BackupSettings) -> Result<()> {
    state.store.backup_settings_put(settings.clone(), state.clock.now_ms()).await?;
    state.set_backup_settings(settings);
    state.backup_jobs.changed();
    Ok(())
}

#[derive(Serialize)]
struct ProgressEvent<'a> {
    name: &'a str,
    phase: Option<Phase>,
    status: Status,
    problem: Option<&'a str>,
}

/// Writes a backup, reporting each phase as a `backup` event; the result is in its manifest.
pub async fn create(state: &AppState, kind: Kind, name: String) -> Result<Manifest> {
    let _turn = state.backup_jobs.turn.lock().await;
    let now = state.clock.now_ms();
    let dir = dir(state);
    state.backup_jobs.set(&name, kind, now, Some(Phase::Snapshot));
    let events = state.events.clone();
    let jobs = state.backup_jobs.clone();
    let job_name = name.clone();
    let progress = Box::new(move |phase: Phase| {
        jobs.set(&job_name, kind, now, Some(phase));
        events.backup(&ProgressEvent { name: &job_name, phase: Some(phase), status: Status::Running, problem: None });
    });
    let result = state.store.backup_create(dir, name.clone(), kind, now, progress).await;
    state.backup_jobs.set(&name, kind, now, None);
    state.backup_jobs.changed();
    let manifest = result?;
    state.events.backup(&ProgressEvent {
        name: &manifest.name,
        phase: None,
        status: manifest.status,
        problem: manifest.problem.as_deref(),
    });
    tracing::info!(name = %manifest.name, status = ?manifest.status, size = manifest.size, "backup written");
    Ok(manifest)
}

/// Restores a verified backup: verifies it again, takes a safety backup of the current data,
/// then replaces the database's contents in one transaction and brings its schema up to date.
/// Returns the safety backup's name.
pub async fn restore(state: &AppState, name: &str) -> Result<String> {
    let dir = dir(state);
    let manifest = backup::read_manifest(&dir, name).map_err(|_| Error::NotFound("backup"))?;
    if manifest.status != Status::Verified {
        return Err(Error::Conflict("only a verified backup can be restored".into()));
    }
    let known = crate::store::migrations::embedded().map_err(Error::Internal)?;
    if manifest.schema_version > known.last().map_or(0, |m| m.version) {
        return Err(Error::Conflict("the backup is from a newer version of the server; upgrade first".into()));
    }
    let safety = create(state, Kind::Safety, backup::name_for(&dir, Kind::Safety, state.clock.now_ms())).await?;
    if safety.status != Status::Verified {
        return Err(Error::Conflict(format!(
            "the safety backup failed ({}); nothing was restored",
            safety.problem.unwrap_or_default()
        )));
    }
    let _turn = state.backup_jobs.turn.lock().await;
    state.store.backup_restore(dir, name.to_owned(), state.clock.now_ms()).await?;
    // The restored data may hold other backup settings (or none: then the configuration's).
    state.reload_backup_settings().await?;
    if let Err(e) = super::schedules::evaluate(state).await {
        tracing::warn!("schedule evaluation after the restore failed: {e}");
    }
    state.schedules_changed.notify_one();
    tracing::warn!(restored = %manifest.name, safety = %safety.name, "database restored from a backup");
    Ok(safety.name)
}

/// Deletes backups older than `keep_days`, always keeping the newest `keep_min` verified ones.
pub fn retention(state: &AppState) -> anyhow::Result<Vec<String>> {
    let dir = dir(state);
    let cutoff = state.clock.now_ms() - state.config.backup_keep_days as i64 * 24 * 3_600_000;
    let all = backup::list(&dir)?;
    let protected: Vec<&str> = all
        .iter()
        .filter(|m| m.status == Status::Verified)
        .take(state.config.backup_keep_min)
        .map(|m| m.name.as_str())
        .collect();
    let mut deleted = Vec::new();
    for m in &all {
        if m.created_at.millis() < cutoff && !protected.contains(&m.name.as_str()) {
            delete_files(&dir, &m.name)?;
            state.backup_jobs.changed();
            deleted.push(m.name.clone());
        }
    }
    Ok(deleted)
}

pub fn delete_files(dir: &std::path::Path, name: &str) -> anyhow::Result<()> {
    for path in [backup::manifest_path(dir, name), backup::data_path(dir, name)] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The newest verified backup's time, if any. The overview asks on every refresh, so the answer
/// is kept until this server changes the folder or the folder's modification time moves (a
/// backup written by another process, such as `farmctl backup`).
pub fn newest_verified(state: &AppState) -> Option<i64> {
    let jobs = &state.backup_jobs;
    let dir = dir(state);
    let generation = jobs.generation.load(Ordering::Acquire);
    let folder_modified = std::fs::metadata(&dir).and_then(|m| m.modified()).ok();
    let cached = *jobs.newest.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = cached.filter(|c| c.generation == generation && c.folder_modified == folder_modified) {
        return c.created_at;
    }
    let created_at =
        backup::list(&dir).ok()?.into_iter().find(|m| m.status == Status::Verified).map(|m| m.created_at.millis());
    *jobs.newest.lock().unwrap_or_else(|p| p.into_inner()) =
        Some(NewestVerified { generation, folder_modified, created_at });
    created_at
}

/// The instant of today's scheduled backup (site time), or `None` when the setting is off.
fn due_today(state: &AppState, timezone: &str, now: i64) -> Option<i64> {
    let at = NaiveTime::parse_from_str(state.backup_settings().daily_at.as_deref()?, "%H:%M").ok()?;
    let tz: chrono_tz::Tz = timezone.parse().ok()?;
    let today = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now)?.with_timezone(&tz).date_naive();
    // In a DST gap, the first valid instant after it; in an overlap, the first occurrence.
    let local = today.and_time(at);
    let instant = tz
        .from_local_datetime(&local)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(local + chrono::Duration::hours(1))).earliest())?;
    Some(instant.timestamp_millis())
}

/// One check: the scheduled backup when due, retention after it, the staleness alarm.
pub async fn tick(state: &AppState) -> Result<()> {
    let now = state.clock.now_ms();
    let site = state.store.site_get().await?;
    let dir = dir(state);
    if let Some(due) = due_today(state, &site.timezone, now).filter(|due| *due <= now) {
        let done = backup::list(&dir)
            .map_err(Error::Internal)?
            .iter()
            .any(|m| m.kind == Kind::Scheduled && m.created_at.millis() >= due);
        if !done {
            create(state, Kind::Scheduled, backup::name_for(&dir, Kind::Scheduled, now)).await?;
            for name in retention(state).map_err(Error::Internal)? {
                tracing::info!(%name, "retention deleted an old backup");
            }
        }
    }
    let stale = newest_verified(state).is_none_or(|t| now - t > STALE_AFTER_MS);
    if stale && !state.store.alarm_open_with_message(STALE_ALARM.into()).await? {
        let alarm = state
            .store
            .alarm_raise(None, crate::domain::schedule_rules::Severity::Warning, STALE_ALARM.into(), now)
            .await?;
        state.events.alarm(&alarm);
    }
    Ok(())
}

pub async fn run(state: AppState) {
    loop {
        if let Err(e) = tick(&state).await {
            tracing::warn!("backup check failed: {e}");
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
}
