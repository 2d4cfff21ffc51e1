//! SQL for readings: atomic, idempotent batch ingest that keeps the hourly rollups current,
//! chart queries that read raw rows or rollups by range, and batched retention.

use std::collections::HashMap;

use async_trait::async_trait;
use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use super::{Pool, SqliteStore, internal};
use crate::domain::error::{Error, Result};
use crate::domain::metrics::{HOUR_MS, Plan, Point, Query, Resolution, Series, plan};
use crate::domain::sensors::{RawReading, Reading, validate_batch};
use crate::domain::time::Timestamp;

#[derive(Debug, Default)]
pub struct Ingested {
    pub stored: usize,
    pub duplicates: usize,
    /// The newest stored reading of each sensor in the batch.
    pub latest: Vec<Reading>,
}

#[async_trait]
pub trait MetricStore {
    /// Validates and stores a node's batch in one transaction: all of it, or none.
    async fn metrics_ingest(&self, node_id: i64, readings: Vec<RawReading>, now: i64) -> Result<Ingested>;
    /// Stores already validated readings in one transaction (demo history, imports).
    async fn metrics_import(&self, readings: Vec<Reading>) -> Result<Ingested>;
    async fn metrics_query(&self, query: Query) -> Result<Vec<Series>>;
    /// Deletes raw readings older than each sensor's retention, `batch` rows per transaction.
    /// Rollups are kept. Returns the number of rows deleted.
    async fn metrics_retention(&self, now: i64, batch: i64) -> Result<u64>;
}

#[derive(Clone, Copy)]
struct Agg {
    min: f64,
    max: f64,
    sum: f64,
    count: i64,
}

/// Inserts validated readings and folds the new ones into the hourly rollups.
pub(crate) fn insert_readings(conn: &Connection, readings: &[Reading]) -> Result<Ingested> {
    let mut insert = conn
        .prepare_cached("INSERT OR IGNORE INTO metrics (sensor_id, ts, value) VALUES (?1, ?2, ?3)")
        .map_err(internal)?;
    let mut hourly: HashMap<(i64, i64), Agg> = HashMap::new();
    let mut latest: HashMap<i64, Reading> = HashMap::new();
    let mut outcome = Ingested::default();
    for r in readings {
        if insert.execute((r.sensor_id, r.ts, r.value)).map_err(internal)? == 0 {
            outcome.duplicates += 1;
            continue;
        }
        outcome.stored += 1;
        let hour = r.ts.div_euclid(HOUR_MS) * HOUR_MS;
        hourly
            .entry((r.sensor_id, hour))
            .and_modify(|a| {
                a.min = a.min.min(r.value);
                a.max = a.max.max(r.value);
                a.sum += r.value;
                a.count += 1;
            })
            .or_insert(Agg { min: r.value, max: r.value, sum: r.value, count: 1 });
        latest
            .entry(r.sensor_id)
            .and_modify(|l| {
                if r.ts > l.ts {
                    *l = *r
                }
            })
            .or_insert(*r);
    }
    let mut upsert = conn
        .prepare_cached(
            "INSERT INTO metrics_hourly (sensor_id, hour, min, max, sum, count) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (sensor_id, hour) DO UPDATE SET min = MIN(min, excluded.min), max = MAX(max, excluded.max),
                 sum = sum + excluded.sum, count = count + excluded.count",
        )
        .map_err(internal)?;
    for ((sensor_id, hour), a) in &hourly {
        upsert.execute((sensor_id, hour, a.min, a.max, a.sum, a.count)).map_err(internal)?;
    }
    let mut last = conn
        .prepare_cached(
            "UPDATE sensors SET last_value = ?2, last_ts = ?3 WHERE id = ?1 AND (last_ts IS NULL OR last_ts <= ?3)",
        )
        .map_err(internal)?;
    for r in latest.values() {
        last.execute((r.sensor_id, r.value, r.ts)).map_err(internal)?;
    }
    let mut latest: Vec<Reading> = latest.into_values().collect();
    latest.sort_by_key(|r| r.sensor_id);
    outcome.latest = latest;
    Ok(outcome)
}

fn sensor_keys(conn: &Connection, node_id: i64) -> Result<HashMap<String, i64>> {
    let mut stmt = conn
        .prepare_cached("SELECT key, id FROM sensors WHERE node_id = ?1 AND removed_at IS NULL")
        .map_err(internal)?;
    let rows = stmt.query_map([node_id], |r| Ok((r.get(0)?, r.get(1)?))).map_err(internal)?;
    rows.collect::<rusqlite::Result<HashMap<_, _>>>().map_err(internal)
}

fn point(ts: i64, min: f64, max: f64, sum: f64, count: i64) -> Point {
    Point { ts: Timestamp(ts), min, max, avg: sum / count as f64, count }
}

fn series(conn: &Connection, sensor_id: i64, q: &Query) -> Result<Series> {
    let exists: bool = conn
        .query_row("SELECT EXISTS (SELECT 1 FROM sensors WHERE id = ?1)", [sensor_id], |r| r.get(0))
        .map_err(internal)?;
    if !exists {
        return Err(Error::NotFound("sensor"));
    }
    // The rollups count the raw readings cheaply, whatever the range.
    let readings: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(count), 0) FROM metrics_hourly WHERE sensor_id = ?1 AND hour >= ?2 AND hour < ?3",
        )
        .and_then(|mut s| s.query_row((sensor_id, q.from.div_euclid(HOUR_MS) * HOUR_MS, q.to), |r| r.get(0)))
        .map_err(internal)?;
    // Retention deletes raw readings but keeps rollups: when rollups reach further back than
    // the oldest raw reading, and the range starts before it, only the rollups cover it.
    let (oldest_raw, oldest_hour): (Option<i64>, Option<i64>) = conn
        .prepare_cached(
            "SELECT (SELECT MIN(ts) FROM metrics WHERE sensor_id = ?1),
                    (SELECT MIN(hour) FROM metrics_hourly WHERE sensor_id = ?1)",
        )
        .and_then(|mut s| s.query_row([sensor_id], |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(internal)?;
    let raw_complete = match (oldest_raw, oldest_hour) {
        (Some(raw), Some(hour)) => q.from >= raw || hour >= raw.div_euclid(HOUR_MS) * HOUR_MS,
        (None, Some(_)) => false,
        _ => true,
    };
    let Plan { resolution, start, end, bucket_ms } = plan(q.from, q.to, q.max_points, readings, raw_complete);
    let sql = match resolution {
        Resolution::Raw => {
            "SELECT ts, value, value, value, 1 FROM metrics WHERE sensor_id = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts"
        }
        Resolution::Bucketed => {
            "SELECT ?2 + ((ts - ?2) / ?4) * ?4 AS b, MIN(value), MAX(value), SUM(value), COUNT(*)
             FROM metrics WHERE sensor_id = ?1 AND ts >= ?2 AND ts < ?3 GROUP BY b ORDER BY b"
        }
        Resolution::Hourly => {
            "SELECT ?2 + ((hour - ?2) / ?4) * ?4 AS b, MIN(min), MAX(max), SUM(sum), SUM(count)
             FROM metrics_hourly WHERE sensor_id = ?1 AND hour >= ?2 AND hour < ?3 GROUP BY b ORDER BY b"
        }
    };
    let mut stmt = conn.prepare_cached(sql).map_err(internal)?;
    let to_point = |r: &rusqlite::Row<'_>| Ok(point(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?));
    let rows = if resolution == Resolution::Raw {
        stmt.query_map((sensor_id, start, end), to_point)
    } else {
        stmt.query_map((sensor_id, start, end, bucket_ms), to_point)
    };
    let points = rows.map_err(internal)?.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)?;
    Ok(Series { sensor_id, resolution, bucket_ms, points })
}

/// One node's batch waiting for the ingest writer.
struct IngestJob {
    node_id: i64,
    readings: Vec<RawReading>,
    now: i64,
    reply: oneshot::Sender<Result<Ingested>>,
}

/// Rows per shared commit at most; a group stops growing once it reaches this.
const GROUP_ROWS: usize = 20_000;

/// Group commit for telemetry: batches that arrive while one is being written are written
/// together in the next transaction (see `write_group`), and nothing is acknowledged before
/// its commit. More rows per commit means fewer WAL pages written per row.
pub(crate) struct IngestQueue {
    tx: mpsc::Sender<IngestJob>,
}

impl IngestQueue {
    fn start(pool: Pool) -> Self {
        let (tx, mut rx) = mpsc::channel::<IngestJob>(1024);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut rows = first.readings.len();
                let mut jobs = vec![first];
                while rows < GROUP_ROWS {
                    match rx.try_recv() {
                        Ok(job) => {
                            rows += job.readings.len();
                            jobs.push(job);
                        }
                        Err(_) => break,
                    }
                }
                let (replies, work): (Vec<_>, Vec<_>) =
                    jobs.into_iter().map(|j| (j.reply, (j.node_id, j.readings, j.now))).unzip();
                match pool.write(move |conn| write_group(conn, work)).await {
                    Ok(results) => {
                        for (reply, result) in replies.into_iter().zip(results) {
                            let _ = reply.send(result);
                        }
                    }
                    Err(e) => {
                        let message = e.to_string();
                        for reply in replies {
                            let _ =
                                reply.send(Err(Error::Internal(anyhow::anyhow!("telemetry commit failed: {message}"))));
                        }
                    }
                }
            }
        });
        Self { tx }
    }
}

/// Stores a group of batches in one transaction. A batch that fails validation is refused
/// alone, before any of its rows is written, so it needs no savepoint (a savepoint per batch
/// made SQLite copy every page first changed under it into a sub-journal). A failure while
/// writing rolls the whole group back, and every batch in it gets the error: nothing of any of
/// them is stored.
fn write_group(conn: &mut Connection, work: Vec<(i64, Vec<RawReading>, i64)>) -> Result<Vec<Result<Ingested>>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
    let mut results = Vec::with_capacity(work.len());
    for (node_id, readings, now) in work {
        let keys = sensor_keys(&tx, node_id)?;
        match validate_batch(&readings, |k| keys.get(k).copied(), now) {
            Ok(valid) => results.push(Ok(insert_readings(&tx, &valid)?)),
            Err(refused) => results.push(Err(refused)),
        }
    }
    tx.commit().map_err(internal)?;
    Ok(results)
}

#[async_trait]
impl MetricStore for SqliteStore {
    async fn metrics_ingest(&self, node_id: i64, readings: Vec<RawReading>, now: i64) -> Result<Ingested> {
        let queue = self.ingest.get_or_init(|| IngestQueue::start(self.pool.clone()));
        let (reply, answer) = oneshot::channel();
        queue
            .tx
            .send(IngestJob { node_id, readings, now, reply })
            .await
            .map_err(|_| Error::Unavailable("the telemetry writer has stopped".into()))?;
        answer.await.map_err(|_| Error::Unavailable("the telemetry writer has stopped".into()))?
    }

    async fn metrics_import(&self, readings: Vec<Reading>) -> Result<Ingested> {
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(internal)?;
                let outcome = insert_readings(&tx, &readings)?;
                tx.commit().map_err(internal)?;
                Ok(outcome)
            })
            .await
    }

    async fn metrics_query(&self, query: Query) -> Result<Vec<Series>> {
        self.pool.run(move |conn| query.sensor_ids.iter().map(|&id| series(conn, id, &query)).collect()).await
    }

    async fn metrics_retention(&self, now: i64, batch: i64) -> Result<u64> {
        let sensors: Vec<(i64, i64)> = self
            .pool
            .run(|conn| {
                let mut stmt =
                    conn.prepare_cached("SELECT id, retention_days FROM sensors ORDER BY id").map_err(internal)?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(internal)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)
            })
            .await?;
        let mut deleted = 0;
        for (sensor_id, days) in sensors {
            let cutoff = now - days * 24 * HOUR_MS;
            // Small transactions: ingest never waits long behind retention.
            loop {
                let n = self
                    .pool
                    .write(move |conn| {
                        conn.prepare_cached(
                            "DELETE FROM metrics WHERE sensor_id = ?1 AND ts IN
                                (SELECT ts FROM metrics WHERE sensor_id = ?1 AND ts < ?2 ORDER BY ts LIMIT ?3)",
                        )
                        .and_then(|mut s| s.execute((sensor_id, cutoff, batch)))
                        .map_err(internal)
                    })
                    .await?;
                deleted += n as u64;
                if (n as i64) < batch {
                    break;
                }
            }
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(key: &str, ts: i64, value: f64) -> RawReading {
        RawReading { sensor_key: key.into(), ts: Some(Timestamp(ts)), value: Some(value) }
    }

    fn count(conn: &Connection) -> i64 {
        conn.query_row("SELECT (SELECT COUNT(*) FROM metrics) + (SELECT COUNT(*) FROM metrics_hourly)", [], |r| {
            r.get(0)
        })
        .unwrap()
    }

    #[test]
    fn a_refused_batch_fails_alone_and_a_write_failure_fails_the_group() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(SqliteStore::open(&path, 0).unwrap());
        let mut conn = super::super::pool::open_connection(&path).unwrap();
        conn.execute_batch(
            "INSERT INTO nodes (id, name, mac, model, agent_version, token_hash, adopted_at, created_at, updated_at)
                 VALUES (1, 'n', 'aa:bb:cc:dd:ee:ff', 'm', 'v', 'h', 0, 0, 0);
             INSERT INTO sensors (id, node_id, key, name, kind, unit, created_at, updated_at)
                 VALUES (1, 1, 't', 't', 'temperature', 'C', 0, 0);
             -- Stands in for any failure while writing (a full disk, an I/O error).
             CREATE TRIGGER refuse BEFORE INSERT ON metrics WHEN NEW.value = 13
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
        let now = 10 * HOUR_MS;

        let results = write_group(
            &mut conn,
            vec![
                (1, vec![reading("t", 1, 1.0)], now),
                (1, vec![reading("nope", 2, 2.0)], now),
                (1, vec![reading("t", 3, 3.0)], now),
            ],
        )
        .unwrap();
        assert!(matches!(results[..], [Ok(_), Err(Error::Validation(_)), Ok(_)]), "{results:?}");
        assert_eq!(count(&conn), 2 + 1, "two readings in one hourly rollup");

        let failed = write_group(
            &mut conn,
            vec![(1, vec![reading("t", 4, 4.0)], now), (1, vec![reading("t", 5, 5.0), reading("t", 6, 13.0)], now)],
        );
        assert!(matches!(failed, Err(Error::Internal(_))), "{failed:?}");
        assert_eq!(count(&conn), 3, "neither batch of the failed group was stored");
        let sum: f64 = conn.query_row("SELECT sum FROM metrics_hourly", [], |r| r.get(0)).unwrap();
        assert_eq!(sum, 4.0, "the rollup did not take the failed group's readings");
    }
}
