//! Node telemetry: atomic, idempotent batches with rollups kept current.

use serde_json::{Value, json};

use crate::support::{TestApp, assert_error, greenhouse, json_of};

fn reading(key: &str, ts: &str, value: Value) -> Value {
    json!({"sensor_key": key, "ts": ts, "value": value})
}

#[tokio::test]
async fn a_batch_is_stored_once_even_when_resent() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let batch = json!({"readings": [
        reading("air_temp", &app.ts(-120_000), json!(20.5)),
        reading("air_temp", &app.ts(-60_000), json!(21.5)),
        reading("soil", &app.ts(-60_000), json!(33.0)),
    ]});
    let (status, body) =
        json_of(app.node_post(&node, "/api/node/telemetry", batch.clone()).send().await.unwrap()).await;
    assert_eq!((status, body), (200, json!({"stored": 3, "duplicates": 0})));
    let (status, body) = json_of(app.node_post(&node, "/api/node/telemetry", batch).send().await.unwrap()).await;
    assert_eq!((status, body), (200, json!({"stored": 0, "duplicates": 3})));

    assert_eq!(app.count("metrics"), 3);
    assert_eq!(app.count("metrics_hourly"), 2, "one hour row per sensor");
}

#[tokio::test]
async fn rollups_and_last_values_follow_ingest() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let batch = json!({"readings": [
        reading("air_temp", &app.ts(-120_000), json!(20.0)),
        reading("air_temp", &app.ts(-60_000), json!(22.0)),
    ]});
    app.node_post(&node, "/api/node/telemetry", batch).send().await.unwrap();
    let conn = rusqlite::Connection::open(&app.config.database).unwrap();
    let (min, max, sum, count): (f64, f64, f64, i64) = conn
        .query_row("SELECT min, max, sum, count FROM metrics_hourly", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!((min, max, sum, count), (20.0, 22.0, 42.0, 2));
    let (_, sensor) =
        json_of(admin.get(app.url(&format!("/api/sensors/{}", node.sensor_id("air_temp")))).send().await.unwrap())
            .await;
    assert_eq!(sensor["last_value"], 22.0);
    assert_eq!(sensor["last_ts"], json!(app.ts(-60_000)));
}

#[tokio::test]
async fn one_bad_reading_rejects_the_batch_naming_each_offender() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let good = reading("air_temp", &app.ts(0), json!(20.0));
    let body = format!(
        r#"{{"readings": [{good}, {{"sensor_key": "nope", "ts": "{now}", "value": 1}}, {{"sensor_key": "soil", "ts": "{future}", "value": 1}},
            {{"sensor_key": "soil", "ts": "{now}", "value": NaN}}, {{"sensor_key": "soil", "ts": "{now}", "value": -Infinity}},
            {{"sensor_key": "soil", "ts": "yesterday", "value": 1}}]}}"#,
        now = app.ts(0),
        future = app.ts(5 * 60_000 + 1),
    );
    let response = reqwest::Client::new()
        .post(app.url("/api/node/telemetry"))
        .bearer_auth(&node.token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, error) = json_of(response).await;
    assert_error(status, &error, 422, "validation_failed");
    let fields: Vec<_> = error["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].clone()).collect();
    assert_eq!(
        fields,
        vec![
            json!("readings[1].sensor_key"),
            json!("readings[2].ts"),
            json!("readings[3].value"),
            json!("readings[4].value"),
            json!("readings[5].ts")
        ]
    );
    assert_eq!(app.count("metrics") + app.count("metrics_hourly"), 0, "nothing from the batch is stored");
    let (_, sensor) =
        json_of(admin.get(app.url(&format!("/api/sensors/{}", node.sensor_id("air_temp")))).send().await.unwrap())
            .await;
    assert_eq!(sensor["last_value"], Value::Null);
}

#[tokio::test]
async fn node_api_needs_a_node_token() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, body) =
        json_of(admin.post(app.url("/api/node/heartbeat")).json(&json!({})).send().await.unwrap()).await;
    assert_error(status, &body, 401, "unauthenticated");
    let (_, created) = json_of(
        admin
            .post(app.url("/api/api-tokens"))
            .json(&json!({"name": "t", "capabilities": ["nodes.view"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let api_token = created["secret"].as_str().unwrap();
    let response = reqwest::Client::new()
        .post(app.url("/api/node/heartbeat"))
        .bearer_auth(api_token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_error(status, &body, 403, "forbidden");
}

#[tokio::test]
async fn node_token_cannot_call_operator_endpoints() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    for path in ["/api/nodes", "/api/dashboard/state", "/api/users"] {
        let (status, body) = json_of(app.node_get(&node, path).send().await.unwrap()).await;
        assert_error(status, &body, 403, "forbidden");
    }
}

#[tokio::test]
async fn concurrent_batches_commit_together_but_fail_alone() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let mut requests = Vec::new();
    for i in 0..24i64 {
        let key = if i % 6 == 5 { "no_such_sensor" } else { "air_temp" };
        let readings: Vec<Value> = (0..50).map(|j| reading(key, &app.ts(-(i * 50 + j) * 1000), json!(i))).collect();
        requests.push(app.node_post(&node, "/api/node/telemetry", json!({ "readings": readings })).send());
    }
    let mut ok = 0;
    for response in futures_util::future::join_all(requests).await {
        let (status, _) = json_of(response.unwrap()).await;
        assert!(status == 200 || status == 422, "{status}");
        ok += i64::from(status == 200);
    }
    assert_eq!(ok, 20, "the four bad batches failed, and only they");
    assert_eq!(app.count("metrics"), 20 * 50);
}
