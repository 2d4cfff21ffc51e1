//! Telemetry ingest: through HTTP, and the raw rusqlite loop it is compared with.

use std::time::Instant;

use anyhow::bail;
use core_server::domain::metrics::HOUR_MS;
use core_server::domain::sensors::Reading;
use serde_json::{Value, json};

use crate::server::Server;

pub const BATCH: usize = 500;

/// `points` readings spread over `sensors` sensors (ids 1…), one a second each from `start`.
pub fn readings(points: usize, sensors: usize, start: i64) -> Vec<Reading> {
    (0..points)
        .map(|i| Reading {
            sensor_id: (i % sensors) as i64 + 1,
            ts: start + (i / sensors) as i64 * 1000,
            value: (i % 997) as f64 / 10.0,
        })
        .collect()
}

/// The baseline: one transaction per batch of 500, INSERT OR IGNORE per row, rollups
/// pre-aggregated per transaction, prepared statements; nothing else. Returns points/s.
pub fn raw(path: &std::path::Path, data: &[Reading]) -> anyhow::Result<f64> {
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

pub struct HttpIngest {
    pub points_per_s: f64,
    pub cpu_us_per_point: f64,
}

/// Sends `data` as telemetry batches from `clients` concurrent clients with a node token
/// (sensor ids map to `keys` in order).
pub async fn http(
    server: &Server,
    token: &str,
    keys: &[String],
    data: &[Reading],
    clients: usize,
) -> anyhow::Result<HttpIngest> {
    // Bodies are built before the clock starts: the server's work is what is measured.
    let bodies: Vec<String> = data
        .chunks(BATCH)
        .map(|batch| {
            let readings: Vec<Value> = batch
                .iter()
                .map(|r| {
                    json!({"sensor_key": keys[(r.sensor_id - 1) as usize % keys.len()],
                        "ts": crate::rfc3339(r.ts), "value": r.value})
                })
                .collect();
            json!({ "readings": readings }).to_string()
        })
        .collect();
    let queue = std::sync::Arc::new(std::sync::Mutex::new(bodies));
    let cpu_before = server.cpu_seconds()?;
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
    let seconds = started.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds()? - cpu_before;
    Ok(HttpIngest { points_per_s: data.len() as f64 / seconds, cpu_us_per_point: cpu * 1e6 / data.len() as f64 })
}
