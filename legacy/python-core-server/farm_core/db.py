"""The connection strategy: one SQLite connection per worker thread of a small pool (four, like
the Rust pool), opened once per thread with the same PRAGMAs as Rust's store/pool.rs. Every store
call runs one whole function (a query, or a complete `BEGIN IMMEDIATE` transaction) on a worker
thread, so a request cancelled mid-query cannot leave a transaction open or lose a connection."""

from __future__ import annotations

import asyncio
import math
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from farm_core.domain.errors import Unavailable

DEFAULT_SIZE = 4
# WAL lets readers run beside the one writer; NORMAL sync in WAL mode survives a process crash
# without losing committed transactions (docs/architecture.md).
PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
)

T = TypeVar("T")


class KbnSum:
    """`kbn_sum(x)`: SQLite's own `sum()` of floats since 3.43 (Kahan-Babuska-Neumaier, as in the
    SQLite bundled with the Rust server), for the SQLite this Python links, which may be older
    and add naively. Float sums then agree to the last bit. Only for REAL columns. The values are
    collected by `list.append` (no Python frame per row) and added up in `finalize`."""

    __slots__ = ("step", "values")

    def __init__(self) -> None:
        self.values: list[float] = []
        self.step = self.values.append

    def finalize(self) -> float:
        values = self.values
        total = 0.0
        err = 0.0
        if min(values, default=0.0) >= 0.0:
            # Non-negative values keep the running sum non-negative: the magnitudes compare as is.
            for value in values:
                t = total + value
                if total > value:
                    err += (total - t) + value
                else:
                    err += (value - t) + total
                total = t
        else:
            for value in values:
                t = total + value
                if abs(total) > abs(value):
                    err += (total - t) + value
                else:
                    err += (value - t) + total
                total = t
        return total + err if math.isfinite(err) else total


def open_connection(path: str) -> sqlite3.Connection:
    """Opens `path` (creating its folder) in autocommit mode: transactions are explicit
    `BEGIN IMMEDIATE` ... `COMMIT`, never the sqlite3 module's implicit ones."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, cached_statements=256)
    for pragma in PRAGMAS:
        conn.execute(pragma).fetchall()
    conn.create_aggregate("kbn_sum", 1, KbnSum)
    return conn


def is_unique_violation(err: sqlite3.IntegrityError) -> bool:
    """Unique-constraint violations are conflicts (409); other integrity errors are bugs."""
    return err.sqlite_errorname in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")


class Transaction:
    """`with Transaction(conn):` runs the block in one `BEGIN IMMEDIATE` transaction, so two writers
    queue instead of failing; any exception rolls everything back."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")


class Database:
    def __init__(self, path: str, size: int = DEFAULT_SIZE, count_statements: bool = False) -> None:
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="farm-db")
        # SQLite allows one writer: writers of this process queue here, in order, rather than
        # colliding in SQLite's busy handler (as the Rust pool's writer semaphore does).
        self._writer = asyncio.Lock()
        # Counts executed SQL statements when enabled (tests prove queries do not grow with data).
        self._count_statements = count_statements
        self._statements = 0

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_connection(self.path)
            if self._count_statements:
                conn.set_trace_callback(self._count)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _count(self, _statement: str) -> None:
        with self._lock:
            self._statements += 1

    def statements_executed(self) -> int | None:
        """SQL statements executed so far, when counting was enabled at open."""
        return self._statements if self._count_statements else None

    def _call(self, fn: Callable[..., T], args: tuple[object, ...]) -> T:
        if self._closed:
            raise Unavailable("the database is closed")
        return fn(self._connection(), *args)

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Runs `fn(connection, *args)` on a worker thread."""
        if self._closed:
            raise Unavailable("the database is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._call, fn, args)

    async def write(self, fn: Callable[..., T], *args: object) -> T:
        """Like `run`, for `fn` that writes: once no other writer of this process is running."""
        async with self._writer:
            return await self.run(fn, *args)

    def close(self) -> None:
        """Refuses further work, waits for running calls and closes the connections (at shutdown)."""
        self._closed = True
        self._executor.shutdown(wait=True)
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
