//! Every failure under /api is the JSON error shape with the right status.

use serde_json::json;

use crate::support::{TestApp, assert_error, json_of};

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let response = admin
        .post(app.url("/api/users"))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_error(status, &body, 400, "bad_request");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("malformed JSON"), "{body}");
}

#[tokio::test]
async fn missing_json_content_type_is_400() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let response = admin.post(app.url("/api/users")).body(r#"{"username":"bob"}"#).send().await.unwrap();
    let (status, body) = json_of(response).await;
    assert_error(status, &body, 400, "bad_request");
}

#[tokio::test]
async fn unknown_field_is_422_naming_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let response = admin
        .post(app.url("/api/users"))
        .json(&json!({"username": "bob", "password": "0123456789", "role": "viewer", "rolee": "admin"}))
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_error(status, &body, 422, "validation_failed");
    assert_eq!(body["error"]["details"], json!([{"field": "rolee", "problem": "is not a known field"}]));
    assert_eq!(app.count("users"), 1, "nothing stored");
}

#[tokio::test]
async fn oversized_body_is_413() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let big = format!(r#"{{"username":"bob","password":"{}","role":"viewer"}}"#, "x".repeat(2 * 1024 * 1024));
    let response =
        admin.post(app.url("/api/users")).header("content-type", "application/json").body(big).send().await.unwrap();
    let (status, body) = json_of(response).await;
    assert_error(status, &body, 413, "payload_too_large");
    assert_eq!(app.count("users"), 1);
}

#[tokio::test]
async fn unknown_api_path_is_a_json_404_not_the_dashboard() {
    let app = TestApp::spawn().await;
    for path in ["/api/x", "/api", "/api/users/1/nothing-here"] {
        let (status, body) = json_of(app.anonymous().get(app.url(path)).send().await.unwrap()).await;
        assert_error(status, &body, 404, "not_found");
    }
}

#[tokio::test]
async fn wrong_method_is_a_json_405() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().put(app.url("/api/users")).send().await.unwrap();
    assert!(response.headers().get("allow").is_some());
    let (status, body) = json_of(response).await;
    assert_error(status, &body, 405, "method_not_allowed");
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().get(app.url("/healthz")).send().await.unwrap();
    let id = response.headers().get("x-request-id").unwrap().to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
}
