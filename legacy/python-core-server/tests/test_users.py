"""User management and the last-admin rules."""

from __future__ import annotations

from conftest import TestApp, assert_error, json_of

from farm_core.domain.users import Role


def test_admin_creates_lists_updates_and_deletes_users(app: TestApp) -> None:
    admin = app.admin()
    status, created = json_of(
        admin.post("/api/users", json={"username": "bob", "password": "bob password 1", "role": "operator"})
    )
    assert status == 201, created
    assert created == {
        "id": 2,
        "username": "bob",
        "role": "operator",
        "disabled": False,
        "created_at": "2026-03-01T06:00:00.000Z",
        "updated_at": "2026-03-01T06:00:00.000Z",
    }

    _, listed = json_of(admin.get("/api/users"))
    assert [u["username"] for u in listed["items"]] == ["ada", "bob"]

    app.clock.advance_ms(1234)
    status, updated = json_of(admin.patch("/api/users/2", json={"role": "viewer"}))
    assert (status, updated["role"], updated["updated_at"]) == (200, "viewer", "2026-03-01T06:00:01.234Z")
    assert app.column("users", "role") == ["admin", "viewer"]

    assert admin.delete("/api/users/2").status_code == 204
    status, body = json_of(admin.get("/api/users/2"))
    assert_error(status, body, 404, "not_found")
    assert body["error"]["message"] == "user not found"


def test_viewer_gets_403_on_user_management(app: TestApp) -> None:
    app.create_user("vera", Role.VIEWER, "vera password")
    viewer = app.login("vera", "vera password")
    status, body = json_of(viewer.get("/api/users"))
    assert_error(status, body, 403, "forbidden")
    assert body["error"]["message"] == "this needs the users.manage capability"
    status, body = json_of(
        viewer.post("/api/users", json={"username": "mallory", "password": "0123456789", "role": "admin"})
    )
    assert_error(status, body, 403, "forbidden")
    assert app.count("users") == 1


def test_last_admin_cannot_be_deleted_disabled_or_demoted(app: TestApp) -> None:
    admin = app.admin()
    before = app.column("users", "role")
    for method, body, message in [
        ("DELETE", None, "the last enabled admin cannot be deleted"),
        ("PATCH", {"disabled": True}, "the last enabled admin cannot be demoted or disabled"),
        ("PATCH", {"role": "operator"}, "the last enabled admin cannot be demoted or disabled"),
    ]:
        status, answer = json_of(admin.request(method, "/api/users/1", json=body))
        assert_error(status, answer, 409, "conflict")
        assert answer["error"]["message"] == message
    assert app.column("users", "role") == before
    assert app.column("users", "disabled") == [0]

    # With a second admin, the first may step down.
    app.create_user("grace", Role.ADMIN, "grace password")
    status, _ = json_of(admin.patch("/api/users/1", json={"role": "operator"}))
    assert status == 200


def test_username_taken_is_409_and_bad_input_is_422_with_fields(app: TestApp) -> None:
    admin = app.admin()
    status, body = json_of(
        admin.post("/api/users", json={"username": "ada", "password": "0123456789", "role": "viewer"})
    )
    assert_error(status, body, 409, "conflict")
    assert body["error"]["message"] == "username is taken"

    for request, field in [
        ({"username": "A B", "password": "0123456789", "role": "viewer"}, "username"),
        ({"username": "bob", "password": "short", "role": "viewer"}, "password"),
        ({"username": "bob", "password": "0123456789", "role": "owner"}, "role"),
        ({"username": "bob", "password": "0123456789"}, "role"),
    ]:
        status, body = json_of(admin.post("/api/users", json=request))
        assert_error(status, body, 422, "validation_failed")
        assert body["error"]["details"][0]["field"] == field, body
    assert app.count("users") == 1


def test_username_rule_message_is_the_rust_one(app: TestApp) -> None:
    admin = app.admin()
    _, body = json_of(admin.post("/api/users", json={"username": "-lead", "password": "0123456789", "role": "viewer"}))
    problem = "must be 3 to 32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit"
    assert body["error"] == {
        "code": "validation_failed",
        "message": f"username {problem}",
        "details": [{"field": "username", "problem": problem}],
    }


def test_admin_password_reset_ends_the_users_sessions(app: TestApp) -> None:
    admin = app.admin()
    bob = app.create_user("bob", Role.OPERATOR, "bob password 1")
    bob_client = app.login("bob", "bob password 1")
    assert admin.patch(f"/api/users/{bob}", json={"password": "bob password 2"}).status_code == 200
    assert bob_client.get("/api/auth/session").status_code == 401
    app.login("bob", "bob password 2")


def test_non_numeric_id_is_a_json_400(app: TestApp) -> None:
    admin = app.admin()
    status, body = json_of(admin.get("/api/users/abc"))
    assert_error(status, body, 400, "bad_request")
    assert body["error"]["message"] == "Invalid URL: Cannot parse `abc` to a `i64`"
    status, body = json_of(admin.get("/api/users/%2B1"))
    assert (status, body["username"]) == (200, "ada"), "percent-decoded, then parsed like i64::from_str"


def test_authorization_comes_before_the_path_and_the_body(app: TestApp) -> None:
    status, body = json_of(
        app.anonymous().patch("/api/users/abc", content=b"{", headers={"content-type": "text/plain"})
    )
    assert_error(status, body, 401, "unauthenticated")
