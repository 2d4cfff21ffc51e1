"""API tokens: created with a secret shown once, used as bearer, revoked."""

from __future__ import annotations

import re

from conftest import T0, TestApp, assert_error, json_of

from farm_core.auth import secrets
from farm_core.domain.users import Role


def create_token(client, body) -> tuple[int, dict]:
    return json_of(client.post("/api/api-tokens", json=body))


def test_token_create_use_revoke(app: TestApp) -> None:
    admin = app.admin()
    status, created = create_token(admin, {"name": " grafana ", "capabilities": ["users.manage", "nodes.view"]})
    assert status == 201, created
    secret = created["secret"]
    assert re.fullmatch(r"fct_[A-Za-z0-9_-]{43}", secret), secret
    token = created["token"]
    assert token["capabilities"] == ["nodes.view", "users.manage"], "sorted"
    assert token["prefix"] == secret[:12]
    assert token["name"] == "grafana", "trimmed"
    assert (token["expires_at"], token["last_used_at"], token["revoked_at"]) == (None, None, None)
    assert app.column("api_tokens", "capabilities") == ['["nodes.view","users.manage"]']

    script = app.anonymous()
    bearer = {"authorization": f"Bearer {secret}"}
    status, session = json_of(script.get("/api/auth/session", headers=bearer))
    assert status == 200
    assert session["method"] == "api_token"
    assert session["capabilities"] == ["nodes.view", "users.manage"]
    assert session["expires_at"] is None
    assert script.get("/api/users", headers=bearer).status_code == 200
    assert app.column("api_tokens", "last_used_at") == [T0]

    assert admin.delete(f"/api/api-tokens/{token['id']}").status_code == 204
    status, body = json_of(script.get("/api/users", headers=bearer))
    assert_error(status, body, 401, "unauthenticated")
    assert body["error"]["message"] == "invalid, expired or revoked API token"
    assert app.column("api_tokens", "revoked_at") == [T0]

    app.clock.advance_ms(5000)
    assert admin.delete(f"/api/api-tokens/{token['id']}").status_code == 204, "revoking again is fine"
    assert app.column("api_tokens", "revoked_at") == [T0], "and keeps the first time"


def test_token_secret_never_appears_in_lists_or_storage(app: TestApp) -> None:
    admin = app.admin()
    _, created = create_token(admin, {"name": "ci", "capabilities": ["nodes.view"]})
    secret = created["secret"]
    listed = admin.get("/api/api-tokens").text
    assert '"ci"' in listed
    assert secret not in listed, "secret leaked into the list"
    assert "secret" not in listed, "no secret field at all"
    assert app.column("api_tokens", "token_hash") == [secrets.digest(secret)]


def test_token_capabilities_must_be_the_creators_and_the_request_well_formed(app: TestApp) -> None:
    admin = app.admin()
    for body, field, problem in [
        ({"name": "x", "capabilities": []}, "capabilities", "must name at least one capability"),
        (
            {"name": "x", "capabilities": ["root.everything"]},
            "capabilities[0]",
            "unknown variant `root.everything`, expected one of `alarms.ack`, `alarms.view`, `backups.manage`, "
            "`backups.view`, `config.write`, `logs.view`, `nodes.manage`, `nodes.view`, `outputs.command`, "
            "`schedules.run`, `schedules.view`, `schedules.write`, `tokens.manage`, `users.manage`",
        ),
        ({"name": "", "capabilities": ["nodes.view"]}, "name", "must be 1 to 64 characters"),
        ({"name": "x" * 65, "capabilities": ["nodes.view"]}, "name", "must be 1 to 64 characters"),
        (
            {"name": "x", "capabilities": ["nodes.view"], "expires_at": "2020-01-01T00:00:00Z"},
            "expires_at",
            "must be in the future",
        ),
        (
            {"name": "x", "capabilities": ["nodes.view"], "expires_at": "soon"},
            "expires_at",
            "must be an RFC 3339 date-time such as 2026-03-01T06:00:00.000Z",
        ),
    ]:
        status, answer = create_token(admin, body)
        assert_error(status, answer, 422, "validation_failed")
        assert answer["error"]["details"] == [{"field": field, "problem": problem}], answer
    assert app.count("api_tokens") == 0


def test_token_cannot_carry_what_its_creator_lacks(app: TestApp) -> None:
    app.create_user("olga", Role.ADMIN, "olga password")
    olga = app.login("olga", "olga password")
    secret = create_token(olga, {"name": "t", "capabilities": ["tokens.manage", "nodes.view"]})[1]["secret"]
    script = app.anonymous()
    script.headers["authorization"] = f"Bearer {secret}"
    status, answer = create_token(script, {"name": "x", "capabilities": ["nodes.view", "users.manage", "config.write"]})
    assert_error(status, answer, 422, "validation_failed")
    assert answer["error"]["details"] == [
        {"field": "capabilities[1]", "problem": "users.manage is not a capability of the token's creator"},
        {"field": "capabilities[2]", "problem": "config.write is not a capability of the token's creator"},
    ]


def test_token_never_outranks_its_owner(app: TestApp) -> None:
    admin = app.admin()
    grace = app.create_user("grace", Role.ADMIN, "grace password")
    grace_client = app.login("grace", "grace password")
    _, created = create_token(grace_client, {"name": "g", "capabilities": ["users.manage"]})
    bearer = {"authorization": f"Bearer {created['secret']}"}
    assert app.anonymous().get("/api/users", headers=bearer).status_code == 200

    admin.patch(f"/api/users/{grace}", json={"role": "viewer"})
    status, body = json_of(app.anonymous().get("/api/users", headers=bearer))
    assert_error(status, body, 403, "forbidden")


def test_expired_token_is_rejected(app: TestApp) -> None:
    admin = app.admin()
    _, created = create_token(
        admin, {"name": "short", "capabilities": ["nodes.view"], "expires_at": "2026-03-01T08:00:00+01:00"}
    )
    assert created["token"]["expires_at"] == "2026-03-01T07:00:00.000Z"
    bearer = {"authorization": f"Bearer {created['secret']}"}
    client = app.anonymous()
    assert client.get("/api/auth/session", headers=bearer).status_code == 200
    app.clock.advance_ms(3_600_000)
    assert client.get("/api/auth/session", headers=bearer).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(app: TestApp) -> None:
    admin = app.admin()
    bearer = {
        "authorization": f"Bearer {create_token(admin, {'name': 'n', 'capabilities': ['nodes.view']})[1]['secret']}"
    }
    client = app.anonymous()
    client.get("/api/auth/session", headers=bearer)
    app.clock.advance_ms(59_999)
    client.get("/api/auth/session", headers=bearer)
    assert app.column("api_tokens", "last_used_at") == [T0]
    app.clock.advance_ms(1)
    client.get("/api/auth/session", headers=bearer)
    assert app.column("api_tokens", "last_used_at") == [T0 + 60_000]


def test_disabled_owner_disables_the_token(app: TestApp) -> None:
    admin = app.admin()
    grace = app.create_user("grace", Role.ADMIN, "grace password")
    _, created = create_token(app.login("grace", "grace password"), {"name": "g", "capabilities": ["nodes.view"]})
    bearer = {"authorization": f"Bearer {created['secret']}"}
    admin.patch(f"/api/users/{grace}", json={"disabled": True})
    assert app.anonymous().get("/api/auth/session", headers=bearer).status_code == 401


def test_revoking_an_unknown_token_is_404(app: TestApp) -> None:
    admin = app.admin()
    status, body = json_of(admin.delete("/api/api-tokens/999"))
    assert_error(status, body, 404, "not_found")
    assert body["error"]["message"] == "api token not found"


def test_node_token_is_refused_outside_the_node_api(app: TestApp) -> None:
    app.admin()
    token = "fcn_" + "n" * 43
    app.sql(
        "INSERT INTO nodes (name, mac, model, agent_version, token_hash, adopted_at, created_at, updated_at)"
        f" VALUES ('pump-house', 'aa:bb:cc:dd:ee:ff', 'esp32', '1.0.0', '{secrets.digest(token)}', 0, 0, 0)"
    )
    status, body = json_of(app.anonymous().get("/api/users", headers={"authorization": f"Bearer {token}"}))
    assert_error(status, body, 403, "forbidden")
    assert body["error"]["message"] == "node tokens may only call the node API (/api/node/...)"
    unknown = app.anonymous().get("/api/users", headers={"authorization": "Bearer fcn_unknown"})
    assert unknown.status_code == 401
