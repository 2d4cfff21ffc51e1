"""SQL for sensors."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from farm_core.db import Database, Transaction, is_unique_violation
from farm_core.domain.errors import Conflict, NotFound
from farm_core.domain.sensors import Sensor, kind_from_db
from farm_core.store.nodes import NewSensor, insert_sensor


@dataclass(frozen=True, slots=True)
class SensorChange:
    name: str | None = None
    unit: str | None = None
    interval_s: int | None = None
    retention_days: int | None = None


COLUMNS = "id, node_id, key, name, kind, unit, interval_s, retention_days, last_value, last_ts"


def sensor_from_row(r: tuple) -> Sensor:
    return Sensor(r[0], r[1], r[2], r[3], kind_from_db(r[4]), r[5], r[6], r[7], r[8], r[9])


def list_of(conn: sqlite3.Connection, node_id: int | None) -> list[Sensor]:
    """Sensors not removed, optionally of one node, by id."""
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM sensors WHERE removed_at IS NULL AND (?1 IS NULL OR node_id = ?1) ORDER BY id",
        (node_id,),
    )
    return [sensor_from_row(r) for r in rows]


def get(conn: sqlite3.Connection, sensor_id: int) -> Sensor:
    row = conn.execute(f"SELECT {COLUMNS} FROM sensors WHERE id = ? AND removed_at IS NULL", (sensor_id,)).fetchone()
    if row is None:
        raise NotFound("sensor")
    return sensor_from_row(row)


def check_node_active(conn: sqlite3.Connection, node_id: int) -> None:
    """The node must exist and not be retired to gain sensors or outputs."""
    row = conn.execute("SELECT retired_at FROM nodes WHERE id = ?", (node_id,)).fetchone()
    if row is None:
        raise NotFound("node")
    if row[0] is not None:
        raise Conflict("node is retired")


def _create(conn: sqlite3.Connection, node_id: int, new: NewSensor, now: int) -> Sensor:
    with Transaction(conn):
        check_node_active(conn, node_id)
        return get(conn, insert_sensor(conn, node_id, new, now))


def _update(conn: sqlite3.Connection, sensor_id: int, change: SensorChange, now: int) -> Sensor:
    try:
        cursor = conn.execute(
            "UPDATE sensors SET name = COALESCE(?, name), unit = COALESCE(?, unit),"
            " interval_s = COALESCE(?, interval_s), retention_days = COALESCE(?, retention_days), updated_at = ?"
            " WHERE id = ? AND removed_at IS NULL",
            (change.name, change.unit, change.interval_s, change.retention_days, now, sensor_id),
        )
    except sqlite3.IntegrityError as err:
        if is_unique_violation(err):
            raise Conflict("sensor conflict") from None
        raise
    if cursor.rowcount == 0:
        raise NotFound("sensor")
    return get(conn, sensor_id)


def _remove(conn: sqlite3.Connection, sensor_id: int, purge: bool, now: int) -> Sensor:
    with Transaction(conn):
        sensor = get(conn, sensor_id)
        if purge:
            conn.execute("DELETE FROM metrics WHERE sensor_id = ?", (sensor_id,))
            conn.execute("DELETE FROM metrics_hourly WHERE sensor_id = ?", (sensor_id,))
            conn.execute("DELETE FROM sensors WHERE id = ?", (sensor_id,))
        else:
            conn.execute("UPDATE sensors SET removed_at = ?, updated_at = ? WHERE id = ?", (now, now, sensor_id))
        return sensor


class SensorStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self, node_id: int | None) -> list[Sensor]:
        return await self._db.run(list_of, node_id)

    async def get(self, sensor_id: int) -> Sensor:
        return await self._db.run(get, sensor_id)

    async def create(self, node_id: int, new: NewSensor, now: int) -> Sensor:
        return await self._db.write(_create, node_id, new, now)

    async def update(self, sensor_id: int, change: SensorChange, now: int) -> Sensor:
        return await self._db.write(_update, sensor_id, change, now)

    async def remove(self, sensor_id: int, purge: bool, now: int) -> Sensor:
        """Removes the sensor from its node. Its history stays until retention deletes it, unless
        `purge`, which deletes readings and rollups at once. Returns the sensor as it was."""
        return await self._db.write(_remove, sensor_id, purge, now)
