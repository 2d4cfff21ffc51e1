"""Query strings, read the way axum's `Query<T>` reads them (serde_urlencoded over
form_urlencoded, through serde_path_to_error): pairs split on `&`, `+` as a space, percent
decoding with lossy UTF-8, values parsed by Rust's `FromStr`, `deny_unknown_fields`, and the first
problem wins. Any problem is 400 `Failed to deserialize query string: <path>: <serde message>`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.requests import Request

from farm_core.domain.errors import BadRequest

PREFIX = "Failed to deserialize query string: "

# Rust's `ParseIntError` and `ParseBoolError` messages.
EMPTY = "cannot parse integer from empty string"
INVALID_DIGIT = "invalid digit found in string"
POS_OVERFLOW = "number too large to fit in target type"
NEG_OVERFLOW = "number too small to fit in target type"
NOT_BOOL = "provided string was not `true` or `false`"

_LIMITS = {"i64": (-(2**63), 2**63 - 1), "u64": (0, 2**64 - 1)}


@dataclass(frozen=True, slots=True)
class Param:
    """One field of the query struct: `i64`, `u64`, `bool` or `str`; `Option` unless `required`."""

    name: str
    kind: str
    required: bool = False


def parse_int(text: str, kind: str) -> int:
    """`i64::from_str` / `u64::from_str`, with its error, found digit by digit as Rust does."""
    low, high = _LIMITS[kind]
    if not text:
        raise ValueError(EMPTY)
    negative = False
    digits = text
    if text in ("+", "-"):
        raise ValueError(INVALID_DIGIT)
    if text[0] == "+":
        digits = text[1:]
    elif text[0] == "-" and kind == "i64":
        negative, digits = True, text[1:]
    value = 0
    for ch in digits:
        if not ("0" <= ch <= "9"):
            raise ValueError(INVALID_DIGIT)
        value = value * 10 + (ord(ch) - 48)
        if negative and -value < low:
            raise ValueError(NEG_OVERFLOW)
        if not negative and value > high:
            raise ValueError(POS_OVERFLOW)
    return -value if negative else value


def _decode(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", "replace")


def pairs(query: bytes) -> list[tuple[str, str]]:
    """`form_urlencoded::parse`: `&`-separated, empty pieces skipped, split at the first `=`."""
    out = []
    for piece in query.split(b"&"):
        if piece:
            name, _, value = piece.partition(b"=")
            out.append((_decode(name), _decode(value)))
    return out


def _one_of(names: list[str]) -> str:
    if len(names) == 1:
        return f"`{names[0]}`"
    if len(names) == 2:
        return f"`{names[0]}` or `{names[1]}`"
    return "one of " + ", ".join(f"`{n}`" for n in names)


def _value(param: Param, text: str) -> Any:
    if param.kind == "str":
        return text
    if param.kind == "bool":
        if text == "true":
            return True
        if text == "false":
            return False
        raise ValueError(NOT_BOOL)
    return parse_int(text, param.kind)


def parse_query(query: bytes, params: list[Param]) -> dict[str, Any]:
    """The query's values by field name (None for absent optional fields), or `BadRequest`."""
    by_name = {p.name: p for p in params}
    values: dict[str, Any] = {}
    for name, text in pairs(query):
        param = by_name.get(name)
        if param is None:
            raise BadRequest(f"{PREFIX}{name}: unknown field `{name}`, expected {_one_of(list(by_name))}")
        if name in values:
            raise BadRequest(f"{PREFIX}duplicate field `{name}`")
        try:
            values[name] = _value(param, text)
        except ValueError as err:
            raise BadRequest(f"{PREFIX}{name}: {err}") from None
    for param in params:
        if param.name not in values:
            if param.required:
                raise BadRequest(f"{PREFIX}missing field `{param.name}`")
            values[param.name] = None
    return values


def query_of(request: Request, params: list[Param]) -> dict[str, Any]:
    """The request's query string (as sent, still encoded) read into `params`."""
    return parse_query(request.scope.get("query_string", b""), params)
