//! The command line and the run it drives: `parity run` starts the backends itself (each scenario
//! on fresh processes and fresh copies of one seeded database), `parity compare` uses two servers
//! that are already running.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use clap::{Args, Parser, Subcommand};

use crate::backend::{self, BackendSpec, Server};
use crate::diff::diff;
use crate::generate::{self, Setup};
use crate::openapi::{self, Contract};
use crate::report::{self, ContractDifference, Report, RuleUse};
use crate::rules::Rules;
use crate::runner::{Runner, Side, Sides};
use crate::scenario::{self, Scenario};

#[derive(Debug, Parser)]
#[command(
    name = "parity",
    about = "Side-by-side parity harness: the same requests to two backends, compared answer by answer and row by row"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start both backends (and an A/A twin of the left one) on copies of one seeded database,
    /// replay the scenarios and compare
    Run(RunArgs),
    /// Compare two backends that are already running
    Compare(CompareArgs),
    /// Send the hostile requests of parity/hostile.yaml to each backend: every one must get a
    /// 4xx JSON error, leak no file and leave the database unchanged
    Hostile(HostileArgs),
    /// Run schemathesis over the whole OpenAPI document against each backend (docs/conformance.md)
    Conformance(ConformanceArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ConformanceArgs {
    /// The repository root [default: found from the current folder]
    #[arg(long)]
    pub repo: Option<PathBuf>,
    /// Backends to test, each on its own copy of one seeded database (rust, python); repeatable
    #[arg(long = "backend", default_values_t = ["rust".to_owned(), "python".to_owned()])]
    pub backends: Vec<String>,
    /// Test cases per operation and phase
    #[arg(long, default_value_t = 10)]
    pub examples: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// BACKEND:PREFIX: an operation path prefix the backend does not implement yet, excluded for
    /// it only; repeatable
    #[arg(long)]
    pub pending: Vec<String>,
    /// The schemathesis executable [default: <repo>/.venv-tools/bin/schemathesis]
    #[arg(long)]
    pub schemathesis: Option<PathBuf>,
    /// Where databases, logs and reports go [default: <repo>/target/conformance]
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct HostileArgs {
    /// The repository root [default: found from the current folder]
    #[arg(long)]
    pub repo: Option<PathBuf>,
    /// Backends to attack, each on its own copy of one seeded database (rust, python); repeatable
    #[arg(long = "backend", default_values_t = ["rust".to_owned(), "python".to_owned()])]
    pub backends: Vec<String>,
    /// The case table [default: <repo>/parity/hostile.yaml]
    #[arg(long)]
    pub cases: Option<PathBuf>,
    /// Where databases and logs go [default: <repo>/target/parity/hostile]
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct Common {
    /// The repository root [default: found from the current folder]
    #[arg(long)]
    pub repo: Option<PathBuf>,
    /// Scenario folder [default: <repo>/parity/scenarios]
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    /// Rule file [default: <repo>/parity/rules.yaml]
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// The committed contract [default: <repo>/openapi/core-server.json]
    #[arg(long)]
    pub contract: Option<PathBuf>,
    /// Where report.json, junit.xml, logs and work files go [default: <repo>/target/parity]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only these scenarios (by file name without .yaml); repeatable. Stale-rule and
    /// coverage failures become warnings in such a partial run.
    #[arg(long)]
    pub only: Vec<String>,
    /// Run no scenario (only generated traffic, with --generated)
    #[arg(long)]
    pub no_scenarios: bool,
    /// Also send N requests generated from the contract's schemas
    #[arg(long, value_name = "N")]
    pub generated: Option<usize>,
    /// Seed of the generated requests
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Setup of generated traffic [default: <scenarios>/generated/setup.yaml]
    #[arg(long)]
    pub generated_setup: Option<PathBuf>,
    /// Skip the OpenAPI contract comparison
    #[arg(long)]
    pub no_contract: bool,
    /// Print the summary only, not every difference (the report files keep everything)
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: Common,
    /// The reference backend: rust, python, or a name for --left-cmd
    #[arg(long, default_value = "rust")]
    pub left: String,
    #[arg(long, default_value = "python")]
    pub right: String,
    /// Command that serves the left backend (split on whitespace; the harness appends
    /// `--data-dir D --listen 127.0.0.1:0 serve`)
    #[arg(long)]
    pub left_cmd: Option<String>,
    #[arg(long)]
    pub right_cmd: Option<String>,
    /// Command that prints the left backend's OpenAPI document
    #[arg(long)]
    pub left_openapi_cmd: Option<String>,
    #[arg(long)]
    pub right_openapi_cmd: Option<String>,
    /// Command that seeds the database (`migrate`, `user create` are appended) [default: the Rust binary]
    #[arg(long)]
    pub seed_cmd: Option<String>,
    /// Do not start the A/A twin of the left backend (no noise detection)
    #[arg(long)]
    pub no_twin: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub common: Common,
    /// Base URL of the reference backend
    #[arg(long)]
    pub left: String,
    #[arg(long)]
    pub right: String,
    /// The left backend's database file: enables the database comparison (with --right-db)
    #[arg(long, requires = "right_db")]
    pub left_db: Option<PathBuf>,
    #[arg(long, requires = "left_db")]
    pub right_db: Option<PathBuf>,
    /// A second copy of the left backend, for noise detection
    #[arg(long)]
    pub twin: Option<String>,
    #[arg(long, requires = "twin")]
    pub twin_db: Option<PathBuf>,
    #[arg(long)]
    pub left_openapi_cmd: Option<String>,
    #[arg(long)]
    pub right_openapi_cmd: Option<String>,
}

/// Paths of a run, resolved.
struct Paths {
    repo: PathBuf,
    scenarios: PathBuf,
    rules: PathBuf,
    contract: PathBuf,
    out: PathBuf,
    generated_setup: PathBuf,
}

fn find_repo(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_owned();
    }
    let is_repo = |d: &Path| d.join("openapi/core-server.json").is_file() && d.join("Cargo.toml").is_file();
    if let Ok(cwd) = std::env::current_dir()
        && let Some(found) = cwd.ancestors().find(|d| is_repo(d))
    {
        return found.to_owned();
    }
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if is_repo(&built_in) { built_in.canonicalize().unwrap_or(built_in) } else { PathBuf::from(".") }
}

fn paths(c: &Common) -> Paths {
    let repo = find_repo(c.repo.as_deref());
    let scenarios = c.scenarios.clone().unwrap_or_else(|| repo.join("parity/scenarios"));
    Paths {
        rules: c.rules.clone().unwrap_or_else(|| repo.join("parity/rules.yaml")),
        contract: c.contract.clone().unwrap_or_else(|| repo.join("openapi/core-server.json")),
        out: c.out.clone().unwrap_or_else(|| repo.join("target/parity")),
        generated_setup: c.generated_setup.clone().unwrap_or_else(|| scenarios.join("generated/setup.yaml")),
        scenarios,
        repo,
    }
}

/// Everything a run replays, loaded and checked before any backend starts.
struct Plan {
    contract: Contract,
    rules: Rules,
    suites: Vec<Scenario>,
    /// A partial run (a subset of scenarios) tolerates unused rules and unsampled operations.
    partial: bool,
}

fn plan(c: &Common, p: &Paths) -> anyhow::Result<Plan> {
    let contract = Contract::load(&p.contract)?;
    let rules = Rules::load(&p.rules)?;
    rules.check_operations(&contract.ids()).with_context(|| format!("rule file {}", p.rules.display()))?;
    let mut suites = Vec::new();
    if !c.no_scenarios {
        let all = scenario::load_dir(&p.scenarios)?;
        for name in &c.only {
            if !all.iter().any(|s| s.name == *name) {
                anyhow::bail!("--only {name}: no such scenario in {}", p.scenarios.display());
            }
        }
        suites.extend(all.into_iter().filter(|s| c.only.is_empty() || c.only.contains(&s.name)));
    }
    if let Some(n) = c.generated {
        let setup = Setup::load(&p.generated_setup)?;
        suites.push(generate::generate(&contract, &setup, n, c.seed));
    }
    Ok(Plan { contract, rules, suites, partial: !c.only.is_empty() || c.no_scenarios })
}

/// Clears what a previous run left in the output folder (only the harness's own subfolders).
fn prepare_out(out: &Path) -> anyhow::Result<()> {
    for sub in ["work", "logs", "bodies"] {
        let dir = out.join(sub);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
    }
    for file in ["report.json", "junit.xml"] {
        let _ = std::fs::remove_file(out.join(file));
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))
}

/// Runs the command; returns the process exit code (0 only when everything matched).
pub async fn main(cli: Cli) -> i32 {
    let outcome = match cli.command {
        Command::Run(args) => run(args).await,
        Command::Compare(args) => compare(args).await,
        Command::Hostile(args) => return hostile(args).await,
        Command::Conformance(args) => return conformance(args).await,
    };
    match outcome {
        Ok((report, out, quiet)) => {
            if let Err(e) = report.write(&out) {
                eprintln!("parity: {e:#}");
                return 2;
            }
            print!("{}", report.summary(&out, !quiet));
            if report.passed() { 0 } else { 1 }
        }
        Err(e) => {
            eprintln!("parity: harness error: {e:#}");
            2
        }
    }
}

/// `parity hostile`: 0 when every case passed on every backend, 1 when one failed, 2 when the
/// harness could not run.
pub async fn hostile(args: HostileArgs) -> i32 {
    let repo = find_repo(args.repo.as_deref());
    let cases = args.cases.clone().unwrap_or_else(|| crate::hostile::default_cases(&repo));
    let work = args.out.clone().unwrap_or_else(|| repo.join("target/parity/hostile"));
    let prepared = (|| {
        let file = crate::hostile::HostileFile::load(&cases)?;
        let rust_bin = backend::require_rust_binary(&repo)?;
        let specs =
            args.backends.iter().map(|b| backend::resolve(b, None, None, &repo)).collect::<anyhow::Result<Vec<_>>>()?;
        Ok::<_, anyhow::Error>((file, specs, vec![rust_bin.display().to_string()]))
    })();
    let (file, specs, seed) = match prepared {
        Ok(p) => p,
        Err(e) => {
            eprintln!("parity hostile: {e:#}");
            return 2;
        }
    };
    match crate::hostile::run(&file, &specs, &seed, &work).await {
        Ok(outcomes) => {
            let (table, passed) = crate::hostile::summarize(&file, &outcomes, &args.backends);
            print!("{table}");
            if passed { 0 } else { 1 }
        }
        Err(e) => {
            eprintln!("parity hostile: harness error: {e:#} (logs in {})", work.display());
            2
        }
    }
}

/// `parity conformance`: 0 when schemathesis passed on every backend.
pub async fn conformance(args: ConformanceArgs) -> i32 {
    let repo = find_repo(args.repo.as_deref());
    let prepared = (|| {
        let rust_bin = backend::require_rust_binary(&repo)?;
        let mut specs = Vec::new();
        for name in &args.backends {
            let pending = args
                .pending
                .iter()
                .filter_map(|p| p.split_once(':').filter(|(b, _)| b == name).map(|(_, prefix)| prefix.to_owned()))
                .collect();
            specs.push((backend::resolve(name, None, None, &repo)?, pending));
        }
        Ok::<_, anyhow::Error>((specs, vec![rust_bin.display().to_string()]))
    })();
    let (specs, seed) = match prepared {
        Ok(p) => p,
        Err(e) => {
            eprintln!("parity conformance: {e:#}");
            return 2;
        }
    };
    let opts = crate::conformance::Options {
        schemathesis: args.schemathesis.clone().unwrap_or_else(|| repo.join(".venv-tools/bin/schemathesis")),
        config: repo.join("parity/conformance/schemathesis.toml"),
        contract: repo.join("openapi/core-server.json"),
        examples: args.examples,
        seed: args.seed,
        pending: Vec::new(),
        work: args.out.clone().unwrap_or_else(|| repo.join("target/conformance")),
    };
    match crate::conformance::run(&specs, &seed, &opts).await {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("parity conformance: harness error: {e:#}");
            2
        }
    }
}

fn start_all(specs: &[(&str, &BackendSpec)], seed_db: &Path, out: &Path, suite: &str) -> anyhow::Result<Vec<Server>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = specs
            .iter()
            .map(|(role, spec)| {
                let dir = out.join("work").join(suite).join(role);
                let log = out.join("logs").join(format!("{suite}.{role}.log"));
                s.spawn(move || Server::start(spec, seed_db, &dir, &log).with_context(|| format!("{role} backend")))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow!("starting a backend panicked")))).collect()
    })
}

pub async fn run(args: RunArgs) -> anyhow::Result<(Report, PathBuf, bool)> {
    let p = paths(&args.common);
    let mut plan = plan(&args.common, &p)?;
    let rust_bin = backend::require_rust_binary(&p.repo)?;
    let left = backend::resolve(&args.left, args.left_cmd.as_deref(), args.left_openapi_cmd.as_deref(), &p.repo)?;
    let right = backend::resolve(&args.right, args.right_cmd.as_deref(), args.right_openapi_cmd.as_deref(), &p.repo)?;
    let seed_cmd = args.seed_cmd.as_deref().map(backend::words).unwrap_or_else(|| vec![rust_bin.display().to_string()]);
    prepare_out(&p.out)?;
    let seed_db = backend::seed(&seed_cmd, &p.out.join("work/seed"))?;

    let mut report = Report::default();
    report.sides.insert("left".into(), left.name.clone());
    report.sides.insert("right".into(), right.name.clone());
    if !args.no_twin {
        report.sides.insert("twin".into(), format!("{} (A/A copy of left)", left.name));
    }
    let mut specs = vec![("left", &left), ("right", &right)];
    if !args.no_twin {
        specs.push(("twin", &left));
    }
    let mut runner = Runner::new(&plan.contract, &mut plan.rules, &p.out)?;
    for suite in &plan.suites {
        let servers = match start_all(&specs, &seed_db, &p.out, &suite.name) {
            Ok(s) => s,
            Err(e) => {
                report.errors.push(format!("scenario {}: {e:#}", suite.name));
                break;
            }
        };
        let mut ready = Ok(());
        for s in &servers {
            ready = ready.and(s.wait_ready(&runner.client).await);
        }
        if let Err(e) = ready {
            report.errors.push(format!("scenario {}: {e:#}", suite.name));
            break;
        }
        let side =
            |i: usize, role: &str, name: &str| Side::new(role, name, &servers[i].url, Some(servers[i].db.clone()));
        let mut sides = Sides {
            left: side(0, "left", &left.name),
            right: side(1, "right", &right.name),
            twin: servers.get(2).map(|_| side(2, "twin", &left.name)),
        };
        runner.run_scenario(suite, &mut sides).await;
        drop(servers);
    }
    report.results = std::mem::take(&mut runner.results);
    if !args.common.no_contract {
        if left.openapi_command == right.openapi_command {
            check_contract(&mut report, &plan.contract, "left, right", &left.name, left.openapi_command.as_deref());
        } else {
            for (role, spec) in [("left", &left), ("right", &right)] {
                check_contract(&mut report, &plan.contract, role, &spec.name, spec.openapi_command.as_deref());
            }
        }
    }
    finish(&mut report, &plan, true);
    Ok((report, p.out, args.common.quiet))
}

pub async fn compare(args: CompareArgs) -> anyhow::Result<(Report, PathBuf, bool)> {
    let p = paths(&args.common);
    let mut plan = plan(&args.common, &p)?;
    prepare_out(&p.out)?;
    let mut report = Report::default();
    report.sides.insert("left".into(), args.left.clone());
    report.sides.insert("right".into(), args.right.clone());
    if let Some(t) = &args.twin {
        report.sides.insert("twin".into(), t.clone());
    }
    let mut sides = Sides {
        left: Side::new("left", &args.left, &args.left, args.left_db.clone()),
        right: Side::new("right", &args.right, &args.right, args.right_db.clone()),
        twin: args.twin.as_ref().map(|t| Side::new("twin", t, t, args.twin_db.clone())),
    };
    if sides.twin.is_some() && sides.left.db.is_some() && args.twin_db.is_none() {
        report.warnings.push("--twin without --twin-db: database noise is not checked".into());
    }
    let mut runner = Runner::new(&plan.contract, &mut plan.rules, &p.out)?;
    for suite in &plan.suites {
        runner.run_scenario(suite, &mut sides).await;
    }
    report.results = std::mem::take(&mut runner.results);
    if !args.common.no_contract {
        for (role, cmd) in [("left", &args.left_openapi_cmd), ("right", &args.right_openapi_cmd)] {
            if let Some(cmd) = cmd {
                let name = if role == "left" { &args.left } else { &args.right };
                check_contract(&mut report, &plan.contract, role, name, Some(&backend::words(cmd)));
            }
        }
    }
    let db_compared = args.left_db.is_some();
    finish(&mut report, &plan, db_compared);
    Ok((report, p.out, args.common.quiet))
}

/// Compares a backend's OpenAPI document with the committed contract, operation by operation.
fn check_contract(report: &mut Report, contract: &Contract, role: &str, name: &str, command: Option<&[String]>) {
    let Some(command) = command else {
        report.warnings.push(format!("{role} ({name}): no OpenAPI command, contract not checked"));
        return;
    };
    let label = format!("{role} ({name})");
    let doc = match backend::openapi_document(command) {
        Ok(d) => d,
        Err(e) => {
            report.errors.push(format!("{label}: OpenAPI document: {e:#}"));
            return;
        }
    };
    let (expected, actual) = match (openapi::normalize(&contract.doc), openapi::normalize(&doc)) {
        (Ok(e), Ok(a)) => (e, a),
        (Err(e), _) | (_, Err(e)) => {
            report.errors.push(format!("{label}: reading the OpenAPI document: {e:#}"));
            return;
        }
    };
    report.contract_checked.push(label);
    for d in diff(Some(&expected), Some(&actual)) {
        let mut tokens = crate::diff::split_pointer(&d.pointer);
        let operation = if tokens.is_empty() { String::new() } else { tokens.remove(0) };
        let pointer: String = tokens.iter().map(|t| format!("/{}", crate::diff::escape(t))).collect();
        report.contract.push(ContractDifference {
            role: role.to_owned(),
            backend: name.to_owned(),
            operation,
            pointer,
            contract: d.left,
            actual: d.right,
        });
    }
}

/// Coverage and rule usage: failures in a full run, warnings in a partial one.
fn finish(report: &mut Report, plan: &Plan, db_compared: bool) {
    report.coverage = report::coverage(&plan.contract, &report.results);
    for op in &report.coverage.unsampled {
        let msg = format!("operation {op} has no sample: add a scenario step for it");
        if plan.partial { report.warnings.push(msg) } else { report.errors.push(msg) }
    }
    for (rule, used) in plan.rules.rules.iter().zip(&plan.rules.used) {
        report.rules.push(RuleUse {
            rule: rule.describe(),
            why: rule.spec.why.clone().unwrap_or_default(),
            used: *used,
        });
    }
    for rule in plan.rules.unused() {
        let msg = format!("rule {} matched nothing in this run: remove it or fix its scope", rule.describe());
        if plan.partial || (!db_compared && Rules::is_column_rule(rule)) {
            report.warnings.push(msg);
        } else {
            report.errors.push(msg);
        }
    }
}
