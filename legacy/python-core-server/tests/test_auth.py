"""Login, sessions, logout, password change, throttling and the CSRF rule."""

from __future__ import annotations

from conftest import ADMIN_PASSWORD, T0, TestApp, assert_error, json_of

from farm_core.auth import secrets
from farm_core.domain.users import Role


def test_login_session_logout_round_trip(app: TestApp) -> None:
    client = app.admin()

    status, body = json_of(client.get("/api/auth/session"))
    assert status == 200
    assert body["user"]["username"] == "ada"
    assert body["method"] == "session"
    assert "users.manage" in body["capabilities"]
    assert body["expires_at"] == "2026-03-01T18:00:00.000Z", "idle limit (12 h) comes before the absolute one"
    assert app.count("sessions") == 1

    response = client.post("/api/auth/logout")
    assert response.status_code == 204
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert app.count("sessions") == 0, "the session row is gone"

    status, body = json_of(client.get("/api/auth/session"))
    assert_error(status, body, 401, "unauthenticated")


def test_login_answers_the_session_with_sorted_capabilities(app: TestApp) -> None:
    app.create_user("olga", Role.OPERATOR, "olga password")
    response = app.anonymous().post("/api/auth/login", json={"username": "olga", "password": "olga password"})
    status, body = json_of(response)
    assert status == 200
    assert body == {
        "user": {
            "id": 1,
            "username": "olga",
            "role": "operator",
            "disabled": False,
            "created_at": "2026-03-01T06:00:00.000Z",
            "updated_at": "2026-03-01T06:00:00.000Z",
        },
        "capabilities": [
            "alarms.ack",
            "alarms.view",
            "backups.view",
            "logs.view",
            "nodes.view",
            "outputs.command",
            "schedules.run",
            "schedules.view",
        ],
        "method": "session",
        "expires_at": "2026-03-01T18:00:00.000Z",
    }


def test_session_cookie_is_http_only_and_strict(app: TestApp) -> None:
    app.create_user("ada", Role.ADMIN, ADMIN_PASSWORD)
    response = app.anonymous().post("/api/auth/login", json={"username": "ada", "password": ADMIN_PASSWORD})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("farm_session=")
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800"]:
        assert part in cookie, f"{cookie} lacks {part}"
    assert "Secure" not in cookie, "plain HTTP: no Secure flag"
    secret = cookie.split(";")[0].removeprefix("farm_session=")
    assert len(secret) == 43
    assert app.column("sessions", "token_hash") == [secrets.digest(secret)], "only a digest is stored"


def test_cookie_is_secure_behind_tls(spawn) -> None:
    app = spawn()
    app.create_user("ada", Role.ADMIN, ADMIN_PASSWORD)
    body = {"username": "ada", "password": ADMIN_PASSWORD}
    forwarded = app.anonymous().post("/api/auth/login", json=body, headers={"x-forwarded-proto": "HTTPS"})
    assert forwarded.headers["set-cookie"].endswith("; Secure")
    app.stop()
    configured = spawn(secure_cookies=True)
    response = configured.anonymous().post("/api/auth/login", json=body)
    assert response.headers["set-cookie"].endswith("; Secure")


def test_session_survives_a_server_restart(app: TestApp) -> None:
    client = app.admin()
    cookie = client.cookies["farm_session"]
    app = app.restart()
    status, body = json_of(app.anonymous().get("/api/auth/session", headers={"cookie": f"farm_session={cookie}"}))
    assert status == 200, body
    assert body["user"]["username"] == "ada"


def test_idle_session_expires(app: TestApp) -> None:
    client = app.admin()
    app.clock.advance_ms(app.config.session_idle_ms - 1000)
    assert client.get("/api/auth/session").status_code == 200, "still inside the idle window"
    app.clock.advance_ms(app.config.session_idle_ms + 1)
    status, body = json_of(client.get("/api/auth/session"))
    assert_error(status, body, 401, "unauthenticated")


def test_session_ends_at_its_absolute_limit_even_when_active(spawn) -> None:
    app = spawn(session_idle_minutes=60, session_absolute_hours=2)
    client = app.admin()
    for _ in range(3):
        app.clock.advance_ms(50 * 60_000)
        expected = 200 if app.clock.now_ms() - T0 < 2 * 3_600_000 else 401
        assert client.get("/api/auth/session").status_code == expected


def test_session_last_seen_is_written_at_most_once_a_minute(app: TestApp) -> None:
    client = app.admin()
    app.clock.advance_ms(59_000)
    client.get("/api/auth/session")
    assert app.column("sessions", "last_seen_at") == [T0]
    app.clock.advance_ms(1_000)
    body = client.get("/api/auth/session").json()
    assert app.column("sessions", "last_seen_at") == [T0 + 60_000]
    assert body["expires_at"] == "2026-03-01T18:01:00.000Z", "the idle window moves with activity"


def test_logged_out_cookie_replayed_is_rejected(app: TestApp) -> None:
    app.create_user("ada", Role.ADMIN, ADMIN_PASSWORD)
    response = app.anonymous().post("/api/auth/login", json={"username": "ada", "password": ADMIN_PASSWORD})
    cookie = response.headers["set-cookie"].split(";")[0]
    headers = {"cookie": cookie, "x-requested-with": "t"}
    assert app.anonymous().post("/api/auth/logout", headers=headers).status_code == 204
    status, body = json_of(app.anonymous().get("/api/auth/session", headers=headers))
    assert_error(status, body, 401, "unauthenticated")
    assert body["error"]["message"] == "session expired or ended; log in again"


def test_unknown_user_and_wrong_password_get_the_same_answer(app: TestApp) -> None:
    app.create_user("ada", Role.ADMIN, ADMIN_PASSWORD)
    bodies = []
    for username in ["ada", "nobody"]:
        response = app.anonymous().post("/api/auth/login", json={"username": username, "password": "wrong password!"})
        status, body = json_of(response)
        assert_error(status, body, 401, "unauthenticated")
        bodies.append(body)
    assert bodies[0] == bodies[1]
    assert bodies[0]["error"]["message"] == "invalid username or password"


def test_disabled_user_cannot_log_in(app: TestApp) -> None:
    admin = app.admin()
    user_id = app.create_user("bob", Role.VIEWER, "bob password 1")
    viewer = app.login("bob", "bob password 1")
    assert admin.patch(f"/api/users/{user_id}", json={"disabled": True}).status_code == 200
    assert viewer.get("/api/auth/session").status_code == 401, "their session ended"
    response = app.anonymous().post("/api/auth/login", json={"username": "bob", "password": "bob password 1"})
    assert response.status_code == 401


def test_throttles_after_five_failures_then_allows_after_the_window(app: TestApp) -> None:
    app.create_user("ada", Role.ADMIN, ADMIN_PASSWORD)
    client = app.anonymous()

    def attempt(password: str):
        return client.post("/api/auth/login", json={"username": "ada", "password": password})

    for _ in range(5):
        assert attempt("wrong password!").status_code == 401
    response = attempt(ADMIN_PASSWORD)
    assert response.headers["retry-after"] == "900"
    status, body = json_of(response)
    assert_error(status, body, 429, "rate_limited")
    assert body["error"]["message"] == "too many attempts; try again in 900 s"

    app.clock.advance_ms(15 * 60 * 1000 - 1500)
    assert attempt(ADMIN_PASSWORD).headers["retry-after"] == "2", "rounded up to whole seconds"
    app.clock.advance_ms(1500)
    assert attempt(ADMIN_PASSWORD).status_code == 200


def test_throttle_counts_usernames_case_insensitively(app: TestApp) -> None:
    app.create_user("ada", Role.ADMIN, ADMIN_PASSWORD)
    client = app.anonymous()
    for name in ["ada", "ADA", "Ada", "aDa", "adA"]:
        assert client.post("/api/auth/login", json={"username": name, "password": "nope"}).status_code == 401
    response = client.post("/api/auth/login", json={"username": "ada", "password": ADMIN_PASSWORD})
    assert response.status_code == 429


def test_password_change_ends_other_sessions_and_keeps_this_one(app: TestApp) -> None:
    here = app.admin()
    elsewhere = app.login("ada", ADMIN_PASSWORD)
    response = here.post(
        "/api/auth/password", json={"current_password": ADMIN_PASSWORD, "new_password": "a brand new secret"}
    )
    assert response.status_code == 204
    assert response.headers["set-cookie"].startswith("farm_session=")
    assert elsewhere.get("/api/auth/session").status_code == 401
    assert here.get("/api/auth/session").status_code == 200
    app.login("ada", "a brand new secret")


def test_password_change_checks_current_and_rules(app: TestApp) -> None:
    client = app.admin()
    hash_before = app.column("users", "password_hash")
    for body, field in [
        ({"current_password": "not it at all", "new_password": "a brand new secret"}, "current_password"),
        ({"current_password": ADMIN_PASSWORD, "new_password": "short"}, "new_password"),
    ]:
        status, answer = json_of(client.post("/api/auth/password", json=body))
        assert_error(status, answer, 422, "validation_failed")
        assert answer["error"]["details"][0]["field"] == field
    assert app.column("users", "password_hash") == hash_before, "nothing changed"


def test_password_change_needs_a_browser_session(app: TestApp) -> None:
    admin = app.admin()
    secret = admin.post("/api/api-tokens", json={"name": "ci", "capabilities": ["users.manage"]}).json()["secret"]
    bearer = {"authorization": f"Bearer {secret}"}
    body = {"current_password": ADMIN_PASSWORD, "new_password": "a brand new secret"}
    status, answer = json_of(app.anonymous().post("/api/auth/password", json=body, headers=bearer))
    assert_error(status, answer, 403, "forbidden")
    status, answer = json_of(app.anonymous().post("/api/auth/logout", headers=bearer))
    assert_error(status, answer, 400, "bad_request")


def test_cookie_writes_need_same_origin_or_x_requested_with(app: TestApp) -> None:
    app.admin()
    response = app.anonymous().post("/api/auth/login", json={"username": "ada", "password": ADMIN_PASSWORD})
    cookie = response.headers["set-cookie"].split(";")[0]
    body = {"username": "eve", "password": "0123456789", "role": "admin"}
    host = app.base.removeprefix("http://")
    for origin, expected in [(None, 403), ("http://evil.example", 403), (f"http://{host}", 201)]:
        headers = {"cookie": cookie} | ({"origin": origin} if origin else {})
        status, answer = json_of(app.anonymous().post("/api/users", json=body, headers=headers))
        assert status == expected, f"origin {origin}: {answer}"
    assert app.count("users") == 2, "only the same-origin request created a user"
