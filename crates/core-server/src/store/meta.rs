//! Facts about the database itself, for health checks.

use async_trait::async_trait;

use super::{SqliteStore, internal, migrations};
use crate::domain::error::Result;

#[async_trait]
pub trait MetaStore {
    /// The highest applied migration; fails when the database cannot be read.
    async fn schema_version(&self) -> Result<i64>;
    /// Refuses further work and closes idle connections (at shutdown).
    fn close(&self);
    /// SQL statements executed so far, when the store was opened to count them.
    fn statements_executed(&self) -> Option<u64>;
}

#[async_trait]
impl MetaStore for SqliteStore {
    async fn schema_version(&self) -> Result<i64> {
        self.pool.run(|conn| migrations::schema_version(conn).map_err(internal)).await
    }

    fn close(&self) {
        self.pool.close();
    }

    fn statements_executed(&self) -> Option<u64> {
        self.pool.statements_executed()
    }
}
