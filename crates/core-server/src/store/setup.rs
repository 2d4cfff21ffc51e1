//! SQL for the setup wizard's progress and the backup settings (single rows).

use std::path::PathBuf;

use async_trait::async_trait;
use rusqlite::{OptionalExtension, TransactionBehavior};

use super::{SqliteStore, internal, map_unique};
use crate::domain::error::{Error, Result};
use crate::domain::setup::{BackupSettings, SetupState, Wizard};
use crate::domain::users::{Role, User, Username};

#[async_trait]
pub trait SetupStore {
    async fn setup_state(&self) -> Result<SetupState>;
    /// Creates the first admin and the wizard's row in one transaction. `Conflict` when an
    /// enabled admin exists already (a reload, or a second browser) or the username is taken.
    async fn setup_admin_create(
        &self,
        username: &Username,
        password_hash: String,
        token_hash: String,
        now: i64,
    ) -> Result<User>;
    /// Marks the wizard finished; false when it was finished already or `token_hash` is not its.
    async fn setup_complete(&self, token_hash: String, now: i64) -> Result<bool>;
    async fn backup_settings_get(&self) -> Result<Option<BackupSettings>>;
    async fn backup_settings_put(&self, settings: BackupSettings, now: i64) -> Result<()>;
}

/// Shown when a second browser races the first to create the admin.
pub const ADMIN_EXISTS: &str = "an admin exists already";

fn admin_exists(conn: &rusqlite::Connection) -> Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0)", [], |r| r.get(0))
        .map_err(internal)
}

#[async_trait]
impl SetupStore for SqliteStore {
    async fn setup_state(&self) -> Result<SetupState> {
        self.pool
            .run(|conn| {
                let wizard = conn
                    .query_row("SELECT admin_id, token_hash, completed_at FROM setup_wizard WHERE id = 1", [], |r| {
                        Ok(Wizard {
                            admin_id: r.get(0)?,
                            token_hash: r.get(1)?,
                            completed: r.get::<_, Option<i64>>(2)?.is_some(),
                        })
                    })
                    .optional()
                    .map_err(internal)?;
                Ok(SetupState { admin_exists: admin_exists(conn)?, wizard })
            })
            .await
    }

    async fn setup_admin_create(
        &self,
        username: &Username,
        password_hash: String,
        token_hash: String,
        now: i64,
    ) -> Result<User> {
        let username = username.as_str().to_owned();
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                if admin_exists(&tx)? {
                    return Err(Error::Conflict(ADMIN_EXISTS.into()));
                }
                tx.execute(
                    "INSERT INTO users (username, password_hash, role, disabled, created_at, updated_at, password_changed_at)
                     VALUES (?1, ?2, ?3, 0, ?4, ?4, ?4)",
                    (&username, &password_hash, Role::Admin.as_str(), now),
                )
                .map_err(|e| map_unique(e, "username is taken"))?;
                let id = tx.last_insert_rowid();
                tx.execute(
                    "INSERT OR REPLACE INTO setup_wizard (id, admin_id, token_hash, created_at, completed_at)
                     VALUES (1, ?1, ?2, ?3, NULL)",
                    (id, token_hash, now),
                )
                .map_err(internal)?;
                let user = tx
                    .query_row(&format!("SELECT {} FROM users WHERE id = ?1", super::users::COLUMNS), [id], |r| {
                        super::users::user_at(r, 0)
                    })
                    .map_err(internal)?;
                tx.commit().map_err(internal)?;
                Ok(user)
            })
            .await
    }

    async fn setup_complete(&self, token_hash: String, now: i64) -> Result<bool> {
        self.pool
            .write(move |conn| {
                let changed = conn
                    .execute(
                        "UPDATE setup_wizard SET completed_at = ?2, token_hash = NULL
                         WHERE id = 1 AND completed_at IS NULL AND token_hash = ?1",
                        (token_hash, now),
                    )
                    .map_err(internal)?;
                Ok(changed == 1)
            })
            .await
    }

    async fn backup_settings_get(&self) -> Result<Option<BackupSettings>> {
        self.pool
            .run(|conn| {
                conn.query_row("SELECT dir, daily_at FROM backup_settings WHERE id = 1", [], |r| {
                    Ok(BackupSettings { dir: PathBuf::from(r.get::<_, String>(0)?), daily_at: r.get(1)? })
                })
                .optional()
                .map_err(internal)
            })
            .await
    }

    async fn backup_settings_put(&self, settings: BackupSettings, now: i64) -> Result<()> {
        let dir = settings.dir.to_str().ok_or_else(|| Error::invalid("dir", "must be valid UTF-8"))?.to_owned();
        self.pool
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO backup_settings (id, dir, daily_at, updated_at) VALUES (1, ?1, ?2, ?3)
                     ON CONFLICT (id) DO UPDATE SET dir = excluded.dir, daily_at = excluded.daily_at,
                                                    updated_at = excluded.updated_at",
                    (dir, settings.daily_at, now),
                )
                .map_err(internal)?;
                Ok(())
            })
            .await
    }
}
