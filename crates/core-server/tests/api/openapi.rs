//! The committed OpenAPI document matches the code byte for byte, and every operation not on
//! the allow-list refuses anonymous callers.

use serde_json::Value;

use crate::support::{TestApp, json_of};

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/core-server.json");

/// Operations that answer without credentials, and why.
const ANONYMOUS_ALLOWED: &[(&str, &str, &str)] = &[
    ("get", "/healthz", "liveness probe for supervisors and farmctl's health gate"),
    ("post", "/api/auth/login", "how a browser gets a session"),
    ("post", "/api/adoption/announce", "a new node has no credentials yet; limited per address"),
    ("post", "/api/adoption/claim", "the single-use adoption token in the body is the credential"),
];

#[test]
fn committed_openapi_document_is_up_to_date() {
    let generated = core_server::app::openapi_json();
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(committed == generated, "openapi/core-server.json is stale: run `make openapi` and commit the result");
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(core_server::app::openapi_json(), core_server::app::openapi_json());
}

fn operations() -> Vec<(String, String, Value)> {
    let doc: Value = serde_json::from_str(&core_server::app::openapi_json()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((method.clone(), path.clone(), op.clone()));
        }
    }
    ops
}

#[tokio::test]
async fn every_operation_outside_the_allow_list_requires_authentication() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let ops = operations();
    assert!(ops.len() >= 10, "the walk found the operations");
    for (method, path, op) in &ops {
        let allowed = ANONYMOUS_ALLOWED.iter().any(|(m, p, _)| m == method && p == path);
        let url = app.url(&path.replace("{id}", "1"));
        let mut request = client.request(method.to_uppercase().parse().unwrap(), url);
        if op.get("requestBody").is_some() {
            request = request.json(&serde_json::json!({}));
        }
        let (status, body) = json_of(request.send().await.unwrap()).await;
        if allowed {
            assert_ne!(status, 401, "{method} {path} is allow-listed but refused: {body}");
        } else {
            assert_eq!(status, 401, "{method} {path} answered an anonymous caller: {body}");
            assert_eq!(body["error"]["code"], "unauthenticated");
            let documented = op["responses"].get("401").is_some();
            assert!(documented, "{method} {path} does not document its 401");
            assert!(op.get("security").is_some(), "{method} {path} declares no security requirement");
        }
    }
}

#[test]
fn the_allow_list_names_only_real_operations() {
    let ops = operations();
    for (method, path, why) in ANONYMOUS_ALLOWED {
        assert!(!why.is_empty());
        assert!(ops.iter().any(|(m, p, _)| m == method && p == path), "stale allow-list entry {method} {path}");
    }
}

#[test]
fn every_operation_is_named_tagged_and_documents_errors() {
    for (method, path, op) in operations() {
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(!id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{method} {path}: {id}");
        assert_eq!(op["tags"].as_array().map(Vec::len), Some(1), "{method} {path} has one tag");
        let errors =
            op["responses"].as_object().unwrap().keys().filter(|s| s.starts_with('4') || s.starts_with('5')).count();
        assert!(errors > 0, "{method} {path} documents no error response");
    }
}
