//! Adoption of new nodes and one-step replacement, through the node simulator.

use std::time::Duration;

use node_sim::client::{Behaviour, OutputSpec, SensorSpec, SimNode, announce, claim};
use serde_json::{Value, json};

use crate::support::{TestApp, assert_error, greenhouse, json_of};

const MAC: &str = "b8:27:eb:aa:bb:cc";

async fn adoption_token(app: &TestApp, admin: &reqwest::Client, mac: &str, name: &str) -> String {
    let (status, created) = json_of(
        admin.post(app.url("/api/adoption/tokens")).json(&json!({"mac": mac, "name": name})).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["secret"].as_str().unwrap().to_owned()
}

async fn claim_raw(app: &TestApp, mac: &str, token: &str) -> (u16, Value) {
    json_of(
        reqwest::Client::new()
            .post(app.url("/api/adoption/claim"))
            .json(&json!({"mac": mac, "token": token}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn specs() -> (Vec<SensorSpec>, Vec<OutputSpec>) {
    (
        vec![SensorSpec { key: "air_temp".into(), kind: "temperature".into() }],
        vec![OutputSpec { key: "fan".into(), kind: "relay".into(), default_state: 0 }],
    )
}

#[tokio::test]
async fn a_node_announces_is_adopted_and_comes_online() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    announce(&app.base, MAC, "Raspberry Pi 5").await.unwrap();
    let (_, candidates) = json_of(admin.get(app.url("/api/adoption/candidates")).send().await.unwrap()).await;
    assert_eq!(candidates["items"][0]["mac"], MAC);
    assert_eq!(candidates["items"][0]["model"], "Raspberry Pi 5");

    let token = adoption_token(&app, &admin, MAC, "Tunnel house").await;
    assert!(token.starts_with("fca_"));
    let (sensors, outputs) = specs();
    let spec = claim(&app.base, MAC, &token, &sensors, &outputs).await.unwrap();
    assert_eq!(spec.name, "Tunnel house");
    let sim = SimNode::new(&app.base, spec, Behaviour { ack_latency: Duration::ZERO, ..Default::default() }).unwrap();
    sim.heartbeat().await.unwrap();

    let (_, nodes) = json_of(admin.get(app.url("/api/nodes")).send().await.unwrap()).await;
    assert_eq!(
        (nodes["items"][0]["name"].clone(), nodes["items"][0]["status"].clone()),
        (json!("Tunnel house"), json!("online"))
    );
    assert_eq!(app.count("sensors"), 1);
    let (_, candidates) = json_of(admin.get(app.url("/api/adoption/candidates")).send().await.unwrap()).await;
    assert_eq!(candidates["items"], json!([]), "adopted nodes are no longer candidates");
    assert_eq!(app.column("adoption_attempts", "outcome"), [json!("adopted")]);
}

#[tokio::test]
async fn candidates_expire_ten_minutes_after_the_last_announcement() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    announce(&app.base, MAC, "Pi").await.unwrap();
    app.clock.advance_ms(10 * 60_000);
    let (_, candidates) = json_of(admin.get(app.url("/api/adoption/candidates")).send().await.unwrap()).await;
    assert_eq!(candidates["items"], json!([]));
}

#[tokio::test]
async fn reused_expired_and_wrong_mac_tokens_are_refused_and_logged() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = adoption_token(&app, &admin, MAC, "A").await;

    let (status, body) = claim_raw(&app, "b8:27:eb:00:00:99", &token).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = claim_raw(&app, MAC, "fca_not-a-token").await;
    assert_error(status, &body, 401, "unauthenticated");
    let (status, _) = claim_raw(&app, MAC, &token).await;
    assert_eq!(status, 201);
    let (status, body) = claim_raw(&app, MAC, &token).await;
    assert_error(status, &body, 409, "conflict");

    let late = adoption_token(&app, &admin, "b8:27:eb:00:00:02", "B").await;
    app.clock.advance_ms(15 * 60_000);
    let (status, body) = claim_raw(&app, "b8:27:eb:00:00:02", &late).await;
    assert_error(status, &body, 422, "token_expired");
    assert_eq!(app.count("nodes"), 1);
    assert_eq!(
        app.column("adoption_attempts", "outcome"),
        [json!("wrong_mac"), json!("unknown_token"), json!("adopted"), json!("reused"), json!("expired")]
    );
}

#[tokio::test]
async fn a_claim_whose_name_or_mac_was_taken_meanwhile_is_refused_and_logged() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let by_name = adoption_token(&app, &admin, MAC, "Greenhouse").await;
    let by_mac = adoption_token(&app, &admin, "b8:27:eb:00:00:07", "Shed").await;
    app.register_node(&admin, greenhouse("Greenhouse", "b8:27:eb:00:00:07")).await;

    let (status, body) = claim_raw(&app, MAC, &by_name).await;
    assert_error(status, &body, 409, "conflict");
    assert_eq!(body["error"]["message"], "node name is taken");
    let (status, body) = claim_raw(&app, "b8:27:eb:00:00:07", &by_mac).await;
    assert_error(status, &body, 409, "conflict");
    assert_eq!(body["error"]["message"], "a node with this MAC exists");
    assert_eq!(app.count("nodes"), 1, "nothing was adopted");
    assert_eq!(app.column("adoption_attempts", "outcome"), [json!("name_taken"), json!("mac_taken")]);
    assert_eq!(app.column("adoption_tokens", "used_at"), [Value::Null, Value::Null], "the tokens stay unused");
}

#[tokio::test]
async fn tokens_for_taken_names_or_macs_are_409() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.register_node(&admin, greenhouse("Greenhouse", MAC)).await;
    for body in [json!({"mac": MAC, "name": "Other"}), json!({"mac": "b8:27:eb:00:00:05", "name": "Greenhouse"})] {
        let (status, error) =
            json_of(admin.post(app.url("/api/adoption/tokens")).json(&body).send().await.unwrap()).await;
        assert_error(status, &error, 409, "conflict");
    }
    let (status, error) = json_of(
        admin.post(app.url("/api/adoption/tokens")).json(&json!({"mac": "nope", "name": ""})).send().await.unwrap(),
    )
    .await;
    assert_error(status, &error, 422, "validation_failed");
    assert_eq!(error["error"]["details"].as_array().unwrap().len(), 2);
    assert_eq!(app.count("adoption_tokens"), 0);
}

#[tokio::test]
async fn replacement_keeps_history_and_schedules_and_revokes_the_old_token() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let old = app.register_node(&admin, greenhouse("Greenhouse", "b8:27:eb:00:00:01")).await;
    let valve = old.output_id("valve");
    app.node_post(
        &old,
        "/api/node/telemetry",
        json!({"readings": [{"sensor_key": "air_temp", "ts": app.ts(0), "value": 21.0}]}),
    )
    .send()
    .await
    .unwrap();
    admin.post(app.url(&format!("/api/outputs/{valve}/command"))).json(&json!({"state": 1})).send().await.unwrap();
    let (status, schedule) = json_of(
        admin
            .post(app.url("/api/schedules"))
            .json(&json!({"name": "Water", "recurrence": {"type": "weekly", "blocks": [{"day": "mon", "start": "06:00", "end": "06:30"}]},
                "actions": [{"type": "set_output", "output_id": valve, "state": 1}]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{schedule}");

    let (status, created) = json_of(
        admin.post(app.url(&format!("/api/nodes/{}/replace", old.id))).json(&json!({"mac": MAC})).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["token"]["node_id"], old.id);
    let secret = created["secret"].as_str().unwrap();
    let (sensors, outputs) = specs();
    let spec = claim(&app.base, MAC, secret, &sensors, &outputs).await.unwrap();
    assert_eq!(spec.name, "Greenhouse");
    assert_eq!(
        spec.outputs.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        ["valve", "lights"],
        "the node's own outputs"
    );

    let (status, body) = json_of(app.node_post(&old, "/api/node/heartbeat", json!({})).send().await.unwrap()).await;
    assert_error(status, &body, 401, "unauthenticated");
    let (_, node) = json_of(admin.get(app.url(&format!("/api/nodes/{}", old.id))).send().await.unwrap()).await;
    assert_eq!(node["mac"], MAC);
    assert_eq!(app.count("nodes"), 1);
    assert_eq!(app.count("metrics"), 1, "history stays");
    let (_, bundle) = json_of(admin.get(app.url(&format!("/api/nodes/{}/bundle", old.id))).send().await.unwrap()).await;
    assert_eq!(bundle["version"], 1);
    assert_eq!(bundle["schedules"][0]["name"], "Water", "schedules acting on the node stay attached");

    // The new device is brought to the desired states.
    let sim = SimNode::new(&app.base, spec, Behaviour { ack_latency: Duration::ZERO, ..Default::default() }).unwrap();
    let applied = sim.poll(0).await.unwrap();
    assert!(applied.iter().any(|a| a.output_key == "valve" && a.state == 1), "{applied:?}");
    assert_eq!(app.column("adoption_attempts", "outcome"), [json!("replaced")]);
}

#[tokio::test]
async fn announcements_are_limited_per_address() {
    let app = TestApp::spawn().await;
    for i in 0..30 {
        announce(&app.base, &format!("b8:27:eb:00:01:{i:02x}"), "Pi").await.unwrap();
    }
    let response = reqwest::Client::new()
        .post(app.url("/api/adoption/announce"))
        .json(&json!({"mac": MAC, "model": "Pi", "agent_version": "1"}))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("retry-after").is_some());
    let (status, body) = json_of(response).await;
    assert_error(status, &body, 429, "rate_limited");
}
