"""The real command: serves, prints where, stops cleanly on SIGTERM; the frozen test clock."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from conftest import command_env, farm_core


def spawn_server(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "farm_core", "--data-dir", str(data_dir), "--listen", "127.0.0.1:0", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=command_env(env),
    )


def test_sigterm_finishes_and_exits_zero(tmp_path: Path) -> None:
    child = spawn_server(tmp_path)
    try:
        line = child.stdout.readline()
        match = re.fullmatch(r"Farm Controller is listening on (http://127\.0\.0\.1:(\d+))\n", line)
        assert match, line
        assert match.group(2) != "0", "the real port, not the one asked for"
        assert httpx.get(f"{match.group(1)}/healthz").status_code == 200
        child.send_signal(signal.SIGTERM)
        exit_code = child.wait(timeout=10)
        stderr = child.stderr.read()
    finally:
        child.kill()
        child.wait()
    assert exit_code == 0, stderr
    assert "shutting down" in stderr


def test_test_clock_is_refused_outside_test_mode(tmp_path: Path) -> None:
    out = farm_core(
        "--data-dir", str(tmp_path), "--listen", "127.0.0.1:0", "serve", env={"FARM_TEST_CLOCK": "2026-03-01T06:00:00Z"}
    )
    assert out.returncode == 1
    assert "farm_core: FARM_TEST_CLOCK is only accepted in test mode (FARM_TEST_MODE=1)" in out.stderr
    out = farm_core("--data-dir", str(tmp_path), "serve", env={"FARM_TEST_CLOCK": "soon", "FARM_TEST_MODE": "1"})
    assert "FARM_TEST_CLOCK=soon is not an RFC 3339 instant such as 2026-03-01T06:00:00Z" in out.stderr


def test_demo_with_a_frozen_clock(tmp_path: Path) -> None:
    child = spawn_server(tmp_path, "--demo", env={"FARM_TEST_CLOCK": "2026-03-01T06:00:00Z", "FARM_TEST_MODE": "1"})
    try:
        created = child.stdout.readline()
        password = re.fullmatch(r"Demo admin created\. Log in as:  admin / ([A-Za-z0-9]{16})\n", created).group(1)
        assert child.stdout.readline() == "(This password is shown only once; `make reset-demo` starts over.)\n"
        url = child.stdout.readline().rsplit(" ", 1)[1].strip()
        client = httpx.Client(base_url=url, headers={"x-requested-with": "test"})
        response = client.post("/api/auth/login", json={"username": "admin", "password": password})
        assert response.status_code == 200, response.text
        assert response.json()["user"]["created_at"] == "2026-03-01T06:00:00.000Z"
        state = client.get("/api/dashboard/state").json()
        assert state["site"]["name"] == "Demo Farm"
        assert [n["name"] for n in state["nodes"]] == ["Greenhouse", "Pump house", "Barn"]
        assert (state["counts"]["sensors"], state["counts"]["outputs"]) == (10, 6)
        client.close()
        nodes_file = tmp_path / "demo-nodes.json"
        assert nodes_file.stat().st_mode & 0o777 == 0o600, "it holds node tokens"
        assert [n["name"] for n in json.loads(nodes_file.read_text())["nodes"]] == ["Greenhouse", "Pump house", "Barn"]
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=10)
    again = spawn_server(tmp_path, "--demo")
    try:
        assert again.stdout.readline().startswith("Demo data exists: log in with the admin password")
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=10)
