//! A release core-server in a child process on its own data dir, with an admin session.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const PASSWORD: &str = "bench password 1";
pub const WRK_CONNECTIONS: u32 = 16;

pub struct Server {
    child: Child,
    base: String,
    http: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    pub async fn start(bin: &Path) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut server = Self::start_in(bin, dir.path()).await?;
        server._dir = Some(dir);
        Ok(server)
    }

    pub async fn start_in(bin: &Path, data_dir: &Path) -> anyhow::Result<Self> {
        if !bin.exists() {
            bail!("{} is missing: run `cargo build --release --bin core-server`", bin.display());
        }
        let data_dir: PathBuf = data_dir.to_owned();
        let created = Command::new(bin)
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["user", "create", "--username", "bench", "--role", "admin"])
            .env("FARM_ADMIN_PASSWORD", PASSWORD)
            .output()
            .await?;
        let exists = String::from_utf8_lossy(&created.stderr).contains("taken");
        if !created.status.success() && !exists {
            bail!("creating the bench admin: {}", String::from_utf8_lossy(&created.stderr));
        }
        let mut child = Command::new(bin)
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["--listen", "127.0.0.1:0", "serve"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line).await?;
        let base = line.trim().rsplit(' ').next().context("listening line")?.to_owned();
        let http = reqwest::Client::builder().cookie_store(true).build()?;
        let login = http
            .post(format!("{base}/api/auth/login"))
            .json(&json!({"username": "bench", "password": PASSWORD}))
            .send()
            .await?;
        if !login.status().is_success() {
            bail!("login: {}", login.status());
        }
        Ok(Self { child, base, http, _dir: None })
    }

    /// CPU time (user + system) the server process has used, from /proc.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let pid = self.child.id().context("server exited")?;
        cpu_seconds_of(pid)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn admin_post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let response = self.http.post(self.url(path)).header("x-requested-with", "bench").json(body).send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if !status.is_success() {
            bail!("POST {path}: {status} {body}");
        }
        Ok(body)
    }

    pub async fn admin_get(&self, path: &str) -> anyhow::Result<Value> {
        let response = self.http.get(self.url(path)).send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if !status.is_success() {
            bail!("GET {path}: {status} {body}");
        }
        Ok(body)
    }

    pub async fn api_token(&self) -> anyhow::Result<String> {
        let created =
            self.admin_post("/api/api-tokens", &json!({"name": "bench", "capabilities": ["nodes.view"]})).await?;
        Ok(created["secret"].as_str().context("secret")?.to_owned())
    }

    pub async fn stop(mut self) {
        if let Some(id) = self.child.id() {
            let _ = Command::new("kill").args(["-TERM", &id.to_string()]).status().await;
        }
        let _ = self.child.wait().await;
    }
}

pub struct WrkResult {
    pub requests_per_s: f64,
    pub latency_avg_ms: f64,
}

/// Runs wrk (Debian's `wrk` package) with a bearer token for `seconds`.
pub fn wrk(url: &str, token: &str, seconds: u64) -> anyhow::Result<WrkResult> {
    let out = std::process::Command::new("wrk")
        .args(["-t", "2", "-c", &WRK_CONNECTIONS.to_string(), "-d", &format!("{seconds}s"), "--latency"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .arg(url)
        .output()
        .context("running wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || text.contains("Non-2xx") {
        bail!("wrk failed or saw errors:\n{text}{}", String::from_utf8_lossy(&out.stderr));
    }
    let requests_per_s = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .context("wrk output has no Requests/sec")?;
    let latency = text.lines().find(|l| l.trim_start().starts_with("Latency")).context("wrk output has no latency")?;
    let avg = latency.split_whitespace().nth(1).context("latency average")?;
    Ok(WrkResult { requests_per_s, latency_avg_ms: parse_wrk_duration(avg)? })
}

fn parse_wrk_duration(text: &str) -> anyhow::Result<f64> {
    let (number, factor) = if let Some(v) = text.strip_suffix("us") {
        (v, 0.001)
    } else if let Some(v) = text.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = text.strip_suffix('s') {
        (v, 1000.0)
    } else {
        bail!("unknown wrk duration {text}")
    };
    Ok(number.parse::<f64>()? * factor)
}

/// utime + stime of a process, in seconds (Linux /proc; clock ticks are 100 per second there).
pub fn cpu_seconds_of(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).context("reading /proc (Linux only)")?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')').context("stat format")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11).context("utime")?.parse()?;
    let stime: f64 = fields.get(12).context("stime")?.parse()?;
    Ok((utime + stime) / 100.0)
}
