"""Sensors: what they measure, and the readings nodes send."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass

from farm_core.domain.errors import FieldError, Validation
from farm_core.domain.text import has_control

DEFAULT_INTERVAL_S = 60
DEFAULT_RETENTION_DAYS = 30
# Readings may come from clocks a little ahead of ours, not further.
MAX_FUTURE_MS = 5 * 60 * 1000


class SensorKind(enum.Enum):
    TEMPERATURE = "temperature"
    HUMIDITY = "humidity"
    SOIL_MOISTURE = "soil_moisture"
    PRESSURE = "pressure"
    FLOW = "flow"
    LEVEL = "level"
    VOLTAGE = "voltage"
    CURRENT = "current"
    POWER = "power"
    GENERIC = "generic"


_KINDS = {kind.value: kind for kind in SensorKind}


def kind_from_db(text: str) -> SensorKind:
    return _KINDS.get(text, SensorKind.GENERIC)


@dataclass(frozen=True, slots=True)
class Sensor:
    id: int
    node_id: int
    key: str
    name: str
    kind: SensorKind
    unit: str
    # How often the node reports it; a reading older than three intervals is stale.
    interval_s: int
    retention_days: int
    last_value: float | None
    last_ts: int | None


def parse_unit(field: str, raw: str) -> str:
    if len(raw) > 16 or has_control(raw):
        raise Validation.invalid(field, "must be at most 16 characters")
    return raw


def check_interval(field: str, seconds: int) -> int:
    if not 1 <= seconds <= 86_400:
        raise Validation.invalid(field, "must be between 1 and 86400 seconds")
    return seconds


def check_retention(field: str, days: int) -> int:
    if not 1 <= days <= 3650:
        raise Validation.invalid(field, "must be between 1 and 3650 days")
    return days


# A reading as a node sends it, before validation: (sensor_key, ts or None, value or None).
RawReading = tuple[str, "int | None", "float | None"]
# A validated reading: (sensor_id, ts, value), a finite value not from the future.
Reading = tuple[int, int, float]


def validate_batch(readings: list[RawReading], sensor_id_of: Callable[[str], int | None], now: int) -> list[Reading]:
    """Validates a whole batch; any bad reading rejects the batch, naming every offender."""
    problems: list[FieldError] = []
    out: list[Reading] = []
    latest = now + MAX_FUTURE_MS
    isfinite = math.isfinite
    for i, (key, ts, value) in enumerate(readings):
        sensor_id = sensor_id_of(key)
        if sensor_id is None:
            problems.append(FieldError(f"readings[{i}].sensor_key", f"no sensor '{key}' on this node"))
        if ts is None:
            problems.append(FieldError(f"readings[{i}].ts", "must be an RFC 3339 date-time"))
        elif ts > latest:
            problems.append(FieldError(f"readings[{i}].ts", "is more than 5 minutes in the future"))
        if value is None or not isfinite(value):
            problems.append(FieldError(f"readings[{i}].value", "must be a finite number"))
        elif sensor_id is not None and ts is not None:
            out.append((sensor_id, ts, value))
    if problems:
        raise Validation(problems)
    return out
