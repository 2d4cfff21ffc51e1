//! `parity conformance`: schemathesis over the whole committed OpenAPI document against each
//! backend, each on its own copy of one seeded database, authenticated as an admin by API token
//! (the node API by a registered node's token). Settings, and the reason for each, are in
//! `parity/conformance/schemathesis.toml`; how to run it is in docs/conformance.md.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::json;

use crate::backend::{self, ADMIN_PASSWORD, ADMIN_USERNAME, BackendSpec, Server};
use crate::hostile::send_raw;

/// Ids far from the ones schemathesis tries (0, 1, small numbers, the int64 bounds), so a
/// generated `DELETE /api/api-tokens/{id}` or `PATCH /api/users/{id}` cannot lock the run out.
const ADMIN_ID: i64 = 7_000_000_001;
const TOKEN_ID: i64 = 7_000_000_002;
const NODE_ID: i64 = 7_000_000_003;

pub struct Options {
    pub schemathesis: PathBuf,
    pub config: PathBuf,
    pub contract: PathBuf,
    pub examples: u32,
    pub seed: u64,
    /// Path prefixes of operations this backend does not implement yet (excluded for it only).
    pub pending: Vec<String>,
    pub work: PathBuf,
}

/// An admin API token and a node token on a running backend.
async fn credentials(addr: &str, db: &Path) -> anyhow::Result<(String, String)> {
    let ct = ("content-type".to_owned(), "application/json".to_owned());
    let login = json!({"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD}).to_string();
    let answer = send_raw(addr, "POST", "/api/auth/login", std::slice::from_ref(&ct), login.as_bytes()).await?;
    let session: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let cookie = answer
        .headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .find_map(|(_, v)| v.split(';').next().filter(|c| c.starts_with("farm_session=")))
        .with_context(|| format!("login answered {}", answer.status))?
        .to_owned();
    let admin = [ct, ("cookie".to_owned(), cookie), ("x-requested-with".to_owned(), "parity".to_owned())];
    let token = json!({"name": "conformance", "capabilities": session["capabilities"]}).to_string();
    let answer = send_raw(addr, "POST", "/api/api-tokens", &admin, token.as_bytes()).await?;
    let created: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let secret = created["secret"].as_str().with_context(|| format!("token create answered {}", answer.status))?;
    let node = json!({
        "name": "Conformance greenhouse", "mac": "b8:27:eb:00:00:77", "model": "Raspberry Pi 4",
        "sensors": [{"key": "air_temp", "name": "Air temperature", "kind": "temperature", "unit": "°C"}],
        "outputs": [{"key": "valve", "name": "Irrigation valve", "kind": "relay", "default_state": 0}]
    })
    .to_string();
    let answer = send_raw(addr, "POST", "/api/nodes", &admin, node.as_bytes()).await?;
    let registered: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let node_token = registered["token"].as_str().with_context(|| format!("node create answered {}", answer.status))?;
    let node_id = registered["node"]["id"].as_i64().context("node id")?;
    // A generated retire or replace of node 1 would revoke the node token; move the node away.
    // Foreign keys are off on this connection, so its rows follow by hand.
    let conn = rusqlite::Connection::open(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let tx = conn.unchecked_transaction()?;
    tx.execute("UPDATE api_tokens SET id = ?1 WHERE id = ?2", (TOKEN_ID, created["token"]["id"].as_i64()))?;
    tx.execute("UPDATE nodes SET id = ?1 WHERE id = ?2", (NODE_ID, node_id))?;
    for table in crate::db::tables(&tx)? {
        if crate::db::columns(&tx, &table)?.iter().any(|c| c == "node_id") {
            tx.execute(&format!("UPDATE \"{table}\" SET node_id = ?1 WHERE node_id = ?2"), (NODE_ID, node_id))?;
        }
    }
    tx.commit()?;
    Ok((secret.to_owned(), node_token.to_owned()))
}

/// Runs schemathesis against one backend; returns whether it passed.
pub async fn run_one(spec: &BackendSpec, seed_db: &Path, opts: &Options) -> anyhow::Result<bool> {
    let dir = opts.work.join(&spec.name);
    let server = Server::start(spec, seed_db, &dir.join("data"), &dir.join("server.log"))?;
    server.wait_ready(&reqwest::Client::new()).await?;
    let addr = server.url.trim_start_matches("http://").to_owned();
    let (token, node_token) = credentials(&addr, &server.db).await?;
    let mut cmd = Command::new(&opts.schemathesis);
    // The config file names its hooks relative to the repository root.
    if let Some(repo) = opts.config.ancestors().nth(3) {
        cmd.current_dir(repo);
    }
    cmd.arg("--no-color")
        .arg("--config-file")
        .arg(&opts.config)
        .arg("run")
        .arg(&opts.contract)
        .args(["--url", &server.url])
        .args(["--max-examples", &opts.examples.to_string()])
        .args(["--seed", &opts.seed.to_string()])
        .arg("--report-junit-path")
        .arg(dir.join("junit.xml"))
        .args(["--report", "junit"])
        .env("FARM_CONFORMANCE_TOKEN", &token)
        .env("FARM_CONFORMANCE_NODE_TOKEN", &node_token);
    for prefix in &opts.pending {
        cmd.args(["--exclude-path-regex", &format!("^{}", regex_escape(prefix))]);
    }
    let started = Instant::now();
    println!(
        "conformance: {} on {} ({} examples per operation, seed {})",
        spec.name, server.url, opts.examples, opts.seed
    );
    if !opts.pending.is_empty() {
        println!("conformance: {} operations pending, excluded: {}", spec.name, opts.pending.join(" "));
    }
    let status = cmd.status().with_context(|| format!("running {}", opts.schemathesis.display()))?;
    println!(
        "conformance: {} finished in {:.0} s: {}",
        spec.name,
        started.elapsed().as_secs_f64(),
        if status.success() { "passed" } else { "FAILED" }
    );
    Ok(status.success())
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(
            |c| if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' { vec![c] } else { vec!['\\', c] },
        )
        .collect()
}

/// Seeds one database (its admin moved to a far id) and runs every backend on a copy of it.
pub async fn run(
    specs: &[(BackendSpec, Vec<String>)],
    seed_command: &[String],
    opts: &Options,
) -> anyhow::Result<bool> {
    if !opts.schemathesis.is_file() {
        bail!("{} does not exist: run `make conformance`, which installs it", opts.schemathesis.display());
    }
    if opts.work.exists() {
        std::fs::remove_dir_all(&opts.work).with_context(|| format!("clearing {}", opts.work.display()))?;
    }
    let seed = backend::seed(seed_command, &opts.work.join("seed"))?;
    let conn = rusqlite::Connection::open(&seed)?;
    conn.execute("UPDATE users SET id = ?1 WHERE username = ?2", (ADMIN_ID, ADMIN_USERNAME))?;
    conn.close().map_err(|(_, e)| e)?;
    let mut passed = true;
    for (spec, pending) in specs {
        let opts = Options { pending: pending.clone(), ..opts.clone_paths() };
        passed &= run_one(spec, &seed, &opts).await.with_context(|| format!("{} backend", spec.name))?;
    }
    Ok(passed)
}

impl Options {
    fn clone_paths(&self) -> Options {
        Options {
            schemathesis: self.schemathesis.clone(),
            config: self.config.clone(),
            contract: self.contract.clone(),
            examples: self.examples,
            seed: self.seed,
            pending: self.pending.clone(),
            work: self.work.clone(),
        }
    }
}
