"""Request bodies are read the way serde_json reads them in the Rust server: the expected answers
below were recorded from `core-server` itself (same body, same route)."""

from __future__ import annotations

import pytest

from farm_core.domain.errors import BadRequest, Validation
from farm_core.http import is_json_content_type, json_body
from farm_core.http.api_tokens import ApiTokenCreate
from farm_core.http.auth import LoginRequest
from farm_core.http.users import UserCreate, UserUpdate

CASES = [
    # (model, body, status, error message)
    (UserCreate, b"", 400, "malformed JSON: EOF while parsing a value"),
    (UserCreate, b'{"username": ', 400, "malformed JSON: EOF while parsing a value"),
    (UserCreate, b"nope", 400, "malformed JSON: expected ident"),
    (UserCreate, b"{}", 422, "username is required"),
    (UserCreate, b"[]", 422, "body invalid length 0, expected struct UserCreate with 3 elements"),
    (UserCreate, b"5", 422, "body invalid type: integer `5`, expected struct UserCreate"),
    (UserCreate, b"null", 422, "body invalid type: null, expected struct UserCreate"),
    (UserCreate, b'"x"', 422, 'body invalid type: string "x", expected struct UserCreate'),
    (UserCreate, b'{"username":5}', 422, "username invalid type: integer `5`, expected a string"),
    (UserCreate, b'{"username":-0}', 422, "username invalid type: floating point `-0.0`, expected a string"),
    (UserCreate, b'{"username":1.5e3}', 422, "username invalid type: floating point `1500.0`, expected a string"),
    (UserCreate, b'{"username":1e16}', 422, "username invalid type: floating point `1e+16`, expected a string"),
    (UserCreate, b'{"username":1.5e-7}', 422, "username invalid type: floating point `1.5e-7`, expected a string"),
    (
        UserCreate,
        b'{"username":18446744073709551616}',
        422,
        "username invalid type: floating point `1.8446744073709552e+19`, expected a string",
    ),
    (
        UserCreate,
        b'{"username":-9223372036854775808}',
        422,
        "username invalid type: integer `-9223372036854775808`, expected a string",
    ),
    (UserCreate, b'{"username":1e400}', 400, "malformed JSON: number out of range"),
    (UserCreate, b'{"username":true}', 422, "username invalid type: boolean `true`, expected a string"),
    (UserCreate, b'{"username":null}', 422, "username invalid type: null, expected a string"),
    (UserCreate, b'{"username":[1]}', 422, "username invalid type: sequence, expected a string"),
    (UserCreate, b'{"username":{"a":1}}', 422, "username invalid type: map, expected a string"),
    (UserCreate, b'{"rolee": ', 422, "rolee is not a known field"),
    (
        UserCreate,
        b'{"username":"bob","password":"0123456789","role":"owner"}',
        422,
        "role unknown variant `owner`, expected one of `viewer`, `operator`, `admin`",
    ),
    (UserCreate, b'{"username":"bob","password":"0123456789","role":5}', 400, "malformed JSON: expected value"),
    (UserCreate, b'{"username":"bob","password":"0123456789","role":null}', 400, "malformed JSON: expected value"),
    (UserCreate, b'{"username":"bob","username":"bob"}', 422, "body duplicate field `username`"),
    (
        UserCreate,
        b'{"username":"bob","password":"0123456789","role":"viewer"} x',
        400,
        "malformed JSON: trailing characters",
    ),
    (UserCreate, b'{"username":"bob",}', 400, "malformed JSON: trailing comma"),
    (UserCreate, b'{"username" "bob"}', 400, "malformed JSON: expected `:`"),
    (UserCreate, b'{username:"bob"}', 400, "malformed JSON: key must be a string"),
    (
        UserCreate,
        b'{"username":"a\nb"}',
        400,
        "malformed JSON: control character (\\u0000-\\u001F) found while parsing a string",
    ),
    (UserCreate, b'{"username":"\\q"}', 400, "malformed JSON: invalid escape"),
    (UserCreate, b'{"username":"\\ud800"}', 400, "malformed JSON: unexpected end of hex escape"),
    (UserCreate, b'{"username":"\\uDE00"}', 400, "malformed JSON: lone leading surrogate in hex escape"),
    (UserCreate, b'{"username":01}', 400, "malformed JSON: invalid number"),
    (UserCreate, b'{"username":NaN}', 400, "malformed JSON: expected value"),
    (UserCreate, "\ufeff{}".encode(), 400, "malformed JSON: expected value"),
    (UserCreate, b'{"username":"\xff"}', 400, "malformed JSON: invalid unicode code point"),
    (UserCreate, b'{"role":"viewer" "x"}', 400, "malformed JSON: expected `,` or `}`"),
    (
        UserCreate,
        b'{"username":"bob","password":"0123456789","role":"viewer"',
        400,
        "malformed JSON: EOF while parsing an object",
    ),
    (
        UserCreate,
        b'{"username":"bob","password":"0123456789","role":"viewer","extra":',
        422,
        "extra is not a known field",
    ),
    (
        LoginRequest,
        b'"a\\u0000b\\u00e9\\u200b\\ud83d\\ude00\\"\\u007f\\n\\u0301"',
        422,
        'body invalid type: string "a\\0bé\\u{200b}😀\\"\\u{7f}\\n\\u{301}", expected struct LoginRequest',
    ),
    (LoginRequest, b"[1,2]", 422, "[0] invalid type: integer `1`, expected a string"),
    (LoginRequest, b'["a","b","c"]', 400, "malformed JSON: trailing characters"),
    (LoginRequest, b'["a","b",]', 400, "malformed JSON: trailing comma"),
    (LoginRequest, b'{"x\\u0041":1}', 422, "xA is not a known field"),
    (
        LoginRequest,
        b'{"password":1,"username":"u","password":"p"}',
        422,
        "password invalid type: integer `1`, expected a string",
    ),
    (UserUpdate, b'{"disabled":"yes"}', 422, 'disabled invalid type: string "yes", expected a boolean'),
    (ApiTokenCreate, b'{"name":"x","capabilities":[1]}', 400, "malformed JSON: expected value"),
    (ApiTokenCreate, b'{"name":"x","capabilities":["nodes.view",]}', 400, "malformed JSON: trailing comma"),
    (ApiTokenCreate, b'{"name":"x","capabilities":["nodes.view" "x"]}', 400, "malformed JSON: expected `,` or `]`"),
    (
        ApiTokenCreate,
        b'{"name":"x","capabilities":"nodes.view"}',
        422,
        'capabilities invalid type: string "nodes.view", expected a sequence',
    ),
    (
        ApiTokenCreate,
        b'{"name":"x","capabilities":[],"expires_at":5}',
        422,
        "expires_at invalid type: integer `5`, expected a string",
    ),
]


@pytest.mark.parametrize(("model", "body", "status", "message"), CASES)
def test_errors_match_the_rust_server(model, body: bytes, status: int, message: str) -> None:
    with pytest.raises((BadRequest, Validation)) as caught:
        json_body.parse(body, model)
    assert (400 if isinstance(caught.value, BadRequest) else 422) == status
    assert caught.value.message == message


def test_valid_bodies_parse() -> None:
    user = json_body.parse(b' {"username":"bob","password":"0123456789","role":{"admin":null}} ', UserCreate)
    assert (user.username, user.password, user.role.value) == ("bob", "0123456789", "admin")
    update = json_body.parse(b'{"role":null}', UserUpdate)
    assert (update.role, update.disabled, update.password) == (None, None, None)
    token = json_body.parse(
        b'{"name":"\\u00e9t\\ud83d\\ude00","capabilities":["nodes.view"],"expires_at":"2026-03-01T07:00:00+01:00"}',
        ApiTokenCreate,
    )
    assert token.name == "ét😀"
    assert token.expires_at == 1_772_344_800_000


def test_field_paths_follow_serde_path_to_error() -> None:
    assert json_body.format_path(()) == "."
    assert json_body.format_path(("blocks", 0, "end")) == "blocks[0].end"
    assert json_body.format_path((0,)) == "[0]"
    assert (
        json_body.describe_data_error("blocks[0].oops", "unknown field `oops`, expected `a`").field == "blocks[0].oops"
    )
    assert json_body.describe_data_error("blocks[0]", "missing field `end`").field == "blocks[0].end"
    assert json_body.describe_data_error(".", "invalid length 0").field == "body"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1500.0, "1500.0"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e+16"),
        (1e-5, "0.00001"),
        (1e-6, "1e-6"),
        (0.1, "0.1"),
        (-0.0, "-0.0"),
        (123.456, "123.456"),
        (1.5e300, "1.5e+300"),
        (5e-324, "5e-324"),
    ],
)
def test_floats_are_shown_like_serde_json(value: float, text: str) -> None:
    assert json_body.format_float(value) == text


@pytest.mark.parametrize(
    ("content_type", "accepted"),
    [
        ("application/json", True),
        ("Application/JSON ; charset=UTF-8", True),
        ('application/json; charset="utf-8"', True),
        ("text/plain", False),
        ("application/json; charset=utf-16", False),
        ("application/jsonx", False),
        ("application/json;charset=latin1", False),
    ],
)
def test_json_content_type_allows_only_a_utf8_charset(content_type: str, accepted: bool) -> None:
    assert is_json_content_type(content_type) is accepted


def test_a_struct_written_as_an_array_is_refused() -> None:
    with pytest.raises(Validation) as refused:
        json_body.parse(b' ["ada", "correct horse battery"]', LoginRequest)
    assert [(f.field, f.problem) for f in refused.value.fields] == [("body", "must be a JSON object")]
