//! Running the real `farmctl` against a temporary prefix, with the real core-server and Python
//! backend under the foreground supervisor, and reading back what it left.

use std::fmt;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub const ADMIN: &str = "ada";
pub const PASSWORD: &str = "correct horse battery";

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

pub fn farmctl_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_farmctl"))
}

/// The workspace's core-server, built beside farmctl (`cargo build --bin core-server`).
pub fn core_server_bin() -> PathBuf {
    let bin = farmctl_bin().with_file_name("core-server");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build --bin core-server` before the farmctl tests (make test-rust does)",
        bin.display()
    );
    bin
}

/// The legacy backend's venv; its absence is a failure, not a skip.
pub fn python_venv() -> PathBuf {
    let venv = repo().join("legacy/python-core-server/.venv");
    assert!(
        venv.join("bin/python").is_file(),
        "the Python backend's virtual environment {} is missing: run `make python`",
        venv.display()
    );
    venv
}

pub fn python() -> PathBuf {
    python_venv().join("bin/python")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

pub fn run(mut cmd: Command) -> Out {
    for (key, _) in std::env::vars_os() {
        let key_text = key.to_string_lossy();
        if key_text.starts_with("FARM_") || key_text == "FARMCTL_PREFIX" {
            cmd.env_remove(key);
        }
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A prefix in a temporary folder; the server it runs is stopped when dropped.
pub struct Host {
    pub dir: tempfile::TempDir,
    pub prefix: PathBuf,
    pub port: u16,
}

impl Host {
    pub fn new() -> Host {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("farm");
        Host { dir, prefix, port: free_port() }
    }

    pub fn farmctl(&self, args: &[&str]) -> Out {
        let mut cmd = Command::new(farmctl_bin());
        cmd.arg("--prefix").arg(&self.prefix).args(args);
        run(cmd)
    }

    pub fn listen(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn addr(&self) -> SocketAddr {
        self.listen().parse().unwrap()
    }

    /// Installs the Rust backend under the foreground supervisor, with `venv` as the Python backend.
    pub fn install_with(&self, backend: &str, venv: &Path) -> Out {
        let (server, listen) = (core_server_bin(), self.listen());
        self.farmctl(&[
            "install",
            "--service-manager",
            "foreground",
            "--backend",
            backend,
            "--from",
            server.to_str().unwrap(),
            "--python-venv",
            venv.to_str().unwrap(),
            "--listen",
            &listen,
        ])
    }

    /// Installed, running and healthy, with the admin `ada` in the database.
    pub fn installed() -> Host {
        let host = Host::new();
        let out = host.install_with("rust", &python_venv());
        assert_eq!(out.code, 0, "{out}");
        host.add_user(ADMIN);
        host
    }

    pub fn data_dir(&self) -> PathBuf {
        self.prefix.join("data")
    }

    pub fn db(&self) -> PathBuf {
        self.data_dir().join("farm.db")
    }

    pub fn state(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.prefix.join("farmctl.json")).unwrap()).unwrap()
    }

    /// Adds a user with the Rust binary's CLI, on the live database.
    pub fn add_user(&self, name: &str) {
        let mut cmd = Command::new(core_server_bin());
        cmd.arg("--data-dir").arg(self.data_dir()).args(["user", "create", "--username", name]);
        cmd.env("FARM_ADMIN_PASSWORD", PASSWORD);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "user create: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn users(&self) -> Vec<String> {
        let conn =
            rusqlite::Connection::open_with_flags(self.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let mut stmt = conn.prepare("SELECT username FROM users ORDER BY username").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    pub fn schema_version(&self) -> i64 {
        let conn =
            rusqlite::Connection::open_with_flags(self.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        conn.query_row("SELECT MAX(version) FROM schema_migrations", [], |r| r.get(0)).unwrap()
    }

    pub fn health(&self) -> serde_json::Value {
        let (status, body) = http(self.addr(), "GET", "/healthz", None);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    pub fn login_status(&self, user: &str) -> u16 {
        let body = serde_json::json!({ "username": user, "password": PASSWORD }).to_string();
        http(self.addr(), "POST", "/api/auth/login", Some(&body)).0
    }

    pub fn current_link(&self) -> PathBuf {
        std::fs::read_link(self.prefix.join("current")).unwrap()
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        if self.prefix.join("farmctl.json").exists() {
            let _ = self.farmctl(&["stop"]);
        }
    }
}

/// One HTTP/1.0 request; the status and the body.
pub fn http(addr: SocketAddr, method: &str, path: &str, json: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = json.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nX-Requested-With: farmctl-test\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    (head.split_whitespace().nth(1).unwrap().parse().unwrap(), body.to_owned())
}

/// An executable script in `dir`.
pub fn script(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The files a dry run would write: path -> contents, from between its begin/end lines.
pub fn dry_run_files(stdout: &str) -> std::collections::BTreeMap<String, String> {
    let mut files = std::collections::BTreeMap::new();
    let mut lines = stdout.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("would write ") else { continue };
        let path = rest.split(" (mode").next().unwrap().to_owned();
        assert_eq!(lines.next(), Some(farmctl::plan::BEGIN_FILE), "{stdout}");
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != farmctl::plan::END_FILE).collect();
        files.insert(path, body.join("\n") + "\n");
    }
    files
}
