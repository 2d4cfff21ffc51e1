"""The overview state in one call, with a fixed number of SQL statements (ported from the Rust
crate's tests/api/dashboard.rs)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from conftest import TestApp, greenhouse, json_of


def statements_for_state(app: TestApp, client: httpx.Client) -> int:
    before = app.state.store.statements_executed()
    assert client.get("/api/dashboard/state").status_code == 200
    return app.state.store.statements_executed() - before


def test_query_count_does_not_grow_with_node_count(spawn: Callable[..., TestApp]) -> None:
    app = spawn(count_statements=True)
    admin = app.admin()
    app.register_node(admin, greenhouse("N0", "b8:27:eb:00:00:00"))
    small = statements_for_state(app, admin)
    for i in range(1, 30):
        node = app.register_node(admin, greenhouse(f"N{i}", f"b8:27:eb:00:00:{i:02x}"))
        admin.post(f"/api/outputs/{node.output_id('valve')}/command", json={"state": 1})
    large = statements_for_state(app, admin)
    assert small > 0
    assert small == large, "30 nodes cost as many statements as one"


def test_state_shows_status_last_values_and_pending_commands(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    node.post("/api/node/heartbeat", {"outputs": [{"key": "valve", "state": 0}]})
    node.post("/api/node/telemetry", {"readings": [{"sensor_key": "air_temp", "ts": app.ts(), "value": 19.5}]})
    admin.post(f"/api/outputs/{node.output_id('valve')}/command", json={"state": 1})

    status, state = json_of(admin.get("/api/dashboard/state"))
    assert status == 200
    assert list(state) == ["site", "nodes", "sensors", "outputs", "counts", "backup", "generated_at"]
    assert state["nodes"][0]["status"] == "online"
    assert state["sensors"][0]["last_value"] == 19.5
    assert state["sensors"][0]["stale"] is False
    assert state["sensors"][1]["stale"] is True, "never reported"
    valve = state["outputs"][0]
    assert (valve["desired_state"], valve["reported_state"]) == (1, 0)
    assert valve["pending_command"]["status"] == "queued"
    assert valve["last_command"] == valve["pending_command"]
    assert state["outputs"][1]["pending_command"] is None
    assert state["counts"] == {
        "nodes_online": 1,
        "nodes_offline": 0,
        "nodes_retired": 0,
        "sensors": 2,
        "sensors_stale": 1,
        "outputs": 2,
        "commands_pending": 1,
    }
    assert state["site"] == {
        "name": "My farm",
        "timezone": "UTC",
        "units": "metric",
        "updated_at": "1970-01-01T00:00:00.000Z",
    }
    assert state["generated_at"] == app.ts()

    app.clock.advance_ms(60_000)
    _, state = json_of(admin.get("/api/dashboard/state"))
    assert state["nodes"][0]["status"] == "offline", "two 30 s heartbeats missed"
