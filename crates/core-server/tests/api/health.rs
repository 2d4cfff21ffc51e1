//! /healthz reports readiness, and 503 in the error shape when the database is not usable.

use crate::support::{TestApp, assert_error, json_of};

#[tokio::test]
async fn healthz_reports_backend_version_and_schema() {
    let app = TestApp::spawn().await;
    let (status, body) = json_of(app.anonymous().get(app.url("/healthz")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["backend"], "rust");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations")).unwrap().count();
    assert_eq!(body["schema_version"], migrations as i64);
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_closed() {
    let app = TestApp::spawn().await;
    app.state().store.close();
    let (status, body) = json_of(app.anonymous().get(app.url("/healthz")).send().await.unwrap()).await;
    assert_error(status, &body, 503, "unavailable");
}
