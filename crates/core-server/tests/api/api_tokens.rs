//! API tokens: created with a secret shown once, used as bearer, revoked.

use core_server::domain::users::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, assert_error, json_of};

async fn create_token(app: &TestApp, admin: &reqwest::Client, body: Value) -> (u16, Value) {
    json_of(admin.post(app.url("/api/api-tokens")).json(&body).send().await.unwrap()).await
}

#[tokio::test]
async fn token_create_use_revoke() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, created) =
        create_token(&app, &admin, json!({"name": "grafana", "capabilities": ["users.manage", "nodes.view"]})).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("fct_"));
    assert_eq!(created["token"]["capabilities"], json!(["nodes.view", "users.manage"]), "sorted");
    assert_eq!(created["token"]["prefix"], json!(&secret[..12]));
    let id = created["token"]["id"].as_i64().unwrap();

    let script = reqwest::Client::new();
    let (status, session) =
        json_of(script.get(app.url("/api/auth/session")).bearer_auth(&secret).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(session["method"], "api_token");
    assert_eq!(session["capabilities"], json!(["nodes.view", "users.manage"]));
    assert_eq!(script.get(app.url("/api/users")).bearer_auth(&secret).send().await.unwrap().status(), 200);
    assert_eq!(app.column("api_tokens", "last_used_at"), vec![json!(crate::support::T0)]);

    assert_eq!(admin.delete(app.url(&format!("/api/api-tokens/{id}"))).send().await.unwrap().status(), 204);
    let (status, body) = json_of(script.get(app.url("/api/users")).bearer_auth(&secret).send().await.unwrap()).await;
    assert_error(status, &body, 401, "unauthenticated");
    assert_eq!(app.column("api_tokens", "revoked_at"), vec![json!(crate::support::T0)]);
}

#[tokio::test]
async fn token_secret_never_appears_in_lists_or_storage() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, created) = create_token(&app, &admin, json!({"name": "ci", "capabilities": ["nodes.view"]})).await;
    let secret = created["secret"].as_str().unwrap();
    let list = admin.get(app.url("/api/api-tokens")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("\"ci\""), "{list}");
    assert!(!list.contains(secret), "secret leaked into the list");
    assert!(!list.contains("secret"), "no secret field at all");
    let stored = app.column("api_tokens", "token_hash");
    assert_ne!(stored[0], json!(secret));
}

#[tokio::test]
async fn token_capabilities_must_be_the_creators_and_the_request_well_formed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (body, field) in [
        (json!({"name": "x", "capabilities": []}), "capabilities"),
        (json!({"name": "x", "capabilities": ["root.everything"]}), "capabilities[0]"),
        (json!({"name": "", "capabilities": ["nodes.view"]}), "name"),
        (json!({"name": "x", "capabilities": ["nodes.view"], "expires_at": "2020-01-01T00:00:00Z"}), "expires_at"),
        (json!({"name": "x", "capabilities": ["nodes.view"], "expires_at": "soon"}), "expires_at"),
    ] {
        let (status, body) = create_token(&app, &admin, body).await;
        assert_error(status, &body, 422, "validation_failed");
        assert_eq!(body["error"]["details"][0]["field"], field, "{body}");
    }
    assert_eq!(app.count("api_tokens"), 0);
}

#[tokio::test]
async fn token_never_outranks_its_owner() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let grace = app.create_user("grace", Role::Admin, "grace password").await;
    let grace_client = app.login("grace", "grace password").await;
    let (_, created) = create_token(&app, &grace_client, json!({"name": "g", "capabilities": ["users.manage"]})).await;
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(
        reqwest::Client::new().get(app.url("/api/users")).bearer_auth(secret).send().await.unwrap().status(),
        200
    );

    admin.patch(app.url(&format!("/api/users/{grace}"))).json(&json!({"role": "viewer"})).send().await.unwrap();
    let (status, body) =
        json_of(reqwest::Client::new().get(app.url("/api/users")).bearer_auth(secret).send().await.unwrap()).await;
    assert_error(status, &body, 403, "forbidden");
}

#[tokio::test]
async fn expired_token_is_rejected() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, created) = create_token(
        &app,
        &admin,
        json!({"name": "short", "capabilities": ["nodes.view"], "expires_at": "2026-03-01T07:00:00.000Z"}),
    )
    .await;
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(created["token"]["expires_at"], "2026-03-01T07:00:00.000Z");
    let client = reqwest::Client::new();
    assert_eq!(client.get(app.url("/api/auth/session")).bearer_auth(secret).send().await.unwrap().status(), 200);
    app.clock.advance_ms(3_600_000);
    assert_eq!(client.get(app.url("/api/auth/session")).bearer_auth(secret).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn revoking_an_unknown_token_is_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, body) = json_of(admin.delete(app.url("/api/api-tokens/999")).send().await.unwrap()).await;
    assert_error(status, &body, 404, "not_found");
}
