//! SQL for output commands and the node side of their lifecycle: delivery, acknowledgement,
//! expiry, and heartbeats that reconcile reported states with desired ones.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior};

use super::{SqliteStore, internal};
use crate::domain::error::{Error, FieldError, Result};
use crate::domain::nodes::{Node, NodeStatus};
use crate::domain::outputs::{Ack, COMMAND_TTL_MS, Command, CommandSource, CommandStatus, Output, Requester};
use crate::domain::time::Timestamp;

/// One requested state change; `field` names it in validation errors (`commands[2]`).
#[derive(Debug, Clone)]
pub struct CommandRequest {
    pub field: String,
    pub output_id: i64,
    pub state: i64,
}

/// What a command request changed: the new commands, the ones they superseded, the outputs.
#[derive(Debug, Default)]
pub struct Issued {
    pub commands: Vec<Command>,
    pub superseded: Vec<Command>,
    pub outputs: Vec<Output>,
}

#[derive(Debug, Clone)]
pub struct ReportedOutput {
    pub key: String,
    pub state: i64,
}

#[derive(Debug, Clone)]
pub struct Heartbeat {
    pub agent_version: Option<String>,
    pub uptime_s: Option<i64>,
    pub ip: Option<String>,
    pub outputs: Vec<ReportedOutput>,
}

#[derive(Debug)]
pub struct HeartbeatOutcome {
    pub node: Node,
    pub previous_status: NodeStatus,
    pub outputs: Vec<Output>,
    /// Commands issued because a reported state differed from the desired one.
    pub reconciliation: Vec<Command>,
    pub expired: Vec<Command>,
}

#[derive(Debug)]
pub struct Page {
    pub items: Vec<Command>,
    pub next_cursor: Option<i64>,
}

#[async_trait]
pub trait CommandStore {
    /// Sets desired states and queues one command per request, all or nothing. An open command
    /// for the same output is superseded (expired).
    async fn commands_issue(&self, requests: Vec<CommandRequest>, by: Requester, now: i64) -> Result<Issued>;
    /// Newest first; `cursor` is the last id of the previous page.
    async fn commands_list(&self, output_id: Option<i64>, limit: i64, cursor: Option<i64>) -> Result<Page>;
    /// The node's queued commands, marked delivered.
    async fn node_commands_take(&self, node_id: i64, now: i64) -> Result<(Vec<Command>, Vec<Command>)>;
    async fn command_ack(&self, node_id: i64, command_id: i64, ack: Ack, now: i64) -> Result<(Command, Output)>;
    /// Expires commands past their time to live, everywhere.
    async fn commands_expire(&self, now: i64) -> Result<Vec<Command>>;
    async fn node_heartbeat(&self, node_id: i64, beat: Heartbeat, now: i64) -> Result<HeartbeatOutcome>;
}

pub(crate) const COLUMNS: &str = "c.id, c.output_id, c.node_id, o.key, c.state, c.source, c.requested_by, c.status,
    c.created_at, c.delivered_at, c.finished_at, c.error";

/// Reads the command columns (`COLUMNS`, in order) starting at column `at`.
pub(crate) fn command_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Command> {
    let source: String = r.get(at + 5)?;
    let status: String = r.get(at + 7)?;
    Ok(Command {
        id: r.get(at)?,
        output_id: r.get(at + 1)?,
        node_id: r.get(at + 2)?,
        output_key: r.get(at + 3)?,
        state: r.get(at + 4)?,
        source: CommandSource::from_db(&source).unwrap_or(CommandSource::User),
        requested_by: r.get(at + 6)?,
        status: CommandStatus::from_db(&status).unwrap_or(CommandStatus::Expired),
        created_at: Timestamp(r.get(at + 8)?),
        delivered_at: r.get::<_, Option<i64>>(at + 9)?.map(Timestamp),
        finished_at: r.get::<_, Option<i64>>(at + 10)?.map(Timestamp),
        error: r.get(at + 11)?,
    })
}

pub(crate) fn command_from_row(r: &Row<'_>) -> rusqlite::Result<Command> {
    command_at(r, 0)
}

fn get(conn: &Connection, id: i64) -> Result<Command> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM commands c JOIN outputs o ON o.id = c.output_id WHERE c.id = ?1"),
        [id],
        command_from_row,
    )
    .optional()
    .map_err(internal)?
    .ok_or(Error::NotFound("command"))
}

fn by_ids(conn: &Connection, ids: &[i64]) -> Result<Vec<Command>> {
    ids.iter().map(|&id| get(conn, id)).collect()
}

/// Expires open commands past their time to live (of one node, or all), returning them.
fn expire(conn: &Connection, node_id: Option<i64>, now: i64) -> Result<Vec<Command>> {
    let cutoff = now - COMMAND_TTL_MS;
    let mut stmt = conn
        .prepare_cached(
            "UPDATE commands SET status = 'expired', finished_at = ?1,
                    error = CASE status WHEN 'queued' THEN 'not delivered within 60 s'
                                        ELSE 'not acknowledged within 60 s' END
             WHERE (?2 IS NULL OR node_id = ?2)
               AND ((status = 'queued' AND created_at <= ?3) OR (status = 'delivered' AND delivered_at <= ?3))
             RETURNING id",
        )
        .map_err(internal)?;
    let ids = stmt
        .query_map((now, node_id, cutoff), |r| r.get(0))
        .map_err(internal)?
        .collect::<rusqlite::Result<Vec<i64>>>()
        .map_err(internal)?;
    by_ids(conn, &ids)
}

/// Queues a command for `output`, superseding any open one. Returns (new, superseded ids).
fn queue(conn: &Connection, output: &Output, state: i64, by: &Requester, now: i64) -> Result<(i64, Vec<i64>)> {
    let mut stmt = conn
        .prepare_cached(
            "UPDATE commands SET status = 'expired', finished_at = ?2, error = 'superseded by a newer command'
             WHERE output_id = ?1 AND status IN ('queued', 'delivered') RETURNING id",
        )
        .map_err(internal)?;
    let superseded = stmt
        .query_map((output.id, now), |r| r.get(0))
        .map_err(internal)?
        .collect::<rusqlite::Result<Vec<i64>>>()
        .map_err(internal)?;
    conn.execute(
        "INSERT INTO commands (output_id, node_id, state, source, requested_by, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6)",
        (output.id, output.node_id, state, by.source.as_str(), &by.name, now),
    )
    .map_err(internal)?;
    Ok((conn.last_insert_rowid(), superseded))
}

fn node_is_retired(conn: &Connection, node_id: i64) -> Result<bool> {
    conn.query_row("SELECT retired_at IS NOT NULL FROM nodes WHERE id = ?1", [node_id], |r| r.get(0)).map_err(internal)
}

/// Validates and queues command requests inside the caller's transaction (API requests and the
/// schedule engine share it): all or nothing, an open command for the same output superseded.
pub(crate) fn issue_in(conn: &Connection, requests: Vec<CommandRequest>, by: &Requester, now: i64) -> Result<Issued> {
    let mut problems = Vec::new();
    let mut targets = Vec::new();
    for req in &requests {
        match super::outputs::get(conn, req.output_id) {
            Err(Error::NotFound(_)) => {
                problems.push(FieldError::new(format!("{}output_id", req.field), "no such output"));
            }
            Err(e) => return Err(e),
            Ok(output) => match output.kind.check_state(&format!("{}state", req.field), req.state) {
                Err(Error::Validation(mut p)) => problems.append(&mut p),
                Err(e) => return Err(e),
                Ok(_) => targets.push((output, req.state)),
            },
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut new_ids = Vec::new();
    let mut superseded_ids = Vec::new();
    let mut output_ids = Vec::new();
    for (output, state) in &targets {
        if node_is_retired(conn, output.node_id)? {
            return Err(Error::Conflict(format!("output {} belongs to a retired node", output.id)));
        }
        conn.execute("UPDATE outputs SET desired_state = ?2, updated_at = ?3 WHERE id = ?1", (output.id, state, now))
            .map_err(internal)?;
        let (id, mut superseded) = queue(conn, output, *state, by, now)?;
        new_ids.push(id);
        superseded_ids.append(&mut superseded);
        output_ids.push(output.id);
    }
    let issued = Issued {
        commands: by_ids(conn, &new_ids)?,
        superseded: by_ids(conn, &superseded_ids)?,
        outputs: output_ids.iter().map(|&id| super::outputs::get(conn, id)).collect::<Result<_>>()?,
    };
    Ok(issued)
}

#[async_trait]
impl CommandStore for SqliteStore {
    async fn commands_issue(&self, requests: Vec<CommandRequest>, by: Requester, now: i64) -> Result<Issued> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let issued = issue_in(&tx, requests, &by, now)?;
                tx.commit().map_err(internal)?;
                Ok(issued)
            })
            .await
    }

    async fn commands_list(&self, output_id: Option<i64>, limit: i64, cursor: Option<i64>) -> Result<Page> {
        self.pool
            .run(move |conn| {
                let mut stmt = conn
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM commands c JOIN outputs o ON o.id = c.output_id
                         WHERE (?1 IS NULL OR c.output_id = ?1) AND (?2 IS NULL OR c.id < ?2)
                         ORDER BY c.id DESC LIMIT ?3"
                    ))
                    .map_err(internal)?;
                let mut items = stmt
                    .query_map((output_id, cursor, limit + 1), command_from_row)
                    .map_err(internal)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(internal)?;
                let next_cursor = if items.len() as i64 > limit {
                    items.truncate(limit as usize);
                    items.last().map(|c| c.id)
                } else {
                    None
                };
                Ok(Page { items, next_cursor })
            })
            .await
    }

    async fn node_commands_take(&self, node_id: i64, now: i64) -> Result<(Vec<Command>, Vec<Command>)> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let expired = expire(&tx, Some(node_id), now)?;
                let mut stmt = tx
                    .prepare_cached(
                        "UPDATE commands SET status = 'delivered', delivered_at = ?2
                         WHERE node_id = ?1 AND status = 'queued' RETURNING id",
                    )
                    .map_err(internal)?;
                let mut ids = stmt
                    .query_map((node_id, now), |r| r.get(0))
                    .map_err(internal)?
                    .collect::<rusqlite::Result<Vec<i64>>>()
                    .map_err(internal)?;
                drop(stmt);
                ids.sort_unstable();
                let delivered = by_ids(&tx, &ids)?;
                tx.commit().map_err(internal)?;
                Ok((delivered, expired))
            })
            .await
    }

    async fn command_ack(&self, node_id: i64, command_id: i64, ack: Ack, now: i64) -> Result<(Command, Output)> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let command = get(&tx, command_id)?;
                if command.node_id != node_id {
                    return Err(Error::Forbidden("this command belongs to another node".into()));
                }
                if !command.status.is_open() {
                    return Err(Error::Conflict(format!("command is already {}", command.status.as_str())));
                }
                let output = super::outputs::get(&tx, command.output_id)?;
                let reported = match ack.reported_state {
                    Some(state) => Some(output.kind.check_state("reported_state", state)?),
                    None if ack.ok => Some(command.state),
                    None => None,
                };
                let (status, error) = if ack.ok {
                    ("confirmed", None)
                } else {
                    ("failed", Some(ack.error.unwrap_or_else(|| "the node reported a failure".into())))
                };
                tx.execute(
                    "UPDATE commands SET status = ?2, finished_at = ?3, error = ?4,
                            delivered_at = COALESCE(delivered_at, ?3) WHERE id = ?1",
                    (command_id, status, now, error),
                )
                .map_err(internal)?;
                if let Some(state) = reported {
                    tx.execute(
                        "UPDATE outputs SET reported_state = ?2, reported_at = ?3 WHERE id = ?1",
                        (output.id, state, now),
                    )
                    .map_err(internal)?;
                }
                let result = (get(&tx, command_id)?, super::outputs::get(&tx, output.id)?);
                tx.commit().map_err(internal)?;
                Ok(result)
            })
            .await
    }

    async fn commands_expire(&self, now: i64) -> Result<Vec<Command>> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let expired = expire(&tx, None, now)?;
                tx.commit().map_err(internal)?;
                Ok(expired)
            })
            .await
    }

    async fn node_heartbeat(&self, node_id: i64, beat: Heartbeat, now: i64) -> Result<HeartbeatOutcome> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let before = super::nodes::get(&tx, node_id, now)?;
                let expired = expire(&tx, Some(node_id), now)?;
                let outputs = super::outputs::list(&tx, Some(node_id))?;
                let mut problems = Vec::new();
                let mut reported = Vec::new();
                for (i, r) in beat.outputs.iter().enumerate() {
                    match outputs.iter().find(|o| o.key == r.key) {
                        None => problems.push(FieldError::new(format!("outputs[{i}].key"), format!("no output '{}' on this node", r.key))),
                        Some(o) => match o.kind.check_state(&format!("outputs[{i}].state"), r.state) {
                            Err(Error::Validation(mut p)) => problems.append(&mut p),
                            Err(e) => return Err(e),
                            Ok(state) => reported.push((o.clone(), state)),
                        },
                    }
                }
                if !problems.is_empty() {
                    return Err(Error::Validation(problems));
                }
                tx.execute(
                    "UPDATE nodes SET last_seen_at = ?2, agent_version = COALESCE(?3, agent_version),
                            uptime_s = COALESCE(?4, uptime_s), ip = COALESCE(?5, ip), updated_at = ?2 WHERE id = ?1",
                    (node_id, now, beat.agent_version, beat.uptime_s, beat.ip),
                )
                .map_err(internal)?;
                let by = Requester { source: CommandSource::Reconciliation, name: None };
                let mut changed = Vec::new();
                let mut reconciliation = Vec::new();
                for (output, state) in reported {
                    tx.execute("UPDATE outputs SET reported_state = ?2, reported_at = ?3 WHERE id = ?1", (output.id, state, now))
                        .map_err(internal)?;
                    let open: bool = tx
                        .query_row(
                            "SELECT EXISTS (SELECT 1 FROM commands WHERE output_id = ?1 AND status IN ('queued', 'delivered'))",
                            [output.id],
                            |r| r.get(0),
                        )
                        .map_err(internal)?;
                    if state != output.desired_state && !open {
                        let (id, _) = queue(&tx, &output, output.desired_state, &by, now)?;
                        reconciliation.push(id);
                    }
                    changed.push(output.id);
                }
                let outcome = HeartbeatOutcome {
                    node: super::nodes::get(&tx, node_id, now)?,
                    previous_status: before.status,
                    outputs: changed.iter().map(|&id| super::outputs::get(&tx, id)).collect::<Result<_>>()?,
                    reconciliation: by_ids(&tx, &reconciliation)?,
                    expired,
                };
                tx.commit().map_err(internal)?;
                Ok(outcome)
            })
            .await
    }
}
