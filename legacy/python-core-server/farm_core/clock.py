"""Time as the server sees it. Handlers and throttling ask the clock, so tests move time instead of
sleeping. `FARM_TEST_CLOCK` freezes it for parity runs, only in test mode (as in Rust's cli.rs)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from farm_core.domain.time import parse_rfc3339, to_rfc3339

log = logging.getLogger("farm_core")


class Clock(Protocol):
    def now_ms(self) -> int:
        """Epoch milliseconds UTC."""
        ...


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start_ms: int) -> None:
        self._ms = start_ms
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        return self._ms

    def advance_ms(self, ms: int) -> None:
        with self._lock:
            self._ms += ms

    def set_ms(self, ms: int) -> None:
        self._ms = ms


class ClockError(Exception):
    pass


def clock_from_env(test_clock: str | None, test_mode: str | None) -> Clock:
    """`FARM_TEST_CLOCK=2026-03-01T06:00:00Z` freezes time; refused unless `FARM_TEST_MODE=1`, so a
    production service cannot be started with a stopped clock."""
    if not test_clock:
        return SystemClock()
    if test_mode != "1":
        raise ClockError("FARM_TEST_CLOCK is only accepted in test mode (FARM_TEST_MODE=1)")
    at = parse_rfc3339(test_clock)
    if at is None:
        raise ClockError(f"FARM_TEST_CLOCK={test_clock} is not an RFC 3339 instant such as 2026-03-01T06:00:00Z")
    log.warning("test mode: the clock is frozen at=%s", to_rfc3339(at))
    return ManualClock(at)
