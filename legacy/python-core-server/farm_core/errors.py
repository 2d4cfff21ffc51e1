"""The HTTP boundary for errors: domain errors become a status, a stable code, a human message and
field details in the JSON error body of API-CONVENTIONS. `RequestContext` gives every response an
`x-request-id`, bounds API requests to 30 s (503) and turns anything unexpected into a 500 whose
detail stays in the log behind the request id, like Rust's `error::envelope`."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from farm_core.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    TokenExpired,
    Unauthenticated,
    Unavailable,
    Validation,
)

log = logging.getLogger("farm_core")

# Longest an API request may take before it is answered 503.
REQUEST_TIMEOUT_S = 30.0

STATUS_OF: dict[type[DomainError], int] = {
    Validation: 422,
    BadRequest: 400,
    PayloadTooLarge: 413,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
    Unavailable: 503,
    TokenExpired: 422,
}


def code_for_status(status: int) -> str:
    """Rust's `ErrorCode::for_status`."""
    codes = {
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "payload_too_large",
        422: "validation_failed",
        429: "rate_limited",
        408: "unavailable",
        503: "unavailable",
        504: "unavailable",
    }
    if status in codes:
        return codes[status]
    return "internal" if 500 <= status <= 599 else "bad_request"


def error_body(
    status: int,
    message: str,
    details: list[dict[str, str]] | None = None,
    request_id: str | None = None,
    code: str | None = None,
) -> bytes:
    detail: dict[str, Any] = {"code": code or code_for_status(status), "message": message, "details": details or []}
    if request_id is not None:
        detail["request_id"] = request_id
    return json.dumps({"error": detail}, ensure_ascii=False, separators=(",", ":")).encode()


def error_response(
    status: int,
    message: str,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    code: str | None = None,
) -> Response:
    return Response(
        error_body(status, message, details, code=code),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def domain_error_response(err: DomainError) -> Response:
    status = STATUS_OF[type(err)]
    details = [{"field": f.field, "problem": f.problem} for f in err.fields] if isinstance(err, Validation) else None
    headers = {"retry-after": str(err.retry_after_secs)} if isinstance(err, RateLimited) else None
    if isinstance(err, TokenExpired):
        return error_response(status, err.message, [{"field": "token", "problem": "has expired"}], code="token_expired")
    return error_response(status, err.message, details, headers)


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return domain_error_response(exc)


def raw_path(scope: Scope) -> str:
    """The path as the client sent it (still percent-encoded), which the Rust router matches on."""
    raw = scope.get("raw_path")
    return raw.decode("latin-1") if raw else scope["path"]


def allowed_methods(request: Request) -> str:
    """Every method some route takes at this path, GET then HEAD first, like axum's `Allow`."""
    methods: list[str] = []
    for route in request.app.router.routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.scope["path"]):
            for method in sorted(route.methods, key=lambda m: m != "GET"):
                # A GET route answers HEAD too (RequestContext runs it).
                for allowed in ("GET", "HEAD") if method == "GET" else (method,):
                    if allowed not in methods:
                        methods.append(allowed)
    return ",".join(methods)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own routing errors (unknown path, wrong method) in the JSON error shape."""
    assert isinstance(exc, HTTPException)
    path = raw_path(request.scope)
    if exc.status_code == 405:
        return error_response(405, f"method not allowed for {path}", headers={"allow": allowed_methods(request)})
    if exc.status_code == 404:
        return error_response(404, f"no route for {path}")
    return error_response(exc.status_code, str(exc.detail).lower())


def server_error_messages(status: int, message: str, request_id: str) -> list[Message]:
    body = error_body(status, message, request_id=request_id)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers.append((b"x-request-id", request_id.encode("latin-1")))
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]


class RequestContext:
    """Outermost middleware (pure ASGI): request id, routing on the raw path, timeout, 500s."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None)
        request_id = request_id or str(uuid.uuid4())
        id_header = (b"x-request-id", request_id.encode("latin-1"))
        # Route on the raw path, as axum does: `/api/%75sers` is not `/api/users`. HEAD runs the GET
        # route (the server drops the body), in a copy of the scope so the server still sees HEAD.
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        scope = {**scope, "path": raw_path(scope), "method": method}
        started = False
        deadline = asyncio.timeout(REQUEST_TIMEOUT_S)

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                # The time limit is for the answer to start; a stream (events) may go on.
                deadline.reschedule(None)
                message["headers"] = [*message.get("headers", []), id_header]
            await send(message)

        try:
            async with deadline:
                await self.app(scope, receive, send_with_id)
        except TimeoutError:
            log.error("request timed out request_id=%s path=%s", request_id, scope["path"])
            if not started:
                for message in server_error_messages(503, "the server could not answer in time", request_id):
                    await send(message)
        except Exception:
            log.exception("internal error request_id=%s path=%s", request_id, scope["path"])
            if not started:
                message = f"internal error; the server log has the details under request id {request_id}"
                for msg in server_error_messages(500, message, request_id):
                    await send(msg)
