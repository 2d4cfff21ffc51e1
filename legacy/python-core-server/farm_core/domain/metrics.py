"""Chart queries: how to answer "sensor S from A to B in at most N points" without scanning a
year of raw rows. Small ranges return raw readings; larger ones return buckets with min, max and
average, taken from raw rows or, when a bucket spans an hour or more, from the hourly rollups."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from farm_core.domain.errors import FieldError, Validation
from farm_core.domain.text import parse_i64, trim
from farm_core.domain.time import check_range

HOUR_MS = 3_600_000
DEFAULT_MAX_POINTS = 1000
MAX_MAX_POINTS = 10_000
# At most this many sensors in one query (overlay charts).
MAX_SENSORS = 16


class Resolution(enum.Enum):
    # Each point is one reading (min = max = avg, count = 1).
    RAW = "raw"
    # Buckets aggregated from raw readings.
    BUCKETED = "bucketed"
    # Buckets aggregated from hourly rollups; bucket edges fall on whole UTC hours.
    HOURLY = "hourly"


@dataclass(frozen=True, slots=True)
class Plan:
    resolution: Resolution
    # Start of the first bucket (the hour `from` falls in, for hourly plans).
    start: int
    end: int
    # Bucket width; 0 for raw.
    bucket_ms: int


def ceil_div(a: int, b: int) -> int:
    """`a / b` rounded up, for `a >= 0` and `b > 0`."""
    return -(-a // b)


def plan(from_ms: int, to_ms: int, max_points: int, readings: int, raw_complete: bool) -> Plan:
    """Picks the cheapest source that answers in at most `max_points` points. `readings` is the
    number of readings in the range as the hourly rollups count them; `raw_complete` is false when
    retention already deleted raw readings of the range, so only the rollups cover it."""
    if raw_complete and readings <= max_points:
        return Plan(Resolution.RAW, from_ms, to_ms, 0)
    bucket_ms = max(ceil_div(to_ms - from_ms, max_points), 1)
    if raw_complete and bucket_ms < HOUR_MS:
        return Plan(Resolution.BUCKETED, from_ms, to_ms, bucket_ms)
    start = from_ms // HOUR_MS * HOUR_MS
    hours = ceil_div(to_ms - start, HOUR_MS)
    hours_per_bucket = max(ceil_div(hours, max_points), 1)
    return Plan(Resolution.HOURLY, start, to_ms, hours_per_bucket * HOUR_MS)


# A point: (ts, min, max, avg, count); ts is the start of the bucket (raw: the reading's time).
Point = tuple[int, float, float, float, int]


@dataclass(frozen=True, slots=True)
class Series:
    sensor_id: int
    resolution: Resolution
    # Bucket width in milliseconds; 0 for raw points.
    bucket_ms: int
    points: list[Point]


@dataclass(frozen=True, slots=True)
class Query:
    sensor_ids: list[int]
    from_ms: int
    to_ms: int
    max_points: int


def parse_query(sensor_ids: str, from_text: str, to_text: str, max_points: int | None) -> Query:
    problems: list[FieldError] = []
    parts = sensor_ids.split(",")
    ids = [i for i in (parse_i64(trim(p)) for p in parts) if i is not None]
    if not ids or len(ids) != len(parts) or len(ids) > MAX_SENSORS:
        problems.append(FieldError("sensor_id", "must be 1 to 16 comma-separated sensor ids"))
    from_ms, to_ms = check_range(from_text, to_text, problems)
    points = DEFAULT_MAX_POINTS if max_points is None else max_points
    if not 2 <= points <= MAX_MAX_POINTS:
        problems.append(FieldError("max_points", "must be between 2 and 10000"))
    if problems or from_ms is None or to_ms is None:
        raise Validation(problems)
    return Query(ids, from_ms, to_ms, points)
