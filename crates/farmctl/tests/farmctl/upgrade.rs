//! `farmctl upgrade` and `farmctl rollback`: broken releases are rolled back with their database
//! changes undone; a good one can be rolled back on request.

use std::path::{Path, PathBuf};

use crate::support::{ADMIN, Host, core_server_bin, python, script};

/// A release that answers `--version`, then does what a new release's migration would (records
/// schema version 9000, which the old binary refuses, and deletes a user), then `then`.
fn broken_release(dir: &Path, version: &str, then: &str) -> PathBuf {
    let python = python().display().to_string();
    let migrate = r#"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (9000, 'broken', 'x', 0)")
db.execute("DELETE FROM users WHERE username = 'ada'")
db.commit()
"#;
    std::fs::write(dir.join("migrate.py"), migrate).unwrap();
    let serve_503 = r#"
import http.server, sys
host, port = sys.argv[1].rsplit(":", 1)
class Unhealthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(503)
        self.end_headers()
        self.wfile.write(b'{"error":"migration left the database unusable"}')
    def log_message(self, *args):
        pass
http.server.HTTPServer((host, int(port)), Unhealthy).serve_forever()
"#;
    std::fs::write(dir.join("serve_503.py"), serve_503).unwrap();
    let dir_text = dir.display();
    script(
        dir,
        &format!("core-server-{version}"),
        &format!(
            r#"#!/bin/sh
if [ "$1" = "--version" ]; then echo "core-server {version}"; exit 0; fi
while [ $# -gt 0 ]; do
  case "$1" in --data-dir) data="$2"; shift;; --listen) listen="$2"; shift;; esac
  shift
done
"{python}" "{dir_text}/migrate.py" "$data/farm.db" || exit 2
{then}
"#
        ),
    )
}

fn assert_back_on_the_old_release(host: &Host, schema_before: i64) {
    assert_eq!(host.current_link(), Path::new("releases/0.1.0"));
    assert_eq!(host.state()["release"], "0.1.0");
    assert!(host.state()["previous"].is_null(), "{}", host.state());
    assert_eq!(host.schema_version(), schema_before, "the broken release's migration is undone");
    assert!(host.users().contains(&ADMIN.to_owned()), "the deleted user is back: {:?}", host.users());
    let health = host.health();
    assert_eq!(health["backend"], "rust");
    assert_eq!(health["version"], "0.1.0");
    assert_eq!(host.login_status(ADMIN), 200);
}

#[test]
fn a_release_that_exits_at_start_is_rolled_back_with_its_database_changes() {
    let host = Host::installed();
    let schema_before = host.schema_version();
    let release = broken_release(host.dir.path(), "0.2.0", "echo 'panicked at startup: simulated crash' >&2\nexit 1");

    let out = host.farmctl(&["upgrade", "--release", release.to_str().unwrap()]);

    assert_eq!(out.code, 3, "{out}");
    assert!(out.stderr.contains("FAILED: upgrade to 0.2.0"), "{out}");
    assert!(out.stderr.contains("simulated crash"), "the error log is shown:\n{out}");
    assert!(out.stderr.contains("ROLLED BACK"), "{out}");
    assert!(host.prefix.join("releases/0.2.0/bin/core-server").is_file(), "the failed release is kept for inspection");
    assert_back_on_the_old_release(&host, schema_before);
}

#[test]
fn a_release_that_starts_but_fails_health_is_rolled_back_with_its_database_changes() {
    let host = Host::installed();
    let schema_before = host.schema_version();
    let python = python().display().to_string();
    let then = format!("exec \"{python}\" \"{}/serve_503.py\" \"$listen\"", host.dir.path().display());
    let release = broken_release(host.dir.path(), "0.3.0", &then);

    let out = host.farmctl(&["upgrade", "--release", release.to_str().unwrap(), "--timeout", "4"]);

    assert_eq!(out.code, 3, "{out}");
    assert!(out.stderr.contains("not healthy within 4"), "{out}");
    assert!(out.stderr.contains("/healthz answered 503"), "{out}");
    assert_back_on_the_old_release(&host, schema_before);
}

#[test]
fn rollback_after_a_good_upgrade_returns_to_the_previous_release_and_its_snapshot() {
    let host = Host::installed();
    let new_binary = host.dir.path().join("core-server-new");
    std::fs::copy(core_server_bin(), &new_binary).unwrap();

    let out = host.farmctl(&["upgrade", "--release", new_binary.to_str().unwrap()]);

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(host.current_link(), Path::new("releases/0.1.0-2"), "same version, its own release folder");
    assert_eq!(host.state()["previous"]["release"], "0.1.0");
    host.add_user("after-upgrade");

    let out = host.farmctl(&["rollback"]);

    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("rolled back 0.1.0-2 -> 0.1.0"), "{out}");
    assert_eq!(host.current_link(), Path::new("releases/0.1.0"));
    assert_eq!(host.users(), [ADMIN.to_owned()], "the database is the pre-upgrade snapshot");
    assert!(host.state()["previous"].is_null());
    assert_eq!(host.health()["backend"], "rust");
    let again = host.farmctl(&["rollback"]);
    assert_eq!(again.code, 1, "nothing left to roll back to:\n{again}");
}
