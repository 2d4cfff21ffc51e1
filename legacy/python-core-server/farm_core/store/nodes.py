"""SQL for nodes, and for creating a node together with its declared sensors and outputs."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from farm_core.auth import secrets
from farm_core.db import Database, Transaction, is_unique_violation
from farm_core.domain.errors import Conflict, NotFound
from farm_core.domain.nodes import Node, node_status
from farm_core.domain.outputs import Output, OutputKind
from farm_core.domain.sensors import Sensor, SensorKind


@dataclass(frozen=True, slots=True)
class NewSensor:
    """A sensor as declared at registration or added later."""

    key: str
    name: str
    kind: SensorKind
    unit: str
    interval_s: int
    retention_days: int


@dataclass(frozen=True, slots=True)
class NewOutput:
    key: str
    name: str
    kind: OutputKind
    default_state: int


@dataclass(frozen=True, slots=True)
class NewNode:
    name: str
    mac: str
    model: str
    agent_version: str
    heartbeat_interval_s: int
    token_hash: str
    sensors: list[NewSensor] = field(default_factory=list)
    outputs: list[NewOutput] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class NodeChange:
    name: str | None = None
    heartbeat_interval_s: int | None = None


@dataclass(frozen=True, slots=True)
class NodeIdentity:
    """The node a bearer token belongs to."""

    id: int
    name: str
    retired: bool


NODE_COLUMNS = (
    "id, name, mac, model, agent_version, ip, heartbeat_interval_s, uptime_s, adopted_at, last_seen_at, retired_at"
)


def node_from_row(row: tuple, now: int) -> Node:
    return Node(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        node_status(row[9], row[6], row[10] is not None, now),
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
    )


def get(conn: sqlite3.Connection, node_id: int, now: int) -> Node:
    row = conn.execute(f"SELECT {NODE_COLUMNS} FROM nodes WHERE id = ?", (node_id,)).fetchone()
    if row is None:
        raise NotFound("node")
    return node_from_row(row, now)


def list_all(conn: sqlite3.Connection, now: int) -> list[Node]:
    return [node_from_row(row, now) for row in conn.execute(f"SELECT {NODE_COLUMNS} FROM nodes ORDER BY id")]


def insert_sensor(conn: sqlite3.Connection, node_id: int, s: NewSensor, now: int) -> int:
    try:
        cursor = conn.execute(
            "INSERT INTO sensors (node_id, key, name, kind, unit, interval_s, retention_days, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (node_id, s.key, s.name, s.kind.value, s.unit, s.interval_s, s.retention_days, now, now),
        )
    except sqlite3.IntegrityError as err:
        if is_unique_violation(err):
            raise Conflict(f"sensor key '{s.key}' is taken on this node") from None
        raise
    return cursor.lastrowid


def insert_output(conn: sqlite3.Connection, node_id: int, o: NewOutput, now: int) -> int:
    try:
        cursor = conn.execute(
            "INSERT INTO outputs (node_id, key, name, kind, default_state, desired_state, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (node_id, o.key, o.name, o.kind.value, o.default_state, o.default_state, now, now),
        )
    except sqlite3.IntegrityError as err:
        if is_unique_violation(err):
            raise Conflict(f"output key '{o.key}' is taken on this node") from None
        raise
    return cursor.lastrowid


def _create(conn: sqlite3.Connection, new: NewNode, now: int) -> tuple[Node, list[Sensor], list[Output]]:
    from farm_core.store import outputs, sensors

    with Transaction(conn):
        try:
            cursor = conn.execute(
                "INSERT INTO nodes (name, mac, model, agent_version, heartbeat_interval_s, token_hash, adopted_at,"
                " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)",
                (new.name, new.mac, new.model, new.agent_version, new.heartbeat_interval_s, new.token_hash, now),
            )
        except sqlite3.IntegrityError as err:
            if is_unique_violation(err):
                taken = "a node with this MAC exists" if "nodes.mac" in str(err) else "node name is taken"
                raise Conflict(taken) from None
            raise
        node_id = cursor.lastrowid
        for s in new.sensors:
            insert_sensor(conn, node_id, s, now)
        for o in new.outputs:
            insert_output(conn, node_id, o, now)
        return get(conn, node_id, now), sensors.list_of(conn, node_id), outputs.list_of(conn, node_id)


def _update(conn: sqlite3.Connection, node_id: int, change: NodeChange, now: int) -> Node:
    try:
        cursor = conn.execute(
            "UPDATE nodes SET name = COALESCE(?, name), heartbeat_interval_s = COALESCE(?, heartbeat_interval_s),"
            " updated_at = ? WHERE id = ?",
            (change.name, change.heartbeat_interval_s, now, node_id),
        )
    except sqlite3.IntegrityError as err:
        if is_unique_violation(err):
            raise Conflict("node name is taken") from None
        raise
    if cursor.rowcount == 0:
        raise NotFound("node")
    return get(conn, node_id, now)


def _retire(conn: sqlite3.Connection, node_id: int, now: int) -> Node:
    with Transaction(conn):
        node = get(conn, node_id, now)
        if node.retired_at is not None:
            raise Conflict("node is already retired")
        # A fresh random digest nobody holds the secret for: the old token stops working.
        revoked = f"retired:{secrets.random_secret()}"
        conn.execute(
            "UPDATE nodes SET retired_at = ?, token_hash = ?, updated_at = ? WHERE id = ?", (now, revoked, now, node_id)
        )
        conn.execute(
            "UPDATE commands SET status = 'expired', finished_at = ?, error = 'node retired'"
            " WHERE node_id = ? AND status IN ('queued', 'delivered')",
            (now, node_id),
        )
        return get(conn, node_id, now)


def _by_token(conn: sqlite3.Connection, token_hash: str) -> NodeIdentity | None:
    row = conn.execute("SELECT id, name, retired_at FROM nodes WHERE token_hash = ?", (token_hash,)).fetchone()
    return None if row is None else NodeIdentity(row[0], row[1], row[2] is not None)


def _token_known(conn: sqlite3.Connection, token_hash: str) -> bool:
    return conn.execute("SELECT 1 FROM nodes WHERE token_hash = ?", (token_hash,)).fetchone() is not None


class NodeStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self, now: int) -> list[Node]:
        return await self._db.run(list_all, now)

    async def get(self, node_id: int, now: int) -> Node:
        return await self._db.run(get, node_id, now)

    async def create(self, new: NewNode, now: int) -> tuple[Node, list[Sensor], list[Output]]:
        return await self._db.write(_create, new, now)

    async def update(self, node_id: int, change: NodeChange, now: int) -> Node:
        return await self._db.write(_update, node_id, change, now)

    async def retire(self, node_id: int, now: int) -> Node:
        """Retires the node: it stops counting as offline and its token stops working."""
        return await self._db.write(_retire, node_id, now)

    async def by_token(self, token_hash: str) -> NodeIdentity | None:
        return await self._db.run(_by_token, token_hash)

    async def token_known(self, token_hash: str) -> bool:
        """Whether some node (retired or not) holds the token with this digest."""
        return await self._db.run(_token_known, token_hash)
