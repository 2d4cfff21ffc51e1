//! A proxy in front of the right backend changes its answers in one way each; the harness must
//! report each change as a mismatch at the right pointer, and report nothing without a change.

use serde_json::Value;

use crate::support::{Backends, Fixture, Mutation, Proxy, compare, mismatches, noise, step_errors};

const SCENARIO: &str = r#"
steps:
  - login: {client: admin, username: "${admin_username}", password: "${admin_password}"}
  - name: create
    client: admin
    method: POST
    path: /api/users
    json: {username: bob, password: bob password 1, role: operator}
    capture: {bob: /body/id}
  - {name: get, client: admin, method: GET, path: "/api/users/${bob}"}
  - {name: list, client: admin, method: GET, path: /api/users}
  - {name: token, client: admin, method: POST, path: /api/api-tokens, json: {name: t, capabilities: [users.manage, nodes.view]}}
  - {name: delete, client: admin, method: DELETE, path: "/api/users/${bob}"}
  - {name: list after delete, client: admin, method: GET, path: /api/users}
"#;

const RULES: &str = r#"
compared_headers: [content-type, set-cookie]
rules:
  - {pointer: /headers/set-cookie/*/value, compare: presence, why: random session secret}
  - {operation: api_token_create, pointer: /body/secret, compare: presence, why: random token secret}
  - {operation: api_token_create, pointer: /body/token/prefix, compare: presence, why: prefix of the random secret}
  - {column: users.password_hash, compare: presence, why: salted hash}
  - {column: sessions.token_hash, compare: presence, why: digest of a random secret}
  - {column: api_tokens.token_hash, compare: presence, why: digest of a random secret}
  - {column: api_tokens.prefix, compare: presence, why: prefix of a random secret}
"#;

/// Runs the scenario with `mutation` applied to the right backend's answers.
async fn run_with(mutation: Mutation) -> parity::report::Report {
    let backends = Backends::start(false).await;
    let proxy = Proxy::start(&backends.right.url, mutation).await;
    let fixture = Fixture::new(SCENARIO, RULES);
    compare(&fixture, (&backends.left.url, &backends.left.db), (&proxy.url, &backends.right.db), None).await
}

fn is(method: &str, path: &str, want_method: &str, want_path: &str) -> bool {
    method == want_method && path == want_path
}

#[tokio::test]
async fn unmodified_answers_through_the_proxy_match() {
    let report = run_with(Mutation::none()).await;
    assert!(step_errors(&report).is_empty(), "{:?}", step_errors(&report));
    assert_eq!(mismatches(&report), Vec::<(String, String)>::new());
    assert_eq!(report.results.len(), 7);
    assert!(report.passed(), "{}", report.summary(std::path::Path::new("out"), true));
}

#[tokio::test]
async fn a_changed_value_is_a_mismatch_at_its_pointer() {
    let report = run_with(Mutation::answer(|m, p, _, body| {
        if is(m, p, "GET", "/api/users/2") {
            body["role"] = Value::from("admin");
        }
    }))
    .await;
    assert_eq!(mismatches(&report), [("get".to_owned(), "/body/role".to_owned())]);
    let d = &report.results.iter().find(|r| r.name == "get").unwrap().mismatches[0];
    assert_eq!(d.left.as_ref().unwrap().canonical(), "\"operator\"");
    assert_eq!(d.right.as_ref().unwrap().canonical(), "\"admin\"");
    assert!(!report.passed());
}

#[tokio::test]
async fn a_dropped_field_is_a_mismatch_with_no_right_value() {
    let report = run_with(Mutation::answer(|m, p, _, body| {
        if is(m, p, "POST", "/api/users") {
            body.as_object_mut().unwrap().remove("updated_at");
        }
    }))
    .await;
    assert_eq!(mismatches(&report), [("create".to_owned(), "/body/updated_at".to_owned())]);
    let d = &report.results.iter().find(|r| r.name == "create").unwrap().mismatches[0];
    assert!(d.left.is_some() && d.right.is_none());
}

#[tokio::test]
async fn a_changed_status_is_a_mismatch_at_status() {
    let report = run_with(Mutation::answer(|m, p, status, _| {
        if is(m, p, "POST", "/api/users") {
            *status = 200;
        }
    }))
    .await;
    assert_eq!(mismatches(&report), [("create".to_owned(), "/status".to_owned())]);
    let step = report.results.iter().find(|r| r.name == "create").unwrap();
    assert_eq!(step.statuses["right"], 200);
    assert!(step.curl["left"].contains("/api/users") && step.curl["right"].contains("/api/users"), "{:?}", step.curl);
}

#[tokio::test]
async fn a_reordered_array_is_a_mismatch_at_each_moved_element() {
    let report = run_with(Mutation::answer(|m, p, _, body| {
        if is(m, p, "POST", "/api/api-tokens") {
            body["token"]["capabilities"].as_array_mut().unwrap().reverse();
        }
    }))
    .await;
    assert_eq!(
        mismatches(&report),
        [
            ("token".to_owned(), "/body/token/capabilities/0".to_owned()),
            ("token".to_owned(), "/body/token/capabilities/1".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_timestamp_in_another_format_is_a_mismatch() {
    let report = run_with(Mutation::answer(|m, p, _, body| {
        if is(m, p, "GET", "/api/users") {
            // 2026-03-01T06:00:00.000Z -> 2026-03-01T06:00:00Z: the same instant, not the same answer.
            let first = &mut body["items"][0]["created_at"];
            *first = Value::from(first.as_str().unwrap().replace(".000Z", "Z"));
        }
    }))
    .await;
    let found = mismatches(&report);
    assert_eq!(
        found,
        [
            ("list".to_owned(), "/body/items/0/created_at".to_owned()),
            ("list after delete".to_owned(), "/body/items/0/created_at".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_matching_answer_with_different_rows_is_a_mismatch() {
    // The proxy answers the delete itself: the response is right, the row stays.
    let backends = Backends::start(false).await;
    let swallow = Mutation {
        answer: Box::new(|_, _, _, _| {}),
        swallow: Box::new(|m, p| (m == "DELETE" && p.starts_with("/api/users/")).then_some(204)),
    };
    let proxy = Proxy::start(&backends.right.url, swallow).await;
    let fixture = Fixture::new(SCENARIO, RULES);
    let report =
        compare(&fixture, (&backends.left.url, &backends.left.db), (&proxy.url, &backends.right.db), None).await;
    let found = mismatches(&report);
    assert!(found.contains(&("delete".to_owned(), "/db/users/2".to_owned())), "{found:?}");
    assert!(found.iter().any(|(step, p)| step == "list after delete" && p.starts_with("/body/items/1")), "{found:?}");
    assert!(
        !found.iter().any(|(step, p)| step == "list after delete" && p.starts_with("/db/")),
        "a divergence is reported once, where it happened: {found:?}"
    );
    let delete = report.results.iter().find(|r| r.name == "delete").unwrap();
    assert_eq!(delete.statuses["left"], delete.statuses["right"]);
}

#[tokio::test]
async fn a_difference_the_twin_also_shows_is_noise_not_a_mismatch() {
    // The left backend and its twin both stamp a random nonce; the right one does not.
    let backends = Backends::start(true).await;
    let nonce = || {
        Mutation::answer(|m, p, _, body| {
            if is(m, p, "GET", "/api/users") {
                let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
                body["nonce"] = Value::from(n.to_string());
            }
        })
    };
    let left = Proxy::start(&backends.left.url, nonce()).await;
    let twin = Proxy::start(&backends.twin.as_ref().unwrap().url, nonce()).await;
    let fixture = Fixture::new(SCENARIO, RULES);
    let twin_db = backends.twin.as_ref().unwrap().db.clone();
    let report = compare(
        &fixture,
        (&left.url, &backends.left.db),
        (&backends.right.url, &backends.right.db),
        Some((&twin.url, &twin_db)),
    )
    .await;
    assert_eq!(
        noise(&report),
        [("list".to_owned(), "/body/nonce".to_owned()), ("list after delete".to_owned(), "/body/nonce".to_owned())]
    );
    assert_eq!(mismatches(&report), Vec::<(String, String)>::new(), "explained by the noise");
    assert!(!report.passed(), "noise fails the run until it is removed or ruled");
}

#[tokio::test]
async fn an_unmodified_a_a_run_has_no_noise() {
    let backends = Backends::start(true).await;
    let proxy = Proxy::start(&backends.right.url, Mutation::none()).await;
    let fixture = Fixture::new(SCENARIO, RULES);
    let twin = backends.twin.as_ref().unwrap();
    let report = compare(
        &fixture,
        (&backends.left.url, &backends.left.db),
        (&proxy.url, &backends.right.db),
        Some((&twin.url, &twin.db)),
    )
    .await;
    assert_eq!(noise(&report), Vec::<(String, String)>::new());
    assert!(report.passed(), "{}", report.summary(std::path::Path::new("out"), true));
}

#[tokio::test]
async fn without_the_database_rules_hashes_and_secrets_differ() {
    let backends = Backends::start(false).await;
    let rules = "compared_headers: [content-type]\n";
    let fixture = Fixture::new(SCENARIO, rules);
    let report =
        compare(&fixture, (&backends.left.url, &backends.left.db), (&backends.right.url, &backends.right.db), None)
            .await;
    let found = mismatches(&report);
    for want in [
        "/db/sessions/1/token_hash",
        "/db/users/2/password_hash",
        "/body/secret",
        "/body/token/prefix",
        "/db/api_tokens/1/token_hash",
    ] {
        assert!(found.iter().any(|(_, p)| p == want), "{want} not reported: {found:?}");
    }
}
