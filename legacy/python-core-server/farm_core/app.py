"""Assembles the application: state, the one place where routes are merged, middleware, the
OpenAPI document, and a server that binds (port 0 included), serves and shuts down gracefully."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException

from farm_core import VERSION, engine, errors
from farm_core.clock import Clock
from farm_core.config import Config, ListenAddr
from farm_core.domain.errors import DomainError
from farm_core.engine import backups as backup_jobs
from farm_core.http import (
    Items,
    action_logs,
    adoption,
    api_tokens,
    auth,
    backups,
    dashboard,
    events,
    health,
    metrics,
    node_api,
    nodes,
    outputs,
    schedules,
    sensors,
    site,
    users,
)
from farm_core.http.contract import BEARER_SCHEME, ERROR_RESPONSES, SESSION_COOKIE_SCHEME
from farm_core.state import AppState
from farm_core.store import Store

TITLE = "Farm Controller core-server"
DESCRIPTION = (
    "The REST API of the farm controller. Errors use one JSON shape: "
    '{"error": {"code", "message", "details": [{"field", "problem"}]}}.'
)


class OutputIdConvertor(Convertor[str]):
    """An output id segment that is not `commands`: /api/outputs/commands is its own route, and
    the Rust router matches a literal segment before a parameter whatever the method."""

    regex = "(?!commands$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("output_id", OutputIdConvertor())


class BackupNameConvertor(OutputIdConvertor):
    """A backup name segment that is not `upload` or `settings` (/api/backups/upload and
    /api/backups/settings are their own routes)."""

    regex = "(?!(?:upload|settings)$)[^/]+"


register_url_convertor("backup_name", BackupNameConvertor())


class ScheduleIdConvertor(OutputIdConvertor):
    """A schedule id segment that is not `calendar` (/api/schedules/calendar is its own route)."""

    regex = "(?!calendar$)[^/]+"


register_url_convertor("schedule_id", ScheduleIdConvertor())
RESOURCES = (
    health,
    auth,
    users,
    api_tokens,
    site,
    nodes,
    sensors,
    outputs,
    metrics,
    dashboard,
    events,
    node_api,
    schedules,
    action_logs,
    adoption,
    backups,
)


def api_app() -> FastAPI:
    """Every route, its error handling and middleware; the one place where routes are merged."""
    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,
    )
    for resource in RESOURCES:
        resource.register(app)
    app.add_exception_handler(DomainError, errors.on_domain_error)
    app.add_exception_handler(HTTPException, errors.on_http_exception)
    app.add_middleware(errors.RequestContext)
    return app


def create_app(config: Config, clock: Clock, store: Store) -> FastAPI:
    app = api_app()
    app.state.farm = AppState(config=config, clock=clock, store=store)
    return app


# --- the OpenAPI document -----------------------------------------------------------------------


class FieldProblem(BaseModel):
    field: str = Field(description="Where in the request: `username`, `blocks[0].end`, or a query parameter's name.")
    problem: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: list[FieldProblem] = Field(description="Which fields were wrong (validation errors); empty otherwise.")
    request_id: str | None = Field(
        None, description="Present on internal errors: quote it when reporting, the detail is in the server log."
    )


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


def _component_schemas() -> dict[str, Any]:
    requests = [
        auth.LoginRequest,
        auth.PasswordChange,
        users.UserCreate,
        users.UserUpdate,
        api_tokens.ApiTokenCreate,
        site.SiteUpdate,
        nodes.NodeCreate,
        nodes.NodeUpdate,
        nodes.SensorDeclaration,
        nodes.OutputDeclaration,
        sensors.SensorUpdate,
        outputs.OutputUpdate,
        outputs.OutputCommand,
        outputs.OutputsCommand,
        node_api.TelemetryBatch,
        node_api.NodeHeartbeat,
        node_api.CommandAck,
        adoption.AdoptionAnnounce,
        adoption.AdoptionTokenCreate,
        adoption.NodeReplace,
        adoption.AdoptionClaim,
        backups.BackupCreate,
        backups.BackupRestore,
        backups.BackupSettingsUpdate,
        schedules.ScheduleCreate,
        schedules.ScheduleUpdate,
        schedules.ScheduleRunRequest,
    ]
    responses = [
        health.Health,
        auth.AuthSession,
        users.User,
        api_tokens.ApiToken,
        api_tokens.ApiTokenCreated,
        site.Site,
        nodes.Node,
        nodes.NodeRegistered,
        sensors.Sensor,
        outputs.Output,
        outputs.Command,
        outputs.CommandPage,
        metrics.Series,
        dashboard.DashboardState,
        node_api.TelemetryAccepted,
        node_api.HeartbeatAccepted,
        adoption.AnnounceAccepted,
        adoption.AdoptionTokenCreated,
        adoption.AdoptionClaimed,
        adoption.NodeBundle,
        backups.BackupManifest,
        backups.BackupList,
        backups.BackupStarted,
        backups.BackupRestored,
        backups.BackupSettings,
        schedules.Schedule,
        schedules.ScheduleRun,
        action_logs.ActionLogPage,
        action_logs.Alarm,
        ErrorBody,
    ]
    lists = [
        users.User,
        api_tokens.ApiToken,
        nodes.Node,
        sensors.Sensor,
        outputs.Output,
        outputs.Command,
        metrics.Series,
        adoption.Candidate,
        schedules.Schedule,
        schedules.Firing,
        action_logs.Alarm,
    ]
    _, defs = models_json_schema(
        [(m, "validation") for m in requests]
        + [(m, "serialization") for m in responses]
        + [(Items[m], "serialization") for m in lists],
        ref_template="#/components/schemas/{model}",
    )
    schemas = defs["$defs"]
    # The list shapes under Rust's names.
    for model in lists:
        python_name = f"Items_{model.__name__}_"
        if python_name in schemas:
            schemas[f"Items_{model.__name__}"] = schemas.pop(python_name)
    schemas["StreamEvent"] = events.STREAM_EVENT_SCHEMA
    return schemas


def openapi() -> dict[str, Any]:
    """The OpenAPI document, generated from the route declarations."""
    doc = get_openapi(title=TITLE, version=VERSION, description=DESCRIPTION, routes=api_app().routes)
    error_response = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
    doc["components"] = {
        "schemas": _component_schemas(),
        "responses": {name: {**error_response, "description": text} for name, text in ERROR_RESPONSES.values()},
        "securitySchemes": {
            SESSION_COOKIE_SCHEME: {"type": "apiKey", "in": "cookie", "name": "farm_session"},
            BEARER_SCHEME: {"type": "http", "scheme": "bearer"},
        },
    }
    return doc


def openapi_json() -> str:
    """Sorted keys, two-space indent and a trailing newline, like `core-server openapi`."""
    return json.dumps(openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- serving ------------------------------------------------------------------------------------


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the caller decides when to stop (and uvicorn must
    not re-raise SIGTERM at the end, which would turn a clean stop into a non-zero exit)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(listen: ListenAddr) -> socket.socket:
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((listen.host, listen.port))
    except OSError as err:
        sock.close()
        raise OSError(f"binding {listen}: {err}") from err
    sock.listen(1024)
    sock.setblocking(False)
    return sock


@dataclass
class Running:
    """A server running in the background of the current event loop (tests, `serve`)."""

    addr: ListenAddr
    app: FastAPI
    store: Store
    server: _Server
    task: asyncio.Task[None]
    # The background engine (command expiry, liveness, retention), when it runs.
    engine: asyncio.Task[None] | None = None

    async def shutdown(self) -> None:
        """Ends the event streams and long polls, stops accepting, lets in-flight requests
        finish, stops the engine, then closes the database."""
        # Long-lived responses (event streams, long polls) would hold graceful shutdown open.
        self.app.state.farm.events.close()
        self.app.state.farm.wakeups.close()
        self.server.should_exit = True
        await self.task
        if self.engine is not None:
            self.engine.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.engine
        self.store.close()


async def open_store(config: Config, clock: Clock) -> Store:
    """Opens the database, applying pending migrations (off the event loop)."""
    return await asyncio.to_thread(Store.open, config.database, clock.now_ms(), config.count_statements)


async def start(config: Config, clock: Clock, background: bool = False) -> Running:
    """Opens the database and serves; `background` runs the engine (tests drive
    `engine.tick` themselves instead)."""
    return await start_with_store(config, clock, await open_store(config, clock), background)


async def start_with_store(
    config: Config, clock: Clock, store: Store, background: bool = False, frozen: bool = False
) -> Running:
    """`background` runs the engine; with a `frozen` clock the work that acts on time passing
    (the backup schedule) stays off and a backup started without waiting runs inline, as in Rust."""
    sock = bind(config.listen)
    host, port = sock.getsockname()[:2]
    app = create_app(config, clock, store)
    await backup_jobs.load_settings(app.state.farm)
    uv_config = uvicorn.Config(
        app,
        http="httptools",
        loop="none",
        lifespan="off",
        access_log=False,
        log_config=None,
        server_header=False,
        timeout_graceful_shutdown=30,
    )
    server = _Server(uv_config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            await task  # raises what stopped it
            raise RuntimeError("the HTTP server stopped while starting")
        await asyncio.sleep(0.005)
    app.state.farm.background = background and not frozen
    engine_task = asyncio.create_task(engine.run(app.state.farm)) if background else None
    return Running(ListenAddr(host, port), app, store, server, task, engine_task)
