"""Instants as the API shows them: stored as epoch milliseconds UTC, rendered as RFC 3339 UTC with
exactly three fraction digits (`2026-03-01T06:00:00.000Z`). Parsing accepts what chrono's
`DateTime::parse_from_rfc3339` accepts, so both backends agree on which inputs are valid."""

from __future__ import annotations

import re

from farm_core.domain.errors import FieldError

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MS_PER_DAY = 86_400_000


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719468
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def parse_rfc3339(text: str) -> int | None:
    """Any RFC 3339 instant (any offset, leap second 60, any number of fraction digits, truncated
    to nanoseconds), as epoch milliseconds UTC; `None` when it is not one."""
    m = _RFC3339.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if not 1 <= month <= 12:
        return None
    days_in_month = 29 if month == 2 and _is_leap(year) else _DAYS_IN_MONTH[month - 1]
    if not 1 <= day <= days_in_month or hour > 23 or minute > 59 or second > 60:
        return None
    offset_ms = 0
    if m.group(9):
        off_h, off_m = int(m.group(10)), int(m.group(11))
        if off_h > 23 or off_m > 59:
            return None
        offset_ms = (off_h * 60 + off_m) * 60_000 * (1 if m.group(9) == "+" else -1)
    millis = int((m.group(7) or "0")[:3].ljust(3, "0"))
    # chrono reads second 60 as a leap second: 59 s plus a whole second of fraction.
    if second == 60:
        second, millis = 59, millis + 1000
    seconds = ((_days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second
    return seconds * 1000 + millis - offset_ms


def to_rfc3339(ms: int) -> str:
    """RFC 3339 UTC with milliseconds and `Z`."""
    days, rest = divmod(ms, MS_PER_DAY)
    year, month, day = _civil_from_days(days)
    seconds, millis = divmod(rest, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}Z"


def check_range(
    from_text: str | None, to_text: str | None, problems: list[FieldError]
) -> tuple[int | None, int | None]:
    """A half-open range `[from, to)` of RFC 3339 instants, either bound optional, the way queries
    take one: each given bound must parse, and with both, `to` must be after `from`. Problems are
    appended (naming `from` or `to`, in that order) so callers can add their own; the bounds come
    back as epoch milliseconds, `None` when absent or unreadable."""
    from_ms = None if from_text is None else parse_rfc3339(from_text)
    to_ms = None if to_text is None else parse_rfc3339(to_text)
    if from_text is not None and from_ms is None:
        problems.append(FieldError("from", "must be an RFC 3339 date-time"))
    if to_text is not None and to_ms is None:
        problems.append(FieldError("to", "must be an RFC 3339 date-time"))
    if from_ms is not None and to_ms is not None and to_ms <= from_ms:
        problems.append(FieldError("to", "must be after from"))
    return from_ms, to_ms
