"""Facts about the database itself, for health checks."""

from __future__ import annotations

from farm_core import migrations
from farm_core.db import Database


class MetaStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def schema_version(self) -> int:
        """The highest applied migration; fails when the database cannot be read."""
        return await self._db.run(migrations.schema_version)
