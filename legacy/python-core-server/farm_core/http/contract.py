"""How a route is described in the OpenAPI document: operationId (the Rust handler name), tag,
security requirement, request body, path parameter and documented responses, the same as
openapi/core-server.json. Handlers parse their own path ids and bodies (to answer exactly like
the Rust server), so FastAPI is only told about them here, for the document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

# Status -> the shared error response of `components.responses`, and its description.
ERROR_RESPONSES = {
    400: ("BadRequest", "Malformed JSON or query string"),
    401: ("Unauthenticated", "No session or token, or an invalid one"),
    403: ("Forbidden", "Authenticated, but lacking the capability (or a cross-site cookie request)"),
    404: ("NotFound", "No such resource"),
    409: ("Conflict", "The change conflicts with the current state"),
    413: ("PayloadTooLarge", "The request body is over the limit"),
    422: ("ValidationFailed", "Well-formed but invalid; details name the fields"),
    429: ("RateLimited", "Too many attempts; see Retry-After"),
    503: ("Unavailable", "Not ready (database unusable, migrations pending, shutting down)"),
}
SESSION_COOKIE_SCHEME = "session_cookie"
BEARER_SCHEME = "bearer"
SESSION_OR_TOKEN = ({SESSION_COOKIE_SCHEME: []}, {BEARER_SCHEME: []})
SESSION_ONLY = ({SESSION_COOKIE_SCHEME: []},)


def schema_ref(model: type[BaseModel] | str) -> dict[str, str]:
    name = model if isinstance(model, str) else model.__name__
    return {"$ref": f"#/components/schemas/{name}"}


NODE_TOKEN = ({BEARER_SCHEME: []},)

# Query parameter schemas, as utoipa writes them for the Rust field types.
I64 = {"type": "integer", "format": "int64"}
U64 = {"type": "integer", "format": "int64", "minimum": 0}
BOOL = {"type": "boolean"}
STRING = {"type": "string"}
# Strings the handler reads as RFC 3339 instants (`format = DateTime` in Rust).
DATE_TIME = {"type": "string", "format": "date-time"}


def int_range(low: int, high: int) -> dict[str, Any]:
    """An i64 parameter with the bounds its handler enforces (Rust's `minimum`/`maximum`)."""
    return {**I64, "minimum": low, "maximum": high}


def param(name: str, where: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    """A query or header parameter, for `operation(params=...)`."""
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema}


def operation(
    operation_id: str,
    tag: str,
    summary: str,
    *,
    status: int = 200,
    description: str,
    response: type[BaseModel] | str | None = None,
    response_headers: dict[str, str] | None = None,
    stream: bool = False,
    body: type[BaseModel] | None = None,
    id_param: str | None = None,
    params: tuple[dict[str, Any], ...] = (),
    errors: tuple[int, ...] = (),
    security: tuple[dict[str, list[str]], ...] | None = SESSION_OR_TOKEN,
) -> dict[str, Any]:
    """Keyword arguments for `APIRouter.add_api_route`. `params` follow the path id, in order;
    `stream` documents a `text/event-stream` answer instead of JSON."""
    success: dict[str, Any] = {"description": description}
    if stream:
        success["content"] = {"text/event-stream": {"schema": {"$ref": "#/components/schemas/StreamEvent"}}}
    elif response is not None:
        success["content"] = {"application/json": {"schema": schema_ref(response)}}
    if response_headers:
        success["headers"] = {
            name: {"description": text, "schema": {"type": "string"}} for name, text in response_headers.items()
        }
    responses = {str(status): success}
    for code in errors:
        responses[str(code)] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[code][0]}"}
    extra: dict[str, Any] = {"responses": responses}
    if security is not None:
        extra["security"] = list(security)
    if body is not None:
        extra["requestBody"] = {"content": {"application/json": {"schema": schema_ref(body)}}, "required": True}
    parameters = [param("id", "path", dict(I64), id_param, required=True)] if id_param is not None else []
    parameters.extend(params)
    if parameters:
        extra["parameters"] = parameters
    return {
        "operation_id": operation_id,
        "name": operation_id,
        "tags": [tag],
        "summary": summary,
        "description": "",
        "status_code": status,
        "response_class": Response,
        "response_description": description,
        "openapi_extra": extra,
    }
