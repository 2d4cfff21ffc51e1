//! SQL for API tokens. Only the digest of the secret is stored.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row};

use super::users::user_at;
use super::{SqliteStore, internal, map_unique};
use crate::auth::Capability;
use crate::domain::api_tokens::ApiToken;
use crate::domain::error::{Error, Result};
use crate::domain::time::Timestamp;
use crate::domain::users::User;

pub struct NewApiToken {
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub token_hash: String,
    pub capabilities: Vec<Capability>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

#[async_trait]
pub trait ApiTokenStore {
    async fn api_tokens_list(&self) -> Result<Vec<ApiToken>>;
    async fn api_token_create(&self, new: NewApiToken) -> Result<ApiToken>;
    /// The token and its owner, whatever their state; the caller decides what is still valid.
    async fn api_token_lookup(&self, token_hash: String) -> Result<Option<(ApiToken, User)>>;
    async fn api_token_touch(&self, id: i64, now: i64) -> Result<()>;
    /// Marks the token revoked; revoking twice keeps the first time.
    async fn api_token_revoke(&self, id: i64, now: i64) -> Result<()>;
}

const SELECT: &str = "SELECT t.id, t.name, t.prefix, t.user_id, u.username, t.capabilities, t.created_at, t.expires_at,
        t.last_used_at, t.revoked_at, u.id, u.username, u.role, u.disabled, u.created_at, u.updated_at
    FROM api_tokens t JOIN users u ON u.id = t.user_id";

fn token_from_row(row: &Row<'_>) -> rusqlite::Result<(ApiToken, User)> {
    let caps_json: String = row.get(5)?;
    let names: Vec<String> = serde_json::from_str(&caps_json)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, e.into()))?;
    // A capability this build no longer knows grants nothing.
    let capabilities = names.iter().filter_map(|n| Capability::parse(n)).collect();
    let token = ApiToken {
        id: row.get(0)?,
        name: row.get(1)?,
        prefix: row.get(2)?,
        user_id: row.get(3)?,
        username: row.get(4)?,
        capabilities,
        created_at: Timestamp(row.get(6)?),
        expires_at: row.get::<_, Option<i64>>(7)?.map(Timestamp),
        last_used_at: row.get::<_, Option<i64>>(8)?.map(Timestamp),
        revoked_at: row.get::<_, Option<i64>>(9)?.map(Timestamp),
    };
    Ok((token, user_at(row, 10)?))
}

fn get(conn: &Connection, id: i64) -> Result<ApiToken> {
    conn.query_row(&format!("{SELECT} WHERE t.id = ?1"), [id], token_from_row)
        .optional()
        .map_err(internal)?
        .map(|(t, _)| t)
        .ok_or(Error::NotFound("api token"))
}

#[async_trait]
impl ApiTokenStore for SqliteStore {
    async fn api_tokens_list(&self) -> Result<Vec<ApiToken>> {
        self.pool
            .run(|conn| {
                let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY t.id")).map_err(internal)?;
                let rows = stmt.query_map([], |r| token_from_row(r).map(|(t, _)| t)).map_err(internal)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)
            })
            .await
    }

    async fn api_token_create(&self, new: NewApiToken) -> Result<ApiToken> {
        self.pool
            .write(move |conn| {
                let names: Vec<&str> = new.capabilities.iter().map(|c| c.as_str()).collect();
                let caps_json = serde_json::to_string(&names).map_err(internal)?;
                conn.execute(
                    "INSERT INTO api_tokens (user_id, name, prefix, token_hash, capabilities, created_at, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    (new.user_id, &new.name, &new.prefix, &new.token_hash, caps_json, new.created_at, new.expires_at),
                )
                .map_err(|e| map_unique(e, "token collision; try again"))?;
                get(conn, conn.last_insert_rowid())
            })
            .await
    }

    async fn api_token_lookup(&self, token_hash: String) -> Result<Option<(ApiToken, User)>> {
        self.pool
            .read_now(move |conn| {
                conn.prepare_cached(&format!("{SELECT} WHERE t.token_hash = ?1"))?
                    .query_row([&token_hash], token_from_row)
                    .optional()
            })
            .await
    }

    async fn api_token_touch(&self, id: i64, now: i64) -> Result<()> {
        self.pool
            .write(move |conn| {
                conn.execute("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1", (id, now)).map_err(internal)?;
                Ok(())
            })
            .await
    }

    async fn api_token_revoke(&self, id: i64, now: i64) -> Result<()> {
        self.pool
            .write(move |conn| {
                let changed = conn
                    .execute("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1", (id, now))
                    .map_err(internal)?;
                if changed == 0 { Err(Error::NotFound("api token")) } else { Ok(()) }
            })
            .await
    }
}
