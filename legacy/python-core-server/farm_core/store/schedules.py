"""SQL for schedules, their runs, the engine's claims and decisions (action logs), and alarms
(Rust's `store/schedules.rs`)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from farm_core.db import Database, Transaction, is_unique_violation
from farm_core.domain import schedule_engine as eng
from farm_core.domain import schedule_rules as rules
from farm_core.domain.errors import Conflict, FieldError, NotFound, Validation
from farm_core.domain.outputs import Command, CommandSource, Output, Requester
from farm_core.domain.schedule_rules import Sample, Schedule, ScheduleDraft
from farm_core.store import commands as command_sql
from farm_core.store import outputs as output_sql
from farm_core.store import site as site_sql

COLUMNS = (
    "id, name, enabled, priority, timezone, recurrence, conditions, actions, missed_run_policy, created_at, updated_at"
)
ALARM_COLUMNS = "id, schedule_id, severity, message, raised_at, acknowledged_at, acknowledged_by"


@dataclass(frozen=True, slots=True)
class ScheduleRun:
    id: int
    schedule_id: int
    start: int
    end: int
    # `manual` (run now) or `catch_up` (a missed occurrence run late).
    reason: str
    requested_by: str | None


@dataclass(frozen=True, slots=True)
class ActionLog:
    id: int
    at: int
    schedule_id: int | None
    schedule_name: str
    occurrence_start: int | None
    outcome: str
    reason: str | None
    # The JSON columns' text as stored.
    output_ids: str
    command_ids: str
    detail: str


@dataclass(frozen=True, slots=True)
class Alarm:
    id: int
    schedule_id: int | None
    severity: str
    message: str
    raised_at: int
    acknowledged_at: int | None
    acknowledged_by: str | None


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Which action logs to list; `None` matches any. The time bounds are epoch milliseconds,
    `from_ms` inclusive and `to_ms` exclusive."""

    schedule_id: int | None = None
    output_id: int | None = None
    outcome: str | None = None
    from_ms: int | None = None
    to_ms: int | None = None


@dataclass(frozen=True, slots=True)
class LogPage:
    items: list[ActionLog]
    next_cursor: int | None


@dataclass(slots=True)
class Applied:
    """What applying a plan changed, for events and wake-ups."""

    commands: list[Command] = field(default_factory=list)
    superseded: list[Command] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)


def _schedule(row: tuple) -> Schedule:
    policy = "run_once" if row[8] == "run_once" else "skip"
    return Schedule(row[0], row[1], bool(row[2]), row[3], row[4], row[5], row[6], row[7], policy, row[9], row[10])


def get(conn: sqlite3.Connection, schedule_id: int) -> Schedule:
    row = conn.execute(f"SELECT {COLUMNS} FROM schedules WHERE id = ?", (schedule_id,)).fetchone()
    if row is None:
        raise NotFound("schedule")
    return _schedule(row)


def list_all(conn: sqlite3.Connection) -> list[Schedule]:
    return [_schedule(r) for r in conn.execute(f"SELECT {COLUMNS} FROM schedules ORDER BY id")]


def _alarm(row: tuple) -> Alarm:
    severity = row[2] if row[2] in ("info", "warning", "critical") else "warning"
    return Alarm(row[0], row[1], severity, row[3], row[4], row[5], row[6])


def alarm_get(conn: sqlite3.Connection, alarm_id: int) -> Alarm:
    row = conn.execute(f"SELECT {ALARM_COLUMNS} FROM alarms WHERE id = ?", (alarm_id,)).fetchone()
    if row is None:
        raise NotFound("alarm")
    return _alarm(row)


def _check_references(conn: sqlite3.Connection, draft: ScheduleDraft) -> None:
    """The parts of a draft only the database can check: outputs and sensors exist, states fit."""
    problems: list[FieldError] = []
    for i, action in enumerate(draft.actions):
        if action["type"] != "set_output":
            continue
        try:
            output = output_sql.get(conn, action["output_id"])
        except NotFound:
            problems.append(FieldError(f"actions[{i}].output_id", "no such output"))
            continue
        try:
            output.kind.check_state(f"actions[{i}].state", action["state"])
        except Validation as err:
            problems.extend(err.fields)
    for i, rule in enumerate(draft.conditions["rules"] if draft.conditions is not None else []):
        exists = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM sensors WHERE id = ? AND removed_at IS NULL)", (rule["sensor_id"],)
        ).fetchone()[0]
        if not exists:
            problems.append(FieldError(f"conditions.rules[{i}].sensor_id", "no such sensor"))
    if problems:
        raise Validation(problems)


def _write_draft(conn: sqlite3.Connection, schedule_id: int | None, d: ScheduleDraft, now: int) -> int:
    params = (
        d.name,
        int(d.enabled),
        d.priority,
        d.timezone,
        rules.recurrence_json(d.recurrence),
        None if d.conditions is None else rules.conditions_json(d.conditions),
        rules.actions_json(d.actions),
        d.missed_run_policy,
        now,
    )
    try:
        if schedule_id is None:
            cursor = conn.execute(
                "INSERT INTO schedules (name, enabled, priority, timezone, recurrence, conditions, actions,"
                " missed_run_policy, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                params,
            )
            return cursor.lastrowid
        conn.execute(
            "UPDATE schedules SET name = ?1, enabled = ?2, priority = ?3, timezone = ?4, recurrence = ?5,"
            " conditions = ?6, actions = ?7, missed_run_policy = ?8, updated_at = ?9 WHERE id = ?10",
            (*params, schedule_id),
        )
        return schedule_id
    except sqlite3.IntegrityError as err:
        if is_unique_violation(err):
            raise Conflict("schedule name is taken") from None
        raise


def _create(conn: sqlite3.Connection, draft: ScheduleDraft, now: int) -> Schedule:
    with Transaction(conn):
        _check_references(conn, draft)
        return get(conn, _write_draft(conn, None, draft, now))


def _update(conn: sqlite3.Connection, schedule_id: int, draft: ScheduleDraft, now: int) -> Schedule:
    with Transaction(conn):
        get(conn, schedule_id)
        _check_references(conn, draft)
        _write_draft(conn, schedule_id, draft, now)
        return get(conn, schedule_id)


def _delete(conn: sqlite3.Connection, schedule_id: int) -> None:
    if conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,)).rowcount == 0:
        raise NotFound("schedule")


def _run_create(
    conn: sqlite3.Connection, schedule_id: int, start: int, end: int, by: str | None, now: int
) -> ScheduleRun:
    with Transaction(conn):
        get(conn, schedule_id)
        cursor = conn.execute(
            "INSERT INTO schedule_runs (schedule_id, start_at, end_at, reason, requested_by, created_at)"
            " VALUES (?, ?, ?, 'manual', ?, ?)",
            (schedule_id, start, end, by, now),
        )
        return ScheduleRun(cursor.lastrowid, schedule_id, start, end, "manual", by)


def _logs(conn: sqlite3.Connection, f: LogFilter, limit: int, cursor: int | None) -> LogPage:
    rows = conn.execute(
        "SELECT id, at, schedule_id, schedule_name, occurrence_start, outcome, reason, output_ids, command_ids, detail"
        " FROM action_logs"
        " WHERE (?1 IS NULL OR schedule_id = ?1) AND (?2 IS NULL OR outcome = ?2)"
        " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(output_ids) WHERE value = ?3))"
        " AND (?4 IS NULL OR id < ?4)"
        " AND (?6 IS NULL OR at >= ?6) AND (?7 IS NULL OR at < ?7)"
        " ORDER BY id DESC LIMIT ?5",
        (f.schedule_id, f.outcome, f.output_id, cursor, limit + 1, f.from_ms, f.to_ms),
    ).fetchall()
    items = [ActionLog(*r) for r in rows]
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = items[-1].id if items else None
    return LogPage(items, next_cursor)


def _alarms(conn: sqlite3.Connection, open_only: bool) -> list[Alarm]:
    rows = conn.execute(
        f"SELECT {ALARM_COLUMNS} FROM alarms WHERE (?1 = 0 OR acknowledged_at IS NULL) ORDER BY id DESC LIMIT 1000",
        (int(open_only),),
    )
    return [_alarm(r) for r in rows]


def _acknowledge(conn: sqlite3.Connection, alarm_id: int, by: str, now: int) -> Alarm:
    with Transaction(conn):
        if alarm_get(conn, alarm_id).acknowledged_at is not None:
            raise Conflict("alarm is already acknowledged")
        conn.execute("UPDATE alarms SET acknowledged_at = ?2, acknowledged_by = ?3 WHERE id = ?1", (alarm_id, now, by))
        return alarm_get(conn, alarm_id)


def _snapshot(conn: sqlite3.Connection, now: int) -> eng.Snapshot:
    conn.execute("BEGIN")
    try:
        site = site_sql.get(conn)
        schedules = list_all(conn)
        horizon = now - eng.MISSED_LOOKBACK_MS - 8 * 24 * 3_600_000
        runs = [
            eng.Run(*r)
            for r in conn.execute(
                "SELECT id, schedule_id, start_at, end_at FROM schedule_runs WHERE end_at > ?", (now,)
            )
        ]
        claims = [
            eng.ClaimRow(*r)
            for r in conn.execute(
                "SELECT output_id, schedule_id, occurrence_start, occurrence_end, state FROM schedule_claims"
            )
        ]
        decided: dict[tuple[int, int], bool] = {}
        conflicts: set[tuple[int, int, int]] = set()
        for schedule_id, start, outcome, reason, output_ids in conn.execute(
            "SELECT schedule_id, occurrence_start, outcome, reason, output_ids FROM action_logs"
            " WHERE schedule_id IS NOT NULL AND occurrence_start >= ? AND outcome IN ('fired', 'skipped', 'missed')",
            (horizon,),
        ):
            if reason == "conflict":
                conflicts.update((schedule_id, start, o) for o in json.loads(output_ids))
            else:
                decided.setdefault((schedule_id, start), outcome == "fired")
        evaluated_at = conn.execute("SELECT evaluated_at FROM engine_state WHERE id = 1").fetchone()[0]
        outputs = {
            r[0]: eng.OutputInfo(r[1], r[2], bool(r[3]))
            for r in conn.execute(
                "SELECT o.id, o.default_state, o.desired_state, n.retired_at IS NOT NULL"
                " FROM outputs o JOIN nodes n ON n.id = o.node_id WHERE o.removed_at IS NULL"
            )
        }
    finally:
        conn.execute("COMMIT")
    return eng.Snapshot(
        site_timezone=site.timezone,
        schedules=schedules,
        runs=runs,
        claims=claims,
        decided=decided,
        conflicts_logged=conflicts,
        evaluated_at=evaluated_at,
        outputs=outputs,
    )


def _samples(conn: sqlite3.Connection, wanted: list[tuple[int, int]]) -> dict[int, tuple[int, list[Sample]]]:
    out = {}
    for sensor_id, since in wanted:
        row = conn.execute("SELECT interval_s FROM sensors WHERE id = ?", (sensor_id,)).fetchone()
        if row is None:
            continue
        # The window, plus the last reading before it (it may be all there is).
        samples = [
            Sample(ts, value)
            for ts, value in conn.execute(
                "SELECT ts, value FROM metrics WHERE sensor_id = ?1 AND ts >= ?2"
                " UNION ALL"
                " SELECT ts, value FROM (SELECT ts, value FROM metrics WHERE sensor_id = ?1 AND ts < ?2"
                " ORDER BY ts DESC LIMIT 1)",
                (sensor_id, since),
            )
        ]
        out[sensor_id] = (row[0], samples)
    return out


def _json_ints(values: list[int]) -> str:
    return "[" + ",".join(map(str, values)) + "]"


def _apply(conn: sqlite3.Connection, plan: eng.Plan, now: int) -> Applied:
    applied = Applied()
    with Transaction(conn):
        for run in plan.catch_up:
            # Skipped if the schedule was deleted since the snapshot.
            conn.execute(
                "INSERT INTO schedule_runs (schedule_id, start_at, end_at, reason, created_at)"
                " SELECT ?1, ?2, ?3, 'catch_up', ?4 WHERE EXISTS (SELECT 1 FROM schedules WHERE id = ?1)",
                (run.schedule_id, run.start, run.end, now),
            )
        command_of: dict[int, int] = {}
        for output_id, state, schedule_name in plan.commands:
            by = Requester(CommandSource.SCHEDULE, schedule_name)
            issued = command_sql.issue_in(conn, [command_sql.CommandRequest("", output_id, state)], by, now)
            if issued.commands:
                command_of[output_id] = issued.commands[0].id
            applied.commands.extend(issued.commands)
            applied.superseded.extend(issued.superseded)
            applied.outputs.extend(issued.outputs)
        conn.execute("DELETE FROM schedule_claims")
        for c in plan.claims:
            conn.execute(
                "INSERT INTO schedule_claims (output_id, schedule_id, occurrence_start, occurrence_end, state)"
                " VALUES (?, ?, ?, ?, ?)",
                (c.output_id, c.schedule_id, c.occurrence_start, c.occurrence_end, c.state),
            )
        for log in plan.logs:
            commands = (
                [command_of[o] for o in log.output_ids if o in command_of] if log.outcome in ("fired", "ended") else []
            )
            # A deleted schedule's last decisions keep its name but no id.
            conn.execute(
                "INSERT INTO action_logs (at, schedule_id, schedule_name, occurrence_start, outcome, reason,"
                " output_ids, command_ids, detail)"
                " VALUES (?1, (SELECT id FROM schedules WHERE id = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                (
                    now,
                    log.schedule_id,
                    log.schedule_name,
                    log.occurrence_start,
                    log.outcome,
                    log.reason,
                    _json_ints(log.output_ids),
                    _json_ints(commands),
                    log.detail,
                ),
            )
        for alarm in plan.alarms:
            cursor = conn.execute(
                "INSERT INTO alarms (schedule_id, severity, message, raised_at)"
                " VALUES ((SELECT id FROM schedules WHERE id = ?1), ?2, ?3, ?4)",
                (alarm.schedule_id, alarm.severity, alarm.message, now),
            )
            applied.alarms.append(alarm_get(conn, cursor.lastrowid))
        conn.execute("UPDATE engine_state SET evaluated_at = ? WHERE id = 1", (now,))
    return applied


class ScheduleStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self) -> list[Schedule]:
        return await self._db.run(list_all)

    async def get(self, schedule_id: int) -> Schedule:
        return await self._db.run(get, schedule_id)

    async def create(self, draft: ScheduleDraft, now: int) -> Schedule:
        return await self._db.write(_create, draft, now)

    async def update(self, schedule_id: int, draft: ScheduleDraft, now: int) -> Schedule:
        return await self._db.write(_update, schedule_id, draft, now)

    async def delete(self, schedule_id: int) -> None:
        await self._db.write(_delete, schedule_id)

    async def run_create(self, schedule_id: int, start: int, end: int, by: str | None, now: int) -> ScheduleRun:
        return await self._db.write(_run_create, schedule_id, start, end, by, now)

    async def action_logs(self, f: LogFilter, limit: int, cursor: int | None) -> LogPage:
        return await self._db.run(_logs, f, limit, cursor)

    async def alarms(self, open_only: bool) -> list[Alarm]:
        return await self._db.run(_alarms, open_only)

    async def alarm_acknowledge(self, alarm_id: int, by: str, now: int) -> Alarm:
        return await self._db.write(_acknowledge, alarm_id, by, now)

    async def engine_snapshot(self, now: int) -> eng.Snapshot:
        return await self._db.run(_snapshot, now)

    async def engine_samples(self, wanted: list[tuple[int, int]]) -> dict[int, tuple[int, list[Sample]]]:
        return await self._db.run(_samples, wanted)

    async def engine_apply(self, plan: eng.Plan, now: int) -> Applied:
        return await self._db.write(_apply, plan, now)
