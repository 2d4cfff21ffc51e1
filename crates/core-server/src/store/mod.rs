//! Persistence. Each resource area is a trait (so a PostgreSQL implementation can sit beside
//! SQLite without touching handlers); `SqliteStore` implements them all. Nothing outside this
//! module writes SQL.

pub mod adoption;
pub mod api_tokens;
pub mod backups;
pub mod commands;
pub mod dashboard;
pub mod meta;
pub mod metrics;
pub mod migrations;
pub mod nodes;
pub mod outputs;
pub mod pool;
pub mod schedules;
pub mod sensors;
pub mod sessions;
pub mod setup;
pub mod site;
pub mod users;

use std::path::Path;

pub use adoption::AdoptionStore;
pub use api_tokens::{ApiTokenStore, NewApiToken};
pub use backups::BackupStore;
pub use commands::CommandStore;
pub use dashboard::DashboardStore;
pub use meta::MetaStore;
pub use metrics::MetricStore;
pub use nodes::NodeStore;
pub use outputs::OutputStore;
pub use pool::Pool;
pub use schedules::ScheduleStore;
pub use sensors::SensorStore;
pub use sessions::{SessionRow, SessionStore};
pub use setup::SetupStore;
pub use site::SiteStore;
pub use users::UserStore;

use crate::domain::Error;

/// Everything the server needs from storage.
pub trait Store:
    UserStore
    + SessionStore
    + ApiTokenStore
    + MetaStore
    + SiteStore
    + NodeStore
    + SensorStore
    + OutputStore
    + CommandStore
    + MetricStore
    + DashboardStore
    + ScheduleStore
    + BackupStore
    + AdoptionStore
    + SetupStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: UserStore
        + SessionStore
        + ApiTokenStore
        + MetaStore
        + SiteStore
        + NodeStore
        + SensorStore
        + OutputStore
        + CommandStore
        + MetricStore
        + DashboardStore
        + ScheduleStore
        + BackupStore
        + AdoptionStore
        + SetupStore
        + Send
        + Sync
        + 'static
{
}

/// SQLite through a small pool of connections used on blocking threads.
pub struct SqliteStore {
    pool: Pool,
    /// Started on first use, inside the runtime.
    ingest: std::sync::OnceLock<metrics::IngestQueue>,
}

impl SqliteStore {
    /// Opens the database (creating its folder), applies pending migrations and opens the pool.
    pub fn open(path: &Path, now_ms: i64) -> anyhow::Result<Self> {
        Self::open_with(path, now_ms, false)
    }

    /// Like `open`; `count_statements` makes `MetaStore::statements_executed` count.
    pub fn open_with(path: &Path, now_ms: i64, count_statements: bool) -> anyhow::Result<Self> {
        let mut conn = pool::open_connection(path)?;
        migrations::migrate(&mut conn, &migrations::embedded()?, now_ms)?;
        drop(conn);
        Ok(Self { pool: Pool::open(path, pool::DEFAULT_SIZE, count_statements)?, ingest: std::sync::OnceLock::new() })
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
