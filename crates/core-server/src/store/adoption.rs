//! SQL for adoption: announcements, single-use tokens, claims (new nodes and replacements),
//! and node bundles.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::nodes::{NewOutput, NewSensor, insert_output, insert_sensor};
use super::{SqliteStore, internal, map_unique};
use crate::domain::adoption::{
    AdoptionToken, BUNDLE_VERSION, BundleNode, BundleOutput, BundleSensor, CANDIDATE_TTL_MS, Candidate, NodeBundle,
};
use crate::domain::error::{Error, Result};
use crate::domain::outputs::{Command, CommandSource, Output, Requester};
use crate::domain::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Announce,
    Mdns,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Announce => "announce",
            Source::Mdns => "mdns",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Announcement {
    pub mac: String,
    pub model: String,
    pub agent_version: String,
    pub ip: Option<String>,
    pub source: Source,
}

#[derive(Debug, Clone)]
pub struct Claim {
    pub mac: String,
    pub token_hash: String,
    pub model: String,
    pub agent_version: String,
    pub sensors: Vec<NewSensor>,
    pub outputs: Vec<NewOutput>,
    /// Digest of the node token issued by this claim.
    pub node_token_hash: String,
    pub address: Option<String>,
}

#[derive(Debug)]
pub struct Claimed {
    pub node_id: i64,
    pub replaced: bool,
    pub bundle: NodeBundle,
    /// Commands bringing a replacement's outputs to their desired states.
    pub commands: Vec<Command>,
    pub outputs: Vec<Output>,
}

/// A request for an adoption token: a new node named `name`, or a replacement of `node_id`.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub mac: String,
    pub name: Option<String>,
    pub node_id: Option<i64>,
    pub token_hash: String,
    pub by: String,
    pub expires_at: i64,
}

#[async_trait]
pub trait AdoptionStore {
    async fn candidate_announce(&self, a: Announcement, now: i64) -> Result<()>;
    /// Announced within the last ten minutes and not adopted, newest first.
    async fn candidates_list(&self, now: i64) -> Result<Vec<Candidate>>;
    async fn adoption_token_create(&self, request: TokenRequest, now: i64) -> Result<AdoptionToken>;
    /// Redeems a token; every attempt is logged, failed ones too.
    async fn adoption_claim(&self, claim: Claim, now: i64) -> Result<Claimed>;
    async fn node_bundle(&self, node_id: i64) -> Result<NodeBundle>;
}

fn bundle(conn: &Connection, node_id: i64) -> Result<NodeBundle> {
    let (name, heartbeat_interval_s): (String, i64) = conn
        .query_row("SELECT name, heartbeat_interval_s FROM nodes WHERE id = ?1", [node_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .map_err(internal)?
        .ok_or(Error::NotFound("node"))?;
    let sensors = super::sensors::list(conn, Some(node_id))?
        .into_iter()
        .map(|s| BundleSensor {
            key: s.key,
            name: s.name,
            kind: s.kind,
            unit: s.unit,
            interval_s: s.interval_s,
            retention_days: s.retention_days,
        })
        .collect();
    let outputs = super::outputs::list(conn, Some(node_id))?;
    let output_ids: Vec<i64> = outputs.iter().map(|o| o.id).collect();
    let schedules = super::schedules::list(conn)?
        .into_iter()
        .filter(|s| s.output_states().any(|(o, _)| output_ids.contains(&o)))
        .collect();
    Ok(NodeBundle {
        version: BUNDLE_VERSION,
        node: BundleNode { name, heartbeat_interval_s },
        sensors,
        outputs: outputs
            .into_iter()
            .map(|o| BundleOutput {
                key: o.key,
                name: o.name,
                kind: o.kind,
                default_state: o.default_state,
                desired_state: o.desired_state,
            })
            .collect(),
        schedules,
    })
}

fn log_attempt(
    conn: &Connection,
    now: i64,
    mac: &str,
    token_id: Option<i64>,
    outcome: &str,
    address: &Option<String>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO adoption_attempts (at, mac, token_id, outcome, address) VALUES (?1, ?2, ?3, ?4, ?5)",
        (now, mac, token_id, outcome, address),
    )
    .map_err(internal)?;
    Ok(())
}

#[async_trait]
impl AdoptionStore for SqliteStore {
    async fn candidate_announce(&self, a: Announcement, now: i64) -> Result<()> {
        self.pool
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO adoption_candidates (mac, model, agent_version, ip, source, first_seen_at, last_seen_at)
                     VALUES (?1, ?2, ?3, ?4, ?6, ?5, ?5)
                     ON CONFLICT (mac) DO UPDATE SET model = excluded.model, agent_version = excluded.agent_version,
                         ip = excluded.ip, source = excluded.source, last_seen_at = excluded.last_seen_at",
                    (&a.mac, &a.model, &a.agent_version, &a.ip, now, a.source.as_str()),
                )
                .map_err(internal)?;
                Ok(())
            })
            .await
    }

    async fn candidates_list(&self, now: i64) -> Result<Vec<Candidate>> {
        self.pool
            .run(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT mac, model, agent_version, ip, source, first_seen_at, last_seen_at FROM adoption_candidates c
                         WHERE last_seen_at > ?1 AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.mac = c.mac)
                         ORDER BY last_seen_at DESC, mac",
                    )
                    .map_err(internal)?;
                let rows = stmt
                    .query_map([now - CANDIDATE_TTL_MS], |r| {
                        Ok(Candidate {
                            mac: r.get(0)?,
                            model: r.get(1)?,
                            agent_version: r.get(2)?,
                            ip: r.get(3)?,
                            source: r.get(4)?,
                            first_seen_at: Timestamp(r.get(5)?),
                            last_seen_at: Timestamp(r.get(6)?),
                        })
                    })
                    .map_err(internal)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)
            })
            .await
    }

    async fn adoption_token_create(&self, request: TokenRequest, now: i64) -> Result<AdoptionToken> {
        let TokenRequest { mac, name, node_id, token_hash, by, expires_at } = request;
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let mac_owner: Option<i64> = tx
                    .query_row("SELECT id FROM nodes WHERE mac = ?1", [&mac], |r| r.get(0))
                    .optional()
                    .map_err(internal)?;
                let name = match node_id {
                    Some(id) => {
                        let node = super::nodes::get(&tx, id, now)?;
                        if node.retired_at.is_some() {
                            return Err(Error::Conflict("node is retired".into()));
                        }
                        if mac_owner.is_some() {
                            return Err(Error::Conflict("a node with this MAC exists".into()));
                        }
                        node.name
                    }
                    None => {
                        let name = name.unwrap_or_default();
                        if mac_owner.is_some() {
                            return Err(Error::Conflict("a node with this MAC exists".into()));
                        }
                        let taken: bool = tx
                            .query_row("SELECT EXISTS (SELECT 1 FROM nodes WHERE name = ?1)", [&name], |r| r.get(0))
                            .map_err(internal)?;
                        if taken {
                            return Err(Error::Conflict("node name is taken".into()));
                        }
                        name
                    }
                };
                tx.execute(
                    "INSERT INTO adoption_tokens (mac, name, node_id, token_hash, created_by, created_at, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    (&mac, &name, node_id, &token_hash, &by, now, expires_at),
                )
                .map_err(|e| map_unique(e, "token collision; try again"))?;
                let token =
                    AdoptionToken { id: tx.last_insert_rowid(), mac, name, node_id, expires_at: Timestamp(expires_at) };
                tx.commit().map_err(internal)?;
                Ok(token)
            })
            .await
    }

    async fn adoption_claim(&self, claim: Claim, now: i64) -> Result<Claimed> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let token: Option<(i64, String, String, Option<i64>, i64, Option<i64>)> = tx
                    .query_row(
                        "SELECT id, mac, name, node_id, expires_at, used_at FROM adoption_tokens WHERE token_hash = ?1",
                        [&claim.token_hash],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
                    )
                    .optional()
                    .map_err(internal)?;
                // Refusals are logged and committed too: an operator can see who tried what.
                let refuse = |tx: rusqlite::Transaction<'_>, token_id, outcome, err: Error| -> Result<Claimed> {
                    log_attempt(&tx, now, &claim.mac, token_id, outcome, &claim.address)?;
                    tx.commit().map_err(internal)?;
                    Err(err)
                };
                let Some((token_id, mac, name, node_id, expires_at, used_at)) = token else {
                    return refuse(tx, None, "unknown_token", Error::Unauthenticated("unknown adoption token".into()));
                };
                if used_at.is_some() {
                    return refuse(tx, Some(token_id), "reused", Error::Conflict("this adoption token was already used".into()));
                }
                if mac != claim.mac {
                    return refuse(tx, Some(token_id), "wrong_mac", Error::Forbidden("this token belongs to another device".into()));
                }
                if now >= expires_at {
                    return refuse(tx, Some(token_id), "expired", Error::TokenExpired);
                }
                // The name or MAC may have been taken since the token was made: refuse, logged.
                let mac_owner: Option<i64> = tx
                    .query_row("SELECT id FROM nodes WHERE mac = ?1", [&mac], |r| r.get(0))
                    .optional()
                    .map_err(internal)?;
                if mac_owner.is_some_and(|owner| Some(owner) != node_id) {
                    return refuse(tx, Some(token_id), "mac_taken", Error::Conflict("a node with this MAC exists".into()));
                }
                if node_id.is_none() {
                    let taken: bool = tx
                        .query_row("SELECT EXISTS (SELECT 1 FROM nodes WHERE name = ?1)", [&name], |r| r.get(0))
                        .map_err(internal)?;
                    if taken {
                        return refuse(tx, Some(token_id), "name_taken", Error::Conflict("node name is taken".into()));
                    }
                }
                tx.execute("UPDATE adoption_tokens SET used_at = ?2 WHERE id = ?1", (token_id, now)).map_err(internal)?;
                tx.execute("DELETE FROM adoption_candidates WHERE mac = ?1", [&mac]).map_err(internal)?;
                let (node_id, replaced) = match node_id {
                    Some(node_id) => {
                        // The new device takes over the node; the old device's token stops working.
                        tx.execute(
                            "UPDATE nodes SET mac = ?2, token_hash = ?3, model = ?4, agent_version = ?5, ip = ?6,
                                    last_seen_at = NULL, adopted_at = ?7, updated_at = ?7 WHERE id = ?1",
                            (node_id, &mac, &claim.node_token_hash, &claim.model, &claim.agent_version, &claim.address, now),
                        )
                        .map_err(|e| map_unique(e, "a node with this MAC exists"))?;
                        (node_id, true)
                    }
                    None => {
                        tx.execute(
                            "INSERT INTO nodes (name, mac, model, agent_version, ip, token_hash, adopted_at, created_at, updated_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)",
                            (&name, &mac, &claim.model, &claim.agent_version, &claim.address, &claim.node_token_hash, now),
                        )
                        .map_err(|e| map_unique(e, "node name or MAC is taken"))?;
                        let id = tx.last_insert_rowid();
                        for s in &claim.sensors {
                            insert_sensor(&tx, id, s, now)?;
                        }
                        for o in &claim.outputs {
                            insert_output(&tx, id, o, now)?;
                        }
                        (id, false)
                    }
                };
                let mut commands = Vec::new();
                let mut outputs = Vec::new();
                if replaced {
                    let by = Requester { source: CommandSource::Reconciliation, name: Some("replacement".into()) };
                    let requests = super::outputs::list(&tx, Some(node_id))?
                        .iter()
                        .map(|o| super::commands::CommandRequest { field: String::new(), output_id: o.id, state: o.desired_state })
                        .collect();
                    let issued = super::commands::issue_in(&tx, requests, &by, now)?;
                    commands = issued.commands;
                    outputs = issued.outputs;
                }
                log_attempt(&tx, now, &mac, Some(token_id), if replaced { "replaced" } else { "adopted" }, &claim.address)?;
                let bundle = bundle(&tx, node_id)?;
                tx.commit().map_err(internal)?;
                Ok(Claimed { node_id, replaced, bundle, commands, outputs })
            })
            .await
    }

    async fn node_bundle(&self, node_id: i64) -> Result<NodeBundle> {
        self.pool.run(move |conn| bundle(conn, node_id)).await
    }
}
