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
    ("post", "/api/adoption/announce"): "a new node has no credentials yet; limited per address",
    ("post", "/api/adoption/claim"): "the single-use adoption token in the body is the credential",
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


# Operations of the contract this backend does not implement yet: none (schedules, their action log
# and alarms were the last).
NOT_PORTED_PREFIXES: tuple[str, ...] = ()
NOT_PORTED_SUFFIXES: tuple[str, ...] = ()


def ported(path: str) -> bool:
    return not path.startswith(NOT_PORTED_PREFIXES) and not path.endswith(NOT_PORTED_SUFFIXES)


def test_operations_match_the_committed_rust_contract() -> None:
    rust = operations(json.loads(COMMITTED.read_text()))
    python = operations(openapi())
    expected = {key for key in rust if ported(key[1])}
    assert set(python) == expected, "every operation of the contract but the ones not ported, and no other"
    assert len(expected) >= 40
    for key, op in python.items():
        assert contract(op) == contract(rust[key]), key


def request_body_required(doc: dict, op: dict) -> dict[str, set[str]] | None:
    """What contract parity compares of a request body: its required fields and their JSON types."""
    if "requestBody" not in op:
        return None
    content = op["requestBody"]["content"]
    if "application/json" not in content:
        return {"content": set(content)}  # a byte body (a backup upload)
    schema = resolve(doc, content["application/json"]["schema"])
    return {name: types_of(doc, schema["properties"].get(name, {})) for name in schema.get("required", [])}


def resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        target = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def types_of(doc: dict, schema: dict) -> set[str]:
    schema = resolve(doc, schema)
    kind = schema.get("type")
    found = {kind} if isinstance(kind, str) else set(kind or [])
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(key, []):
            found |= types_of(doc, sub)
    if not found and "enum" in schema:
        found.add("string")
    if not found and "properties" in schema:
        found.add("object")
    return found


def test_parameters_and_request_bodies_have_the_rust_types() -> None:
    rust_doc, python_doc = json.loads(COMMITTED.read_text()), openapi()
    rust, python = operations(rust_doc), operations(python_doc)
    for key, op in python.items():
        want = [(p["name"], p["in"], p.get("required", False), p["schema"]) for p in rust[key].get("parameters", [])]
        got = [(p["name"], p["in"], p.get("required", False), p["schema"]) for p in op.get("parameters", [])]
        assert got == want, key
        assert request_body_required(python_doc, op) == request_body_required(rust_doc, rust[key]), key
        streams = ["text/event-stream" in r.get("content", {}) for r in op["responses"].values()]
        rust_streams = ["text/event-stream" in r.get("content", {}) for r in rust[key]["responses"].values()]
        assert any(streams) == any(rust_streams), key


def test_the_event_stream_is_described_as_in_rust() -> None:
    rust, python = json.loads(COMMITTED.read_text()), openapi()
    assert python["components"]["schemas"]["StreamEvent"] == rust["components"]["schemas"]["StreamEvent"]
    answer = [doc["paths"]["/api/events"]["get"]["responses"]["200"] for doc in (python, rust)]
    assert answer[0] == answer[1]


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
