//! `TestApp`: a server on port 0 with its own temporary database and a manual clock.

use std::sync::Arc;

use core_server::app::{self, Running};
use core_server::clock::{Clock, ManualClock};
use core_server::config::Config;
use core_server::domain::users::{Role, Username};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use tempfile::TempDir;

/// 2026-03-01T06:00:00Z
pub const T0: i64 = 1_772_344_800_000;
pub const ADMIN_PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub dir: TempDir,
    pub config: Config,
    running: Option<Running>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::in_dir(dir.path());
        config.listen = "127.0.0.1:0".parse().unwrap();
        tweak(&mut config);
        Self::start(dir, config, Arc::new(ManualClock::new(T0))).await
    }

    async fn start(dir: TempDir, config: Config, clock: Arc<ManualClock>) -> Self {
        let running = app::start(config.clone(), clock.clone() as Arc<dyn Clock>, app::Background::Off)
            .await
            .expect("server starts");
        Self { base: format!("http://{}", running.addr), clock, dir, config, running: Some(running) }
    }

    /// Stops the server gracefully and starts a new one on the same database and clock.
    pub async fn restart(mut self) -> Self {
        self.running.take().expect("running").shutdown().await.expect("clean shutdown");
        let mut config = self.config.clone();
        config.listen = "127.0.0.1:0".parse().unwrap();
        Self::start(self.dir, config, self.clock).await
    }

    pub fn state(&self) -> &app::AppState {
        &self.running.as_ref().expect("running").state
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Creates a user directly in the store (how the first admin exists before any login).
    pub async fn create_user(&self, username: &str, role: Role, password: &str) -> i64 {
        let hash = core_server::auth::password::hash(password).unwrap();
        let username = Username::parse("username", username).unwrap();
        self.state().store.user_create(&username, hash, role, self.clock.now_ms()).await.unwrap().id
    }

    /// A client that keeps cookies and marks its requests as the dashboard's own (CSRF rule).
    pub fn browser(&self) -> reqwest::Client {
        let mut headers = HeaderMap::new();
        headers.insert("x-requested-with", HeaderValue::from_static("test"));
        reqwest::Client::builder().cookie_store(true).default_headers(headers).build().unwrap()
    }

    pub fn anonymous(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Client {
        let client = self.browser();
        let response = client
            .post(self.url("/api/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "login as {username}: {}", response.text().await.unwrap());
        client
    }

    /// An admin `ada` exists and is logged in.
    pub async fn admin(&self) -> reqwest::Client {
        self.create_user("ada", Role::Admin, ADMIN_PASSWORD).await;
        self.login("ada", ADMIN_PASSWORD).await
    }

    /// One column of every row of `table`, ordered by id, straight from the database file.
    pub fn column(&self, table: &str, column: &str) -> Vec<Value> {
        let conn = rusqlite::Connection::open(&self.config.database).unwrap();
        let mut stmt = conn.prepare(&format!("SELECT {column} FROM {table} ORDER BY id")).unwrap();
        stmt.query_map([], |r| {
            Ok(match r.get_ref(0)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(i) => json!(i),
                rusqlite::types::ValueRef::Real(f) => json!(f),
                rusqlite::types::ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                rusqlite::types::ValueRef::Blob(_) => json!("<blob>"),
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    pub fn count(&self, table: &str) -> i64 {
        let conn = rusqlite::Connection::open(&self.config.database).unwrap();
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    }
}

/// Reads a response as (status, JSON body), asserting the body is JSON.
pub async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    if text.is_empty() {
        return (status, Value::Null);
    }
    assert_eq!(content_type.as_deref(), Some("application/json"), "status {status}, body {text}");
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")))
}

/// Asserts an error body of the API-CONVENTIONS shape with this status and code.
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "body: {body}");
    assert_eq!(body["error"]["code"], want_code, "body: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "message missing: {body}");
    assert!(body["error"]["details"].is_array(), "details missing: {body}");
}

/// A node registered through the API, with its token.
pub struct TestNode {
    pub id: i64,
    pub token: String,
    pub sensors: Vec<Value>,
    pub outputs: Vec<Value>,
    pub registered: Value,
}

impl TestNode {
    pub fn sensor_id(&self, key: &str) -> i64 {
        self.sensors.iter().find(|s| s["key"] == key).and_then(|s| s["id"].as_i64()).expect("sensor key")
    }

    pub fn output_id(&self, key: &str) -> i64 {
        self.outputs.iter().find(|o| o["key"] == key).and_then(|o| o["id"].as_i64()).expect("output key")
    }

    /// The node as node-sim sees it.
    pub fn spec(&self, name: &str) -> node_sim::client::NodeSpec {
        let sensors = self
            .sensors
            .iter()
            .map(|s| node_sim::client::SensorSpec {
                key: s["key"].as_str().unwrap().into(),
                kind: s["kind"].as_str().unwrap().into(),
            })
            .collect();
        let outputs = self
            .outputs
            .iter()
            .map(|o| node_sim::client::OutputSpec {
                key: o["key"].as_str().unwrap().into(),
                kind: o["kind"].as_str().unwrap().into(),
                default_state: o["default_state"].as_i64().unwrap(),
            })
            .collect();
        node_sim::client::NodeSpec { name: name.into(), token: self.token.clone(), sensors, outputs }
    }
}

/// A greenhouse: two sensors, a relay and a level output.
pub fn greenhouse(name: &str, mac: &str) -> Value {
    json!({
        "name": name,
        "mac": mac,
        "model": "Raspberry Pi 4",
        "sensors": [
            {"key": "air_temp", "name": "Air temperature", "kind": "temperature", "unit": "°C"},
            {"key": "soil", "name": "Soil moisture", "kind": "soil_moisture", "unit": "%", "interval_s": 30}
        ],
        "outputs": [
            {"key": "valve", "name": "Irrigation valve", "kind": "relay", "default_state": 0},
            {"key": "lights", "name": "Grow lights", "kind": "level", "default_state": 0}
        ]
    })
}

impl TestApp {
    pub async fn register_node(&self, admin: &reqwest::Client, body: Value) -> TestNode {
        let (status, registered) = json_of(admin.post(self.url("/api/nodes")).json(&body).send().await.unwrap()).await;
        assert_eq!(status, 201, "{registered}");
        TestNode {
            id: registered["node"]["id"].as_i64().unwrap(),
            token: registered["token"].as_str().unwrap().to_owned(),
            sensors: registered["sensors"].as_array().unwrap().clone(),
            outputs: registered["outputs"].as_array().unwrap().clone(),
            registered,
        }
    }

    /// A request from a node, with its token.
    pub fn node_post(&self, node: &TestNode, path: &str, body: Value) -> reqwest::RequestBuilder {
        reqwest::Client::new().post(self.url(path)).bearer_auth(&node.token).json(&body)
    }

    pub fn node_get(&self, node: &TestNode, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new().get(self.url(path)).bearer_auth(&node.token)
    }

    /// The clock as RFC 3339, `offset_ms` from now.
    pub fn ts(&self, offset_ms: i64) -> String {
        node_sim::client::rfc3339(self.clock.now_ms() + offset_ms)
    }
}
