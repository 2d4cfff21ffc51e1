"""SQL for readings: atomic, idempotent batch ingest that keeps the hourly rollups current, chart
queries that read raw rows or rollups by range, and batched retention.

Float sums in SQL use `kbn_sum` (farm_core.db), SQLite's own summation since 3.43, so the points
are those of the Rust server to the last bit whatever SQLite this Python links."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from farm_core.db import Database, Transaction
from farm_core.domain.errors import NotFound
from farm_core.domain.metrics import HOUR_MS, Point, Query, Resolution, Series, plan
from farm_core.domain.sensors import RawReading, Reading, validate_batch

INSERT = "INSERT OR IGNORE INTO metrics (sensor_id, ts, value) VALUES (?, ?, ?)"
UPSERT_HOUR = (
    "INSERT INTO metrics_hourly (sensor_id, hour, min, max, sum, count) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (sensor_id, hour) DO UPDATE SET min = MIN(min, excluded.min), max = MAX(max, excluded.max),"
    " sum = sum + excluded.sum, count = count + excluded.count"
)
LAST_VALUE = "UPDATE sensors SET last_value = ?2, last_ts = ?3 WHERE id = ?1 AND (last_ts IS NULL OR last_ts <= ?3)"


@dataclass(slots=True)
class Ingested:
    stored: int = 0
    duplicates: int = 0
    # The newest stored reading of each sensor in the batch, by sensor id.
    latest: list[Reading] = field(default_factory=list)


def insert_readings(conn: sqlite3.Connection, readings: list[Reading]) -> Ingested:
    """Inserts validated readings and folds the new ones into the hourly rollups (inside the
    caller's transaction). A reading whose sensor and time are already stored, or repeat one
    earlier in the batch, is a duplicate: the first one stays."""
    conn.execute("SAVEPOINT ingest")
    if conn.executemany(INSERT, readings).rowcount == len(readings):
        stored = readings
    else:
        # Some were there already: find out which, one by one, as the first pass never happened.
        conn.execute("ROLLBACK TO ingest")
        stored = [r for r in readings if conn.execute(INSERT, r).rowcount]
    conn.execute("RELEASE ingest")
    # Per (sensor, hour): [min, max, sum, count], summed in reading order as in Rust.
    hourly: dict[tuple[int, int], list] = {}
    latest: dict[int, Reading] = {}
    for reading in stored:
        sensor_id, ts, value = reading
        key = (sensor_id, ts // HOUR_MS * HOUR_MS)
        agg = hourly.get(key)
        if agg is None:
            hourly[key] = [value, value, value, 1]
        else:
            if value < agg[0]:
                agg[0] = value
            if value > agg[1]:
                agg[1] = value
            agg[2] += value
            agg[3] += 1
        newest = latest.get(sensor_id)
        if newest is None or ts > newest[1]:
            latest[sensor_id] = reading
    conn.executemany(UPSERT_HOUR, [(s, h, a[0], a[1], a[2], a[3]) for (s, h), a in hourly.items()])
    conn.executemany(LAST_VALUE, [(s, v, t) for s, t, v in latest.values()])
    return Ingested(len(stored), len(readings) - len(stored), sorted(latest.values()))


def _sensor_keys(conn: sqlite3.Connection, node_id: int) -> dict[str, int]:
    return dict(conn.execute("SELECT key, id FROM sensors WHERE node_id = ? AND removed_at IS NULL", (node_id,)))


def _ingest(conn: sqlite3.Connection, node_id: int, readings: list[RawReading], now: int) -> Ingested:
    with Transaction(conn):
        keys = _sensor_keys(conn, node_id)
        return insert_readings(conn, validate_batch(readings, keys.get, now))


def _import(conn: sqlite3.Connection, readings: list[Reading]) -> Ingested:
    with Transaction(conn):
        return insert_readings(conn, readings)


RAW = "SELECT ts, value, value, value, 1 FROM metrics WHERE sensor_id = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts"
BUCKETED = (
    "SELECT ?2 + ((ts - ?2) / ?4) * ?4 AS b, MIN(value), MAX(value), kbn_sum(value), COUNT(*)"
    " FROM metrics WHERE sensor_id = ?1 AND ts >= ?2 AND ts < ?3 GROUP BY b ORDER BY b"
)
HOURLY = (
    "SELECT ?2 + ((hour - ?2) / ?4) * ?4 AS b, MIN(min), MAX(max), kbn_sum(sum), SUM(count)"
    " FROM metrics_hourly WHERE sensor_id = ?1 AND hour >= ?2 AND hour < ?3 GROUP BY b ORDER BY b"
)


def _series(conn: sqlite3.Connection, sensor_id: int, q: Query) -> Series:
    if not conn.execute("SELECT EXISTS (SELECT 1 FROM sensors WHERE id = ?)", (sensor_id,)).fetchone()[0]:
        raise NotFound("sensor")
    # The rollups count the raw readings cheaply, whatever the range.
    readings = conn.execute(
        "SELECT COALESCE(SUM(count), 0) FROM metrics_hourly WHERE sensor_id = ? AND hour >= ? AND hour < ?",
        (sensor_id, q.from_ms // HOUR_MS * HOUR_MS, q.to_ms),
    ).fetchone()[0]
    # Retention deletes raw readings but keeps rollups: when rollups reach further back than the
    # oldest raw reading, and the range starts before it, only the rollups cover it.
    oldest_raw, oldest_hour = conn.execute(
        "SELECT (SELECT MIN(ts) FROM metrics WHERE sensor_id = ?1),"
        " (SELECT MIN(hour) FROM metrics_hourly WHERE sensor_id = ?1)",
        (sensor_id,),
    ).fetchone()
    if oldest_raw is not None and oldest_hour is not None:
        raw_complete = q.from_ms >= oldest_raw or oldest_hour >= oldest_raw // HOUR_MS * HOUR_MS
    else:
        raw_complete = not (oldest_raw is None and oldest_hour is not None)
    p = plan(q.from_ms, q.to_ms, q.max_points, readings, raw_complete)
    if p.resolution is Resolution.RAW:
        rows = conn.execute(RAW, (sensor_id, p.start, p.end)).fetchall()
        return Series(sensor_id, p.resolution, 0, rows)
    sql = BUCKETED if p.resolution is Resolution.BUCKETED else HOURLY
    points: list[Point] = [
        (b, low, high, total / count, count)
        for b, low, high, total, count in conn.execute(sql, (sensor_id, p.start, p.end, p.bucket_ms))
    ]
    return Series(sensor_id, p.resolution, p.bucket_ms, points)


def _query(conn: sqlite3.Connection, q: Query) -> list[Series]:
    return [_series(conn, sensor_id, q) for sensor_id in q.sensor_ids]


def _retention_sensors(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    return conn.execute("SELECT id, retention_days FROM sensors ORDER BY id").fetchall()


def _delete_old(conn: sqlite3.Connection, sensor_id: int, cutoff: int, batch: int) -> int:
    return conn.execute(
        "DELETE FROM metrics WHERE sensor_id = ?1 AND ts IN"
        " (SELECT ts FROM metrics WHERE sensor_id = ?1 AND ts < ?2 ORDER BY ts LIMIT ?3)",
        (sensor_id, cutoff, batch),
    ).rowcount


class MetricStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def ingest(self, node_id: int, readings: list[RawReading], now: int) -> Ingested:
        """Validates and stores a node's batch in one transaction: all of it, or none."""
        return await self._db.write(_ingest, node_id, readings, now)

    async def import_readings(self, readings: list[Reading]) -> Ingested:
        """Stores already validated readings in one transaction (demo history, imports)."""
        return await self._db.write(_import, readings)

    async def query(self, query: Query) -> list[Series]:
        return await self._db.run(_query, query)

    async def retention(self, now: int, batch: int) -> int:
        """Deletes raw readings older than each sensor's retention, `batch` rows per transaction.
        Rollups are kept. Returns the number of rows deleted."""
        deleted = 0
        for sensor_id, days in await self._db.run(_retention_sensors):
            cutoff = now - days * 24 * HOUR_MS
            # Small transactions: ingest never waits long behind retention.
            while True:
                n = await self._db.write(_delete_old, sensor_id, cutoff, batch)
                deleted += n
                if n < batch:
                    break
        return deleted
