"""`GET /api/dashboard/state`: the overview page in one call."""

from __future__ import annotations

import dataclasses

from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.domain import dashboard as domain
from farm_core.engine import backups as backup_jobs
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


class BackupHealth(BaseModel):
    """The newest verified backup, for the overview's backup card."""

    newest_verified_at: Timestamp | None = Field(
        description="When the newest verified backup was taken; `null` when there is none."
    )
    age_s: int | None = Field(description="Seconds since then.")
    stale: bool = Field(
        description="No verified backup, or the newest is older than two days (an alarm is raised as well)."
    )


class DashboardState(BaseModel):
    site: Site
    nodes: list[Node]
    sensors: list[SensorState]
    outputs: list[OutputState]
    counts: Counts
    backup: BackupHealth = Field(description="Filled in from the backups folder, not the database.")
    generated_at: Timestamp


async def dashboard_state(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    now = state.clock.now_ms()
    overview = await state.store.dashboard.state(now)
    health = domain.BackupHealth.at(backup_jobs.newest_verified(state), now)
    return json_text(wire.dashboard(dataclasses.replace(overview, backup=health)))


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
            "command, counts, and the newest verified backup's age; a fixed number of queries however large "
            "the farm.",
            description="The overview",
            response=DashboardState,
            errors=(401, 403),
        ),
    )
