"""Backups of the SQLite database: the snapshot is taken on a pool connection (`VACUUM INTO` is a
read), the restore as the writer, so no write of this process interleaves with it; and the
stale-backup alarm's rows."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable

from farm_core import backup, migrations
from farm_core.backup import BackupError, Kind, Manifest, Phase
from farm_core.db import Database
from farm_core.domain.errors import Conflict, NotFound


def _restore(conn: sqlite3.Connection, folder: str, name: str, now: int) -> None:
    try:
        manifest = backup.read_manifest(folder, name)
    except BackupError:
        raise NotFound("backup") from None
    try:
        backup.verify(folder, manifest)
    except (BackupError, OSError, sqlite3.Error) as err:
        problem = str(err) if isinstance(err, BackupError) else backup.describe(err)
        raise Conflict(f"the backup no longer verifies: {problem}") from None
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=folder) as work:
        db = os.path.join(work, "restore.db")
        backup.decompress(backup.data_path(folder, name), db)
        backup.restore_into(conn, db)
    migrations.migrate(conn, migrations.load(), now)


# (id, schedule_id, severity, message, raised_at, acknowledged_at, acknowledged_by)
AlarmRow = tuple[int, int | None, str, str, int, int | None, str | None]


def _alarm_raise(conn: sqlite3.Connection, severity: str, message: str, now: int) -> AlarmRow:
    cursor = conn.execute(
        "INSERT INTO alarms (schedule_id, severity, message, raised_at) VALUES (NULL, ?, ?, ?)",
        (severity, message, now),
    )
    return conn.execute(
        "SELECT id, schedule_id, severity, message, raised_at, acknowledged_at, acknowledged_by FROM alarms"
        " WHERE id = ?",
        (cursor.lastrowid,),
    ).fetchone()


def _alarm_open_with_message(conn: sqlite3.Connection, message: str) -> bool:
    return bool(
        conn.execute(
            "SELECT EXISTS (SELECT 1 FROM alarms WHERE message = ? AND acknowledged_at IS NULL)", (message,)
        ).fetchone()[0]
    )


def _settings(conn: sqlite3.Connection) -> tuple[str, str | None] | None:
    row = conn.execute("SELECT dir, daily_at FROM backup_settings WHERE id = 1").fetchone()
    return None if row is None else (row[0], row[1])


def _settings_put(conn: sqlite3.Connection, dir_: str, daily_at: str | None, now: int) -> None:
    conn.execute(
        "INSERT INTO backup_settings (id, dir, daily_at, updated_at) VALUES (1, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET dir = excluded.dir, daily_at = excluded.daily_at,"
        " updated_at = excluded.updated_at",
        (dir_, daily_at, now),
    )


class BackupStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, folder: str, name: str, kind: Kind, now: int, progress: Callable[[Phase], None]) -> Manifest:
        """Writes a verified (or failed) backup named `name` into `folder`."""
        return await self._db.run(backup.create, folder, name, kind, now, progress)

    async def restore(self, folder: str, name: str, now: int) -> None:
        """Verifies the backup again, then replaces the live database's contents with it in one
        transaction and applies migrations the backup predates. A failure changes nothing."""
        await self._db.write(_restore, folder, name, now)

    async def alarm_raise(self, severity: str, message: str, now: int) -> AlarmRow:
        return await self._db.write(_alarm_raise, severity, message, now)

    async def settings(self) -> tuple[str, str | None] | None:
        """The stored backup folder and daily time (the setup wizard's or the settings API's), or
        None (the configuration's)."""
        return await self._db.run(_settings)

    async def settings_put(self, dir_: str, daily_at: str | None, now: int) -> None:
        """Stores the backup folder and daily time, which win over the configuration's from now on."""
        await self._db.write(_settings_put, dir_, daily_at, now)

    async def alarm_open_with_message(self, message: str) -> bool:
        """Whether an unacknowledged alarm with this message exists."""
        return await self._db.run(_alarm_open_with_message, message)
