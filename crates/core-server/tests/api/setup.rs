//! The first-run wizard at `/setup`: plain HTML forms over real HTTP, state in the database.

use core_server::domain::users::Role;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;

use crate::support::{ADMIN_PASSWORD, TestApp, json_of};

const PASSWORD: &str = "four unrelated words";

type Fields<'a> = Vec<(&'a str, &'a str)>;

/// A browser without JavaScript: keeps cookies, does not follow redirects.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The same, sending what htmx sends.
fn htmx_browser() -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert("hx-request", HeaderValue::from_static("true"));
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> &str {
    response.headers().get("location").map(|v| v.to_str().unwrap()).unwrap_or("")
}

/// The hidden CSRF field's value in a page.
fn csrf_in(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).unwrap_or_else(|| panic!("no csrf field in {html}")) + 19;
    html[start..].split('"').next().unwrap().to_owned()
}

/// GETs a wizard page and returns its CSRF token.
async fn open(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let response = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    csrf_in(&response.text().await.unwrap())
}

async fn post(app: &TestApp, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(app.url(path)).form(form).send().await.unwrap()
}

async fn create_admin(app: &TestApp, client: &reqwest::Client) -> String {
    let csrf = open(app, client, "/setup").await;
    let form = [("csrf", csrf.as_str()), ("username", "ada"), ("password", PASSWORD), ("password_confirm", PASSWORD)];
    let response = post(app, client, "/setup", &form).await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    assert_eq!(location(&response), "/setup/site");
    csrf
}

fn backup_dir(app: &TestApp) -> String {
    app.dir.path().join("offsite/backups").display().to_string()
}

/// Walks steps 1 to 3 and returns the CSRF token.
async fn through_backups(app: &TestApp, client: &reqwest::Client) -> String {
    let csrf = create_admin(app, client).await;
    let site = [("csrf", csrf.as_str()), ("name", "North field"), ("timezone", "Europe/Berlin")];
    let response = post(app, client, "/setup/site", &site).await;
    assert_eq!((response.status().as_u16(), location(&response)), (303, "/setup/backup"));
    let dir = backup_dir(app);
    let backup = [("csrf", csrf.as_str()), ("dir", dir.as_str()), ("schedule", "daily"), ("daily_at", "02:30")];
    let response = post(app, client, "/setup/backup", &backup).await;
    assert_eq!((response.status().as_u16(), location(&response)), (303, "/setup/done"));
    csrf
}

#[tokio::test]
async fn wizard_creates_the_admin_site_and_backups_and_logs_in() {
    let app = TestApp::spawn().await;
    let client = browser();

    let root = client.get(app.url("/")).send().await.unwrap();
    assert_eq!((root.status().as_u16(), location(&root)), (303, "/setup"), "no admin yet: / leads to the wizard");
    let csrf = through_backups(&app, &client).await;
    let done = client.get(app.url("/setup/done")).send().await.unwrap().text().await.unwrap();
    assert!(done.contains("North field") && done.contains("daily at 02:30"), "{done}");
    let finish = post(&app, &client, "/setup/finish", &[("csrf", csrf.as_str())]).await;

    assert_eq!((finish.status().as_u16(), location(&finish)), (303, "/"));
    let cookies: Vec<&str> = finish.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("farm_session=") && c.contains("HttpOnly")), "{cookies:?}");
    assert_eq!(app.column("users", "username"), vec![json!("ada")]);
    assert_eq!(app.column("users", "role"), vec![json!("admin")]);
    assert_eq!(app.column("site", "name"), vec![json!("North field")]);
    assert_eq!(app.column("site", "timezone"), vec![json!("Europe/Berlin")]);
    assert_eq!(app.column("backup_settings", "dir"), vec![json!(backup_dir(&app))]);
    assert_eq!(app.column("backup_settings", "daily_at"), vec![json!("02:30")]);
    assert_eq!(app.column("setup_wizard", "token_hash"), vec![json!(null)], "the wizard cookie is spent");
    let in_effect = app.state().backup_settings();
    assert_eq!((in_effect.dir.display().to_string(), in_effect.daily_at.as_deref()), (backup_dir(&app), Some("02:30")));
    let (status, session) = json_of(client.get(app.url("/api/auth/session")).send().await.unwrap()).await;
    assert_eq!((status, &session["user"]["username"], &session["user"]["role"]), (200, &json!("ada"), &json!("admin")));

    // Backups now go to the folder the wizard chose.
    let started = client.post(app.url("/api/backups")).header("x-requested-with", "test").json(&json!({})).send();
    let (status, started) = json_of(started.await.unwrap()).await;
    assert_eq!(status, 202, "{started}");
    let name = started["name"].as_str().unwrap();
    let written = std::path::Path::new(&backup_dir(&app)).join(format!("{name}.json"));
    for _ in 0..200 {
        if written.exists() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no backup manifest at {}", written.display());
}

#[tokio::test]
async fn stored_backup_settings_survive_a_restart() {
    let app = TestApp::spawn().await;
    through_backups(&app, &browser()).await;

    let app = app.restart().await;

    let in_effect = app.state().backup_settings();
    assert_eq!((in_effect.dir.display().to_string(), in_effect.daily_at.as_deref()), (backup_dir(&app), Some("02:30")));
}

#[tokio::test]
async fn bad_admin_fields_are_shown_next_to_them_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let client = browser();
    let csrf = open(&app, &client, "/setup").await;
    let cases = [
        ("Ada Lovelace", PASSWORD, PASSWORD, "username-error", "must be 3 to 32 characters"),
        ("ada", "short", "short", "password-error", "at least 10 characters"),
        ("ada", PASSWORD, "four unrelated wordz", "password_confirm-error", "does not match"),
    ];
    for (username, password, confirm, id, problem) in cases {
        let form =
            [("csrf", csrf.as_str()), ("username", username), ("password", password), ("password_confirm", confirm)];

        let response = post(&app, &client, "/setup", &form).await;

        assert_eq!(response.status(), 422, "{id}");
        let html = response.text().await.unwrap();
        let error = &html[html.find(&format!(r#"id="{id}""#)).unwrap_or_else(|| panic!("{id} missing: {html}"))..];
        assert!(error[..200].contains(problem), "{id}: {error}");
        assert!(html.contains(&format!(r#"name="username" value="{username}""#)), "kept: {html}");
        assert!(html.starts_with("<!doctype html>"), "a plain post gets the whole page");
    }
    assert_eq!(app.count("users"), 0);
    assert_eq!(app.count("setup_wizard"), 0);
}

#[tokio::test]
async fn bad_site_and_backup_fields_are_shown_next_to_them_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let client = browser();
    let csrf = create_admin(&app, &client).await;
    let a_file = app.dir.path().join("a-file");
    std::fs::write(&a_file, "not a folder").unwrap();
    let under_a_file = a_file.join("backups").display().to_string();
    let good_dir = backup_dir(&app);
    // (step, its fields, the error's element id, words of the problem)
    let cases: [(&str, Fields, &str, &str); 5] = [
        ("/setup/site", vec![("name", "North"), ("timezone", "Mars/Olympus_Mons")], "timezone-error", "IANA time zone"),
        ("/setup/site", vec![("name", " "), ("timezone", "UTC")], "name-error", "1 to 64 characters"),
        (
            "/setup/backup",
            vec![("dir", &good_dir), ("schedule", "daily"), ("daily_at", "25:00")],
            "daily_at-error",
            "HH:MM",
        ),
        ("/setup/backup", vec![("dir", "backups"), ("schedule", "off")], "dir-error", "absolute path"),
        (
            "/setup/backup",
            vec![("dir", &under_a_file), ("schedule", "daily"), ("daily_at", "03:00")],
            "dir-error",
            "cannot be created",
        ),
    ];
    for (path, fields, id, problem) in cases {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields.iter().copied());

        let response = post(&app, &client, path, &form).await;

        assert_eq!(response.status(), 422, "{id}");
        let html = response.text().await.unwrap();
        let error = &html[html.find(&format!(r#"id="{id}""#)).unwrap_or_else(|| panic!("{id} missing: {html}"))..];
        assert!(error[..200].contains(problem), "{id}: {error}");
        let (field, value) = fields[0];
        assert!(html.contains(&format!(r#"name="{field}" value="{value}""#)), "{field} kept: {html}");
    }
    assert_eq!(app.column("site", "name"), vec![json!("My farm")]);
    assert_eq!(app.column("site", "timezone"), vec![json!("UTC")]);
    assert_eq!(app.count("backup_settings"), 0);
}

#[tokio::test]
async fn a_form_without_this_browsers_token_is_refused() {
    let app = TestApp::spawn().await;
    let victim = browser();
    let csrf = open(&app, &victim, "/setup").await;
    let form = |token: &str| {
        [
            ("csrf", token.to_owned()),
            ("username", "mallory".into()),
            ("password", PASSWORD.into()),
            ("password_confirm", PASSWORD.into()),
        ]
    };

    let forged = victim.post(app.url("/setup")).form(&form("not-the-token")).send().await.unwrap();
    let cross_site = browser().post(app.url("/setup")).form(&form(&csrf)).send().await.unwrap();

    assert_eq!(forged.status(), 403, "wrong token");
    assert_eq!(cross_site.status(), 403, "right token, but no cookie (a cross-site post)");
    assert!(cross_site.text().await.unwrap().contains("This form was refused"));
    assert_eq!(app.count("users"), 0);
}

#[tokio::test]
async fn later_steps_refuse_a_forged_form() {
    let app = TestApp::spawn().await;
    let client = browser();
    create_admin(&app, &client).await;

    let response = post(&app, &client, "/setup/site", &[("csrf", "forged"), ("name", "X"), ("timezone", "UTC")]).await;

    assert_eq!(response.status(), 403);
    assert_eq!(app.column("site", "name"), vec![json!("My farm")]);
}

#[tokio::test]
async fn setup_redirects_to_the_dashboard_once_an_admin_exists() {
    let app = TestApp::spawn().await;
    app.create_user("ada", Role::Admin, ADMIN_PASSWORD).await;
    let client = browser();

    for path in
        ["/setup", "/setup/site", "/setup/backup", "/setup/done", "/setup/nope", "/setup/assets/htmx-2.0.11.min.js"]
    {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!((response.status().as_u16(), location(&response)), (303, "/"), "{path}");
    }
    let post =
        client.post(app.url("/setup")).form(&[("username", "eve"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!((post.status().as_u16(), location(&post)), (303, "/"));
    assert_eq!(app.count("users"), 1);
    let root = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(root.status(), 200, "the dashboard, no longer the wizard");
}

#[tokio::test]
async fn another_browser_cannot_continue_someone_elses_wizard() {
    let app = TestApp::spawn().await;
    create_admin(&app, &browser()).await;
    let other = browser();

    for path in ["/setup", "/setup/site", "/setup/done"] {
        let response = other.get(app.url(path)).send().await.unwrap();
        assert_eq!((response.status().as_u16(), location(&response)), (303, "/"), "{path}");
    }
}

#[tokio::test]
async fn reposting_a_step_after_it_was_done_changes_nothing() {
    let app = TestApp::spawn().await;
    let client = browser();
    let csrf = through_backups(&app, &client).await;
    let admin = [("csrf", csrf.as_str()), ("username", "ada2"), ("password", PASSWORD), ("password_confirm", PASSWORD)];

    let again = post(&app, &client, "/setup", &admin).await;
    let reload = client.get(app.url("/setup")).send().await.unwrap();

    assert_eq!((again.status().as_u16(), location(&again)), (303, "/setup/site"), "no second admin, on to step 2");
    assert_eq!((reload.status().as_u16(), location(&reload)), (303, "/setup/site"));
    assert_eq!(app.column("users", "username"), vec![json!("ada")]);
    let finish = post(&app, &client, "/setup/finish", &[("csrf", csrf.as_str())]).await;
    assert_eq!(finish.status(), 303);
    let sessions = app.count("sessions");
    let twice = post(&app, &client, "/setup/finish", &[("csrf", csrf.as_str())]).await;
    assert_eq!((twice.status().as_u16(), location(&twice)), (303, "/"));
    assert!(twice.headers().get("set-cookie").is_none(), "no second login");
    assert_eq!(app.count("sessions"), sessions);
}

#[tokio::test]
async fn htmx_gets_the_form_alone_and_a_plain_request_the_whole_page() {
    let app = TestApp::spawn().await;
    let client = htmx_browser();
    let plain = browser().get(app.url("/setup")).send().await.unwrap().text().await.unwrap();
    assert!(plain.starts_with("<!doctype html>") && plain.contains("htmx-2.0.11.min.js"), "{plain}");

    let fragment = client.get(app.url("/setup")).send().await.unwrap().text().await.unwrap();
    assert!(fragment.trim_start().starts_with("<form") && !fragment.contains("<html"), "{fragment}");
    let csrf = csrf_in(&fragment);
    let invalid =
        post(&app, &client, "/setup", &[("csrf", csrf.as_str()), ("username", "ada"), ("password", "short")]).await;
    assert_eq!(invalid.status(), 422);
    let invalid = invalid.text().await.unwrap();
    assert!(invalid.trim_start().starts_with("<form") && invalid.contains(r#"id="password-error""#), "{invalid}");
    let form = [("csrf", csrf.as_str()), ("username", "ada"), ("password", PASSWORD), ("password_confirm", PASSWORD)];
    let created = post(&app, &client, "/setup", &form).await;
    assert_eq!(created.status(), 200);
    assert_eq!(created.headers()["hx-redirect"], "/setup/site", "htmx navigates to the next step");
}

#[tokio::test]
async fn without_an_admin_dashboard_pages_lead_to_setup_but_files_and_the_api_do_not() {
    let app = TestApp::spawn().await;
    let client = browser();

    for path in ["/", "/schedules/week", "/nodes/3"] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!((response.status().as_u16(), location(&response)), (303, "/setup"), "{path}");
    }
    let htmx = client.get(app.url("/setup/assets/htmx-2.0.11.min.js")).send().await.unwrap();
    assert_eq!(htmx.status(), StatusCode::OK);
    assert!(htmx.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert_eq!(client.get(app.url("/favicon.svg")).send().await.unwrap().status(), 200, "a file, not a page");
    assert_eq!(client.get(app.url("/api/auth/session")).send().await.unwrap().status(), 401);
    assert_eq!(client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}
