"""Schedules: CRUD, run now, preview of the next firings, and the week calendar."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.domain import schedules as recurrences
from farm_core.domain.errors import FieldError, Validation
from farm_core.domain.schedule_rules import (
    MissedRunPolicy,
    Mode,
    Op,
    ScheduleDraft,
    Severity,
    Weekday,
)
from farm_core.domain.schedule_rules import Schedule as StoredSchedule
from farm_core.domain.text import trim
from farm_core.domain.time import check_range
from farm_core.engine.schedules import changed
from farm_core.http import Timestamp, json_body, json_text, path_id, read_json, wire
from farm_core.http.contract import operation, param
from farm_core.http.query import Param, query_of
from farm_core.state import AppState

SchedulesView = Depends(require(Capability.SCHEDULES_VIEW))
SchedulesWrite = Depends(require(Capability.SCHEDULES_WRITE))
SchedulesRun = Depends(require(Capability.SCHEDULES_RUN))

MAX_PREVIEW = 200
DEFAULT_PREVIEW = 10
# The calendar answers at most this range (a month: the week view asks for one week).
MAX_CALENDAR_MS = 31 * 24 * 3_600_000
MAX_CALENDAR_EVENTS = 5000
# "Run now" of a schedule with no upcoming occurrence to take a duration from.
DEFAULT_RUN_MINUTES = 30
# RFC 3339 instants in the query (`format = DateTime` in the Rust contract).
DATE_TIME = {"type": "string", "format": "date-time"}
PREVIEW_PARAMS = [Param("count", "u64"), Param("from", "str"), Param("to", "str")]
CALENDAR_PARAMS = [Param("from", "str", required=True), Param("to", "str", required=True)]


# --- request bodies: pydantic models for the document, read by json_body as serde reads them ----


class Block(BaseModel):
    """One weekly block: on `day` from `start` to `end` (local `HH:MM`)."""

    model_config = ConfigDict(extra="forbid")

    day: Weekday
    start: str = Field(description="`HH:MM`, 00:00 to 23:59.")
    end: str = Field(description="`HH:MM`; at or before `start` means the next day.")


class WeeklyRecurrence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["weekly"]
    blocks: list[Block]


class RruleRecurrence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["rrule"]
    rrule: str
    dtstart: str
    duration_minutes: int


class ConditionRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sensor_id: int
    op: Op
    value: float
    for_s: int = Field(
        default_factory=lambda: 0,
        description="The comparison must have held for at least this long (default 0: the last reading).",
    )


class Conditions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Mode
    rules: list[ConditionRule]


class SetOutputAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["set_output"]
    output_id: int
    state: int


class AlarmAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["alarm"]
    severity: Severity
    message: str


_REQUIRED = json_body.REQUIRED
RECURRENCE = json_body.Tagged(
    "Recurrence",
    {
        "weekly": json_body.Struct(
            "Weekly", [("blocks", json_body.Seq(json_body.struct_of(Block)), json_body.REQUIRED)]
        ),
        "rrule": json_body.Struct(
            "Rrule",
            [
                ("rrule", json_body.Str(), json_body.REQUIRED),
                ("dtstart", json_body.Str(), json_body.REQUIRED),
                ("duration_minutes", json_body.Int(), json_body.REQUIRED),
            ],
        ),
    },
)
ACTION = json_body.Tagged(
    "Action",
    {
        "set_output": json_body.Struct(
            "SetOutput",
            [("output_id", json_body.Int(), json_body.REQUIRED), ("state", json_body.Int(), json_body.REQUIRED)],
        ),
        "alarm": json_body.Struct(
            "Alarm",
            [
                ("severity", json_body.EnumKind(Severity), json_body.REQUIRED),
                ("message", json_body.Str(), json_body.REQUIRED),
            ],
        ),
    },
)
Recurrence = Annotated[WeeklyRecurrence | RruleRecurrence, Field(discriminator="type"), RECURRENCE]
Action = Annotated[SetOutputAction | AlarmAction, Field(discriminator="type"), ACTION]


class _Unset:
    """A field left out (as opposed to an explicit null)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    enabled: bool | None = Field(None, description="Default true.")
    priority: int | None = Field(
        None, description="Higher wins an output claimed by two schedules at once (default 0, -1000 to 1000)."
    )
    timezone: str | None = Field(None, description="IANA time zone of the recurrence; omit for the site's.")
    recurrence: Recurrence
    conditions: Conditions | None = None
    actions: list[Action]
    missed_run_policy: MissedRunPolicy | None = Field(None, description="Default `skip`.")


class ScheduleUpdate(BaseModel):
    """Fields to change; `timezone` or `conditions` set to null clear them."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    enabled: bool | None = None
    priority: int | None = None
    timezone: str | None = Field(default_factory=lambda: UNSET)
    recurrence: Recurrence | None = None
    conditions: Conditions | None = Field(default_factory=lambda: UNSET)
    actions: list[Action] | None = None
    missed_run_policy: MissedRunPolicy | None = None


class ScheduleRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duration_minutes: int | None = Field(
        None, description="How long to run; default the duration of the schedule's next occurrence (or 30)."
    )


# --- responses, for the document -----------------------------------------------------------------


class Schedule(BaseModel):
    id: int
    name: str
    enabled: bool
    priority: int
    timezone: str | None = Field(description="IANA time zone of the recurrence; null means the site's.")
    recurrence: WeeklyRecurrence | RruleRecurrence
    conditions: Conditions | None
    actions: list[SetOutputAction | AlarmAction]
    missed_run_policy: MissedRunPolicy
    created_at: Timestamp
    updated_at: Timestamp


class Firing(BaseModel):
    """One firing: UTC instants, the wall-clock times as they happen locally, and notes on DST
    adjustments and conflicts with other schedules."""

    schedule_id: int
    schedule_name: str
    enabled: bool
    priority: int
    timezone: str
    start: Timestamp
    end: Timestamp
    start_local: str = Field(description="`YYYY-MM-DDTHH:MM` in the schedule's zone.")
    end_local: str
    notes: list[str]


class ScheduleRun(BaseModel):
    id: int
    schedule_id: int
    start: Timestamp
    end: Timestamp
    reason: str = Field(description="`manual` (run now) or `catch_up` (a missed occurrence run late).")
    requested_by: str | None


# --- helpers -----------------------------------------------------------------------------------


def _value(x: Any) -> Any:
    return x.value if hasattr(x, "value") else x


def _normalized(values: Any) -> Any:
    """Request values with enums as their wire names, as the domain reads them."""
    if isinstance(values, dict):
        return {k: _normalized(v) for k, v in values.items()}
    if isinstance(values, list):
        return [_normalized(v) for v in values]
    return _value(values)


def _draft_of(body: ScheduleCreate) -> ScheduleDraft:
    return ScheduleDraft(
        name=trim(body.name),
        enabled=True if body.enabled is None else body.enabled,
        priority=0 if body.priority is None else body.priority,
        timezone=body.timezone,
        recurrence=_normalized(body.recurrence),
        conditions=_normalized(body.conditions),
        actions=_normalized(body.actions),
        missed_run_policy="skip" if body.missed_run_policy is None else _value(body.missed_run_policy),
    )


def _merged(current: StoredSchedule, body: ScheduleUpdate) -> ScheduleDraft:
    return ScheduleDraft(
        name=current.name if body.name is None else trim(body.name),
        enabled=current.enabled if body.enabled is None else body.enabled,
        priority=current.priority if body.priority is None else body.priority,
        timezone=current.timezone if body.timezone is UNSET else body.timezone,
        recurrence=current.recurrence if body.recurrence is None else _normalized(body.recurrence),
        conditions=current.conditions if body.conditions is UNSET else _normalized(body.conditions),
        actions=current.actions if body.actions is None else _normalized(body.actions),
        missed_run_policy=current.missed_run_policy
        if body.missed_run_policy is None
        else _value(body.missed_run_policy),
    )


def _firing_json(s: StoredSchedule, zone_name: str, o: recurrences.Occurrence, notes: list[str]) -> str:
    return (
        f'{{"schedule_id":{s.id},"schedule_name":{wire.string(s.name)},"enabled":{"true" if s.enabled else "false"},'
        f'"priority":{s.priority},"timezone":{wire.string(zone_name)},"start":{wire.ts(o.start)},'
        f'"end":{wire.ts(o.end)},"start_local":{wire.string(o.start_local)},"end_local":{wire.string(o.end_local)},'
        f'"notes":[{",".join(map(wire.string, notes))}]}}'
    )


async def _firings(state: AppState, only: int | None, start: int, end: int, limit: int) -> str:
    """The firings of the schedules in a range, each with DST notes and conflicts named."""
    site = await state.store.site.get()
    every = await state.store.schedules.list()
    # Expansion is CPU-bound: off the event loop.
    return await asyncio.to_thread(_firings_of, every, site.timezone, only, start, end, limit)


def _firings_of(
    every_schedule: list[StoredSchedule], site_timezone: str, only: int | None, start: int, end: int, limit: int
) -> str:
    every = []
    for s in every_schedule:
        try:
            parsed = recurrences.ParsedRecurrence.parse(s.recurrence)
        except Validation:
            continue
        every.append((s, s.zone(site_timezone), parsed, s.output_states()))
    out: list[tuple[int, int, str]] = []
    for s, tz, parsed, states in every:
        if only is not None and s.id != only:
            continue
        for o in parsed.expand(tz, start, end, limit):
            notes = list(o.notes)
            for other, other_tz, other_parsed, other_states in every:
                if other.id == s.id or not other.enabled:
                    continue
                shared = [out_id for out_id, _ in states if any(p == out_id for p, _ in other_states)]
                if not shared or not other_parsed.expand(other_tz, o.start, o.end, 1):
                    continue
                verdict = "it wins" if (other.priority, other.id) > (s.priority, s.id) else "this wins"
                notes.append(
                    f"overlaps '{other.name}' on output(s) [{', '.join(map(str, shared))}]: {verdict} by priority"
                )
            out.append((o.start, s.id, _firing_json(s, s.zone_name(site_timezone), o, notes)))
    out.sort(key=lambda f: (f[0], f[1]))
    return wire.items([f[2] for f in out[:limit]])


def _parse_range(start_text: str, end_text: str) -> tuple[int, int]:
    problems: list[FieldError] = []
    start, end = check_range(start_text, end_text, problems)
    if not problems and start is not None and end is not None and end - start > MAX_CALENDAR_MS:
        problems.append(FieldError("to", "must be at most 31 days after from"))
    if problems or start is None or end is None:
        raise Validation(problems)
    return start, end


# --- handlers ----------------------------------------------------------------------------------


async def schedules_list(request: Request, _: Principal = SchedulesView) -> Response:
    state: AppState = request.app.state.farm
    return json_text(wire.items([wire.schedule(s) for s in await state.store.schedules.list()]))


async def schedule_create(request: Request, _: Principal = SchedulesWrite) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, ScheduleCreate)
    draft = _draft_of(body)
    draft.check()
    schedule = await state.store.schedules.create(draft, state.clock.now_ms())
    await changed(state)
    return json_text(wire.schedule(schedule), 201)


async def schedule_get(request: Request, _: Principal = SchedulesView) -> Response:
    state: AppState = request.app.state.farm
    return json_text(wire.schedule(await state.store.schedules.get(path_id(request))))


async def schedule_update(request: Request, _: Principal = SchedulesWrite) -> Response:
    state: AppState = request.app.state.farm
    schedule_id = path_id(request)
    body = await read_json(request, ScheduleUpdate)
    draft = _merged(await state.store.schedules.get(schedule_id), body)
    draft.check()
    schedule = await state.store.schedules.update(schedule_id, draft, state.clock.now_ms())
    await changed(state)
    return json_text(wire.schedule(schedule))


async def schedule_delete(request: Request, _: Principal = SchedulesWrite) -> Response:
    state: AppState = request.app.state.farm
    await state.store.schedules.delete(path_id(request))
    await changed(state)
    return Response(status_code=204)


async def schedule_run(request: Request, principal: Principal = SchedulesRun) -> Response:
    state: AppState = request.app.state.farm
    schedule_id = path_id(request)
    body = await read_json(request, ScheduleRunRequest)
    schedule = await state.store.schedules.get(schedule_id)
    now = state.clock.now_ms()
    minutes = body.duration_minutes
    if minutes is not None and not 1 <= minutes <= recurrences.MAX_DURATION_MINUTES:
        raise Validation.invalid("duration_minutes", "must be between 1 and 10080")
    if minutes is None:
        site = await state.store.site.get()
        parsed = recurrences.parsed(schedule.recurrence)
        upcoming = (
            parsed.expand(schedule.zone(site.timezone), now, now + 8 * 24 * 3_600_000, 1) if parsed is not None else []
        )
        minutes = (upcoming[0].end - upcoming[0].start) // 60_000 if upcoming else DEFAULT_RUN_MINUTES
    run = await state.store.schedules.run_create(schedule_id, now, now + minutes * 60_000, principal.user.username, now)
    await changed(state)
    return json_text(wire.schedule_run(run), 202)


async def schedule_preview(request: Request, _: Principal = SchedulesView) -> Response:
    state: AppState = request.app.state.farm
    schedule_id = path_id(request)
    params = query_of(request, PREVIEW_PARAMS)
    await state.store.schedules.get(schedule_id)
    if params["from"] is None and params["to"] is None:
        count = DEFAULT_PREVIEW if params["count"] is None else params["count"]
        if not 1 <= count <= MAX_PREVIEW:
            raise Validation.invalid("count", "must be between 1 and 200")
        now = state.clock.now_ms()
        start, end, limit = now, now + 400 * 24 * 3_600_000, count
    elif params["from"] is not None and params["to"] is not None:
        start, end = _parse_range(params["from"], params["to"])
        limit = MAX_PREVIEW
    else:
        raise Validation.invalid("to", "give both from and to, or neither")
    return json_text(await _firings(state, schedule_id, start, end, limit))


async def schedules_calendar(request: Request, _: Principal = SchedulesView) -> Response:
    state: AppState = request.app.state.farm
    params = query_of(request, CALENDAR_PARAMS)
    start, end = _parse_range(params["from"], params["to"])
    return json_text(await _firings(state, None, start, end, MAX_CALENDAR_EVENTS))


def register(app: FastAPI) -> None:
    add = app.add_api_route
    add(
        "/api/schedules",
        schedules_list,
        methods=["GET"],
        **operation(
            "schedules_list",
            "schedules",
            "All schedules, by id.",
            description="Schedules",
            response="Items_Schedule",
            errors=(401, 403),
        ),
    )
    add(
        "/api/schedules",
        schedule_create,
        methods=["POST"],
        **operation(
            "schedule_create",
            "schedules",
            "Create a schedule: weekly blocks or an RRULE, optional conditions, actions.",
            status=201,
            description="Created",
            response="Schedule",
            body=ScheduleCreate,
            errors=(400, 401, 403, 409, 413, 422),
        ),
    )
    add(
        "/api/schedules/calendar",
        schedules_calendar,
        methods=["GET"],
        **operation(
            "schedules_calendar",
            "schedules",
            "Every schedule's firings in a range (a week view), with DST-correct instants.",
            description="Firings of all schedules, by start",
            response="Items_Firing",
            params=(
                param("from", "query", dict(DATE_TIME), "Range start (RFC 3339).", required=True),
                param(
                    "to", "query", dict(DATE_TIME), "Range end (RFC 3339), at most 31 days after from.", required=True
                ),
            ),
            errors=(400, 401, 403, 422),
        ),
    )
    add(
        "/api/schedules/{id:schedule_id}",
        schedule_get,
        methods=["GET"],
        **operation(
            "schedule_get",
            "schedules",
            "One schedule.",
            description="The schedule",
            response="Schedule",
            id_param="Schedule id",
            errors=(400, 401, 403, 404),
        ),
    )
    add(
        "/api/schedules/{id:schedule_id}",
        schedule_update,
        methods=["PATCH"],
        **operation(
            "schedule_update",
            "schedules",
            "Change a schedule (enable or disable it with `enabled`).",
            description="The updated schedule",
            response="Schedule",
            body=ScheduleUpdate,
            id_param="Schedule id",
            errors=(400, 401, 403, 404, 409, 413, 422),
        ),
    )
    add(
        "/api/schedules/{id:schedule_id}",
        schedule_delete,
        methods=["DELETE"],
        **operation(
            "schedule_delete",
            "schedules",
            "Delete a schedule; outputs it holds return to their default at the next evaluation.",
            status=204,
            description="Deleted",
            id_param="Schedule id",
            errors=(400, 401, 403, 404),
        ),
    )
    add(
        "/api/schedules/{id:schedule_id}/run",
        schedule_run,
        methods=["POST"],
        **operation(
            "schedule_run",
            "schedules",
            "Run a schedule now, for its usual duration or the one given (send `{}` for the default).",
            status=202,
            description="Started; the engine applies it at once",
            response=ScheduleRun,
            body=ScheduleRunRequest,
            id_param="Schedule id",
            errors=(400, 401, 403, 404, 413, 422),
        ),
    )
    add(
        "/api/schedules/{id:schedule_id}/preview",
        schedule_preview,
        methods=["GET"],
        **operation(
            "schedule_preview",
            "schedules",
            "The next firings of one schedule, or those in a range, with DST notes and conflicts.",
            description="Firings, by start",
            response="Items_Firing",
            id_param="Schedule id",
            params=(
                param(
                    "count",
                    "query",
                    {"type": "integer", "minimum": 1, "maximum": MAX_PREVIEW},
                    "The next N firings from now (1\u2013200, default 10), unless from/to are given.",
                ),
                param("from", "query", dict(DATE_TIME), "Range start (RFC 3339)."),
                param("to", "query", dict(DATE_TIME), "Range end (RFC 3339), at most 31 days after from."),
            ),
            errors=(400, 401, 403, 404, 422),
        ),
    )
