//! Start-up refuses a database whose migration history this build does not recognise.

use std::process::Command;

fn core_server(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_core-server"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("FARM_CONFIG")
        .output()
        .expect("core-server runs")
}

fn sql(data_dir: &std::path::Path, statement: &str) {
    rusqlite::Connection::open(data_dir.join("farm.db")).unwrap().execute(statement, []).unwrap();
}

#[test]
fn migrate_applies_then_reports_the_version() {
    let dir = tempfile::tempdir().unwrap();
    let out = core_server(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("schema version"));
}

#[test]
fn checksum_mismatch_refuses_to_start_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    assert!(core_server(dir.path(), &["migrate"]).status.success());
    sql(dir.path(), "UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1");
    let out = core_server(dir.path(), &["--listen", "127.0.0.1:0", "serve"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("migration 0001_init was applied with checksum abc"), "{stderr}");
    assert!(stderr.contains("refusing to start"), "{stderr}");
}

#[test]
fn newer_schema_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    assert!(core_server(dir.path(), &["migrate"]).status.success());
    sql(dir.path(), "INSERT INTO schema_migrations VALUES (9999, 'from_the_future', 'x', 0)");
    let out = core_server(dir.path(), &["migrate"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("9999_from_the_future") && stderr.contains("newer version"), "{stderr}");
}

#[test]
fn user_create_reads_the_password_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_core-server"))
        .args(["--data-dir"])
        .arg(dir.path())
        .args(["user", "create", "--username", "ada", "--role", "admin"])
        .env("FARM_ADMIN_PASSWORD", "correct horse battery")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let conn = rusqlite::Connection::open(dir.path().join("farm.db")).unwrap();
    let (role, hash): (String, String) = conn
        .query_row("SELECT role, password_hash FROM users WHERE username = 'ada'", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(role, "admin");
    assert!(core_server::auth::password::verify("correct horse battery", &hash));
}
