"""Handlers, one module per resource, each exposing `router`. Handlers parse and authorize, call
the domain and the store, and map errors; they hold no SQL. This module holds what they share:
the `Timestamp` field type, `{"items": [...]}` lists, path ids, JSON bodies and JSON responses."""

from __future__ import annotations

import re
from typing import Annotated, Generic, TypeVar
from urllib.parse import unquote_to_bytes

from pydantic import BaseModel, PlainSerializer, WithJsonSchema
from pydantic_core import to_json
from starlette.requests import Request
from starlette.responses import Response

from farm_core.domain.errors import BadRequest, PayloadTooLarge
from farm_core.domain.time import to_rfc3339
from farm_core.http import json_body
from farm_core.http.json_body import TimestampField

# Default request body limit (API-CONVENTIONS).
BODY_LIMIT = 1024 * 1024

# Epoch milliseconds inside, RFC 3339 UTC with three fraction digits on the wire.
Timestamp = Annotated[
    int,
    TimestampField,
    PlainSerializer(to_rfc3339, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-03-01T06:00:00.000Z"]}),
]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class Items(BaseModel, Generic[T]):
    """`{"items": [...]}`, the shape of every list."""

    items: list[T]


def json_response(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(to_json(model), status_code=status, media_type="application/json", headers=headers)


def json_text(body: str, status: int = 200) -> Response:
    """A JSON body already written (farm_core.http.wire)."""
    return Response(body.encode(), status_code=status, media_type="application/json")


_I64 = re.compile(r"[+-]?[0-9]+", re.ASCII)


def path_id(request: Request, name: str = "id") -> int:
    """A path parameter as axum's `Path<i64>` reads it: percent-decoded, then `i64::from_str`."""
    raw = request.path_params[name]
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(f"Invalid URL: Invalid UTF-8 in `{name}`") from None
    if _I64.fullmatch(text) and -(2**63) <= int(text) < 2**63:
        return int(text)
    raise BadRequest(f"Invalid URL: Cannot parse `{text}` to a `i64`")


def header_str(request: Request, name: str) -> str | None:
    """The first `name` header if it is visible ASCII (what `HeaderValue::to_str` accepts)."""
    value = request.headers.get(name)
    return value if value is not None and is_visible_ascii(value) else None


def is_visible_ascii(value: str) -> bool:
    return all(" " <= ch <= "~" or ch == "\t" for ch in value)


def is_json_content_type(content_type: str) -> bool:
    """`application/json`, with no parameter but an optional `charset=utf-8`: JSON is UTF-8
    (RFC 8259), so a body declared in another encoding would be read as something it is not."""
    media_type, *params = content_type.split(";")
    if media_type.strip().lower() != "application/json":
        return False
    for param in params:
        name, sep, value = param.partition("=")
        if sep and name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            return False
    return True


async def read_body(request: Request) -> bytes:
    """A JSON request's body, checked like Rust's `Json<T>` extractor: Content-Type first (400),
    then the 1 MiB limit (413)."""
    content_type = header_str(request, "content-type")
    if content_type is None or not is_json_content_type(content_type):
        raise BadRequest("expected a JSON body with Content-Type: application/json")
    too_large = PayloadTooLarge("request body is too large")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > BODY_LIMIT:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > BODY_LIMIT:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, model: type[M]) -> M:
    """The JSON body as `model`: Content-Type first (400), then the 1 MiB limit (413), then JSON
    (400) and shape (422)."""
    return json_body.parse(await read_body(request), model)
