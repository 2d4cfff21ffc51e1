//! The real binary: serves, then stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Starts the binary on a fresh data dir; returns it and its URL.
fn serve(dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_core-server"))
        .arg("--data-dir")
        .arg(dir)
        .args(["--listen", "127.0.0.1:0", "serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    (child, url)
}

async fn terminate(mut child: std::process::Child) -> (std::process::ExitStatus, Duration) {
    let started = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            return (exit, started.elapsed());
        }
        assert!(started.elapsed() < Duration::from_secs(10), "did not stop within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_open_event_stream_does_not_hold_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let created = Command::new(env!("CARGO_BIN_EXE_core-server"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["user", "create", "--username", "ada"])
        .env("FARM_ADMIN_PASSWORD", "correct horse battery")
        .output()
        .unwrap();
    assert!(created.status.success());
    let (child, url) = serve(dir.path());
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = serde_json::json!({"username": "ada", "password": "correct horse battery"});
    assert_eq!(client.post(format!("{url}/api/auth/login")).json(&login).send().await.unwrap().status(), 200);
    let stream = client.get(format!("{url}/api/events")).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let (exit, took) = terminate(child).await;
    assert!(exit.success(), "{exit:?}");
    assert!(took < Duration::from_secs(5), "shutdown waited {took:?} for the event stream");
    drop(stream);
}

#[tokio::test]
async fn sigterm_finishes_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_core-server"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--listen", "127.0.0.1:0", "serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let health = reqwest::get(format!("{url}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "did not stop within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(exit.success(), "exit {exit:?}: {stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");
}

#[test]
fn test_clock_is_refused_outside_test_mode() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_core-server"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--listen", "127.0.0.1:0", "serve"])
        .env("FARM_TEST_CLOCK", "2026-03-01T06:00:00Z")
        .env_remove("FARM_TEST_MODE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only accepted in test mode"));
}
