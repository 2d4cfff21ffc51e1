//! SQL for users.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior};

use super::{SqliteStore, internal, map_unique};
use crate::domain::error::{Error, Result};
use crate::domain::time::Timestamp;
use crate::domain::users::{self, Role, User, UserChange, Username};

#[async_trait]
pub trait UserStore {
    async fn users_list(&self) -> Result<Vec<User>>;
    async fn user_get(&self, id: i64) -> Result<User>;
    /// The user and their password hash, for login.
    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>>;
    async fn user_password_hash(&self, id: i64) -> Result<String>;
    async fn user_create(&self, username: &Username, password_hash: String, role: Role, now: i64) -> Result<User>;
    /// Applies `change` unless it would leave no enabled admin. Disabling a user or changing
    /// their password ends all their sessions, in the same transaction.
    async fn user_update(&self, id: i64, change: UserChange, now: i64) -> Result<User>;
    async fn user_delete(&self, id: i64) -> Result<()>;
    async fn users_count(&self) -> Result<i64>;
}

pub(super) const COLUMNS: &str = "id, username, role, disabled, created_at, updated_at";

/// Reads the user columns (`COLUMNS`, in order) starting at column `at`.
pub(super) fn user_at(row: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    let role: String = row.get(at + 2)?;
    Ok(User {
        id: row.get(at)?,
        username: row.get(at + 1)?,
        role: Role::from_db(&role).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                at + 2,
                rusqlite::types::Type::Text,
                format!("unknown role {role}").into(),
            )
        })?,
        disabled: row.get(at + 3)?,
        created_at: Timestamp(row.get(at + 4)?),
        updated_at: Timestamp(row.get(at + 5)?),
    })
}

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    user_at(row, 0)
}

fn get(conn: &Connection, id: i64) -> Result<User> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM users WHERE id = ?1"), [id], user_from_row)
        .optional()
        .map_err(internal)?
        .ok_or(Error::NotFound("user"))
}

fn active_admins(conn: &Connection) -> Result<i64> {
    conn.query_row("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0", [], |r| r.get(0))
        .map_err(internal)
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn users_list(&self) -> Result<Vec<User>> {
        self.pool
            .run(|conn| {
                let mut stmt =
                    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM users ORDER BY id")).map_err(internal)?;
                let rows = stmt.query_map([], user_from_row).map_err(internal)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)
            })
            .await
    }

    async fn user_get(&self, id: i64) -> Result<User> {
        self.pool.run(move |conn| get(conn, id)).await
    }

    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        let username = username.to_owned();
        self.pool
            .run(move |conn| {
                conn.query_row(
                    &format!("SELECT {COLUMNS}, password_hash FROM users WHERE username = ?1"),
                    [username],
                    |row| Ok((user_from_row(row)?, row.get(6)?)),
                )
                .optional()
                .map_err(internal)
            })
            .await
    }

    async fn user_password_hash(&self, id: i64) -> Result<String> {
        self.pool
            .run(move |conn| {
                conn.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| r.get(0))
                    .optional()
                    .map_err(internal)?
                    .ok_or(Error::NotFound("user"))
            })
            .await
    }

    async fn user_create(&self, username: &Username, password_hash: String, role: Role, now: i64) -> Result<User> {
        let username = username.as_str().to_owned();
        self.pool
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO users (username, password_hash, role, disabled, created_at, updated_at, password_changed_at)
                     VALUES (?1, ?2, ?3, 0, ?4, ?4, ?4)",
                    (&username, &password_hash, role.as_str(), now),
                )
                .map_err(|e| map_unique(e, "username is taken"))?;
                get(conn, conn.last_insert_rowid())
            })
            .await
    }

    async fn user_update(&self, id: i64, change: UserChange, now: i64) -> Result<User> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let user = get(&tx, id)?;
                users::check_change_keeps_an_admin(&user, &change, active_admins(&tx)?)?;
                let role = change.role.unwrap_or(user.role);
                let disabled = change.disabled.unwrap_or(user.disabled);
                tx.execute(
                    "UPDATE users SET role = ?2, disabled = ?3, updated_at = ?4 WHERE id = ?1",
                    (id, role.as_str(), disabled, now),
                )
                .map_err(internal)?;
                if let Some(hash) = &change.password_hash {
                    tx.execute(
                        "UPDATE users SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1",
                        (id, hash, now),
                    )
                    .map_err(internal)?;
                }
                if change.password_hash.is_some() || (disabled && !user.disabled) {
                    tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id]).map_err(internal)?;
                }
                let updated = get(&tx, id)?;
                tx.commit().map_err(internal)?;
                Ok(updated)
            })
            .await
    }

    async fn user_delete(&self, id: i64) -> Result<()> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let user = get(&tx, id)?;
                users::check_delete_keeps_an_admin(&user, active_admins(&tx)?)?;
                tx.execute("DELETE FROM users WHERE id = ?1", [id]).map_err(internal)?;
                tx.commit().map_err(internal)
            })
            .await
    }

    async fn users_count(&self) -> Result<i64> {
        self.pool.run(|conn| conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0)).map_err(internal)).await
    }
}
