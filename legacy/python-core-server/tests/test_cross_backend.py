"""The two backends share one database: each accepts what the other migrated, users created by
one log in on the other, and on copies of the same database they answer the same requests alike.
These tests run the Rust binary (`CORE_SERVER_BIN`, default target/debug/core-server)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import ADMIN_PASSWORD, REPO_DIR, command_env

FROZEN = {"FARM_TEST_MODE": "1", "FARM_TEST_CLOCK": "2026-03-01T06:00:00Z"}


@pytest.fixture(scope="module")
def rust_bin() -> str:
    path = Path(os.environ.get("CORE_SERVER_BIN") or REPO_DIR / "target" / "debug" / "core-server")
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"the Rust server binary {path} is missing: run `cargo build --bin core-server` in {REPO_DIR} "
            "(or point CORE_SERVER_BIN at one)"
        )
    return str(path)


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    out = subprocess.run(command, env=command_env(env), capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, f"{command}: {out.stderr}"
    return out


def python_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "farm_core", *args]


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str] | None = None, skip_lines: int = 0) -> Iterator[str]:
    """Runs a server command, yields the URL from its first stdout line (after `skip_lines`),
    stops it with SIGTERM."""
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=command_env(env))
    try:
        for _ in range(skip_lines):
            child.stdout.readline()
        line = child.stdout.readline()
        match = re.fullmatch(r"Farm Controller is listening on (http://\S+)\n", line)
        assert match, f"{command}: {line!r} {child.stderr.read() if child.poll() is not None else ''}"
        yield match.group(1)
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            assert child.wait(timeout=15) == 0, child.stderr.read()
        finally:
            child.kill()
            child.wait()


def rows(db: Path, query: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(query).fetchall()


SCHEMA = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
HISTORY = "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"


def test_rust_accepts_a_database_the_python_runner_migrated(rust_bin: str, tmp_path: Path) -> None:
    python_dir, rust_dir = tmp_path / "python", tmp_path / "rust"
    run(python_cmd("--data-dir", str(python_dir), "migrate"))
    history = rows(python_dir / "farm.db", HISTORY)
    assert history, "the Python runner recorded its migrations"

    out = run([rust_bin, "--data-dir", str(python_dir), "migrate"])
    assert out.stdout.strip().endswith(f"is at schema version {history[-1][0]}")
    assert rows(python_dir / "farm.db", HISTORY) == history, "Rust applied nothing"

    run([rust_bin, "--data-dir", str(rust_dir), "migrate"])
    assert rows(python_dir / "farm.db", SCHEMA) == rows(rust_dir / "farm.db", SCHEMA), "the same schema"
    rust_history = rows(rust_dir / "farm.db", HISTORY)
    assert [r[:3] for r in rust_history] == [r[:3] for r in history], "the same versions, names and checksums"


def test_python_serves_a_database_the_rust_runner_migrated(rust_bin: str, tmp_path: Path) -> None:
    out = run([rust_bin, "--data-dir", str(tmp_path), "migrate"])
    rust_version = int(out.stdout.strip().rsplit(" ", 1)[1])
    history = rows(tmp_path / "farm.db", HISTORY)
    with serving(python_cmd("--data-dir", str(tmp_path), "--listen", "127.0.0.1:0", "serve")) as url:
        health = httpx.get(f"{url}/healthz").json()
    assert health == {"status": "ok", "backend": "python", "version": "0.1.0", "schema_version": rust_version}
    assert rows(tmp_path / "farm.db", HISTORY) == history, "Python applied nothing"


def test_users_created_by_either_backend_log_in_on_the_other(rust_bin: str, tmp_path: Path) -> None:
    run(
        [rust_bin, "--data-dir", str(tmp_path), "user", "create", "--username", "ada", "--role", "admin"],
        env={"FARM_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    with serving(python_cmd("--data-dir", str(tmp_path), "--listen", "127.0.0.1:0", "serve")) as url:
        client = httpx.Client(base_url=url, headers={"x-requested-with": "test"})
        login = client.post("/api/auth/login", json={"username": "ada", "password": ADMIN_PASSWORD})
        assert login.status_code == 200, login.text
        assert login.json()["user"]["username"] == "ada"
        created = client.post("/api/users", json={"username": "grace", "password": "grace password", "role": "viewer"})
        assert created.status_code == 201, created.text

    with serving([rust_bin, "--data-dir", str(tmp_path), "--listen", "127.0.0.1:0", "serve"]) as url:
        login = httpx.post(f"{url}/api/auth/login", json={"username": "grace", "password": "grace password"})
        assert login.status_code == 200, login.text
        assert login.json()["user"]["role"] == "viewer"
        wrong = httpx.post(f"{url}/api/auth/login", json={"username": "grace", "password": "not grace's"})
        assert wrong.status_code == 401


SCENARIO = [
    ("POST", "/api/auth/login", {"username": "ada", "password": ADMIN_PASSWORD}),
    ("GET", "/api/auth/session", None),
    ("POST", "/api/users", {"username": "bob", "password": "bob password 1", "role": "operator"}),
    ("POST", "/api/users", {"username": "bob", "password": "bob password 1", "role": "operator"}),
    ("POST", "/api/users", {"username": "Bob", "password": "short", "role": "owner"}),
    ("POST", "/api/users", {"username": "eve", "password": "0123456789", "role": "viewer", "rolee": "admin"}),
    ("POST", "/api/users", b'{"username": '),
    ("POST", "/api/users", b'{"username":"x","password":"0123456789","role":5}'),
    ("PATCH", "/api/users/2", {"role": "viewer", "disabled": True}),
    ("PATCH", "/api/users/1", {"disabled": True}),
    ("DELETE", "/api/users/1", None),
    ("GET", "/api/users/abc", None),
    ("GET", "/api/users/99", None),
    ("GET", "/api/users", None),
    ("POST", "/api/api-tokens", {"name": "x", "capabilities": ["root.everything"]}),
    ("POST", "/api/api-tokens", {"name": "ci", "capabilities": ["nodes.view"], "expires_at": "2026-03-01T07:00:00Z"}),
    ("GET", "/api/api-tokens", None),
    ("DELETE", "/api/api-tokens/1", None),
    ("DELETE", "/api/api-tokens/7", None),
    ("PUT", "/api/users", None),
    ("GET", "/api/nothing", None),
    ("POST", "/api/auth/logout", None),
    ("GET", "/api/auth/session", None),
]


def replay(url: str) -> list[tuple[int, object]]:
    answers = []
    with httpx.Client(base_url=url, headers={"x-requested-with": "test"}) as client:
        for method, path, body in SCENARIO:
            kwargs = (
                {"content": body, "headers": {"content-type": "application/json"}} if isinstance(body, bytes) else {}
            )
            response = client.request(method, path, json=body if isinstance(body, dict) else None, **kwargs)
            answer = response.json() if response.content else None
            if isinstance(answer, dict) and "secret" in answer:  # random by design
                answer["secret"] = answer["token"]["prefix"] = "<random>"
            for item in answer.get("items", []) if isinstance(answer, dict) else []:
                item.get("prefix") and item.update(prefix="<random>")
            answers.append((response.status_code, answer))
    return answers


def test_same_requests_on_copies_of_one_database_get_the_same_answers(rust_bin: str, tmp_path: Path) -> None:
    rust_dir, python_dir = tmp_path / "rust", tmp_path / "python"
    run(
        [rust_bin, "--data-dir", str(rust_dir), "user", "create", "--username", "ada"],
        env={"FARM_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    shutil.copytree(rust_dir, python_dir)
    with serving([rust_bin, "--data-dir", str(rust_dir), "--listen", "127.0.0.1:0", "serve"], env=FROZEN) as url:
        rust_answers = replay(url)
    with serving(python_cmd("--data-dir", str(python_dir), "--listen", "127.0.0.1:0", "serve"), env=FROZEN) as url:
        python_answers = replay(url)
    for (method, path, _), rust, python in zip(SCENARIO, rust_answers, python_answers, strict=True):
        assert python == rust, f"{method} {path}"
    columns = {
        "users": "id, username, role, disabled, created_at, updated_at, password_changed_at",
        "sessions": "id, user_id, created_at, last_seen_at, expires_at",
        "api_tokens": "id, user_id, name, capabilities, created_at, expires_at, last_used_at, revoked_at",
    }
    for table, cols in columns.items():
        query = f"SELECT {cols} FROM {table} ORDER BY id"
        assert rows(python_dir / "farm.db", query) == rows(rust_dir / "farm.db", query), table


# --- field data on one database --------------------------------------------------------------------

FIELD_TABLES = {
    "nodes": "SELECT id, name, mac, model, agent_version, ip, heartbeat_interval_s, uptime_s, adopted_at,"
    " last_seen_at, retired_at, created_at, updated_at FROM nodes ORDER BY id",
    "sensors": "SELECT * FROM sensors ORDER BY id",
    "outputs": "SELECT * FROM outputs ORDER BY id",
    "commands": "SELECT * FROM commands ORDER BY id",
    "metrics": "SELECT * FROM metrics ORDER BY sensor_id, ts",
    "metrics_hourly": "SELECT * FROM metrics_hourly ORDER BY sensor_id, hour",
    "site": "SELECT * FROM site",
}
GREENHOUSE = {
    "name": "Greenhouse",
    "mac": "b8:27:eb:00:00:01",
    "sensors": [
        {"key": "air_temp", "name": "Air temperature", "kind": "temperature", "unit": "°C"},
        {"key": "soil", "name": "Soil moisture", "kind": "soil_moisture", "unit": "%"},
    ],
    "outputs": [{"key": "valve", "name": "Valve", "kind": "relay", "default_state": 0}],
}


def node_traffic(url: str, token: str) -> list[tuple[int, object]]:
    """What the node sends: telemetry (a resend, duplicates, awkward floats, a bad batch), a
    heartbeat that reconciles, a poll and an acknowledgement."""
    node = httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"})
    readings = [
        {"sensor_key": "air_temp" if i % 3 else "soil", "ts": f"2026-03-01T05:{i:02d}:00Z", "value": 0.1 * i + 0.7}
        for i in range(60)
    ]
    answers = []
    with node:
        for body in (
            {"readings": readings},
            {"readings": readings[:10]},
            {"readings": [{"sensor_key": "soil", "ts": "2026-03-01T06:00:00Z", "value": 1e-7}]},
            {"readings": [{"sensor_key": "nope", "ts": "2026-03-01T06:00:00Z", "value": 1}]},
        ):
            response = node.post("/api/node/telemetry", json=body)
            answers.append((response.status_code, response.json()))
        beat = node.post("/api/node/heartbeat", json={"uptime_s": 7, "outputs": [{"key": "valve", "state": 1}]})
        answers.append((beat.status_code, beat.json()))
        polled = node.get("/api/node/commands")
        answers.append((polled.status_code, polled.json()))
        ack = node.post(f"/api/node/commands/{polled.json()['items'][0]['id']}/ack", json={"ok": True})
        answers.append((ack.status_code, ack.json()))
    return answers


def operator_views(url: str) -> list[object]:
    with httpx.Client(base_url=url, headers={"x-requested-with": "test"}) as admin:
        assert admin.post("/api/auth/login", json={"username": "ada", "password": ADMIN_PASSWORD}).status_code == 200
        params = "from=2026-03-01T05:00:00Z&to=2026-03-01T06:00:00Z"
        paths = [
            "/api/dashboard/state",
            "/api/nodes",
            "/api/sensors",
            "/api/outputs",
            "/api/commands",
            f"/api/metrics/query?sensor_id=1,2&{params}",
            f"/api/metrics/query?sensor_id=1,2&{params}&max_points=7",
            "/api/metrics/query?sensor_id=1,2&from=2026-02-01T00:00:00Z&to=2026-03-01T06:00:00Z&max_points=3",
        ]
        return [admin.get(path).json() for path in paths]


def test_a_node_registered_through_rust_reports_to_python_as_to_rust(rust_bin: str, tmp_path: Path) -> None:
    """The node is registered through the Rust server; then the same node traffic goes to the Rust
    server on one copy of the database and to the Python server on another. The answers and the
    stored rows are the same, and each server reads what the other stored."""
    rust_dir, python_dir = tmp_path / "rust", tmp_path / "python"
    run(
        [rust_bin, "--data-dir", str(rust_dir), "user", "create", "--username", "ada"],
        {"FARM_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    rust_serve = [rust_bin, "--data-dir", str(rust_dir), "--listen", "127.0.0.1:0", "serve"]
    with (
        serving(rust_serve, env=FROZEN) as url,
        httpx.Client(base_url=url, headers={"x-requested-with": "test"}) as admin,
    ):
        admin.post("/api/auth/login", json={"username": "ada", "password": ADMIN_PASSWORD})
        registered = admin.post("/api/nodes", json=GREENHOUSE)
        assert registered.status_code == 201, registered.text
        token = registered.json()["token"]
        assert admin.post("/api/outputs/1/command", json={"state": 1}).status_code == 202
    shutil.copytree(rust_dir, python_dir)

    with serving([rust_bin, "--data-dir", str(rust_dir), "--listen", "127.0.0.1:0", "serve"], env=FROZEN) as url:
        rust_answers = node_traffic(url, token)
    with serving(python_cmd("--data-dir", str(python_dir), "--listen", "127.0.0.1:0", "serve"), env=FROZEN) as url:
        python_answers = node_traffic(url, token)
    assert python_answers == rust_answers
    assert rust_answers[0] == (200, {"stored": 60, "duplicates": 0})
    assert rust_answers[4][1]["reconciliation_commands"] == 0, "the open command was superseded by none"
    for table, query in FIELD_TABLES.items():
        assert rows(python_dir / "farm.db", query) == rows(rust_dir / "farm.db", query), table

    # Each server reads what the other stored, and answers alike.
    with serving([rust_bin, "--data-dir", str(python_dir), "--listen", "127.0.0.1:0", "serve"], env=FROZEN) as url:
        rust_views = operator_views(url)
    with serving(python_cmd("--data-dir", str(rust_dir), "--listen", "127.0.0.1:0", "serve"), env=FROZEN) as url:
        python_views = operator_views(url)
    assert python_views == rust_views
    assert rust_views[2]["items"][0]["last_value"] == 0.1 * 59 + 0.7


def demo_rows(db: Path) -> dict[str, list[tuple]]:
    return {table: rows(db, query) for table, query in FIELD_TABLES.items()}


def test_the_demo_farm_is_the_rust_one(rust_bin: str, tmp_path: Path) -> None:
    rust_dir, python_dir = tmp_path / "rust", tmp_path / "python"
    demo = ["--listen", "127.0.0.1:0", "serve", "--demo"]
    for command in ([rust_bin, "--data-dir", str(rust_dir), *demo], python_cmd("--data-dir", str(python_dir), *demo)):
        with serving(command, env=FROZEN, skip_lines=2) as url:
            # Also gives the server the moment it needs to install its SIGTERM handler.
            assert httpx.get(f"{url}/healthz").status_code == 200
    python_rows, rust_rows = demo_rows(python_dir / "farm.db"), demo_rows(rust_dir / "farm.db")
    assert len(rust_rows["metrics"]) == 30 * 24 * 60 * 10
    for table in FIELD_TABLES:
        assert python_rows[table] == rust_rows[table], table

    def without_tokens(path: Path) -> str:
        return re.sub(r"fcn_[A-Za-z0-9_-]{43}", "<token>", path.read_text())

    assert without_tokens(python_dir / "demo-nodes.json") == without_tokens(rust_dir / "demo-nodes.json")
    assert (python_dir / "demo-nodes.json").stat().st_mode & 0o777 == 0o600


def test_bundles_render_the_schedules_rust_stored_byte_for_byte(rust_bin: str, tmp_path: Path) -> None:
    """Schedules created through the Rust server (the Python one has no schedule endpoints) appear
    in the node bundle of either server with the same bytes."""
    data = tmp_path / "data"
    run(
        [rust_bin, "--data-dir", str(data), "user", "create", "--username", "ada"],
        {"FARM_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    schedules = [
        {
            "name": "Morning water",
            "recurrence": {"type": "weekly", "blocks": [{"day": "mon", "start": "06:00", "end": "06:30"}]},
            "actions": [{"type": "set_output", "output_id": 1, "state": 1}],
        },
        {
            "name": "Night lights",
            "priority": 5,
            "timezone": "Europe/Berlin",
            "missed_run_policy": "run_once",
            "recurrence": {
                "type": "rrule",
                "rrule": "FREQ=DAILY;INTERVAL=2;COUNT=10",
                "dtstart": "2026-03-01T20:00",
                "duration_minutes": 90,
            },
            "conditions": {"mode": "any", "rules": [{"sensor_id": 2, "op": "lt", "value": 30.25, "for_s": 60}]},
            "actions": [
                {"type": "set_output", "output_id": 2, "state": 60},
                {"type": "alarm", "severity": "info", "message": "Lights on \u00e9"},
            ],
        },
        {
            "name": "Check the tank",
            "recurrence": {"type": "weekly", "blocks": [{"day": "sat", "start": "09:00", "end": "09:05"}]},
            "actions": [{"type": "alarm", "severity": "warning", "message": "Check the tank"}],
        },
    ]
    serve = ["--data-dir", str(data), "--listen", "127.0.0.1:0", "serve"]
    answers = []
    for command in ([rust_bin, *serve], python_cmd(*serve)):
        with (
            serving(command, env=FROZEN) as url,
            httpx.Client(base_url=url, headers={"x-requested-with": "test"}) as admin,
        ):
            admin.post("/api/auth/login", json={"username": "ada", "password": ADMIN_PASSWORD})
            if command[0] == rust_bin:
                assert admin.post("/api/nodes", json=GREENHOUSE).status_code == 201
                lights = {"key": "lights", "name": "Lights", "kind": "level", "default_state": 0}
                assert admin.post("/api/nodes/1/outputs", json=lights).status_code == 201
                for schedule in schedules:
                    created = admin.post("/api/schedules", json=schedule)
                    assert created.status_code == 201, created.text
            answers.append(admin.get("/api/nodes/1/bundle").content)
    assert answers[1] == answers[0]
    assert [s["name"] for s in httpx.Response(200, content=answers[0]).json()["schedules"]] == [
        "Morning water",
        "Night lights",
    ]


def test_backups_written_by_either_backend_verify_and_restore_on_the_other(rust_bin: str, tmp_path: Path) -> None:
    """One data folder, served in turn: a backup the Rust server wrote is listed, verified and
    restored by the Python server, and the other way round; both list the folder alike."""
    data = tmp_path / "data"
    run(
        [rust_bin, "--data-dir", str(data), "user", "create", "--username", "ada"],
        {"FARM_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    serve = ["--data-dir", str(data), "--listen", "127.0.0.1:0", "serve"]
    rust, python = [rust_bin, *serve], python_cmd(*serve)
    login = {"username": "ada", "password": ADMIN_PASSWORD}

    @contextlib.contextmanager
    def admin(url: str) -> Iterator[httpx.Client]:
        with httpx.Client(base_url=url, headers={"x-requested-with": "test"}) as client:
            assert client.post("/api/auth/login", json=login).status_code == 200
            yield client

    def users(client: httpx.Client) -> list[str]:
        return [u["username"] for u in client.get("/api/users").json()["items"]]

    with serving(rust, env=FROZEN) as url, admin(url) as client:
        written = client.post("/api/backups", json={"wait": True})
        assert written.status_code == 201, written.text
        by_rust = written.json()
        viewer = {"username": "bob", "password": "bob password 1", "role": "viewer"}
        assert client.post("/api/users", json=viewer).status_code == 201

    with serving(python, env=FROZEN) as url, admin(url) as client:
        assert client.get(f"/api/backups/{by_rust['name']}").json() == by_rust
        assert client.post(f"/api/backups/{by_rust['name']}/verify").json()["status"] == "verified"
        restored = client.post(f"/api/backups/{by_rust['name']}/restore", json={"confirm": by_rust["name"]})
        assert restored.status_code == 200, restored.text
    with serving(python, env=FROZEN) as url, admin(url) as client:
        assert users(client) == ["ada"], "bob came after the Rust backup"
        assert client.post("/api/users", json={**viewer, "username": "carol"}).status_code == 201
        written = client.post("/api/backups", json={"wait": True})
        assert written.status_code == 201, written.text
        by_python = written.json()
        assert by_python["name"] == "farm-20260301-060000-000-manual-2", "the Rust backup's name is taken"
        assert client.post("/api/users", json={**viewer, "username": "dave"}).status_code == 201
        python_list = client.get("/api/backups").content

    with serving(rust, env=FROZEN) as url, admin(url) as client:
        assert client.get("/api/backups").content == python_list, "the same folder, listed alike"
        assert client.post(f"/api/backups/{by_python['name']}/verify").json()["status"] == "verified"
        restored = client.post(f"/api/backups/{by_python['name']}/restore", json={"confirm": by_python["name"]})
        assert restored.status_code == 200, restored.text
    with serving(rust, env=FROZEN) as url, admin(url) as client:
        assert users(client) == ["ada", "carol"], "dave came after the Python backup"
        kinds = sorted(m["kind"] for m in client.get("/api/backups").json()["items"])
        assert kinds == ["manual", "manual", "safety", "safety"]
