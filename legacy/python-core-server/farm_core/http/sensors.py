"""Sensors: list, inspect, edit, remove."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.domain import sensors as rules
from farm_core.domain.nodes import parse_name
from farm_core.domain.sensors import SensorKind
from farm_core.http import Timestamp, json_text, path_id, read_json, wire
from farm_core.http.contract import BOOL, I64, operation, param
from farm_core.http.query import Param, query_of
from farm_core.state import AppState
from farm_core.store.sensors import SensorChange

NodesView = Depends(require(Capability.NODES_VIEW))
NodesManage = Depends(require(Capability.NODES_MANAGE))

NODE_FILTER = [Param("node_id", "i64")]
NODE_FILTER_DOC = (param("node_id", "query", I64, "Only this node's."),)
DELETE_PARAMS = [Param("purge", "bool")]


class Sensor(BaseModel):
    id: int
    node_id: int
    key: str
    name: str
    kind: SensorKind
    unit: str
    interval_s: int = Field(description="How often the node reports it; a reading older than three intervals is stale.")
    retention_days: int
    last_value: float | None
    last_ts: Timestamp | None


class SensorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    unit: str | None = None
    interval_s: int | None = None
    retention_days: int | None = None


async def sensors_list(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    node_id = query_of(request, NODE_FILTER)["node_id"]
    return json_text(wire.items([wire.sensor(s) for s in await state.store.sensors.list(node_id)]))


async def sensor_get(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    return json_text(wire.sensor(await state.store.sensors.get(path_id(request))))


async def sensor_update(request: Request, _: Principal = NodesManage) -> Response:
    state: AppState = request.app.state.farm
    sensor_id = path_id(request)
    body = await read_json(request, SensorUpdate)
    change = SensorChange(
        name=parse_name("name", body.name) if body.name is not None else None,
        unit=rules.parse_unit("unit", body.unit) if body.unit is not None else None,
        interval_s=rules.check_interval("interval_s", body.interval_s) if body.interval_s is not None else None,
        retention_days=(
            rules.check_retention("retention_days", body.retention_days) if body.retention_days is not None else None
        ),
    )
    sensor = await state.store.sensors.update(sensor_id, change, state.clock.now_ms())
    state.events.sensor(sensor)
    return json_text(wire.sensor(sensor))


async def sensor_delete(request: Request, _: Principal = NodesManage) -> Response:
    state: AppState = request.app.state.farm
    sensor_id = path_id(request)
    purge = query_of(request, DELETE_PARAMS)["purge"]
    now = state.clock.now_ms()
    sensor = await state.store.sensors.remove(sensor_id, bool(purge), now)
    state.events.sensor_removed(sensor, now)
    return Response(status_code=204)


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    app.add_api_route(
        "/api/sensors",
        sensors_list,
        methods=["GET"],
        **operation(
            "sensors_list",
            "sensors",
            "Sensors, by id, optionally of one node.",
            description="Sensors",
            response="Items_Sensor",
            params=NODE_FILTER_DOC,
            errors=(400, 401, 403),
        ),
    )
    app.add_api_route(
        "/api/sensors/{id}",
        sensor_get,
        methods=["GET"],
        **operation(
            "sensor_get",
            "sensors",
            "One sensor with its last reading.",
            description="The sensor",
            response=Sensor,
            id_param="Sensor id",
            errors=(400, 401, 403, 404),
        ),
    )
    app.add_api_route(
        "/api/sensors/{id}",
        sensor_update,
        methods=["PATCH"],
        **operation(
            "sensor_update",
            "sensors",
            "Rename a sensor or change its unit, interval or retention.",
            description="The updated sensor",
            response=Sensor,
            body=SensorUpdate,
            id_param="Sensor id",
            errors=(400, 401, 403, 404, 413, 422),
        ),
    )
    app.add_api_route(
        "/api/sensors/{id}",
        sensor_delete,
        methods=["DELETE"],
        **operation(
            "sensor_delete",
            "sensors",
            "Remove a sensor from its node. Its history stays until retention removes it, unless `purge=true`.",
            status=204,
            description="Removed",
            id_param="Sensor id",
            params=(
                param(
                    "purge",
                    "query",
                    BOOL,
                    "Delete its readings and rollups now instead of letting retention age them out.",
                ),
            ),
            errors=(400, 401, 403, 404),
        ),
    )
