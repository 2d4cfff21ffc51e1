//! Chart queries choose raw readings or rollups by range; retention ages raw rows out and keeps
//! the rollups.

use core_server::domain::sensors::Reading;
use serde_json::{Value, json};

use crate::support::{T0, TestApp, assert_error, greenhouse, json_of};

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

/// One reading a minute for `days` days before T0, straight into the store.
async fn backfill(app: &TestApp, sensor_id: i64, days: i64) {
    let readings = (0..days * 24 * 60)
        .map(|i| Reading { sensor_id, ts: T0 - days * DAY + i * MINUTE, value: (i % 100) as f64 })
        .collect();
    app.state().store.metrics_import(readings).await.unwrap();
}

async fn query(app: &TestApp, client: &reqwest::Client, params: &str) -> (u16, Value) {
    json_of(client.get(app.url(&format!("/api/metrics/query?{params}"))).send().await.unwrap()).await
}

fn iso(ms: i64) -> String {
    node_sim::client::rfc3339(ms)
}

#[tokio::test]
async fn range_picks_raw_buckets_or_rollups_and_respects_max_points() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let sensor = node.sensor_id("air_temp");
    backfill(&app, sensor, 90).await;

    let cases = [
        (T0 - 60 * MINUTE, 1000, "raw", 60),
        (T0 - DAY, 1000, "bucketed", 0),
        (T0 - 90 * DAY, 1000, "hourly", 0),
        (T0 - 90 * DAY, 10, "hourly", 0),
    ];
    for (from, max_points, resolution, exact) in cases {
        let (status, body) = query(
            &app,
            &admin,
            &format!("sensor_id={sensor}&from={}&to={}&max_points={max_points}", iso(from), iso(T0)),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let series = &body["items"][0];
        assert_eq!(series["resolution"], resolution, "from {from}");
        let points = series["points"].as_array().unwrap();
        assert!(points.len() as i64 <= max_points, "{} points for max {max_points}", points.len());
        if exact > 0 {
            assert_eq!(points.len(), exact);
        }
        let total: i64 = points.iter().map(|p| p["count"].as_i64().unwrap()).sum();
        assert!(total >= (T0 - from) / MINUTE, "every reading is counted once: {total}");
        for p in points {
            assert!(p["min"].as_f64() <= p["avg"].as_f64() && p["avg"].as_f64() <= p["max"].as_f64(), "{p}");
        }
    }
}

#[tokio::test]
async fn several_sensors_overlay_in_the_order_asked() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let (a, b) = (node.sensor_id("air_temp"), node.sensor_id("soil"));
    backfill(&app, a, 1).await;
    let (status, body) = query(&app, &admin, &format!("sensor_id={b},{a}&from={}&to={}", iso(T0 - DAY), iso(T0))).await;
    assert_eq!(status, 200);
    let ids: Vec<_> = body["items"].as_array().unwrap().iter().map(|s| s["sensor_id"].clone()).collect();
    assert_eq!(ids, [json!(b), json!(a)]);
    assert_eq!(body["items"][0]["points"], json!([]));
}

#[tokio::test]
async fn bad_queries_are_422_or_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, body) =
        query(&app, &admin, &format!("sensor_id=1&from={}&to={}&max_points=0", iso(T0), iso(T0 - DAY))).await;
    assert_error(status, &body, 422, "validation_failed");
    let (status, body) = query(&app, &admin, &format!("sensor_id=999&from={}&to={}", iso(T0 - DAY), iso(T0))).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = query(&app, &admin, "from=x").await;
    assert_error(status, &body, 400, "bad_request");
}

#[tokio::test]
async fn retention_deletes_old_raw_rows_and_keeps_rollups() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let sensor = node.sensor_id("air_temp");
    backfill(&app, sensor, 40).await;
    let rollups = app.count("metrics_hourly");
    assert_eq!(app.count("metrics"), 40 * 24 * 60);

    let deleted = core_server::engine::retention(app.state()).await.unwrap();
    assert_eq!(deleted, 10 * 24 * 60, "the 10 days older than the 30-day retention");
    assert_eq!(app.count("metrics"), 30 * 24 * 60);
    assert_eq!(app.count("metrics_hourly"), rollups, "rollups are kept");

    let (_, body) =
        query(&app, &admin, &format!("sensor_id={sensor}&from={}&to={}", iso(T0 - 40 * DAY), iso(T0))).await;
    let first = &body["items"][0]["points"][0]["ts"];
    assert_eq!(first, &json!(iso(T0 - 40 * DAY)), "the long view still starts 40 days back, from rollups");
}

#[tokio::test]
async fn removing_a_sensor_keeps_history_unless_purged() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let (a, b) = (node.sensor_id("air_temp"), node.sensor_id("soil"));
    backfill(&app, a, 1).await;
    backfill(&app, b, 1).await;
    assert_eq!(admin.delete(app.url(&format!("/api/sensors/{a}"))).send().await.unwrap().status(), 204);
    assert_eq!(admin.delete(app.url(&format!("/api/sensors/{b}?purge=true"))).send().await.unwrap().status(), 204);
    assert_eq!(app.count("metrics"), 24 * 60, "only the purged sensor's readings are gone");
    assert_eq!(admin.get(app.url(&format!("/api/sensors/{a}"))).send().await.unwrap().status(), 404);
    let (status, body) = query(&app, &admin, &format!("sensor_id={a}&from={}&to={}", iso(T0 - DAY), iso(T0))).await;
    assert_eq!(status, 200, "a removed sensor's history can still be charted: {body}");
}
