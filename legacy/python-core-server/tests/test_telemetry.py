"""Node telemetry: atomic, idempotent batches with rollups kept current (ported from the Rust
crate's tests/api/telemetry.rs)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from conftest import TestApp, assert_error, greenhouse, json_of


def reading(key: str, ts: str, value: object) -> dict:
    return {"sensor_key": key, "ts": ts, "value": value}


def test_a_batch_is_stored_once_even_when_resent(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    batch = {
        "readings": [
            reading("air_temp", app.ts(-120_000), 20.5),
            reading("air_temp", app.ts(-60_000), 21.5),
            reading("soil", app.ts(-60_000), 33.0),
        ]
    }
    assert json_of(node.post("/api/node/telemetry", batch)) == (200, {"stored": 3, "duplicates": 0})
    assert json_of(node.post("/api/node/telemetry", batch)) == (200, {"stored": 0, "duplicates": 3})
    assert app.count("metrics") == 3
    assert app.count("metrics_hourly") == 2, "one hour row per sensor"


def test_a_batch_with_some_known_readings_stores_only_the_new_ones(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    node.post("/api/node/telemetry", {"readings": [reading("air_temp", app.ts(-60_000), 20.0)]})
    batch = {
        "readings": [
            reading("air_temp", app.ts(-60_000), 99.0),
            reading("air_temp", app.ts(-30_000), 22.0),
            reading("air_temp", app.ts(-30_000), 98.0),
        ]
    }
    assert json_of(node.post("/api/node/telemetry", batch)) == (200, {"stored": 1, "duplicates": 2})
    assert app.rows("SELECT value FROM metrics ORDER BY ts") == [(20.0,), (22.0,)], "the first one stays"
    assert app.rows("SELECT min, max, sum, count FROM metrics_hourly") == [(20.0, 22.0, 42.0, 2)]


def test_rollups_and_last_values_follow_ingest(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    batch = {"readings": [reading("air_temp", app.ts(-120_000), 20.0), reading("air_temp", app.ts(-60_000), 22.0)]}
    node.post("/api/node/telemetry", batch)
    assert app.rows("SELECT min, max, sum, count FROM metrics_hourly") == [(20.0, 22.0, 42.0, 2)]
    _, sensor = json_of(admin.get(f"/api/sensors/{node.sensor_id('air_temp')}"))
    assert sensor["last_value"] == 22.0
    assert sensor["last_ts"] == app.ts(-60_000)
    older = {"readings": [reading("air_temp", app.ts(-180_000), 5.0)]}
    node.post("/api/node/telemetry", older)
    _, sensor = json_of(admin.get(f"/api/sensors/{node.sensor_id('air_temp')}"))
    assert sensor["last_value"] == 22.0, "an older reading does not replace the last value"


def test_one_bad_reading_rejects_the_batch_naming_each_offender(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    now, future = app.ts(0), app.ts(5 * 60_000 + 1)
    readings = [
        ("air_temp", now, "20.0"),
        ("nope", now, "1"),
        ("soil", future, "1"),
        ("soil", now, "NaN"),
        ("soil", now, "-Infinity"),
        ("soil", "yesterday", "1"),
    ]
    items = ", ".join(f'{{"sensor_key": "{k}", "ts": "{t}", "value": {v}}}' for k, t, v in readings)
    body = f'{{"readings": [{items}]}}'
    response = node.client.post("/api/node/telemetry", content=body, headers={"content-type": "application/json"})
    status, error = json_of(response)
    assert_error(status, error, 422, "validation_failed")
    assert error["error"]["details"] == [
        {"field": "readings[1].sensor_key", "problem": "no sensor 'nope' on this node"},
        {"field": "readings[2].ts", "problem": "is more than 5 minutes in the future"},
        {"field": "readings[3].value", "problem": "must be a finite number"},
        {"field": "readings[4].value", "problem": "must be a finite number"},
        {"field": "readings[5].ts", "problem": "must be an RFC 3339 date-time"},
    ]
    assert app.count("metrics") + app.count("metrics_hourly") == 0, "nothing from the batch is stored"
    _, sensor = json_of(admin.get(f"/api/sensors/{node.sensor_id('air_temp')}"))
    assert sensor["last_value"] is None


def test_batch_size_and_shape(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    status, error = json_of(node.post("/api/node/telemetry", {"readings": []}))
    assert_error(status, error, 422, "validation_failed")
    assert error["error"]["details"] == [{"field": "readings", "problem": "must hold 1 to 10000 readings"}]
    status, error = json_of(node.post("/api/node/telemetry", {"readings": [reading("soil", app.ts(), "20")]}))
    assert error["error"]["details"] == [
        {"field": "readings[0].value", "problem": 'invalid type: string "20", expected f64'}
    ]
    nan_in_a_string = f'{{"readings": [{{"sensor_key": "NaN", "ts": "{app.ts()}", "value": 1}}]}}'
    response = node.client.post(
        "/api/node/telemetry", content=nan_in_a_string, headers={"content-type": "application/json"}
    )
    assert json_of(response)[1]["error"]["details"][0]["problem"] == "no sensor 'NaN' on this node"
    response = node.client.post(
        "/api/node/telemetry", content=b'{"readings": NaN}', headers={"content-type": "application/json"}
    )
    assert json_of(response)[1]["error"]["details"] == [
        {"field": "readings", "problem": "invalid type: null, expected a sequence"}
    ]


def test_node_api_needs_a_node_token(app: TestApp) -> None:
    admin = app.admin()
    status, body = json_of(admin.post("/api/node/heartbeat", json={}))
    assert_error(status, body, 401, "unauthenticated")
    assert body["error"]["message"] == "node token required: send Authorization: Bearer fcn_..."
    _, created = json_of(admin.post("/api/api-tokens", json={"name": "t", "capabilities": ["nodes.view"]}))
    response = app.anonymous().post(
        "/api/node/heartbeat", json={}, headers={"authorization": f"Bearer {created['secret']}"}
    )
    status, body = json_of(response)
    assert_error(status, body, 403, "forbidden")
    assert body["error"]["message"] == "this endpoint is for field nodes; send the node's own token"
    response = app.anonymous().post("/api/node/heartbeat", json={}, headers={"authorization": "Bearer fcn_nope"})
    status, body = json_of(response)
    assert_error(status, body, 401, "unauthenticated")
    assert body["error"]["message"] == "invalid or revoked node token"


def test_node_token_cannot_call_operator_endpoints(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    for path in ["/api/nodes", "/api/dashboard/state", "/api/users"]:
        status, body = json_of(node.get(path))
        assert_error(status, body, 403, "forbidden")


def test_concurrent_batches_fail_alone(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))

    def send(i: int) -> int:
        key = "no_such_sensor" if i % 6 == 5 else "air_temp"
        readings = [reading(key, app.ts(-(i * 50 + j) * 1000), i) for j in range(50)]
        client = app.client(headers={"authorization": f"Bearer {node.token}"})
        return client.post("/api/node/telemetry", json={"readings": readings}).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(send, range(24)))
    assert sorted(set(statuses)) == [200, 422]
    assert statuses.count(200) == 20, "the four bad batches failed, and only they"
    assert app.count("metrics") == 20 * 50
