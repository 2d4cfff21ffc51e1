//! `farm-bench`: measures the release core-server over real HTTP against baselines in the same
//! run, and prints ratios (absolute numbers on a shared 2-core machine drift; ratios less so).
//!
//! - ingest: points/s through `POST /api/node/telemetry` (batches of 500, rollups included)
//!   against a plain rusqlite batch-insert loop on the same schema;
//! - chart query: one sensor, one year of one-minute data, `max_points=1000`, median latency;
//! - dashboard state: 50 nodes and 500 sensors, requests/s with wrk.

mod server;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use core_server::domain::metrics::HOUR_MS;
use core_server::domain::sensors::Reading;
use serde_json::{Value, json};
use server::Server;

#[derive(Debug, Parser)]
#[command(name = "farm-bench", about = "Benchmarks core-server; prints figures and ratios")]
struct Args {
    /// The release core-server binary
    #[arg(long, default_value = "target/release/core-server")]
    server_bin: PathBuf,
    /// Points sent in the ingest benchmark
    #[arg(long, default_value_t = 1_000_000)]
    ingest_points: usize,
    /// Concurrent HTTP clients sending telemetry
    #[arg(long, default_value_t = 4)]
    ingest_clients: usize,
    /// Seconds each wrk run lasts
    #[arg(long, default_value_t = 10)]
    wrk_seconds: u64,
    /// Where the JSON report goes
    #[arg(long, default_value = "target/bench/report.json")]
    out: PathBuf,
}

const BATCH: usize = 500;
const SENSORS: usize = 10;
const MINUTE: i64 = 60_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The readings both ingest paths store: SENSORS sensors, one reading per second each,
/// ending a day ago (well inside the 5-minute future limit).
fn readings(points: usize, sensor_ids: &[i64]) -> Vec<Reading> {
    let start = now_ms() - 30 * 24 * HOUR_MS;
    (0..points)
        .map(|i| Reading {
            sensor_id: sensor_ids[i % sensor_ids.len()],
            ts: start + (i / sensor_ids.len()) as i64 * 1000,
            value: (i % 997) as f64 / 10.0,
        })
        .collect()
}

/// The baseline: one transaction per batch of 500, INSERT OR IGNORE per row, rollups
/// pre-aggregated per transaction, prepared statements; nothing else.
fn ingest_raw(path: &std::path::Path, data: &[Reading]) -> anyhow::Result<f64> {
    let mut conn = core_server::store::pool::open_connection(path)?;
    let started = Instant::now();
    for batch in data.chunks(BATCH) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut insert =
                tx.prepare_cached("INSERT OR IGNORE INTO metrics (sensor_id, ts, value) VALUES (?1, ?2, ?3)")?;
            let mut agg: std::collections::HashMap<(i64, i64), (f64, f64, f64, i64)> = Default::default();
            for r in batch {
                if insert.execute((r.sensor_id, r.ts, r.value))? == 1 {
                    let e = agg.entry((r.sensor_id, r.ts / HOUR_MS * HOUR_MS)).or_insert((f64::MAX, f64::MIN, 0.0, 0));
                    *e = (e.0.min(r.value), e.1.max(r.value), e.2 + r.value, e.3 + 1);
                }
            }
            let mut upsert = tx.prepare_cached(
                "INSERT INTO metrics_hourly (sensor_id, hour, min, max, sum, count) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (sensor_id, hour) DO UPDATE SET min = MIN(min, excluded.min), max = MAX(max, excluded.max),
                     sum = sum + excluded.sum, count = count + excluded.count",
            )?;
            for ((s, h), (mn, mx, sum, n)) in agg {
                upsert.execute((s, h, mn, mx, sum, n))?;
            }
        }
        tx.commit()?;
    }
    Ok(data.len() as f64 / started.elapsed().as_secs_f64())
}

fn rfc3339(ms: i64) -> String {
    core_server::domain::time::Timestamp(ms).to_rfc3339()
}

async fn ingest_http(
    server: &Server,
    token: &str,
    keys: &[String],
    data: &[Reading],
    clients: usize,
) -> anyhow::Result<f64> {
    // Bodies are built before the clock starts: the server's work is what is measured.
    let bodies: Vec<String> = data
        .chunks(BATCH)
        .map(|batch| {
            let readings: Vec<Value> = batch
                .iter()
                .map(|r| json!({"sensor_key": keys[(r.sensor_id - 1) as usize % keys.len()], "ts": rfc3339(r.ts), "value": r.value}))
                .collect();
            json!({ "readings": readings }).to_string()
        })
        .collect();
    let queue = std::sync::Arc::new(std::sync::Mutex::new(bodies));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let queue = queue.clone();
        let (url, token, http) = (server.url("/api/node/telemetry"), token.to_owned(), reqwest::Client::new());
        tasks.push(tokio::spawn(async move {
            loop {
                let Some(body) = queue.lock().unwrap_or_else(|p| p.into_inner()).pop() else {
                    return Ok::<_, anyhow::Error>(());
                };
                let response = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await?;
                if !response.status().is_success() {
                    bail!("telemetry: {} {}", response.status(), response.text().await.unwrap_or_default());
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(data.len() as f64 / started.elapsed().as_secs_f64())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// A farm of `nodes` nodes with `sensors` sensors each; returns the first node's token and
/// sensor keys.
async fn register_farm(server: &Server, nodes: usize, sensors: usize) -> anyhow::Result<(String, Vec<String>)> {
    let mut first = None;
    for n in 0..nodes {
        let sensor_list: Vec<Value> = (0..sensors)
            .map(
                |s| json!({"key": format!("s{s}"), "name": format!("Sensor {s}"), "kind": "temperature", "unit": "°C"}),
            )
            .collect();
        let body = json!({
            "name": format!("Node {n}"),
            "mac": format!("b8:27:eb:00:{:02x}:{:02x}", n / 256, n % 256),
            "sensors": sensor_list,
            "outputs": [{"key": "relay", "name": "Relay", "kind": "relay", "default_state": 0}],
        });
        let registered = server.admin_post("/api/nodes", &body).await?;
        if first.is_none() {
            first = Some(registered["token"].as_str().context("token")?.to_owned());
        }
    }
    Ok((first.context("no node")?, (0..sensors).map(|s| format!("s{s}")).collect()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut report = serde_json::Map::new();
    let machine =
        format!("{} cores, {}", std::thread::available_parallelism().map_or(0, |n| n.get()), std::env::consts::ARCH);
    println!("farm-bench on {machine}");
    report.insert("machine".into(), json!(machine));

    // Ingest: raw baseline and HTTP, same schema, same readings, same run.
    let raw_dir = tempfile::tempdir()?;
    let raw_db = raw_dir.path().join("raw.db");
    drop(core_server::store::SqliteStore::open(&raw_db, now_ms())?);
    let server = Server::start(&args.server_bin).await?;
    let (token, keys) = register_farm(&server, 1, SENSORS).await?;
    let ids: Vec<i64> = (1..=SENSORS as i64).collect();
    let data = readings(args.ingest_points, &ids);
    let raw = tokio::task::spawn_blocking({
        let data = data.clone();
        move || ingest_raw(&raw_db, &data)
    })
    .await??;
    let cpu_before = server.cpu_seconds()?;
    let http = ingest_http(&server, &token, &keys, &data, args.ingest_clients).await?;
    let server_cpu_us_per_point = (server.cpu_seconds()? - cpu_before) * 1e6 / data.len() as f64;
    println!("ingest: raw rusqlite {:>9.0} points/s | HTTP {:>9.0} points/s | HTTP/raw {:.2}", raw, http, http / raw);
    println!("ingest: server CPU {:.2} µs/point; raw loop {:.2} µs/point", server_cpu_us_per_point, 1e6 / raw);
    report.insert(
        "ingest".into(),
        json!({"raw_points_per_s": raw, "http_points_per_s": http, "ratio": http / raw,
        "server_cpu_us_per_point": server_cpu_us_per_point,
        "batch": BATCH, "points": args.ingest_points, "clients": args.ingest_clients}),
    );
    server.stop().await;

    // Chart query over a year of one-minute readings (imported before the server starts).
    let dir = tempfile::tempdir()?;
    {
        let store = core_server::store::SqliteStore::open(&dir.path().join("farm.db"), now_ms())?;
        drop(store);
    }
    let server = Server::start_in(&args.server_bin, dir.path()).await?;
    register_farm(&server, 1, 1).await?;
    server.stop().await;
    let year_start = now_ms() - 365 * 24 * HOUR_MS;
    {
        use core_server::store::MetricStore;
        let store = core_server::store::SqliteStore::open(&dir.path().join("farm.db"), now_ms())?;
        let year: Vec<Reading> = (0..365 * 24 * 60)
            .map(|i| Reading { sensor_id: 1, ts: year_start + i * MINUTE, value: (i % 500) as f64 })
            .collect();
        store.metrics_import(year).await?;
    }
    let server = Server::start_in(&args.server_bin, dir.path()).await?;
    let query =
        format!("/api/metrics/query?sensor_id=1&from={}&to={}&max_points=1000", rfc3339(year_start), rfc3339(now_ms()));
    let mut times = Vec::new();
    for i in 0..220 {
        let started = Instant::now();
        let body = server.admin_get(&query).await?;
        if i >= 20 {
            times.push(started.elapsed());
        }
        if i == 0 && body["items"][0]["points"].as_array().map_or(0, Vec::len) > 1000 {
            bail!("chart query returned more than max_points");
        }
    }
    times.sort();
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    println!(
        "chart query (1 year, 1-minute data, 1000 points): p50 {:.2} ms, p99 {:.2} ms (goal: p50 < 10 ms)",
        ms(p50),
        ms(p99)
    );
    report.insert("chart_query".into(), json!({"p50_ms": ms(p50), "p99_ms": ms(p99), "samples": times.len()}));
    server.stop().await;

    // Dashboard state for 50 nodes and 500 sensors, with wrk.
    let server = Server::start(&args.server_bin).await?;
    register_farm(&server, 50, 10).await?;
    let api_token = server.api_token().await?;
    let wrk = server::wrk(&server.url("/api/dashboard/state"), &api_token, args.wrk_seconds)?;
    println!(
        "dashboard state (50 nodes, 500 sensors): {:.0} requests/s, latency avg {:.2} ms (wrk, {} connections)",
        wrk.requests_per_s,
        wrk.latency_avg_ms,
        server::WRK_CONNECTIONS
    );
    report.insert(
        "dashboard_state".into(),
        json!({"requests_per_s": wrk.requests_per_s, "latency_avg_ms": wrk.latency_avg_ms,
        "connections": server::WRK_CONNECTIONS, "seconds": args.wrk_seconds}),
    );
    server.stop().await;

    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&Value::Object(report))? + "\n")?;
    println!("report: {}", args.out.display());
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
