"""What every handler can reach: the configuration, the clock, the store, the login and announce throttles, and
the engine's shared parts (live events, long-poll wakeups, the node statuses last announced)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from farm_core.auth.throttle import Throttle
from farm_core.clock import Clock
from farm_core.config import Config
from farm_core.engine import Liveness
from farm_core.engine.backups import BackupJobs
from farm_core.engine.events import Events
from farm_core.engine.wakeups import NodeWakeups
from farm_core.store import Store


@dataclass(slots=True)
class AppState:
    config: Config
    clock: Clock
    store: Store
    throttle: Throttle = field(default_factory=Throttle)
    # Announcements per client address: 30 a minute.
    announce_throttle: Throttle = field(default_factory=lambda: Throttle(30, 60_000))
    events: Events = field(init=False)
    wakeups: NodeWakeups = field(default_factory=NodeWakeups)
    liveness: Liveness = field(default_factory=Liveness)
    backup_jobs: BackupJobs = field(default_factory=BackupJobs)
    # Wakes the schedule runner when schedules change.
    schedules_changed: asyncio.Event = field(default_factory=asyncio.Event)
    # One schedule evaluation at a time (the runner's and a request's): each reads a snapshot and
    # writes what it decided, so two at once could both decide the same firing.
    schedules_turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Off with a frozen test clock (and in tests): then work that would run in the background
    # (a backup started without waiting, the backup schedule) runs inline or not at all.
    background: bool = False
    # The backup folder and daily time the setup wizard stored (`backup_settings`), which win over
    # the configuration's; None until loaded or when there is no such row.
    backup_settings: tuple[str, str | None] | None = None

    def __post_init__(self) -> None:
        # Event ids start at the clock's epoch milliseconds, so they keep increasing across restarts.
        self.events = Events(self.clock.now_ms())
