"""Throttling: too many events for one key (login failures for a username or an address,
announcements from an address) within a window block further attempts for that key until the
oldest event leaves the window. In memory and
used only from the event loop, like the Rust server's (a restart forgets it)."""

from __future__ import annotations

from collections import deque

MAX_FAILURES = 5
WINDOW_MS = 15 * 60 * 1000
# Keeps memory bounded when someone sprays usernames.
MAX_KEYS = 10_000


def _prune(times: deque[int], now_ms: int, window_ms: int) -> None:
    while times and times[0] + window_ms <= now_ms:
        times.popleft()


class Throttle:
    """`max` events per key within `window_ms`; the default is login throttling (5 in 15 minutes)."""

    def __init__(self, max_events: int = MAX_FAILURES, window_ms: int = WINDOW_MS) -> None:
        self._max = max_events
        self._window_ms = window_ms
        self._failures: dict[str, deque[int]] = {}

    def retry_after(self, keys: list[str], now_ms: int) -> int | None:
        """Seconds until an attempt for any of `keys` is allowed again, or `None` when allowed now."""
        wait_ms = 0
        for key in keys:
            times = self._failures.get(key)
            if times is not None:
                _prune(times, now_ms, self._window_ms)
                if len(times) >= self._max:
                    wait_ms = max(wait_ms, times[0] + self._window_ms - now_ms)
        return -(-wait_ms // 1000) if wait_ms > 0 else None

    def record_failure(self, keys: list[str], now_ms: int) -> None:
        if len(self._failures) >= MAX_KEYS:
            for key in list(self._failures):
                _prune(self._failures[key], now_ms, self._window_ms)
                if not self._failures[key]:
                    del self._failures[key]
        for key in keys:
            times = self._failures.setdefault(key, deque())
            _prune(times, now_ms, self._window_ms)
            times.append(now_ms)

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)


# The login throttle's historical name.
LoginThrottle = Throttle
