//! User management and the last-admin rules.

use core_server::domain::users::Role;
use serde_json::json;

use crate::support::{TestApp, assert_error, json_of};

#[tokio::test]
async fn admin_creates_lists_updates_and_deletes_users() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, created) = json_of(
        admin
            .post(app.url("/api/users"))
            .json(&json!({"username": "bob", "password": "bob password 1", "role": "operator"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["role"], "operator");
    assert_eq!(created["created_at"], "2026-03-01T06:00:00.000Z");
    assert!(created.get("password_hash").is_none());
    let id = created["id"].as_i64().unwrap();

    let (_, list) = json_of(admin.get(app.url("/api/users")).send().await.unwrap()).await;
    let names: Vec<_> = list["items"].as_array().unwrap().iter().map(|u| u["username"].clone()).collect();
    assert_eq!(names, vec![json!("ada"), json!("bob")]);

    let (status, updated) = json_of(
        admin.patch(app.url(&format!("/api/users/{id}"))).json(&json!({"role": "viewer"})).send().await.unwrap(),
    )
    .await;
    assert_eq!((status, updated["role"].clone()), (200, json!("viewer")));
    assert_eq!(app.column("users", "role"), vec![json!("admin"), json!("viewer")]);

    assert_eq!(admin.delete(app.url(&format!("/api/users/{id}"))).send().await.unwrap().status(), 204);
    let (status, body) = json_of(admin.get(app.url(&format!("/api/users/{id}"))).send().await.unwrap()).await;
    assert_error(status, &body, 404, "not_found");
}

#[tokio::test]
async fn viewer_gets_403_on_user_management() {
    let app = TestApp::spawn().await;
    app.create_user("vera", Role::Viewer, "vera password").await;
    let viewer = app.login("vera", "vera password").await;
    let (status, body) = json_of(viewer.get(app.url("/api/users")).send().await.unwrap()).await;
    assert_error(status, &body, 403, "forbidden");
    assert!(body["error"]["message"].as_str().unwrap().contains("users.manage"));
    let (status, body) = json_of(
        viewer
            .post(app.url("/api/users"))
            .json(&json!({"username": "mallory", "password": "0123456789", "role": "admin"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 403, "forbidden");
    assert_eq!(app.count("users"), 1);
}

#[tokio::test]
async fn last_admin_cannot_be_deleted_disabled_or_demoted() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = app.column("users", "role");
    for request in [
        admin.delete(app.url("/api/users/1")),
        admin.patch(app.url("/api/users/1")).json(&json!({"disabled": true})),
        admin.patch(app.url("/api/users/1")).json(&json!({"role": "operator"})),
    ] {
        let (status, body) = json_of(request.send().await.unwrap()).await;
        assert_error(status, &body, 409, "conflict");
    }
    assert_eq!(app.column("users", "role"), before);
    assert_eq!(app.column("users", "disabled"), vec![json!(0)]);

    // With a second admin, the first may step down.
    app.create_user("grace", Role::Admin, "grace password").await;
    let (status, _) =
        json_of(admin.patch(app.url("/api/users/1")).json(&json!({"role": "operator"})).send().await.unwrap()).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn username_taken_is_409_and_bad_input_is_422_with_fields() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, body) = json_of(
        admin
            .post(app.url("/api/users"))
            .json(&json!({"username": "ada", "password": "0123456789", "role": "viewer"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 409, "conflict");

    for (body, field) in [
        (json!({"username": "A B", "password": "0123456789", "role": "viewer"}), "username"),
        (json!({"username": "bob", "password": "short", "role": "viewer"}), "password"),
        (json!({"username": "bob", "password": "0123456789", "role": "owner"}), "role"),
        (json!({"username": "bob", "password": "0123456789"}), "role"),
    ] {
        let (status, body) = json_of(admin.post(app.url("/api/users")).json(&body).send().await.unwrap()).await;
        assert_error(status, &body, 422, "validation_failed");
        assert_eq!(body["error"]["details"][0]["field"], field, "{body}");
    }
    assert_eq!(app.count("users"), 1);
}

#[tokio::test]
async fn non_numeric_id_is_a_json_400() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, body) = json_of(admin.get(app.url("/api/users/abc")).send().await.unwrap()).await;
    assert_error(status, &body, 400, "bad_request");
}
