"""The Python app's OpenAPI document carries the Rust contract's operations, and every operation
not on the allow-list refuses anonymous callers."""

from __future__ import annotations

import json

from conftest import REPO_DIR, TestApp, farm_core, json_of

from farm_core.app import openapi, openapi_json

COMMITTED = REPO_DIR / "openapi" / "core-server.json"

# Operations that answer without credentials, and why.
ANONYMOUS_ALLOWED = {
    ("get", "/healthz"): "liveness probe for supervisors and farmctl's health gate",
    ("post", "/api/auth/login"): "how a browser gets a session",
}


def operations(doc: dict) -> dict[tuple[str, str], dict]:
    return {(method, path): op for path, item in doc["paths"].items() for method, op in item.items()}


def contract(op: dict) -> dict:
    """What the parity harness compares for one operation."""
    return {
        "operationId": op["operationId"],
        "tags": op["tags"],
        "responses": sorted(op["responses"]),
        "security": op.get("security"),
        "parameters": [(p["name"], p["in"]) for p in op.get("parameters", [])],
        "requestBody": "requestBody" in op,
    }


# The foundation this backend implements; the Rust contract grows beyond it milestone by milestone.
FOUNDATION = {
    "healthz",
    "auth_login",
    "auth_logout",
    "auth_session",
    "auth_password",
    "users_list",
    "user_create",
    "user_get",
    "user_update",
    "user_delete",
    "api_tokens_list",
    "api_token_create",
    "api_token_delete",
}


def test_operations_match_the_committed_rust_contract() -> None:
    rust = operations(json.loads(COMMITTED.read_text()))
    python = operations(openapi())
    assert {op["operationId"] for op in python.values()} == FOUNDATION
    for key, op in python.items():
        assert key in rust, f"{key} is not in the Rust contract"
        assert contract(op) == contract(rust[key]), key


def test_error_responses_and_security_schemes_are_the_rust_ones() -> None:
    rust = json.loads(COMMITTED.read_text())["components"]
    python = openapi()["components"]
    assert python["responses"] == rust["responses"]
    assert python["securitySchemes"] == rust["securitySchemes"]


def test_cli_prints_sorted_keys_and_a_trailing_newline() -> None:
    out = farm_core("openapi")
    assert out.returncode == 0, out.stderr
    assert out.stdout == openapi_json()
    assert out.stdout.endswith("}\n")
    assert out.stdout == json.dumps(json.loads(out.stdout), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_every_operation_outside_the_allow_list_requires_authentication(app: TestApp) -> None:
    ops = operations(openapi())
    assert len(ops) >= 10, "the walk found the operations"
    client = app.anonymous()
    for (method, path), op in ops.items():
        request = {"json": {}} if "requestBody" in op else {}
        status, body = json_of(client.request(method.upper(), path.replace("{id}", "1"), **request))
        if (method, path) in ANONYMOUS_ALLOWED:
            assert status != 401, f"{method} {path} is allow-listed but refused: {body}"
        else:
            assert status == 401, f"{method} {path} answered an anonymous caller: {body}"
            assert body["error"]["code"] == "unauthenticated"
            assert "401" in op["responses"], f"{method} {path} does not document its 401"
            assert op.get("security"), f"{method} {path} declares no security requirement"
