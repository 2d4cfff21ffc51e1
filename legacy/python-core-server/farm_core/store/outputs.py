"""SQL for outputs."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from farm_core.db import Database, Transaction
from farm_core.domain.errors import NotFound
from farm_core.domain.outputs import Output, output_kind_from_db
from farm_core.store.nodes import NewOutput, insert_output
from farm_core.store.sensors import check_node_active


@dataclass(frozen=True, slots=True)
class OutputChange:
    name: str | None = None
    default_state: int | None = None


COLUMNS = "o.id, o.node_id, o.key, o.name, o.kind, o.default_state, o.desired_state, o.reported_state, o.reported_at"


def output_from_row(r: tuple) -> Output:
    return Output(r[0], r[1], r[2], r[3], output_kind_from_db(r[4]), r[5], r[6], r[7], r[8])


def list_of(conn: sqlite3.Connection, node_id: int | None) -> list[Output]:
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM outputs o WHERE o.removed_at IS NULL AND (?1 IS NULL OR o.node_id = ?1) ORDER BY o.id",
        (node_id,),
    )
    return [output_from_row(r) for r in rows]


def get(conn: sqlite3.Connection, output_id: int) -> Output:
    row = conn.execute(
        f"SELECT {COLUMNS} FROM outputs o WHERE o.id = ? AND o.removed_at IS NULL", (output_id,)
    ).fetchone()
    if row is None:
        raise NotFound("output")
    return output_from_row(row)


def _create(conn: sqlite3.Connection, node_id: int, new: NewOutput, now: int) -> Output:
    with Transaction(conn):
        check_node_active(conn, node_id)
        return get(conn, insert_output(conn, node_id, new, now))


def _update(conn: sqlite3.Connection, output_id: int, name: str | None, default_state: int | None, now: int) -> Output:
    with Transaction(conn):
        output = get(conn, output_id)
        if default_state is not None:
            output.kind.check_state("default_state", default_state)
        conn.execute(
            "UPDATE outputs SET name = COALESCE(?, name), default_state = COALESCE(?, default_state), updated_at = ?"
            " WHERE id = ?",
            (name, default_state, now, output_id),
        )
        return get(conn, output_id)


def _remove(conn: sqlite3.Connection, output_id: int, now: int) -> Output:
    with Transaction(conn):
        output = get(conn, output_id)
        conn.execute("UPDATE outputs SET removed_at = ?, updated_at = ? WHERE id = ?", (now, now, output_id))
        conn.execute(
            "UPDATE commands SET status = 'expired', finished_at = ?, error = 'output removed'"
            " WHERE output_id = ? AND status IN ('queued', 'delivered')",
            (now, output_id),
        )
        return output


class OutputStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self, node_id: int | None) -> list[Output]:
        return await self._db.run(list_of, node_id)

    async def get(self, output_id: int) -> Output:
        return await self._db.run(get, output_id)

    async def create(self, node_id: int, new: NewOutput, now: int) -> Output:
        return await self._db.write(_create, node_id, new, now)

    async def update(self, output_id: int, change: OutputChange, now: int) -> Output:
        return await self._db.write(_update, output_id, change.name, change.default_state, now)

    async def remove(self, output_id: int, now: int) -> Output:
        """Removes the output from its node; its open commands expire, its history stays. Returns
        the output as it was."""
        return await self._db.write(_remove, output_id, now)
