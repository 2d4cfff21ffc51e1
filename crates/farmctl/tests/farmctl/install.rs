//! `farmctl install`: the dry run for both service managers (the definitions parsed back), and
//! a real install under the foreground supervisor.

use std::collections::BTreeMap;

use crate::support::{Host, core_server_bin, dry_run_files, python, python_venv};

/// `key -> values` of one section of a systemd unit (keys may repeat).
fn unit_section(unit: &str, section: &str) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut inside = false;
    for line in unit.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if line.starts_with('[') {
            inside = line == format!("[{section}]");
            continue;
        }
        if inside {
            let (key, value) = line.split_once('=').expect("key=value");
            map.entry(key.to_owned()).or_default().push(value.to_owned());
        }
    }
    map
}

fn one<'a>(section: &'a BTreeMap<String, Vec<String>>, key: &str) -> &'a str {
    let values = section.get(key).unwrap_or_else(|| panic!("no {key} in {section:?}"));
    assert_eq!(values.len(), 1, "{key}: {values:?}");
    &values[0]
}

fn dry_run(host: &Host, manager: &str, backend: &str) -> crate::support::Out {
    let (server, venv) = (core_server_bin(), python_venv());
    host.farmctl(&[
        "install",
        "--dry-run",
        "--service-manager",
        manager,
        "--backend",
        backend,
        "--from",
        server.to_str().unwrap(),
        "--python-venv",
        venv.to_str().unwrap(),
    ])
}

#[test]
fn systemd_dry_run_prints_a_hardened_unit_and_writes_nothing() {
    let host = Host::new();

    let out = dry_run(&host, "systemd", "rust");

    assert_eq!(out.code, 0, "{out}");
    assert!(!host.prefix.exists(), "a dry run created {}", host.prefix.display());
    let files = dry_run_files(&out.stdout);
    let unit = &files["/etc/systemd/system/farm-controller.service"];
    let service = unit_section(unit, "Service");
    let p = host.prefix.display();
    assert_eq!(
        one(&service, "ExecStart"),
        format!("{p}/current/bin/core-server --data-dir {p}/data --listen 127.0.0.1:8080 serve")
    );
    assert_eq!(one(&service, "Restart"), "on-failure");
    assert_eq!(one(&service, "NoNewPrivileges"), "yes");
    assert_eq!(one(&service, "ProtectSystem"), "strict");
    assert_eq!(one(&service, "ReadWritePaths"), format!("{p}/data {p}/logs"));
    assert_eq!(one(&service, "PrivateTmp"), "yes");
    assert_eq!(one(&service, "ProtectHome"), "yes");
    assert_eq!(one(&service, "CapabilityBoundingSet"), "");
    assert_eq!(one(&service, "StandardOutput"), format!("append:{p}/logs/core-server.log"));
    assert_eq!(one(&service, "StandardError"), format!("append:{p}/logs/core-server.err.log"));
    assert_eq!(one(&unit_section(unit, "Install"), "WantedBy"), "multi-user.target");
    let state: serde_json::Value = serde_json::from_str(&files[&format!("{p}/farmctl.json")]).unwrap();
    assert_eq!(state["backend"], "rust");
    assert_eq!(state["service_manager"], "systemd");
    for expected in [
        format!("would copy {} -> {p}/releases/0.1.0/bin/core-server (mode 755)", core_server_bin().display()),
        format!("would link {p}/current -> releases/0.1.0"),
        format!("would create directory {p}/data (mode 750)"),
        "would run: systemctl daemon-reload".to_owned(),
        "would run: systemctl enable farm-controller.service".to_owned(),
    ] {
        assert!(out.stdout.lines().any(|l| l == expected), "missing {expected:?} in\n{out}");
    }
}

#[test]
fn launchd_dry_run_prints_a_keep_alive_plist_for_the_python_backend() {
    let host = Host::new();

    let out = dry_run(&host, "launchd", "python");

    assert_eq!(out.code, 0, "{out}");
    assert!(!host.prefix.exists());
    let files = dry_run_files(&out.stdout);
    let xml = &files["/Library/LaunchDaemons/org.farm-controller.core-server.plist"];
    let plist = plist::Value::from_reader_xml(xml.as_bytes()).unwrap();
    let dict = plist.as_dictionary().unwrap();
    let p = host.prefix.display().to_string();
    assert_eq!(dict["Label"].as_string(), Some("org.farm-controller.core-server"));
    let args: Vec<&str> = dict["ProgramArguments"].as_array().unwrap().iter().map(|v| v.as_string().unwrap()).collect();
    let python = python().display().to_string();
    assert_eq!(
        args,
        [python.as_str(), "-m", "farm_core", "--data-dir", &format!("{p}/data"), "--listen", "127.0.0.1:8080", "serve"]
    );
    assert_eq!(dict["KeepAlive"].as_boolean(), Some(true));
    assert_eq!(dict["RunAtLoad"].as_boolean(), Some(true));
    assert_eq!(dict["StandardOutPath"].as_string(), Some(format!("{p}/logs/core-server.log").as_str()));
    assert_eq!(dict["StandardErrorPath"].as_string(), Some(format!("{p}/logs/core-server.err.log").as_str()));
    assert_eq!(dict["WorkingDirectory"].as_string(), Some(format!("{p}/data").as_str()));
    assert!(!out.stdout.contains("would run: launchctl"), "launchctl runs at start, not at install:\n{out}");
}

#[test]
fn install_lays_out_the_prefix_and_starts_a_healthy_server() {
    let host = Host::new();

    let out = host.install_with("rust", &python_venv());

    assert_eq!(out.code, 0, "{out}");
    assert!(std::fs::metadata(host.prefix.join("releases/0.1.0/bin/core-server")).unwrap().is_file());
    assert_eq!(host.current_link(), std::path::Path::new("releases/0.1.0"));
    let state = host.state();
    assert_eq!(state["backend"], "rust");
    assert_eq!(state["release"], "0.1.0");
    assert_eq!(state["service_manager"], "foreground");
    assert!(host.prefix.join("run/core-server.pid").is_file());
    let health = host.health();
    assert_eq!(health["backend"], "rust");
    assert_eq!(health["schema_version"], host.schema_version());
}

#[test]
fn a_second_install_into_the_same_prefix_is_refused() {
    let host = Host::installed();

    let out = host.install_with("rust", &python_venv());

    assert_eq!(out.code, 1, "{out}");
    assert!(out.stderr.contains("already installed"), "{out}");
    assert_eq!(host.health()["backend"], "rust", "the running install is untouched");
}
