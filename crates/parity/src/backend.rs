//! Backends as processes: the named ones (`rust`, `python`) and their default commands, seeding
//! one database with the Rust binary, and starting a server on its own copy of it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};

/// The frozen clock of every backend in a run.
pub const TEST_CLOCK: &str = "2026-03-01T06:00:00Z";
pub const TEST_CLOCK_MS: i64 = 1_772_344_800_000;
/// The seeded admin.
pub const ADMIN_USERNAME: &str = "ada";
pub const ADMIN_PASSWORD: &str = "correct horse battery";
/// The database file a backend keeps in its `--data-dir`.
pub const DB_FILE: &str = "farm.db";
const LISTENING: &str = "Farm Controller is listening on ";
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How to run one backend: a command (split on whitespace) to which the harness appends
/// `--data-dir D --listen 127.0.0.1:0 serve`, and one that prints its OpenAPI document.
#[derive(Debug, Clone)]
pub struct BackendSpec {
    pub name: String,
    pub command: Vec<String>,
    pub openapi_command: Option<Vec<String>>,
}

pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// The Rust binary: `CORE_SERVER_BIN`, else `<repo>/target/debug/core-server`.
pub fn rust_binary(repo: &Path) -> PathBuf {
    std::env::var_os("CORE_SERVER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target").join("debug").join("core-server"))
}

pub fn require_rust_binary(repo: &Path) -> anyhow::Result<PathBuf> {
    let bin = rust_binary(repo);
    if !bin.is_file() {
        bail!(
            "the Rust backend binary {} does not exist: run `cargo build --bin core-server` (or set CORE_SERVER_BIN)",
            bin.display()
        );
    }
    Ok(bin)
}

/// A named backend with its default command, or `command` instead when given.
pub fn resolve(name: &str, command: Option<&str>, openapi: Option<&str>, repo: &Path) -> anyhow::Result<BackendSpec> {
    let (default_cmd, default_openapi) = match name {
        "rust" => {
            let bin = rust_binary(repo).display().to_string();
            (vec![bin.clone()], Some(vec![bin, "openapi".to_owned()]))
        }
        "python" => {
            let py = repo.join("legacy/python-core-server/.venv/bin/python").display().to_string();
            let base = vec![py, "-m".to_owned(), "farm_core".to_owned()];
            let mut openapi = base.clone();
            openapi.push("openapi".to_owned());
            (base, Some(openapi))
        }
        // Any other name is a label for a backend given by its command.
        _ if command.is_some() => (Vec::new(), None),
        other => bail!("unknown backend {other:?}: use rust, python, or give its command with --left-cmd/--right-cmd"),
    };
    let command = command.map(words).unwrap_or(default_cmd);
    if command.is_empty() {
        bail!("backend {name}: empty command");
    }
    let openapi_command = openapi.map(words).or(default_openapi);
    Ok(BackendSpec { name: name.to_owned(), command, openapi_command })
}

fn command(words: &[String]) -> Command {
    let mut cmd = Command::new(&words[0]);
    cmd.args(&words[1..]);
    // Settings must come from the harness, not from whoever runs it.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("FARM_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("FARM_TEST_MODE", "1").env("FARM_TEST_CLOCK", TEST_CLOCK).env("NO_COLOR", "1");
    cmd
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

fn run_checked(mut cmd: Command, what: &str) -> anyhow::Result<()> {
    let out = cmd.output().with_context(|| format!("starting {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Creates the seed database in `dir` with the Rust binary: `migrate`, then the admin `ada`.
/// Timestamps the seeding took from the wall clock are moved to the frozen test clock, so runs
/// are reproducible. Returns the database file; it has no `-wal` left beside it.
pub fn seed(seed_command: &[String], dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let started = now_ms();
    let mut migrate = command(seed_command);
    migrate.arg("--data-dir").arg(dir).arg("migrate");
    run_checked(migrate, "seeding: migrate")?;
    let mut user = command(seed_command);
    user.arg("--data-dir")
        .arg(dir)
        .args(["user", "create", "--username", ADMIN_USERNAME, "--role", "admin"])
        .env("FARM_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdin(Stdio::null());
    run_checked(user, "seeding: user create")?;
    let finished = now_ms();
    let db = dir.join(DB_FILE);
    freeze_seed_times(&db, started, finished)?;
    let wal = dir.join(format!("{DB_FILE}-wal"));
    if wal.exists() {
        bail!("the seeded database still has a write-ahead log {}: it was not checkpointed", wal.display());
    }
    Ok(db)
}

/// Every `*_at` column value in `[from, to]` (written by the seeding from the system clock)
/// becomes the test clock.
fn freeze_seed_times(db: &Path, from: i64, to: i64) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(db).with_context(|| format!("opening {}", db.display()))?;
    let tables = crate::db::tables(&conn)?;
    for table in tables {
        for column in crate::db::columns(&conn, &table)? {
            if column.ends_with("_at") {
                let sql = format!(
                    "UPDATE \"{table}\" SET \"{column}\" = ?1 WHERE \"{column}\" BETWEEN ?2 AND ?3",
                    table = table.replace('"', "\"\""),
                    column = column.replace('"', "\"\"")
                );
                conn.execute(&sql, (TEST_CLOCK_MS, from, to)).with_context(|| format!("freezing {table}.{column}"))?;
            }
        }
    }
    conn.close().map_err(|(_, e)| e).context("closing the seed database")?;
    Ok(())
}

/// A running backend, killed when dropped.
pub struct Server {
    pub url: String,
    pub db: PathBuf,
    pub log: PathBuf,
    child: Child,
}

impl Server {
    /// Copies `seed_db` into `dir` and serves it with `spec`'s command.
    pub fn start(spec: &BackendSpec, seed_db: &Path, dir: &Path, log: &Path) -> anyhow::Result<Server> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let db = dir.join(DB_FILE);
        std::fs::copy(seed_db, &db).with_context(|| format!("copying the seed database to {}", db.display()))?;
        if let Some(parent) = log.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let log_file = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut cmd = command(&spec.command);
        cmd.arg("--data-dir")
            .arg(dir)
            .args(["--listen", "127.0.0.1:0", "serve"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file.try_clone()?);
        let mut child =
            cmd.spawn().with_context(|| format!("starting backend {}: {}", spec.name, spec.command.join(" ")))?;
        let stdout = child.stdout.take().context("backend stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut log_file = log_file;
            let mut first = true;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if first {
                    let _ = tx.send(line.clone());
                    first = false;
                }
                let _ = writeln!(log_file, "{line}");
            }
        });
        let mut server = Server { url: String::new(), db, log: log.to_owned(), child };
        let deadline = Instant::now() + START_TIMEOUT;
        let line = loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => break line,
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                    if let Some(status) = server.child.try_wait()? {
                        bail!("backend {} exited ({status}) before listening; log:\n{}", spec.name, tail(log));
                    }
                }
                Err(_) => bail!("backend {} printed nothing within {START_TIMEOUT:?}; log:\n{}", spec.name, tail(log)),
            }
        };
        let url = line.strip_prefix(LISTENING).map(str::trim).filter(|u| u.starts_with("http://"));
        let Some(url) = url else {
            bail!("backend {}: first stdout line should be `{LISTENING}http://...`, was {line:?}", spec.name);
        };
        server.url = url.trim_end_matches('/').to_owned();
        Ok(server)
    }

    /// Waits until `/healthz` answers (any status) so the first step does not race startup.
    pub async fn wait_ready(&self, client: &reqwest::Client) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if client.get(format!("{}/healthz", self.url)).send().await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{} does not answer /healthz; log:\n{}", self.url, tail(&self.log));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last lines of a log, for error messages.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Runs an OpenAPI command and parses what it prints.
pub fn openapi_document(words: &[String]) -> anyhow::Result<serde_json::Value> {
    let out = command(words).stdin(Stdio::null()).output().with_context(|| format!("running {}", words.join(" ")))?;
    if !out.status.success() {
        bail!("{} failed ({}): {}", words.join(" "), out.status, String::from_utf8_lossy(&out.stderr));
    }
    serde_json::from_slice(&out.stdout).with_context(|| format!("{} did not print a JSON document", words.join(" ")))
}
