"""The RRULE text of a schedule: which rules are accepted and the exact wording of every
refusal, as the Rust server gives them (its `domain/schedules/rule.rs` and the checks of the
`rrule` crate 0.14 it uses). The accepted parts are handed to python-dateutil's `rrule`, which
does the expansion; only the refusals are worded here."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dateutil import rrule as du

from farm_core.domain.text import trim

FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PROPERTIES = {
    "FREQ": "freq",
    "UNTIL": "until",
    "COUNT": "count",
    "INTERVAL": "interval",
    "BYSECOND": "by_second",
    "BYMINUTE": "by_minute",
    "BYHOUR": "by_hour",
    "BYWEEKDAY": "by_day",
    "BYDAY": "by_day",
    "BYMONTHDAY": "by_month_day",
    "BYYEARDAY": "by_year_day",
    "BYWEEKNO": "by_week_no",
    "BYMONTH": "by_month",
    "BYSETPOS": "by_set_pos",
    "WKST": "wkst",
}
_INT = re.compile(r"[+-]?[0-9]+")
_UNSIGNED = re.compile(r"\+?[0-9]+")
_PROPERTY_NAME = re.compile(r"^([A-Z]+?)[:;]", re.MULTILINE)


class RuleTextError(Exception):
    """A refusal, worded as the Rust server words it."""


@dataclass
class RuleText:
    """The rule text minus UNTIL (applied to mapped instants, not by the rule)."""

    rest: str
    until: int | None
    has_count: bool


def split(raw: str) -> RuleText:
    text = raw.strip(
        " \t\n\r\x0b\x0c\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
        "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    )
    if text[:6].upper() == "RRULE:" and text[:6].isascii():
        text = text[6:]
    if "DTSTART" in _ascii_upper(text):
        raise RuleTextError("must not contain DTSTART: the start goes in recurrence.dtstart")
    other = "must be a single RRULE value such as FREQ=WEEKLY;BYDAY=MO,TH, without other properties"
    if "\n" in text or "\r" in text:
        raise RuleTextError(other)
    rest: list[str] = []
    until = None
    has_count = False
    for part in text.split(";"):
        key, _, value = part.partition("=")
        if ":" in key:
            raise RuleTextError(other)
        name = _ascii_upper(_rust_trim(key))
        if name == "UNTIL":
            if until is not None:
                raise RuleTextError("must contain UNTIL at most once")
            until = _parse_until(_rust_trim(value))
        elif name == "BYSECOND":
            raise RuleTextError("BYSECOND is not supported: schedules have minute resolution")
        elif name == "COUNT":
            has_count = True
            rest.append(part)
        else:
            rest.append(part)
    if has_count and until is not None:
        raise RuleTextError("must not contain both COUNT and UNTIL (RFC 5545)")
    return RuleText(";".join(rest), until, has_count)


def _ascii_upper(text: str) -> str:
    return "".join(c.upper() if c.isascii() else c for c in text)


def _rust_trim(text: str) -> str:
    return trim(text)


def _parse_until(value: str) -> int:
    b = value.encode()
    well_formed = (
        len(b) == 16
        and b.endswith(b"Z")
        and b[8] == 0x54
        and all(i in (8, 15) or 0x30 <= c <= 0x39 for i, c in enumerate(b))
    )
    if well_formed:
        try:
            utc = datetime.strptime(value[:15], "%Y%m%dT%H%M%S")
            from farm_core.domain.local_time import wall_ms

            return wall_ms(utc)
        except ValueError:
            pass
    raise RuleTextError(f"UNTIL={value} must be a UTC date-time such as 20261231T235959Z (RFC 5545 requires UTC here)")


@dataclass
class RuleParts:
    """An RRULE as the `rrule` crate parsed it (UNTIL aside)."""

    freq: str
    interval: int = 1
    count: int | None = None
    wkst: int = 0
    by_set_pos: list[int] = field(default_factory=list)
    by_month: list[int] = field(default_factory=list)
    by_month_day: list[int] = field(default_factory=list)
    by_year_day: list[int] = field(default_factory=list)
    by_week_no: list[int] = field(default_factory=list)
    # (n or None, weekday 0=Monday).
    by_day: list[tuple[int | None, int]] = field(default_factory=list)
    by_hour: list[int] = field(default_factory=list)
    by_minute: list[int] = field(default_factory=list)

    def finalized(self, dtstart: datetime) -> RuleParts:
        """The crate's `finalize_parsed_rrule`: the parts dtstart supplies by default (its
        weekday, day of month, month, hour, minute) made explicit, so moving the iteration start
        keeps them, and BYMONTHDAY=0 dropped."""
        f = dataclasses.replace(self, by_month_day=[d for d in self.by_month_day if d != 0])
        if not (f.by_week_no or f.by_year_day or f.by_month_day or f.by_day):
            if f.freq == "YEARLY":
                if not f.by_month:
                    f.by_month = [dtstart.month]
                f.by_month_day = [dtstart.day]
            elif f.freq == "MONTHLY":
                f.by_month_day = [dtstart.day]
            elif f.freq == "WEEKLY":
                f.by_day = [(None, dtstart.weekday())]
        rank = FREQUENCIES.index(f.freq)
        if not f.by_hour and rank < FREQUENCIES.index("HOURLY"):
            f.by_hour = [dtstart.hour]
        if not f.by_minute and rank < FREQUENCIES.index("MINUTELY"):
            f.by_minute = [dtstart.minute]
        return f

    def to_dateutil(self, dtstart: datetime) -> du.rrule:
        """python-dateutil's rrule of the finalized parts, iterating from `dtstart`. Cached, so the
        rules that always iterate from their dtstart (COUNT, month ends) generate only once."""
        kwargs: dict[str, Any] = {"dtstart": dtstart, "interval": self.interval, "wkst": self.wkst, "cache": True}
        if self.count is not None:
            kwargs["count"] = self.count
        for name, values in (
            ("bysetpos", self.by_set_pos),
            ("bymonth", self.by_month),
            ("bymonthday", self.by_month_day),
            ("byyearday", self.by_year_day),
            ("byweekno", self.by_week_no),
            ("byhour", self.by_hour),
            ("byminute", self.by_minute),
        ):
            if values:
                kwargs[name] = list(values)
        if self.by_day:
            kwargs["byweekday"] = [du.weekday(wd, n) for n, wd in self.by_day]
        kwargs["bysecond"] = [0]
        return du.rrule(FREQUENCIES.index(self.freq), **kwargs)


def _rust_int(text: str, low: int, high: int, unsigned: bool) -> int | None:
    """`FromStr` of a Rust integer type: ASCII digits, an optional `+` (or `-` when signed)."""
    if not (_UNSIGNED if unsigned else _INT).fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def _values(text: str, low: int, high: int, unsigned: bool, accept: Any) -> list[int] | None:
    """The crate's `parse_str_to_vec`: comma-separated, parsed, accepted, sorted and deduplicated."""
    if text == "":
        return []
    out = []
    for item in text.split(","):
        value = _rust_int(item, low, high, unsigned)
        if value is None or not accept(value):
            return None
        out.append(value)
    return sorted(set(out))


def _weekday(code: str) -> int | None:
    upper = _ascii_upper(code)
    return WEEKDAY_CODES.index(upper) if upper in WEEKDAY_CODES else None


def _nweekday(value: str) -> tuple[int | None, int]:
    b = value.encode()
    if len(b) < 2:
        raise RuleTextError(_invalid_weekday(value))
    try:
        day_text = b[-2:].decode()
        head = b[:-2].decode()
    except UnicodeDecodeError:
        raise RuleTextError(_invalid_weekday(value)) from None
    wd = _weekday(day_text)
    if wd is None:
        raise RuleTextError(_invalid_weekday(value))
    nth = _rust_int(head, -(2**15), 2**15 - 1, False) or 0
    return (None if nth == 0 else nth), wd


def _invalid_weekday(value: str) -> str:
    return f"`{value}` is not a valid weekday. Valid values are `MO`, `TU`, `WE`, `TH`, `FR`, `SA` and `SU`."


def parse_rule(line: str) -> RuleParts:
    """`RRule<Unvalidated>::from_str` of the crate, with its errors."""
    m = _PROPERTY_NAME.search(line)
    property_name = None
    if m is not None:
        property_name = m.group(1).upper()
        if property_name not in ("RRULE", "EXRULE", "RDATE", "EXDATE", "DTSTART"):
            raise RuleTextError(
                f"`{m.group(1)}` is not a valid property name, expected one of: `RRULE,EXRULE,DTSTART,RDATE,EXDATE`"
            )
    parameters = None
    if (property_name is None or property_name == "RRULE") and ":" not in line:
        value = line
    else:
        name = property_name or "RRULE"
        if line.startswith(f"{name};") and ":" in line:
            parameters = line[len(name) + 1 : line.index(":")]
        value = line.split(":", 1)[1] if ":" in line else ""
    if parameters:
        raise RuleTextError(
            f"Property parameters aren't supported for RRULE / EXRULE, found parameters: `{parameters}`"
        )
    props: dict[str, str] = {}
    for raw in value.split(";"):
        if raw == "":
            continue
        if "=" not in raw:
            raise RuleTextError(
                f"`{raw}` is a malformed property parameter. Parameter should be specified as `key=value`"
            )
        key, _, val = raw.partition("=")
        prop = PROPERTIES.get(key.upper())
        if prop is None:
            raise RuleTextError(f"`{key}` is not a valid property parameter.")
        if prop in props:
            raise RuleTextError(f"Found duplicate property for `{key}`, properties and parameters need to be unique.")
        props[prop] = val
    return _props_to_rule(props)


def _props_to_rule(props: dict[str, str]) -> RuleParts:
    freq_text = props.get("freq")
    if freq_text is None:
        raise RuleTextError("The property `FREQ` wasn't found, and it is required.")
    freq = freq_text.upper()
    if freq not in FREQUENCIES:
        raise RuleTextError(f"`{freq}` is not a valid frequency.")
    parts = RuleParts(freq)
    if "interval" in props:
        interval = _rust_int(props["interval"], 0, 2**16 - 1, True)
        if interval is None:
            raise RuleTextError(f"`{props['interval']}` is not a valid INTERVAL value.")
        parts.interval = interval
    if "count" in props:
        count = _rust_int(props["count"], 0, 2**32 - 1, True)
        if count is None:
            raise RuleTextError(f"`{props['count']}` is not a valid COUNT value.")
        parts.count = count
    if "wkst" in props:
        wkst = _weekday(props["wkst"])
        if wkst is None:
            raise RuleTextError(
                f"`{props['wkst']}` is not a valid weekday start. "
                "Valid values are `MO`, `TU`, `WE`, `TH`, `FR`, `SA` and `SU`."
            )
        parts.wkst = wkst
    listed = "a comma-separated list of values in range"
    lists = (
        ("by_set_pos", -(2**31), 2**31 - 1, False, lambda _: True, "BYSETPOS",
         "a comma-separated list of integers, e.g. `-3,1`"),
        ("by_month", 0, 255, True, lambda v: 1 <= v <= 12, "BYMONTH", f"{listed} 1..=12, e.g. `6,9,10`"),
        ("by_month_day", -128, 127, False, lambda v: -31 <= v <= 31, "BYMONTHDAY", f"{listed} -31..=31, e.g. `-30,10`"),
        ("by_year_day", -(2**15), 2**15 - 1, False, lambda v: -366 <= v <= 366, "BYYEARDAY",
         f"{listed} -366..=366, e.g. `-100,`"),
        ("by_week_no", -128, 127, False, lambda v: -53 <= v <= 53, "BYWEEKNO", f"{listed} -53..=53, e.g. `-1,30,53`"),
    )  # fmt: skip
    for prop, low, high, unsigned, accept, name, expected in lists:
        if prop in props:
            values = _values(props[prop], low, high, unsigned, accept)
            if values is None:
                raise RuleTextError(f"`{props[prop]}` is not a valid {name} value. Expected {expected}")
            setattr(parts, prop, values)
    if "by_day" in props:
        parts.by_day = [_nweekday(day) for day in props["by_day"].split(",")]
    for prop, limit, name, expected in (
        ("by_hour", 24, "BYHOUR", "0..=23, e.g. `1,3,4`"),
        ("by_minute", 60, "BYMINUTE", "0..=59, e.g. `0,15,30,45`"),
    ):
        if prop in props:
            values = _values(props[prop], 0, 255, True, lambda v, limit=limit: v < limit)
            if values is None:
                raise RuleTextError(f"`{props[prop]}` is not a valid {name} value. Expected {listed} {expected}")
            setattr(parts, prop, values)
    return parts


def validate(parts: RuleParts, dtstart: datetime) -> RuleParts:
    """The crate's `RRule::validate`: its checks on the finalized parts, with its errors (those
    that cannot fail once dtstart fills the defaults are left out). Returns the finalized parts."""
    f = parts.finalized(dtstart)
    if 0 in f.by_set_pos:
        raise RuleTextError("`BYSETPOS` can't be `0`, must be larger or smaller then `0`.")
    set_pos_ranges = {"YEARLY": 366, "DAILY": 366, "MONTHLY": 31, "WEEKLY": 53, "HOURLY": 24}
    limit = set_pos_ranges.get(f.freq, 60)
    for value in f.by_set_pos:
        if not -limit <= value <= limit:
            raise RuleTextError(
                f"`BYSETPOS` is `{value}`, but with the current frequency ({f.freq}) is not allowed "
                f"outside the range: `{-limit}..={limit}`."
            )
    if [d for d in f.by_month_day if d > 0] and f.freq == "WEEKLY":
        raise RuleTextError("`BYMONTHDAY` can not be used with the current frequency (WEEKLY).")
    if 0 in f.by_year_day:
        raise RuleTextError("`BYYEARDAY` can't be `0`, must be larger or smaller then `0`.")
    if f.by_year_day and f.freq in ("MONTHLY", "WEEKLY", "DAILY"):
        raise RuleTextError(f"`BYYEARDAY` can not be used with the current frequency ({f.freq}).")
    if 0 in f.by_week_no:
        raise RuleTextError("`BYWEEKNO` can't be `0`, must be larger or smaller then `0`.")
    if f.by_week_no and f.freq != "YEARLY":
        raise RuleTextError(f"`BYWEEKNO` can not be used with the current frequency ({f.freq}).")
    day_ranges = {"YEARLY": 366, "DAILY": 366, "MONTHLY": 31, "WEEKLY": 53, "HOURLY": 24}
    span = day_ranges.get(f.freq, 60)
    low, high = -(span // 7), span // 7 + 1
    for nth, _ in f.by_day:
        if nth is not None and not low <= nth <= high:
            raise RuleTextError(
                f"`BYDAY` is `{nth}`, but with the current frequency ({f.freq}) is not allowed "
                f"outside the range: `{low}..={high}`."
            )
    return f
