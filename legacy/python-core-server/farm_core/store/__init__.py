"""Persistence: one module per resource area, each the only place that writes SQL for it, all
behind `Store`, which owns the database connections (farm_core.db) and applies the migrations."""

from __future__ import annotations

from farm_core import migrations
from farm_core.db import Database, open_connection
from farm_core.store.adoption import AdoptionStore
from farm_core.store.api_tokens import ApiTokenStore
from farm_core.store.backups import BackupStore
from farm_core.store.commands import CommandStore
from farm_core.store.dashboard import DashboardStore
from farm_core.store.meta import MetaStore
from farm_core.store.metrics import MetricStore
from farm_core.store.nodes import NodeStore
from farm_core.store.outputs import OutputStore
from farm_core.store.schedules import ScheduleStore
from farm_core.store.sensors import SensorStore
from farm_core.store.sessions import SessionStore
from farm_core.store.site import SiteStore
from farm_core.store.users import UserStore


class Store:
    """Everything the server needs from storage."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.users = UserStore(db)
        self.sessions = SessionStore(db)
        self.api_tokens = ApiTokenStore(db)
        self.meta = MetaStore(db)
        self.site = SiteStore(db)
        self.nodes = NodeStore(db)
        self.sensors = SensorStore(db)
        self.outputs = OutputStore(db)
        self.commands = CommandStore(db)
        self.metrics = MetricStore(db)
        self.dashboard = DashboardStore(db)
        self.adoption = AdoptionStore(db)
        self.backups = BackupStore(db)
        self.schedules = ScheduleStore(db)

    @classmethod
    def open(cls, path: str, now_ms: int, count_statements: bool = False) -> Store:
        """Opens the database (creating its folder), applies pending migrations and starts the
        pool; `count_statements` makes `statements_executed` count (tests)."""
        migrate(path, now_ms)
        return cls(Database(path, count_statements=count_statements))

    def statements_executed(self) -> int | None:
        return self.db.statements_executed()

    def close(self) -> None:
        self.db.close()


def migrate(path: str, now_ms: int) -> list[int]:
    """Applies the pending migrations to the database at `path`; returns the versions applied."""
    conn = open_connection(path)
    try:
        return migrations.migrate(conn, migrations.load(), now_ms)
    finally:
        conn.close()
