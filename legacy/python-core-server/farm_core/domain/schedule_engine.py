"""The schedule engine's decisions, as a pure function of a snapshot and the time (Rust's
`domain/schedule_engine.rs`).

State, not edges: every evaluation computes which occurrences are active now, which of them hold
which outputs, and what each output should therefore be; it then issues only the commands needed
to get there. Occurrences that began and ended while the controller was down are logged as missed
(or run once, late, per the schedule's `missed_run_policy`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from farm_core.domain import schedules as recurrences
from farm_core.domain.schedule_rules import Claim, RuleOutcome, Sample, Schedule, combine, evaluate_rule, winner

# Late by more than this, an occurrence's firing says the controller was not running.
LATE_MS = 60_000
# How far back missed occurrences are looked for after downtime.
MISSED_LOOKBACK_MS = 7 * 24 * 3_600_000


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    schedule_id: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ClaimRow:
    output_id: int
    schedule_id: int
    occurrence_start: int
    occurrence_end: int
    state: int


@dataclass(frozen=True, slots=True)
class OutputInfo:
    default_state: int
    desired_state: int
    # On a retired node: never commanded.
    retired: bool


@dataclass(slots=True)
class Snapshot:
    """Everything an evaluation reads."""

    site_timezone: str = "UTC"
    schedules: list[Schedule] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    # Occurrences already fired or skipped: (schedule id, occurrence start) -> fired?
    decided: dict[tuple[int, int], bool] = field(default_factory=dict)
    # Conflicts already logged: (schedule id, occurrence start, output id).
    conflicts_logged: set[tuple[int, int, int]] = field(default_factory=set)
    evaluated_at: int | None = None
    outputs: dict[int, OutputInfo] = field(default_factory=dict)
    # For each sensor a condition names: its interval and recent readings.
    samples: dict[int, tuple[int, list[Sample]]] = field(default_factory=dict)
    # Parsed recurrences by schedule id (parsed once per evaluation).
    parsed: dict[int, recurrences.ParsedRecurrence | None] = field(default_factory=dict)

    def recurrence_of(self, schedule: Schedule) -> recurrences.ParsedRecurrence | None:
        if schedule.id not in self.parsed:
            self.parsed[schedule.id] = recurrences.parsed(schedule.recurrence)
        return self.parsed[schedule.id]


@dataclass(slots=True)
class LogEntry:
    schedule_id: int
    schedule_name: str
    occurrence_start: int
    outcome: str
    reason: str | None
    output_ids: list[int]
    # The detail column's JSON text, as serde_json writes the Rust `json!` value (keys sorted).
    detail: str


@dataclass(frozen=True, slots=True)
class NewAlarm:
    schedule_id: int
    severity: str
    message: str


@dataclass(frozen=True, slots=True)
class NewRun:
    schedule_id: int
    start: int
    end: int


@dataclass(slots=True)
class Plan:
    """What an evaluation decided."""

    # (output, state, name of the schedule that wants it).
    commands: list[tuple[int, int, str]] = field(default_factory=list)
    # The full set of claims from now on.
    claims: list[ClaimRow] = field(default_factory=list)
    logs: list[LogEntry] = field(default_factory=list)
    alarms: list[NewAlarm] = field(default_factory=list)
    catch_up: list[NewRun] = field(default_factory=list)
    # When to evaluate again at the latest.
    next_wake: int | None = None


@dataclass(frozen=True, slots=True)
class _Active:
    schedule: Schedule
    start: int
    end: int


def _json_value(value: Any) -> str:
    """serde_json's `Value` text: objects with sorted keys (its default map), no whitespace."""
    from farm_core.domain.schedule_rules import _f64, _s

    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _f64(value)
    if isinstance(value, str):
        return _s(value)
    if isinstance(value, list):
        return "[" + ",".join(map(_json_value, value)) + "]"
    return "{" + ",".join(f"{_s(k)}:{_json_value(value[k])}" for k in sorted(value)) + "}"


def _outcome_value(o: RuleOutcome) -> dict[str, Any]:
    return {"sensor_id": o.sensor_id, "held": o.held, "value": o.value, "reason": o.reason}


def _active(snapshot: Snapshot, now: int) -> list[_Active]:
    out = []
    for schedule in snapshot.schedules:
        parsed = snapshot.recurrence_of(schedule)
        if parsed is not None:
            o = parsed.active_at(schedule.zone(snapshot.site_timezone), now)
            if o is not None:
                out.append(_Active(schedule, o.start, o.end))
        for run in snapshot.runs:
            if run.schedule_id == schedule.id and run.start <= now < run.end:
                out.append(_Active(schedule, run.start, run.end))
    return out


def sensors_needed(snapshot: Snapshot, now: int) -> list[tuple[int, int]]:
    """The sensors whose readings the conditions of occurrences starting now will need."""
    needed: dict[int, int] = {}
    for a in _active(snapshot, now):
        if (a.schedule.id, a.start) in snapshot.decided or not a.schedule.enabled:
            continue
        conditions = a.schedule.conditions
        for rule in conditions["rules"] if conditions is not None else []:
            since = now - rule["for_s"] * 1000
            needed[rule["sensor_id"]] = min(needed.get(rule["sensor_id"], since), since)
    return sorted(needed.items())


def decide(snapshot: Snapshot, now: int) -> Plan:
    plan = Plan()
    fired: list[_Active] = []

    for a in _active(snapshot, now):
        key = (a.schedule.id, a.start)
        if key in snapshot.decided:
            if snapshot.decided[key] and a.schedule.enabled:
                fired.append(a)
            continue
        outputs = [o for o, _ in a.schedule.output_states()]

        def log(
            outcome: str, reason: str | None, detail: str, a: _Active = a, outputs: list[int] = outputs
        ) -> LogEntry:
            return LogEntry(a.schedule.id, a.schedule.name, a.start, outcome, reason, outputs, detail)

        if not a.schedule.enabled:
            plan.logs.append(log("skipped", "disabled", "{}"))
            continue
        conditions = a.schedule.conditions
        if conditions is not None:
            outcomes = []
            for rule in conditions["rules"]:
                interval, samples = snapshot.samples.get(rule["sensor_id"], (60, []))
                outcomes.append(evaluate_rule(rule, interval, samples, now))
            if not combine(conditions["mode"], outcomes):
                stale = any(o.reason == "stale" for o in outcomes)
                detail = _json_value({"rules": [_outcome_value(o) for o in outcomes]})
                plan.logs.append(log("skipped", "stale" if stale else "condition_false", detail))
                continue
        late = now - a.start > LATE_MS
        note = "started late: the controller was not running when it began" if late else None
        plan.logs.append(log("fired", None, _json_value({"end": a.end, "note": note})))
        for action in a.schedule.actions:
            if action["type"] == "alarm":
                plan.alarms.append(NewAlarm(a.schedule.id, action["severity"], action["message"]))
        fired.append(a)

    # Who holds each output.
    wanted: dict[int, list[Claim]] = {}
    for a in fired:
        for output_id, state in a.schedule.output_states():
            wanted.setdefault(output_id, []).append(Claim(a.schedule.id, a.schedule.priority, a.start, a.end, state))
    names = {s.id: s.name for s in snapshot.schedules}

    def name_of(schedule_id: int) -> str:
        return names.get(schedule_id, f"schedule {schedule_id} (deleted)")

    for output_id in sorted(wanted):
        claims = wanted[output_id]
        win = winner(claims)
        if win is None:
            continue
        for loser in claims:
            if loser.schedule_id == win.schedule_id and loser.occurrence_start == win.occurrence_start:
                continue
            if (loser.schedule_id, loser.occurrence_start, output_id) not in snapshot.conflicts_logged:
                detail = _json_value({"winner_schedule_id": win.schedule_id, "winner": name_of(win.schedule_id)})
                plan.logs.append(
                    LogEntry(
                        loser.schedule_id,
                        name_of(loser.schedule_id),
                        loser.occurrence_start,
                        "skipped",
                        "conflict",
                        [output_id],
                        detail,
                    )
                )
        plan.claims.append(ClaimRow(output_id, win.schedule_id, win.occurrence_start, win.occurrence_end, win.state))

    # Commands: claimed outputs to their state, released ones back to their default.
    for claim in plan.claims:
        info = snapshot.outputs.get(claim.output_id)
        if info is not None and not info.retired and info.desired_state != claim.state:
            plan.commands.append((claim.output_id, claim.state, name_of(claim.schedule_id)))
    ended: dict[tuple[int, int], list[int]] = {}
    for old in snapshot.claims:
        still_active = any(a.schedule.id == old.schedule_id and a.start == old.occurrence_start for a in fired)
        if not still_active:
            ended.setdefault((old.schedule_id, old.occurrence_start), []).append(old.output_id)
        if any(c.output_id == old.output_id for c in plan.claims):
            continue
        info = snapshot.outputs.get(old.output_id)
        if info is not None and not info.retired and info.desired_state != info.default_state:
            plan.commands.append((old.output_id, info.default_state, name_of(old.schedule_id)))
    for schedule_id, occurrence_start in sorted(ended):
        plan.logs.append(
            LogEntry(
                schedule_id,
                name_of(schedule_id),
                occurrence_start,
                "ended",
                None,
                ended[(schedule_id, occurrence_start)],
                "{}",
            )
        )

    # Occurrences that began and ended while nobody was evaluating.
    if snapshot.evaluated_at is not None and snapshot.evaluated_at < now:
        since = max(snapshot.evaluated_at, now - MISSED_LOOKBACK_MS)
        for schedule in snapshot.schedules:
            if not schedule.enabled:
                continue
            parsed = snapshot.recurrence_of(schedule)
            if parsed is None:
                continue
            tz = schedule.zone(snapshot.site_timezone)
            for o in parsed.expand(tz, since, now, 1000):
                if o.start <= since or o.end > now or (schedule.id, o.start) in snapshot.decided:
                    continue
                caught_up = schedule.missed_run_policy == "run_once"
                if caught_up:
                    plan.catch_up.append(NewRun(schedule.id, now, now + (o.end - o.start)))
                plan.logs.append(
                    LogEntry(
                        schedule.id,
                        schedule.name,
                        o.start,
                        "missed",
                        None,
                        [out for out, _ in schedule.output_states()],
                        _json_value({"end": o.end, "policy": schedule.missed_run_policy, "caught_up": caught_up}),
                    )
                )

    # Wake at the next start or end of anything.
    upcoming: list[int] = []
    for schedule in snapshot.schedules:
        parsed = snapshot.recurrence_of(schedule)
        if parsed is not None:
            t = parsed.next_transition(schedule.zone(snapshot.site_timezone), now)
            if t is not None:
                upcoming.append(t)
    upcoming.extend(t for r in snapshot.runs for t in (r.start, r.end) if t > now)
    upcoming.extend(c.occurrence_end for c in plan.claims if c.occurrence_end > now)
    if plan.catch_up:
        upcoming.append(now)
    plan.next_wake = min(upcoming, default=None)
    return plan
