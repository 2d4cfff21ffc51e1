//! SQL for the dashboard overview: a fixed number of statements however many nodes exist.

use async_trait::async_trait;

use super::{SqliteStore, internal};
use crate::domain::dashboard::DashboardState;
use crate::domain::error::Result;

#[async_trait]
pub trait DashboardStore {
    async fn dashboard_state(&self, now: i64) -> Result<DashboardState>;
}

#[async_trait]
impl DashboardStore for SqliteStore {
    async fn dashboard_state(&self, now: i64) -> Result<DashboardState> {
        self.pool
            .run(move |conn| {
                // One read transaction: the four statements see the same snapshot.
                let tx = conn.transaction().map_err(internal)?;
                let site = super::site::get(&tx)?;
                let nodes = {
                    let mut stmt = tx
                        .prepare_cached(&format!("SELECT {} FROM nodes ORDER BY id", super::nodes::NODE_COLUMNS))
                        .map_err(internal)?;
                    let rows = stmt.query_map([], |r| super::nodes::node_from_row(r, now)).map_err(internal)?;
                    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)?
                };
                let sensors = super::sensors::list(&tx, None)?;
                let outputs = {
                    let mut stmt = tx
                        .prepare_cached(&format!(
                            "SELECT {}, {} FROM outputs o
                             LEFT JOIN commands c ON c.id = (SELECT MAX(id) FROM commands WHERE output_id = o.id)
                             WHERE o.removed_at IS NULL ORDER BY o.id",
                            super::outputs::COLUMNS,
                            super::commands::COLUMNS
                        ))
                        .map_err(internal)?;
                    let rows = stmt
                        .query_map([], |r| {
                            let output = super::outputs::output_from_row(r)?;
                            let command = match r.get::<_, Option<i64>>(9)? {
                                Some(_) => Some(super::commands::command_at(r, 9)?),
                                None => None,
                            };
                            Ok((output, command))
                        })
                        .map_err(internal)?;
                    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)?
                };
                tx.finish().map_err(internal)?;
                Ok(DashboardState::assemble(site, nodes, sensors, outputs, now))
            })
            .await
    }
}
