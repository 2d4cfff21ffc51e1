//! SQL for the site settings (a single row).

use async_trait::async_trait;

use super::{SqliteStore, internal};
use crate::domain::error::{Error, Result};
use crate::domain::site::{Site, Units};
use crate::domain::time::Timestamp;

#[derive(Debug, Default)]
pub struct SiteChange {
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub units: Option<Units>,
}

#[async_trait]
pub trait SiteStore {
    async fn site_get(&self) -> Result<Site>;
    async fn site_update(&self, change: SiteChange, now: i64) -> Result<Site>;
}

pub(crate) fn get(conn: &rusqlite::Connection) -> Result<Site> {
    conn.query_row("SELECT name, timezone, units, updated_at FROM site WHERE id = 1", [], |r| {
        let units: String = r.get(2)?;
        Ok(Site {
            name: r.get(0)?,
            timezone: r.get(1)?,
            units: Units::from_db(&units).unwrap_or(Units::Metric),
            updated_at: Timestamp(r.get(3)?),
        })
    })
    .map_err(|e| match e {
        rusqlite::Error::QueryReturnedNoRows => Error::NotFound("site"),
        e => internal(e),
    })
}

#[async_trait]
impl SiteStore for SqliteStore {
    async fn site_get(&self) -> Result<Site> {
        self.pool.run(|conn| get(conn)).await
    }

    async fn site_update(&self, change: SiteChange, now: i64) -> Result<Site> {
        self.pool
            .write(move |conn| {
                conn.execute(
                    "UPDATE site SET name = COALESCE(?1, name), timezone = COALESCE(?2, timezone),
                            units = COALESCE(?3, units), updated_at = ?4 WHERE id = 1",
                    (change.name, change.timezone, change.units.map(Units::as_str), now),
                )
                .map_err(internal)?;
                get(conn)
            })
            .await
    }
}
