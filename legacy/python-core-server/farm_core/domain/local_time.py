"""Local wall-clock time to instant under the schedules' DST rules (Rust's
`domain/schedules/local_time.rs`): a time in a gap moves to the first instant after the gap; a
repeated time is taken at its first occurrence. Plus the wording that explains such adjustments.

Wall-clock times are naive `datetime`s; instants are epoch milliseconds UTC."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)


@functools.lru_cache(maxsize=256)
def zone(name: str) -> tzinfo:
    """The zone named `name`, or UTC when this system's tz database does not know it (as Rust's
    `Schedule::zone` falls back to UTC)."""
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        return UTC


def wall_ms(wall: datetime) -> int:
    """A wall-clock time read as if it were UTC (the floating clock), in milliseconds."""
    delta = wall - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_wall_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def offset_at(tz: tzinfo, ms: int) -> int:
    """The zone's UTC offset in seconds at instant `ms`."""
    return int((_EPOCH_UTC + timedelta(milliseconds=ms)).astimezone(tz).utcoffset().total_seconds())


def wall_at(tz: tzinfo, ms: int) -> datetime | None:
    """The local wall-clock time at instant `ms`."""
    try:
        return (_EPOCH_UTC + timedelta(milliseconds=ms)).astimezone(tz).replace(tzinfo=None)
    except OverflowError:
        return None


def _offset_of_wall(tz: tzinfo, wall: datetime, fold: int) -> int:
    return int(wall.replace(tzinfo=tz, fold=fold).utcoffset().total_seconds())


def _exists_with(tz: tzinfo, wall: datetime, offset_s: int) -> bool:
    """Whether `wall` read with `offset_s` is an instant whose local time is `wall`."""
    ms = wall_ms(wall) - offset_s * 1000
    return offset_at(tz, ms) == offset_s


@dataclass(frozen=True, slots=True)
class Adjustment:
    # "skipped" (spring forward: the clocks jumped from `start` to `end`) or "repeated" (fall back:
    # the clocks went back from `start` to `end`).
    kind: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Resolved:
    # The wall-clock time asked for.
    wall: datetime
    # When it actually happens (epoch ms) and the offset there (seconds).
    ms: int
    offset_s: int
    adjustment: Adjustment | None

    @property
    def local(self) -> datetime:
        return from_wall_ms(self.ms + self.offset_s * 1000)


def _first_second_with_offset(tz: tzinfo, before: int, after: int, target: int) -> int:
    """Between two instants (seconds), the first second whose offset is `target`."""
    while after - before > 1:
        mid = before + (after - before) // 2
        if offset_at(tz, mid * 1000) == target:
            after = mid
        else:
            before = mid
    return after


@functools.lru_cache(maxsize=65536)
def resolve(tz: tzinfo, wall: datetime) -> Resolved | None:
    """Maps a wall-clock time in `tz` to an instant. None only far outside the supported years.
    Cached: previews check every firing against every other schedule's, mapping the same times."""
    try:
        candidates = sorted(
            {o for o in (_offset_of_wall(tz, wall, 0), _offset_of_wall(tz, wall, 1)) if _exists_with(tz, wall, o)},
            key=lambda o: wall_ms(wall) - o * 1000,
        )
        if len(candidates) == 1:
            offset = candidates[0]
            return Resolved(wall, wall_ms(wall) - offset * 1000, offset, None)
        if len(candidates) == 2:
            first, second = candidates
            first_ms = wall_ms(wall) - first * 1000
            second_ms = wall_ms(wall) - second * 1000
            change = _first_second_with_offset(tz, first_ms // 1000, second_ms // 1000, second)
            adjustment = Adjustment(
                "repeated", from_wall_ms((change + first) * 1000), from_wall_ms((change + second) * 1000)
            )
            return Resolved(wall, first_ms, first, adjustment)
        # In a gap: the clocks jumped from the offset before to the one after.
        before = _offset_of_wall(tz, wall, 0)
        after = _offset_of_wall(tz, wall, 1)
        low, high = sorted((wall_ms(wall) - before * 1000, wall_ms(wall) - after * 1000))
        new_offset = offset_at(tz, high)
        change = _first_second_with_offset(tz, low // 1000 - 1, high // 1000 + 1, new_offset)
        at_ms = change * 1000
        old_offset = offset_at(tz, at_ms - 1000)
        adjustment = Adjustment(
            "skipped", from_wall_ms(at_ms + old_offset * 1000), from_wall_ms(at_ms + new_offset * 1000)
        )
        return Resolved(wall, at_ms, new_offset, adjustment)
    except (OverflowError, ValueError):
        return None


def hh_mm(t: datetime) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def local_minute_of(tz: tzinfo, ms: int) -> str:
    """`YYYY-MM-DDTHH:MM` as the local clock shows it at that instant."""
    local = from_wall_ms(ms + offset_at(tz, ms) * 1000)
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}:{local.minute:02d}"


def utc_offset(offset_s: int) -> str:
    """`UTC-07:00`, `UTC+10:30`."""
    sign = "-" if offset_s < 0 else "+"
    minutes = abs(offset_s) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def explain(edge: str, resolved: Resolved) -> str | None:
    """`starts 03:00 instead of 02:30: clocks skip 02:00-03:00 (spring forward)` (with an en
    dash); `edge` is the verb (`starts` / `ends`)."""
    a = resolved.adjustment
    if a is None:
        return None
    if a.kind == "skipped":
        return (
            f"{edge} {hh_mm(resolved.local)} instead of {hh_mm(resolved.wall)}: "
            f"clocks skip {hh_mm(a.start)}\u2013{hh_mm(a.end)} (spring forward)"
        )
    return (
        f"{edge} at the first {hh_mm(resolved.wall)} ({utc_offset(resolved.offset_s)}): clocks fall back "
        f"{hh_mm(a.start)}\u2192{hh_mm(a.end)}, so {hh_mm(a.end)}\u2013{hh_mm(a.start)} happens twice"
    )


def duration_text(minutes: int) -> str:
    """`9 h`, `7 h 30 min`, `45 min`."""
    h, m = _div(minutes, 60)
    if h == 0:
        return f"{m} min"
    if m == 0:
        return f"{h} h"
    return f"{h} h {m} min"


def _div(a: int, b: int) -> tuple[int, int]:
    """Rust's truncating `/` and `%`."""
    q = abs(a) // b * (1 if a >= 0 else -1)
    return q, a - q * b
