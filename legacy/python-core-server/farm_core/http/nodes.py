"""Nodes: list, inspect, register with declared sensors and outputs, rename, retire, and add
sensors or outputs to an existing node."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth import secrets
from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.domain import nodes as rules
from farm_core.domain import sensors as sensor_rules
from farm_core.domain.errors import FieldError, Validation
from farm_core.domain.nodes import NodeStatus
from farm_core.domain.outputs import OutputKind
from farm_core.domain.sensors import SensorKind
from farm_core.http import Timestamp, json_text, path_id, read_json, wire
from farm_core.http.contract import operation
from farm_core.http.outputs import Output
from farm_core.http.sensors import Sensor
from farm_core.state import AppState
from farm_core.store.nodes import NewNode, NewOutput, NewSensor, NodeChange

NodesView = Depends(require(Capability.NODES_VIEW))
NodesManage = Depends(require(Capability.NODES_MANAGE))
T = TypeVar("T")


class Node(BaseModel):
    id: int
    name: str
    mac: str = Field(description="Lower-case, colon-separated.")
    model: str
    agent_version: str
    ip: str | None
    status: NodeStatus
    heartbeat_interval_s: int
    uptime_s: int | None
    adopted_at: Timestamp
    last_seen_at: Timestamp | None
    retired_at: Timestamp | None


class SensorDeclaration(BaseModel):
    """A sensor as a node declares it."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="1\u201332 of a-z, 0-9, '_': how the node names it in telemetry.")
    name: str
    kind: SensorKind
    unit: str
    interval_s: int | None = Field(None, description="Seconds between readings; default 60.")
    retention_days: int | None = Field(
        None, description="Days raw readings are kept; default 30 (hourly rollups are kept longer)."
    )


class OutputDeclaration(BaseModel):
    """An output as a node declares it."""

    model_config = ConfigDict(extra="forbid")

    key: str
    name: str
    kind: OutputKind
    default_state: int = Field(
        description="What it returns to when nothing claims it: 0/1 for a relay, 0\u2013100 for a level."
    )


class NodeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    mac: str
    model: str | None = None
    agent_version: str | None = None
    heartbeat_interval_s: int | None = Field(None, description="Seconds between heartbeats; default 30.")
    sensors: list[SensorDeclaration] = Field(default_factory=list)
    outputs: list[OutputDeclaration] = Field(default_factory=list)


class NodeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    heartbeat_interval_s: int | None = None


class NodeRegistered(BaseModel):
    """A newly registered node and its token. The token is not stored and is shown only now."""

    node: Node
    sensors: list[Sensor]
    outputs: list[Output]
    token: str = Field(description="The node sends `Authorization: Bearer <token>` on the node API.")


def keep(problems: list[FieldError], check: Callable[..., T], *args: Any) -> T | None:
    """The value, or None with its problems added to `problems`."""
    try:
        return check(*args)
    except Validation as err:
        problems.extend(err.fields)
        return None


def parse_sensor(prefix: str, d: dict[str, Any]) -> NewSensor:
    """A sensor declaration (`sensors[0].` names its fields), every problem at once."""
    problems: list[FieldError] = []
    key = keep(problems, rules.parse_key, f"{prefix}key", d["key"])
    name = keep(problems, rules.parse_name, f"{prefix}name", d["name"])
    unit = keep(problems, sensor_rules.parse_unit, f"{prefix}unit", d["unit"])
    interval = d["interval_s"] if d["interval_s"] is not None else sensor_rules.DEFAULT_INTERVAL_S
    interval_s = keep(problems, sensor_rules.check_interval, f"{prefix}interval_s", interval)
    days = d["retention_days"] if d["retention_days"] is not None else sensor_rules.DEFAULT_RETENTION_DAYS
    retention_days = keep(problems, sensor_rules.check_retention, f"{prefix}retention_days", days)
    if problems:
        raise Validation(problems)
    return NewSensor(key, name, d["kind"], unit, interval_s, retention_days)  # type: ignore[arg-type]


def parse_output(prefix: str, d: dict[str, Any]) -> NewOutput:
    problems: list[FieldError] = []
    key = keep(problems, rules.parse_key, f"{prefix}key", d["key"])
    name = keep(problems, rules.parse_name, f"{prefix}name", d["name"])
    kind: OutputKind = d["kind"]
    default_state = keep(problems, kind.check_state, f"{prefix}default_state", d["default_state"])
    if problems:
        raise Validation(problems)
    return NewOutput(key, name, kind, default_state)  # type: ignore[arg-type]


def _check_unique_keys(list_name: str, keys: list[str], problems: list[FieldError]) -> None:
    """Keys must be unique within the declaration, as they will be on the node."""
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            problems.append(FieldError(f"{list_name}[{i}].key", "is declared twice"))
        seen.add(key)


def parse_declarations(
    sensors: list[dict[str, Any]], outputs: list[dict[str, Any]]
) -> tuple[list[NewSensor], list[NewOutput]]:
    """Validates a registration (shared with adoption): every problem at once, with its path."""
    problems: list[FieldError] = []
    new_sensors = [keep(problems, parse_sensor, f"sensors[{i}].", d) for i, d in enumerate(sensors)]
    new_outputs = [keep(problems, parse_output, f"outputs[{i}].", d) for i, d in enumerate(outputs)]
    _check_unique_keys("sensors", [d["key"] for d in sensors], problems)
    _check_unique_keys("outputs", [d["key"] for d in outputs], problems)
    if problems:
        raise Validation(problems)
    return new_sensors, new_outputs  # type: ignore[return-value]


async def nodes_list(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    return json_text(wire.items([wire.node(n) for n in await state.store.nodes.list(state.clock.now_ms())]))


async def node_create(request: Request, _: Principal = NodesManage) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, NodeCreate)
    problems: list[FieldError] = []
    name = keep(problems, rules.parse_name, "name", body.name)
    mac = keep(problems, rules.parse_mac, "mac", body.mac)
    model = keep(problems, rules.parse_label, "model", body.model or "")
    agent_version = keep(problems, rules.parse_label, "agent_version", body.agent_version or "")
    interval = body.heartbeat_interval_s
    interval = rules.DEFAULT_HEARTBEAT_INTERVAL_S if interval is None else interval
    heartbeat_interval_s = keep(problems, rules.check_heartbeat_interval, "heartbeat_interval_s", interval)
    declared = keep(problems, parse_declarations, body.sensors, body.outputs)
    if problems or declared is None:
        raise Validation(problems)
    token = secrets.new_node_token()
    new = NewNode(
        name=name,  # type: ignore[arg-type]
        mac=mac,  # type: ignore[arg-type]
        model=model,  # type: ignore[arg-type]
        agent_version=agent_version,  # type: ignore[arg-type]
        heartbeat_interval_s=heartbeat_interval_s,  # type: ignore[arg-type]
        token_hash=secrets.digest(token),
        sensors=declared[0],
        outputs=declared[1],
    )
    node, sensors, outputs = await state.store.nodes.create(new, state.clock.now_ms())
    state.events.node(node)
    return json_text(
        f'{{"node":{wire.node(node)},"sensors":[{",".join(map(wire.sensor, sensors))}],'
        f'"outputs":[{",".join(map(wire.output, outputs))}],"token":{wire.string(token)}}}',
        201,
    )


async def node_get(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    return json_text(wire.node(await state.store.nodes.get(path_id(request), state.clock.now_ms())))


async def node_update(request: Request, _: Principal = NodesManage) -> Response:
    state: AppState = request.app.state.farm
    node_id = path_id(request)
    body = await read_json(request, NodeUpdate)
    interval = body.heartbeat_interval_s
    change = NodeChange(
        name=rules.parse_name("name", body.name) if body.name is not None else None,
        heartbeat_interval_s=(
            rules.check_heartbeat_interval("heartbeat_interval_s", interval) if interval is not None else None
        ),
    )
    node = await state.store.nodes.update(node_id, change, state.clock.now_ms())
    state.events.node(node)
    return json_text(wire.node(node))


async def node_retire(request: Request, _: Principal = NodesManage) -> Response:
    state: AppState = request.app.state.farm
    node_id = path_id(request)
    node = await state.store.nodes.retire(node_id, state.clock.now_ms())
    state.events.node(node)
    state.wakeups.wake(node_id)
    return json_text(wire.node(node))


async def node_sensor_create(request: Request, _: Principal = NodesManage) -> Response:
    state: AppState = request.app.state.farm
    node_id = path_id(request)
    body = await read_json(request, SensorDeclaration)
    new = parse_sensor("", dict(body))
    sensor = await state.store.sensors.create(node_id, new, state.clock.now_ms())
    state.events.sensor(sensor)
    return json_text(wire.sensor(sensor), 201)


async def node_output_create(request: Request, _: Principal = NodesManage) -> Response:
    state: AppState = request.app.state.farm
    node_id = path_id(request)
    body = await read_json(request, OutputDeclaration)
    new = parse_output("", dict(body))
    output = await state.store.outputs.create(node_id, new, state.clock.now_ms())
    state.events.output(output)
    return json_text(wire.output(output), 201)


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    add = app.add_api_route
    node_errors = (400, 401, 403, 404)
    add(
        "/api/nodes",
        nodes_list,
        methods=["GET"],
        **operation(
            "nodes_list",
            "nodes",
            "All nodes, by id, with their status.",
            description="Nodes",
            response="Items_Node",
            errors=(401, 403),
        ),
    )
    add(
        "/api/nodes",
        node_create,
        methods=["POST"],
        **operation(
            "node_create",
            "nodes",
            "Register a node by hand with its sensors and outputs. The response carries the node's token, once.",
            status=201,
            description="Registered; the token is shown only now",
            response=NodeRegistered,
            body=NodeCreate,
            errors=(400, 401, 403, 409, 413, 422),
        ),
    )
    add(
        "/api/nodes/{id}",
        node_get,
        methods=["GET"],
        **operation(
            "node_get",
            "nodes",
            "One node.",
            description="The node",
            response=Node,
            id_param="Node id",
            errors=node_errors,
        ),
    )
    add(
        "/api/nodes/{id}",
        node_update,
        methods=["PATCH"],
        **operation(
            "node_update",
            "nodes",
            "Rename a node or change its heartbeat interval.",
            description="The updated node",
            response=Node,
            body=NodeUpdate,
            id_param="Node id",
            errors=(*node_errors, 409, 413, 422),
        ),
    )
    add(
        "/api/nodes/{id}/retire",
        node_retire,
        methods=["POST"],
        **operation(
            "node_retire",
            "nodes",
            "Retire a node: its token stops working, its open commands expire, its history stays.",
            description="The retired node",
            response=Node,
            id_param="Node id",
            errors=(*node_errors, 409),
        ),
    )
    add(
        "/api/nodes/{id}/sensors",
        node_sensor_create,
        methods=["POST"],
        **operation(
            "node_sensor_create",
            "nodes",
            "Add a sensor to a node.",
            status=201,
            description="The new sensor",
            response=Sensor,
            body=SensorDeclaration,
            id_param="Node id",
            errors=(*node_errors, 409, 413, 422),
        ),
    )
    add(
        "/api/nodes/{id}/outputs",
        node_output_create,
        methods=["POST"],
        **operation(
            "node_output_create",
            "nodes",
            "Add an output to a node.",
            status=201,
            description="The new output",
            response=Output,
            body=OutputDeclaration,
            id_param="Node id",
            errors=(*node_errors, 409, 413, 422),
        ),
    )
