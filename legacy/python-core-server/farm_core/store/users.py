"""SQL for users."""

from __future__ import annotations

import sqlite3

from farm_core.db import Database, Transaction, is_unique_violation
from farm_core.domain import users as rules
from farm_core.domain.errors import Conflict, NotFound
from farm_core.domain.users import Role, User, UserChange

COLUMNS = "id, username, role, disabled, created_at, updated_at"


def user_at(row: tuple, at: int = 0) -> User:
    """Reads the user columns (`COLUMNS`, in order) starting at column `at`."""
    return User(row[at], row[at + 1], Role(row[at + 2]), bool(row[at + 3]), row[at + 4], row[at + 5])


def get(conn: sqlite3.Connection, user_id: int) -> User:
    row = conn.execute(f"SELECT {COLUMNS} FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise NotFound("user")
    return user_at(row)


def _active_admins(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0").fetchone()[0]


def _list(conn: sqlite3.Connection) -> list[User]:
    return [user_at(row) for row in conn.execute(f"SELECT {COLUMNS} FROM users ORDER BY id")]


def _credentials(conn: sqlite3.Connection, username: str) -> tuple[User, str] | None:
    row = conn.execute(f"SELECT {COLUMNS}, password_hash FROM users WHERE username = ?", (username,)).fetchone()
    return None if row is None else (user_at(row), row[6])


def _password_hash(conn: sqlite3.Connection, user_id: int) -> str:
    row = conn.execute("SELECT password_hash FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise NotFound("user")
    return row[0]


def _create(conn: sqlite3.Connection, username: str, password_hash: str, role: Role, now: int) -> User:
    try:
        cursor = conn.execute(
            "INSERT INTO users (username, password_hash, role, disabled, created_at, updated_at, password_changed_at)"
            " VALUES (?, ?, ?, 0, ?, ?, ?)",
            (username, password_hash, role.value, now, now, now),
        )
    except sqlite3.IntegrityError as err:
        if is_unique_violation(err):
            raise Conflict("username is taken") from None
        raise
    return get(conn, cursor.lastrowid)


def _update(conn: sqlite3.Connection, user_id: int, change: UserChange, now: int) -> User:
    with Transaction(conn):
        user = get(conn, user_id)
        rules.check_change_keeps_an_admin(user, change, _active_admins(conn))
        role = change.role if change.role is not None else user.role
        disabled = change.disabled if change.disabled is not None else user.disabled
        conn.execute(
            "UPDATE users SET role = ?, disabled = ?, updated_at = ? WHERE id = ?",
            (role.value, int(disabled), now, user_id),
        )
        if change.password_hash is not None:
            conn.execute(
                "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?",
                (change.password_hash, now, user_id),
            )
        # A new password or a newly disabled user ends every session of theirs, in the same transaction.
        if change.password_hash is not None or (disabled and not user.disabled):
            conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
        return get(conn, user_id)


def _delete(conn: sqlite3.Connection, user_id: int) -> None:
    with Transaction(conn):
        user = get(conn, user_id)
        rules.check_delete_keeps_an_admin(user, _active_admins(conn))
        conn.execute("DELETE FROM users WHERE id = ?", (user_id,))


def _count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]


class UserStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self) -> list[User]:
        return await self._db.run(_list)

    async def get(self, user_id: int) -> User:
        return await self._db.run(get, user_id)

    async def credentials(self, username: str) -> tuple[User, str] | None:
        """The user and their password hash, for login."""
        return await self._db.run(_credentials, username)

    async def password_hash(self, user_id: int) -> str:
        return await self._db.run(_password_hash, user_id)

    async def create(self, username: str, password_hash: str, role: Role, now: int) -> User:
        return await self._db.run(_create, username, password_hash, role, now)

    async def update(self, user_id: int, change: UserChange, now: int) -> User:
        """Applies `change` unless it would leave no enabled admin."""
        return await self._db.run(_update, user_id, change, now)

    async def delete(self, user_id: int) -> None:
        """Deletes the user; their sessions and tokens go with them (ON DELETE CASCADE)."""
        await self._db.run(_delete, user_id)

    async def count(self) -> int:
        return await self._db.run(_count)
