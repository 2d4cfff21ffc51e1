//! The dashboard is served with SPA fallback and the right cache headers.

use core_server::domain::users::Role;

use crate::support::{ADMIN_PASSWORD, TestApp};

async fn app_with_dashboard() -> (TestApp, tempfile::TempDir) {
    let dist = tempfile::tempdir().unwrap();
    std::fs::create_dir(dist.path().join("assets")).unwrap();
    std::fs::write(dist.path().join("index.html"), "<!doctype html><div id=root>farm</div>").unwrap();
    std::fs::write(dist.path().join("assets/app-3f2a1b.js"), "console.log('farm')").unwrap();
    let dir = dist.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.dashboard_dir = Some(dir)).await;
    // Until an admin exists, dashboard pages redirect to the setup wizard (tests/api/setup.rs).
    app.create_user("ada", Role::Admin, ADMIN_PASSWORD).await;
    (app, dist)
}

#[tokio::test]
async fn deep_link_serves_index_html() {
    let (app, _dist) = app_with_dashboard().await;
    for path in ["/", "/schedules/week", "/nodes/3/replace"] {
        let response = app.anonymous().get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(response.text().await.unwrap().contains("<div id=root>farm</div>"), "{path}");
    }
}

#[tokio::test]
async fn hashed_assets_are_immutable_with_their_content_type() {
    let (app, _dist) = app_with_dashboard().await;
    let response = app.anonymous().get(app.url("/assets/app-3f2a1b.js")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(response.headers()["content-type"].to_str().unwrap().contains("javascript"));
    let etag = response.headers()["etag"].clone();
    let again =
        app.anonymous().get(app.url("/assets/app-3f2a1b.js")).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn path_traversal_never_leaves_the_dashboard_folder() {
    let (app, _dist) = app_with_dashboard().await;
    let response = app.anonymous().get(app.url("/..%2f..%2fCargo.toml")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("<div id=root>"), "fell back to index.html");
}

#[tokio::test]
async fn embedded_dashboard_or_build_hint_is_served_at_root() {
    let app = TestApp::spawn().await;
    app.create_user("ada", Role::Admin, ADMIN_PASSWORD).await;
    let response = app.anonymous().get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    let built = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboard/dist/index.html")).exists();
    if built {
        assert!(html.contains("<div id=\"root\">"), "{html}");
    } else {
        assert!(html.contains("make dashboard"), "{html}");
    }
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let (app, _dist) = app_with_dashboard().await;
    let body = "x".repeat(4096);
    std::fs::write(_dist.path().join("big.txt"), &body).unwrap();
    let response = app.anonymous().get(app.url("/big.txt")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
}
