//! Hostile input (`parity/hostile.yaml`): requests no client should send, sent byte for byte
//! over a raw socket (so `..` and percent-escapes reach the server unnormalized) to each backend
//! on its own copy of one seeded database. Each must be refused with a 4xx JSON error of the
//! API-CONVENTIONS shape, leak no file, and leave every table exactly as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::backend::{self, ADMIN_PASSWORD, ADMIN_USERNAME, BackendSpec, Server};
use crate::canon::Json;
use crate::scenario::RawBody;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostileFile {
    #[serde(default)]
    pub description: String,
    /// Markers of file contents that must never appear in an answer (`/etc/passwd`, the
    /// database, repository files).
    pub leak_markers: Vec<String>,
    /// Backend name -> path prefixes of operations it does not implement yet; its cases there
    /// are skipped.
    #[serde(default)]
    pub pending: BTreeMap<String, Vec<String>>,
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    /// `admin` (session cookie and the CSRF marker), `node` (the node's bearer token) or `none`.
    #[serde(default = "admin")]
    pub auth: String,
    pub method: String,
    /// Sent exactly as written on the request line; `${node_id}`, `${sensor_id}`,
    /// `${output_id}` and `${backup}` are replaced first.
    pub path: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Text (where `\xNN` is the byte NN, for invalid UTF-8) or `{prefix, repeat, times, suffix}`.
    pub body: Option<RawBody>,
    /// A well-formed body nested `depth` deep: `open * depth + inner + close * depth`.
    pub nested: Option<Nested>,
    /// Allowed statuses; any 4xx when empty.
    #[serde(default)]
    pub status: Vec<u16>,
    /// Not an API path: a 404 or the dashboard's index page is fine, as long as nothing leaks.
    #[serde(default)]
    pub static_path: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nested {
    pub depth: usize,
    pub open: String,
    pub close: String,
    #[serde(default)]
    pub inner: String,
}

fn admin() -> String {
    "admin".to_owned()
}

impl HostileFile {
    pub fn load(path: &Path) -> anyhow::Result<HostileFile> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let file: HostileFile = serde_norway::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        for case in &file.cases {
            if !["admin", "node", "none"].contains(&case.auth.as_str()) {
                bail!("case {:?}: auth must be admin, node or none", case.name);
            }
            if case.status.iter().any(|s| !(400..500).contains(s)) {
                bail!("case {:?}: only 4xx statuses may be expected", case.name);
            }
        }
        Ok(file)
    }
}

/// `\xNN` escapes become raw bytes; everything else is UTF-8 as written.
pub fn unescape_bytes(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && bytes.get(i + 1) == Some(&b'x')
            && let Some(hex) = text.get(i + 2..i + 4)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// An answer read off the socket.
#[derive(Debug, Default)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request over a fresh connection, the target unnormalized. The body is written
/// while the answer is read, so a server that answers 413 early is heard.
pub async fn send_raw(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> anyhow::Result<Answer> {
    let stream = tokio::net::TcpStream::connect(addr).await.with_context(|| format!("connecting to {addr}"))?;
    let (mut read, mut write) = stream.into_split();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    let writer = tokio::spawn(async move {
        // The server may answer and close before it has read everything: that is allowed.
        let _ = write.write_all(&request).await;
        let _ = write.flush().await;
        write
    });
    let mut raw = Vec::new();
    let read_all = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match read.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
                // A reset after the answer arrived (unread request body) still leaves the answer.
                Err(_) if !raw.is_empty() => break,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    };
    tokio::time::timeout(Duration::from_secs(30), read_all).await.context("no answer within 30 s")??;
    writer.abort();
    parse_answer(&raw)
}

fn parse_answer(raw: &[u8]) -> anyhow::Result<Answer> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").context("the answer has no complete head")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).context("bad status line")?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':').map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned())))
        .collect();
    let mut answer = Answer { status, headers, body: raw[end + 4..].to_vec() };
    if answer.header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        answer.body = dechunk(&answer.body);
    } else if let Some(len) = answer.header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        answer.body.truncate(len);
    }
    Ok(answer)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16) else { break };
        data = &data[eol + 2..];
        if size == 0 || data.len() < size {
            out.extend_from_slice(&data[..size.min(data.len())]);
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or_default();
    }
    out
}

/// The code API-CONVENTIONS gives each status.
fn code_for(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "bad_request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        422 => "validation_failed",
        429 => "rate_limited",
        _ => return None,
    })
}

/// What is wrong with an answer to `case` (empty when it is right).
pub fn judge(case: &Case, answer: &Answer, leak_markers: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for marker in leak_markers {
        if answer.body.windows(marker.len()).any(|w| w == marker.as_bytes()) {
            problems.push(format!("the answer leaks file content ({marker:?})"));
        }
    }
    if case.static_path {
        let is_index = answer.status == 200
            && answer.header("content-type").is_some_and(|c| c.starts_with("text/html"))
            && String::from_utf8_lossy(&answer.body).to_ascii_lowercase().contains("<!doctype html");
        if !(is_index || (400..500).contains(&answer.status)) {
            problems.push(format!("status {}: expected 4xx or the dashboard's index page", answer.status));
        }
        return problems;
    }
    if !case.status.is_empty() && !case.status.contains(&answer.status) {
        problems.push(format!("status {}: expected one of {:?}", answer.status, case.status));
    } else if !(400..500).contains(&answer.status) {
        problems.push(format!("status {}: expected a 4xx", answer.status));
    }
    if !answer.header("content-type").is_some_and(|c| c.starts_with("application/json")) {
        problems.push(format!("content-type {:?}: expected application/json", answer.header("content-type")));
    }
    let body = String::from_utf8_lossy(&answer.body);
    match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(v) => {
            let error = &v["error"];
            let shaped = error.as_object().is_some_and(|o| o.len() == 3)
                && error["message"].as_str().is_some_and(|m| !m.is_empty())
                && error["details"].is_array();
            if !shaped {
                problems.push(format!("body is not {{\"error\": {{code, message, details}}}}: {body}"));
            } else if let Some(want) = code_for(answer.status)
                && error["code"] != want
            {
                problems.push(format!("error.code {} for status {}: expected {want:?}", error["code"], answer.status));
            }
        }
        Err(_) => problems.push(format!("body is not JSON: {}", body.chars().take(200).collect::<String>())),
    }
    problems
}

/// Values the cases point at, made on each backend before the cases run.
struct Fixture {
    cookie: String,
    node_token: String,
    vars: BTreeMap<&'static str, String>,
}

fn json_body(answer: &Answer) -> serde_json::Value {
    serde_json::from_slice(&answer.body).unwrap_or_default()
}

async fn prepare(addr: &str) -> anyhow::Result<Fixture> {
    let json = |v: serde_json::Value| v.to_string().into_bytes();
    let ct = ("content-type".to_owned(), "application/json".to_owned());
    let login = json(serde_json::json!({"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD}));
    let answer = send_raw(addr, "POST", "/api/auth/login", std::slice::from_ref(&ct), &login).await?;
    let cookie = answer
        .headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .find_map(|(_, v)| v.split(';').next().filter(|c| c.starts_with("farm_session=")))
        .with_context(|| format!("login answered {} without a session cookie", answer.status))?
        .to_owned();
    let admin =
        vec![ct.clone(), ("cookie".to_owned(), cookie.clone()), ("x-requested-with".to_owned(), "parity".into())];
    let node = serde_json::json!({
        "name": "Hostile greenhouse", "mac": "b8:27:eb:00:00:66", "model": "Raspberry Pi 4",
        "sensors": [{"key": "air_temp", "name": "Air temperature", "kind": "temperature", "unit": "°C"}],
        "outputs": [{"key": "valve", "name": "Irrigation valve", "kind": "relay", "default_state": 0}]
    });
    let answer = send_raw(addr, "POST", "/api/nodes", &admin, &json(node)).await?;
    let created = json_body(&answer);
    if answer.status != 201 {
        bail!("registering the node answered {}: {created}", answer.status);
    }
    let node_token = created["token"].as_str().context("node token")?.to_owned();
    let backup = send_raw(addr, "POST", "/api/backups", &admin, &json(serde_json::json!({"wait": true}))).await?;
    let backup_name = json_body(&backup)["name"].as_str().map(str::to_owned);
    let backup_name = backup_name.with_context(|| format!("creating a backup answered {}", backup.status))?;
    // The node's first request stamps its last_seen_at; do it now so no case is blamed for it.
    let auth = vec![("authorization".to_owned(), format!("Bearer {node_token}"))];
    send_raw(addr, "GET", "/api/node/commands?wait=0", &auth, b"").await?;
    let mut vars = BTreeMap::new();
    vars.insert("node_id", created["node"]["id"].to_string());
    vars.insert("sensor_id", created["sensors"][0]["id"].to_string());
    vars.insert("output_id", created["outputs"][0]["id"].to_string());
    vars.insert("backup", backup_name);
    Ok(Fixture { cookie, node_token, vars })
}

fn substitute(text: &str, vars: &BTreeMap<&'static str, String>) -> String {
    vars.iter().fold(text.to_owned(), |t, (k, v)| t.replace(&format!("${{{k}}}"), v))
}

/// The outcome of one case on one backend.
#[derive(Debug)]
pub struct Outcome {
    pub backend: String,
    pub case: String,
    pub status: u16,
    pub problems: Vec<String>,
    /// The operation is pending on this backend (`pending` in the case file).
    pub skipped: bool,
}

/// Runs every case against one running backend, comparing the database after each with the
/// state before the cases.
async fn run_cases(file: &HostileFile, backend: &str, server: &Server) -> anyhow::Result<Vec<Outcome>> {
    let addr = server.url.trim_start_matches("http://").to_owned();
    let fixture = prepare(&addr).await.with_context(|| format!("{backend}: preparing"))?;
    let before = crate::db::snapshot(&server.db)?;
    let mut outcomes = Vec::new();
    let pending = file.pending.get(backend).cloned().unwrap_or_default();
    for case in &file.cases {
        if pending.iter().any(|prefix| case.path.starts_with(prefix.as_str())) {
            outcomes.push(Outcome {
                backend: backend.to_owned(),
                case: case.name.clone(),
                status: 0,
                problems: vec![],
                skipped: true,
            });
            continue;
        }
        let mut headers = Vec::new();
        match case.auth.as_str() {
            "admin" => {
                headers.push(("cookie".to_owned(), fixture.cookie.clone()));
                headers.push(("x-requested-with".to_owned(), "parity".to_owned()));
            }
            "node" => headers.push(("authorization".to_owned(), format!("Bearer {}", fixture.node_token))),
            _ => {}
        }
        let mut has_content_type = false;
        for (name, value) in &case.headers {
            has_content_type |= name.eq_ignore_ascii_case("content-type");
            headers.push((name.clone(), value.clone()));
        }
        let body = match (&case.body, &case.nested) {
            (Some(RawBody::Text(t)), _) => unescape_bytes(&substitute(t, &fixture.vars)),
            (Some(raw), _) => raw.bytes(),
            (None, Some(n)) => format!("{}{}{}", n.open.repeat(n.depth), n.inner, n.close.repeat(n.depth)).into_bytes(),
            (None, None) => Vec::new(),
        };
        if !body.is_empty() && !has_content_type {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
        }
        let target = substitute(&case.path, &fixture.vars);
        let (status, mut problems) = match send_raw(&addr, &case.method, &target, &headers, &body).await {
            Ok(answer) => (answer.status, judge(case, &answer, &file.leak_markers)),
            Err(e) => (0, vec![format!("no answer: {e:#}")]),
        };
        match crate::db::snapshot(&server.db) {
            Ok(after) => {
                for d in crate::diff::diff(Some(&before), Some(&after)) {
                    problems.push(format!(
                        "database changed at /db{}: {} -> {}",
                        d.pointer,
                        show(&d.left),
                        show(&d.right)
                    ));
                }
            }
            Err(e) => problems.push(format!("reading the database afterwards: {e:#}")),
        }
        outcomes.push(Outcome {
            backend: backend.to_owned(),
            case: case.name.clone(),
            status,
            problems,
            skipped: false,
        });
        if outcomes.last().is_some_and(|o| o.problems.iter().any(|p| p.starts_with("database changed"))) {
            // Later cases would be blamed for this one's write: stop comparing against a moved baseline.
            break;
        }
    }
    Ok(outcomes)
}

fn show(value: &Option<Json>) -> String {
    let text = value.as_ref().map_or("(none)".to_owned(), Json::canonical);
    if text.chars().count() > 120 { format!("{}…", text.chars().take(120).collect::<String>()) } else { text }
}

/// Seeds one database, starts each backend on its own copy and runs every case against it.
pub async fn run(
    file: &HostileFile,
    specs: &[BackendSpec],
    seed_command: &[String],
    work: &Path,
) -> anyhow::Result<Vec<Outcome>> {
    if work.exists() {
        std::fs::remove_dir_all(work).with_context(|| format!("clearing {}", work.display()))?;
    }
    let seed = backend::seed(seed_command, &work.join("seed"))?;
    let client = reqwest::Client::new();
    let mut outcomes = Vec::new();
    for spec in specs {
        let dir = work.join(&spec.name);
        let server = Server::start(spec, &seed, &dir, &work.join(format!("{}.log", spec.name)))?;
        server.wait_ready(&client).await?;
        outcomes.extend(run_cases(file, &spec.name, &server).await?);
    }
    Ok(outcomes)
}

/// The table printed after a run; returns whether every case passed.
pub fn summarize(file: &HostileFile, outcomes: &[Outcome], backends: &[String]) -> (String, bool) {
    let mut out = String::new();
    let mut failed = 0;
    let skipped = outcomes.iter().filter(|o| o.skipped).count();
    for o in outcomes {
        let mark = if o.skipped {
            "skip"
        } else if o.problems.is_empty() {
            "ok  "
        } else {
            "FAIL"
        };
        out.push_str(&format!("{mark} {:<8} {:>3}  {}\n", o.backend, o.status, o.case));
        for p in &o.problems {
            out.push_str(&format!("       {p}\n"));
        }
        failed += usize::from(!o.problems.is_empty());
    }
    let expected = file.cases.len() * backends.len();
    let missing = expected - outcomes.len().min(expected);
    out.push_str(&format!(
        "hostile: {} cases x {} backends ({}): {} passed, {} failed, {} skipped{}\n",
        file.cases.len(),
        backends.len(),
        backends.join(", "),
        outcomes.len() - failed - skipped,
        failed + missing,
        skipped,
        if missing > 0 { format!(" ({missing} not run after a database change)") } else { String::new() }
    ));
    (out, failed == 0 && missing == 0)
}

/// The default case file.
pub fn default_cases(repo: &Path) -> PathBuf {
    repo.join("parity/hostile.yaml")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(static_path: bool, status: Vec<u16>) -> Case {
        Case {
            name: "c".into(),
            auth: "none".into(),
            method: "GET".into(),
            path: "/x".into(),
            headers: BTreeMap::new(),
            body: None,
            nested: None,
            status,
            static_path,
        }
    }

    fn answer(status: u16, content_type: &str, body: &str) -> Answer {
        Answer { status, headers: vec![("content-type".into(), content_type.into())], body: body.as_bytes().to_vec() }
    }

    const ERROR_400: &str = r#"{"error":{"code":"bad_request","message":"no","details":[]}}"#;

    #[test]
    fn a_4xx_json_error_of_the_conventional_shape_passes() {
        assert!(judge(&case(false, vec![400]), &answer(400, "application/json", ERROR_400), &[]).is_empty());
    }

    #[test]
    fn server_errors_wrong_codes_shapes_and_leaks_are_caught() {
        let markers = vec!["root:x:0:0".to_owned()];
        let c = case(false, vec![]);
        assert!(!judge(&c, &answer(500, "application/json", ERROR_400), &markers).is_empty());
        assert!(!judge(&c, &answer(422, "application/json", ERROR_400), &markers).is_empty(), "code must fit status");
        assert!(!judge(&c, &answer(400, "text/plain", "bad"), &markers).is_empty());
        assert!(!judge(&c, &answer(400, "application/json", r#"{"detail":"x"}"#), &markers).is_empty());
        assert!(!judge(&case(false, vec![413]), &answer(400, "application/json", ERROR_400), &markers).is_empty());
        let leak = answer(404, "text/plain", "root:x:0:0:root:/root:/bin/bash");
        assert!(!judge(&case(true, vec![]), &leak, &markers).is_empty());
    }

    #[test]
    fn a_static_path_may_answer_the_index_page() {
        let index = answer(200, "text/html; charset=utf-8", "<!DOCTYPE html><html></html>");
        assert!(judge(&case(true, vec![]), &index, &[]).is_empty());
        assert!(!judge(&case(true, vec![]), &answer(200, "text/plain", "secret"), &[]).is_empty());
    }

    #[test]
    fn escapes_become_raw_bytes_and_chunks_are_joined() {
        assert_eq!(unescape_bytes(r#"a\xff\xC3(\x"#), b"a\xff\xc3(\\x");
        assert_eq!(dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"), b"abcde");
        let parsed = parse_answer(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}extra").unwrap();
        assert_eq!((parsed.status, parsed.body.as_slice()), (404, &b"{}"[..]));
    }
}
