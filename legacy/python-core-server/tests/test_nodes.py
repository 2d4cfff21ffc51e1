"""Registering nodes with their sensors and outputs, editing and retiring them; the site settings
(ported from the Rust crate's tests/api/nodes.rs)."""

from __future__ import annotations

from conftest import TestApp, assert_error, greenhouse, json_of

from farm_core.domain.users import Role


def test_register_node_with_sensors_and_outputs_returns_its_token_once(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("Greenhouse", "B8-27-EB-12-34-56"))
    assert node.token.startswith("fcn_")
    assert node.registered["node"]["mac"] == "b8:27:eb:12:34:56", "normalised"
    assert node.registered["node"]["status"] == "offline", "never seen yet"
    assert len(node.sensors) == 2
    assert node.sensors[1]["interval_s"] == 30
    assert node.sensors[0]["retention_days"] == 30, "default"
    assert node.outputs[1]["kind"] == "level"
    assert len(app.column("nodes", "token_hash")[0]) == 64, "only a digest is stored"

    listed = admin.get("/api/nodes").text
    assert node.token not in listed, "the token is never listed"
    _, sensors = json_of(admin.get(f"/api/sensors?node_id={node.id}"))
    assert len(sensors["items"]) == 2


def test_registration_answers_every_field_in_rust_order(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("Greenhouse", "b8:27:eb:00:00:01"))
    assert list(node.registered) == ["node", "sensors", "outputs", "token"]
    assert node.registered["node"] == {
        "id": 1,
        "name": "Greenhouse",
        "mac": "b8:27:eb:00:00:01",
        "model": "Raspberry Pi 4",
        "agent_version": "",
        "ip": None,
        "status": "offline",
        "heartbeat_interval_s": 30,
        "uptime_s": None,
        "adopted_at": "2026-03-01T06:00:00.000Z",
        "last_seen_at": None,
        "retired_at": None,
    }
    assert node.sensors[0] == {
        "id": 1,
        "node_id": 1,
        "key": "air_temp",
        "name": "Air temperature",
        "kind": "temperature",
        "unit": "°C",
        "interval_s": 60,
        "retention_days": 30,
        "last_value": None,
        "last_ts": None,
    }
    assert node.outputs[1] == {
        "id": 2,
        "node_id": 1,
        "key": "lights",
        "name": "Grow lights",
        "kind": "level",
        "default_state": 0,
        "desired_state": 0,
        "reported_state": None,
        "reported_at": None,
    }


def test_invalid_registration_names_every_field_and_stores_nothing(app: TestApp) -> None:
    admin = app.admin()
    body = {
        "name": "",
        "mac": "not-a-mac",
        "sensors": [
            {"key": "Bad Key", "name": "x", "kind": "temperature", "unit": "C", "interval_s": 0},
            {"key": "t", "name": "t", "kind": "temperature", "unit": "C"},
            {"key": "t", "name": "t2", "kind": "temperature", "unit": "C"},
        ],
        "outputs": [{"key": "pump", "name": "Pump", "kind": "relay", "default_state": 5}],
    }
    status, error = json_of(admin.post("/api/nodes", json=body))
    assert_error(status, error, 422, "validation_failed")
    assert [d["field"] for d in error["error"]["details"]] == [
        "name",
        "mac",
        "sensors[0].key",
        "sensors[0].interval_s",
        "outputs[0].default_state",
        "sensors[2].key",
    ]
    assert error["error"]["details"][-1]["problem"] == "is declared twice"
    assert app.count("nodes") + app.count("sensors") + app.count("outputs") == 0


def test_duplicate_name_or_mac_is_409_and_nothing_partial_is_stored(app: TestApp) -> None:
    admin = app.admin()
    app.register_node(admin, greenhouse("Greenhouse", "b8:27:eb:00:00:01"))
    for body, message in [
        (greenhouse("Greenhouse", "b8:27:eb:00:00:02"), "node name is taken"),
        (greenhouse("Other", "b8:27:eb:00:00:01"), "a node with this MAC exists"),
    ]:
        status, error = json_of(admin.post("/api/nodes", json=body))
        assert_error(status, error, 409, "conflict")
        assert error["error"]["message"] == message
    assert (app.count("nodes"), app.count("sensors"), app.count("outputs")) == (1, 2, 2)


def test_viewer_can_list_but_not_register_nodes(app: TestApp) -> None:
    app.create_user("vera", Role.VIEWER, "vera password")
    viewer = app.login("vera", "vera password")
    assert viewer.get("/api/nodes").status_code == 200
    status, body = json_of(viewer.post("/api/nodes", json=greenhouse("G", "b8:27:eb:00:00:01")))
    assert_error(status, body, 403, "forbidden")
    assert body["error"]["message"] == "this needs the nodes.manage capability"


def test_rename_add_remove_and_retire(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("Greenhouse", "b8:27:eb:00:00:01"))
    url = f"/api/nodes/{node.id}"

    status, renamed = json_of(admin.patch(url, json={"name": "Glasshouse", "heartbeat_interval_s": 60}))
    assert (status, renamed["name"], renamed["heartbeat_interval_s"]) == (200, "Glasshouse", 60)

    co2 = {"key": "co2", "name": "CO2", "kind": "generic", "unit": "ppm"}
    status, sensor = json_of(admin.post(f"{url}/sensors", json=co2))
    assert status == 201, sensor
    status, dup = json_of(admin.post(f"{url}/sensors", json=co2))
    assert_error(status, dup, 409, "conflict")
    assert dup["error"]["message"] == "sensor key 'co2' is taken on this node"
    fan = {"key": "fan", "name": "Fan", "kind": "relay", "default_state": 0}
    status, output = json_of(admin.post(f"{url}/outputs", json=fan))
    assert status == 201, output
    assert admin.delete(f"/api/outputs/{output['id']}").status_code == 204
    assert admin.get(f"/api/outputs/{output['id']}").status_code == 404

    status, retired = json_of(admin.post(f"{url}/retire"))
    assert (status, retired["status"]) == (200, "retired")
    status, body = json_of(node.post("/api/node/heartbeat", {}))
    assert_error(status, body, 401, "unauthenticated")
    status, body = json_of(admin.post(f"{url}/retire"))
    assert_error(status, body, 409, "conflict")
    status, body = json_of(admin.post(f"{url}/sensors", json={**co2, "key": "co3"}))
    assert_error(status, body, 409, "conflict")
    assert body["error"]["message"] == "node is retired"


def test_removed_sensor_keys_can_be_declared_again(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    assert admin.delete(f"/api/sensors/{node.sensor_id('soil')}").status_code == 204
    again = {"key": "soil", "name": "Soil again", "kind": "soil_moisture", "unit": "%"}
    status, sensor = json_of(admin.post(f"/api/nodes/{node.id}/sensors", json=again))
    assert (status, sensor["id"]) == (201, 3)
    assert app.column("sensors", "removed_at") == [None, app.clock.now_ms(), None]


def test_site_time_zone_must_exist(app: TestApp) -> None:
    admin = app.admin()
    status, site = json_of(admin.patch("/api/site", json={"name": "Hill Farm", "timezone": "Australia/Lord_Howe"}))
    assert (status, site["timezone"]) == (200, "Australia/Lord_Howe")
    status, body = json_of(admin.patch("/api/site", json={"timezone": "Mars/Olympus"}))
    assert_error(status, body, 422, "validation_failed")
    assert body["error"]["details"] == [
        {"field": "timezone", "problem": "must be an IANA time zone such as Europe/Berlin"}
    ]
    assert app.column("site", "timezone") == ["Australia/Lord_Howe"]
    status, body = json_of(admin.patch("/api/site", json={"timezone": "europe/berlin"}))
    assert status == 422, "names are matched exactly, as chrono-tz does"


def test_query_strings_are_read_as_axum_reads_them(app: TestApp) -> None:
    admin = app.admin()
    for query, message in [
        ("node_id=abc", "node_id: invalid digit found in string"),
        ("node_id=", "node_id: cannot parse integer from empty string"),
        ("node_id=1.5", "node_id: invalid digit found in string"),
        ("node_id=9223372036854775808", "node_id: number too large to fit in target type"),
        ("node_id=1&node_id=2", "duplicate field `node_id`"),
        ("nodeid=1", "nodeid: unknown field `nodeid`, expected `node_id`"),
    ]:
        status, body = json_of(admin.get(f"/api/sensors?{query}"))
        assert_error(status, body, 400, "bad_request")
        assert body["error"]["message"] == f"Failed to deserialize query string: {message}", query
    assert json_of(admin.get("/api/sensors?node_id=%2B1&"))[0] == 200, "a sign, and an empty pair, are fine"
