"""Schedule recurrences (weekly blocks or an RFC 5545 RRULE in the site's time zone): their
validation, and their expansion into concrete occurrences in UTC that stay right across
daylight-saving changes. The rules are Rust's (`domain/schedules.rs`, whose module comment
explains them):

- a local time in a gap (spring forward) moves to the first valid instant after the gap;
- a local time that happens twice (fall back) is taken at its first occurrence;
- weekly blocks are wall-clock based (22:00-06:00 lasts 9 real hours on a fall-back night);
- an RRULE is expanded on the wall clock (python-dateutil's rrule on naive datetimes), each start
  mapped by the rules above, and lasts `duration_minutes` real minutes; UNTIL is UTC and applies
  to the mapped starts; occurrences that start together fire once and one that would run into the
  next is shortened.

A recurrence is a dict as the request body carries it: `{"type": "weekly", "blocks": [...]}` or
`{"type": "rrule", "rrule": ..., "dtstart": ..., "duration_minutes": ...}`."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from farm_core.domain import local_time
from farm_core.domain.errors import FieldError, Validation
from farm_core.domain.rrule_text import RuleParts, RuleTextError, parse_rule, split
from farm_core.domain.rrule_text import validate as validate_parts

log = logging.getLogger("farm_core")

# A weekly schedule has at most this many blocks.
MAX_BLOCKS = 100
# An RRULE occurrence lasts at most a week.
MAX_DURATION_MINUTES = 7 * 24 * 60
# Earliest instant expansion considers: 1900-01-01T00:00Z.
EARLIEST_MS = -2_208_988_800_000
# Instant where expansion stops: 9999-01-01T00:00Z.
LATEST_MS = 253_370_764_800_000

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
HH_MM_PROBLEM = "must be a time HH:MM from 00:00 to 23:59"
# Validation looks for overlapping occurrences among at most this many, within 30 years.
OVERLAP_SCAN = 2000
OVERLAP_SCAN_MONTHS = 30 * 12
MAX_AHEAD_OF_UTC_MS = 14 * 3_600_000


@dataclass(slots=True)
class Occurrence:
    """One concrete run: epoch ms UTC, the local wall clock when it starts and ends, and why it
    differs from the plain reading of the schedule (DST adjustments)."""

    start: int
    end: int
    start_local: str
    end_local: str
    notes: list[str] = field(default_factory=list)


# --- weekly blocks ------------------------------------------------------------------------------


def _minute_of_day(text: Any) -> int | None:
    """Minutes since midnight of a strict `HH:MM`."""
    b = text.encode() if isinstance(text, str) else b""
    if len(b) != 5 or b[2:3] != b":" or not all(0x30 <= c <= 0x39 for c in (b[0], b[1], b[3], b[4])):
        return None
    hour, minute = (b[0] - 48) * 10 + b[1] - 48, (b[3] - 48) * 10 + b[4] - 48
    return hour * 60 + minute if hour < 24 and minute < 60 else None


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two week spans share a minute, on the week's circle (Sunday night runs into Monday)."""
    return any(a[0] < b[1] + shift and b[0] + shift < a[1] for shift in (-WEEK_MINUTES, 0, WEEK_MINUTES))


class Weekly:
    """Validated blocks, grouped by the weekday they start on and sorted by start time."""

    def __init__(self, by_day: list[list[tuple[int, int]]]) -> None:
        # Per weekday (Monday first): (start minute of day, wall-clock minutes).
        self.by_day = by_day

    @classmethod
    def parse(cls, blocks: list[dict[str, Any]]) -> Weekly:
        if not blocks:
            raise Validation.invalid("recurrence.blocks", "must contain at least one block")
        if len(blocks) > MAX_BLOCKS:
            raise Validation.invalid("recurrence.blocks", f"must contain at most {MAX_BLOCKS} blocks")
        problems: list[FieldError] = []
        spans: list[tuple[int, int] | None] = []
        for i, block in enumerate(blocks):
            start, end = _minute_of_day(block["start"]), _minute_of_day(block["end"])
            if start is None:
                problems.append(FieldError(f"recurrence.blocks[{i}].start", HH_MM_PROBLEM))
            if end is None:
                problems.append(FieldError(f"recurrence.blocks[{i}].end", HH_MM_PROBLEM))
            span = None
            if start is not None and end is not None:
                if start == end:
                    problems.append(
                        FieldError(
                            f"recurrence.blocks[{i}].end",
                            "must differ from start: a block ending when it starts would be empty "
                            "(split a 24-hour block in two)",
                        )
                    )
                else:
                    week_start = _day_index(block["day"]) * DAY_MINUTES + start
                    span = (week_start, week_start + (end - start) % DAY_MINUTES)
            spans.append(span)
        for i, span in enumerate(spans):
            if span is None:
                continue
            earlier = next(
                (j for j, other in enumerate(spans[:i]) if other is not None and _overlap(span, other)), None
            )
            if earlier is not None:
                problems.append(FieldError(f"recurrence.blocks[{i}]", f"overlaps blocks[{earlier}]"))
        if problems:
            raise Validation(problems)
        by_day: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for block, span in zip(blocks, spans, strict=True):
            if span is not None:
                by_day[_day_index(block["day"])].append((span[0] % DAY_MINUTES, span[1] - span[0]))
        for day in by_day:
            day.sort(key=lambda b: b[0])
        return cls(by_day)

    def expand(self, tz: tzinfo, start_ms: int, end_ms: int, limit: int) -> list[Occurrence]:
        out: list[Occurrence] = []
        first = local_time.wall_at(tz, start_ms)
        last = local_time.wall_at(tz, end_ms)
        if first is None or last is None:
            return out
        day = first.date() - timedelta(days=1)
        last_day = last.date()
        while day <= last_day:
            for minute, minutes in self.by_day[day.weekday()]:
                start_wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
                start = local_time.resolve(tz, start_wall)
                end = local_time.resolve(tz, start_wall + timedelta(minutes=minutes))
                if start is None or end is None:
                    continue
                if start.ms >= end_ms:
                    return out
                # end <= start: the whole block lies in the skipped time, so it has no time tonight.
                if end.ms <= start.ms or end.ms <= start_ms:
                    continue
                out.append(_weekly_occurrence(start, end, minutes))
                if len(out) >= limit:
                    return out
            day += timedelta(days=1)
        return out


def _day_index(day: Any) -> int:
    return WEEKDAYS.index(day.value if hasattr(day, "value") else day)


def _weekly_occurrence(start: local_time.Resolved, end: local_time.Resolved, wall_minutes: int) -> Occurrence:
    notes = [n for n in (local_time.explain("starts", start), local_time.explain("ends", end)) if n is not None]
    real_minutes = (end.ms - start.ms) // 60_000
    if real_minutes != wall_minutes:
        notes.append(
            f"lasts {local_time.duration_text(real_minutes)} instead of "
            f"{local_time.duration_text(wall_minutes)} because of the clock change"
        )
    return Occurrence(start.ms, end.ms, _minute_text(start.local), _minute_text(end.local), notes)


def _minute_text(t: datetime) -> str:
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}"


# --- RRULEs -------------------------------------------------------------------------------------


def _parse_dtstart(text: str) -> datetime | None:
    b = text.encode()
    shape = len(b) == 16 and all(
        (c == 0x2D) if i in (4, 7) else (c == 0x54) if i == 10 else (c == 0x3A) if i == 13 else 0x30 <= c <= 0x39
        for i, c in enumerate(b)
    )
    if not shape:
        return None
    try:
        wall = datetime.strptime(text, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return wall if 1900 <= wall.year <= 9998 else None


def _add_months(wall: datetime, months: int) -> datetime | None:
    """chrono's `checked_add_months`: the day clamped to the target month's length."""
    from dateutil.relativedelta import relativedelta

    try:
        return wall + relativedelta(months=months)
    except (OverflowError, ValueError):
        return None


class Rule:
    def __init__(self, parts: RuleParts, dtstart: datetime, until: int | None, has_count: bool, duration: int) -> None:
        self.parts = parts
        self.dtstart = dtstart
        # Epoch ms UTC; occurrences that start later are dropped.
        self.until = until
        self.has_count = has_count
        # Minutes.
        self.duration = duration
        self._rrule = parts.to_dateutil(dtstart)

    def walls_from(self, start: datetime) -> Any:
        """Wall-clock occurrences from `start` on (`start` keeps the rule's phase: `skip_ahead`)."""
        rule = self._rrule if start == self.dtstart else self._rrule.replace(dtstart=start)
        return iter(rule)

    def check_occurrences(self) -> None:
        """Rejects rules that never occur, end before they start, or whose occurrences would run
        into each other (on wall-clock times)."""
        horizon = _add_months(self.dtstart, OVERLAP_SCAN_MONTHS) or self.dtstart
        walls: list[datetime] = []
        for i, wall in enumerate(self.walls_from(self.dtstart)):
            if (i != 0 and wall > horizon) or len(walls) >= OVERLAP_SCAN:
                break
            walls.append(wall)
        if not walls:
            raise Validation.invalid("recurrence.rrule", "never produces an occurrence on or after dtstart")

        def surely_after_until(wall: datetime) -> bool:
            return self.until is not None and local_time.wall_ms(wall) - MAX_AHEAD_OF_UTC_MS > self.until

        if surely_after_until(walls[0]):
            raise Validation.invalid("recurrence.rrule", "UNTIL is before the first occurrence")
        closest = None
        for a, b in itertools.pairwise(walls):
            if surely_after_until(b):
                continue
            if closest is None or b - a < closest[1] - closest[0]:
                closest = (a, b)
        if closest is not None and closest[1] - closest[0] < timedelta(minutes=self.duration):
            a, b = closest
            gap = int((b - a).total_seconds() // 60)
            raise Validation.invalid(
                "recurrence.duration_minutes",
                f"must be at most {gap} minutes: the rule starts occurrences {gap} minutes apart "
                f"({_minute_text(a)} and {_minute_text(b)}), which would overlap",
            )

    def skip_ahead(self, wall: datetime) -> datetime:
        """A start at or before `wall` that keeps the rule's phase: dtstart moved by whole
        multiples of INTERVAL x FREQ (never with COUNT, which counts from the real dtstart)."""
        if self.has_count or wall <= self.dtstart:
            return self.dtstart
        interval = self.parts.interval
        step_minutes = {"MINUTELY": 1, "HOURLY": 60, "DAILY": DAY_MINUTES, "WEEKLY": WEEK_MINUTES}.get(self.parts.freq)
        if step_minutes is not None:
            step = step_minutes * interval
            elapsed = int((wall - self.dtstart).total_seconds() // 60)
            return self.dtstart + timedelta(minutes=elapsed // step * step)
        if self.parts.freq == "MONTHLY" and self.dtstart.day <= 28:
            months_per_step = interval
        elif self.parts.freq == "YEARLY" and not (self.dtstart.month == 2 and self.dtstart.day == 29):
            months_per_step = 12 * interval
        else:
            return self.dtstart
        months_between = (wall.year - self.dtstart.year) * 12 + wall.month - self.dtstart.month
        steps = months_between // months_per_step
        while steps > 0:
            moved = _add_months(self.dtstart, steps * months_per_step)
            if moved is not None and moved <= wall:
                return moved
            steps -= 1
        return self.dtstart

    def expand(self, tz: tzinfo, start_ms: int, end_ms: int, limit: int) -> list[Occurrence]:
        scan_from = local_time.wall_at(tz, start_ms - self.duration * 60_000)
        if scan_from is None:
            return []
        out: list[Occurrence] = []
        pending: _Draft | None = None
        for wall in self.walls_from(self.skip_ahead(scan_from)):
            # Ended by `from` (and unable to absorb one that has not): not worth mapping. Rules
            # that cannot skip ahead (COUNT) walk here from their dtstart.
            if wall < scan_from:
                continue
            start = local_time.resolve(tz, wall)
            if start is None:
                continue
            if self.until is not None and start.ms > self.until:
                break
            nxt = self._draft(tz, start)
            if pending is None:
                pending = nxt
                continue
            prev = pending
            if nxt.occurrence.start == prev.occurrence.start:
                prev.occurrence.notes.append(
                    f"also stands for the {local_time.hh_mm(start.wall)} occurrence, "
                    "which starts at the same instant (fires once)"
                )
                continue
            if nxt.occurrence.start < prev.occurrence.end:
                prev.cut_at(nxt.occurrence)
            next_starts_late = nxt.occurrence.start >= end_ms
            pending = nxt
            done = prev.finish(tz)
            if done.end > start_ms and done.start < end_ms:
                out.append(done)
                if len(out) >= limit:
                    return out
            if next_starts_late:
                return out
        if pending is not None:
            last = pending.finish(tz)
            if last.end > start_ms and last.start < end_ms:
                out.append(last)
        return out

    def _draft(self, tz: tzinfo, start: local_time.Resolved) -> _Draft:
        end = start.ms + self.duration * 60_000
        notes = [n for n in (local_time.explain("starts", start),) if n is not None]
        occurrence = Occurrence(start.ms, end, _minute_text(start.local), local_time.local_minute_of(tz, end), notes)
        return _Draft(occurrence)


class _Draft:
    """An occurrence waiting for its successor."""

    __slots__ = ("occurrence", "shortened_from")

    def __init__(self, occurrence: Occurrence) -> None:
        self.occurrence = occurrence
        # The full duration in minutes, once the next occurrence has cut this one short.
        self.shortened_from: int | None = None

    def cut_at(self, nxt: Occurrence) -> None:
        full = (self.occurrence.end - self.occurrence.start) // 60_000
        self.occurrence.end = nxt.start
        self.occurrence.end_local = nxt.start_local
        self.shortened_from = full

    def finish(self, tz: tzinfo) -> Occurrence:
        o = self.occurrence
        minutes = (o.end - o.start) // 60_000
        if self.shortened_from is not None:
            o.notes.append(
                f"shortened from {local_time.duration_text(self.shortened_from)} to "
                f"{local_time.duration_text(minutes)} so that it ends when the next occurrence starts"
            )
        else:
            try:
                shift = local_time.offset_at(tz, o.end) - local_time.offset_at(tz, o.start)
            except OverflowError:
                shift = 0
            if shift != 0:
                end_wall = local_time.from_wall_ms(o.end + local_time.offset_at(tz, o.end) * 1000)
                o.notes.append(
                    f"runs the full {local_time.duration_text(minutes)}; clocks "
                    f"{'spring forward' if shift > 0 else 'fall back'} by "
                    f"{local_time.duration_text(abs(shift) // 60)} meanwhile, so it ends at "
                    f"{local_time.hh_mm(end_wall)} local"
                )
        return o


def _parse_rule(rrule: Any, dtstart: Any, duration_minutes: int) -> Rule:
    problems: list[FieldError] = []
    start = _parse_dtstart(dtstart)
    if start is None:
        problems.append(
            FieldError(
                "recurrence.dtstart",
                "must be a local date-time YYYY-MM-DDTHH:MM, such as 2026-03-01T06:00, in the years 1900 to 9998",
            )
        )
    if not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        problems.append(
            FieldError(
                "recurrence.duration_minutes",
                f"must be between 1 and {MAX_DURATION_MINUTES} minutes (one week)",
            )
        )
    text = None
    try:
        text = split(rrule)
    except RuleTextError as err:
        problems.append(FieldError("recurrence.rrule", str(err)))
    parts = None
    if text is not None:
        try:
            parts = parse_rule(text.rest)
        except RuleTextError as err:
            problems.append(FieldError("recurrence.rrule", f"is not a valid RRULE: {err}"))
    if parts is not None:
        if parts.interval == 0:
            problems.append(FieldError("recurrence.rrule", "INTERVAL must be at least 1"))
        interval = parts.interval
        if parts.freq == "MINUTELY" and parts.by_hour and interval != 0 and 60 % interval != 0 and interval % 60 != 0:
            problems.append(
                FieldError(
                    "recurrence.rrule",
                    "FREQ=MINUTELY with BYHOUR needs an INTERVAL that divides 60 or is a multiple of 60",
                )
            )
        if parts.freq == "SECONDLY":
            problems.append(
                FieldError(
                    "recurrence.rrule",
                    "FREQ=SECONDLY is not supported: schedules have minute resolution (use MINUTELY or coarser)",
                )
            )
    if text is None or parts is None or start is None or problems:
        raise Validation(problems)
    try:
        parts = validate_parts(parts, start)
    except RuleTextError as err:
        raise Validation.invalid("recurrence.rrule", f"is not a valid RRULE with this dtstart: {err}") from None
    rule = Rule(parts, start, text.until, text.has_count, duration_minutes)
    rule.check_occurrences()
    return rule


# --- the recurrence ----------------------------------------------------------------------------


class ParsedRecurrence:
    """A recurrence that passed validation, ready to expand many times without parsing again."""

    def __init__(self, inner: Weekly | Rule) -> None:
        self.inner = inner

    @classmethod
    def parse(cls, recurrence: dict[str, Any]) -> ParsedRecurrence:
        """Validates and parses; reports every invalid field at once (Validation)."""
        if recurrence["type"] == "weekly":
            return cls(Weekly.parse(recurrence["blocks"]))
        return cls(_parse_rule(recurrence["rrule"], recurrence["dtstart"], recurrence["duration_minutes"]))

    def expand(self, tz: tzinfo, start_ms: int, end_ms: int, limit: int) -> list[Occurrence]:
        """The occurrences that overlap `[start_ms, end_ms)`, sorted by start, at most `limit`."""
        start_ms = min(max(start_ms, EARLIEST_MS), LATEST_MS)
        end_ms = min(max(end_ms, EARLIEST_MS), LATEST_MS)
        if start_ms >= end_ms or limit == 0:
            return []
        return self.inner.expand(tz, start_ms, end_ms, limit)

    def active_at(self, tz: tzinfo, at: int) -> Occurrence | None:
        found = self.expand(tz, at, at + 1, 1)
        return found[0] if found else None

    def next_transition(self, tz: tzinfo, after: int) -> int | None:
        """The next instant strictly after `after` at which an occurrence starts or ends."""
        found = self.expand(tz, after, LATEST_MS, 1)
        if not found:
            return None
        return found[0].start if found[0].start > after else found[0].end


def validate(recurrence: dict[str, Any]) -> None:
    ParsedRecurrence.parse(recurrence)


def parsed(recurrence: dict[str, Any]) -> ParsedRecurrence | None:
    try:
        return ParsedRecurrence.parse(recurrence)
    except Validation as err:
        # Only reachable if an unvalidated recurrence was stored; say so rather than run nothing quietly.
        log.warning("invalid schedule recurrence has no occurrences: %s", err)
        return None
