"""Adoption of new nodes and one-step replacement (ported from the Rust crate's
tests/api/adoption.rs; the node simulator's announce and claim are plain requests here)."""

from __future__ import annotations

import json

import httpx
from conftest import SimNode, TestApp, TestNode, assert_error, greenhouse, json_of

from farm_core.domain.users import Role

MAC = "b8:27:eb:aa:bb:cc"


def announce(app: TestApp, mac: str, model: str) -> None:
    status, body = json_of(
        app.anonymous().post("/api/adoption/announce", json={"mac": mac, "model": model, "agent_version": "sim"})
    )
    assert status == 202, body
    assert body == {"announce_every_s": 30}


def adoption_token(app: TestApp, admin: httpx.Client, mac: str, name: str) -> str:
    status, created = json_of(admin.post("/api/adoption/tokens", json={"mac": mac, "name": name}))
    assert status == 201, created
    return created["secret"]


def claim_raw(app: TestApp, mac: str, token: str) -> tuple[int, dict]:
    return json_of(app.anonymous().post("/api/adoption/claim", json={"mac": mac, "token": token}))


SENSORS = [{"key": "air_temp", "name": "air_temp", "kind": "temperature", "unit": "°C"}]
OUTPUTS = [{"key": "fan", "name": "fan", "kind": "relay", "default_state": 0}]


def claim(app: TestApp, mac: str, token: str) -> dict:
    """What node-sim's `claim` does: the claim with the device's declarations."""
    body = {"mac": mac, "token": token, "model": "sim", "agent_version": "sim", "sensors": SENSORS, "outputs": OUTPUTS}
    status, claimed = json_of(app.anonymous().post("/api/adoption/claim", json=body))
    assert status == 201, claimed
    return claimed


def node_of(app: TestApp, claimed: dict) -> TestNode:
    """The claimed node as a `TestNode` (its outputs are the bundle's)."""
    bundle = claimed["bundle"]
    outputs = [{"id": 0, **o} for o in bundle["outputs"]]
    registered = {"node": {"id": claimed["node_id"]}, "token": claimed["token"], "sensors": [], "outputs": outputs}
    return TestNode(app, registered)


def test_a_node_announces_is_adopted_and_comes_online(app: TestApp) -> None:
    admin = app.admin()
    announce(app, MAC, "Raspberry Pi 5")
    _, candidates = json_of(admin.get("/api/adoption/candidates"))
    assert candidates["items"][0]["mac"] == MAC
    assert candidates["items"][0]["model"] == "Raspberry Pi 5"
    assert list(candidates["items"][0]) == [
        "mac",
        "model",
        "agent_version",
        "ip",
        "source",
        "first_seen_at",
        "last_seen_at",
    ]
    assert candidates["items"][0]["source"] == "announce"

    token = adoption_token(app, admin, MAC, "Tunnel house")
    assert token.startswith("fca_")
    claimed = claim(app, MAC, token)
    assert list(claimed) == ["node_id", "token", "replaced", "bundle"]
    assert claimed["replaced"] is False
    assert claimed["token"].startswith("fcn_")
    assert claimed["bundle"]["node"] == {"name": "Tunnel house", "heartbeat_interval_s": 30}
    SimNode(node_of(app, claimed)).heartbeat()

    _, nodes = json_of(admin.get("/api/nodes"))
    assert (nodes["items"][0]["name"], nodes["items"][0]["status"]) == ("Tunnel house", "online")
    assert app.count("sensors") == 1
    _, candidates = json_of(admin.get("/api/adoption/candidates"))
    assert candidates["items"] == [], "adopted nodes are no longer candidates"
    assert app.column("adoption_attempts", "outcome") == ["adopted"]


def test_candidates_expire_ten_minutes_after_the_last_announcement(app: TestApp) -> None:
    admin = app.admin()
    announce(app, MAC, "Pi")
    app.clock.advance_ms(10 * 60_000)
    _, candidates = json_of(admin.get("/api/adoption/candidates"))
    assert candidates["items"] == []


def test_reused_expired_and_wrong_mac_tokens_are_refused_and_logged(app: TestApp) -> None:
    admin = app.admin()
    token = adoption_token(app, admin, MAC, "A")

    status, body = claim_raw(app, "b8:27:eb:00:00:99", token)
    assert_error(status, body, 403, "forbidden")
    status, body = claim_raw(app, MAC, "fca_not-a-token")
    assert_error(status, body, 401, "unauthenticated")
    status, _ = claim_raw(app, MAC, token)
    assert status == 201
    status, body = claim_raw(app, MAC, token)
    assert_error(status, body, 409, "conflict")

    late = adoption_token(app, admin, "b8:27:eb:00:00:02", "B")
    app.clock.advance_ms(15 * 60_000)
    status, body = claim_raw(app, "b8:27:eb:00:00:02", late)
    assert_error(status, body, 422, "token_expired")
    assert body["error"]["message"] == "the token has expired; ask for a new one"
    assert body["error"]["details"] == [{"field": "token", "problem": "has expired"}]
    assert app.count("nodes") == 1
    assert app.column("adoption_attempts", "outcome") == ["wrong_mac", "unknown_token", "adopted", "reused", "expired"]


def test_a_claim_whose_name_or_mac_was_taken_meanwhile_is_refused_and_logged(app: TestApp) -> None:
    admin = app.admin()
    by_name = adoption_token(app, admin, MAC, "Greenhouse")
    by_mac = adoption_token(app, admin, "b8:27:eb:00:00:07", "Shed")
    app.register_node(admin, greenhouse("Greenhouse", "b8:27:eb:00:00:07"))

    status, body = claim_raw(app, MAC, by_name)
    assert_error(status, body, 409, "conflict")
    assert body["error"]["message"] == "node name is taken"
    status, body = claim_raw(app, "b8:27:eb:00:00:07", by_mac)
    assert_error(status, body, 409, "conflict")
    assert body["error"]["message"] == "a node with this MAC exists"
    assert app.count("nodes") == 1, "nothing was adopted"
    assert app.column("adoption_attempts", "outcome") == ["name_taken", "mac_taken"]
    assert app.column("adoption_tokens", "used_at") == [None, None], "the tokens stay unused"


def test_tokens_for_taken_names_or_macs_are_409(app: TestApp) -> None:
    admin = app.admin()
    app.register_node(admin, greenhouse("Greenhouse", MAC))
    for body in ({"mac": MAC, "name": "Other"}, {"mac": "b8:27:eb:00:00:05", "name": "Greenhouse"}):
        status, error = json_of(admin.post("/api/adoption/tokens", json=body))
        assert_error(status, error, 409, "conflict")
    status, error = json_of(admin.post("/api/adoption/tokens", json={"mac": "nope", "name": ""}))
    assert_error(status, error, 422, "validation_failed")
    assert len(error["error"]["details"]) == 2
    assert app.count("adoption_tokens") == 0


def insert_schedule(app: TestApp, name: str, output_id: int) -> None:
    """A schedule row as the Rust server stores it, written directly (a bundle reads stored rows)."""
    recurrence = '{"type":"weekly","blocks":[{"day":"mon","start":"06:00","end":"06:30"}]}'
    actions = json.dumps([{"type": "set_output", "output_id": output_id, "state": 1}], separators=(",", ":"))
    now = app.clock.now_ms()
    app.sql(
        "INSERT INTO schedules (name, enabled, priority, timezone, recurrence, conditions, actions,"
        f" missed_run_policy, created_at, updated_at) VALUES ('{name}', 1, 0, NULL, '{recurrence}', NULL,"
        f" '{actions}', 'skip', {now}, {now})"
    )


def test_replacement_keeps_history_and_schedules_and_revokes_the_old_token(app: TestApp) -> None:
    admin = app.admin()
    old = app.register_node(admin, greenhouse("Greenhouse", "b8:27:eb:00:00:01"))
    valve = old.output_id("valve")
    reading = {"sensor_key": "air_temp", "ts": app.ts(0), "value": 21.0}
    response = old.post("/api/node/telemetry", {"readings": [reading]})
    assert response.status_code == 200, response.text
    admin.post(f"/api/outputs/{valve}/command", json={"state": 1})
    insert_schedule(app, "Water", valve)
    insert_schedule(app, "Elsewhere", 999)

    status, created = json_of(admin.post(f"/api/nodes/{old.id}/replace", json={"mac": MAC}))
    assert status == 201, created
    assert created["token"]["node_id"] == old.id
    assert created["token"]["name"] == "Greenhouse"
    claimed = claim(app, MAC, created["secret"])
    assert claimed["replaced"] is True
    assert claimed["bundle"]["node"]["name"] == "Greenhouse"
    assert [o["key"] for o in claimed["bundle"]["outputs"]] == ["valve", "lights"], "the node's own outputs"

    status, body = json_of(old.post("/api/node/heartbeat", {}))
    assert_error(status, body, 401, "unauthenticated")
    _, node = json_of(admin.get(f"/api/nodes/{old.id}"))
    assert node["mac"] == MAC
    assert app.count("nodes") == 1
    assert app.count("metrics") == 1, "history stays"
    _, bundle = json_of(admin.get(f"/api/nodes/{old.id}/bundle"))
    assert bundle["version"] == 1
    assert [s["name"] for s in bundle["schedules"]] == ["Water"], "schedules acting on the node stay attached"
    assert bundle["schedules"][0] == {
        "id": 1,
        "name": "Water",
        "enabled": True,
        "priority": 0,
        "timezone": None,
        "recurrence": {"type": "weekly", "blocks": [{"day": "mon", "start": "06:00", "end": "06:30"}]},
        "conditions": None,
        "actions": [{"type": "set_output", "output_id": valve, "state": 1}],
        "missed_run_policy": "skip",
        "created_at": "2026-03-01T06:00:00.000Z",
        "updated_at": "2026-03-01T06:00:00.000Z",
    }

    # The new device is brought to the desired states.
    sim = SimNode(node_of(app, claimed))
    applied = sim.poll(0)
    assert any(key == "valve" and state == 1 for _, key, state, _ in applied), applied
    assert app.column("adoption_attempts", "outcome") == ["replaced"]


def test_announcements_are_limited_per_address(app: TestApp) -> None:
    for i in range(30):
        announce(app, f"b8:27:eb:00:01:{i:02x}", "Pi")
    response = app.anonymous().post("/api/adoption/announce", json={"mac": MAC, "model": "Pi", "agent_version": "1"})
    assert response.headers.get("retry-after") == "60"
    status, body = json_of(response)
    assert_error(status, body, 429, "rate_limited")
    app.clock.advance_ms(60_000)
    announce(app, MAC, "Pi")


def test_who_may_adopt_and_replace(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("Greenhouse", "b8:27:eb:00:00:01"))
    app.create_user("vera", Role.VIEWER, "vera password")
    viewer = app.login("vera", "vera password")
    status, _ = json_of(viewer.get("/api/adoption/candidates"))
    assert status == 200
    status, _ = json_of(viewer.get(f"/api/nodes/{node.id}/bundle"))
    assert status == 200
    status, body = json_of(viewer.post("/api/adoption/tokens", json={"mac": MAC, "name": "X"}))
    assert_error(status, body, 403, "forbidden")
    status, body = json_of(viewer.post(f"/api/nodes/{node.id}/replace", json={"mac": MAC}))
    assert_error(status, body, 403, "forbidden")
    status, body = json_of(admin.post("/api/nodes/999/replace", json={"mac": MAC}))
    assert_error(status, body, 404, "not_found")
    admin.post(f"/api/nodes/{node.id}/retire")
    status, body = json_of(admin.post(f"/api/nodes/{node.id}/replace", json={"mac": MAC}))
    assert_error(status, body, 409, "conflict")
    assert body["error"]["message"] == "node is retired"
