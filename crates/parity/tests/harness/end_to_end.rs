//! The `parity` binary as `make parity` runs it: the repository's scenarios and rules, generated
//! traffic, the contract check, and how it fails.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::{Backends, Fixture, compare, core_server_bin, repo};

fn parity(args: &[&str], out: &Path) -> (Output, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_parity"))
        .args(args)
        .arg("--repo")
        .arg(repo())
        .arg("--out")
        .arg(out)
        .env("CORE_SERVER_BIN", core_server_bin())
        .output()
        .expect("parity runs");
    let report = std::fs::read_to_string(out.join("report.json")).ok().and_then(|t| serde_json::from_str(&t).ok());
    (output, report.unwrap_or(Value::Null))
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn the_repository_scenarios_match_rust_against_rust() {
    let out = tempfile::tempdir().unwrap();
    // The contract check compares the binary with the committed document; that has its own test.
    let (output, report) = parity(&["run", "--left", "rust", "--right", "rust", "--no-contract"], out.path());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(report["passed"], true);
    assert_eq!(report["totals"]["mismatch"], 0);
    assert_eq!(report["totals"]["noise"], 0);
    assert_eq!(report["coverage"]["unsampled_operations"], serde_json::json!([]));
    let rules = report["rules"].as_array().unwrap();
    assert!(!rules.is_empty() && rules.iter().all(|r| r["used"].as_u64() > Some(0)), "every rule is used: {rules:?}");
    assert!(report["totals"]["steps"].as_u64().unwrap() > 150);
    let junit = std::fs::read_to_string(out.path().join("junit.xml")).unwrap();
    assert!(junit.contains("<testsuite name=\"40_users\""), "{junit}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("RESULT: PASS"));
}

#[test]
fn generated_traffic_matches_rust_against_rust_and_repeats_exactly() {
    let args = [
        "run",
        "--left",
        "rust",
        "--right",
        "rust",
        "--no-contract",
        "--no-scenarios",
        "--generated",
        "60",
        "--seed",
        "5",
    ];
    let runs: Vec<(Output, Value)> = (0..2).map(|_| parity(&args, tempfile::tempdir().unwrap().path())).collect();
    for (output, report) in &runs {
        assert_eq!(output.status.code(), Some(0), "{}", text(output));
        let generated =
            report["steps"].as_array().unwrap().iter().filter(|s| s["name"].as_str().unwrap().starts_with("gen "));
        assert_eq!(generated.count(), 60);
    }
    let shape = |report: &Value| -> Vec<String> {
        report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{} {} {}", s["name"], s["path"], s["statuses"]))
            .collect()
    };
    assert_eq!(shape(&runs[0].1), shape(&runs[1].1), "same seed, same requests, same answers");
    let statuses: std::collections::BTreeSet<u64> =
        runs[0].1["steps"].as_array().unwrap().iter().filter_map(|s| s["statuses"]["left"].as_u64()).collect();
    assert!(statuses.contains(&200) && statuses.contains(&422) && statuses.contains(&400), "{statuses:?}");
}

#[test]
fn contract_differences_are_reported_per_operation() {
    let dir = tempfile::tempdir().unwrap();
    let committed = repo().join("openapi/core-server.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&committed).unwrap()).unwrap();
    let users = doc["paths"]["/api/users"].as_object_mut().unwrap();
    users["post"]["responses"].as_object_mut().unwrap().remove("409");
    users["get"]["operationId"] = Value::from("list_users");
    let changed = dir.path().join("changed.json");
    std::fs::write(&changed, serde_json::to_string(&doc).unwrap()).unwrap();
    let (left_cmd, right_cmd) = (format!("cat {}", committed.display()), format!("cat {}", changed.display()));
    let (output, report) = parity(
        &[
            "compare",
            "--left",
            "http://127.0.0.1:9",
            "--right",
            "http://127.0.0.1:9",
            "--no-scenarios",
            "--left-openapi-cmd",
            &left_cmd,
            "--right-openapi-cmd",
            &right_cmd,
        ],
        &dir.path().join("out"),
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let found: Vec<String> = report["contract"]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {} {}",
                d["role"].as_str().unwrap(),
                d["operation"].as_str().unwrap(),
                d["pointer"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(found, ["right GET /api/users /operation_id", "right POST /api/users /responses/409"]);
}

#[test]
fn a_missing_rust_binary_fails_with_how_to_build_it() {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_parity"))
        .args(["run", "--left", "rust", "--right", "rust", "--repo"])
        .arg(repo())
        .arg("--out")
        .arg(out.path())
        .env("CORE_SERVER_BIN", out.path().join("no-such-binary"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("cargo build --bin core-server"), "{}", text(&output));
}

#[test]
fn a_rule_without_a_reason_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "compared_headers: [content-type]\nrules:\n  - {pointer: /body/secret, compare: presence}\n",
    )
    .unwrap();
    let (output, _) = parity(
        &["run", "--left", "rust", "--right", "rust", "--rules", rules.to_str().unwrap()],
        &dir.path().join("out"),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("has no `why`"), "{}", text(&output));
}

#[tokio::test]
async fn a_rule_that_matches_nothing_fails_a_full_run_and_warns_in_a_partial_one() {
    let backends = Backends::start(false).await;
    let scenario = "steps:\n  - {name: health, method: GET, path: /healthz}\n";
    let rules = "compared_headers: [content-type]\nrules:\n  - {operation: api_token_create, pointer: /body/secret, compare: presence, why: random}\n";
    let fixture = Fixture::new(scenario, rules);
    let urls = (
        (backends.left.url.as_str(), backends.left.db.as_path()),
        (backends.right.url.as_str(), backends.right.db.as_path()),
    );

    let partial = compare(&fixture, urls.0, urls.1, None).await;
    assert!(partial.errors.is_empty(), "{:?}", partial.errors);
    assert!(partial.warnings.iter().any(|w| w.contains("matched nothing")), "{:?}", partial.warnings);

    let mut full = fixture.common();
    full.only.clear();
    let args = parity::cli::CompareArgs {
        common: full,
        left: urls.0.0.to_owned(),
        right: urls.1.0.to_owned(),
        left_db: Some(urls.0.1.to_owned()),
        right_db: Some(urls.1.1.to_owned()),
        twin: None,
        twin_db: None,
        left_openapi_cmd: None,
        right_openapi_cmd: None,
    };
    let report = parity::cli::compare(args).await.unwrap().0;
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("api_token_create, pointer /body/secret") && e.contains("matched nothing")),
        "{:?}",
        report.errors
    );
    assert!(report.errors.iter().any(|e| e.contains("operation users_list has no sample")), "{:?}", report.errors);
    assert!(!report.passed());
}

#[tokio::test]
async fn an_event_stream_is_read_for_a_bounded_time() {
    let backends = Backends::start(false).await;
    let client = parity::exchange::client().unwrap();
    let base = &backends.left.url;
    let out = |method: &str, path: &str, headers: Vec<(&str, String)>, body: Option<&str>, stream_ms| {
        parity::exchange::Outgoing {
            method: method.into(),
            url: format!("{base}{path}"),
            headers: headers.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            body: body.map(|b| b.as_bytes().to_vec()),
            stream_ms,
        }
    };
    let json = ("content-type", "application/json".to_owned());
    let login = r#"{"username":"ada","password":"correct horse battery"}"#;
    let login = parity::exchange::send(&client, &out("POST", "/api/auth/login", vec![json.clone()], Some(login), None))
        .await
        .unwrap();
    let (_, cookie) = login.cookies().remove(0);
    let auth = vec![("cookie", format!("farm_session={}", cookie.unwrap())), ("x-requested-with", "t".into())];
    let node = r#"{"name":"G","mac":"b8:27:eb:00:00:01","outputs":[{"key":"valve","name":"Valve","kind":"relay","default_state":0}]}"#;
    let mut with_json = auth.clone();
    with_json.push(json);
    let created =
        parity::exchange::send(&client, &out("POST", "/api/nodes", with_json, Some(node), None)).await.unwrap();
    assert_eq!(created.status, 201);

    let mut resume = auth.clone();
    // Ids start at the frozen clock's epoch milliseconds.
    resume.push(("last-event-id", (parity::backend::TEST_CLOCK_MS - 1).to_string()));
    let started = std::time::Instant::now();
    let events = parity::exchange::send(&client, &out("GET", "/api/events", resume, None, Some(300))).await.unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "the stream was cut after its window");
    assert_eq!(events.status, 200);
    let text = String::from_utf8_lossy(&events.body);
    assert!(text.contains("event: node"), "the backlog arrived: {text:?}");
}
