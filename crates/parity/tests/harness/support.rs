//! Real Rust backends on copies of one seeded database, a mutating proxy in front of one of them,
//! and a way to run `parity compare` against them in-process.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use parity::backend::{self, BackendSpec, Server};
use parity::cli::{Common, CompareArgs};
use parity::report::Report;
use serde_json::Value;
use tempfile::TempDir;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// The Rust backend built by cargo: `CORE_SERVER_BIN`, else `<repo>/target/debug/core-server`.
pub fn core_server_bin() -> PathBuf {
    let bin = backend::rust_binary(&repo());
    assert!(
        bin.is_file(),
        "{} does not exist: run `cargo build --bin core-server` first (or set CORE_SERVER_BIN)",
        bin.display()
    );
    bin
}

fn rust_spec() -> BackendSpec {
    BackendSpec { name: "rust".into(), command: vec![core_server_bin().display().to_string()], openapi_command: None }
}

/// Rust backends, each on its own copy of one seeded database.
pub struct Backends {
    pub left: Server,
    pub right: Server,
    pub twin: Option<Server>,
    _dir: TempDir,
}

impl Backends {
    pub async fn start(with_twin: bool) -> Backends {
        let dir = tempfile::tempdir().unwrap();
        let seed =
            backend::seed(&[core_server_bin().display().to_string()], &dir.path().join("seed")).expect("seeding");
        let spec = rust_spec();
        let start = |role: &str| {
            Server::start(&spec, &seed, &dir.path().join(role), &dir.path().join(format!("{role}.log")))
                .expect("backend starts")
        };
        let backends =
            Backends { left: start("left"), right: start("right"), twin: with_twin.then(|| start("twin")), _dir: dir };
        let client = reqwest::Client::new();
        for s in [&backends.left, &backends.right].into_iter().chain(backends.twin.as_ref()) {
            s.wait_ready(&client).await.unwrap();
        }
        backends
    }
}

/// Changes an answer to (method, path): its status and its JSON body.
pub type AnswerFn = dyn Fn(&str, &str, &mut u16, &mut Value) + Send + Sync;
/// Answers (method, path) with this status without forwarding it.
pub type SwallowFn = dyn Fn(&str, &str) -> Option<u16> + Send + Sync;

/// What the proxy does to the requests and answers it passes on.
pub struct Mutation {
    pub answer: Box<AnswerFn>,
    pub swallow: Box<SwallowFn>,
}

impl Mutation {
    pub fn none() -> Mutation {
        Mutation::answer(|_, _, _, _| {})
    }

    pub fn answer(f: impl Fn(&str, &str, &mut u16, &mut Value) + Send + Sync + 'static) -> Mutation {
        Mutation { answer: Box::new(f), swallow: Box::new(|_, _| None) }
    }
}

struct ProxyState {
    upstream: String,
    client: reqwest::Client,
    mutation: Mutation,
}

/// A proxy on 127.0.0.1:0 in front of `upstream`, applying `mutation` to its answers.
pub struct Proxy {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    pub async fn start(upstream: &str, mutation: Mutation) -> Proxy {
        let state = Arc::new(ProxyState { upstream: upstream.to_owned(), client: reqwest::Client::new(), mutation });
        let app = axum::Router::new().fallback(forward).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Proxy { url, task }
    }
}

async fn forward(State(proxy): State<Arc<ProxyState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    if let Some(status) = (proxy.mutation.swallow)(&method, &path) {
        return Response::builder().status(status).body(Body::empty()).unwrap();
    }
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let target = format!("{}{}", proxy.upstream, parts.uri.path_and_query().map_or("/", |p| p.as_str()));
    let mut upstream = proxy.client.request(parts.method.clone(), target).body(bytes);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.unwrap();
    let mut status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let mut body = answer.bytes().await.unwrap().to_vec();
    if let Ok(mut json) = serde_json::from_slice::<Value>(&body) {
        (proxy.mutation.answer)(&method, &path, &mut status, &mut json);
        body = serde_json::to_vec(&json).unwrap();
    } else {
        let mut none = Value::Null;
        (proxy.mutation.answer)(&method, &path, &mut status, &mut none);
    }
    let mut response = Response::builder().status(StatusCode::from_u16(status).unwrap());
    for (name, value) in &headers {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(
                HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
                HeaderValue::from_bytes(value.as_bytes()).unwrap(),
            );
        }
    }
    response.body(Body::from(body)).unwrap()
}

/// A scenario folder with one scenario, `cases`, and a rule file, written to a temporary folder.
pub struct Fixture {
    pub dir: TempDir,
}

impl Fixture {
    pub fn new(scenario: &str, rules: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
        std::fs::write(dir.path().join("scenarios/cases.yaml"), scenario).unwrap();
        std::fs::write(dir.path().join("rules.yaml"), rules).unwrap();
        Fixture { dir }
    }

    pub fn common(&self) -> Common {
        Common {
            repo: Some(repo()),
            scenarios: Some(self.dir.path().join("scenarios")),
            rules: Some(self.dir.path().join("rules.yaml")),
            contract: None,
            out: Some(self.dir.path().join("out")),
            only: vec!["cases".into()],
            no_scenarios: false,
            generated: None,
            seed: 1,
            generated_setup: None,
            no_contract: true,
            quiet: true,
        }
    }
}

/// `parity compare` of two URLs, with the databases behind them (and an optional twin).
pub async fn compare(
    fixture: &Fixture,
    left: (&str, &Path),
    right: (&str, &Path),
    twin: Option<(&str, &Path)>,
) -> Report {
    let args = CompareArgs {
        common: fixture.common(),
        left: left.0.to_owned(),
        right: right.0.to_owned(),
        left_db: Some(left.1.to_owned()),
        right_db: Some(right.1.to_owned()),
        twin: twin.map(|t| t.0.to_owned()),
        twin_db: twin.map(|t| t.1.to_owned()),
        left_openapi_cmd: None,
        right_openapi_cmd: None,
    };
    parity::cli::compare(args).await.expect("the comparison runs").0
}

/// (suite step name, pointer) of every mismatch.
pub fn mismatches(report: &Report) -> Vec<(String, String)> {
    report.results.iter().flat_map(|r| r.mismatches.iter().map(move |d| (r.name.clone(), d.pointer.clone()))).collect()
}

pub fn noise(report: &Report) -> Vec<(String, String)> {
    report.results.iter().flat_map(|r| r.noise.iter().map(move |d| (r.name.clone(), d.pointer.clone()))).collect()
}

pub fn step_errors(report: &Report) -> Vec<String> {
    report.results.iter().flat_map(|r| r.errors.clone()).chain(report.errors.clone()).collect()
}
