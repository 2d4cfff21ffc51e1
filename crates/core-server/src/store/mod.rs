//! Persistence. Each resource area is a trait (so a PostgreSQL implementation can sit beside
//! SQLite without touching handlers); `SqliteStore` implements them all. Nothing outside this
//! module writes SQL.

pub mod api_tokens;
pub mod meta;
pub mod migrations;
pub mod pool;
pub mod sessions;
pub mod users;

use std::path::Path;

pub use api_tokens::{ApiTokenStore, NewApiToken};
pub use meta::MetaStore;
pub use pool::Pool;
pub use sessions::{SessionRow, SessionStore};
pub use users::UserStore;

use crate::domain::Error;

/// Everything the server needs from storage.
pub trait Store: UserStore + SessionStore + ApiTokenStore + MetaStore + Send + Sync + 'static {}

impl<T: UserStore + SessionStore + ApiTokenStore + MetaStore + Send + Sync + 'static> Store for T {}

/// SQLite through a small pool of connections used on blocking threads.
pub struct SqliteStore {
    pool: Pool,
}

impl SqliteStore {
    /// Opens the database (creating its folder), applies pending migrations and opens the pool.
    pub fn open(path: &Path, now_ms: i64) -> anyhow::Result<Self> {
        let mut conn = pool::open_connection(path)?;
        migrations::migrate(&mut conn, &migrations::embedded()?, now_ms)?;
        drop(conn);
        Ok(Self { pool: Pool::open(path, pool::DEFAULT_SIZE)? })
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }
}

/// Maps a SQLite error to the domain: unique-constraint violations are conflicts, described by
/// `what` ("username is taken"); everything else is internal.
pub(crate) fn map_unique(err: rusqlite::Error, what: &str) -> Error {
    match &err {
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            Error::Conflict(what.to_owned())
        }
        _ => internal(err),
    }
}

pub(crate) fn internal(err: impl Into<anyhow::Error>) -> Error {
    Error::Internal(err.into())
}
