"""`GET /healthz`: liveness and readiness for supervisors and `farmctl`'s health gate."""

from __future__ import annotations

import sqlite3

from fastapi import FastAPI
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from farm_core import VERSION
from farm_core.domain.errors import Unavailable
from farm_core.http import json_response
from farm_core.http.contract import operation
from farm_core.state import AppState


class Health(BaseModel):
    status: str = Field(description="Always `ok` when the server answers 200.")
    backend: str = Field(description="`python` here; the Rust server answers `rust`.")
    version: str
    schema_version: int = Field(description="The highest applied migration.")


async def healthz(request: Request) -> Response:
    state: AppState = request.app.state.farm
    try:
        schema_version = await state.store.meta.schema_version()
    except (Unavailable, sqlite3.Error) as err:
        message = err.message if isinstance(err, Unavailable) else str(err)
        raise Unavailable(f"database not usable: {message}") from err
    return json_response(Health(status="ok", backend="python", version=VERSION, schema_version=schema_version))


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    app.add_api_route(
        "/healthz",
        healthz,
        methods=["GET"],
        **operation(
            "healthz",
            "health",
            "Liveness and readiness: 200 when the database answers.",
            description="Ready",
            response=Health,
            errors=(503,),
            security=None,
        ),
    )
