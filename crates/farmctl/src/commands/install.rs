//! `farmctl install`: lay out the prefix, copy the release, write the state file and the service
//! definition, start the service behind the health gate. `--dry-run` prints the same steps.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;

use super::Ctx;
use crate::Exit;
use crate::db::now_ms;
use crate::layout::{Backend, Layout, ManagerKind, STATE_FORMAT, State};
use crate::plan::{self, Action};
use crate::release;
use crate::service::{self, ServiceSpec};

#[derive(Debug, Clone, clap::Args)]
pub struct InstallArgs {
    /// The backend the service runs
    #[arg(long, value_enum, default_value = "rust")]
    pub backend: Backend,
    /// The core-server binary to install [default: the core-server beside farmctl]
    #[arg(long, value_name = "PATH")]
    pub from: Option<PathBuf>,
    /// The legacy Python backend's virtual environment (with farm_core installed, as `make python`
    /// makes it); needed to switch to or run the Python backend
    #[arg(long, value_name = "DIR")]
    pub python_venv: Option<PathBuf>,
    /// Address the server listens on
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Data folder (database, backups) [default: <prefix>/data]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// launchd, systemd or foreground (farmctl's own supervisor) [default: launchd on macOS,
    /// systemd where it runs, foreground elsewhere]
    #[arg(long, value_enum)]
    pub service_manager: Option<ManagerKind>,
    /// Run the service as this user (root when unset)
    #[arg(long)]
    pub user: Option<String>,
    /// Write everything but do not start the service
    #[arg(long)]
    pub no_start: bool,
    /// Print exactly what would be written and run; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds the health gate waits after starting
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
}

pub fn run(prefix: &std::path::Path, args: InstallArgs) -> anyhow::Result<Exit> {
    let layout = Layout::new(prefix);
    if let Ok(state) = State::load(&layout) {
        bail!(
            "Farm Controller is already installed in {} (backend {}, release {}): use `farmctl upgrade` or \
             `farmctl switch`",
            layout.prefix.display(),
            state.backend,
            state.release
        );
    }
    let from = match &args.from {
        Some(path) => std::path::absolute(path)?,
        None => release::bundled_server()?,
    };
    let version = release::probe_version(&from)?;
    let python = match &args.python_venv {
        Some(venv) => {
            let python = std::path::absolute(venv)?.join("bin").join("python");
            if !python.is_file() {
                bail!("{} does not exist: make the virtual environment first (`make python`)", python.display());
            }
            Some(python)
        }
        None if args.backend == Backend::Python => {
            bail!("the Python backend needs --python-venv DIR (the legacy backend's virtual environment)")
        }
        None => None,
    };
    let data_dir = match &args.data_dir {
        Some(dir) => std::path::absolute(dir)?,
        None => layout.default_data_dir(),
    };
    let kind = args.service_manager.unwrap_or_else(ManagerKind::detect);
    let manager = service::manager(kind);
    let name = release::free_name(&layout, &version);
    let state = State {
        format: STATE_FORMAT,
        service_manager: kind,
        backend: args.backend,
        release: name.clone(),
        listen: args.listen,
        data_dir: data_dir.clone(),
        python,
        user: args.user.clone(),
        previous: None,
    };
    let spec = ServiceSpec::for_state(&layout, &state)?;

    let mut actions = vec![
        Action::CreateDir { path: layout.prefix.clone(), mode: 0o755 },
        Action::CreateDir { path: layout.releases(), mode: 0o755 },
    ];
    actions.extend(release::install_actions(&layout, &name, &from, &version, now_ms()));
    actions.push(release::link_current(&layout, &name));
    // The database holds password hashes and tokens: nobody else reads the data or the logs.
    actions.push(Action::CreateDir { path: data_dir.clone(), mode: 0o750 });
    actions.push(Action::CreateDir { path: layout.logs(), mode: 0o750 });
    actions.push(Action::CreateDir { path: layout.run(), mode: 0o755 });
    if let Some(user) = &args.user {
        let owner = format!("{user}:");
        let (data, logs) = (data_dir.display().to_string(), layout.logs().display().to_string());
        actions.push(Action::Run { argv: plan::argv(&["chown", "-R", &owner, &data, &logs]) });
    }
    actions.push(Action::WriteFile { path: layout.state_file(), contents: state.to_json(), mode: 0o644 });
    actions.extend(manager.install_actions(&spec)?);

    let start_line = format!(
        "start the {} service ({}: {}) and wait up to {} s for /healthz on {} to report backend {}",
        kind.as_str(),
        state.backend,
        spec.program.join(" "),
        args.timeout,
        state.health_addr(),
        state.backend
    );
    if args.dry_run {
        crate::say!(
            "farmctl install --dry-run: Farm Controller {version} ({} backend) into {}; nothing is written.",
            state.backend,
            layout.prefix.display()
        );
        {
            use std::io::Write as _;
            let _ = write!(std::io::stdout(), "{}", plan::describe_all(&actions));
        }
        if !args.no_start {
            crate::say!("would {start_line}");
        }
        return Ok(Exit::Ok);
    }

    plan::apply_all(&actions)?;
    crate::say!(
        "installed Farm Controller {version} into {} ({} service, {} backend)",
        layout.prefix.display(),
        kind.as_str(),
        state.backend
    );
    if args.no_start {
        crate::say!("not started (--no-start): `farmctl start` starts it");
        return Ok(Exit::Ok);
    }
    let ctx = Ctx { layout, state, manager, lock: None };
    match ctx.start_gated(Duration::from_secs(args.timeout)) {
        Ok(_) => Ok(Exit::Ok),
        Err(why) => {
            eprintln!("FAILED: installed, but the service did not become healthy: {why}");
            Ok(Exit::Failed)
        }
    }
}
