//! SQL for browser sessions. Only the digest of the cookie value is stored.

use async_trait::async_trait;
use rusqlite::OptionalExtension;

use super::users::user_at;
use super::{SqliteStore, internal};
use crate::domain::error::Result;
use crate::domain::users::User;

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: i64,
    pub user: User,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

#[async_trait]
pub trait SessionStore {
    async fn session_create(&self, user_id: i64, token_hash: String, now: i64, expires_at: i64) -> Result<i64>;
    async fn session_lookup(&self, token_hash: String) -> Result<Option<SessionRow>>;
    async fn session_touch(&self, id: i64, now: i64) -> Result<()>;
    async fn session_delete(&self, id: i64) -> Result<()>;
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn session_create(&self, user_id: i64, token_hash: String, now: i64, expires_at: i64) -> Result<i64> {
        self.pool
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?1, ?2, ?3, ?3, ?4)",
                    (user_id, token_hash, now, expires_at),
                )
                .map_err(internal)?;
                Ok(conn.last_insert_rowid())
            })
            .await
    }

    async fn session_lookup(&self, token_hash: String) -> Result<Option<SessionRow>> {
        self.pool
            .read_now(move |conn| {
                conn.prepare_cached(
                    "SELECT s.id, s.last_seen_at, s.expires_at, u.id, u.username, u.role, u.disabled, u.created_at, u.updated_at
                     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1",
                    // the user columns follow users::COLUMNS' order, read by users::user_at
                )?
                .query_row([&token_hash], |r| {
                    Ok(SessionRow { id: r.get(0)?, last_seen_at: r.get(1)?, expires_at: r.get(2)?, user: user_at(r, 3)? })
                })
                .optional()
            })
            .await
    }

    async fn session_touch(&self, id: i64, now: i64) -> Result<()> {
        self.pool
            .write(move |conn| {
                conn.execute("UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1", (id, now)).map_err(internal)?;
                Ok(())
            })
            .await
    }

    async fn session_delete(&self, id: i64) -> Result<()> {
        self.pool
            .write(move |conn| {
                conn.execute("DELETE FROM sessions WHERE id = ?1", [id]).map_err(internal)?;
                Ok(())
            })
            .await
    }
}
