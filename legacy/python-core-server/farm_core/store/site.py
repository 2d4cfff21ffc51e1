"""SQL for the site settings (a single row)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from farm_core.db import Database
from farm_core.domain.errors import NotFound
from farm_core.domain.site import Site, Units


@dataclass(frozen=True, slots=True)
class SiteChange:
    name: str | None = None
    timezone: str | None = None
    units: Units | None = None


def get(conn: sqlite3.Connection) -> Site:
    row = conn.execute("SELECT name, timezone, units, updated_at FROM site WHERE id = 1").fetchone()
    if row is None:
        raise NotFound("site")
    units = Units.IMPERIAL if row[2] == "imperial" else Units.METRIC
    return Site(row[0], row[1], units, row[3])


def _update(conn: sqlite3.Connection, change: SiteChange, now: int) -> Site:
    units = change.units.value if change.units is not None else None
    conn.execute(
        "UPDATE site SET name = COALESCE(?, name), timezone = COALESCE(?, timezone), units = COALESCE(?, units),"
        " updated_at = ? WHERE id = 1",
        (change.name, change.timezone, units, now),
    )
    return get(conn)


class SiteStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self) -> Site:
        return await self._db.run(get)

    async def update(self, change: SiteChange, now: int) -> Site:
        return await self._db.write(_update, change, now)
