"""Every failure is the JSON error shape with the right status, code and (Rust's) message."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from conftest import TestApp, assert_error, json_of

from farm_core import errors


def test_malformed_json_is_400(app: TestApp) -> None:
    admin = app.admin()
    response = admin.post("/api/users", content=b'{"username": ', headers={"content-type": "application/json"})
    status, body = json_of(response)
    assert_error(status, body, 400, "bad_request")
    assert body["error"]["message"] == "malformed JSON: EOF while parsing a value"


def test_missing_json_content_type_is_400(app: TestApp) -> None:
    admin = app.admin()
    status, body = json_of(admin.post("/api/users", content=b'{"username":"bob"}'))
    assert_error(status, body, 400, "bad_request")
    assert body["error"]["message"] == "expected a JSON body with Content-Type: application/json"


def test_unknown_field_is_422_naming_it(app: TestApp) -> None:
    admin = app.admin()
    request = {"username": "bob", "password": "0123456789", "role": "viewer", "rolee": "admin"}
    status, body = json_of(admin.post("/api/users", json=request))
    assert_error(status, body, 422, "validation_failed")
    assert body["error"]["details"] == [{"field": "rolee", "problem": "is not a known field"}]
    assert body["error"]["message"] == "rolee is not a known field"
    assert app.count("users") == 1, "nothing stored"


def test_missing_field_is_422_is_required(app: TestApp) -> None:
    admin = app.admin()
    status, body = json_of(admin.post("/api/users", json={"username": "bob", "password": "0123456789"}))
    assert_error(status, body, 422, "validation_failed")
    assert body["error"]["details"] == [{"field": "role", "problem": "is required"}]


def test_oversized_body_is_413(app: TestApp) -> None:
    admin = app.admin()
    big = '{"username":"bob","password":"%s","role":"viewer"}' % ("x" * (2 * 1024 * 1024))
    status, body = json_of(admin.post("/api/users", content=big, headers={"content-type": "application/json"}))
    assert_error(status, body, 413, "payload_too_large")
    assert body["error"]["message"] == "request body is too large"
    assert app.count("users") == 1


def test_body_of_exactly_the_limit_is_read(app: TestApp) -> None:
    admin = app.admin()
    prefix, suffix = '{"username":"bob","password":"', '","role":"viewer"}'
    padding = "x" * (1024 * 1024 - len(prefix) - len(suffix))
    status, body = json_of(
        admin.post("/api/users", content=prefix + padding + suffix, headers={"content-type": "application/json"})
    )
    assert_error(status, body, 422, "validation_failed")
    assert body["error"]["details"][0] == {"field": "password", "problem": "must be at most 256 characters"}


def test_oversized_body_without_credentials_is_401_first(app: TestApp) -> None:
    big = b"x" * (2 * 1024 * 1024)
    status, body = json_of(
        app.anonymous().post("/api/users", content=big, headers={"content-type": "application/json"})
    )
    assert_error(status, body, 401, "unauthenticated")


@pytest.mark.parametrize(
    "path", ["/api/x", "/api", "/api/", "/api/users/1/nothing-here", "/api/users/", "/api/%75sers"]
)
def test_unknown_api_path_is_a_json_404(app: TestApp, path: str) -> None:
    status, body = json_of(app.anonymous().get(path))
    assert_error(status, body, 404, "not_found")
    assert body["error"]["message"] == f"no route for {path}"


def test_wrong_method_is_a_json_405(app: TestApp) -> None:
    response = app.anonymous().put("/api/users")
    assert response.headers["allow"] == "GET,HEAD,POST"
    status, body = json_of(response)
    assert_error(status, body, 405, "method_not_allowed")
    assert body["error"]["message"] == "method not allowed for /api/users"
    assert app.anonymous().post("/healthz").headers["allow"] == "GET,HEAD"


def test_head_runs_the_get_route_without_a_body(app: TestApp) -> None:
    response = app.anonymous().head("/healthz")
    assert response.status_code == 200
    assert response.content == b""
    assert app.anonymous().head("/api/users").status_code == 401


def test_responses_carry_a_request_id(app: TestApp) -> None:
    response = app.anonymous().get("/healthz")
    assert str(uuid.UUID(response.headers["x-request-id"])) == response.headers["x-request-id"]
    assert app.anonymous().get("/api/nothing").headers["x-request-id"]
    echoed = app.anonymous().get("/healthz", headers={"x-request-id": "from-the-proxy"})
    assert echoed.headers["x-request-id"] == "from-the-proxy"


def test_internal_error_is_500_with_only_the_request_id(app: TestApp, caplog: pytest.LogCaptureFixture) -> None:
    admin = app.admin()
    app.sql("DROP TABLE api_tokens")
    response = admin.get("/api/api-tokens")
    status, body = json_of(response)
    request_id = response.headers["x-request-id"]
    assert status == 500
    assert body == {
        "error": {
            "code": "internal",
            "message": f"internal error; the server log has the details under request id {request_id}",
            "details": [],
            "request_id": request_id,
        }
    }
    assert "no such table: api_tokens" in caplog.text, "the detail is in the log"
    assert "no such table" not in response.text, "and only there"


def test_anonymous_malformed_body_is_401_not_400(app: TestApp) -> None:
    status, body = json_of(
        app.anonymous().post("/api/users", content=b"{", headers={"content-type": "application/json"})
    )
    assert_error(status, body, 401, "unauthenticated")


def test_a_request_over_the_time_limit_is_503_with_a_request_id(app: TestApp, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = app.admin()
    monkeypatch.setattr(errors, "REQUEST_TIMEOUT_S", 0.3)
    blocker = sqlite3.connect(app.config.database, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # the insert waits for the lock (busy_timeout 5 s)
    try:
        response = admin.post("/api/users", json={"username": "bob", "password": "0123456789", "role": "viewer"})
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    status, body = json_of(response)
    request_id = response.headers["x-request-id"]
    assert status == 503
    assert body == {
        "error": {
            "code": "unavailable",
            "message": "the server could not answer in time",
            "details": [],
            "request_id": request_id,
        }
    }
