//! SQL for sensors.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior};

use super::nodes::{NewSensor, insert_sensor};
use super::{SqliteStore, internal, map_unique};
use crate::domain::error::{Error, Result};
use crate::domain::sensors::{Sensor, SensorKind};
use crate::domain::time::Timestamp;

#[derive(Debug, Default)]
pub struct SensorChange {
    pub name: Option<String>,
    pub unit: Option<String>,
    pub interval_s: Option<i64>,
    pub retention_days: Option<i64>,
}

#[async_trait]
pub trait SensorStore {
    /// Sensors not removed, optionally of one node, by id.
    async fn sensors_list(&self, node_id: Option<i64>) -> Result<Vec<Sensor>>;
    async fn sensor_get(&self, id: i64) -> Result<Sensor>;
    async fn sensor_create(&self, node_id: i64, new: NewSensor, now: i64) -> Result<Sensor>;
    async fn sensor_update(&self, id: i64, change: SensorChange, now: i64) -> Result<Sensor>;
    /// Removes the sensor from its node. Its history stays until retention deletes it, unless
    /// `purge`, which deletes readings and rollups at once. Returns the sensor as it was.
    async fn sensor_remove(&self, id: i64, purge: bool, now: i64) -> Result<Sensor>;
}

const COLUMNS: &str = "id, node_id, key, name, kind, unit, interval_s, retention_days, last_value, last_ts";

pub(crate) fn sensor_from_row(r: &Row<'_>) -> rusqlite::Result<Sensor> {
    let kind: String = r.get(4)?;
    Ok(Sensor {
        id: r.get(0)?,
        node_id: r.get(1)?,
        key: r.get(2)?,
        name: r.get(3)?,
        kind: SensorKind::from_db(&kind).unwrap_or(SensorKind::Generic),
        unit: r.get(5)?,
        interval_s: r.get(6)?,
        retention_days: r.get(7)?,
        last_value: r.get(8)?,
        last_ts: r.get::<_, Option<i64>>(9)?.map(Timestamp),
    })
}

pub(crate) fn list(conn: &Connection, node_id: Option<i64>) -> Result<Vec<Sensor>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM sensors WHERE removed_at IS NULL AND (?1 IS NULL OR node_id = ?1) ORDER BY id"
        ))
        .map_err(internal)?;
    let rows = stmt.query_map([node_id], sensor_from_row).map_err(internal)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)
}

fn get(conn: &Connection, id: i64) -> Result<Sensor> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM sensors WHERE id = ?1 AND removed_at IS NULL"),
        [id],
        sensor_from_row,
    )
    .optional()
    .map_err(internal)?
    .ok_or(Error::NotFound("sensor"))
}

/// The node must exist and not be retired to gain sensors or outputs.
pub(crate) fn check_node_active(conn: &Connection, node_id: i64) -> Result<()> {
    let retired: Option<Option<i64>> = conn
        .query_row("SELECT retired_at FROM nodes WHERE id = ?1", [node_id], |r| r.get(0))
        .optional()
        .map_err(internal)?;
    match retired {
        None => Err(Error::NotFound("node")),
        Some(Some(_)) => Err(Error::Conflict("node is retired".into())),
        Some(None) => Ok(()),
    }
}

#[async_trait]
impl SensorStore for SqliteStore {
    async fn sensors_list(&self, node_id: Option<i64>) -> Result<Vec<Sensor>> {
        self.pool.run(move |conn| list(conn, node_id)).await
    }

    async fn sensor_get(&self, id: i64) -> Result<Sensor> {
        self.pool.run(move |conn| get(conn, id)).await
    }

    async fn sensor_create(&self, node_id: i64, new: NewSensor, now: i64) -> Result<Sensor> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                check_node_active(&tx, node_id)?;
                let id = insert_sensor(&tx, node_id, &new, now)?;
                let sensor = get(&tx, id)?;
                tx.commit().map_err(internal)?;
                Ok(sensor)
            })
            .await
    }

    async fn sensor_update(&self, id: i64, change: SensorChange, now: i64) -> Result<Sensor> {
        self.pool
            .write(move |conn| {
                let changed = conn
                    .execute(
                        "UPDATE sensors SET name = COALESCE(?2, name), unit = COALESCE(?3, unit),
                                interval_s = COALESCE(?4, interval_s), retention_days = COALESCE(?5, retention_days),
                                updated_at = ?6
                         WHERE id = ?1 AND removed_at IS NULL",
                        (id, change.name, change.unit, change.interval_s, change.retention_days, now),
                    )
                    .map_err(|e| map_unique(e, "sensor conflict"))?;
                if changed == 0 {
                    return Err(Error::NotFound("sensor"));
                }
                get(conn, id)
            })
            .await
    }

    async fn sensor_remove(&self, id: i64, purge: bool, now: i64) -> Result<Sensor> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let sensor = get(&tx, id)?;
                if purge {
                    tx.execute("DELETE FROM metrics WHERE sensor_id = ?1", [id]).map_err(internal)?;
                    tx.execute("DELETE FROM metrics_hourly WHERE sensor_id = ?1", [id]).map_err(internal)?;
                    tx.execute("DELETE FROM sensors WHERE id = ?1", [id]).map_err(internal)?;
                } else {
                    tx.execute("UPDATE sensors SET removed_at = ?2, updated_at = ?2 WHERE id = ?1", (id, now))
                        .map_err(internal)?;
                }
                tx.commit().map_err(internal)?;
                Ok(sensor)
            })
            .await
    }
}
