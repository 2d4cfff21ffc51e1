"""Output commands: queued -> delivered -> confirmed | failed | expired, reconciliation on
heartbeat, group commands, and who may command (ported from the Rust crate's
tests/api/commands.rs)."""

from __future__ import annotations

import threading
import time

import httpx
from conftest import SimNode, TestApp, assert_error, greenhouse, json_of

from farm_core.domain.users import Role


def command(client: httpx.Client, output_id: int, state: object) -> tuple[int, dict]:
    return json_of(client.post(f"/api/outputs/{output_id}/command", json={"state": state}))


def statuses(client: httpx.Client, output_id: int) -> list[str]:
    _, page = json_of(client.get(f"/api/commands?output_id={output_id}"))
    return [c["status"] for c in page["items"]]


def test_command_lifecycle_through_a_simulated_node(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    valve = node.output_id("valve")
    sim = SimNode(node)

    status, queued = command(admin, valve, 1)
    assert status == 202, queued
    assert queued == {
        "id": 1,
        "output_id": valve,
        "node_id": node.id,
        "output_key": "valve",
        "state": 1,
        "source": "user",
        "requested_by": "ada",
        "status": "queued",
        "created_at": "2026-03-01T06:00:00.000Z",
        "delivered_at": None,
        "finished_at": None,
        "error": None,
    }
    _, output = json_of(admin.get(f"/api/outputs/{valve}"))
    assert (output["desired_state"], output["reported_state"]) == (1, None)

    app.clock.advance_ms(1000)
    assert sim.poll() == [(1, "valve", 1, True)]
    assert sim.outputs["valve"] == 1, "the simulated relay moved"
    assert statuses(admin, valve) == ["confirmed"]
    _, output = json_of(admin.get(f"/api/outputs/{valve}"))
    assert (output["reported_state"], output["reported_at"]) == (1, app.ts())
    assert app.rows("SELECT delivered_at, finished_at FROM commands") == [(app.clock.now_ms(), app.clock.now_ms())]


def test_a_failed_ack_marks_the_command_failed_with_the_error(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    valve = node.output_id("valve")
    command(admin, valve, 1)
    assert SimNode(node, fail=True).poll()[0][3] is False
    _, page = json_of(admin.get(f"/api/commands?output_id={valve}"))
    assert (page["items"][0]["status"], page["items"][0]["error"]) == ("failed", "simulated relay fault")
    _, output = json_of(admin.get(f"/api/outputs/{valve}"))
    assert (output["desired_state"], output["reported_state"]) == (1, 0)


def test_undelivered_command_expires_and_the_next_heartbeat_reconciles(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    valve = node.output_id("valve")
    command(admin, valve, 1)

    app.clock.advance_ms(60_000)
    app.tick()
    assert statuses(admin, valve) == ["expired"]
    _, page = json_of(admin.get("/api/commands"))
    assert page["items"][0]["error"] == "not delivered within 60 s"
    _, output = json_of(admin.get(f"/api/outputs/{valve}"))
    assert output["desired_state"] == 1, "the desired state stays"

    sim = SimNode(node)
    assert sim.heartbeat()["reconciliation_commands"] == 1
    assert statuses(admin, valve) == ["queued", "expired"]
    _, page = json_of(admin.get(f"/api/commands?output_id={valve}"))
    assert (page["items"][0]["source"], page["items"][0]["requested_by"]) == ("reconciliation", None)

    sim.poll()
    assert sim.outputs["valve"] == 1
    assert statuses(admin, valve) == ["confirmed", "expired"]
    # In sync now: another heartbeat queues nothing.
    assert sim.heartbeat()["reconciliation_commands"] == 0
    assert len(statuses(admin, valve)) == 2


def test_a_delivered_command_not_acknowledged_expires(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    command(admin, node.output_id("valve"), 1)
    app.clock.advance_ms(30_000)
    assert len(json_of(node.get("/api/node/commands"))[1]["items"]) == 1
    app.clock.advance_ms(59_999)
    app.tick()
    assert app.column("commands", "status") == ["delivered"], "60 s after delivery, not after creation"
    app.clock.advance_ms(1)
    app.tick()
    assert app.column("commands", "error") == ["not acknowledged within 60 s"]


def test_a_newer_command_supersedes_an_open_one(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    lights = node.output_id("lights")
    command(admin, lights, 40)
    command(admin, lights, 80)
    assert statuses(admin, lights) == ["queued", "expired"]
    assert app.column("commands", "error") == ["superseded by a newer command", None]
    assert [state for _, _, state, _ in SimNode(node).poll()] == [80]


def test_group_command_is_all_or_nothing(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    valve, lights = node.output_id("valve"), node.output_id("lights")

    bad = {
        "commands": [
            {"output_id": valve, "state": 1},
            {"output_id": lights, "state": 101},
            {"output_id": 999, "state": 1},
        ]
    }
    status, error = json_of(admin.post("/api/outputs/commands", json=bad))
    assert_error(status, error, 422, "validation_failed")
    assert [d["field"] for d in error["error"]["details"]] == ["commands[1].state", "commands[2].output_id"]
    assert app.count("commands") == 0
    assert app.column("outputs", "desired_state") == [0, 0]

    twice = {"commands": [{"output_id": valve, "state": 1}, {"output_id": valve, "state": 0}]}
    status, error = json_of(admin.post("/api/outputs/commands", json=twice))
    assert error["error"]["details"] == [{"field": "commands[1].output_id", "problem": "names an output twice"}]

    good = {"commands": [{"output_id": valve, "state": 1}, {"output_id": lights, "state": 75}]}
    status, queued = json_of(admin.post("/api/outputs/commands", json=good))
    assert status == 202
    assert len(queued["items"]) == 2
    assert app.column("outputs", "desired_state") == [1, 75]
    assert len(SimNode(node).poll()) == 2, "each output got its own command"


def test_viewer_cannot_command_outputs_and_operator_can(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    app.create_user("vera", Role.VIEWER, "vera password")
    app.create_user("otto", Role.OPERATOR, "otto password")
    status, body = command(app.login("vera", "vera password"), node.output_id("valve"), 1)
    assert_error(status, body, 403, "forbidden")
    assert app.count("commands") == 0
    assert command(app.login("otto", "otto password"), node.output_id("valve"), 1)[0] == 202
    _, created = json_of(admin.post("/api/api-tokens", json={"name": "t", "capabilities": ["outputs.command"]}))
    script = app.client(headers={"authorization": f"Bearer {created['secret']}"})
    status, queued = command(script, node.output_id("valve"), 0)
    assert (status, queued["source"], queued["requested_by"]) == (202, "api_token", "ada")


def test_invalid_states_and_unknown_outputs(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    status, body = command(admin, node.output_id("valve"), 2)
    assert_error(status, body, 422, "validation_failed")
    assert body["error"]["details"] == [{"field": "state", "problem": "must be 0 (off) or 1 (on) for a relay"}]
    status, body = command(admin, 999, 1)
    assert_error(status, body, 404, "not_found")
    assert app.count("commands") == 0
    admin.post(f"/api/nodes/{node.id}/retire")
    status, body = command(admin, node.output_id("valve"), 1)
    assert_error(status, body, 409, "conflict")
    assert body["error"]["message"] == f"output {node.output_id('valve')} belongs to a retired node"


def test_a_node_cannot_acknowledge_another_nodes_command(app: TestApp) -> None:
    admin = app.admin()
    a = app.register_node(admin, greenhouse("A", "b8:27:eb:00:00:01"))
    b = app.register_node(admin, greenhouse("B", "b8:27:eb:00:00:02"))
    _, queued = command(admin, a.output_id("valve"), 1)
    command_id = queued["id"]

    assert json_of(b.get("/api/node/commands"))[1]["items"] == [], "B sees none of A's commands"
    status, body = json_of(b.post(f"/api/node/commands/{command_id}/ack", {"ok": True}))
    assert_error(status, body, 403, "forbidden")
    assert app.column("commands", "status") == ["queued"]

    assert json_of(a.post(f"/api/node/commands/{command_id}/ack", {"ok": True}))[0] == 200
    status, body = json_of(a.post(f"/api/node/commands/{command_id}/ack", {"ok": True}))
    assert_error(status, body, 409, "conflict")
    assert body["error"]["message"] == "command is already confirmed"


def test_long_poll_returns_as_soon_as_a_command_is_queued(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    started = time.monotonic()
    timer = threading.Timer(0.2, lambda: command(admin, node.output_id("valve"), 1))
    timer.start()
    try:
        status, body = json_of(node.get("/api/node/commands?wait=20"))
    finally:
        timer.join()
    assert (status, len(body["items"])) == (200, 1)
    assert time.monotonic() - started < 10, "woke early"


def test_long_poll_ends_empty_at_its_deadline(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    started = time.monotonic()
    assert json_of(node.get("/api/node/commands?wait=1")) == (200, {"items": []})
    assert 0.9 < time.monotonic() - started < 5


def test_command_history_pages_newest_first(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    for state in (10, 20, 30, 40, 50):
        command(admin, node.output_id("lights"), state)

    def ids(page: dict) -> list[int]:
        return [c["id"] for c in page["items"]]

    _, first = json_of(admin.get("/api/commands?limit=2"))
    assert ids(first) == [5, 4]
    _, second = json_of(admin.get(f"/api/commands?limit=2&cursor={first['next_cursor']}"))
    assert ids(second) == [3, 2]
    _, last = json_of(admin.get("/api/commands?limit=2&cursor=2"))
    assert (ids(last), last["next_cursor"]) == ([1], None)
    status, body = json_of(admin.get("/api/commands?limit=5000"))
    assert_error(status, body, 422, "validation_failed")
    status, body = json_of(admin.get("/api/commands?limit=ten"))
    assert_error(status, body, 400, "bad_request")
    assert body["error"]["message"] == "Failed to deserialize query string: limit: invalid digit found in string"


def test_get_on_the_group_route_is_405_not_an_output_id(app: TestApp) -> None:
    admin = app.admin()
    response = admin.get("/api/outputs/commands")
    status, body = json_of(response)
    assert_error(status, body, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


def test_shutdown_ends_a_waiting_long_poll(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    answers: list[tuple[int, object]] = []
    poll = threading.Thread(target=lambda: answers.append(json_of(node.get("/api/node/commands?wait=20"))))
    started = time.monotonic()
    poll.start()
    time.sleep(0.3)
    app.run(app.running.shutdown())
    poll.join(timeout=10)
    assert answers == [(200, {"items": []})]
    assert time.monotonic() - started < 10, "the poll did not hold the shutdown for its 20 s"
