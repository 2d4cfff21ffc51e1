"""Controller backups, as a library (Rust's `backup/mod.rs`).

A backup is two files in the backups folder: `<name>.db.zst`, a zstd-compressed consistent
snapshot of the whole database taken online with `VACUUM INTO` (never a copy of the live file),
and `<name>.json`, its manifest: app and schema version, SHA-256 and size of the compressed file,
row counts per table, and the result of verification. The folder is the truth; nothing about
backups lives in the database, so restoring one cannot make others disappear from the list. The
files are the Rust server's: each backend lists, verifies and restores the other's backups.

Verification opens the snapshot read-only, runs `PRAGMA integrity_check`, checks the schema
version and compares the row counts with the manifest. A backup that was never verified, or
failed, is not offered as good."""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zstandard

from farm_core import VERSION, migrations
from farm_core.domain.time import parse_rfc3339, to_rfc3339

log = logging.getLogger("farm_core")

FORMAT = 1
ZSTD_LEVEL = 3
CHUNK = 64 * 1024
_NAME = re.compile(r"[a-z0-9-]{1,80}", re.ASCII)


class Kind(enum.Enum):
    MANUAL = "manual"
    SCHEDULED = "scheduled"
    # Taken automatically before a restore.
    SAFETY = "safety"
    UPLOADED = "uploaded"


class Status(enum.Enum):
    # Being written (only while the server works on it).
    RUNNING = "running"
    VERIFIED = "verified"
    FAILED = "failed"


class Phase(enum.Enum):
    """Progress of a long backup, for the caller to report."""

    SNAPSHOT = "snapshot"
    COMPRESS = "compress"
    VERIFY = "verify"


class BackupError(Exception):
    """A failure with anyhow's `{:#}` rendering: the contexts, then the cause, joined by `: `."""


def context(message: str, err: BaseException) -> BackupError:
    return BackupError(f"{message}: {describe(err)}")


def describe(err: BaseException) -> str:
    """An error as Rust would print it: io errors as `No such file or directory (os error 2)`,
    SQLite errors by their message, zstd errors by libzstd's name."""
    if isinstance(err, OSError) and err.errno is not None and err.strerror:
        return f"{err.strerror} (os error {err.errno})"
    text = str(err)
    if isinstance(err, zstandard.ZstdError):
        return text.split(": ", 1)[1] if ": " in text else text
    return text


@dataclass(slots=True)
class Manifest:
    format: int
    name: str
    kind: Kind
    app_version: str
    schema_version: int
    created_at: int
    # Of the compressed file.
    sha256: str
    size: int
    row_counts: dict[str, int]
    status: Status
    verified_at: int | None = None
    # Why verification failed.
    problem: str | None = None

    def fields(self) -> dict[str, Any]:
        """The fields in the Rust order, as serde writes them."""
        return {
            "format": self.format,
            "name": self.name,
            "kind": self.kind.value,
            "app_version": self.app_version,
            "schema_version": self.schema_version,
            "created_at": to_rfc3339(self.created_at),
            "sha256": self.sha256,
            "size": self.size,
            "row_counts": dict(sorted(self.row_counts.items(), key=lambda kv: kv[0].encode())),
            "status": self.status.value,
            "verified_at": None if self.verified_at is None else to_rfc3339(self.verified_at),
            "problem": self.problem,
        }

    def to_json(self) -> str:
        """Compact, for API answers."""
        return json.dumps(self.fields(), ensure_ascii=False, separators=(",", ":"))

    def to_file_bytes(self) -> bytes:
        """`serde_json::to_vec_pretty`: two-space indent, no trailing newline."""
        return json.dumps(self.fields(), ensure_ascii=False, indent=2).encode()


def _int(value: Any, unsigned: bool = False) -> int:
    if type(value) is not int or (unsigned and value < 0):
        raise ValueError("expected an integer")
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise ValueError("expected a string")
    return value


def _ts(value: Any) -> int:
    ms = parse_rfc3339(_str(value))
    if ms is None:
        raise ValueError("expected an RFC 3339 timestamp")
    return ms


def manifest_from(data: Any) -> Manifest:
    """A manifest as serde reads it (unknown fields ignored, the rest strictly typed)."""
    if not isinstance(data, dict):
        raise ValueError("expected an object")
    counts = data["row_counts"]
    if not isinstance(counts, dict):
        raise ValueError("row_counts: expected a map")
    verified_at = data.get("verified_at")
    problem = data.get("problem")
    return Manifest(
        format=_int(data["format"], unsigned=True),
        name=_str(data["name"]),
        kind=Kind(_str(data["kind"])),
        app_version=_str(data["app_version"]),
        schema_version=_int(data["schema_version"]),
        created_at=_ts(data["created_at"]),
        sha256=_str(data["sha256"]),
        size=_int(data["size"], unsigned=True),
        row_counts={_str(k): _int(v) for k, v in counts.items()},
        status=Status(_str(data["status"])),
        verified_at=None if verified_at is None else _ts(verified_at),
        problem=None if problem is None else _str(problem),
    )


def check_name(name: str) -> bool:
    """Backup names are file names: `a-z 0-9 -`, 1-80 characters, so no path can escape the folder."""
    return _NAME.fullmatch(name) is not None


def data_path(folder: str | Path, name: str) -> Path:
    return Path(folder) / f"{name}.db.zst"


def manifest_path(folder: str | Path, name: str) -> Path:
    return Path(folder) / f"{name}.json"


def name_for(folder: str | Path, kind: Kind, now_ms: int) -> str:
    """`farm-20260301-060000-000-manual`, with `-2`, `-3`... when that name is taken in `folder`."""
    stamp = to_rfc3339(now_ms)  # YYYY-MM-DDTHH:MM:SS.mmmZ
    base = f"farm-{stamp[0:4]}{stamp[5:7]}{stamp[8:10]}-{stamp[11:13]}{stamp[14:16]}{stamp[17:19]}-{stamp[20:23]}"
    base = f"{base}-{kind.value}"
    n = 1
    while True:
        name = base if n == 1 else f"{base}-{n}"
        if not (manifest_path(folder, name).exists() or data_path(folder, name).exists()):
            return name
        n += 1


def write_manifest(folder: str | Path, manifest: Manifest) -> None:
    path = manifest_path(folder, manifest.name)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_bytes(manifest.to_file_bytes())
    # Rename is atomic: a reader sees the old manifest or the new one, never half of one.
    try:
        os.replace(tmp, path)
    except OSError as err:
        raise context(f"writing {path}", err) from None


def read_manifest(folder: str | Path, name: str) -> Manifest:
    path = manifest_path(folder, name)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise context(f"reading {path}", err) from None
    try:
        return manifest_from(json.loads(data))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
        raise context(f"parsing {path}", err) from None


def list_manifests(folder: str | Path) -> list[Manifest]:
    """Every manifest in the folder, newest first. Unreadable ones are skipped with a warning."""
    try:
        entries = os.listdir(folder)
    except FileNotFoundError:
        return []
    out = []
    for entry in entries:
        if not entry.endswith(".json"):
            continue
        name = entry[: -len(".json")]
        if not check_name(name):
            continue
        try:
            out.append(read_manifest(folder, name))
        except BackupError as err:
            log.warning("skipping backup manifest: %s", err)
    out.sort(key=lambda m: (m.created_at, m.name.encode()), reverse=True)
    return out


def row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {}
    for t in tables:
        quoted = t.replace('"', '""')
        counts[t] = conn.execute(f'SELECT COUNT(*) FROM "{quoted}"').fetchone()[0]
    return counts


def open_read_only(path: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=ro", uri=True, isolation_level=None)


def compress(src: str | Path, dst: str | Path) -> tuple[str, int]:
    """Compresses `src` into `dst`; returns the SHA-256 and size of what was written."""
    digest = hashlib.sha256()
    size = 0
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    try:
        source = open(src, "rb")  # noqa: SIM115 - closed below
    except OSError as err:
        raise context(f"opening {src}", err) from None
    with source, open(dst, "wb") as out:
        chunker = compressor.chunker(chunk_size=CHUNK)
        while block := source.read(CHUNK):
            for piece in chunker.compress(block):
                digest.update(piece)
                size += len(piece)
                out.write(piece)
        for piece in chunker.finish():
            digest.update(piece)
            size += len(piece)
            out.write(piece)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size


def decompress(src: str | Path, dst: str | Path) -> None:
    try:
        source = open(src, "rb")  # noqa: SIM115 - closed below
    except OSError as err:
        raise context(f"opening {src}", err) from None
    damaged = "the compressed file is damaged or truncated"
    with source, open(dst, "wb") as out:
        decompressor = zstandard.ZstdDecompressor()
        frame = decompressor.decompressobj()
        started = False
        try:
            while block := source.read(CHUNK):
                started = True
                while block:
                    if frame.eof:
                        # Concatenated frames, as the Rust decoder reads them.
                        frame = decompressor.decompressobj()
                    out.write(frame.decompress(block))
                    block = frame.unused_data if frame.eof else b""
        except zstandard.ZstdError as err:
            raise context(damaged, err) from None
        if started and not frame.eof:
            raise BackupError(f"{damaged}: incomplete frame")


def sha256_file(path: str | Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def create(
    conn: sqlite3.Connection,
    folder: str | Path,
    name: str,
    kind: Kind,
    now_ms: int,
    progress: Callable[[Phase], None] = lambda _phase: None,
) -> Manifest:
    """Takes a consistent snapshot of the database behind `conn` and writes the backup files. The
    manifest is written last, with `running` replaced by the verification's result."""
    if not check_name(name):
        raise BackupError(f"invalid backup name {name}")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        raise context(f"creating {folder}", err) from None
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=folder) as work:
        snapshot = os.path.join(work, "snapshot.db")
        progress(Phase.SNAPSHOT)
        try:
            conn.execute("VACUUM INTO ?", (snapshot,))
        except sqlite3.Error as err:
            raise context("taking the snapshot (VACUUM INTO)", err) from None
        with contextlib.closing(open_read_only(snapshot)) as snap:
            schema_version = migrations.schema_version(snap)
            counts = row_counts(snap)
        progress(Phase.COMPRESS)
        sha256, size = compress(snapshot, data_path(folder, name))
    manifest = Manifest(FORMAT, name, kind, VERSION, schema_version, now_ms, sha256, size, counts, Status.RUNNING)
    progress(Phase.VERIFY)
    verify_into(folder, manifest, now_ms)
    write_manifest(folder, manifest)
    return manifest


def verify_into(folder: str | Path, manifest: Manifest, now_ms: int) -> None:
    """Verifies the backup files against the manifest and records the result in it."""
    try:
        verify(folder, manifest)
        manifest.status = Status.VERIFIED
        manifest.problem = None
    except BackupError as err:
        manifest.status = Status.FAILED
        manifest.problem = str(err)
    except (OSError, sqlite3.Error) as err:
        manifest.status = Status.FAILED
        manifest.problem = describe(err)
    manifest.verified_at = now_ms


def verify(folder: str | Path, manifest: Manifest) -> None:
    """Checksum, decompression, integrity check, schema version, row counts."""
    data = data_path(folder, manifest.name)
    try:
        sha256, size = sha256_file(data)
    except OSError as err:
        raise context("reading the backup file", err) from None
    if sha256 != manifest.sha256 or size != manifest.size:
        raise BackupError("checksum mismatch: the file changed since the backup was taken")
    with tempfile.TemporaryDirectory(prefix=".verify-", dir=folder) as work:
        db = os.path.join(work, "verify.db")
        decompress(data, db)
        check_snapshot(db, manifest.schema_version, manifest.row_counts)


def check_snapshot(db: str | Path, schema_version: int, counts: dict[str, int] | None) -> None:
    """Opens a decompressed snapshot read-only and checks it."""
    try:
        conn = open_read_only(db)
    except sqlite3.Error as err:
        raise context("not an SQLite database", err) from None
    with contextlib.closing(conn):
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.Error as err:
            raise context("not an SQLite database", err) from None
        if integrity != "ok":
            raise BackupError(f"integrity check failed: {integrity}")
        try:
            found = migrations.schema_version(conn)
        except sqlite3.Error as err:
            raise context("no schema_migrations table: not a Farm Controller database", err) from None
        if found != schema_version:
            raise BackupError(f"schema version {found}, manifest says {schema_version}")
        if counts is not None and row_counts(conn) != counts:
            raise BackupError("row counts differ from the manifest")


def restore_into(live: sqlite3.Connection, snapshot: str | Path) -> None:
    """Replaces the contents of the live database behind `live` with the snapshot, in one step of
    SQLite's backup API: one transaction, so other connections see either the old data or the
    new, and a failure leaves the old."""
    with contextlib.closing(open_read_only(snapshot)) as src:
        src.backup(live, pages=-1)
