"""SQL for field nodes, as far as this backend needs them: telling a node's bearer token apart
from an unknown one (nodes themselves are managed by the Rust server)."""

from __future__ import annotations

import sqlite3

from farm_core.db import Database


def _token_known(conn: sqlite3.Connection, token_hash: str) -> bool:
    return conn.execute("SELECT 1 FROM nodes WHERE token_hash = ?", (token_hash,)).fetchone() is not None


class NodeStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def token_known(self, token_hash: str) -> bool:
        """Whether some node (retired or not) holds the token with this digest."""
        return await self._db.run(_token_known, token_hash)
