//! SQL for outputs.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior};

use super::nodes::{NewOutput, insert_output};
use super::sensors::check_node_active;
use super::{SqliteStore, internal};
use crate::domain::error::{Error, Result};
use crate::domain::outputs::{Output, OutputKind};
use crate::domain::time::Timestamp;

#[derive(Debug, Default)]
pub struct OutputChange {
    pub name: Option<String>,
    pub default_state: Option<i64>,
}

#[async_trait]
pub trait OutputStore {
    async fn outputs_list(&self, node_id: Option<i64>) -> Result<Vec<Output>>;
    async fn output_get(&self, id: i64) -> Result<Output>;
    async fn output_create(&self, node_id: i64, new: NewOutput, now: i64) -> Result<Output>;
    async fn output_update(&self, id: i64, change: OutputChange, now: i64) -> Result<Output>;
    /// Removes the output from its node; its command history stays. Returns the output as it was.
    async fn output_remove(&self, id: i64, now: i64) -> Result<Output>;
}

pub(crate) const COLUMNS: &str =
    "o.id, o.node_id, o.key, o.name, o.kind, o.default_state, o.desired_state, o.reported_state, o.reported_at";

pub(crate) fn output_from_row(r: &Row<'_>) -> rusqlite::Result<Output> {
    let kind: String = r.get(4)?;
    Ok(Output {
        id: r.get(0)?,
        node_id: r.get(1)?,
        key: r.get(2)?,
        name: r.get(3)?,
        kind: OutputKind::from_db(&kind).unwrap_or(OutputKind::Relay),
        default_state: r.get(5)?,
        desired_state: r.get(6)?,
        reported_state: r.get(7)?,
        reported_at: r.get::<_, Option<i64>>(8)?.map(Timestamp),
    })
}

pub(crate) fn list(conn: &Connection, node_id: Option<i64>) -> Result<Vec<Output>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outputs o WHERE o.removed_at IS NULL AND (?1 IS NULL OR o.node_id = ?1) ORDER BY o.id"
        ))
        .map_err(internal)?;
    let rows = stmt.query_map([node_id], output_from_row).map_err(internal)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)
}

pub(crate) fn get(conn: &Connection, id: i64) -> Result<Output> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM outputs o WHERE o.id = ?1 AND o.removed_at IS NULL"),
        [id],
        output_from_row,
    )
    .optional()
    .map_err(internal)?
    .ok_or(Error::NotFound("output"))
}

#[async_trait]
impl OutputStore for SqliteStore {
    async fn outputs_list(&self, node_id: Option<i64>) -> Result<Vec<Output>> {
        self.pool.run(move |conn| list(conn, node_id)).await
    }

    async fn output_get(&self, id: i64) -> Result<Output> {
        self.pool.run(move |conn| get(conn, id)).await
    }

    async fn output_create(&self, node_id: i64, new: NewOutput, now: i64) -> Result<Output> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                check_node_active(&tx, node_id)?;
                let id = insert_output(&tx, node_id, &new, now)?;
                let output = get(&tx, id)?;
                tx.commit().map_err(internal)?;
                Ok(output)
            })
            .await
    }

    async fn output_update(&self, id: i64, change: OutputChange, now: i64) -> Result<Output> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let output = get(&tx, id)?;
                if let Some(state) = change.default_state {
                    output.kind.check_state("default_state", state)?;
                }
                tx.execute(
                    "UPDATE outputs SET name = COALESCE(?2, name), default_state = COALESCE(?3, default_state),
                            updated_at = ?4 WHERE id = ?1",
                    (id, change.name, change.default_state, now),
                )
                .map_err(internal)?;
                let output = get(&tx, id)?;
                tx.commit().map_err(internal)?;
                Ok(output)
            })
            .await
    }

    async fn output_remove(&self, id: i64, now: i64) -> Result<Output> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let output = get(&tx, id)?;
                tx.execute("UPDATE outputs SET removed_at = ?2, updated_at = ?2 WHERE id = ?1", (id, now))
                    .map_err(internal)?;
                tx.execute(
                    "UPDATE commands SET status = 'expired', finished_at = ?2, error = 'output removed'
                     WHERE output_id = ?1 AND status IN ('queued', 'delivered')",
                    (id, now),
                )
                .map_err(internal)?;
                tx.commit().map_err(internal)?;
                Ok(output)
            })
            .await
    }
}
