"""The node-facing API: telemetry, heartbeats, command long-poll and acknowledgements. Every route
authenticates with the node's own token and acts only on that node."""

from __future__ import annotations

import asyncio
import functools
import re

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth.node import NodeCaller, node_caller
from farm_core.domain.errors import Validation
from farm_core.domain.nodes import NodeStatus, parse_label
from farm_core.domain.outputs import Ack
from farm_core.domain.time import parse_rfc3339
from farm_core.http import Timestamp, json_text, path_id, read_body, read_json, wire
from farm_core.http import json_body as json_reader
from farm_core.http.contract import NODE_TOKEN, U64, operation, param
from farm_core.http.query import Param, query_of
from farm_core.state import AppState
from farm_core.store.commands import Heartbeat

Node = Depends(node_caller)

# Longest a command poll may wait (below the 30 s request timeout).
MAX_WAIT_S = 25
MAX_BATCH = 10_000
POLL_PARAMS = [Param("wait", "u64")]
WAIT_DOC = "Seconds to wait for a command when none is queued (0\u201325, default 0)."


class TelemetryReading(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sensor_key: str
    ts: str = Field(description="When it was measured (RFC 3339); at most 5 minutes ahead of the server's clock.")
    value: float | None = Field(
        None, description="A finite number. NaN and Infinity (as some JSON writers emit them) are rejected with 422."
    )


class TelemetryBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    readings: list[TelemetryReading] = Field(description="Up to 10000 readings, stored all together or not at all.")


class TelemetryAccepted(BaseModel):
    stored: int
    duplicates: int = Field(
        description="Readings already stored (same sensor and time): re-sending a batch is harmless."
    )


class ReportedOutputState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    state: int


class NodeHeartbeat(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_version: str | None = None
    uptime_s: int | None = None
    ip: str | None = None
    outputs: list[ReportedOutputState] = Field(
        default_factory=list,
        description="The node's actual output states; differences from the desired ones are reconciled.",
    )


class HeartbeatAccepted(BaseModel):
    server_time: Timestamp
    heartbeat_interval_s: int
    reconciliation_commands: int = Field(
        description="Commands queued to bring reported states back to the desired ones; fetch them by polling."
    )


class CommandAck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ok: bool = Field(description="Whether the node applied the command.")
    reported_state: int | None = Field(
        None, description="The output's state after trying (defaults to the commanded state when ok)."
    )
    error: str | None = Field(None, description="Why it failed.")


# A batch repeats its timestamps (one per sensor); a pure function, so a small cache pays.
_parse_ts = functools.lru_cache(maxsize=4096)(parse_rfc3339)

# `NaN`, `Infinity` and `-Infinity` outside strings (a string runs to its closing quote, or to the
# end of the body when it has none).
_NON_FINITE = re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|-Infinity|Infinity|NaN', re.DOTALL)
_NULLS = {b"-Infinity": b"null     ", b"Infinity": b"null    ", b"NaN": b"null"}


def non_finite_to_null(data: bytes) -> bytes:
    """Like the Rust server's `LenientJson`: the non-JSON number tokens Python's json module
    writes become `null` (padded to keep the length), so the reading they stand in is refused
    with a 422 that names it instead of a 400 for the whole body."""
    if b"NaN" not in data and b"Infinity" not in data:
        return data
    return _NON_FINITE.sub(lambda m: _NULLS.get(m.group(), m.group()), data)


async def node_telemetry(request: Request, node: NodeCaller = Node) -> Response:
    state: AppState = request.app.state.farm
    body = json_reader.parse(non_finite_to_null(await read_body(request)), TelemetryBatch)
    readings = body.readings
    if not readings or len(readings) > MAX_BATCH:
        raise Validation.invalid("readings", "must hold 1 to 10000 readings")
    now = state.clock.now_ms()
    raw = [(r["sensor_key"], _parse_ts(r["ts"]), r["value"]) for r in readings]
    outcome = await state.store.metrics.ingest(node.node_id, raw, now)
    for reading in outcome.latest:
        state.events.reading(reading, now)
    return json_text(f'{{"stored":{outcome.stored},"duplicates":{outcome.duplicates}}}')


async def node_heartbeat(request: Request, node: NodeCaller = Node) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, NodeHeartbeat)
    beat = Heartbeat(
        agent_version=parse_label("agent_version", body.agent_version) if body.agent_version is not None else None,
        uptime_s=body.uptime_s if body.uptime_s is not None and body.uptime_s >= 0 else None,
        ip=parse_label("ip", body.ip) if body.ip is not None else None,
        outputs=[(o["key"], o["state"]) for o in body.outputs],
    )
    now = state.clock.now_ms()
    outcome = await state.store.commands.heartbeat(node.node_id, beat, now)
    for c in (*outcome.expired, *outcome.reconciliation):
        state.events.command(c)
    for o in outcome.outputs:
        state.events.output(o)
    state.liveness.changed(outcome.node.id, NodeStatus.ONLINE)
    state.events.node(outcome.node)
    if outcome.reconciliation:
        state.wakeups.wake(node.node_id)
    return json_text(
        f'{{"server_time":{wire.ts(now)},"heartbeat_interval_s":{outcome.node.heartbeat_interval_s},'
        f'"reconciliation_commands":{len(outcome.reconciliation)}}}'
    )


async def node_commands_poll(request: Request, node: NodeCaller = Node) -> Response:
    state: AppState = request.app.state.farm
    wait = query_of(request, POLL_PARAMS)["wait"] or 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(wait, MAX_WAIT_S)
    while True:
        # Taken before looking, so a command queued meanwhile still wakes us.
        woken = state.wakeups.of(node.node_id)
        delivered, expired = await state.store.commands.take(node.node_id, state.clock.now_ms())
        for c in (*expired, *delivered):
            state.events.command(c)
        if delivered or loop.time() >= deadline:
            return json_text(wire.items([wire.command(c) for c in delivered]))
        try:
            async with asyncio.timeout_at(deadline):
                await asyncio.shield(woken)
        except TimeoutError:
            return json_text('{"items":[]}')
        if state.wakeups.closed:  # the server is shutting down
            return json_text('{"items":[]}')


async def node_command_ack(request: Request, node: NodeCaller = Node) -> Response:
    state: AppState = request.app.state.farm
    command_id = path_id(request)
    body = await read_json(request, CommandAck)
    error = body.error[:500] if body.error is not None else None
    ack = Ack(ok=body.ok, reported_state=body.reported_state, error=error)
    command, output = await state.store.commands.ack(node.node_id, command_id, ack, state.clock.now_ms())
    state.events.command(command)
    state.events.output(output)
    return json_text(wire.command(command))


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    add = app.add_api_route
    add(
        "/api/node/telemetry",
        node_telemetry,
        methods=["POST"],
        **operation(
            "node_telemetry",
            "node",
            "Store a batch of readings. The batch is atomic: one bad reading (unknown sensor key, NaN or Infinity, "
            "more than 5 minutes in the future) rejects it all with 422 naming each offender.",
            description="Stored",
            response=TelemetryAccepted,
            body=TelemetryBatch,
            errors=(400, 401, 403, 413, 422),
            security=NODE_TOKEN,
        ),
    )
    add(
        "/api/node/heartbeat",
        node_heartbeat,
        methods=["POST"],
        **operation(
            "node_heartbeat",
            "node",
            "Report liveness and actual output states. A state that differs from the desired one, with no command "
            "in flight, queues a reconciliation command.",
            description="Recorded",
            response=HeartbeatAccepted,
            body=NodeHeartbeat,
            errors=(400, 401, 403, 413, 422),
            security=NODE_TOKEN,
        ),
    )
    add(
        "/api/node/commands",
        node_commands_poll,
        methods=["GET"],
        **operation(
            "node_commands_poll",
            "node",
            "Fetch this node's queued commands (marking them delivered), waiting up to `wait` seconds for one to "
            "arrive when none is queued.",
            description="Commands to apply, oldest first",
            response="Items_Command",
            params=(
                param(
                    "wait", "query", U64, "Seconds to wait for a command when none is queued (0\u201325, default 0)."
                ),
            ),
            errors=(400, 401, 403),
            security=NODE_TOKEN,
        ),
    )
    add(
        "/api/node/commands/{id}/ack",
        node_command_ack,
        methods=["POST"],
        **operation(
            "node_command_ack",
            "node",
            "Report the outcome of a command: `confirmed` when ok, `failed` otherwise.",
            description="The command, finished",
            response="Command",
            body=CommandAck,
            id_param="Command id",
            errors=(400, 401, 403, 404, 409, 413, 422),
            security=NODE_TOKEN,
        ),
    )
