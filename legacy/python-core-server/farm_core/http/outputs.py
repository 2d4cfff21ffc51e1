"""Outputs and the commands that move them."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import AuthMethod, Principal, require
from farm_core.domain.errors import FieldError, Validation
from farm_core.domain.nodes import parse_name
from farm_core.domain.outputs import CommandSource, CommandStatus, OutputKind, Requester
from farm_core.http import Timestamp, json_text, path_id, read_json, wire
from farm_core.http.contract import I64, int_range, operation, param
from farm_core.http.query import Param, query_of
from farm_core.http.sensors import NODE_FILTER, NODE_FILTER_DOC
from farm_core.state import AppState
from farm_core.store.commands import CommandRequest, Issued
from farm_core.store.outputs import OutputChange

NodesView = Depends(require(Capability.NODES_VIEW))
NodesManage = Depends(require(Capability.NODES_MANAGE))
OutputsCommand_ = Depends(require(Capability.OUTPUTS_COMMAND))
LogsView = Depends(require(Capability.LOGS_VIEW))

MAX_GROUP = 100
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
COMMANDS_PARAMS = [Param("output_id", "i64"), Param("limit", "i64"), Param("cursor", "i64")]


class Output(BaseModel):
    id: int
    node_id: int
    key: str
    name: str
    kind: OutputKind
    default_state: int = Field(description="What it returns to when nothing claims it.")
    desired_state: int = Field(description="What the controller wants.")
    reported_state: int | None = Field(description="What the node last said it is.")
    reported_at: Timestamp | None


class Command(BaseModel):
    id: int
    output_id: int
    node_id: int
    output_key: str = Field(description="The output's key on its node, so the agent knows which output to move.")
    state: int
    source: CommandSource
    requested_by: str | None
    status: CommandStatus
    created_at: Timestamp
    delivered_at: Timestamp | None
    finished_at: Timestamp | None
    error: str | None


class CommandPage(BaseModel):
    """Newest first."""

    items: list[Command]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next page; null at the end.")


class OutputUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    default_state: int | None = None


class OutputCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: int = Field(description="0/1 for a relay, 0\u2013100 for a level output.")


class GroupCommandItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    output_id: int
    state: int


class OutputsCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    commands: list[GroupCommandItem] = Field(
        description="1 to 100 outputs; all are commanded or, if any is invalid, none."
    )


def requester(principal: Principal) -> Requester:
    source = CommandSource.USER if principal.method is AuthMethod.SESSION else CommandSource.API_TOKEN
    return Requester(source, principal.user.username)


def announce(state: AppState, issued: Issued) -> None:
    for c in (*issued.superseded, *issued.commands):
        state.events.command(c)
    for o in issued.outputs:
        state.events.output(o)
    for c in issued.commands:
        state.wakeups.wake(c.node_id)


async def outputs_list(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    node_id = query_of(request, NODE_FILTER)["node_id"]
    return json_text(wire.items([wire.output(o) for o in await state.store.outputs.list(node_id)]))


async def output_get(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    return json_text(wire.output(await state.store.outputs.get(path_id(request))))


async def output_update(request: Request, _: Principal = NodesManage) -> Response:
    state: AppState = request.app.state.farm
    output_id = path_id(request)
    body = await read_json(request, OutputUpdate)
    change = OutputChange(
        name=parse_name("name", body.name) if body.name is not None else None, default_state=body.default_state
    )
    output = await state.store.outputs.update(output_id, change, state.clock.now_ms())
    state.events.output(output)
    return json_text(wire.output(output))


async def output_delete(request: Request, _: Principal = NodesManage) -> Response:
    state: AppState = request.app.state.farm
    now = state.clock.now_ms()
    output = await state.store.outputs.remove(path_id(request), now)
    state.events.output_removed(output, now)
    return Response(status_code=204)


async def output_command(request: Request, principal: Principal = OutputsCommand_) -> Response:
    state: AppState = request.app.state.farm
    output_id = path_id(request)
    body = await read_json(request, OutputCommand)
    await state.store.outputs.get(output_id)
    request_ = CommandRequest("", output_id, body.state)
    issued = await state.store.commands.issue([request_], requester(principal), state.clock.now_ms())
    announce(state, issued)
    return json_text(wire.command(issued.commands[0]), 202)


async def outputs_command(request: Request, principal: Principal = OutputsCommand_) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, OutputsCommand)
    commands = body.commands
    if not commands or len(commands) > MAX_GROUP:
        raise Validation.invalid("commands", "must hold 1 to 100 commands")
    seen: set[int] = set()
    duplicates = []
    for i, c in enumerate(commands):
        if c["output_id"] in seen:
            duplicates.append(FieldError(f"commands[{i}].output_id", "names an output twice"))
        seen.add(c["output_id"])
    if duplicates:
        raise Validation(duplicates)
    requests = [CommandRequest(f"commands[{i}].", c["output_id"], c["state"]) for i, c in enumerate(commands)]
    issued = await state.store.commands.issue(requests, requester(principal), state.clock.now_ms())
    announce(state, issued)
    return json_text(wire.items([wire.command(c) for c in issued.commands]), 202)


async def commands_list(request: Request, _: Principal = LogsView) -> Response:
    state: AppState = request.app.state.farm
    params = query_of(request, COMMANDS_PARAMS)
    limit = DEFAULT_LIMIT if params["limit"] is None else params["limit"]
    if not 1 <= limit <= MAX_LIMIT:
        raise Validation.invalid("limit", "must be between 1 and 1000")
    page = await state.store.commands.list(params["output_id"], limit, params["cursor"])
    items = ",".join(wire.command(c) for c in page.items)
    return json_text(f'{{"items":[{items}],"next_cursor":{wire.opt_int(page.next_cursor)}}}')


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`. `{id:output_id}` never matches `commands`: a request
    for /api/outputs/commands is that route's (405 for other methods), as in the Rust router."""
    add = app.add_api_route
    add(
        "/api/outputs",
        outputs_list,
        methods=["GET"],
        **operation(
            "outputs_list",
            "outputs",
            "Outputs, by id, optionally of one node.",
            description="Outputs",
            response="Items_Output",
            params=NODE_FILTER_DOC,
            errors=(400, 401, 403),
        ),
    )
    add(
        "/api/outputs/commands",
        outputs_command,
        methods=["POST"],
        **operation(
            "outputs_command",
            "outputs",
            "Set several outputs at once (a scene): each gets its own command; if any item is invalid, none is queued.",
            status=202,
            description="Queued, in request order",
            response="Items_Command",
            body=OutputsCommand,
            errors=(400, 401, 403, 409, 413, 422),
        ),
    )
    add(
        "/api/outputs/{id:output_id}",
        output_get,
        methods=["GET"],
        **operation(
            "output_get",
            "outputs",
            "One output with its desired and reported state.",
            description="The output",
            response=Output,
            id_param="Output id",
            errors=(400, 401, 403, 404),
        ),
    )
    add(
        "/api/outputs/{id:output_id}",
        output_update,
        methods=["PATCH"],
        **operation(
            "output_update",
            "outputs",
            "Rename an output or change its default state.",
            description="The updated output",
            response=Output,
            body=OutputUpdate,
            id_param="Output id",
            errors=(400, 401, 403, 404, 413, 422),
        ),
    )
    add(
        "/api/outputs/{id:output_id}",
        output_delete,
        methods=["DELETE"],
        **operation(
            "output_delete",
            "outputs",
            "Remove an output from its node; its open commands expire, its history stays.",
            status=204,
            description="Removed",
            id_param="Output id",
            errors=(400, 401, 403, 404),
        ),
    )
    add(
        "/api/outputs/{id:output_id}/command",
        output_command,
        methods=["POST"],
        **operation(
            "output_command",
            "outputs",
            "Set an output's state. Answers 202 with the queued command; watch it (events, or the command list) "
            "move to `confirmed` when the node acknowledges.",
            status=202,
            description="Queued",
            response=Command,
            body=OutputCommand,
            id_param="Output id",
            errors=(400, 401, 403, 404, 409, 413, 422),
        ),
    )
    add(
        "/api/commands",
        commands_list,
        methods=["GET"],
        **operation(
            "commands_list",
            "outputs",
            "Command history, newest first, optionally of one output.",
            description="A page of commands",
            response=CommandPage,
            params=(
                param("output_id", "query", I64, ""),
                param("limit", "query", int_range(1, MAX_LIMIT), "Page size, 1\u20131000 (default 100)."),
                param("cursor", "query", I64, "`next_cursor` of the previous page."),
            ),
            errors=(400, 401, 403, 422),
        ),
    )
