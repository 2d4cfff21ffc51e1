//! Controller backups, as a library the server uses now and `farmctl backup|restore` later.
//!
//! A backup is two files in the backups folder: `<name>.db.zst`, a zstd-compressed consistent
//! snapshot of the whole database taken online with `VACUUM INTO` (never a copy of the live
//! file), and `<name>.json`, its manifest: app and schema version, SHA-256 and size of the
//! compressed file, row counts per table, and the result of verification. The folder is the
//! truth; nothing about backups lives in the database, so restoring one cannot make others
//! disappear from the list.
//!
//! Verification opens the snapshot read-only, runs `PRAGMA integrity_check`, checks the schema
//! version and compares the row counts with the manifest. A backup that was never verified, or
//! failed, is not offered as good.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::time::Timestamp;
use crate::store::migrations;

pub const FORMAT: u32 = 1;
const ZSTD_LEVEL: i32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Manual,
    Scheduled,
    /// Taken automatically before a restore.
    Safety,
    Uploaded,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Manual => "manual",
            Kind::Scheduled => "scheduled",
            Kind::Safety => "safety",
            Kind::Uploaded => "uploaded",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being written (only while the server works on it).
    Running,
    Verified,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Manifest {
    pub format: u32,
    pub name: String,
    pub kind: Kind,
    pub app_version: String,
    pub schema_version: i64,
    pub created_at: Timestamp,
    /// Of the compressed file.
    pub sha256: String,
    pub size: u64,
    pub row_counts: BTreeMap<String, i64>,
    pub status: Status,
    pub verified_at: Option<Timestamp>,
    /// Why verification failed.
    pub problem: Option<String>,
}

/// Backup names are file names: `a-z 0-9 -`, 1–80 characters, so no path can escape the folder.
pub fn check_name(name: &str) -> bool {
    (1..=80).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `farm-20260301-060000-000-manual`, with `-2`, `-3`… when that name is taken in `dir`.
pub fn name_for(dir: &Path, kind: Kind, now_ms: i64) -> String {
    let at = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now_ms).unwrap_or_default();
    let base = format!("farm-{}-{}", at.format("%Y%m%d-%H%M%S-%3f"), kind.as_str());
    let taken = |name: &str| manifest_path(dir, name).exists() || data_path(dir, name).exists();
    (1..).map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") }).find(|n| !taken(n)).unwrap_or(base)
}

pub fn data_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.db.zst"))
}

pub fn manifest_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.json"))
}

pub fn write_manifest(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let path = manifest_path(dir, &manifest.name);
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(manifest)?)?;
    // Rename is atomic: a reader sees the old manifest or the new one, never half of one.
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))
}

pub fn read_manifest(dir: &Path, name: &str) -> anyhow::Result<Manifest> {
    let path = manifest_path(dir, name);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
}

/// Every manifest in the folder, newest first. Unreadable ones are skipped with a warning.
pub fn list(dir: &Path) -> anyhow::Result<Vec<Manifest>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        if !check_name(name) {
            continue;
        }
        match read_manifest(dir, name) {
            Ok(m) => out.push(m),
            Err(e) => tracing::warn!("skipping backup manifest: {e:#}"),
        }
    }
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.name.cmp(&a.name)));
    Ok(out)
}

pub fn row_counts(conn: &Connection) -> anyhow::Result<BTreeMap<String, i64>> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut counts = BTreeMap::new();
    for t in tables {
        let n: i64 =
            conn.query_row(&format!("SELECT COUNT(*) FROM \"{}\"", t.replace('"', "\"\"")), [], |r| r.get(0))?;
        counts.insert(t, n);
    }
    Ok(counts)
}

/// Compresses `src` into `dst`; returns the SHA-256 and size of what was written.
pub fn compress(src: &Path, dst: &Path) -> anyhow::Result<(String, u64)> {
    let input = BufReader::new(File::open(src).with_context(|| format!("opening {}", src.display()))?);
    let out = HashingWriter { inner: BufWriter::new(File::create(dst)?), hash: Sha256::new(), size: 0 };
    let mut encoder = zstd::Encoder::new(out, ZSTD_LEVEL)?;
    let mut input = input;
    std::io::copy(&mut input, &mut encoder)?;
    let mut out = encoder.finish()?;
    out.inner.flush()?;
    out.inner.get_ref().sync_all()?;
    Ok((hex::encode(out.hash.finalize()), out.size))
}

pub fn decompress(src: &Path, dst: &Path) -> anyhow::Result<()> {
    let mut decoder = zstd::Decoder::new(File::open(src).with_context(|| format!("opening {}", src.display()))?)
        .context("not a zstd file")?;
    let mut out = BufWriter::new(File::create(dst)?);
    std::io::copy(&mut decoder, &mut out).context("the compressed file is damaged or truncated")?;
    out.flush()?;
    Ok(())
}

pub fn sha256_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut file = BufReader::new(File::open(path)?);
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hash.finalize()), size))
}

struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
    size: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Progress of a long backup, for the caller to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Snapshot,
    Compress,
    Verify,
}

/// Takes a consistent snapshot of the database behind `conn` and writes the backup files.
/// The manifest is written last, with `Running` replaced by the verification's result.
pub fn create(
    conn: &Connection,
    dir: &Path,
    name: &str,
    kind: Kind,
    now_ms: i64,
    mut progress: impl FnMut(Phase),
) -> anyhow::Result<Manifest> {
    if !check_name(name) {
        bail!("invalid backup name {name}");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let work = tempfile::Builder::new().prefix(".backup-").tempdir_in(dir)?;
    let snapshot = work.path().join("snapshot.db");
    progress(Phase::Snapshot);
    conn.execute("VACUUM INTO ?1", [snapshot.to_string_lossy()]).context("taking the snapshot (VACUUM INTO)")?;
    let (schema_version, row_counts) = {
        let snap = Connection::open_with_flags(&snapshot, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        (migrations::schema_version(&snap)?, row_counts(&snap)?)
    };
    progress(Phase::Compress);
    let data = data_path(dir, name);
    let (sha256, size) = compress(&snapshot, &data)?;
    let mut manifest = Manifest {
        format: FORMAT,
        name: name.to_owned(),
        kind,
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version,
        created_at: Timestamp(now_ms),
        sha256,
        size,
        row_counts,
        status: Status::Running,
        verified_at: None,
        problem: None,
    };
    progress(Phase::Verify);
    verify_into(dir, &mut manifest, now_ms);
    write_manifest(dir, &manifest)?;
    Ok(manifest)
}

/// Verifies the backup files against the manifest and records the result in it.
pub fn verify_into(dir: &Path, manifest: &mut Manifest, now_ms: i64) {
    match verify(dir, manifest) {
        Ok(()) => {
            manifest.status = Status::Verified;
            manifest.problem = None;
        }
        Err(e) => {
            manifest.status = Status::Failed;
            manifest.problem = Some(format!("{e:#}"));
        }
    }
    manifest.verified_at = Some(Timestamp(now_ms));
}

/// Checksum, decompression, integrity check, schema version, row counts.
pub fn verify(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let data = data_path(dir, &manifest.name);
    let (sha256, size) = sha256_file(&data).context("reading the backup file")?;
    if sha256 != manifest.sha256 || size != manifest.size {
        bail!("checksum mismatch: the file changed since the backup was taken");
    }
    let work = tempfile::Builder::new().prefix(".verify-").tempdir_in(dir)?;
    let db = work.path().join("verify.db");
    decompress(&data, &db)?;
    check_snapshot(&db, manifest.schema_version, Some(&manifest.row_counts))
}

/// Opens a decompressed snapshot read-only and checks it.
pub fn check_snapshot(db: &Path, schema_version: i64, counts: Option<&BTreeMap<String, i64>>) -> anyhow::Result<()> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).context("not an SQLite database")?;
    let integrity: String =
        conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).context("not an SQLite database")?;
    if integrity != "ok" {
        bail!("integrity check failed: {integrity}");
    }
    let found =
        migrations::schema_version(&conn).context("no schema_migrations table: not a Farm Controller database")?;
    if found != schema_version {
        bail!("schema version {found}, manifest says {schema_version}");
    }
    if let Some(expected) = counts {
        let actual = row_counts(&conn)?;
        if &actual != expected {
            bail!("row counts differ from the manifest");
        }
    }
    Ok(())
}

/// Replaces the contents of the live database behind `live` with the snapshot at `snapshot`,
/// in one step of SQLite's backup API: one transaction, so other connections see either the old
/// data or the new, and a failure leaves the old.
pub fn restore_into(live: &mut Connection, snapshot: &Path) -> anyhow::Result<()> {
    let src = Connection::open_with_flags(snapshot, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let backup = rusqlite::backup::Backup::new(&src, live)?;
    match backup.step(-1)? {
        rusqlite::backup::StepResult::Done => Ok(()),
        other => bail!("the database was busy; restore not applied ({other:?})"),
    }
}
