//! Login, sessions, logout, password change, throttling and the CSRF rule.

use core_server::clock::Clock;
use core_server::domain::users::Role;
use serde_json::json;

use crate::support::{ADMIN_PASSWORD, TestApp, assert_error, json_of};

#[tokio::test]
async fn login_session_logout_round_trip() {
    let app = TestApp::spawn().await;
    let client = app.admin().await;

    let (status, body) = json_of(client.get(app.url("/api/auth/session")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["user"]["username"], "ada");
    assert_eq!(body["method"], "session");
    assert!(body["capabilities"].as_array().unwrap().contains(&json!("users.manage")));
    assert_eq!(app.count("sessions"), 1);

    let response = client.post(app.url("/api/auth/logout")).send().await.unwrap();
    assert_eq!(response.status(), 204);
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    assert_eq!(app.count("sessions"), 0, "the session row is gone");

    let (status, body) = json_of(client.get(app.url("/api/auth/session")).send().await.unwrap()).await;
    assert_error(status, &body, 401, "unauthenticated");
}

#[tokio::test]
async fn session_cookie_is_http_only_and_strict() {
    let app = TestApp::spawn().await;
    app.create_user("ada", Role::Admin, ADMIN_PASSWORD).await;
    let response = app
        .anonymous()
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "ada", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("farm_session="), "{cookie}");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: no Secure flag");
    let secret = cookie.split(';').next().unwrap().trim_start_matches("farm_session=");
    let stored = app.column("sessions", "token_hash");
    assert_ne!(stored[0], json!(secret), "only a digest is stored");
}

#[tokio::test]
async fn session_survives_a_server_restart() {
    let app = TestApp::spawn().await;
    let client = app.admin().await;
    let app = app.restart().await;
    let (status, body) = json_of(client.get(app.url("/api/auth/session")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["username"], "ada");
}

#[tokio::test]
async fn idle_session_expires() {
    let app = TestApp::spawn().await;
    let client = app.admin().await;
    app.clock.advance_ms(app.config.session_idle_ms() - 1000);
    assert_eq!(
        client.get(app.url("/api/auth/session")).send().await.unwrap().status(),
        200,
        "still inside the idle window"
    );
    app.clock.advance_ms(app.config.session_idle_ms() + 1);
    let (status, body) = json_of(client.get(app.url("/api/auth/session")).send().await.unwrap()).await;
    assert_error(status, &body, 401, "unauthenticated");
}

#[tokio::test]
async fn session_ends_at_its_absolute_limit_even_when_active() {
    let app = TestApp::spawn_with(|c| {
        c.session_idle_minutes = 60;
        c.session_absolute_hours = 2;
    })
    .await;
    let client = app.admin().await;
    for _ in 0..3 {
        app.clock.advance_ms(50 * 60_000);
        let status = client.get(app.url("/api/auth/session")).send().await.unwrap().status().as_u16();
        let expected = if app.clock.now_ms() - crate::support::T0 < 2 * 3_600_000 { 200 } else { 401 };
        assert_eq!(status, expected);
    }
}

#[tokio::test]
async fn logged_out_cookie_replayed_is_rejected() {
    let app = TestApp::spawn().await;
    app.create_user("ada", Role::Admin, ADMIN_PASSWORD).await;
    let response = app
        .anonymous()
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "ada", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
    let with_cookie = |req: reqwest::RequestBuilder| req.header("cookie", &cookie).header("x-requested-with", "t");
    assert_eq!(with_cookie(app.anonymous().post(app.url("/api/auth/logout"))).send().await.unwrap().status(), 204);
    let (status, body) =
        json_of(with_cookie(app.anonymous().get(app.url("/api/auth/session"))).send().await.unwrap()).await;
    assert_error(status, &body, 401, "unauthenticated");
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.create_user("ada", Role::Admin, ADMIN_PASSWORD).await;
    let mut bodies = Vec::new();
    for (username, password) in [("ada", "wrong password!"), ("nobody", "wrong password!")] {
        let response = app
            .anonymous()
            .post(app.url("/api/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(response).await;
        assert_error(status, &body, 401, "unauthenticated");
        bodies.push(body);
    }
    assert_eq!(bodies[0], bodies[1]);
}

#[tokio::test]
async fn disabled_user_cannot_log_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = app.create_user("bob", Role::Viewer, "bob password 1").await;
    let viewer = app.login("bob", "bob password 1").await;
    let response =
        admin.patch(app.url(&format!("/api/users/{id}"))).json(&json!({"disabled": true})).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(viewer.get(app.url("/api/auth/session")).send().await.unwrap().status(), 401, "their session ended");
    let response = app
        .anonymous()
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "bob", "password": "bob password 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn throttles_after_five_failures_then_allows_after_the_window() {
    let app = TestApp::spawn().await;
    app.create_user("ada", Role::Admin, ADMIN_PASSWORD).await;
    let attempt = |password: &'static str| {
        app.anonymous().post(app.url("/api/auth/login")).json(&json!({"username": "ada", "password": password})).send()
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong password!").await.unwrap().status(), 401);
    }
    let response = attempt(ADMIN_PASSWORD).await.unwrap();
    let retry_after: u64 = response.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((899..=900).contains(&retry_after), "{retry_after}");
    let (status, body) = json_of(response).await;
    assert_error(status, &body, 429, "rate_limited");

    app.clock.advance_ms(15 * 60 * 1000);
    assert_eq!(attempt(ADMIN_PASSWORD).await.unwrap().status(), 200);
}

#[tokio::test]
async fn password_change_ends_other_sessions_and_keeps_this_one() {
    let app = TestApp::spawn().await;
    let here = app.admin().await;
    let elsewhere = app.login("ada", ADMIN_PASSWORD).await;
    let response = here
        .post(app.url("/api/auth/password"))
        .json(&json!({"current_password": ADMIN_PASSWORD, "new_password": "a brand new secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(elsewhere.get(app.url("/api/auth/session")).send().await.unwrap().status(), 401);
    assert_eq!(here.get(app.url("/api/auth/session")).send().await.unwrap().status(), 200);
    app.login("ada", "a brand new secret").await;
}

#[tokio::test]
async fn password_change_checks_current_and_rules() {
    let app = TestApp::spawn().await;
    let client = app.admin().await;
    let hash_before = app.column("users", "password_hash");
    for (body, field) in [
        (json!({"current_password": "not it at all", "new_password": "a brand new secret"}), "current_password"),
        (json!({"current_password": ADMIN_PASSWORD, "new_password": "short"}), "new_password"),
    ] {
        let (status, body) =
            json_of(client.post(app.url("/api/auth/password")).json(&body).send().await.unwrap()).await;
        assert_error(status, &body, 422, "validation_failed");
        assert_eq!(body["error"]["details"][0]["field"], field);
    }
    assert_eq!(app.column("users", "password_hash"), hash_before, "nothing changed");
}

#[tokio::test]
async fn cookie_writes_need_same_origin_or_x_requested_with() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let response = app
        .anonymous()
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "ada", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
    let body = json!({"username": "eve", "password": "0123456789", "role": "admin"});
    let host = app.base.trim_start_matches("http://").to_owned();
    let cases = [(None, 403), (Some("http://evil.example".to_owned()), 403), (Some(format!("http://{host}")), 201)];
    for (origin, expected) in cases {
        let mut req = app.anonymous().post(app.url("/api/users")).header("cookie", &cookie).json(&body);
        if let Some(origin) = &origin {
            req = req.header("origin", origin);
        }
        let (status, body) = json_of(req.send().await.unwrap()).await;
        assert_eq!(status, expected, "origin {origin:?}: {body}");
    }
    assert_eq!(app.count("users"), 2, "only the same-origin request created a user");
}
