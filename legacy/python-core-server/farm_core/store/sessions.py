"""SQL for browser sessions. Only the digest of the cookie value is stored."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from farm_core.db import Database
from farm_core.domain.users import User
from farm_core.store.users import user_at


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    user: User
    last_seen_at: int
    expires_at: int


def _create(conn: sqlite3.Connection, user_id: int, token_hash: str, now: int, expires_at: int) -> int:
    cursor = conn.execute(
        "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        (user_id, token_hash, now, now, expires_at),
    )
    return cursor.lastrowid


def _lookup(conn: sqlite3.Connection, token_hash: str) -> SessionRow | None:
    row = conn.execute(
        "SELECT s.id, s.last_seen_at, s.expires_at, u.id, u.username, u.role, u.disabled, u.created_at, u.updated_at"
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
        (token_hash,),
    ).fetchone()
    return None if row is None else SessionRow(row[0], user_at(row, 3), row[1], row[2])


def _touch(conn: sqlite3.Connection, session_id: int, now: int) -> None:
    conn.execute("UPDATE sessions SET last_seen_at = ? WHERE id = ?", (now, session_id))


def _delete(conn: sqlite3.Connection, session_id: int) -> None:
    conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))


class SessionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, user_id: int, token_hash: str, now: int, expires_at: int) -> int:
        return await self._db.run(_create, user_id, token_hash, now, expires_at)

    async def lookup(self, token_hash: str) -> SessionRow | None:
        return await self._db.run(_lookup, token_hash)

    async def touch(self, session_id: int, now: int) -> None:
        await self._db.run(_touch, session_id, now)

    async def delete(self, session_id: int) -> None:
        await self._db.run(_delete, session_id)
