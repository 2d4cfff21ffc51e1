"""`GET /api/dashboard/state`: the overview page in one call."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.http import Timestamp, json_text, wire
from farm_core.http.contract import operation
from farm_core.http.nodes import Node
from farm_core.http.outputs import Command, Output
from farm_core.http.sensors import Sensor
from farm_core.http.site import Site
from farm_core.state import AppState

NodesView = Depends(require(Capability.NODES_VIEW))


class SensorState(Sensor):
    stale: bool = Field(description="No reading within three intervals.")


class OutputState(Output):
    pending_command: Command | None = Field(
        description="The newest command while it is queued or delivered (the toggle shows a spinner)."
    )
    last_command: Command | None = Field(description="The newest command whatever its status (shows a failed one).")


class Counts(BaseModel):
    nodes_online: int
    nodes_offline: int
    nodes_retired: int
    sensors: int
    sensors_stale: int
    outputs: int
    commands_pending: int


class DashboardState(BaseModel):
    site: Site
    nodes: list[Node]
    sensors: list[SensorState]
    outputs: list[OutputState]
    counts: Counts
    generated_at: Timestamp


async def dashboard_state(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    return json_text(wire.dashboard(await state.store.dashboard.state(state.clock.now_ms())))


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    app.add_api_route(
        "/api/dashboard/state",
        dashboard_state,
        methods=["GET"],
        **operation(
            "dashboard_state",
            "dashboard",
            "Site, nodes with status, sensors with last values, outputs with desired, reported and pending "
            "command, and counts; a fixed number of queries however large the farm.",
            description="The overview",
            response=DashboardState,
            errors=(401, 403),
        ),
    )
