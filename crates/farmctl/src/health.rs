//! `/healthz` from farmctl's side: one blocking HTTP/1.0 GET on loopback (no HTTP client
//! dependency for one request), and the health gate that waits for the expected backend.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::layout::Backend;
use crate::service::ServiceState;

/// What both backends answer on `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Health {
    pub status: String,
    pub backend: String,
    pub version: String,
    pub schema_version: i64,
}

/// `GET path` on `addr`; the status code and the body.
pub fn get(addr: SocketAddr, path: &str, timeout: Duration) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("no answer on {addr}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    // HTTP/1.0 and no Accept-Encoding: the answer is neither chunked nor compressed.
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\nUser-Agent: farmctl\r\n\r\n")
        .map_err(|e| format!("sending to {addr}: {e}"))?;
    let mut raw = Vec::new();
    stream.take(1 << 20).read_to_end(&mut raw).map_err(|e| format!("reading from {addr}: {e}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| format!("{addr} did not answer HTTP"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{addr} did not answer HTTP"))?;
    Ok((status, body.to_owned()))
}

/// One health probe: the parsed answer, or why there is none.
pub fn probe(addr: SocketAddr) -> Result<Health, String> {
    let (status, body) = get(addr, "/healthz", Duration::from_secs(2))?;
    if status != 200 {
        let detail: String = body.chars().take(200).collect();
        return Err(format!("/healthz answered {status}: {}", detail.trim()));
    }
    serde_json::from_str(&body).map_err(|e| format!("/healthz answered something else than health: {e}"))
}

/// What the gate waits for.
#[derive(Debug, Clone)]
pub struct Expect {
    pub backend: Backend,
    /// Checked for upgrades and rollbacks, so the old server answering cannot pass for the new.
    pub version: Option<String>,
}

impl Expect {
    fn problem(&self, health: &Health) -> Option<String> {
        if health.status != "ok" {
            return Some(format!("/healthz reports status {:?}", health.status));
        }
        if health.backend != self.backend.as_str() {
            return Some(format!("/healthz reports backend {}, expected {}", health.backend, self.backend));
        }
        match &self.version {
            Some(v) if *v != health.version => {
                Some(format!("/healthz reports version {}, expected {v}", health.version))
            }
            _ => None,
        }
    }
}

/// Polls `/healthz` until it reports `expect`, the service is seen to have exited, or `timeout`
/// passes. On failure, the last thing seen.
pub fn gate(
    addr: SocketAddr,
    expect: &Expect,
    timeout: Duration,
    mut service: impl FnMut() -> anyhow::Result<ServiceState>,
) -> Result<Health, String> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(ServiceState::Failed(why)) = service() {
            return Err(format!("the server is not running: {why}"));
        }
        let last = match probe(addr) {
            Ok(health) => match expect.problem(&health) {
                None => return Ok(health),
                Some(problem) => problem,
            },
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(format!("not healthy within {} s; last seen: {last}", timeout.as_secs_f32()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
