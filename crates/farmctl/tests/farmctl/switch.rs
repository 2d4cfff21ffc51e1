//! `farmctl switch`: rust -> python -> rust on one database with the real backends, and the
//! automatic switch back when the other backend fails its health gate.

use std::time::{Duration, Instant};

use crate::support::{ADMIN, Host, script};

/// The target in the issue: under 10 s each way when healthy.
const SWITCH_BUDGET: Duration = Duration::from_secs(10);

#[test]
fn switch_rust_to_python_and_back_keeps_the_database_and_passes_the_health_gate() {
    let host = Host::installed();

    let started = Instant::now();
    let to_python = host.farmctl(&["switch", "python"]);
    let python_took = started.elapsed();

    assert_eq!(to_python.code, 0, "{to_python}");
    assert!(to_python.stdout.contains("switched rust -> python in"), "{to_python}");
    assert_eq!(host.health()["backend"], "python");
    assert_eq!(host.state()["backend"], "python");
    assert_eq!(host.login_status(ADMIN), 200, "the user made under rust logs in on python: same database");

    let started = Instant::now();
    let to_rust = host.farmctl(&["switch", "rust"]);
    let rust_took = started.elapsed();

    assert_eq!(to_rust.code, 0, "{to_rust}");
    assert_eq!(host.health()["backend"], "rust");
    assert_eq!(host.state()["backend"], "rust");
    assert_eq!(host.login_status(ADMIN), 200);
    eprintln!("switch rust -> python took {python_took:.2?}, python -> rust took {rust_took:.2?}");
    assert!(python_took < SWITCH_BUDGET, "rust -> python took {python_took:?}");
    assert!(rust_took < SWITCH_BUDGET, "python -> rust took {rust_took:?}");
}

#[test]
fn a_python_backend_that_cannot_start_is_switched_back_to_rust() {
    let host = Host::new();
    let venv = host.dir.path().join("broken-venv");
    std::fs::create_dir_all(venv.join("bin")).unwrap();
    script(
        &venv.join("bin"),
        "python",
        "#!/bin/sh\necho 'ModuleNotFoundError: No module named farm_core' >&2\nexit 1\n",
    );
    let out = host.install_with("rust", &venv);
    assert_eq!(out.code, 0, "{out}");

    let out = host.farmctl(&["switch", "python", "--timeout", "20"]);

    assert_eq!(out.code, 3, "{out}");
    assert!(out.stderr.contains("FAILED: switch to python"), "{out}");
    assert!(out.stderr.contains("No module named farm_core"), "the error log is shown:\n{out}");
    assert!(out.stderr.contains("ROLLED BACK: switched back to rust"), "{out}");
    assert_eq!(host.health()["backend"], "rust");
    assert_eq!(host.state()["backend"], "rust");
}
