//! Registering nodes with their sensors and outputs, editing and retiring them.

use core_server::domain::users::Role;
use serde_json::json;

use crate::support::{TestApp, assert_error, greenhouse, json_of};

#[tokio::test]
async fn register_node_with_sensors_and_outputs_returns_its_token_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("Greenhouse", "B8-27-EB-12-34-56")).await;
    assert!(node.token.starts_with("fcn_"));
    assert_eq!(node.registered["node"]["mac"], "b8:27:eb:12:34:56", "normalised");
    assert_eq!(node.registered["node"]["status"], "offline", "never seen yet");
    assert_eq!(node.sensors.len(), 2);
    assert_eq!(node.sensors[1]["interval_s"], 30);
    assert_eq!(node.sensors[0]["retention_days"], 30, "default");
    assert_eq!(node.outputs[1]["kind"], "level");
    assert_eq!(app.column("nodes", "token_hash")[0].as_str().unwrap().len(), 64, "only a digest is stored");

    let (_, listed) = json_of(admin.get(app.url("/api/nodes")).send().await.unwrap()).await;
    assert!(!listed.to_string().contains(&node.token), "the token is never listed");
    let (_, sensors) =
        json_of(admin.get(app.url(&format!("/api/sensors?node_id={}", node.id))).send().await.unwrap()).await;
    assert_eq!(sensors["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn invalid_registration_names_every_field_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let body = json!({
        "name": "",
        "mac": "not-a-mac",
        "sensors": [
            {"key": "Bad Key", "name": "x", "kind": "temperature", "unit": "C", "interval_s": 0},
            {"key": "t", "name": "t", "kind": "temperature", "unit": "C"},
            {"key": "t", "name": "t2", "kind": "temperature", "unit": "C"}
        ],
        "outputs": [{"key": "pump", "name": "Pump", "kind": "relay", "default_state": 5}]
    });
    let (status, error) = json_of(admin.post(app.url("/api/nodes")).json(&body).send().await.unwrap()).await;
    assert_error(status, &error, 422, "validation_failed");
    let fields: Vec<_> =
        error["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap().to_owned()).collect();
    for want in ["name", "mac", "sensors[0].key", "sensors[0].interval_s", "sensors[2].key", "outputs[0].default_state"]
    {
        assert!(fields.iter().any(|f| f == want), "{want} missing from {fields:?}");
    }
    assert_eq!(app.count("nodes") + app.count("sensors") + app.count("outputs"), 0);
}

#[tokio::test]
async fn duplicate_name_or_mac_is_409_and_nothing_partial_is_stored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.register_node(&admin, greenhouse("Greenhouse", "b8:27:eb:00:00:01")).await;
    for body in [greenhouse("Greenhouse", "b8:27:eb:00:00:02"), greenhouse("Other", "b8:27:eb:00:00:01")] {
        let (status, error) = json_of(admin.post(app.url("/api/nodes")).json(&body).send().await.unwrap()).await;
        assert_error(status, &error, 409, "conflict");
    }
    assert_eq!((app.count("nodes"), app.count("sensors"), app.count("outputs")), (1, 2, 2));
}

#[tokio::test]
async fn viewer_can_list_but_not_register_nodes() {
    let app = TestApp::spawn().await;
    app.create_user("vera", Role::Viewer, "vera password").await;
    let viewer = app.login("vera", "vera password").await;
    assert_eq!(viewer.get(app.url("/api/nodes")).send().await.unwrap().status(), 200);
    let (status, body) =
        json_of(viewer.post(app.url("/api/nodes")).json(&greenhouse("G", "b8:27:eb:00:00:01")).send().await.unwrap())
            .await;
    assert_error(status, &body, 403, "forbidden");
}

#[tokio::test]
async fn rename_add_remove_and_retire() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let node = app.register_node(&admin, greenhouse("Greenhouse", "b8:27:eb:00:00:01")).await;
    let url = |p: &str| app.url(&format!("/api/nodes/{}{p}", node.id));

    let (status, renamed) = json_of(
        admin.patch(url("")).json(&json!({"name": "Glasshouse", "heartbeat_interval_s": 60})).send().await.unwrap(),
    )
    .await;
    assert_eq!(
        (status, renamed["name"].clone(), renamed["heartbeat_interval_s"].clone()),
        (200, json!("Glasshouse"), json!(60))
    );

    let (status, sensor) = json_of(
        admin
            .post(url("/sensors"))
            .json(&json!({"key": "co2", "name": "CO2", "kind": "generic", "unit": "ppm"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{sensor}");
    let (status, dup) = json_of(
        admin
            .post(url("/sensors"))
            .json(&json!({"key": "co2", "name": "CO2", "kind": "generic", "unit": "ppm"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &dup, 409, "conflict");
    let (status, output) = json_of(
        admin
            .post(url("/outputs"))
            .json(&json!({"key": "fan", "name": "Fan", "kind": "relay", "default_state": 0}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{output}");
    let output_id = output["id"].as_i64().unwrap();
    assert_eq!(admin.delete(app.url(&format!("/api/outputs/{output_id}"))).send().await.unwrap().status(), 204);
    assert_eq!(admin.get(app.url(&format!("/api/outputs/{output_id}"))).send().await.unwrap().status(), 404);

    let (status, retired) = json_of(admin.post(url("/retire")).send().await.unwrap()).await;
    assert_eq!((status, retired["status"].clone()), (200, json!("retired")));
    let (status, body) = json_of(app.node_post(&node, "/api/node/heartbeat", json!({})).send().await.unwrap()).await;
    assert_error(status, &body, 401, "unauthenticated");
    let (status, body) = json_of(admin.post(url("/retire")).send().await.unwrap()).await;
    assert_error(status, &body, 409, "conflict");
}

#[tokio::test]
async fn site_time_zone_must_exist() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, site) = json_of(
        admin
            .patch(app.url("/api/site"))
            .json(&json!({"name": "Hill Farm", "timezone": "Australia/Lord_Howe"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, site["timezone"].clone()), (200, json!("Australia/Lord_Howe")));
    let (status, body) =
        json_of(admin.patch(app.url("/api/site")).json(&json!({"timezone": "Mars/Olympus"})).send().await.unwrap())
            .await;
    assert_error(status, &body, 422, "validation_failed");
    assert_eq!(body["error"]["details"][0]["field"], "timezone");
    assert_eq!(app.column("site", "timezone"), vec![json!("Australia/Lord_Howe")]);
}
