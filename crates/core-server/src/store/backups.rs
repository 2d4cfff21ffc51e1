//! Backups of the SQLite database: the snapshot is taken on a pool connection (`VACUUM INTO`
//! is a read), the restore on the writer, so no write interleaves with it. A PostgreSQL store
//! would implement the same trait with its own tools.

use std::path::PathBuf;

use async_trait::async_trait;

use super::{SqliteStore, migrations};
use crate::backup::{self, Kind, Manifest, Phase};
use crate::domain::error::{Error, Result};

#[async_trait]
pub trait BackupStore {
    /// Writes a verified (or failed) backup named `name` into `dir`.
    async fn backup_create(
        &self,
        dir: PathBuf,
        name: String,
        kind: Kind,
        now: i64,
        progress: Box<dyn FnMut(Phase) + Send>,
    ) -> Result<Manifest>;
    /// Verifies the backup again, then replaces the live database's contents with it in one
    /// transaction and applies migrations the backup predates. A failure changes nothing.
    async fn backup_restore(&self, dir: PathBuf, name: String, now: i64) -> Result<()>;
}

#[async_trait]
impl BackupStore for SqliteStore {
    async fn backup_create(
        &self,
        dir: PathBuf,
        name: String,
        kind: Kind,
        now: i64,
        progress: Box<dyn FnMut(Phase) + Send>,
    ) -> Result<Manifest> {
        self.pool.run(move |conn| backup::create(conn, &dir, &name, kind, now, progress).map_err(Error::Internal)).await
    }

    async fn backup_restore(&self, dir: PathBuf, name: String, now: i64) -> Result<()> {
        self.pool
            .write(move |conn| {
                let manifest = backup::read_manifest(&dir, &name).map_err(|_| Error::NotFound("backup"))?;
                backup::verify(&dir, &manifest)
                    .map_err(|e| Error::Conflict(format!("the backup no longer verifies: {e:#}")))?;
                let work = tempfile::Builder::new()
                    .prefix(".restore-")
                    .tempdir_in(&dir)
                    .map_err(|e| Error::Internal(e.into()))?;
                let db = work.path().join("restore.db");
                backup::decompress(&backup::data_path(&dir, &name), &db).map_err(Error::Internal)?;
                backup::restore_into(conn, &db).map_err(Error::Internal)?;
                migrations::migrate(conn, &migrations::embedded().map_err(Error::Internal)?, now)
                    .map_err(Error::Internal)?;
                Ok(())
            })
            .await
    }
}
