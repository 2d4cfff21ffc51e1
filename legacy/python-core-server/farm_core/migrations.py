"""The schema runner shared, rule for rule, with the Rust backend (docs/architecture.md):

1. Migrations are the files `migrations/NNNN_name.sql`; the version is NNNN, the name the rest of
   the file name, the checksum the lower-case hex SHA-256 of the file's bytes.
2. `schema_migrations(version, name, checksum, applied_at)` records what was applied.
3. A recorded version this build does not know means the database is newer: refuse. A recorded
   checksum that differs from the file means the history was edited: refuse.
4. Pending migrations are applied in version order, all in one `BEGIN IMMEDIATE` transaction,
   each followed by its `schema_migrations` row; a failure leaves the database as it was.
5. The schema version is `MAX(version)` of `schema_migrations` (0 when empty).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from farm_core.db import Transaction

_FILE_NAME = re.compile(r"([0-9]{4})_([a-z0-9_]+)\.sql")

CREATE_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    checksum   TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
)"""


class MigrationError(Exception):
    """The migrations could not be read, or the database refused them."""


class Refusal(MigrationError):
    """The runner refused to touch the database (its messages are the Rust runner's, word for word)."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str
    checksum: str


def migrations_dir() -> Path:
    """`FARM_MIGRATIONS_DIR`, else the repository's `migrations/` (../../migrations from this project)."""
    override = os.environ.get("FARM_MIGRATIONS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent.parent.parent / "migrations"


def parse_file_name(file: str) -> tuple[int, str] | None:
    m = _FILE_NAME.fullmatch(file)
    return (int(m.group(1)), m.group(2)) if m else None


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load(folder: Path | None = None) -> list[Migration]:
    """The `*.sql` files of `folder`, in version order."""
    folder = folder or migrations_dir()
    try:
        files = sorted(p for p in folder.iterdir() if p.name.endswith(".sql") and p.is_file())
    except OSError as err:
        raise MigrationError(f"reading the migrations folder {folder}: {err}") from None
    out = []
    for path in files:
        parsed = parse_file_name(path.name)
        if parsed is None:
            raise MigrationError(f"migration file {path.name} is not named NNNN_name.sql")
        data = path.read_bytes()
        try:
            sql = data.decode("utf-8")
        except UnicodeDecodeError:
            raise MigrationError(f"migration {path.name} is not UTF-8") from None
        out.append(Migration(parsed[0], parsed[1], sql, checksum(data)))
    out.sort(key=lambda m: m.version)
    for a, b in itertools.pairwise(out):
        if a.version == b.version:
            raise MigrationError(f"two migrations share version {a.version:04d}")
    return out


def split_statements(sql: str) -> list[str]:
    """The statements of a script, split where SQLite says a statement is complete (so semicolons in
    strings and trigger bodies stay put). `executescript` cannot be used: it commits first."""
    statements, start = [], 0
    for i, ch in enumerate(sql):
        if ch == ";" and sqlite3.complete_statement(sql[start : i + 1]):
            statements.append(sql[start : i + 1])
            start = i + 1
    tail = sql[start:]
    if not sqlite3.complete_statement(tail + ";") or _has_code(tail):
        statements.append(tail)
    return [s for s in statements if _has_code(s)]


def _has_code(text: str) -> bool:
    """Whether `text` holds more than whitespace and comments."""
    without_block = re.sub(r"/\*.*?(\*/|\Z)", " ", text, flags=re.S)
    return any(line.split("--", 1)[0].strip() for line in without_block.splitlines())


def pending(conn: sqlite3.Connection, known: list[Migration]) -> list[Migration]:
    """Checks the recorded history against `known`; returns the migrations still to apply."""
    exists = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if exists is None:
        return list(known)
    by_version = {m.version: m for m in known}
    applied = conn.execute("SELECT version, name, checksum FROM schema_migrations ORDER BY version").fetchall()
    for version, name, recorded in applied:
        m = by_version.get(version)
        if m is None:
            raise Refusal(
                f"the database has migration {version:04d}_{name}, which this build does not know: "
                "it was written by a newer version; upgrade, or restore a backup taken before that version"
            )
        if m.checksum != recorded:
            raise Refusal(
                f"migration {version:04d}_{m.name} was applied with checksum {recorded}, but this build's "
                f"file has checksum {m.checksum}: a landed migration was edited; refusing to start"
            )
    done = {row[0] for row in applied}
    return [m for m in known if m.version not in done]


def migrate(conn: sqlite3.Connection, known: list[Migration], now_ms: int) -> list[int]:
    """Applies what is pending in one transaction. Returns the versions applied."""
    applied = []
    with Transaction(conn):
        conn.execute(CREATE_TABLE)
        for m in pending(conn, known):
            try:
                for statement in split_statements(m.sql):
                    conn.execute(statement)
            except sqlite3.Error as err:
                raise MigrationError(f"applying migration {m.version:04d}_{m.name}: {err}") from err
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                (m.version, m.name, m.checksum, now_ms),
            )
            applied.append(m.version)
    return applied


def schema_version(conn: sqlite3.Connection) -> int:
    """The highest applied version (0 for an empty history)."""
    return conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]
