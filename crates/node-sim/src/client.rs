//! A simulated node speaking the node API: heartbeats with its output states, telemetry from
//! the waveforms, and a command long-poll whose commands it applies after a configurable
//! latency, failing a configurable fraction of them.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::waveform::{self, Drivers, Kind};

/// A node as `core-server serve --demo` describes it in `demo-nodes.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeSpec {
    pub name: String,
    pub token: String,
    pub sensors: Vec<SensorSpec>,
    pub outputs: Vec<OutputSpec>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SensorSpec {
    pub key: String,
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputSpec {
    pub key: String,
    pub kind: String,
    pub default_state: i64,
}

impl NodeSpec {
    /// The node a claim made, from its token and the bundle the server pushed.
    pub fn from_bundle(token: &str, bundle: &serde_json::Value) -> anyhow::Result<Self> {
        let text = |v: &serde_json::Value, k: &str| {
            v[k].as_str().map(str::to_owned).with_context(|| format!("bundle lacks {k}"))
        };
        let list = |k: &str| bundle[k].as_array().cloned().unwrap_or_default();
        Ok(Self {
            name: text(&bundle["node"], "name")?,
            token: token.to_owned(),
            sensors: list("sensors")
                .iter()
                .map(|s| Ok(SensorSpec { key: text(s, "key")?, kind: text(s, "kind")? }))
                .collect::<anyhow::Result<_>>()?,
            outputs: list("outputs")
                .iter()
                .map(|o| {
                    Ok(OutputSpec {
                        key: text(o, "key")?,
                        kind: text(o, "kind")?,
                        default_state: o["default_state"].as_i64().unwrap_or(0),
                    })
                })
                .collect::<anyhow::Result<_>>()?,
        })
    }
}

/// A new device announcing itself, before it has any token.
pub async fn announce(server: &str, mac: &str, model: &str) -> anyhow::Result<()> {
    let body = json!({"mac": mac, "model": model, "agent_version": concat!("node-sim ", env!("CARGO_PKG_VERSION"))});
    let response = reqwest::Client::new()
        .post(format!("{}/api/adoption/announce", server.trim_end_matches('/')))
        .json(&body)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("announce: {}: {}", response.status(), response.text().await.unwrap_or_default());
    }
    Ok(())
}

/// Claims an adoption token; returns the node as the server configured it.
pub async fn claim(
    server: &str,
    mac: &str,
    token: &str,
    sensors: &[SensorSpec],
    outputs: &[OutputSpec],
) -> anyhow::Result<NodeSpec> {
    let declared_sensors: Vec<_> =
        sensors.iter().map(|s| json!({"key": s.key, "name": s.key, "kind": s.kind, "unit": ""})).collect();
    let declared_outputs: Vec<_> = outputs
        .iter()
        .map(|o| json!({"key": o.key, "name": o.key, "kind": o.kind, "default_state": o.default_state}))
        .collect();
    let body = json!({"mac": mac, "token": token, "model": "node-sim", "sensors": declared_sensors, "outputs": declared_outputs});
    let response = reqwest::Client::new()
        .post(format!("{}/api/adoption/claim", server.trim_end_matches('/')))
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let answer: serde_json::Value = response.json().await?;
    if !status.is_success() {
        bail!("claim: {status}: {answer}");
    }
    NodeSpec::from_bundle(answer["token"].as_str().context("claim answer lacks token")?, &answer["bundle"])
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodesFile {
    pub nodes: Vec<NodeSpec>,
}

#[derive(Debug, Clone, Copy)]
pub struct Behaviour {
    /// How long the "hardware" takes before the node acknowledges a command.
    pub ack_latency: Duration,
    /// Fraction of commands the node reports as failed (0.0–1.0).
    pub failure_rate: f64,
    pub seed: u64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self { ack_latency: Duration::from_millis(300), failure_rate: 0.0, seed: 1 }
    }
}

/// What the node did with one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub command_id: i64,
    pub output_key: String,
    pub state: i64,
    pub ok: bool,
}

#[derive(Deserialize)]
struct CommandItem {
    id: i64,
    output_key: String,
    state: i64,
}

#[derive(Deserialize)]
struct CommandList {
    items: Vec<CommandItem>,
}

/// A simulated node. Its methods take `&self`, so `run` drives heartbeats, telemetry and the
/// command poll as independent loops: none of them is ever cancelled mid-request by another
/// (a poll dropped after the server marked its commands delivered would lose them).
pub struct SimNode {
    server: String,
    spec: NodeSpec,
    behaviour: Behaviour,
    http: reqwest::Client,
    sensors: Mutex<Vec<(String, waveform::Sensor)>>,
    outputs: Mutex<BTreeMap<String, i64>>,
    last_reading_ms: Mutex<Option<i64>>,
    started: std::time::Instant,
    decisions: AtomicU64,
}

impl SimNode {
    pub fn new(server: &str, spec: NodeSpec, behaviour: Behaviour) -> anyhow::Result<Self> {
        let mut sensors = Vec::new();
        for (i, s) in spec.sensors.iter().enumerate() {
            let kind = Kind::parse(&s.kind).with_context(|| format!("unknown sensor kind {}", s.kind))?;
            sensors.push((s.key.clone(), waveform::Sensor::new(kind, behaviour.seed.wrapping_add(i as u64))));
        }
        let outputs = spec.outputs.iter().map(|o| (o.key.clone(), o.default_state)).collect();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(40)).build()?;
        Ok(Self {
            server: server.trim_end_matches('/').to_owned(),
            spec,
            behaviour,
            http,
            sensors: Mutex::new(sensors),
            outputs: Mutex::new(outputs),
            last_reading_ms: Mutex::new(None),
            started: std::time::Instant::now(),
            decisions: AtomicU64::new(0),
        })
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// The node's current output states.
    pub fn outputs(&self) -> BTreeMap<String, i64> {
        lock(&self.outputs).clone()
    }

    /// Changes an output behind the controller's back (a manual switch on the device).
    pub fn force_output(&self, key: &str, state: i64) {
        lock(&self.outputs).insert(key.to_owned(), state);
    }

    fn drivers(&self) -> Drivers {
        let outputs = lock(&self.outputs);
        let on = |needle: &str| outputs.iter().any(|(k, &v)| k.contains(needle) && v > 0);
        Drivers {
            irrigating: on("valve") || on("irrigation"),
            pumping: on("pump"),
            relays_on: outputs.values().filter(|&&v| v > 0).count() as u32,
        }
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> anyhow::Result<serde_json::Value> {
        let response =
            self.http.post(format!("{}{path}", self.server)).bearer_auth(&self.spec.token).json(&body).send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{} {path}: {status}: {text}", self.spec.name);
        }
        Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    pub async fn heartbeat(&self) -> anyhow::Result<()> {
        let outputs: Vec<_> =
            lock(&self.outputs).iter().map(|(key, state)| json!({"key": key, "state": state})).collect();
        let body = json!({
            "agent_version": concat!("node-sim ", env!("CARGO_PKG_VERSION")),
            "uptime_s": self.started.elapsed().as_secs(),
            "outputs": outputs,
        });
        self.post("/api/node/heartbeat", body).await.map(|_| ())
    }

    /// One reading per sensor at `now_ms`; returns how many were stored.
    pub async fn telemetry(&self, now_ms: i64) -> anyhow::Result<u64> {
        let dt = lock(&self.last_reading_ms).replace(now_ms).map_or(60_000, |last| (now_ms - last).max(0));
        let drivers = self.drivers();
        let ts = rfc3339(now_ms);
        let readings: Vec<_> = lock(&self.sensors)
            .iter_mut()
            .map(|(key, sensor)| json!({"sensor_key": key, "ts": ts, "value": sensor.read(now_ms, dt, drivers)}))
            .collect();
        let answer = self.post("/api/node/telemetry", json!({ "readings": readings })).await?;
        Ok(answer["stored"].as_u64().unwrap_or(0))
    }

    /// Fetches commands (waiting up to `wait_s`), applies each after the latency, acknowledges.
    pub async fn poll(&self, wait_s: u64) -> anyhow::Result<Vec<Applied>> {
        let response = self
            .http
            .get(format!("{}/api/node/commands?wait={wait_s}", self.server))
            .bearer_auth(&self.spec.token)
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            bail!("{} poll: {status}: {}", self.spec.name, response.text().await.unwrap_or_default());
        }
        let list: CommandList = response.json().await?;
        let mut applied = Vec::new();
        for c in list.items {
            tokio::time::sleep(self.behaviour.ack_latency).await;
            let decision = self.decisions.fetch_add(1, Ordering::Relaxed) + 1;
            let roll = (waveform::noise(decision as i64, self.behaviour.seed) + 1.0) / 2.0;
            let ok = roll >= self.behaviour.failure_rate;
            let body = if ok {
                lock(&self.outputs).insert(c.output_key.clone(), c.state);
                json!({"ok": true, "reported_state": c.state})
            } else {
                let current = lock(&self.outputs).get(&c.output_key).copied();
                json!({"ok": false, "reported_state": current, "error": "simulated relay fault"})
            };
            self.post(&format!("/api/node/commands/{}/ack", c.id), body).await?;
            applied.push(Applied { command_id: c.id, output_key: c.output_key, state: c.state, ok });
        }
        Ok(applied)
    }

    /// Runs until the process ends: heartbeats and telemetry on their intervals, and the command
    /// poll, as three loops of their own. Errors are printed and retried (the server may be
    /// restarting).
    pub async fn run(self, telemetry_every: Duration, heartbeat_every: Duration) {
        let heartbeats = async {
            let mut tick = tokio::time::interval(heartbeat_every);
            loop {
                tick.tick().await;
                if let Err(e) = self.heartbeat().await {
                    eprintln!("{e:#}");
                }
            }
        };
        let telemetry = async {
            let mut tick = tokio::time::interval(telemetry_every);
            loop {
                tick.tick().await;
                if let Err(e) = self.telemetry(chrono::Utc::now().timestamp_millis()).await {
                    eprintln!("{e:#}");
                }
            }
        };
        let commands = async {
            loop {
                match self.poll(25).await {
                    Ok(applied) => {
                        for a in applied {
                            let outcome = if a.ok { "confirmed" } else { "failed" };
                            println!("{}: {} -> {} ({outcome})", self.spec.name, a.output_key, a.state);
                        }
                    }
                    Err(e) => {
                        eprintln!("{e:#}");
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                }
            }
        };
        tokio::join!(heartbeats, telemetry, commands);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}
