"""SQL for the dashboard overview: a fixed number of statements however many nodes exist."""

from __future__ import annotations

import sqlite3

from farm_core.db import Database
from farm_core.domain.dashboard import DashboardState, assemble
from farm_core.store import commands, outputs, sensors, site
from farm_core.store.nodes import list_all

OUTPUTS_WITH_LAST_COMMAND = (
    f"SELECT {outputs.COLUMNS}, {commands.COLUMNS} FROM outputs o"
    " LEFT JOIN commands c ON c.id = (SELECT MAX(id) FROM commands WHERE output_id = o.id)"
    " WHERE o.removed_at IS NULL ORDER BY o.id"
)


def _state(conn: sqlite3.Connection, now: int) -> DashboardState:
    # One read transaction: the four statements see the same snapshot.
    conn.execute("BEGIN")
    try:
        current = site.get(conn)
        nodes = list_all(conn, now)
        sensor_list = sensors.list_of(conn, None)
        output_list = [
            (outputs.output_from_row(r), commands.command_at(r, 9) if r[9] is not None else None)
            for r in conn.execute(OUTPUTS_WITH_LAST_COMMAND)
        ]
    finally:
        conn.execute("COMMIT")
    return assemble(current, nodes, sensor_list, output_list, now)


class DashboardStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def state(self, now: int) -> DashboardState:
        return await self._db.run(_state, now)
