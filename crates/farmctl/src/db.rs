//! The database as farmctl sees it: snapshots and restores through core-server's backup library
//! (the same files the server and its dashboard list), schema version and integrity.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use core_server::backup::{self, Kind, Manifest, Status};
use rusqlite::{Connection, OpenFlags};

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

fn open_live(db: &Path) -> anyhow::Result<Connection> {
    if !db.is_file() {
        bail!("the database {} does not exist", db.display());
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .with_context(|| format!("opening {}", db.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

fn open_read_only(db: &Path) -> anyhow::Result<Connection> {
    if !db.is_file() {
        bail!("the database {} does not exist", db.display());
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", db.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// A verified backup of `db` into `dir`. `VACUUM INTO` reads one consistent snapshot, so this is
/// safe while a server writes; farmctl still stops the server first where the snapshot is a
/// rollback point, so nothing written after it is lost on the way back.
pub fn snapshot(db: &Path, dir: &Path, kind: Kind) -> anyhow::Result<Manifest> {
    let conn = open_live(db)?;
    let now = now_ms();
    let name = backup::name_for(dir, kind, now);
    let manifest = backup::create(&conn, dir, &name, kind, now, |_| {})?;
    if manifest.status != Status::Verified {
        bail!("the backup {} did not verify: {}", manifest.name, manifest.problem.unwrap_or_default());
    }
    Ok(manifest)
}

/// Replaces the contents of `db` with the backup `name` from `dir`, after verifying it again.
/// Done through SQLite's backup API on a connection to the live file, so a write-ahead log left by
/// the server is dealt with by SQLite instead of being paired with a file it does not belong to.
/// The server must be stopped: it would otherwise keep state read from the old contents.
pub fn restore(db: &Path, dir: &Path, name: &str) -> anyhow::Result<Manifest> {
    let manifest = backup::read_manifest(dir, name)?;
    backup::verify(dir, &manifest).with_context(|| format!("the backup {name} does not verify"))?;
    let work = tempfile::Builder::new().prefix(".restore-").tempdir_in(dir)?;
    let snapshot = work.path().join("restore.db");
    backup::decompress(&backup::data_path(dir, name), &snapshot)?;
    let mut live = open_live(db)?;
    backup::restore_into(&mut live, &snapshot)?;
    live.close().map_err(|(_, e)| e).context("closing the restored database")?;
    Ok(manifest)
}

pub fn schema_version(db: &Path) -> anyhow::Result<i64> {
    let conn = open_read_only(db)?;
    Ok(core_server::store::migrations::schema_version(&conn)?)
}

/// `PRAGMA integrity_check`: `ok`, or the first problems SQLite lists.
pub fn integrity(db: &Path) -> anyhow::Result<String> {
    let conn = open_read_only(db)?;
    let rows: Vec<String> =
        conn.prepare("PRAGMA integrity_check(10)")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(rows.join("; "))
}

/// The newest backup in `dir` that verified.
pub fn last_verified(dir: &Path) -> anyhow::Result<Option<Manifest>> {
    Ok(backup::list(dir)?.into_iter().find(|m| m.status == Status::Verified))
}

/// A backup given as a name in `dir`, or as the path of its `.db.zst` or `.json` file.
pub fn locate_backup(arg: &str, dir: &Path) -> anyhow::Result<(std::path::PathBuf, String)> {
    let path = Path::new(arg);
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or(arg);
    let name = file.strip_suffix(".db.zst").or_else(|| file.strip_suffix(".json")).unwrap_or(file);
    if !backup::check_name(name) {
        bail!("{arg} is not a backup: give a backup name (farm-…) or its .db.zst or .json file");
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ if path.exists() => std::env::current_dir()?,
        _ => dir.to_owned(),
    };
    if !backup::manifest_path(&folder, name).is_file() {
        bail!("no manifest {} beside the backup", backup::manifest_path(&folder, name).display());
    }
    Ok((folder, name.to_owned()))
}

pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// `3 h ago`, for the last backup.
pub fn age(ms: i64) -> String {
    let secs = (now_ms() - ms).max(0) / 1000;
    match secs {
        s if s < 120 => format!("{s} s ago"),
        s if s < 7200 => format!("{} min ago", s / 60),
        s if s < 172_800 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}
