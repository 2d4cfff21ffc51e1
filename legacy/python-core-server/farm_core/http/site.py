"""Site settings: name, time zone, units."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.domain.nodes import parse_name
from farm_core.domain.site import Units, parse_timezone
from farm_core.http import Timestamp, json_text, read_json, wire
from farm_core.http.contract import operation
from farm_core.state import AppState
from farm_core.store.site import SiteChange

NodesView = Depends(require(Capability.NODES_VIEW))
ConfigWrite = Depends(require(Capability.CONFIG_WRITE))


class Site(BaseModel):
    name: str
    timezone: str = Field(description="IANA time zone, e.g. `America/Los_Angeles`.")
    units: Units
    updated_at: Timestamp


class SiteUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    timezone: str | None = Field(None, description="An IANA time zone such as `Europe/Berlin`.")
    units: Units | None = None


async def site_get(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    return json_text(wire.site(await state.store.site.get()))


async def site_update(request: Request, _: Principal = ConfigWrite) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, SiteUpdate)
    change = SiteChange(
        name=parse_name("name", body.name) if body.name is not None else None,
        timezone=parse_timezone("timezone", body.timezone) if body.timezone is not None else None,
        units=body.units,
    )
    return json_text(wire.site(await state.store.site.update(change, state.clock.now_ms())))


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    app.add_api_route(
        "/api/site",
        site_get,
        methods=["GET"],
        **operation(
            "site_get", "site", "The site's settings.", description="Site settings", response=Site, errors=(401, 403)
        ),
    )
    app.add_api_route(
        "/api/site",
        site_update,
        methods=["PATCH"],
        **operation(
            "site_update",
            "site",
            "Change the site's name, time zone or units.",
            description="Updated settings",
            response=Site,
            body=SiteUpdate,
            errors=(400, 401, 403, 413, 422),
        ),
    )
