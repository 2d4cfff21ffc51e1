//! `status`, `doctor`, `backup`, `restore`, `start` and `stop` on a running installation.

use std::io::{Seek, SeekFrom, Write};
use std::net::TcpListener;

use crate::support::{ADMIN, Host};

fn line<'a>(stdout: &'a str, key: &str) -> &'a str {
    stdout.lines().find(|l| l.starts_with(&format!("{key} "))).unwrap_or_else(|| panic!("no {key} line in\n{stdout}"))
}

#[test]
fn status_reports_backend_version_schema_health_and_the_last_backup() {
    let host = Host::installed();
    let backup = host.farmctl(&["backup"]);
    assert_eq!(backup.code, 0, "{backup}");
    let name = backup.stdout.split_whitespace().nth(1).unwrap().to_owned();

    let out = host.farmctl(&["status"]);

    assert_eq!(out.code, 0, "{out}");
    let schema = host.schema_version();
    assert!(line(&out.stdout, "service").contains("foreground: running (pid "), "{out}");
    assert!(line(&out.stdout, "backend").ends_with(" rust"), "{out}");
    assert!(line(&out.stdout, "release").contains("0.1.0 (core-server 0.1.0)"), "{out}");
    assert!(
        line(&out.stdout, "health").contains(&format!("ok: backend rust, version 0.1.0, schema {schema}")),
        "{out}"
    );
    assert!(line(&out.stdout, "schema").contains(&format!("{schema} (")), "{out}");
    assert!(line(&out.stdout, "last backup").contains(&format!("{name} (manual, ")), "{out}");
}

#[test]
fn status_of_a_stopped_service_says_so_and_exits_1() {
    let host = Host::installed();
    let stop = host.farmctl(&["stop"]);
    assert_eq!(stop.code, 0, "{stop}");

    let out = host.farmctl(&["status"]);

    assert_eq!(out.code, 1, "{out}");
    assert!(line(&out.stdout, "service").ends_with("foreground: stopped"), "{out}");
    assert!(line(&out.stdout, "health").contains("DOWN"), "{out}");
}

#[test]
fn doctor_passes_a_healthy_installation() {
    let host = Host::installed();

    let out = host.farmctl(&["doctor"]);

    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains(", 0 failures"), "{out}");
    assert!(out.stdout.contains(&format!("[ ok ] port {}: bound by the server", host.listen())), "{out}");
    assert!(out.stdout.contains("integrity_check ok"), "{out}");
    assert!(out.stdout.contains("[ ok ] disk: "), "{out}");
}

#[test]
fn doctor_and_start_report_a_port_taken_by_another_process() {
    let host = Host::installed();
    assert_eq!(host.farmctl(&["stop"]).code, 0);
    let _squatter = TcpListener::bind(host.addr()).unwrap();

    let doctor = host.farmctl(&["doctor"]);
    let start = host.farmctl(&["start", "--timeout", "5"]);

    assert_eq!(doctor.code, 1, "{doctor}");
    assert!(doctor.stdout.contains(&format!("[FAIL] port {}: in use by another process", host.listen())), "{doctor}");
    assert_eq!(start.code, 1, "{start}");
    assert!(start.stderr.contains("in use by another process"), "{start}");
}

#[test]
fn doctor_fails_a_damaged_database() {
    let host = Host::installed();
    assert_eq!(host.farmctl(&["stop"]).code, 0);
    let mut file = std::fs::OpenOptions::new().write(true).open(host.db()).unwrap();
    file.seek(SeekFrom::Start(4096 + 8)).unwrap();
    file.write_all(&[0xA5; 4000]).unwrap();
    drop(file);

    let out = host.farmctl(&["doctor"]);

    assert_eq!(out.code, 1, "{out}");
    assert!(out.stdout.lines().any(|l| l.starts_with("[FAIL] database ")), "{out}");
}

#[test]
fn restore_puts_a_backup_back_and_keeps_a_safety_backup_of_what_it_replaced() {
    let host = Host::installed();
    let backup = host.farmctl(&["backup"]);
    assert_eq!(backup.code, 0, "{backup}");
    let name = backup.stdout.split_whitespace().nth(1).unwrap().to_owned();
    host.add_user("after-backup");

    let out = host.farmctl(&["restore", &name]);

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(host.users(), [ADMIN.to_owned()]);
    assert_eq!(host.health()["backend"], "rust");
    assert_eq!(host.login_status(ADMIN), 200);
    let safety = out.stdout.lines().find_map(|l| l.strip_prefix("safety backup of the current data: ")).unwrap();
    assert!(host.data_dir().join(format!("backups/{safety}.db.zst")).is_file(), "{out}");
}

#[test]
fn restore_refuses_a_file_that_is_not_a_backup() {
    let host = Host::installed();
    let junk = host.dir.path().join("notes.txt");
    std::fs::write(&junk, "hello").unwrap();

    let out = host.farmctl(&["restore", junk.to_str().unwrap()]);

    assert_eq!(out.code, 1, "{out}");
    assert!(out.stderr.contains("is not a backup"), "{out}");
    assert_eq!(host.health()["backend"], "rust", "the service was not stopped");
}

#[test]
fn a_change_is_refused_while_another_farmctl_holds_the_lock() {
    let host = Host::installed();
    let lock = host.prefix.join("farmctl.lock");
    std::fs::write(&lock, format!("{}\n", std::process::id())).unwrap();

    let refused = host.farmctl(&["stop"]);

    assert_eq!(refused.code, 1, "{refused}");
    assert!(refused.stderr.contains("another farmctl"), "{refused}");
    assert_eq!(host.health()["backend"], "rust", "still running");

    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let gone_pid = gone.id();
    gone.wait().unwrap();
    std::fs::write(&lock, format!("{gone_pid}\n")).unwrap();

    let taken_over = host.farmctl(&["stop"]);

    assert_eq!(taken_over.code, 0, "a stale lock is taken over:\n{taken_over}");
    assert!(!lock.exists(), "released when the command ends");
}
