"""Unit checks of what the field-data endpoints share with the Rust server: float output, the
fast JSON reader against the exact one, query strings, the lenient telemetry body, the waveforms'
rounding, and the compensated float sum."""

from __future__ import annotations

import json
import math
import random
import sqlite3

import pytest

from farm_core.db import open_connection
from farm_core.domain.errors import BadRequest, Validation
from farm_core.http import json_body
from farm_core.http.node_api import CommandAck, NodeHeartbeat, TelemetryBatch, non_finite_to_null
from farm_core.http.nodes import NodeCreate
from farm_core.http.outputs import OutputsCommand
from farm_core.http.query import Param, parse_int, parse_query
from farm_core.http.wire import f64
from farm_core.waveform import noise, round2, rust_round


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (22.0, "22.0"),
        (-0.0, "-0.0"),
        (0.1, "0.1"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (0.00001, "0.00001"),
        (1.5e-5, "0.000015"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e+16"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (123456789012345678.0, "1.2345678901234568e+17"),
        (math.inf, "null"),
        (math.nan, "null"),
    ],
)
def test_floats_are_written_as_serde_json_writes_them(value: float, text: str) -> None:
    assert f64(value) == text


def test_non_finite_tokens_become_null_outside_strings() -> None:
    data = b'{"a": NaN, "b": -Infinity, "c": "NaN \\" Infinity", "d": Infinity}'
    out = non_finite_to_null(data)
    assert len(out) == len(data) + 1, "padded, except NaN which grows by one"
    assert json.loads(out) == {"a": None, "b": None, "c": 'NaN " Infinity', "d": None}
    assert non_finite_to_null(b'{"a": 1}') == b'{"a": 1}'
    assert non_finite_to_null(b'{"a": "unterminated NaN') == b'{"a": "unterminated NaN'


def _answer(parse, data: bytes, model) -> object:
    try:
        return ("ok", dict(parse(data, model)))
    except (BadRequest, Validation) as err:
        return (type(err).__name__, err.message)


def _same(a: object, b: object) -> bool:
    """Equal, telling -0.0 from 0.0 and NaN from itself."""
    return json.dumps(a, default=str, sort_keys=True) == json.dumps(b, default=str, sort_keys=True)


FRAGMENTS = [
    "0", "-0", "1", "-1", "0.1", "-0.0", "1e5", "1E-7", "1.5e300", "1e400", "9223372036854775807",
    "9223372036854775808", "-9223372036854775809", "18446744073709551616", "123456789012345678901234567890",
    "0.30000000000000004", "2.2250738585072014e-308", "5e-324", "true", "false", "null", '"x"', '"air_temp"',
    '"2026-03-01T05:00:00Z"', '"\\ud800"', '"\\u00e9"', '"a\\"b"', "[]", "{}", "NaN", "Infinity", '"relay"',
    '"level"', '"temperature"', "[1,2]", '{"key":"v","state":1}', "01", "1.", ".5", "-", '"\\u0000"',
]  # fmt: skip


def _random_value(rng: random.Random, depth: int = 0) -> str:
    if depth > 2 or rng.random() < 0.6:
        return rng.choice(FRAGMENTS)
    if rng.random() < 0.5:
        return "[" + ",".join(_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))) + "]"
    keys = ["readings", "sensor_key", "ts", "value", "key", "state", "ok", "reported_state", "error", "name",
            "mac", "sensors", "outputs", "kind", "unit", "commands", "output_id", "uptime_s", "x"]  # fmt: skip
    pairs = [f'"{rng.choice(keys)}":{_random_value(rng, depth + 1)}' for _ in range(rng.randint(0, 4))]
    return "{" + ",".join(pairs) + "}"


@pytest.mark.parametrize("model", [TelemetryBatch, NodeHeartbeat, CommandAck, NodeCreate, OutputsCommand])
def test_the_fast_reader_answers_as_the_exact_one(model: type) -> None:
    rng = random.Random(model.__name__)
    for _ in range(3000):
        data = _random_value(rng).encode()
        assert _same(_answer(json_body.parse, data, model), _answer(json_body.parse_exact, data, model)), data
    valid = b'{"readings":[{"sensor_key":"t","ts":"2026-03-01T05:00:00Z","value":21.37}]}'
    assert json_body._parse_fast(valid, json_body.struct_of(TelemetryBatch)) is not None


def test_floats_are_read_as_serde_json_reads_them() -> None:
    rng = random.Random(7)
    for _ in range(20000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 25)))
        text = f"{digits[:1]}.{digits[1:] or '0'}e{rng.randint(-30, 30)}"
        reader = json_body.Reader(text.encode())
        assert json_body._serde_float(text) == reader.number(True)[1], text


def test_query_strings_follow_serde_urlencoded() -> None:
    params = [Param("id", "i64"), Param("flag", "bool"), Param("name", "str", required=True)]
    assert parse_query(b"name=a+b%21&id=%2B7&&flag=true", params) == {"id": 7, "flag": True, "name": "a b!"}
    assert parse_query(b"name=%ff", params)["name"] == "\ufffd"
    for query, message in [
        (b"", "missing field `name`"),
        (b"id=1&id=2&name=x", "duplicate field `id`"),
        (b"name=x&flag=yes", "flag: provided string was not `true` or `false`"),
        (b"nam=x", "nam: unknown field `nam`, expected one of `id`, `flag`, `name`"),
        (b"id=-9223372036854775809", "id: number too small to fit in target type"),
    ]:
        with pytest.raises(BadRequest) as err:
            parse_query(query, params)
        assert err.value.message == f"Failed to deserialize query string: {message}"


@pytest.mark.parametrize(
    ("text", "kind", "answer"),
    [
        ("5", "u64", 5),
        ("+5", "u64", 5),
        ("-5", "u64", "invalid digit found in string"),
        ("-", "i64", "invalid digit found in string"),
        ("", "i64", "cannot parse integer from empty string"),
        ("18446744073709551615", "u64", 18446744073709551615),
        ("18446744073709551616", "u64", "number too large to fit in target type"),
        ("99999999999999999999x", "i64", "number too large to fit in target type"),
        ("1x9999999999999999999", "i64", "invalid digit found in string"),
        ("-9223372036854775808", "i64", -9223372036854775808),
        ("٣", "i64", "invalid digit found in string"),
    ],
)
def test_integers_parse_as_rust_from_str(text: str, kind: str, answer: object) -> None:
    if isinstance(answer, int):
        assert parse_int(text, kind) == answer
    else:
        with pytest.raises(ValueError, match=answer):
            parse_int(text, kind)


def test_rounding_is_rusts() -> None:
    assert [rust_round(x) for x in (0.5, 1.5, 2.5, -0.5, 0.49999999999999994)] == [1.0, 2.0, 3.0, -1.0, 0.0]
    assert math.copysign(1.0, rust_round(-0.3)) == -1.0, "keeps the sign of zero"
    assert round2(2.675) == 2.68, "2.675 * 100 is 267.5 in floats, rounded away from zero"
    assert round2(0.125) == 0.13, "half away from zero, unlike Python's round"
    assert noise(42, 7) == noise(42, 7)
    assert all(abs(noise(t, 3)) <= 1.0 for t in range(1000))


def test_kbn_sum_is_sqlites_compensated_sum() -> None:
    conn = open_connection(":memory:")
    conn.execute("CREATE TABLE t (v REAL)")
    conn.executemany("INSERT INTO t VALUES (?)", [(0.1,)] * 10)
    assert conn.execute("SELECT kbn_sum(v) FROM t").fetchone()[0] == 1.0
    naive = 0.0
    for _ in range(10):
        naive += 0.1
    assert naive != 1.0, "a naive sum is off in the last bit"
    conn.executemany("INSERT INTO t VALUES (?)", [(1.7976931348623157e308,)] * 2)
    assert conn.execute("SELECT kbn_sum(v) FROM t").fetchone()[0] == math.inf
    conn.close()
    assert isinstance(sqlite3.sqlite_version, str)
