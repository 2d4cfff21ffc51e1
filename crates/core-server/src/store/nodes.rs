//! SQL for nodes, and for creating a node together with its declared sensors and outputs.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior};

use super::{SqliteStore, internal, map_unique};
use crate::domain::error::{Error, Result};
use crate::domain::nodes::{Node, node_status};
use crate::domain::outputs::Output;
use crate::domain::sensors::Sensor;
use crate::domain::time::Timestamp;

/// A sensor as declared at registration or added later.
#[derive(Debug, Clone)]
pub struct NewSensor {
    pub key: String,
    pub name: String,
    pub kind: crate::domain::sensors::SensorKind,
    pub unit: String,
    pub interval_s: i64,
    pub retention_days: i64,
}

#[derive(Debug, Clone)]
pub struct NewOutput {
    pub key: String,
    pub name: String,
    pub kind: crate::domain::outputs::OutputKind,
    pub default_state: i64,
}

#[derive(Debug, Clone)]
pub struct NewNode {
    pub name: String,
    pub mac: String,
    pub model: String,
    pub agent_version: String,
    pub heartbeat_interval_s: i64,
    pub token_hash: String,
    pub sensors: Vec<NewSensor>,
    pub outputs: Vec<NewOutput>,
}

#[derive(Debug, Default)]
pub struct NodeChange {
    pub name: Option<String>,
    pub heartbeat_interval_s: Option<i64>,
}

/// The node a bearer token belongs to.
#[derive(Debug, Clone)]
pub struct NodeIdentity {
    pub id: i64,
    pub name: String,
    pub retired: bool,
}

#[async_trait]
pub trait NodeStore {
    async fn nodes_list(&self, now: i64) -> Result<Vec<Node>>;
    async fn node_get(&self, id: i64, now: i64) -> Result<Node>;
    async fn node_create(&self, new: NewNode, now: i64) -> Result<(Node, Vec<Sensor>, Vec<Output>)>;
    async fn node_update(&self, id: i64, change: NodeChange, now: i64) -> Result<Node>;
    /// Retires the node: it stops counting as offline and its token stops working.
    async fn node_retire(&self, id: i64, now: i64) -> Result<Node>;
    async fn node_by_token(&self, token_hash: String) -> Result<Option<NodeIdentity>>;
}

pub(crate) const NODE_COLUMNS: &str = "id, name, mac, model, agent_version, ip, heartbeat_interval_s, uptime_s,
    adopted_at, last_seen_at, retired_at";

pub(crate) fn node_from_row(row: &Row<'_>, now: i64) -> rusqlite::Result<Node> {
    let interval: i64 = row.get(6)?;
    let last_seen: Option<i64> = row.get(9)?;
    let retired: Option<i64> = row.get(10)?;
    Ok(Node {
        id: row.get(0)?,
        name: row.get(1)?,
        mac: row.get(2)?,
        model: row.get(3)?,
        agent_version: row.get(4)?,
        ip: row.get(5)?,
        status: node_status(last_seen, interval, retired.is_some(), now),
        heartbeat_interval_s: interval,
        uptime_s: row.get(7)?,
        adopted_at: Timestamp(row.get(8)?),
        last_seen_at: last_seen.map(Timestamp),
        retired_at: retired.map(Timestamp),
    })
}

pub(crate) fn get(conn: &Connection, id: i64, now: i64) -> Result<Node> {
    conn.query_row(&format!("SELECT {NODE_COLUMNS} FROM nodes WHERE id = ?1"), [id], |r| node_from_row(r, now))
        .optional()
        .map_err(internal)?
        .ok_or(Error::NotFound("node"))
}

pub(crate) fn insert_sensor(conn: &Connection, node_id: i64, s: &NewSensor, now: i64) -> Result<i64> {
    conn.execute(
        "INSERT INTO sensors (node_id, key, name, kind, unit, interval_s, retention_days, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        (node_id, &s.key, &s.name, s.kind.as_str(), &s.unit, s.interval_s, s.retention_days, now),
    )
    .map_err(|e| map_unique(e, &format!("sensor key '{}' is taken on this node", s.key)))?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn insert_output(conn: &Connection, node_id: i64, o: &NewOutput, now: i64) -> Result<i64> {
    conn.execute(
        "INSERT INTO outputs (node_id, key, name, kind, default_state, desired_state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?6)",
        (node_id, &o.key, &o.name, o.kind.as_str(), o.default_state, now),
    )
    .map_err(|e| map_unique(e, &format!("output key '{}' is taken on this node", o.key)))?;
    Ok(conn.last_insert_rowid())
}

#[async_trait]
impl NodeStore for SqliteStore {
    async fn nodes_list(&self, now: i64) -> Result<Vec<Node>> {
        self.pool
            .run(move |conn| {
                let mut stmt =
                    conn.prepare_cached(&format!("SELECT {NODE_COLUMNS} FROM nodes ORDER BY id")).map_err(internal)?;
                let rows = stmt.query_map([], |r| node_from_row(r, now)).map_err(internal)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)
            })
            .await
    }

    async fn node_get(&self, id: i64, now: i64) -> Result<Node> {
        self.pool.run(move |conn| get(conn, id, now)).await
    }

    async fn node_create(&self, new: NewNode, now: i64) -> Result<(Node, Vec<Sensor>, Vec<Output>)> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let taken = |e: rusqlite::Error| {
                    let msg = e.to_string();
                    let what =
                        if msg.contains("nodes.mac") { "a node with this MAC exists" } else { "node name is taken" };
                    map_unique(e, what)
                };
                tx.execute(
                    "INSERT INTO nodes (name, mac, model, agent_version, heartbeat_interval_s, token_hash, adopted_at,
                                        created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)",
                    (
                        &new.name,
                        &new.mac,
                        &new.model,
                        &new.agent_version,
                        new.heartbeat_interval_s,
                        &new.token_hash,
                        now,
                    ),
                )
                .map_err(taken)?;
                let node_id = tx.last_insert_rowid();
                for s in &new.sensors {
                    insert_sensor(&tx, node_id, s, now)?;
                }
                for o in &new.outputs {
                    insert_output(&tx, node_id, o, now)?;
                }
                let node = get(&tx, node_id, now)?;
                let sensors = super::sensors::list(&tx, Some(node_id))?;
                let outputs = super::outputs::list(&tx, Some(node_id))?;
                tx.commit().map_err(internal)?;
                Ok((node, sensors, outputs))
            })
            .await
    }

    async fn node_update(&self, id: i64, change: NodeChange, now: i64) -> Result<Node> {
        self.pool
            .write(move |conn| {
                let changed = conn
                    .execute(
                        "UPDATE nodes SET name = COALESCE(?2, name),
                                heartbeat_interval_s = COALESCE(?3, heartbeat_interval_s), updated_at = ?4
                         WHERE id = ?1",
                        (id, &change.name, change.heartbeat_interval_s, now),
                    )
                    .map_err(|e| map_unique(e, "node name is taken"))?;
                if changed == 0 {
                    return Err(Error::NotFound("node"));
                }
                get(conn, id, now)
            })
            .await
    }

    async fn node_retire(&self, id: i64, now: i64) -> Result<Node> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let node = get(&tx, id, now)?;
                if node.retired_at.is_some() {
                    return Err(Error::Conflict("node is already retired".into()));
                }
                // A fresh random digest nobody holds the secret for: the old token stops working.
                let revoked = format!("retired:{}", crate::auth::secrets::random_secret());
                tx.execute(
                    "UPDATE nodes SET retired_at = ?2, token_hash = ?3, updated_at = ?2 WHERE id = ?1",
                    (id, now, revoked),
                )
                .map_err(internal)?;
                tx.execute(
                    "UPDATE commands SET status = 'expired', finished_at = ?2, error = 'node retired'
                     WHERE node_id = ?1 AND status IN ('queued', 'delivered')",
                    (id, now),
                )
                .map_err(internal)?;
                let node = get(&tx, id, now)?;
                tx.commit().map_err(internal)?;
                Ok(node)
            })
            .await
    }

    async fn node_by_token(&self, token_hash: String) -> Result<Option<NodeIdentity>> {
        self.pool
            .read_now(move |conn| {
                conn.prepare_cached("SELECT id, name, retired_at FROM nodes WHERE token_hash = ?1")?
                    .query_row([&token_hash], |r| {
                        Ok(NodeIdentity {
                            id: r.get(0)?,
                            name: r.get(1)?,
                            retired: r.get::<_, Option<i64>>(2)?.is_some(),
                        })
                    })
                    .optional()
            })
            .await
    }
}
