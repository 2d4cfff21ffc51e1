//! Output commands: queued → delivered → confirmed | failed | expired, reconciliation on
//! heartbeat, group commands, and who may command.

use std::time::Duration;

use core_server::domain::users::Role;
use node_sim::client::{Behaviour, SimNode};
use serde_json::json;

use crate::support::{TestApp, TestNode, assert_error, greenhouse, json_of};

fn sim(app: &TestApp, node: &TestNode, failure_rate: f64) -> SimNode {
    let behaviour = Behaviour { ack_latency: Duration::ZERO, failure_rate, seed: 7 };
    SimNode::new(&app.base, node.spec("Greenhouse"), behaviour).unwrap()
}

async fn command(app: &TestApp, client: &reqwest::Client, output_id: i64, state: i64) -> (u16, serde_json::Value) {
    json_of(
        client
            .post(app.url(&format!("/api/outputs/{output_id}/command")))
            .json(&json!({"state": state}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn command_status(app: &TestApp, client: &reqwest::Client, output_id: i64) -> Vec<String> {
    let (_, page) =
        json_of(client.get(app.url(&format!("/api/commands?output_id={output_id}"))).send().await.unwrap()).await;
    page["items"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn command_lifecycle_through_the_simulator() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let valve = node.output_id("valve");
    let sim = sim(&app, &node, 0.0);

    let (status, queued) = command(&app, &admin, valve, 1).await;
    assert_eq!(status, 202, "{queued}");
    assert_eq!(
        (queued["status"].clone(), queued["source"].clone(), queued["output_key"].clone()),
        (json!("queued"), json!("user"), json!("valve"))
    );
    let (_, output) = json_of(admin.get(app.url(&format!("/api/outputs/{valve}"))).send().await.unwrap()).await;
    assert_eq!((output["desired_state"].clone(), output["reported_state"].clone()), (json!(1), json!(null)));

    let applied = sim.poll(0).await.unwrap();
    assert_eq!(applied.len(), 1);
    assert!(applied[0].ok);
    assert_eq!(sim.outputs()["valve"], 1, "the simulated relay moved");

    assert_eq!(command_status(&app, &admin, valve).await, ["confirmed"]);
    let (_, output) = json_of(admin.get(app.url(&format!("/api/outputs/{valve}"))).send().await.unwrap()).await;
    assert_eq!(output["reported_state"], 1);
    let conn = rusqlite::Connection::open(&app.config.database).unwrap();
    let (delivered, finished): (Option<i64>, Option<i64>) =
        conn.query_row("SELECT delivered_at, finished_at FROM commands", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert!(delivered.is_some() && finished.is_some());
}

#[tokio::test]
async fn a_failed_ack_marks_the_command_failed_with_the_error() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let valve = node.output_id("valve");
    let sim = sim(&app, &node, 1.0);
    command(&app, &admin, valve, 1).await;
    let applied = sim.poll(0).await.unwrap();
    assert!(!applied[0].ok);
    let (_, page) =
        json_of(admin.get(app.url(&format!("/api/commands?output_id={valve}"))).send().await.unwrap()).await;
    assert_eq!(page["items"][0]["status"], "failed");
    assert_eq!(page["items"][0]["error"], "simulated relay fault");
    let (_, output) = json_of(admin.get(app.url(&format!("/api/outputs/{valve}"))).send().await.unwrap()).await;
    assert_eq!((output["desired_state"].clone(), output["reported_state"].clone()), (json!(1), json!(0)));
}

#[tokio::test]
async fn undelivered_command_expires_and_the_next_heartbeat_reconciles() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let valve = node.output_id("valve");
    command(&app, &admin, valve, 1).await;

    app.clock.advance_ms(60_000);
    core_server::engine::tick(app.state()).await.unwrap();
    assert_eq!(command_status(&app, &admin, valve).await, ["expired"]);
    let (_, output) = json_of(admin.get(app.url(&format!("/api/outputs/{valve}"))).send().await.unwrap()).await;
    assert_eq!(output["desired_state"], 1, "the desired state stays");

    let sim = sim(&app, &node, 0.0);
    sim.heartbeat().await.unwrap();
    let page = command_status(&app, &admin, valve).await;
    assert_eq!(page, ["queued", "expired"]);
    let (_, page) =
        json_of(admin.get(app.url(&format!("/api/commands?output_id={valve}"))).send().await.unwrap()).await;
    assert_eq!(page["items"][0]["source"], "reconciliation");

    sim.poll(0).await.unwrap();
    assert_eq!(sim.outputs()["valve"], 1);
    assert_eq!(command_status(&app, &admin, valve).await, ["confirmed", "expired"]);
    // In sync now: another heartbeat queues nothing.
    sim.heartbeat().await.unwrap();
    assert_eq!(command_status(&app, &admin, valve).await.len(), 2);
}

#[tokio::test]
async fn a_newer_command_supersedes_an_open_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let lights = node.output_id("lights");
    command(&app, &admin, lights, 40).await;
    command(&app, &admin, lights, 80).await;
    assert_eq!(command_status(&app, &admin, lights).await, ["queued", "expired"]);
    let sim = sim(&app, &node, 0.0);
    let applied = sim.poll(0).await.unwrap();
    assert_eq!(applied.iter().map(|a| a.state).collect::<Vec<_>>(), [80]);
}

#[tokio::test]
async fn group_command_is_all_or_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let (valve, lights) = (node.output_id("valve"), node.output_id("lights"));

    let bad = json!({"commands": [{"output_id": valve, "state": 1}, {"output_id": lights, "state": 101}, {"output_id": 999, "state": 1}]});
    let (status, error) = json_of(admin.post(app.url("/api/outputs/commands")).json(&bad).send().await.unwrap()).await;
    assert_error(status, &error, 422, "validation_failed");
    let fields: Vec<_> = error["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].clone()).collect();
    assert_eq!(fields, [json!("commands[1].state"), json!("commands[2].output_id")]);
    assert_eq!(app.count("commands"), 0);
    assert_eq!(app.column("outputs", "desired_state"), [json!(0), json!(0)]);

    let good = json!({"commands": [{"output_id": valve, "state": 1}, {"output_id": lights, "state": 75}]});
    let (status, queued) =
        json_of(admin.post(app.url("/api/outputs/commands")).json(&good).send().await.unwrap()).await;
    assert_eq!(status, 202);
    assert_eq!(queued["items"].as_array().unwrap().len(), 2);
    assert_eq!(app.column("outputs", "desired_state"), [json!(1), json!(75)]);
    let sim = sim(&app, &node, 0.0);
    assert_eq!(sim.poll(0).await.unwrap().len(), 2, "each output got its own command");
}

#[tokio::test]
async fn viewer_cannot_command_outputs_and_operator_can() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    app.create_user("vera", Role::Viewer, "vera password").await;
    app.create_user("otto", Role::Operator, "otto password").await;
    let viewer = app.login("vera", "vera password").await;
    let (status, body) = command(&app, &viewer, node.output_id("valve"), 1).await;
    assert_error(status, &body, 403, "forbidden");
    assert_eq!(app.count("commands"), 0);
    let operator = app.login("otto", "otto password").await;
    assert_eq!(command(&app, &operator, node.output_id("valve"), 1).await.0, 202);
}

#[tokio::test]
async fn invalid_states_and_unknown_outputs() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let (status, body) = command(&app, &admin, node.output_id("valve"), 2).await;
    assert_error(status, &body, 422, "validation_failed");
    assert_eq!(body["error"]["details"][0]["field"], "state");
    let (status, body) = command(&app, &admin, 999, 1).await;
    assert_error(status, &body, 404, "not_found");
    assert_eq!(app.count("commands"), 0);
}

#[tokio::test]
async fn a_node_cannot_acknowledge_another_nodes_command() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let a = app.register_node(&admin, greenhouse("A", "b8:27:eb:00:00:01")).await;
    let b = app.register_node(&admin, greenhouse("B", "b8:27:eb:00:00:02")).await;
    let (_, queued) = command(&app, &admin, a.output_id("valve"), 1).await;
    let id = queued["id"].as_i64().unwrap();

    let (_, polled) = json_of(app.node_get(&b, "/api/node/commands").send().await.unwrap()).await;
    assert_eq!(polled["items"], json!([]), "B sees none of A's commands");
    let (status, body) =
        json_of(app.node_post(&b, &format!("/api/node/commands/{id}/ack"), json!({"ok": true})).send().await.unwrap())
            .await;
    assert_error(status, &body, 403, "forbidden");
    assert_eq!(app.column("commands", "status"), [json!("queued")]);

    let (status, _) =
        json_of(app.node_post(&a, &format!("/api/node/commands/{id}/ack"), json!({"ok": true})).send().await.unwrap())
            .await;
    assert_eq!(status, 200);
    let (status, body) =
        json_of(app.node_post(&a, &format!("/api/node/commands/{id}/ack"), json!({"ok": true})).send().await.unwrap())
            .await;
    assert_error(status, &body, 409, "conflict");
}

#[tokio::test]
async fn long_poll_returns_as_soon_as_a_command_is_queued() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    let poll = app.node_get(&node, "/api/node/commands?wait=20").send();
    let started = std::time::Instant::now();
    let (polled, _) = tokio::join!(poll, async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        command(&app, &admin, node.output_id("valve"), 1).await
    });
    let (_, body) = json_of(polled.unwrap()).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(10), "woke early: {:?}", started.elapsed());
}

#[tokio::test]
async fn command_history_pages_newest_first() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("G", "b8:27:eb:00:00:01")).await;
    for state in [10, 20, 30, 40, 50] {
        command(&app, &admin, node.output_id("lights"), state).await;
    }
    let (_, first) = json_of(admin.get(app.url("/api/commands?limit=2")).send().await.unwrap()).await;
    let ids = |page: &serde_json::Value| {
        page["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), [5, 4]);
    let cursor = first["next_cursor"].as_i64().unwrap();
    let (_, second) =
        json_of(admin.get(app.url(&format!("/api/commands?limit=2&cursor={cursor}"))).send().await.unwrap()).await;
    assert_eq!(ids(&second), [3, 2]);
    let (_, last) = json_of(admin.get(app.url("/api/commands?limit=2&cursor=2")).send().await.unwrap()).await;
    assert_eq!((ids(&last), last["next_cursor"].clone()), (vec![1], json!(null)));
    let (status, body) = json_of(admin.get(app.url("/api/commands?limit=5000")).send().await.unwrap()).await;
    assert_error(status, &body, 422, "validation_failed");
}
