//! Backups that are proven restorable.

use std::time::Duration;

use core_server::domain::users::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, assert_error, json_of};

/// Starts a backup and waits for its manifest (written once it is verified or failed).
async fn backup(app: &TestApp, admin: &reqwest::Client) -> Value {
    let (status, started) = json_of(admin.post(app.url("/api/backups")).json(&json!({})).send().await.unwrap()).await;
    assert_eq!(status, 202, "{started}");
    let name = started["name"].as_str().unwrap().to_owned();
    for _ in 0..200 {
        let (status, manifest) =
            json_of(admin.get(app.url(&format!("/api/backups/{name}"))).send().await.unwrap()).await;
        if status == 200 {
            return manifest;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("backup {name} did not finish");
}

fn backup_file(app: &TestApp, name: &str) -> std::path::PathBuf {
    app.config.backup_dir().join(format!("{name}.db.zst"))
}

#[tokio::test]
async fn a_backup_is_verified_with_its_manifest() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let manifest = backup(&app, &admin).await;
    assert_eq!(manifest["status"], "verified", "{manifest}");
    assert_eq!(manifest["kind"], "manual");
    assert_eq!(manifest["row_counts"]["users"], 1);
    assert_eq!(manifest["schema_version"], app.count("schema_migrations"));
    let (_, list) = json_of(admin.get(app.url("/api/backups")).send().await.unwrap()).await;
    assert_eq!(list["items"][0]["name"], manifest["name"]);
    assert!(backup_file(&app, manifest["name"].as_str().unwrap()).exists());
}

#[tokio::test]
async fn a_corrupted_backup_fails_verification_and_cannot_be_restored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let name = backup(&app, &admin).await["name"].as_str().unwrap().to_owned();
    let path = backup_file(&app, &name);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();

    let (status, manifest) =
        json_of(admin.post(app.url(&format!("/api/backups/{name}/verify"))).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(manifest["status"], "failed");
    assert!(manifest["problem"].as_str().unwrap().contains("checksum"), "{manifest}");
    app.create_user("bob", Role::Viewer, "bob password 1").await;
    let (status, body) = json_of(
        admin
            .post(app.url(&format!("/api/backups/{name}/restore")))
            .json(&json!({"confirm": name}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 409, "conflict");
    assert_eq!(app.count("users"), 2, "a failed restore leaves the data as it was");
}

#[tokio::test]
async fn restore_round_trip_undoes_a_later_change_and_keeps_a_safety_backup() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let name = backup(&app, &admin).await["name"].as_str().unwrap().to_owned();
    app.create_user("bob", Role::Viewer, "bob password 1").await;
    assert_eq!(app.count("users"), 2);

    let (status, body) = json_of(
        admin
            .post(app.url(&format!("/api/backups/{name}/restore")))
            .json(&json!({"confirm": "yes"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 422, "validation_failed");
    assert_eq!(body["error"]["details"][0]["field"], "confirm");
    assert_eq!(app.count("users"), 2, "a wrong confirmation changes nothing");

    let (status, restored) = json_of(
        admin
            .post(app.url(&format!("/api/backups/{name}/restore")))
            .json(&json!({"confirm": name}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(app.count("users"), 1, "bob came after the backup");
    let safety = restored["safety_backup"].as_str().unwrap();
    let (status, manifest) = json_of(admin.get(app.url(&format!("/api/backups/{safety}"))).send().await.unwrap()).await;
    assert_eq!(
        (status, manifest["kind"].clone(), manifest["row_counts"]["users"].clone()),
        (200, json!("safety"), json!(2))
    );
    // The server goes on, on the restored data, without a restart.
    let (status, _) = json_of(admin.get(app.url("/api/users")).send().await.unwrap()).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn upload_round_trip_and_truncated_upload_is_rejected() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let name = backup(&app, &admin).await["name"].as_str().unwrap().to_owned();
    let download = admin.get(app.url(&format!("/api/backups/{name}/download"))).send().await.unwrap();
    assert_eq!(download.status(), 200);
    let sha = download.headers()["x-backup-sha256"].to_str().unwrap().to_owned();
    let bytes = download.bytes().await.unwrap().to_vec();
    let before = std::fs::read_dir(app.config.backup_dir()).unwrap().count();

    let truncated = bytes[..bytes.len() / 2].to_vec();
    let truncated_sha = hex_sha256(&truncated);
    for (body, sha) in
        [(truncated.clone(), sha.clone()), (truncated, truncated_sha), (b"hello".to_vec(), hex_sha256(b"hello"))]
    {
        let response =
            admin.post(app.url("/api/backups/upload")).header("x-backup-sha256", sha).body(body).send().await.unwrap();
        let (status, error) = json_of(response).await;
        assert_error(status, &error, 422, "validation_failed");
    }
    assert_eq!(std::fs::read_dir(app.config.backup_dir()).unwrap().count(), before, "nothing left behind");

    let response =
        admin.post(app.url("/api/backups/upload")).header("x-backup-sha256", &sha).body(bytes).send().await.unwrap();
    let (status, manifest) = json_of(response).await;
    assert_eq!(status, 201, "{manifest}");
    assert_eq!((manifest["kind"].clone(), manifest["status"].clone()), (json!("uploaded"), json!("verified")));
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn retention_keeps_the_newest_verified_backups() {
    let app = TestApp::spawn_with(|c| {
        c.backup_keep_days = 30;
        c.backup_keep_min = 2;
    })
    .await;
    let admin = app.admin().await;
    let mut names = Vec::new();
    for day in [100, 90, 80, 5] {
        app.clock.set_ms(crate::support::T0 - day * 24 * 3_600_000);
        names.push(backup(&app, &admin).await["name"].as_str().unwrap().to_owned());
    }
    app.clock.set_ms(crate::support::T0);
    let deleted = core_server::engine::backups::retention(app.state()).unwrap();
    assert_eq!(deleted, [names[1].clone(), names[0].clone()], "older than 30 days and not among the newest 2 verified");
    let (_, list) = json_of(admin.get(app.url("/api/backups")).send().await.unwrap()).await;
    let kept: Vec<_> =
        list["items"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kept, [names[3].clone(), names[2].clone()]);
}

#[tokio::test]
async fn viewers_list_backups_but_cannot_download_or_restore() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let name = backup(&app, &admin).await["name"].as_str().unwrap().to_owned();
    app.create_user("vera", Role::Viewer, "vera password").await;
    let viewer = app.login("vera", "vera password").await;
    assert_eq!(viewer.get(app.url("/api/backups")).send().await.unwrap().status(), 200);
    for request in [
        viewer.get(app.url(&format!("/api/backups/{name}/download"))),
        viewer.post(app.url("/api/backups")).json(&json!({})),
    ] {
        let (status, body) = json_of(request.send().await.unwrap()).await;
        assert_error(status, &body, 403, "forbidden");
    }
    let (status, body) = json_of(admin.get(app.url("/api/backups/..%2f..%2fetc")).send().await.unwrap()).await;
    assert_error(status, &body, 404, "not_found");
}

async fn backup_health(app: &TestApp, admin: &reqwest::Client) -> Value {
    let (status, state) = json_of(admin.get(app.url("/api/dashboard/state")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{state}");
    state["backup"].clone()
}

#[tokio::test]
async fn the_dashboard_reports_the_newest_verified_backups_age() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let none = backup_health(&app, &admin).await;
    assert_eq!(none, json!({"newest_verified_at": null, "age_s": null, "stale": true}));

    let first = backup(&app, &admin).await;
    assert_eq!(
        backup_health(&app, &admin).await,
        json!({"newest_verified_at": first["created_at"], "age_s": 0, "stale": false})
    );

    app.clock.advance_ms((2 * 86_400 + 1) * 1000);
    let admin = app.login("ada", crate::support::ADMIN_PASSWORD).await; // the session expired meanwhile
    let old = backup_health(&app, &admin).await;
    assert_eq!((old["age_s"].as_i64(), &old["stale"]), (Some(2 * 86_400 + 1), &json!(true)));

    // A newer backup that fails verification is not offered as good: the age stays.
    let name = backup(&app, &admin).await["name"].as_str().unwrap().to_owned();
    assert_eq!(backup_health(&app, &admin).await["age_s"], 0);
    std::fs::write(backup_file(&app, &name), b"not a backup").unwrap();
    let (status, _) = json_of(admin.post(app.url(&format!("/api/backups/{name}/verify"))).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(backup_health(&app, &admin).await["newest_verified_at"], first["created_at"]);

    // Deleting the last verified one leaves none.
    let first = first["name"].as_str().unwrap();
    let deleted = admin.delete(app.url(&format!("/api/backups/{first}"))).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(backup_health(&app, &admin).await["newest_verified_at"], Value::Null);
}

async fn settings_put(admin: &reqwest::Client, app: &TestApp, body: Value) -> (u16, Value) {
    json_of(admin.put(app.url("/api/backups/settings")).json(&body).send().await.unwrap()).await
}

async fn settings_get(client: &reqwest::Client, app: &TestApp) -> (u16, Value) {
    json_of(client.get(app.url("/api/backups/settings")).send().await.unwrap()).await
}

#[tokio::test]
async fn backup_settings_are_the_configurations_until_changed_and_then_read_back() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, before) = settings_get(&admin, &app).await;
    assert_eq!(status, 200, "{before}");
    let configured = app.config.backup_dir().display().to_string();
    assert_eq!(before, json!({"dir": configured, "daily_at": "03:00"}));

    let dir = app.dir.path().join("elsewhere/backups").display().to_string();
    let (status, changed) = settings_put(&admin, &app, json!({"dir": dir, "daily_at": "21:15"})).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed, json!({"dir": dir, "daily_at": "21:15"}));
    assert!(std::path::Path::new(&dir).is_dir(), "the folder is created");
    assert_eq!(settings_get(&admin, &app).await.1, changed);
    assert_eq!(app.column("backup_settings", "dir"), vec![json!(dir)]);

    let (status, off) = settings_put(&admin, &app, json!({"dir": dir, "daily_at": null})).await;
    assert_eq!((status, off), (200, json!({"dir": dir, "daily_at": null})));
    assert_eq!(app.column("backup_settings", "daily_at"), vec![Value::Null]);
    let app = app.restart().await;
    let admin = app.login("ada", crate::support::ADMIN_PASSWORD).await;
    assert_eq!(settings_get(&admin, &app).await.1, json!({"dir": dir, "daily_at": null}), "stored, not only in memory");
}

#[tokio::test]
async fn a_viewer_may_read_but_not_change_the_backup_settings() {
    let app = TestApp::spawn().await;
    app.create_user("vera", Role::Viewer, "vera password").await;
    let viewer = app.login("vera", "vera password").await;
    assert_eq!(settings_get(&viewer, &app).await.0, 200);

    let dir = app.dir.path().join("viewer-choice").display().to_string();
    let (status, body) = settings_put(&viewer, &app, json!({"dir": dir, "daily_at": "04:00"})).await;
    assert_error(status, &body, 403, "forbidden");
    assert_eq!(app.count("backup_settings"), 0);
    assert!(!std::path::Path::new(&dir).exists(), "a refused request touches no file");
}

#[tokio::test]
async fn invalid_backup_settings_name_the_field_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let kept = app.dir.path().join("kept").display().to_string();
    assert_eq!(settings_put(&admin, &app, json!({"dir": kept, "daily_at": "02:30"})).await.0, 200);
    let a_file = app.dir.path().join("a-file");
    std::fs::write(&a_file, "not a folder").unwrap();
    let under_a_file = a_file.join("backups").display().to_string();
    let fresh = app.dir.path().join("fresh").display().to_string();

    let cases = [
        (json!({"dir": "backups", "daily_at": "03:00"}), "dir", "must be an absolute path such as /var/backups/farm"),
        (json!({"dir": "", "daily_at": "03:00"}), "dir", "must be a folder path of at most 1024 characters"),
        (json!({"dir": "   ", "daily_at": null}), "dir", "must be a folder path of at most 1024 characters"),
        (json!({"dir": fresh, "daily_at": "25:00"}), "daily_at", "must be a time HH:MM such as 03:00, or off"),
        (json!({"dir": fresh, "daily_at": "3pm"}), "daily_at", "must be a time HH:MM such as 03:00, or off"),
        (json!({"dir": under_a_file, "daily_at": "03:00"}), "dir", "cannot be created: Not a directory (os error 20)"),
        (json!({"dir": fresh, "daily_at": "03:00", "keep": 3}), "keep", "is not a known field"),
    ];
    for (body, field, problem) in cases {
        let (status, error) = settings_put(&admin, &app, body.clone()).await;
        assert_error(status, &error, 422, "validation_failed");
        assert_eq!(error["error"]["details"], json!([{"field": field, "problem": problem}]), "{body}");
        assert_eq!(settings_get(&admin, &app).await.1, json!({"dir": kept, "daily_at": "02:30"}), "{body}");
    }
    assert_eq!(app.column("backup_settings", "dir"), vec![json!(kept)]);
    assert!(!std::path::Path::new(&fresh).exists(), "an invalid time stops before the folder is made");
}

#[tokio::test]
async fn backups_go_to_and_are_listed_from_the_new_folder() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let old = backup(&app, &admin).await["name"].as_str().unwrap().to_owned();
    app.clock.advance_ms(60_000);
    let dir = app.dir.path().join("moved");
    let (status, _) = settings_put(&admin, &app, json!({"dir": dir.display().to_string(), "daily_at": "03:00"})).await;
    assert_eq!(status, 200);

    let (status, manifest) =
        json_of(admin.post(app.url("/api/backups")).json(&json!({"wait": true})).send().await.unwrap()).await;
    assert_eq!((status, manifest["status"].clone()), (201, json!("verified")), "{manifest}");
    let name = manifest["name"].as_str().unwrap();
    assert!(dir.join(format!("{name}.db.zst")).exists(), "written into the new folder");
    assert_ne!(name, old);
    assert!(!backup_file(&app, name).exists(), "not into the old one");
    let (_, list) = json_of(admin.get(app.url("/api/backups")).send().await.unwrap()).await;
    let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec![name], "listed from the new folder only; {old} stays in the old one");
}

#[tokio::test]
async fn the_settings_path_is_not_a_backup_name() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let response = admin.delete(app.url("/api/backups/settings")).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET,HEAD,PUT");
    let (status, body) = json_of(response).await;
    assert_error(status, &body, 405, "method_not_allowed");
    let (status, body) = json_of(admin.post(app.url("/api/backups/settings/verify")).send().await.unwrap()).await;
    assert_error(status, &body, 404, "not_found");
}

#[tokio::test]
async fn after_a_folder_change_the_newest_verified_backup_is_read_from_the_new_folder() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    backup(&app, &admin).await;
    assert_ne!(backup_health(&app, &admin).await["newest_verified_at"], Value::Null);
    let dir = app.dir.path().join("empty");
    let (status, _) = settings_put(&admin, &app, json!({"dir": dir.display().to_string(), "daily_at": null})).await;
    assert_eq!(status, 200);
    // Looking the same as the old folder from outside: only being told of the change rereads it.
    let old_modified = std::fs::metadata(app.config.backup_dir()).unwrap().modified().unwrap();
    std::fs::File::open(&dir).unwrap().set_modified(old_modified).unwrap();
    assert_eq!(backup_health(&app, &admin).await["newest_verified_at"], Value::Null);
}
