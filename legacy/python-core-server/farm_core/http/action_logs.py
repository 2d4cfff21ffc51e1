"""What the schedule engine decided, and alarms."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.domain.errors import FieldError, Validation
from farm_core.domain.schedule_rules import Severity
from farm_core.domain.time import check_range
from farm_core.http import Timestamp, json_text, path_id, wire
from farm_core.http.contract import BOOL, DATE_TIME, I64, operation, param
from farm_core.http.query import Param, query_of
from farm_core.state import AppState
from farm_core.store.schedules import LogFilter

LogsView = Depends(require(Capability.LOGS_VIEW))
AlarmsView = Depends(require(Capability.ALARMS_VIEW))
AlarmsAck = Depends(require(Capability.ALARMS_ACK))

OUTCOMES = ("fired", "ended", "skipped", "missed")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
LOG_PARAMS = [
    Param("schedule_id", "i64"),
    Param("output_id", "i64"),
    Param("outcome", "str"),
    Param("from", "str"),
    Param("to", "str"),
    Param("limit", "i64"),
    Param("cursor", "i64"),
]
ALARM_PARAMS = [Param("open", "bool")]


class ActionLog(BaseModel):
    id: int
    at: Timestamp
    schedule_id: int | None
    schedule_name: str
    occurrence_start: Timestamp | None
    outcome: str = Field(description="`fired`, `ended`, `skipped` or `missed`.")
    reason: str | None = Field(description="For skipped: `condition_false`, `stale`, `conflict` or `disabled`.")
    output_ids: list[int]
    command_ids: list[int]
    detail: dict[str, Any] = Field(description="Values seen, the winner of a conflict, notes.")


class ActionLogPage(BaseModel):
    """Newest first."""

    items: list[ActionLog]
    next_cursor: int | None


class Alarm(BaseModel):
    id: int
    schedule_id: int | None
    severity: Severity
    message: str
    raised_at: Timestamp
    acknowledged_at: Timestamp | None
    acknowledged_by: str | None


async def action_logs_list(request: Request, _: Principal = LogsView) -> Response:
    state: AppState = request.app.state.farm
    params = query_of(request, LOG_PARAMS)
    limit = DEFAULT_LIMIT if params["limit"] is None else params["limit"]
    if not 1 <= limit <= MAX_LIMIT:
        raise Validation.invalid("limit", "must be between 1 and 1000")
    if params["outcome"] is not None and params["outcome"] not in OUTCOMES:
        raise Validation.invalid("outcome", "must be fired, ended, skipped or missed")
    problems: list[FieldError] = []
    from_ms, to_ms = check_range(params["from"], params["to"], problems)
    if problems:
        raise Validation(problems)
    page = await state.store.schedules.action_logs(
        LogFilter(params["schedule_id"], params["output_id"], params["outcome"], from_ms, to_ms),
        limit,
        params["cursor"],
    )
    items = ",".join(wire.action_log(log) for log in page.items)
    return json_text(f'{{"items":[{items}],"next_cursor":{wire.opt_int(page.next_cursor)}}}')


async def alarms_list(request: Request, _: Principal = AlarmsView) -> Response:
    state: AppState = request.app.state.farm
    open_only = query_of(request, ALARM_PARAMS)["open"]
    return json_text(wire.items([wire.alarm(a) for a in await state.store.schedules.alarms(bool(open_only))]))


async def alarm_acknowledge(request: Request, principal: Principal = AlarmsAck) -> Response:
    state: AppState = request.app.state.farm
    alarm = await state.store.schedules.alarm_acknowledge(
        path_id(request), principal.user.username, state.clock.now_ms()
    )
    return json_text(wire.alarm(alarm))


def register(app: FastAPI) -> None:
    add = app.add_api_route
    add(
        "/api/action-logs",
        action_logs_list,
        methods=["GET"],
        **operation(
            "action_logs_list",
            "schedules",
            "The engine's decisions, newest first, filterable by schedule, output, outcome and time.",
            description="A page of decisions",
            response=ActionLogPage,
            params=(
                param("schedule_id", "query", dict(I64), ""),
                param("output_id", "query", dict(I64), ""),
                param(
                    "outcome",
                    "query",
                    {"type": "string", "pattern": f"^(?:{'|'.join(OUTCOMES)})$"},
                    "`fired`, `ended`, `skipped` or `missed`.",
                ),
                param(
                    "from",
                    "query",
                    DATE_TIME,
                    "Only decisions made at or after this instant (RFC 3339), inclusive.",
                ),
                param(
                    "to",
                    "query",
                    DATE_TIME,
                    "Only decisions made before this instant (RFC 3339), exclusive; after `from` if given.",
                ),
                param(
                    "limit",
                    "query",
                    {**I64, "minimum": 1, "maximum": MAX_LIMIT},
                    "Page size, 1\u20131000 (default 100).",
                ),
                param("cursor", "query", dict(I64), "`next_cursor` of the previous page."),
            ),
            errors=(400, 401, 403, 422),
        ),
    )
    add(
        "/api/alarms",
        alarms_list,
        methods=["GET"],
        **operation(
            "alarms_list",
            "alarms",
            "Alarms, newest first (at most 1000).",
            description="Alarms",
            response="Items_Alarm",
            params=(param("open", "query", dict(BOOL), "Only alarms not yet acknowledged (default false)."),),
            errors=(400, 401, 403),
        ),
    )
    add(
        "/api/alarms/{id}/acknowledge",
        alarm_acknowledge,
        methods=["POST"],
        **operation(
            "alarm_acknowledge",
            "alarms",
            "Acknowledge an alarm.",
            description="Acknowledged",
            response=Alarm,
            id_param="Alarm id",
            errors=(400, 401, 403, 404, 409),
        ),
    )
