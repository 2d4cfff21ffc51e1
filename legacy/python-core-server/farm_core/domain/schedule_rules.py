"""What a schedule does when it fires and when it may (Rust's `domain/schedule_rules.rs`):
conditions on sensor values, actions (hold outputs at a state for the occurrence, raise an alarm),
which of two schedules wins an output, and the checks of a schedule as written.

Conditions, rules and actions are dicts as the request body carries them (`op`, `mode`, `severity`
as their enums); a schedule's stored JSON is written as serde writes it (`schedule_json_columns`)."""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass
from typing import Any

from farm_core.domain import schedules
from farm_core.domain.errors import FieldError, Validation
from farm_core.domain.local_time import zone
from farm_core.domain.nodes import parse_name
from farm_core.domain.site import parse_timezone

MAX_RULES = 16
MAX_ACTIONS = 32


class Weekday(enum.Enum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class Op(enum.Enum):
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    EQ = "eq"
    NE = "ne"


def holds(op: str, value: float, threshold: float) -> bool:
    if op == "lt":
        return value < threshold
    if op == "lte":
        return value <= threshold
    if op == "gt":
        return value > threshold
    if op == "gte":
        return value >= threshold
    if op == "eq":
        return value == threshold
    return value != threshold


class Mode(enum.Enum):
    ALL = "all"
    ANY = "any"


class Severity(enum.Enum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class MissedRunPolicy(enum.Enum):
    # Log the occurrence as missed.
    SKIP = "skip"
    # Run it once, late, for its full duration.
    RUN_ONCE = "run_once"


def _v(x: Any) -> Any:
    return x.value if isinstance(x, enum.Enum) else x


# --- stored JSON, as serde writes it -----------------------------------------------------------


def _s(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _f64(value: float) -> str:
    from farm_core.http.json_body import format_float

    return format_float(value) if math.isfinite(value) else "null"


def recurrence_json(r: dict[str, Any]) -> str:
    if r["type"] == "weekly":
        blocks = ",".join(
            f'{{"day":"{_v(b["day"])}","start":{_s(b["start"])},"end":{_s(b["end"])}}}' for b in r["blocks"]
        )
        return f'{{"type":"weekly","blocks":[{blocks}]}}'
    return (
        f'{{"type":"rrule","rrule":{_s(r["rrule"])},"dtstart":{_s(r["dtstart"])},'
        f'"duration_minutes":{r["duration_minutes"]}}}'
    )


def conditions_json(c: dict[str, Any]) -> str:
    rules = ",".join(
        f'{{"sensor_id":{r["sensor_id"]},"op":"{_v(r["op"])}","value":{_f64(r["value"])},"for_s":{r["for_s"]}}}'
        for r in c["rules"]
    )
    return f'{{"mode":"{_v(c["mode"])}","rules":[{rules}]}}'


def actions_json(actions: list[dict[str, Any]]) -> str:
    parts = []
    for a in actions:
        if a["type"] == "set_output":
            parts.append(f'{{"type":"set_output","output_id":{a["output_id"]},"state":{a["state"]}}}')
        else:
            parts.append(f'{{"type":"alarm","severity":"{_v(a["severity"])}","message":{_s(a["message"])}}}')
    return f"[{','.join(parts)}]"


# --- checks -------------------------------------------------------------------------------------


def check_conditions(conditions: dict[str, Any]) -> list[FieldError]:
    problems = []
    rules = conditions["rules"]
    if not rules or len(rules) > MAX_RULES:
        problems.append(FieldError("conditions.rules", "must hold 1 to 16 rules"))
    for i, rule in enumerate(rules):
        if not math.isfinite(rule["value"]):
            problems.append(FieldError(f"conditions.rules[{i}].value", "must be a finite number"))
        if not 0 <= rule["for_s"] <= 86_400:
            problems.append(FieldError(f"conditions.rules[{i}].for_s", "must be between 0 and 86400 seconds"))
    return problems


def check_actions(actions: list[dict[str, Any]]) -> list[FieldError]:
    """Shape checks; whether outputs exist and states fit their kind is checked against the store."""
    problems = []
    if not actions or len(actions) > MAX_ACTIONS:
        problems.append(FieldError("actions", "must hold 1 to 32 actions"))
    outputs: set[int] = set()
    for i, action in enumerate(actions):
        if action["type"] == "set_output":
            if action["output_id"] in outputs:
                problems.append(FieldError(f"actions[{i}].output_id", "names an output twice"))
            outputs.add(action["output_id"])
        else:
            length = len(_rust_trim(action["message"]))
            if length == 0 or length > 200:
                problems.append(FieldError(f"actions[{i}].message", "must be 1 to 200 characters"))
    return problems


def _rust_trim(text: str) -> str:
    from farm_core.domain.text import trim

    return trim(text)


def check_priority(priority: int) -> int:
    if not -1000 <= priority <= 1000:
        raise Validation.invalid("priority", "must be between -1000 and 1000")
    return priority


# --- evaluation ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    ts: int
    value: float


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    sensor_id: int
    held: bool
    # The last value seen, if any.
    value: float | None
    # `stale`, `no_data`, `not_long_enough`.
    reason: str | None


def evaluate_rule(rule: dict[str, Any], interval_s: int, window: list[Sample], now: int) -> RuleOutcome:
    """The sensor's last reading must be fresher than three intervals (else `stale`), and every
    reading of the last `for_s` seconds must satisfy the comparison, with readings reaching back to
    the start of that window."""
    last = None
    for s in window:
        # `max_by_key` keeps the last of equal keys.
        if last is None or s.ts >= last.ts:
            last = s
    op, threshold = _v(rule["op"]), rule["value"]

    def outcome(held: bool, reason: str | None) -> RuleOutcome:
        return RuleOutcome(rule["sensor_id"], held, None if last is None else last.value, reason)

    if last is None:
        return outcome(False, "no_data")
    if now - last.ts > 3 * interval_s * 1000:
        return outcome(False, "stale")
    since = now - rule["for_s"] * 1000
    recent = [s for s in window if s.ts >= since]
    if not all(holds(op, s.value, threshold) for s in recent) or not holds(op, last.value, threshold):
        return outcome(False, None)
    oldest = min(s.ts for s in window)
    if rule["for_s"] > 0 and oldest > since + interval_s * 1000:
        return outcome(False, "not_long_enough")
    return outcome(True, None)


def combine(mode: Any, outcomes: list[RuleOutcome]) -> bool:
    if _v(mode) == "all":
        return all(o.held for o in outcomes)
    return any(o.held for o in outcomes)


@dataclass(frozen=True, slots=True)
class Claim:
    schedule_id: int
    priority: int
    occurrence_start: int
    occurrence_end: int
    state: int


def winner(claims: list[Claim]) -> Claim | None:
    """Higher priority wins; on a tie the occurrence that started later; then the higher id."""
    best = None
    for c in claims:
        if best is None or (c.priority, c.occurrence_start, c.schedule_id) >= (
            best.priority,
            best.occurrence_start,
            best.schedule_id,
        ):
            best = c
    return best


# --- a schedule ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Schedule:
    """A schedule row: the JSON columns as stored (serde's text) and parsed."""

    id: int
    name: str
    enabled: bool
    priority: int
    timezone: str | None
    recurrence_text: str
    conditions_text: str | None
    actions_text: str
    missed_run_policy: str
    created_at: int
    updated_at: int

    @property
    def recurrence(self) -> dict[str, Any]:
        return json.loads(self.recurrence_text)

    @property
    def conditions(self) -> dict[str, Any] | None:
        return None if self.conditions_text is None else json.loads(self.conditions_text)

    @property
    def actions(self) -> list[dict[str, Any]]:
        return json.loads(self.actions_text)

    def output_states(self) -> list[tuple[int, int]]:
        return [(a["output_id"], a["state"]) for a in self.actions if a["type"] == "set_output"]

    def zone_name(self, site_timezone: str) -> str:
        name = self.timezone if self.timezone is not None else site_timezone
        return name if zone(name).__class__.__name__ == "ZoneInfo" else "UTC"

    def zone(self, site_timezone: str) -> Any:
        return zone(self.timezone if self.timezone is not None else site_timezone)


@dataclass(slots=True)
class ScheduleDraft:
    """A schedule's fields as written: validated except where the store must look."""

    name: str
    enabled: bool
    priority: int
    timezone: str | None
    recurrence: dict[str, Any]
    conditions: dict[str, Any] | None
    actions: list[dict[str, Any]]
    missed_run_policy: str

    def check(self) -> None:
        """Every problem of the draft at once, with its field path."""
        problems: list[FieldError] = []
        for check in (
            lambda: parse_name("name", self.name),
            lambda: check_priority(self.priority),
            lambda: self.timezone is not None and parse_timezone("timezone", self.timezone),
            lambda: schedules.validate(self.recurrence),
        ):
            try:
                check()
            except Validation as err:
                problems.extend(err.fields)
        if self.conditions is not None:
            problems.extend(check_conditions(self.conditions))
        problems.extend(check_actions(self.actions))
        if problems:
            raise Validation(problems)
