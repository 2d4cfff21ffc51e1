//! Server-Sent Events deliver changes to the dashboard, and resume with Last-Event-ID.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{TestApp, greenhouse, json_of};

/// Reads the stream up to its next block (an event, or a keep-alive comment) before `deadline`.
async fn next_block(response: &mut reqwest::Response, buffer: &mut String, deadline: tokio::time::Instant) -> String {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            return buffer.drain(..end + 2).collect();
        }
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .expect("event in time")
            .unwrap()
            .expect("stream open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// The value of one field (`event:`, `data:`, `id:`) of a block.
fn field(block: &str, name: &str) -> Option<String> {
    block.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).map(str::to_owned)
}

/// Reads the stream until an event of `kind` whose data contains `needle`; returns its id.
async fn wait_for(response: &mut reqwest::Response, kind: &str, needle: &str, buffer: &mut String) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let block = next_block(response, buffer, deadline).await;
        if field(&block, "event:").as_deref() == Some(kind)
            && field(&block, "data:").is_some_and(|d| d.contains(needle))
        {
            return field(&block, "id:").unwrap_or_default();
        }
    }
}

/// One event as the stream framed it.
#[derive(Debug)]
struct Frame {
    kind: String,
    data: Value,
}

/// Reads the stream up to its next event (keep-alive comments are skipped).
async fn next_frame(response: &mut reqwest::Response, buffer: &mut String) -> Frame {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let block = next_block(response, buffer, deadline).await;
        let (Some(kind), Some(data)) = (field(&block, "event:"), field(&block, "data:")) else { continue };
        assert!(field(&block, "id:").is_some_and(|id| id.parse::<u64>().is_ok()), "an id: {block}");
        return Frame { kind, data: serde_json::from_str(&data).unwrap_or_else(|e| panic!("{e}: {block}")) };
    }
}

/// `resource` with the `removed_at` a removal event adds.
fn removed(resource: &Value, at: String) -> Value {
    let mut gone = resource.clone();
    gone["removed_at"] = json!(at);
    gone
}

#[tokio::test]
async fn sse_delivers_a_command_status_change_and_resumes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let mut stream = admin.get(app.url("/api/events")).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));

    let valve = node.output_id("valve");
    admin.post(app.url(&format!("/api/outputs/{valve}/command"))).json(&json!({"state": 1})).send().await.unwrap();
    let mut buffer = String::new();
    let queued_id = wait_for(&mut stream, "command", r#""status":"queued""#, &mut buffer).await;

    let sim = node_sim::client::SimNode::new(
        &app.base,
        node.spec("G"),
        node_sim::client::Behaviour { ack_latency: Duration::ZERO, ..Default::default() },
    )
    .unwrap();
    sim.poll(0).await.unwrap();
    wait_for(&mut stream, "command", r#""status":"confirmed""#, &mut buffer).await;
    drop(stream);

    // Reconnecting after the queued event replays what came after it.
    let mut resumed = admin.get(app.url("/api/events")).header("last-event-id", &queued_id).send().await.unwrap();
    let mut buffer = String::new();
    wait_for(&mut resumed, "command", r#""status":"confirmed""#, &mut buffer).await;
}

#[tokio::test]
async fn events_need_authentication() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().get(app.url("/api/events")).send().await.unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn adding_changing_and_removing_a_sensor_each_send_a_sensor_event() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let mut stream = admin.get(app.url("/api/events")).send().await.unwrap();
    let mut buffer = String::new();

    let declaration = json!({"key": "co2", "name": "CO2", "kind": "generic", "unit": "ppm"});
    let (status, added) = json_of(
        admin.post(app.url(&format!("/api/nodes/{}/sensors", node.id))).json(&declaration).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    let sensor = app.url(&format!("/api/sensors/{}", added["id"]));
    let frame = next_frame(&mut stream, &mut buffer).await;
    let (_, as_get) = json_of(admin.get(&sensor).send().await.unwrap()).await;
    assert_eq!((frame.kind.as_str(), &frame.data), ("sensor", &as_get), "the sensor as GET returns it");

    let change = json!({"name": "Carbon dioxide", "interval_s": 120});
    let (status, renamed) = json_of(admin.patch(&sensor).json(&change).send().await.unwrap()).await;
    assert_eq!(status, 200, "{renamed}");
    let frame = next_frame(&mut stream, &mut buffer).await;
    assert_eq!((frame.kind.as_str(), &frame.data), ("sensor", &renamed));
    assert_eq!((&frame.data["name"], &frame.data["interval_s"]), (&json!("Carbon dioxide"), &json!(120)));

    app.clock.advance_ms(1500);
    assert_eq!(admin.delete(&sensor).send().await.unwrap().status(), 204);
    let frame = next_frame(&mut stream, &mut buffer).await;
    assert_eq!((frame.kind.as_str(), &frame.data), ("sensor", &removed(&renamed, app.ts(0))));
    assert_eq!(frame.data["removed_at"], "2026-03-01T06:00:01.500Z");
}

#[tokio::test]
async fn a_purged_sensor_is_announced_as_it_was_with_its_last_reading() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let reading = json!({"readings": [{"sensor_key": "soil", "ts": app.ts(0), "value": 33.5}]});
    assert_eq!(app.node_post(&node, "/api/node/telemetry", reading).send().await.unwrap().status(), 200);
    let sensor = app.url(&format!("/api/sensors/{}", node.sensor_id("soil")));
    let (_, before) = json_of(admin.get(&sensor).send().await.unwrap()).await;
    let mut stream = admin.get(app.url("/api/events")).send().await.unwrap();
    let mut buffer = String::new();

    assert_eq!(admin.delete(format!("{sensor}?purge=true")).send().await.unwrap().status(), 204);

    let frame = next_frame(&mut stream, &mut buffer).await;
    assert_eq!((frame.kind.as_str(), &frame.data), ("sensor", &removed(&before, app.ts(0))));
    assert_eq!(frame.data["last_value"], 33.5, "the row is gone, the event still says what it showed");
}

#[tokio::test]
async fn a_refused_sensor_change_sends_no_event() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let sensor = app.url(&format!("/api/sensors/{}", node.sensor_id("soil")));
    admin
        .post(app.url("/api/users"))
        .json(&json!({"username": "vera", "password": "vera password", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    let viewer = app.login("vera", "vera password").await;
    let mut stream = admin.get(app.url("/api/events")).send().await.unwrap();
    let mut buffer = String::new();

    let refused = [
        admin.patch(&sensor).json(&json!({"interval_s": 0})).send().await.unwrap().status(),
        viewer.patch(&sensor).json(&json!({"name": "Mine"})).send().await.unwrap().status(),
        admin.patch(app.url("/api/sensors/999999")).json(&json!({"name": "X"})).send().await.unwrap().status(),
        admin.delete(app.url("/api/sensors/999999")).send().await.unwrap().status(),
        viewer.delete(&sensor).send().await.unwrap().status(),
        admin
            .post(app.url(&format!("/api/nodes/{}/sensors", node.id)))
            .json(&json!({"key": "soil", "name": "Soil again", "kind": "soil_moisture", "unit": "%"}))
            .send()
            .await
            .unwrap()
            .status(),
    ];
    assert_eq!(refused.map(|s| s.as_u16()), [422, 403, 404, 404, 403, 409]);
    let (status, renamed) = json_of(admin.patch(&sensor).json(&json!({"name": "Soil"})).send().await.unwrap()).await;
    assert_eq!(status, 200, "{renamed}");

    let frame = next_frame(&mut stream, &mut buffer).await;
    assert_eq!((frame.kind.as_str(), &frame.data), ("sensor", &renamed), "the first event is the change that was made");
}

#[tokio::test]
async fn removing_an_output_sends_it_with_removed_at() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let output = app.url(&format!("/api/outputs/{}", node.output_id("lights")));
    let (_, before) = json_of(admin.get(&output).send().await.unwrap()).await;
    let mut stream = admin.get(app.url("/api/events")).send().await.unwrap();
    let mut buffer = String::new();

    assert_eq!(admin.delete(&output).send().await.unwrap().status(), 204);

    let frame = next_frame(&mut stream, &mut buffer).await;
    assert_eq!((frame.kind.as_str(), &frame.data), ("output", &removed(&before, app.ts(0))));
}
