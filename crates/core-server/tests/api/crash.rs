//! Durability under SIGKILL: the real binary is killed at seeded random moments while nodes
//! stream telemetry and an operator commands outputs; after each restart every acknowledged
//! batch is stored whole, no batch is half-stored, and every accepted command exists.
//! (The promise this checks is written down in docs/durability.md.)

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::support::ADMIN_PASSWORD;

const KILLS: usize = 8;
const SEED: u64 = 0x5eed_0010;
/// Concurrent telemetry writers, so batches share group commits when the kill lands.
const WRITERS: usize = 4;
const POINTS_PER_BATCH: usize = 20;
const SENSORS: [&str; 2] = ["air_temp", "soil"];

/// xorshift64*: the kill moments are random, and the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

/// A batch as sent: its number fixes its readings, so the check can recompute them.
#[derive(Clone, Copy)]
struct Batch {
    number: i64,
}

impl Batch {
    /// (sensor key, ts, value) of each reading; every batch has its own timestamps.
    fn readings(self, base_ms: i64) -> Vec<(&'static str, i64, f64)> {
        (0..POINTS_PER_BATCH as i64)
            .map(|i| {
                let ts = base_ms + (self.number * POINTS_PER_BATCH as i64 + i) * 10;
                (SENSORS[(i % 2) as usize], ts, self.number as f64 + i as f64 / 100.0)
            })
            .collect()
    }

    fn body(self, base_ms: i64) -> Value {
        let readings: Vec<Value> = self
            .readings(base_ms)
            .into_iter()
            .map(|(key, ts, value)| json!({"sensor_key": key, "ts": node_sim::client::rfc3339(ts), "value": value}))
            .collect();
        json!({ "readings": readings })
    }
}

/// What the clients learned: batches sent, batches and commands the server acknowledged.
#[derive(Default)]
struct Ledger {
    next_batch: i64,
    sent: Vec<Batch>,
    acknowledged: Vec<Batch>,
    commands: Vec<i64>,
}

fn serve(dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_core-server"))
        .arg("--data-dir")
        .arg(dir)
        .args(["--listen", "127.0.0.1:0", "serve"])
        .env_remove("FARM_TEST_MODE")
        .env_remove("FARM_TEST_CLOCK")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "first line: {line:?}");
    (child, url)
}

async fn json_ok(response: reqwest::Response, want: u16) -> Value {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(status, want, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// An admin API token and a registered node's token, made through the API once.
async fn provision(url: &str) -> (String, String, i64) {
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = json!({"username": "ada", "password": ADMIN_PASSWORD});
    json_ok(browser.post(format!("{url}/api/auth/login")).json(&login).send().await.unwrap(), 200).await;
    let token = json!({"name": "crash test", "capabilities": ["nodes.manage", "nodes.view", "outputs.command"]});
    let created = browser
        .post(format!("{url}/api/api-tokens"))
        .header("x-requested-with", "test")
        .json(&token)
        .send()
        .await
        .unwrap();
    let admin = json_ok(created, 201).await["secret"].as_str().unwrap().to_owned();
    let node = json!({
        "name": "G", "mac": "b8:27:eb:00:00:10", "model": "Raspberry Pi 4",
        "sensors": [
            {"key": "air_temp", "name": "Air", "kind": "temperature", "unit": "°C"},
            {"key": "soil", "name": "Soil", "kind": "soil_moisture", "unit": "%"}
        ],
        "outputs": [{"key": "valve", "name": "Valve", "kind": "relay", "default_state": 0}]
    });
    let registered =
        reqwest::Client::new().post(format!("{url}/api/nodes")).bearer_auth(&admin).json(&node).send().await.unwrap();
    let registered = json_ok(registered, 201).await;
    let output = registered["outputs"][0]["id"].as_i64().unwrap();
    (admin, registered["token"].as_str().unwrap().to_owned(), output)
}

async fn wait_healthy(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(format!("{url}/healthz")).await.map(|r| r.status() != 200).unwrap_or(true) {
        assert!(Instant::now() < deadline, "{url} not healthy after a restart");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends batches until the server stops answering; records what it acknowledged.
async fn stream_telemetry(url: String, token: String, base_ms: i64, ledger: Arc<Mutex<Ledger>>) {
    let client = reqwest::Client::new();
    loop {
        let batch = {
            let mut l = ledger.lock().unwrap();
            let batch = Batch { number: l.next_batch };
            l.next_batch += 1;
            l.sent.push(batch);
            batch
        };
        let sent = client.post(format!("{url}/api/node/telemetry")).bearer_auth(&token).json(&batch.body(base_ms));
        match sent.send().await {
            Ok(r) if r.status().is_success() => ledger.lock().unwrap().acknowledged.push(batch),
            Ok(r) => panic!("telemetry answered {}: {}", r.status(), r.text().await.unwrap_or_default()),
            Err(_) => return,
        }
    }
}

async fn command_outputs(url: String, token: String, output: i64, ledger: Arc<Mutex<Ledger>>) {
    let client = reqwest::Client::new();
    for n in 0.. {
        let sent = client
            .post(format!("{url}/api/outputs/{output}/command"))
            .bearer_auth(&token)
            .json(&json!({"state": n % 2}));
        match sent.send().await {
            Ok(r) if r.status() == 202 => {
                let id = r.json::<Value>().await.ok().and_then(|c| c["id"].as_i64());
                // A 202 whose body was cut off by the kill is not an acknowledgement we saw.
                if let Some(id) = id {
                    ledger.lock().unwrap().commands.push(id);
                }
            }
            Ok(r) => panic!("command answered {}: {}", r.status(), r.text().await.unwrap_or_default()),
            Err(_) => return,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_telemetry_and_commands_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let created = Command::new(env!("CARGO_BIN_EXE_core-server"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["user", "create", "--username", "ada", "--role", "admin"])
        .env("FARM_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    let base_ms = now - 3_600_000;
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut rng = Rng(SEED);
    let mut credentials = None;

    for _ in 0..KILLS {
        let (mut child, url) = serve(dir.path());
        wait_healthy(&url).await;
        if credentials.is_none() {
            credentials = Some(provision(&url).await);
        }
        let (admin, node, output) = credentials.clone().unwrap();
        let mut tasks: Vec<_> = (0..WRITERS)
            .map(|_| tokio::spawn(stream_telemetry(url.clone(), node.clone(), base_ms, ledger.clone())))
            .collect();
        tasks.push(tokio::spawn(command_outputs(url.clone(), admin.clone(), output, ledger.clone())));
        tokio::time::sleep(Duration::from_millis(rng.between(150, 900))).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for task in tasks {
            task.await.unwrap();
        }
    }

    // One more start recovers the write-ahead log the last kill left, as a real restart would.
    let (mut child, url) = serve(dir.path());
    wait_healthy(&url).await;
    let conn = rusqlite::Connection::open(dir.path().join("farm.db")).unwrap();
    let stored: HashSet<(String, i64)> = conn
        .prepare("SELECT s.key, m.ts FROM metrics m JOIN sensors s ON s.id = m.sensor_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let commands: HashSet<i64> = conn
        .prepare("SELECT id FROM commands")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let (raw, rolled_up): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM metrics), (SELECT COALESCE(SUM(count), 0) FROM metrics_hourly)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(conn);
    child.kill().unwrap();
    child.wait().unwrap();

    let ledger = ledger.lock().unwrap();
    let acknowledged: HashSet<i64> = ledger.acknowledged.iter().map(|b| b.number).collect();
    assert!(ledger.acknowledged.len() >= KILLS * 5, "too few batches acknowledged to prove anything");
    assert!(!ledger.commands.is_empty(), "no command was accepted");
    let mut half_stored = Vec::new();
    let mut lost = Vec::new();
    for batch in &ledger.sent {
        let present =
            batch.readings(base_ms).iter().filter(|(key, ts, _)| stored.contains(&((*key).to_owned(), *ts))).count();
        if present != 0 && present != POINTS_PER_BATCH {
            half_stored.push((batch.number, present));
        }
        if acknowledged.contains(&batch.number) && present != POINTS_PER_BATCH {
            lost.push((batch.number, present));
        }
    }
    assert!(half_stored.is_empty(), "batches stored in part (number, points): {half_stored:?}");
    assert!(lost.is_empty(), "acknowledged batches missing points (number, points present): {lost:?}");
    let missing: Vec<_> = ledger.commands.iter().filter(|id| !commands.contains(id)).collect();
    assert!(missing.is_empty(), "accepted commands missing: {missing:?}");
    assert_eq!(raw, rolled_up, "hourly rollups count every stored reading exactly once");
    eprintln!(
        "crash safety: {KILLS} kills, {} batches sent, {} acknowledged and found whole, {} commands accepted and found",
        ledger.sent.len(),
        acknowledged.len(),
        ledger.commands.len()
    );
}
