"""`TestApp`: the real server on port 0, in a background event loop, with its own temporary
database and a manual clock; tests talk to it over HTTP with httpx."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from farm_core import engine
from farm_core.app import Running, start
from farm_core.auth import passwords
from farm_core.clock import ManualClock
from farm_core.config import Config, parse_listen
from farm_core.domain.time import to_rfc3339
from farm_core.domain.users import Role

# 2026-03-01T06:00:00Z
T0 = 1_772_344_800_000
ADMIN_PASSWORD = "correct horse battery"
PROJECT_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PROJECT_DIR.parent.parent
MIGRATIONS_DIR = REPO_DIR / "migrations"

T = TypeVar("T")


class TestApp:
    __test__ = False  # not a test class, for pytest
    live: list[TestApp] = []  # noqa: RUF012 - every server not yet stopped, for the fixture's cleanup

    def __init__(self, data_dir: Path, config: Config, clock: ManualClock) -> None:
        self.dir = data_dir
        self.config = config
        self.clock = clock
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._clients: list[httpx.Client] = []
        self.running: Running = self.run(start(config, clock))
        self.base = f"http://{self.running.addr}"
        TestApp.live.append(self)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Runs `coroutine` on the server's event loop and waits for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=60)

    def stop(self) -> None:
        TestApp.live.remove(self)
        for client in self._clients:
            client.close()
        self.run(self.running.shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def restart(self) -> TestApp:
        """Stops the server gracefully and starts a new one on the same database and clock."""
        self.stop()
        return TestApp(self.dir, self.config, self.clock)

    @property
    def state(self) -> Any:
        return self.running.app.state.farm

    def url(self, path: str) -> str:
        return self.base + path

    def create_user(self, username: str, role: Role, password: str) -> int:
        """Creates a user directly in the store (how the first admin exists before any login)."""
        password_hash = passwords.hash_password(password)
        return self.run(self.state.store.users.create(username, password_hash, role, self.clock.now_ms())).id

    def client(self, **kwargs: Any) -> httpx.Client:
        client = httpx.Client(base_url=self.base, timeout=30, **kwargs)
        self._clients.append(client)
        return client

    def browser(self) -> httpx.Client:
        """A client that keeps cookies and marks its requests as the dashboard's own (CSRF rule)."""
        return self.client(headers={"x-requested-with": "test"})

    def anonymous(self) -> httpx.Client:
        return self.client()

    def login(self, username: str, password: str) -> httpx.Client:
        client = self.browser()
        response = client.post("/api/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, f"login as {username}: {response.text}"
        return client

    def admin(self) -> httpx.Client:
        """An admin `ada` exists and is logged in."""
        self.create_user("ada", Role.ADMIN, ADMIN_PASSWORD)
        return self.login("ada", ADMIN_PASSWORD)

    def column(self, table: str, column: str) -> list[Any]:
        """One column of every row of `table`, ordered by id, straight from the database file."""
        with sqlite3.connect(self.config.database) as conn:
            return [row[0] for row in conn.execute(f"SELECT {column} FROM {table} ORDER BY id")]

    def count(self, table: str) -> int:
        with sqlite3.connect(self.config.database) as conn:
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def sql(self, statement: str) -> None:
        with sqlite3.connect(self.config.database) as conn:
            conn.execute(statement)

    def rows(self, query: str) -> list[tuple]:
        with contextlib.closing(sqlite3.connect(self.config.database)) as conn:
            return conn.execute(query).fetchall()

    # --- field data ---

    def tick(self) -> None:
        """One step of the background engine (command expiry, liveness), on the server's loop."""
        self.run(engine.tick(self.state))

    def register_node(self, admin: httpx.Client, body: dict) -> TestNode:
        status, registered = json_of(admin.post("/api/nodes", json=body))
        assert status == 201, registered
        return TestNode(self, registered)

    def ts(self, offset_ms: int = 0) -> str:
        """The clock as RFC 3339, `offset_ms` from now."""
        return to_rfc3339(self.clock.now_ms() + offset_ms)


class TestNode:
    """A node registered through the API, with its token; requests as the node."""

    __test__ = False

    def __init__(self, app: TestApp, registered: dict) -> None:
        self.app = app
        self.registered = registered
        self.id: int = registered["node"]["id"]
        self.token: str = registered["token"]
        self.sensors: list[dict] = registered["sensors"]
        self.outputs: list[dict] = registered["outputs"]
        self.client = app.client(headers={"authorization": f"Bearer {self.token}"})

    def sensor_id(self, key: str) -> int:
        return next(s["id"] for s in self.sensors if s["key"] == key)

    def output_id(self, key: str) -> int:
        return next(o["id"] for o in self.outputs if o["key"] == key)

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.client.post(path, json=body)

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)


def greenhouse(name: str, mac: str) -> dict:
    """A greenhouse: two sensors, a relay and a level output."""
    return {
        "name": name,
        "mac": mac,
        "model": "Raspberry Pi 4",
        "sensors": [
            {"key": "air_temp", "name": "Air temperature", "kind": "temperature", "unit": "°C"},
            {"key": "soil", "name": "Soil moisture", "kind": "soil_moisture", "unit": "%", "interval_s": 30},
        ],
        "outputs": [
            {"key": "valve", "name": "Irrigation valve", "kind": "relay", "default_state": 0},
            {"key": "lights", "name": "Grow lights", "kind": "level", "default_state": 0},
        ],
    }


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., TestApp]]:
    """`spawn(**config_changes)` starts a server; every server still running is stopped afterwards."""

    def start_app(**changes: Any) -> TestApp:
        config = Config.in_dir(tmp_path).replace(listen=parse_listen("127.0.0.1:0"), **changes)
        return TestApp(tmp_path, config, ManualClock(T0))

    yield start_app
    for app in list(TestApp.live):
        app.stop()


@pytest.fixture
def app(spawn: Callable[..., TestApp]) -> TestApp:
    return spawn()


def json_of(response: httpx.Response) -> tuple[int, Any]:
    """(status, JSON body), asserting the body is JSON; an empty body reads as None."""
    if not response.content:
        return response.status_code, None
    assert response.headers.get("content-type") == "application/json", f"{response.status_code}: {response.text}"
    return response.status_code, response.json()


def assert_error(status: int, body: Any, want_status: int, want_code: str) -> None:
    """An error body of the API-CONVENTIONS shape with this status and code."""
    assert status == want_status, body
    assert body["error"]["code"] == want_code, body
    assert isinstance(body["error"]["message"], str), body
    assert body["error"]["message"], body
    assert isinstance(body["error"]["details"], list), body
    assert "request_id" not in body["error"] or want_status >= 500, body


def farm_core(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Runs `python -m farm_core ARGS` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "farm_core", *args],
        env=command_env(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def command_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for child servers: no FARM_* settings leak in from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}
    env.update(extra or {})
    return env


class SimNode:
    """A node that speaks the node API as node-sim does: heartbeats with its output states, and a
    command poll whose commands it applies and acknowledges (or fails, when told to)."""

    __test__ = False

    def __init__(self, node: TestNode, fail: bool = False) -> None:
        self.node = node
        self.fail = fail
        self.outputs = {o["key"]: o["default_state"] for o in node.outputs}

    def heartbeat(self) -> dict:
        outputs = [{"key": key, "state": state} for key, state in sorted(self.outputs.items())]
        response = self.node.post("/api/node/heartbeat", {"agent_version": "sim", "uptime_s": 5, "outputs": outputs})
        assert response.status_code == 200, response.text
        return response.json()

    def poll(self, wait: int = 0) -> list[tuple[int, str, int, bool]]:
        """(command id, output key, state, ok) of each command applied."""
        response = self.node.get(f"/api/node/commands?wait={wait}")
        assert response.status_code == 200, response.text
        applied = []
        for c in response.json()["items"]:
            if self.fail:
                body = {
                    "ok": False,
                    "reported_state": self.outputs.get(c["output_key"]),
                    "error": "simulated relay fault",
                }
            else:
                self.outputs[c["output_key"]] = c["state"]
                body = {"ok": True, "reported_state": c["state"]}
            ack = self.node.post(f"/api/node/commands/{c['id']}/ack", body)
            assert ack.status_code == 200, ack.text
            applied.append((c["id"], c["output_key"], c["state"], not self.fail))
        return applied
