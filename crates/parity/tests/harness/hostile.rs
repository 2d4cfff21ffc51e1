//! `parity/hostile.yaml` against the Rust backend (`make parity` runs it against Python too).

use parity::backend::BackendSpec;
use parity::hostile::{self, HostileFile};

use crate::support::{core_server_bin, repo};

#[tokio::test]
async fn the_rust_backend_refuses_every_hostile_request_without_writing() {
    let file = HostileFile::load(&hostile::default_cases(&repo())).unwrap();
    let bin = core_server_bin().display().to_string();
    let spec = BackendSpec { name: "rust".into(), command: vec![bin.clone()], openapi_command: None };
    let work = tempfile::tempdir().unwrap();
    let outcomes = hostile::run(&file, &[spec], &[bin], work.path()).await.unwrap();
    let (table, passed) = hostile::summarize(&file, &outcomes, &["rust".to_owned()]);
    assert!(passed, "{table}");
    assert_eq!(outcomes.len(), file.cases.len());
}
