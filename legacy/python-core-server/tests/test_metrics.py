"""Chart queries choose raw readings or rollups by range; retention ages raw rows out and keeps
the rollups (ported from the Rust crate's tests/api/metrics.rs)."""

from __future__ import annotations

import httpx
from conftest import T0, TestApp, assert_error, greenhouse, json_of

from farm_core import engine
from farm_core.domain.time import to_rfc3339

MINUTE = 60_000
DAY = 24 * 60 * MINUTE


def backfill(app: TestApp, sensor_id: int, days: int) -> None:
    """One reading a minute for `days` days before T0, straight into the store."""
    readings = [(sensor_id, T0 - days * DAY + i * MINUTE, float(i % 100)) for i in range(days * 24 * 60)]
    app.run(app.state.store.metrics.import_readings(readings))


def query(client: httpx.Client, params: str) -> tuple[int, dict]:
    return json_of(client.get(f"/api/metrics/query?{params}"))


def test_range_picks_raw_buckets_or_rollups_and_respects_max_points(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    sensor = node.sensor_id("air_temp")
    backfill(app, sensor, 90)
    cases = [
        (T0 - 60 * MINUTE, 1000, "raw", 60),
        (T0 - DAY, 1000, "bucketed", 0),
        (T0 - 90 * DAY, 1000, "hourly", 0),
        (T0 - 90 * DAY, 10, "hourly", 0),
    ]
    for start, max_points, resolution, exact in cases:
        params = f"sensor_id={sensor}&from={to_rfc3339(start)}&to={to_rfc3339(T0)}&max_points={max_points}"
        status, body = query(admin, params)
        assert status == 200, body
        series = body["items"][0]
        assert series["resolution"] == resolution, start
        points = series["points"]
        assert len(points) <= max_points
        if exact:
            assert len(points) == exact
        assert sum(p["count"] for p in points) >= (T0 - start) // MINUTE, "every reading is counted once"
        for p in points:
            assert p["min"] <= p["avg"] <= p["max"], p


def test_points_are_exact(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    sensor = node.sensor_id("air_temp")
    readings = [(sensor, T0 - 60 * MINUTE + i * MINUTE, 0.1) for i in range(60)]
    app.run(app.state.store.metrics.import_readings(readings))
    params = f"sensor_id={sensor}&from={to_rfc3339(T0 - 60 * MINUTE)}&to={to_rfc3339(T0)}"
    _, raw = query(admin, params)
    assert raw["items"][0]["points"][0] == {
        "ts": "2026-03-01T05:00:00.000Z",
        "min": 0.1,
        "max": 0.1,
        "avg": 0.1,
        "count": 1,
    }
    _, bucketed = query(admin, f"{params}&max_points=2")
    assert bucketed["items"][0]["bucket_ms"] == 30 * MINUTE
    # Ten 0.1s add up to 1.0 exactly with SQLite's compensated sum (a naive sum gives 0.9999999999999999),
    # and thirty of them to 3.0: avg 0.1.
    assert [p["avg"] for p in bucketed["items"][0]["points"]] == [0.1, 0.1]
    _, hourly = query(admin, f"sensor_id={sensor}&from={to_rfc3339(T0 - 2 * DAY)}&to={to_rfc3339(T0)}&max_points=2")
    # The hourly rollup itself adds up on ingest, in reading order, as the Rust server does.
    rollup_sum = 0.0
    for _ in range(60):
        rollup_sum += 0.1
    assert hourly["items"][0]["points"][0]["avg"] == rollup_sum / 60


def test_several_sensors_overlay_in_the_order_asked(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    a, b = node.sensor_id("air_temp"), node.sensor_id("soil")
    backfill(app, a, 1)
    status, body = query(admin, f"sensor_id={b},{a}&from={to_rfc3339(T0 - DAY)}&to={to_rfc3339(T0)}")
    assert status == 200
    assert [s["sensor_id"] for s in body["items"]] == [b, a]
    assert body["items"][0]["points"] == []


def test_bad_queries_are_422_or_404_or_400(app: TestApp) -> None:
    admin = app.admin()
    status, body = query(admin, f"sensor_id=1&from={to_rfc3339(T0)}&to={to_rfc3339(T0 - DAY)}&max_points=0")
    assert_error(status, body, 422, "validation_failed")
    assert [d["field"] for d in body["error"]["details"]] == ["to", "max_points"]
    status, body = query(admin, "sensor_id=3,x&from=yesterday&to=2026-03-02T00:00:00Z&max_points=1")
    assert [d["field"] for d in body["error"]["details"]] == ["sensor_id", "from", "max_points"]
    status, body = query(admin, f"sensor_id=999&from={to_rfc3339(T0 - DAY)}&to={to_rfc3339(T0)}")
    assert_error(status, body, 404, "not_found")
    assert body["error"]["message"] == "sensor not found"
    status, body = query(admin, "from=x")
    assert_error(status, body, 400, "bad_request")
    assert body["error"]["message"] == "Failed to deserialize query string: missing field `sensor_id`"


def test_retention_deletes_old_raw_rows_and_keeps_rollups(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    sensor = node.sensor_id("air_temp")
    backfill(app, sensor, 40)
    rollups = app.count("metrics_hourly")
    assert app.count("metrics") == 40 * 24 * 60

    deleted = app.run(engine.retention(app.state))
    assert deleted == 10 * 24 * 60, "the 10 days older than the 30-day retention"
    assert app.count("metrics") == 30 * 24 * 60
    assert app.count("metrics_hourly") == rollups, "rollups are kept"

    _, body = query(admin, f"sensor_id={sensor}&from={to_rfc3339(T0 - 40 * DAY)}&to={to_rfc3339(T0)}")
    assert body["items"][0]["resolution"] == "hourly"
    assert body["items"][0]["points"][0]["ts"] == to_rfc3339(T0 - 40 * DAY), "the long view still starts 40 days back"


def test_removing_a_sensor_keeps_history_unless_purged(app: TestApp) -> None:
    admin = app.admin()
    node = app.register_node(admin, greenhouse("G", "b8:27:eb:00:00:01"))
    a, b = node.sensor_id("air_temp"), node.sensor_id("soil")
    backfill(app, a, 1)
    backfill(app, b, 1)
    assert admin.delete(f"/api/sensors/{a}").status_code == 204
    assert admin.delete(f"/api/sensors/{b}?purge=true").status_code == 204
    assert app.count("metrics") == 24 * 60, "only the purged sensor's readings are gone"
    assert admin.get(f"/api/sensors/{a}").status_code == 404
    status, body = query(admin, f"sensor_id={a}&from={to_rfc3339(T0 - DAY)}&to={to_rfc3339(T0)}")
    assert status == 200, "a removed sensor's history can still be charted"
    status, body = json_of(admin.delete(f"/api/sensors/{a}?purge=maybe"))
    assert_error(status, body, 400, "bad_request")
    assert body["error"]["message"] == (
        "Failed to deserialize query string: purge: provided string was not `true` or `false`"
    )
