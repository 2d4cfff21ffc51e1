"""SQL for API tokens. Only the digest of the secret is stored."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from farm_core.auth import capabilities
from farm_core.auth.capabilities import Capability
from farm_core.db import Database, is_unique_violation
from farm_core.domain.api_tokens import ApiToken
from farm_core.domain.errors import Conflict, NotFound
from farm_core.domain.users import User
from farm_core.store.users import user_at


@dataclass(frozen=True, slots=True)
class NewApiToken:
    user_id: int
    name: str
    prefix: str
    token_hash: str
    capabilities: list[Capability]
    created_at: int
    expires_at: int | None


SELECT = (
    "SELECT t.id, t.name, t.prefix, t.user_id, u.username, t.capabilities, t.created_at, t.expires_at,"
    " t.last_used_at, t.revoked_at, u.id, u.username, u.role, u.disabled, u.created_at, u.updated_at"
    " FROM api_tokens t JOIN users u ON u.id = t.user_id"
)


def _token_from_row(row: tuple) -> tuple[ApiToken, User]:
    # A capability this build no longer knows grants nothing.
    caps = tuple(cap for cap in map(capabilities.parse, json.loads(row[5])) if cap is not None)
    token = ApiToken(row[0], row[1], row[2], row[3], row[4], caps, row[6], row[7], row[8], row[9])
    return token, user_at(row, 10)


def _get(conn: sqlite3.Connection, token_id: int) -> ApiToken:
    row = conn.execute(f"{SELECT} WHERE t.id = ?", (token_id,)).fetchone()
    if row is None:
        raise NotFound("api token")
    return _token_from_row(row)[0]


def _list(conn: sqlite3.Connection) -> list[ApiToken]:
    return [_token_from_row(row)[0] for row in conn.execute(f"{SELECT} ORDER BY t.id")]


def _create(conn: sqlite3.Connection, new: NewApiToken) -> ApiToken:
    caps_json = json.dumps([cap.value for cap in new.capabilities], separators=(",", ":"))
    try:
        cursor = conn.execute(
            "INSERT INTO api_tokens (user_id, name, prefix, token_hash, capabilities, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (new.user_id, new.name, new.prefix, new.token_hash, caps_json, new.created_at, new.expires_at),
        )
    except sqlite3.IntegrityError as err:
        if is_unique_violation(err):
            raise Conflict("token collision; try again") from None
        raise
    return _get(conn, cursor.lastrowid)


def _lookup(conn: sqlite3.Connection, token_hash: str) -> tuple[ApiToken, User] | None:
    row = conn.execute(f"{SELECT} WHERE t.token_hash = ?", (token_hash,)).fetchone()
    return None if row is None else _token_from_row(row)


def _touch(conn: sqlite3.Connection, token_id: int, now: int) -> None:
    conn.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now, token_id))


def _revoke(conn: sqlite3.Connection, token_id: int, now: int) -> None:
    cursor = conn.execute("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", (now, token_id))
    if cursor.rowcount == 0:
        raise NotFound("api token")


class ApiTokenStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self) -> list[ApiToken]:
        return await self._db.run(_list)

    async def create(self, new: NewApiToken) -> ApiToken:
        return await self._db.run(_create, new)

    async def lookup(self, token_hash: str) -> tuple[ApiToken, User] | None:
        """The token and its owner, whatever their state; the caller decides what is still valid."""
        return await self._db.run(_lookup, token_hash)

    async def touch(self, token_id: int, now: int) -> None:
        await self._db.run(_touch, token_id, now)

    async def revoke(self, token_id: int, now: int) -> None:
        """Marks the token revoked; revoking twice keeps the first time."""
        await self._db.run(_revoke, token_id, now)
