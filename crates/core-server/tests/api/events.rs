//! Server-Sent Events deliver changes to the dashboard, and resume with Last-Event-ID.

use std::time::Duration;

use serde_json::json;

use crate::support::{TestApp, greenhouse};

/// Reads the stream until an event of `kind` whose data contains `needle`; returns its id.
async fn wait_for(response: &mut reqwest::Response, kind: &str, needle: &str, buffer: &mut String) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| block.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).map(str::to_owned);
            if field("event:").as_deref() == Some(kind) && field("data:").is_some_and(|d| d.contains(needle)) {
                return field("id:").unwrap_or_default();
            }
        }
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .expect("event in time")
            .unwrap()
            .expect("stream open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
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
