//! The overview state in one call, with a fixed number of SQL statements.

use serde_json::json;

use crate::support::{TestApp, greenhouse, json_of};

async fn statements_for_state(app: &TestApp, client: &reqwest::Client) -> u64 {
    let before = app.state().store.statements_executed().unwrap();
    let response = client.get(app.url("/api/dashboard/state")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    app.state().store.statements_executed().unwrap() - before
}

#[tokio::test]
async fn query_count_does_not_grow_with_node_count() {
    let app = TestApp::spawn_with(|c| c.count_statements = true).await;
    let admin = app.admin().await;
    app.register_node(&admin, greenhouse("N0", "b8:27:eb:00:00:00")).await;
    let small = statements_for_state(&app, &admin).await;
    for i in 1..30 {
        let node = app.register_node(&admin, greenhouse(&format!("N{i}"), &format!("b8:27:eb:00:00:{i:02x}"))).await;
        admin
            .post(app.url(&format!("/api/outputs/{}/command", node.output_id("valve"))))
            .json(&json!({"state": 1}))
            .send()
            .await
            .unwrap();
    }
    let large = statements_for_state(&app, &admin).await;
    assert!(small > 0);
    assert_eq!(small, large, "30 nodes cost as many statements as one");
}

#[tokio::test]
async fn state_shows_status_last_values_and_pending_commands() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    app.node_post(&node, "/api/node/heartbeat", json!({"outputs": [{"key": "valve", "state": 0}]}))
        .send()
        .await
        .unwrap();
    app.node_post(
        &node,
        "/api/node/telemetry",
        json!({"readings": [{"sensor_key": "air_temp", "ts": app.ts(0), "value": 19.5}]}),
    )
    .send()
    .await
    .unwrap();
    admin
        .post(app.url(&format!("/api/outputs/{}/command", node.output_id("valve"))))
        .json(&json!({"state": 1}))
        .send()
        .await
        .unwrap();

    let (status, state) = json_of(admin.get(app.url("/api/dashboard/state")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(state["nodes"][0]["status"], "online");
    assert_eq!(state["sensors"][0]["last_value"], 19.5);
    assert_eq!(state["sensors"][0]["stale"], false);
    assert_eq!(state["sensors"][1]["stale"], true, "never reported");
    let valve = &state["outputs"][0];
    assert_eq!((valve["desired_state"].clone(), valve["reported_state"].clone()), (json!(1), json!(0)));
    assert_eq!(valve["pending_command"]["status"], "queued");
    assert_eq!(
        state["counts"],
        json!({"nodes_online": 1, "nodes_offline": 0, "nodes_retired": 0, "sensors": 2,
        "sensors_stale": 1, "outputs": 2, "commands_pending": 1})
    );
    assert_eq!(state["site"]["timezone"], "UTC");

    app.clock.advance_ms(60_000);
    let (_, state) = json_of(admin.get(app.url("/api/dashboard/state")).send().await.unwrap()).await;
    assert_eq!(state["nodes"][0]["status"], "offline", "two 30 s heartbeats missed");
}
