//! The servers under test as child processes on their own data dirs: the release core-server,
//! the legacy Python core-server, and the bare axum + rusqlite baseline (`farm-bench bare`).
//! Each start is timed to its first good `/healthz`, and each process can be asked for its CPU
//! time and resident memory from /proc.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const PASSWORD: &str = "bench password 1";
const LISTENING: &str = "Farm Controller is listening on ";

/// What to start.
#[derive(Debug, Clone)]
pub enum Kind {
    /// The release core-server binary.
    Rust(PathBuf),
    /// The legacy backend's virtual-environment Python (`python -m farm_core`).
    Python(PathBuf),
    /// `farm-bench bare`: one axum route over the same store query, no middleware or auth.
    Bare,
}

impl Kind {
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Rust(_) => "rust",
            Kind::Python(_) => "python",
            Kind::Bare => "bare axum+rusqlite",
        }
    }

    /// The command line up to the data dir: `<program> --data-dir D`.
    fn command(&self, data_dir: &Path) -> anyhow::Result<Command> {
        let mut cmd = match self {
            Kind::Rust(bin) => {
                if !bin.exists() {
                    bail!("{} is missing: run `cargo build --release --bin core-server`", bin.display());
                }
                Command::new(bin)
            }
            Kind::Python(python) => {
                if !python.exists() {
                    bail!("{} is missing: run `make python`", python.display());
                }
                let mut cmd = Command::new(python);
                cmd.args(["-m", "farm_core"]);
                cmd
            }
            Kind::Bare => {
                let mut cmd = Command::new(std::env::current_exe()?);
                cmd.arg("bare");
                cmd
            }
        };
        cmd.arg("--data-dir").arg(data_dir);
        Ok(cmd)
    }

    /// Serving on a free port, without scheduled backups.
    fn serve(&self, data_dir: &Path) -> anyhow::Result<Command> {
        let mut cmd = self.command(data_dir)?;
        cmd.args(["--listen", "127.0.0.1:0"]);
        if !matches!(self, Kind::Bare) {
            cmd.args(["--backup-time", "off", "serve"]);
        }
        Ok(cmd)
    }
}

pub struct Server {
    child: Child,
    base: String,
    http: reqwest::Client,
    /// From spawning the process to its first 200 from `/healthz`.
    pub ready: Duration,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// On a fresh temporary data dir.
    pub async fn start(kind: Kind) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut server = Self::start_in(kind, dir.path()).await?;
        server._dir = Some(dir);
        Ok(server)
    }

    pub async fn start_in(kind: Kind, data_dir: &Path) -> anyhow::Result<Self> {
        if !matches!(kind, Kind::Bare) {
            create_admin(&kind, data_dir).await?;
        }
        let started = Instant::now();
        let mut child = kind
            .serve(data_dir)?
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting the {} server", kind.label()))?;
        let mut lines = BufReader::new(child.stdout.take().context("stdout")?).lines();
        let base = loop {
            let line = lines.next_line().await?.with_context(|| format!("the {} server exited", kind.label()))?;
            if let Some(url) = line.trim().strip_prefix(LISTENING) {
                break url.to_owned();
            }
        };
        // Keep reading stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let http = reqwest::Client::builder().cookie_store(true).build()?;
        loop {
            if http.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!("the {} server did not become ready in 30 s", kind.label());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let ready = started.elapsed();
        if !matches!(kind, Kind::Bare) {
            let login = http
                .post(format!("{base}/api/auth/login"))
                .json(&json!({"username": "bench", "password": PASSWORD}))
                .send()
                .await?;
            if !login.status().is_success() {
                bail!("{} login: {}", kind.label(), login.status());
            }
        }
        Ok(Self { child, base, http, ready, _dir: None })
    }

    fn pid(&self) -> anyhow::Result<u32> {
        self.child.id().context("server exited")
    }

    /// CPU time (user + system) the server process has used, from /proc.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        cpu_seconds_of(self.pid()?)
    }

    /// Resident memory, from /proc.
    pub fn rss_bytes(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).context("reading /proc")?;
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .context("VmRSS")?
            .parse()?;
        Ok(kib * 1024)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn admin_post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.admin_send(reqwest::Method::POST, path, body).await
    }

    pub async fn admin_patch(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.admin_send(reqwest::Method::PATCH, path, body).await
    }

    async fn admin_send(&self, method: reqwest::Method, path: &str, body: &Value) -> anyhow::Result<Value> {
        let request = self.http.request(method.clone(), self.url(path)).header("x-requested-with", "bench");
        let response = request.json(body).send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if !status.is_success() {
            bail!("{method} {path}: {status} {body}");
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

    /// An API token with read access (`nodes.view` covers the dashboard, nodes and metrics), for wrk.
    pub async fn api_token(&self) -> anyhow::Result<String> {
        let created =
            self.admin_post("/api/api-tokens", &json!({"name": "bench", "capabilities": ["nodes.view"]})).await?;
        Ok(created["secret"].as_str().context("secret")?.to_owned())
    }

    pub async fn stop(mut self) {
        if let Some(id) = self.child.id() {
            let _ = Command::new("kill").args(["-TERM", &id.to_string()]).status().await;
        }
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}

async fn create_admin(kind: &Kind, data_dir: &Path) -> anyhow::Result<()> {
    let created = kind
        .command(data_dir)?
        .args(["user", "create", "--username", "bench", "--role", "admin"])
        .env("FARM_ADMIN_PASSWORD", PASSWORD)
        .output()
        .await?;
    let exists = String::from_utf8_lossy(&created.stderr).contains("taken");
    if !created.status.success() && !exists {
        bail!("creating the bench admin ({}): {}", kind.label(), String::from_utf8_lossy(&created.stderr));
    }
    Ok(())
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
