"""`GET /api/events`: Server-Sent Events for the dashboard."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import Depends, FastAPI
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.engine.events import Event, Subscription
from farm_core.http import header_str
from farm_core.http.contract import operation, param
from farm_core.http.query import parse_int
from farm_core.state import AppState

NodesView = Depends(require(Capability.NODES_VIEW))
KEEP_ALIVE_S = 15.0
# What axum's `Sse` sends: the event's fields in the order set, a blank line to end it.
RESET = b"event: reset\ndata: {}\n\n"
KEEP_ALIVE = b":\n\n"


# One event of the stream as a client's parser reads it: the Rust contract's `StreamEvent`.
STREAM_EVENT_SCHEMA = {
    "properties": {
        "data": {"description": "The JSON payload, as text.", "type": "string"},
        "event": {
            "description": "`node`, `sensor`, `reading`, `output`, `command`, `backup`, `alarm`, or `reset`.",
            "type": "string",
        },
        "id": {
            "description": "Pass as `Last-Event-ID` to resume after this event; absent on `reset`.",
            "type": "string",
        },
    },
    "required": ["event", "data"],
    "type": "object",
}


def to_sse(event: Event) -> bytes:
    return f"id: {event.id}\nevent: {event.kind}\ndata: {event.data}\n\n".encode()


def last_event_id(request: Request) -> int | None:
    """`Last-Event-ID` as a u64 (surrounding spaces allowed), or None."""
    value = header_str(request, "last-event-id")
    if value is None:
        return None
    try:
        return parse_int(value.strip(" \t"), "u64")
    except ValueError:
        return None


async def _stream(state: AppState, sub: Subscription) -> AsyncIterator[bytes]:
    try:
        if sub.reset:
            yield RESET
        for event in sub.backlog:
            yield to_sse(event)
        while True:
            try:
                async with asyncio.timeout(KEEP_ALIVE_S):
                    event = await sub.live.next()
            except TimeoutError:
                yield KEEP_ALIVE
                continue
            except EOFError:
                return
            if sub.live.lagged:
                sub.live.lagged = False
                yield RESET
            yield to_sse(event)
    finally:
        state.events.unsubscribe(sub.live)


async def events_stream(request: Request, _: Principal = NodesView) -> Response:
    state: AppState = request.app.state.farm
    sub = state.events.subscribe(last_event_id(request))
    headers = {"content-type": "text/event-stream", "cache-control": "no-cache"}
    return StreamingResponse(_stream(state, sub), headers=headers)


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    app.add_api_route(
        "/api/events",
        events_stream,
        methods=["GET"],
        **operation(
            "events_stream",
            "events",
            "Live updates: `node`, `sensor`, `reading` (at most one per sensor per second), `output`, `command`, "
            "`backup` and `alarm` events with JSON data, each with an id. Reconnect with `Last-Event-ID` to resume; "
            "a `reset` event means too much was missed: reload the state. A keep-alive comment comes every 15 s.",
            description="An event stream",
            stream=True,
            params=(param("Last-Event-ID", "header", {"type": ["string", "null"]}, "Resume after this event"),),
            errors=(401, 403),
        ),
    )
