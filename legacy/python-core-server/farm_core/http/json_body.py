"""JSON request bodies, read the way the Rust server reads them (serde_json 1.0 driven by the
request type through serde_path_to_error, see crates/core-server/src/http/json.rs), so both
backends agree on every answer, not only on valid input:

- a body that is not JSON is 400 `malformed JSON: <serde_json's message>`;
- a well-formed body of the wrong shape is 422 naming the field (`rolee`, `capabilities[0]`);
- the input is read front to back and the FIRST problem wins, exactly as serde does it: an
  unknown key is reported before the syntax error that follows it, a missing field only after
  the whole object was read, a non-string where an enum belongs is a syntax error, and a struct
  may also be written as an array of its fields in order.

The request types are pydantic models (`extra="forbid"`, which also documents them in OpenAPI);
this module derives what to expect from their fields, in declaration order.
"""

from __future__ import annotations

import enum
import json
import math
import re
import types
import typing
import unicodedata
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel

from farm_core.domain.errors import BadRequest, FieldError, Validation
from farm_core.domain.time import parse_rfc3339

M = TypeVar("M", bound=BaseModel)
Path = tuple[str | int, ...]

# serde_json's ErrorCode messages.
EOF_LIST = "EOF while parsing a list"
EOF_OBJECT = "EOF while parsing an object"
EOF_STRING = "EOF while parsing a string"
EOF_VALUE = "EOF while parsing a value"
EXPECTED_COLON = "expected `:`"
EXPECTED_LIST_COMMA_OR_END = "expected `,` or `]`"
EXPECTED_OBJECT_COMMA_OR_END = "expected `,` or `}`"
EXPECTED_IDENT = "expected ident"
EXPECTED_VALUE = "expected value"
INVALID_ESCAPE = "invalid escape"
INVALID_NUMBER = "invalid number"
NUMBER_OUT_OF_RANGE = "number out of range"
INVALID_UNICODE = "invalid unicode code point"
CONTROL_CHARACTER = "control character (\\u0000-\\u001F) found while parsing a string"
KEY_MUST_BE_A_STRING = "key must be a string"
LONE_LEADING_SURROGATE = "lone leading surrogate in hex escape"
TRAILING_COMMA = "trailing comma"
TRAILING_CHARACTERS = "trailing characters"
UNEXPECTED_END_OF_HEX_ESCAPE = "unexpected end of hex escape"

TIMESTAMP_PROBLEM = "must be an RFC 3339 date-time such as 2026-03-01T06:00:00.000Z"


class JsonSyntaxError(Exception):
    """Not JSON (serde_json's syntax and EOF categories): 400."""


class JsonDataError(Exception):
    """JSON, but not of the expected shape (serde_json's data category): 422 at `path`."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


# --- how serde describes what it got and what it wanted -----------------------------------------

# Other_Grapheme_Extend; with the Mn and Me categories it makes Rust's `is_grapheme_extended`.
_OTHER_GRAPHEME_EXTEND = frozenset(
    [
        *(0x09BE, 0x09D7, 0x0B3E, 0x0B57, 0x0BBE, 0x0BD7, 0x0CC2, 0x0CD5, 0x0CD6, 0x0D3E, 0x0D57, 0x0DCF, 0x0DDF),
        *(0x1B35, 0x200C, 0x302E, 0x302F, 0xFF9E, 0xFF9F, 0x1133E, 0x11357, 0x114B0, 0x114BD, 0x115AF, 0x11930),
        *(0x1D165, *range(0x1D16E, 0x1D173), *range(0xE0020, 0xE0080)),
    ]
)
_SIMPLE_ESCAPES = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", '"': '\\"'}


def rust_debug_str(s: str) -> str:
    """`format!("{:?}", s)` for a Rust `&str`."""
    out = ['"']
    for ch in s:
        if ch in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[ch])
        elif ch.isascii() and ch.isprintable():
            out.append(ch)
        elif unicodedata.category(ch) in ("Mn", "Me") or ord(ch) in _OTHER_GRAPHEME_EXTEND or not ch.isprintable():
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def format_float(value: float) -> str:
    """serde_json's float display (zmij): shortest round-trip digits, positional notation for
    decimal exponents -5..=15 (with `.0` when integral), `1.5e+300` style otherwise."""
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return f"{sign}0.0"
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent += len(digit_tuple) - len(digits)
    sci = len(digits) - 1 + exponent
    if -5 <= sci <= 15:
        if sci >= len(digits) - 1:
            return f"{sign}{digits}{'0' * (sci - len(digits) + 1)}.0"
        if sci >= 0:
            return f"{sign}{digits[: sci + 1]}.{digits[sci + 1 :]}"
        return f"{sign}0.{'0' * (-sci - 1)}{digits}"
    mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{'+' if sci >= 0 else '-'}{abs(sci)}"


def _one_of(names: list[str]) -> str:
    if len(names) == 1:
        return f"`{names[0]}`"
    if len(names) == 2:
        return f"`{names[0]}` or `{names[1]}`"
    return "one of " + ", ".join(f"`{n}`" for n in names)


# --- the reader: serde_json's Deserializer over a byte slice ------------------------------------

_WHITESPACE = frozenset(b" \n\t\r")
_STRING_SPECIAL = re.compile(rb'["\\\x00-\x1f]')
_HEX = frozenset(b"0123456789abcdefABCDEF")
_ESCAPES = {ord('"'): b'"', ord("\\"): b"\\", ord("/"): b"/", ord("b"): b"\b"}
_ESCAPES |= {ord("f"): b"\f", ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t"}
_U64_MAX = 2**64 - 1
_I64_MAX = 2**63 - 1
_I32_MAX = 2**31 - 1
_I32_MIN = -(2**31)
_POW10 = [float(f"1e{i}") for i in range(309)]
_DIGITS = range(0x30, 0x3A)


def _overflows(acc: int, digit: int, limit: int) -> bool:
    """serde_json's `overflow!(acc * 10 + digit, limit)`."""
    return acc >= limit // 10 and (acc > limit // 10 or digit > limit % 10)


class Reader:
    __slots__ = ("i", "n", "s")

    def __init__(self, data: bytes) -> None:
        self.s = data
        self.i = 0
        self.n = len(data)

    def peek(self) -> int:
        """The next byte, or -1 at the end."""
        return self.s[self.i] if self.i < self.n else -1

    def next(self) -> int:
        if self.i < self.n:
            self.i += 1
            return self.s[self.i - 1]
        return -1

    def ws(self) -> int:
        """Skips whitespace; the next byte without consuming it, or -1 at the end."""
        s, i, n = self.s, self.i, self.n
        while i < n and s[i] in _WHITESPACE:
            i += 1
        self.i = i
        return s[i] if i < n else -1

    def end(self) -> None:
        if self.ws() != -1:
            raise JsonSyntaxError(TRAILING_CHARACTERS)

    def ident(self, rest: bytes) -> None:
        for expected in rest:
            got = self.next()
            if got == -1:
                raise JsonSyntaxError(EOF_VALUE)
            if got != expected:
                raise JsonSyntaxError(EXPECTED_IDENT)

    def colon(self) -> None:
        b = self.ws()
        if b == 0x3A:
            self.i += 1
        elif b == -1:
            raise JsonSyntaxError(EOF_OBJECT)
        else:
            raise JsonSyntaxError(EXPECTED_COLON)

    # strings: the opening quote has been consumed

    def string(self) -> str:
        s = self.s
        scratch = bytearray()
        start = self.i
        while True:
            m = _STRING_SPECIAL.search(s, self.i)
            if m is None:
                self.i = self.n
                raise JsonSyntaxError(EOF_STRING)
            j = m.start()
            ch = s[j]
            if ch == 0x22:  # '"'
                scratch += s[start:j]
                self.i = j + 1
                try:
                    return scratch.decode("utf-8")
                except UnicodeDecodeError:
                    raise JsonSyntaxError(INVALID_UNICODE) from None
            if ch == 0x5C:  # '\\'
                scratch += s[start:j]
                self.i = j + 1
                self._escape(scratch)
                start = self.i
            else:
                self.i = j + 1
                raise JsonSyntaxError(CONTROL_CHARACTER)

    def _escape(self, scratch: bytearray) -> None:
        ch = self.next()
        if ch == -1:
            raise JsonSyntaxError(EOF_STRING)
        if ch == 0x75:  # 'u'
            self._unicode_escape(scratch)
        elif ch in _ESCAPES:
            scratch += _ESCAPES[ch]
        else:
            raise JsonSyntaxError(INVALID_ESCAPE)

    def _hex4(self) -> int:
        if self.n - self.i < 4:
            self.i = self.n
            raise JsonSyntaxError(EOF_STRING)
        quad = self.s[self.i : self.i + 4]
        self.i += 4
        if not _HEX.issuperset(quad):
            raise JsonSyntaxError(INVALID_ESCAPE)
        return int(quad, 16)

    def _peek_or_eof_string(self) -> int:
        b = self.peek()
        if b == -1:
            raise JsonSyntaxError(EOF_STRING)
        return b

    def _unicode_escape(self, scratch: bytearray) -> None:
        n = self._hex4()
        if 0xDC00 <= n <= 0xDFFF:
            raise JsonSyntaxError(LONE_LEADING_SURROGATE)
        if not 0xD800 <= n <= 0xDBFF:
            scratch += chr(n).encode()
            return
        for expected in (0x5C, 0x75):  # a trailing surrogate must follow as `\u....`
            got = self._peek_or_eof_string()
            self.i += 1
            if got != expected:
                raise JsonSyntaxError(UNEXPECTED_END_OF_HEX_ESCAPE)
        n2 = self._hex4()
        if not 0xDC00 <= n2 <= 0xDFFF:
            raise JsonSyntaxError(LONE_LEADING_SURROGATE)
        scratch += chr((((n - 0xD800) << 10) | (n2 - 0xDC00)) + 0x10000).encode()

    # numbers (serde_json without float_roundtrip or arbitrary_precision): ("u"|"i", int) or ("f", float)

    def number(self, positive: bool) -> tuple[str, int | float]:
        c = self.next()
        if c == -1:
            raise JsonSyntaxError(EOF_VALUE)
        if c == 0x30:
            if self.peek() in _DIGITS:
                raise JsonSyntaxError(INVALID_NUMBER)
            return self._number_rest(positive, 0)
        if c not in _DIGITS:
            raise JsonSyntaxError(INVALID_NUMBER)
        significand = c - 0x30
        while (d := self.peek()) in _DIGITS:
            digit = d - 0x30
            if _overflows(significand, digit, _U64_MAX):
                return "f", self._long_integer(positive, significand)
            self.i += 1
            significand = significand * 10 + digit
        return self._number_rest(positive, significand)

    def _number_rest(self, positive: bool, significand: int) -> tuple[str, int | float]:
        c = self.peek()
        if c == 0x2E:  # '.'
            return "f", self._decimal(positive, significand, 0)
        if c in (0x65, 0x45):  # 'e' 'E'
            return "f", self._exponent(positive, significand, 0)
        if positive:
            return "u", significand
        as_i64 = significand - 2**64 if significand >= 2**63 else significand
        negated = -as_i64 if as_i64 != -(2**63) else as_i64  # i64::wrapping_neg
        # Converts into a float on underflow, and on `-0`.
        return ("f", -float(significand)) if negated >= 0 else ("i", negated)

    def _long_integer(self, positive: bool, significand: int) -> float:
        exponent = 0
        while True:
            c = self.peek()
            if c in _DIGITS:
                self.i += 1
                exponent += 1
            elif c == 0x2E:
                return self._decimal(positive, significand, exponent)
            elif c in (0x65, 0x45):
                return self._exponent(positive, significand, exponent)
            else:
                return self._f64_from_parts(positive, significand, exponent)

    def _decimal(self, positive: bool, significand: int, exponent_before: int) -> float:
        self.i += 1
        exponent_after = 0
        while (d := self.peek()) in _DIGITS:
            digit = d - 0x30
            if _overflows(significand, digit, _U64_MAX):
                # Further digits are ignored.
                while self.peek() in _DIGITS:
                    self.i += 1
                exponent = exponent_before + exponent_after
                if self.peek() in (0x65, 0x45):
                    return self._exponent(positive, significand, exponent)
                return self._f64_from_parts(positive, significand, exponent)
            self.i += 1
            significand = significand * 10 + digit
            exponent_after -= 1
        if exponent_after == 0:
            raise JsonSyntaxError(INVALID_NUMBER if self.i < self.n else EOF_VALUE)
        exponent = exponent_before + exponent_after
        if self.peek() in (0x65, 0x45):
            return self._exponent(positive, significand, exponent)
        return self._f64_from_parts(positive, significand, exponent)

    def _exponent(self, positive: bool, significand: int, starting_exp: int) -> float:
        self.i += 1
        positive_exp = True
        if self.peek() == 0x2B:  # '+'
            self.i += 1
        elif self.peek() == 0x2D:  # '-'
            self.i += 1
            positive_exp = False
        c = self.next()
        if c == -1:
            raise JsonSyntaxError(EOF_VALUE)
        if c not in _DIGITS:
            raise JsonSyntaxError(INVALID_NUMBER)
        exp = c - 0x30
        while (d := self.peek()) in _DIGITS:
            self.i += 1
            digit = d - 0x30
            if _overflows(exp, digit, _I32_MAX):
                if significand != 0 and positive_exp:
                    raise JsonSyntaxError(NUMBER_OUT_OF_RANGE)
                while self.peek() in _DIGITS:
                    self.i += 1
                return 0.0 if positive else -0.0
            exp = exp * 10 + digit
        final = starting_exp + exp if positive_exp else starting_exp - exp
        return self._f64_from_parts(positive, significand, max(_I32_MIN, min(_I32_MAX, final)))

    def _f64_from_parts(self, positive: bool, significand: int, exponent: int) -> float:
        f = float(significand)
        while True:
            magnitude = abs(exponent) if exponent != _I32_MIN else len(_POW10)
            if magnitude < len(_POW10):
                if exponent >= 0:
                    f *= _POW10[magnitude]
                    if math.isinf(f):
                        raise JsonSyntaxError(NUMBER_OUT_OF_RANGE)
                else:
                    f /= _POW10[magnitude]
                break
            if f == 0.0:
                break
            if exponent >= 0:
                raise JsonSyntaxError(NUMBER_OUT_OF_RANGE)
            f /= 1e308
            exponent += 308
        return f if positive else -f

    def invalid_type(self, expecting: str, path: Path) -> JsonDataError:
        """serde_json's `peek_invalid_type`: reads the scalar that is there (syntax errors win) and
        describes it; whitespace has been skipped."""
        b = self.peek()
        if b == 0x6E:  # 'n'
            self.i += 1
            self.ident(b"ull")
            got = "null"
        elif b in (0x74, 0x66):  # 't' 'f'
            self.i += 1
            self.ident(b"rue" if b == 0x74 else b"alse")
            got = f"boolean `{'true' if b == 0x74 else 'false'}`"
        elif b == 0x2D or b in _DIGITS:
            positive = b != 0x2D
            if not positive:
                self.i += 1
            kind, value = self.number(positive)
            got = f"floating point `{format_float(value)}`" if kind == "f" else f"integer `{value}`"
        elif b == 0x22:
            self.i += 1
            got = f"string {rust_debug_str(self.string())}"
        elif b == 0x5B:
            got = "sequence"
        elif b == 0x7B:
            got = "map"
        else:
            raise JsonSyntaxError(EXPECTED_VALUE)
        return JsonDataError(f"invalid type: {got}, expected {expecting}", path)

    def has_next_element(self, first: bool) -> bool:
        b = self.ws()
        if b == -1:
            raise JsonSyntaxError(EOF_LIST)
        if b == 0x5D:  # ']'
            return False
        if first:
            return True
        if b != 0x2C:  # ','
            raise JsonSyntaxError(EXPECTED_LIST_COMMA_OR_END)
        self.i += 1
        b = self.ws()
        if b == 0x5D:
            raise JsonSyntaxError(TRAILING_COMMA)
        if b == -1:
            raise JsonSyntaxError(EOF_VALUE)
        return True

    def end_seq(self) -> None:
        b = self.ws()
        if b == 0x5D:
            self.i += 1
        elif b == 0x2C:
            self.i += 1
            raise JsonSyntaxError(TRAILING_COMMA if self.ws() == 0x5D else TRAILING_CHARACTERS)
        elif b == -1:
            raise JsonSyntaxError(EOF_LIST)
        else:
            raise JsonSyntaxError(TRAILING_CHARACTERS)

    def has_next_key(self, first: bool) -> bool:
        b = self.ws()
        if b == -1:
            raise JsonSyntaxError(EOF_OBJECT)
        if b == 0x7D:  # '}'
            return False
        if first:
            if b != 0x22:
                raise JsonSyntaxError(KEY_MUST_BE_A_STRING)
            return True
        if b != 0x2C:
            raise JsonSyntaxError(EXPECTED_OBJECT_COMMA_OR_END)
        self.i += 1
        b = self.ws()
        if b == 0x22:
            return True
        if b == 0x7D:
            raise JsonSyntaxError(TRAILING_COMMA)
        if b == -1:
            raise JsonSyntaxError(EOF_VALUE)
        raise JsonSyntaxError(KEY_MUST_BE_A_STRING)


# --- what a request type expects, derived from its pydantic model -------------------------------


class _Fallback(Exception):
    """Not certain the body is one serde accepts unchanged: read it the exact, slow way."""


class Kind:
    """What a field expects. `read` walks the bytes as serde_json does; `fast` checks a value the
    C json module produced and returns it only when serde would have read the same (else raises
    `_Fallback`)."""

    expecting = ""

    def read(self, r: Reader, path: Path) -> Any:
        raise NotImplementedError

    def fast(self, value: Any) -> Any:
        raise _Fallback


class Str(Kind):
    expecting = "a string"

    def read(self, r: Reader, path: Path) -> Any:
        b = r.ws()
        if b == 0x22:
            r.i += 1
            return r.string()
        if b == -1:
            raise JsonSyntaxError(EOF_VALUE)
        raise r.invalid_type(self.expecting, path)

    def fast(self, value: Any) -> Any:
        if type(value) is not str:
            raise _Fallback
        return _no_surrogates(value)


class TimestampKind(Str):
    """An RFC 3339 string, as epoch milliseconds."""

    def read(self, r: Reader, path: Path) -> Any:
        ms = parse_rfc3339(super().read(r, path))
        if ms is None:
            raise JsonDataError(TIMESTAMP_PROBLEM, path)
        return ms

    def fast(self, value: Any) -> Any:
        ms = parse_rfc3339(super().fast(value))
        if ms is None:
            raise _Fallback
        return ms


class Bool(Kind):
    expecting = "a boolean"

    def read(self, r: Reader, path: Path) -> Any:
        b = r.ws()
        if b in (0x74, 0x66):
            r.i += 1
            r.ident(b"rue" if b == 0x74 else b"alse")
            return b == 0x74
        if b == -1:
            raise JsonSyntaxError(EOF_VALUE)
        raise r.invalid_type(self.expecting, path)

    def fast(self, value: Any) -> Any:
        if value is True or value is False:
            return value
        raise _Fallback


class Int(Kind):
    """An `i64`: serde_json reads any number, then the visitor refuses floats and big unsigned."""

    expecting = "i64"

    def read(self, r: Reader, path: Path) -> Any:
        b = r.ws()
        if b == 0x2D or b in _DIGITS:
            positive = b != 0x2D
            if not positive:
                r.i += 1
            kind, value = r.number(positive)
            if kind == "f":
                raise JsonDataError(f"invalid type: floating point `{format_float(value)}`, expected i64", path)
            if value > _I64_MAX:
                raise JsonDataError(f"invalid value: integer `{value}`, expected i64", path)
            return value
        if b == -1:
            raise JsonSyntaxError(EOF_VALUE)
        raise r.invalid_type(self.expecting, path)

    def fast(self, value: Any) -> Any:
        if type(value) is int and -(2**63) <= value <= _I64_MAX:
            return value
        raise _Fallback


class Float(Kind):
    """An `f64`: any JSON number, integers converted as Rust's `as f64` does (correctly rounded)."""

    expecting = "f64"

    def read(self, r: Reader, path: Path) -> Any:
        b = r.ws()
        if b == 0x2D or b in _DIGITS:
            positive = b != 0x2D
            if not positive:
                r.i += 1
            return float(r.number(positive)[1])
        if b == -1:
            raise JsonSyntaxError(EOF_VALUE)
        raise r.invalid_type(self.expecting, path)

    def fast(self, value: Any) -> Any:
        if type(value) is float:
            return value
        if type(value) is int and -(2**63) <= value <= _U64_MAX:
            return float(value)  # serde_json's u64/i64 `as f64`, rounded to nearest like Python's
        raise _Fallback


class Unit(Kind):
    expecting = "unit"

    def read(self, r: Reader, path: Path) -> Any:
        b = r.ws()
        if b == 0x6E:
            r.i += 1
            r.ident(b"ull")
            return None
        if b == -1:
            raise JsonSyntaxError(EOF_VALUE)
        raise r.invalid_type(self.expecting, path)

    def fast(self, value: Any) -> Any:
        if value is None:
            return None
        raise _Fallback


class Optional(Kind):
    def __init__(self, inner: Kind) -> None:
        self.inner = inner

    def read(self, r: Reader, path: Path) -> Any:
        if r.ws() == 0x6E:
            r.i += 1
            r.ident(b"ull")
            return None
        return self.inner.read(r, path)

    def fast(self, value: Any) -> Any:
        return None if value is None else self.inner.fast(value)


class EnumKind(Kind):
    """A Rust enum of unit variants: `"admin"`, or the externally tagged `{"admin": null}`."""

    def __init__(self, enum_type: type[enum.Enum]) -> None:
        self.members = {m.value: m for m in enum_type}
        self.names = list(self.members)
        self.expecting = f"enum {enum_type.__name__}"

    def variant(self, name: str, path: Path) -> enum.Enum:
        member = self.members.get(name)
        if member is None:
            raise JsonDataError(f"unknown variant `{name}`, expected {_one_of(self.names)}", path)
        return member

    def read(self, r: Reader, path: Path) -> Any:
        b = r.ws()
        if b == 0x22:
            r.i += 1
            return self.variant(r.string(), path)
        if b == 0x7B:
            r.i += 1
            b = r.ws()
            if b == 0x7D:
                raise JsonSyntaxError(EXPECTED_VALUE)
            if b == -1:
                raise JsonSyntaxError(EOF_OBJECT)
            if b != 0x22:
                raise JsonSyntaxError(KEY_MUST_BE_A_STRING)
            r.i += 1
            name = r.string()
            member = self.variant(name, path)
            r.colon()
            Unit().read(r, (*path, name))
            b = r.ws()
            if b == 0x7D:
                r.i += 1
                return member
            raise JsonSyntaxError(EOF_OBJECT if b == -1 else EXPECTED_VALUE)
        raise JsonSyntaxError(EOF_VALUE if b == -1 else EXPECTED_VALUE)

    def fast(self, value: Any) -> Any:
        member = self.members.get(value) if type(value) is str else None
        if member is None:
            raise _Fallback
        return member


class Seq(Kind):
    expecting = "a sequence"

    def __init__(self, inner: Kind) -> None:
        self.inner = inner

    def read(self, r: Reader, path: Path) -> Any:
        b = r.ws()
        if b == -1:
            raise JsonSyntaxError(EOF_VALUE)
        if b != 0x5B:
            raise r.invalid_type(self.expecting, path)
        r.i += 1
        items: list[Any] = []
        while r.has_next_element(not items):
            items.append(self.inner.read(r, (*path, len(items))))
        r.end_seq()
        return items

    def fast(self, value: Any) -> Any:
        if type(value) is not list:
            raise _Fallback
        inner = self.inner.fast
        return [inner(item) for item in value]


# `Struct` field defaults: a required field, or one that is `None` when left out of a map (an
# `Option`, which serde still requires in the array form).
REQUIRED = object()
OPTION = object()


class Struct(Kind):
    """A struct with `deny_unknown_fields`. `Option` fields may be left out of the map form, and
    `#[serde(default)]` fields (a pydantic default factory here) out of either form. Nested
    structs read as plain dicts (cheap); the request model itself is built by `parse`."""

    def __init__(self, name: str, fields: list[tuple[str, Kind, Any]]) -> None:
        self.name = name
        self.fields = {name: kind for name, kind, _ in fields}
        self.defaults = {name: default for name, _, default in fields}
        self.expecting = f"struct {name}"

    def read(self, r: Reader, path: Path) -> Any:
        b = r.ws()
        if b == 0x7B:
            r.i += 1
            return self._read_map(r, path)
        if b == 0x5B:
            r.i += 1
            return self._read_seq(r, path)
        if b == -1:
            raise JsonSyntaxError(EOF_VALUE)
        raise r.invalid_type(self.expecting, path)

    def _read_map(self, r: Reader, path: Path) -> dict[str, Any]:
        values: dict[str, Any] = {}
        first = True
        while r.has_next_key(first):
            first = False
            r.i += 1
            key = r.string()
            kind = self.fields.get(key)
            if kind is None:
                raise JsonDataError(f"unknown field `{key}`, expected {_one_of(list(self.fields))}", (*path, key))
            if key in values:
                raise JsonDataError(f"duplicate field `{key}`", path)
            r.colon()
            values[key] = kind.read(r, (*path, key))
        for name, default in self.defaults.items():
            if name not in values:
                if default is REQUIRED:
                    raise JsonDataError(f"missing field `{name}`", path)
                values[name] = None if default is OPTION else default()
        r.i += 1  # the closing brace that ended the loop
        return values

    def _read_seq(self, r: Reader, path: Path) -> dict[str, Any]:
        values: dict[str, Any] = {}
        count = len(self.fields)
        for index, (name, kind) in enumerate(self.fields.items()):
            if not r.has_next_element(index == 0):
                default = self.defaults[name]
                if default is REQUIRED or default is OPTION:
                    plural = "" if count == 1 else "s"
                    raise JsonDataError(
                        f"invalid length {index}, expected struct {self.name} with {count} element{plural}", path
                    )
                values[name] = default()
                continue
            values[name] = kind.read(r, (*path, index))
        r.end_seq()
        return values

    def fast(self, value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise _Fallback
        fields = self.fields
        out: dict[str, Any] = {}
        for key, item in value.items():
            kind = fields.get(key)
            if kind is None:
                raise _Fallback
            out[key] = kind.fast(item)
        if len(out) != len(fields):
            for name, default in self.defaults.items():
                if name not in out:
                    if default is REQUIRED:
                        raise _Fallback
                    out[name] = None if default is OPTION else default()
        return out


# --- internally tagged enums (`#[serde(tag = "type")]`): serde buffers the whole value first --------


class _Content:
    """serde's `Content`: a JSON value buffered as serde_json delivered it. `kind` is `u`, `i`,
    `f` (numbers), `s`, `b`, `unit`, `seq` or `map` (a list of key/value pairs, keys as strings)."""

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: Any) -> None:
        self.kind = kind
        self.value = value

    def unexpected(self) -> str:
        """serde's `Unexpected` of this content, as its messages show it."""
        k, v = self.kind, self.value
        if k in ("u", "i"):
            return f"integer `{v}`"
        if k == "f":
            return f"floating point `{format_float(v)}`"
        if k == "s":
            return f"string {rust_debug_str(v)}"
        if k == "b":
            return f"boolean `{'true' if v else 'false'}`"
        if k == "unit":
            return "null"
        return "sequence" if k == "seq" else "map"


def _read_content(r: Reader) -> _Content:
    """`Content::deserialize` over serde_json's `deserialize_any`: only syntax errors."""
    b = r.ws()
    if b == -1:
        raise JsonSyntaxError(EOF_VALUE)
    if b == 0x22:
        r.i += 1
        return _Content("s", r.string())
    if b == 0x6E:
        r.i += 1
        r.ident(b"ull")
        return _Content("unit", None)
    if b in (0x74, 0x66):
        r.i += 1
        r.ident(b"rue" if b == 0x74 else b"alse")
        return _Content("b", b == 0x74)
    if b == 0x2D or b in _DIGITS:
        positive = b != 0x2D
        if not positive:
            r.i += 1
        kind, value = r.number(positive)
        return _Content(kind, value)
    if b == 0x5B:
        r.i += 1
        items: list[_Content] = []
        while r.has_next_element(not items):
            items.append(_read_content(r))
        r.end_seq()
        return _Content("seq", items)
    if b == 0x7B:
        r.i += 1
        pairs: list[tuple[str, _Content]] = []
        first = True
        while r.has_next_key(first):
            first = False
            r.i += 1
            key = r.string()
            r.colon()
            pairs.append((key, _read_content(r)))
        r.i += 1
        return _Content("map", pairs)
    raise JsonSyntaxError(EXPECTED_VALUE)


class _ContentError(Exception):
    """A data error while deserializing buffered content (serde reports it without a path)."""


def _content_value(kind: Kind, c: _Content) -> Any:
    """What `kind` makes of buffered content, as serde's `ContentDeserializer` does."""
    if isinstance(kind, Optional):
        return None if c.kind == "unit" else _content_value(kind.inner, c)
    if isinstance(kind, TimestampKind):
        value = _content_value(Str(), c)
        ms = parse_rfc3339(value)
        if ms is None:
            raise _ContentError(TIMESTAMP_PROBLEM)
        return ms
    if isinstance(kind, Str):
        if c.kind == "s":
            return c.value
        raise _ContentError(f"invalid type: {c.unexpected()}, expected a string")
    if isinstance(kind, Bool):
        if c.kind == "b":
            return c.value
        raise _ContentError(f"invalid type: {c.unexpected()}, expected a boolean")
    if isinstance(kind, Int):
        if c.kind == "i" or (c.kind == "u" and c.value <= _I64_MAX):
            return c.value
        if c.kind == "u":
            raise _ContentError(f"invalid value: integer `{c.value}`, expected i64")
        raise _ContentError(f"invalid type: {c.unexpected()}, expected i64")
    if isinstance(kind, Float):
        if c.kind in ("u", "i", "f"):
            return float(c.value)
        raise _ContentError(f"invalid type: {c.unexpected()}, expected f64")
    if isinstance(kind, EnumKind):
        if c.kind == "s":
            return _content_variant(kind, c.value)
        if c.kind == "map":
            if len(c.value) != 1:
                raise _ContentError("invalid value: map, expected map with a single key")
            key, value = c.value[0]
            member = _content_variant(kind, key)
            if value.kind != "unit":
                raise _ContentError(f"invalid type: {value.unexpected()}, expected unit")
            return member
        raise _ContentError(f"invalid type: {c.unexpected()}, expected string or map")
    if isinstance(kind, Seq):
        if c.kind != "seq":
            raise _ContentError(f"invalid type: {c.unexpected()}, expected a sequence")
        return [_content_value(kind.inner, item) for item in c.value]
    if isinstance(kind, Struct):
        return _content_struct(kind, c, f"struct {kind.name}")
    if isinstance(kind, Tagged):
        return kind.from_content(c)
    raise TypeError(f"unsupported content kind {kind}")


def _content_variant(kind: EnumKind, name: str) -> enum.Enum:
    member = kind.members.get(name)
    if member is None:
        raise _ContentError(f"unknown variant `{name}`, expected {_one_of(kind.names)}")
    return member


def _content_struct(struct: Struct, c: _Content, expecting: str) -> dict[str, Any]:
    if c.kind == "map":
        values: dict[str, Any] = {}
        for key, item in c.value:
            kind = struct.fields.get(key)
            if kind is None:
                raise _ContentError(f"unknown field `{key}`, expected {_one_of(list(struct.fields))}")
            if key in values:
                raise _ContentError(f"duplicate field `{key}`")
            values[key] = _content_value(kind, item)
        for name, default in struct.defaults.items():
            if name not in values:
                if default is REQUIRED:
                    raise _ContentError(f"missing field `{name}`")
                values[name] = None if default is OPTION else default()
        return values
    if c.kind == "seq":
        items = c.value
        values = {}
        count = len(struct.fields)
        for index, (name, kind) in enumerate(struct.fields.items()):
            if index >= len(items):
                default = struct.defaults[name]
                if default is REQUIRED or default is OPTION:
                    plural = "" if count == 1 else "s"
                    raise _ContentError(f"invalid length {index}, expected {expecting} with {count} element{plural}")
                values[name] = default()
                continue
            values[name] = _content_value(kind, items[index])
        if len(items) > count:
            plural = "" if count == 1 else "s"
            raise _ContentError(f"invalid length {len(items)}, expected {count} element{plural} in sequence")
        return values
    raise _ContentError(f"invalid type: {c.unexpected()}, expected {expecting}")


class Tagged(Kind):
    """An internally tagged enum of struct variants with `deny_unknown_fields`. serde reads the
    tag while buffering the rest of the value, then reads the variant from the buffer, where its
    path is no longer tracked: errors inside the variant name the enum's own path."""

    def __init__(self, name: str, variants: dict[str, Struct], tag: str = "type") -> None:
        self.name = name
        self.variants = variants
        self.names = list(variants)
        self.tag = tag
        self.expecting = f"internally tagged enum {name}"

    def _variant(self, r: Reader | None, c: _Content | None, path: Path) -> str:
        if r is not None:
            b = r.ws()
            if b == 0x22:
                r.i += 1
                name = r.string()
            elif b == -1:
                raise JsonSyntaxError(EOF_VALUE)
            else:
                raise r.invalid_type("variant identifier", path)
        else:
            assert c is not None
            if c.kind != "s":
                raise _ContentError(f"invalid type: {c.unexpected()}, expected variant identifier")
            name = c.value
        if name not in self.variants:
            message = f"unknown variant `{name}`, expected {_one_of(self.names)}"
            if r is None:
                raise _ContentError(message)
            raise JsonDataError(message, path)
        return name

    def read(self, r: Reader, path: Path) -> Any:
        b = r.ws()
        if b == 0x7B:
            r.i += 1
            variant = None
            rest: list[tuple[str, _Content]] = []
            first = True
            while r.has_next_key(first):
                first = False
                r.i += 1
                key = r.string()
                r.colon()
                if key == self.tag:
                    if variant is not None:
                        raise JsonDataError(f"duplicate field `{self.tag}`", path)
                    variant = self._variant(r, None, (*path, key))
                else:
                    rest.append((key, _read_content(r)))
            r.i += 1
            if variant is None:
                raise JsonDataError(f"missing field `{self.tag}`", path)
            content = _Content("map", rest)
        elif b == 0x5B:
            r.i += 1
            if not r.has_next_element(True):
                r.i += 1
                raise JsonDataError(f"missing field `{self.tag}`", path)
            variant = self._variant(r, None, (*path, 0))
            items: list[_Content] = []
            while r.has_next_element(False):
                items.append(_read_content(r))
            r.end_seq()
            content = _Content("seq", items)
        elif b == -1:
            raise JsonSyntaxError(EOF_VALUE)
        else:
            raise r.invalid_type(self.expecting, path)
        try:
            return self._build(variant, content)
        except _ContentError as err:
            raise JsonDataError(str(err), path) from None

    def _build(self, variant: str, content: _Content) -> dict[str, Any]:
        struct = self.variants[variant]
        values = _content_struct(struct, content, f"struct variant {self.name}::{struct.name}")
        return {self.tag: variant, **values}

    def from_content(self, c: _Content) -> dict[str, Any]:
        """The enum inside buffered content (nested in another tagged enum)."""
        if c.kind == "map":
            variant = None
            rest = []
            for key, item in c.value:
                if key == self.tag:
                    if variant is not None:
                        raise _ContentError(f"duplicate field `{self.tag}`")
                    variant = self._variant(None, item, ())
                else:
                    rest.append((key, item))
            if variant is None:
                raise _ContentError(f"missing field `{self.tag}`")
            return self._build(variant, _Content("map", rest))
        if c.kind == "seq":
            if not c.value:
                raise _ContentError(f"missing field `{self.tag}`")
            variant = self._variant(None, c.value[0], ())
            return self._build(variant, _Content("seq", c.value[1:]))
        raise _ContentError(f"invalid type: {c.unexpected()}, expected {self.expecting}")


class TimestampField:
    """Marks an `int` field (epoch milliseconds) that travels as an RFC 3339 string."""


def _kind_of(annotation: Any) -> Kind:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extras = typing.get_args(annotation)
        for extra in extras:
            if isinstance(extra, Kind):
                return extra
        return TimestampKind() if any(e is TimestampField for e in extras) else _kind_of(base)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported union {annotation}")
        return Optional(_kind_of(args[0]))
    if origin is list:
        return Seq(_kind_of(typing.get_args(annotation)[0]))
    if annotation is str:
        return Str()
    if annotation is bool:
        return Bool()
    if annotation is int:
        return Int()
    if annotation is float:
        return Float()
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return EnumKind(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return struct_of(annotation)
    raise TypeError(f"unsupported request field type {annotation}")


_STRUCTS: dict[type[BaseModel], Struct] = {}


def struct_of(model: type[BaseModel]) -> Struct:
    struct = _STRUCTS.get(model)
    if struct is None:
        hints = typing.get_type_hints(model, include_extras=True)
        fields = []
        for name, info in model.model_fields.items():
            kind = _kind_of(hints[name])
            if info.default_factory is not None:
                default = info.default_factory
            elif isinstance(kind, Optional):
                default = OPTION
            else:
                default = REQUIRED
            fields.append((name, kind, default))
        struct = Struct(model.__name__, fields)
        _STRUCTS[model] = struct
    return struct


# --- the fast path: the C json module, for bodies serde would accept as they are ----------------


def _no_surrogates(value: str) -> str:
    """`value`, unless it holds a lone surrogate (from a `\\uD800` escape), which serde refuses."""
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise _Fallback from None
    return value


# `-0` reads as the float -0.0 in serde_json but as the integer 0 in Python's json module.
_NEGATIVE_ZERO = re.compile(r"-0(?![0-9.eE])")
_SIMPLE_FLOAT = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?")


def _serde_float(text: str) -> float:
    """A JSON float literal as serde_json reads it (without `float_roundtrip`): significand times
    or divided by a power of ten. That is correctly rounded, as Python's `float`, when both are
    exact doubles; otherwise serde_json's own arithmetic decides."""
    if len(text) < 16 and "e" not in text and "E" not in text:
        return float(text)  # at most 15 digits and a small negative exponent: the common case
    m = _SIMPLE_FLOAT.fullmatch(text)
    if m is not None:
        fraction = m.group(2) or ""
        exponent = int(m.group(3) or 0) - len(fraction)
        if -22 <= exponent <= 22 and len(m.group(1)) + len(fraction) <= 15:
            return float(text)
    reader = Reader(text.encode())
    positive = text[0] != "-"
    if not positive:
        reader.i = 1
    return float(reader.number(positive)[1])  # raises JsonSyntaxError on overflow


def _refuse_constant(text: str) -> Any:
    raise _Fallback


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise _Fallback
    return value


_DECODER = json.JSONDecoder(parse_float=_serde_float, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)


def _parse_fast(data: bytes, struct: Struct) -> dict[str, Any] | None:
    """The body's values when the C json module reads it exactly as serde_json would, else None."""
    try:
        text = data.decode("utf-8")
        if "-0" in text and _NEGATIVE_ZERO.search(text):
            return None
        return struct.fast(_DECODER.decode(text))
    except (_Fallback, ValueError, JsonSyntaxError, RecursionError):
        return None


# --- from serde's error to the API's -------------------------------------------------------------


def format_path(path: Path) -> str:
    """serde_path_to_error's `Path` display: `.` at the root, `blocks[0].end` below it."""
    if not path:
        return "."
    out, separator = [], ""
    for segment in path:
        if isinstance(segment, int):
            out.append(f"[{segment}]")
        else:
            out.append(separator + segment)
        separator = "."
    return "".join(out)


def describe_data_error(path: str, message: str) -> FieldError:
    """serde names an unknown or missing field in its message, not its path; move it to the path."""
    path = "" if path == "." else path
    for prefix, problem in (("unknown field `", "is not a known field"), ("missing field `", "is required")):
        if message.startswith(prefix):
            name = message[len(prefix) :].split("`", 1)[0]
            if problem == "is required":
                return FieldError(f"{path}.{name}" if path else name, problem)
            # The path already ends at the unknown key.
            return FieldError(path or name, problem)
    return FieldError(path or "body", message)


def parse(data: bytes, model: type[M]) -> M:
    """Deserializes a request body into `model`, or raises `BadRequest` (not JSON) or
    `Validation` (wrong shape), with the Rust server's messages. Like the Rust server, it tries
    the fast reader first and explains failures with the exact one."""
    values = _parse_fast(data, struct_of(model))
    if values is None:
        return parse_exact(data, model)
    _refuse_array(data)
    return model.model_construct(**values)


def _refuse_array(data: bytes) -> None:
    """serde also reads a struct from an array of its fields in order; the contract says every
    body is an object, so that form is refused once it has parsed (as the Rust server does)."""
    if data.lstrip(b" \t\r\n")[:1] == b"[":
        raise Validation([FieldError("body", "must be a JSON object")])


def parse_exact(data: bytes, model: type[M]) -> M:
    """`parse` by the exact reader alone, which walks the bytes as serde_json does."""
    reader = Reader(data)
    try:
        values = struct_of(model).read(reader, ())
        reader.end()
    except JsonSyntaxError as err:
        raise BadRequest(f"malformed JSON: {err}") from None
    except JsonDataError as err:
        raise Validation([describe_data_error(format_path(err.path), err.message)]) from None
    _refuse_array(data)
    return model.model_construct(**values)
