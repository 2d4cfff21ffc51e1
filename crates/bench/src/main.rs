//! `farm-bench`: measures the release core-server over real HTTP against baselines measured in
//! the same run, and prints ratios (absolute numbers on a shared 2-core machine drift; ratios
//! and CPU time per unit of work drift less).
//!
//! - footprint: release binary size, start-up time to the first good `/healthz`, idle RSS;
//! - ingest: points/s through `POST /api/node/telemetry` against a plain rusqlite loop;
//! - chart query: one sensor, one year of one-minute data, `max_points=1000`, median latency;
//! - Rust against Python and against a bare axum + rusqlite endpoint: the same endpoints on
//!   copies of one seeded database, wrk at fixed concurrency, requests/s, p50/p99 and server
//!   CPU-µs per request from /proc.

mod bare;
mod ingest;
mod server;
mod wrk;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use core_server::domain::metrics::HOUR_MS;
use core_server::domain::sensors::Reading;
use core_server::store::MetricStore;
use serde_json::{Value, json};
use server::{Kind, Server};

#[derive(Debug, Parser)]
#[command(name = "farm-bench", about = "Benchmarks core-server; prints figures and ratios")]
struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
    /// The release core-server binary
    #[arg(long, default_value = "target/release/core-server")]
    server_bin: PathBuf,
    /// The legacy Python backend's interpreter (its virtual environment)
    #[arg(long, default_value = "legacy/python-core-server/.venv/bin/python")]
    python: PathBuf,
    /// Points sent in the ingest-against-raw benchmark
    #[arg(long, default_value_t = 1_000_000)]
    ingest_points: usize,
    /// Points sent to each backend in the Rust-against-Python ingest comparison
    #[arg(long, default_value_t = 100_000)]
    compare_points: usize,
    /// Concurrent HTTP clients sending telemetry
    #[arg(long, default_value_t = 4)]
    ingest_clients: usize,
    /// Seconds each wrk run lasts
    #[arg(long, default_value_t = 10)]
    wrk_seconds: u64,
    /// Where the JSON report goes
    #[arg(long, default_value = "target/bench/report.json")]
    out: PathBuf,
    /// Run only these parts (comma-separated); all of them by default
    #[arg(long, value_delimiter = ',')]
    only: Vec<Part>,
}

/// The parts of a run, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    /// Binary size, start-up time, idle RSS
    Footprint,
    /// wrk against Rust, Python and the bare endpoint
    Reads,
    /// Telemetry through each backend, and Rust against a raw rusqlite loop
    Ingest,
    /// A year-long chart query
    Chart,
    /// A month of the schedule calendar with 36 overlapping schedules
    Calendar,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Serve the bare axum + rusqlite baseline (started by the benchmark itself)
    #[command(hide = true)]
    Bare(bare::BareArgs),
}

const SENSORS: usize = 10;
const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * HOUR_MS;

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn rfc3339(ms: i64) -> String {
    core_server::domain::time::Timestamp(ms).to_rfc3339()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// A farm of `nodes` nodes with `sensors` sensors (keys `s0`…) and one relay each; returns the
/// first node's token and the sensor keys.
async fn register_farm(server: &Server, nodes: usize, sensors: usize) -> anyhow::Result<(String, Vec<String>)> {
    let mut first = None;
    for n in 0..nodes {
        let sensor_list: Vec<Value> = (0..sensors)
            .map(
                |s| json!({"key": format!("s{s}"), "name": format!("Sensor {s}"), "kind": "temperature", "unit": "°C"}),
            )
            .collect();
        let body = json!({
            "name": format!("Node {n}"),
            "mac": format!("b8:27:eb:00:{:02x}:{:02x}", n / 256, n % 256),
            "sensors": sensor_list,
            "outputs": [{"key": "relay", "name": "Relay", "kind": "relay", "default_state": 0}],
        });
        let registered = server.admin_post("/api/nodes", &body).await?;
        if first.is_none() {
            first = Some(registered["token"].as_str().context("token")?.to_owned());
        }
    }
    Ok((first.context("no node")?, (0..sensors).map(|s| format!("s{s}")).collect()))
}

/// A consistent single-file copy of `from`'s database into a new data dir.
fn copy_database(from: &Path) -> anyhow::Result<tempfile::TempDir> {
    let to = tempfile::tempdir()?;
    let conn = rusqlite::Connection::open(from.join("farm.db"))?;
    conn.execute("VACUUM INTO ?1", [to.path().join("farm.db").to_str().context("path")?])?;
    Ok(to)
}

struct Footprint {
    ready_ms: f64,
    idle_rss_mib: f64,
}

/// Median start-up time over `starts` starts on copies of `seeded`, and the idle RSS of one.
async fn footprint(kind: &Kind, seeded: &Path, starts: usize) -> anyhow::Result<Footprint> {
    let mut ready = Vec::new();
    let mut rss = 0.0;
    for i in 0..starts {
        let copy = copy_database(seeded)?;
        let server = Server::start_in(kind.clone(), copy.path()).await?;
        ready.push(ms(server.ready));
        if i == 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            rss = server.rss_bytes()? as f64 / (1024.0 * 1024.0);
        }
        server.stop().await;
    }
    ready.sort_by(f64::total_cmp);
    Ok(Footprint { ready_ms: percentile(&ready, 0.5), idle_rss_mib: rss })
}

/// One wrk run with the server's CPU time around it.
struct Load {
    wrk: wrk::WrkResult,
    cpu_us_per_request: f64,
}

fn load(server: &Server, path: &str, token: &str, seconds: u64) -> anyhow::Result<Load> {
    let cpu_before = server.cpu_seconds()?;
    let wrk = wrk::run(&server.url(path), token, seconds)?;
    let cpu = server.cpu_seconds()? - cpu_before;
    Ok(Load { wrk, cpu_us_per_request: cpu * 1e6 / wrk.requests.max(1) as f64 })
}

fn load_json(l: &Load) -> Value {
    json!({"requests_per_s": l.wrk.requests_per_s, "p50_ms": l.wrk.p50_ms, "p99_ms": l.wrk.p99_ms,
        "requests": l.wrk.requests, "cpu_us_per_request": l.cpu_us_per_request})
}

fn print_load(endpoint: &str, backend: &str, l: &Load) {
    println!(
        "  {endpoint:<22} {backend:<19} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  {:>7.0} CPU-µs/req",
        l.wrk.requests_per_s, l.wrk.p50_ms, l.wrk.p99_ms, l.cpu_us_per_request
    );
}

/// Pass/miss lines for the goals, collected as the run goes.
#[derive(Default)]
struct Goals(Vec<(String, bool)>);

impl Goals {
    fn check(&mut self, what: String, met: bool) {
        self.0.push((what, met));
    }
}

#[tokio::main]
async fn run(args: Args) -> anyhow::Result<()> {
    let mut report = serde_json::Map::new();
    let mut goals = Goals::default();
    let machine = format!(
        "{} cores, {}, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::consts::ARCH,
        std::fs::read_to_string("/proc/loadavg").map_or_else(
            |_| "load unknown".into(),
            |l| format!("load average {}", l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        )
    );
    println!("farm-bench on {machine}");
    report.insert("machine".into(), json!(machine));
    let rust = Kind::Rust(args.server_bin.clone());
    let python = Kind::Python(args.python.clone());
    let wants = |part: Part| args.only.is_empty() || args.only.contains(&part);

    // The seeded farm every side-by-side run starts from: 50 nodes with 10 sensors each, and
    // 30 days of one-minute readings for the first sensor.
    let seeded = tempfile::tempdir()?;
    let server = Server::start_in(rust.clone(), seeded.path()).await?;
    let (node_token, keys) = register_farm(&server, 50, SENSORS).await?;
    let api_token = server.api_token().await?;
    server.stop().await;
    let month_start = now_ms() - 30 * DAY;
    {
        let store = core_server::store::SqliteStore::open(&seeded.path().join("farm.db"), now_ms())?;
        let month: Vec<Reading> = (0..30 * 24 * 60)
            .map(|i| Reading { sensor_id: 1, ts: month_start + i * MINUTE, value: (i % 500) as f64 / 10.0 })
            .collect();
        store.metrics_import(month).await?;
    }

    if wants(Part::Footprint) {
        footprints(&args, &rust, &python, seeded.path(), &mut report, &mut goals).await?;
    }
    if wants(Part::Reads) {
        reads(&args, &rust, &python, seeded.path(), &api_token, month_start, &mut report, &mut goals).await?;
    }
    if wants(Part::Ingest) {
        ingests(&args, &rust, &python, seeded.path(), &node_token, &keys, &mut report, &mut goals).await?;
    }
    if wants(Part::Chart) {
        chart(&rust, &mut report, &mut goals).await?;
    }
    if wants(Part::Calendar) {
        calendar(&rust, &mut report).await?;
    }

    println!("goals:");
    for (what, met) in &goals.0 {
        println!("  {} {what}", if *met { "met   " } else { "MISSED" });
    }
    report.insert("goals".into(), goals.0.iter().map(|(what, met)| json!({"goal": what, "met": met})).collect());
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&Value::Object(report))? + "\n")?;
    println!("report: {}", args.out.display());
    Ok(())
}

type Report = serde_json::Map<String, Value>;

async fn footprints(
    args: &Args,
    rust: &Kind,
    python: &Kind,
    seeded: &Path,
    report: &mut Report,
    goals: &mut Goals,
) -> anyhow::Result<()> {
    let binary_mib = std::fs::metadata(&args.server_bin)?.len() as f64 / (1024.0 * 1024.0);
    let rust_fp = footprint(rust, seeded, 5).await?;
    let python_fp = footprint(python, seeded, 3).await?;
    println!("footprint:");
    println!("  release binary (dashboard embedded) {binary_mib:.1} MiB");
    println!(
        "  ready after start: rust {:.1} ms, python {:.0} ms | idle RSS: rust {:.1} MiB, python {:.1} MiB",
        rust_fp.ready_ms, python_fp.ready_ms, rust_fp.idle_rss_mib, python_fp.idle_rss_mib
    );
    goals.check(format!("release binary {binary_mib:.1} MiB < 15 MB"), binary_mib * 1.048_576 < 15.0);
    goals.check(format!("ready after {:.1} ms < 50 ms", rust_fp.ready_ms), rust_fp.ready_ms < 50.0);
    goals.check(format!("idle RSS {:.1} MiB < 15 MB", rust_fp.idle_rss_mib), rust_fp.idle_rss_mib * 1.048_576 < 15.0);
    report.insert(
        "footprint".into(),
        json!({"binary_mib": binary_mib,
            "rust": {"ready_ms": rust_fp.ready_ms, "idle_rss_mib": rust_fp.idle_rss_mib},
            "python": {"ready_ms": python_fp.ready_ms, "idle_rss_mib": python_fp.idle_rss_mib}}),
    );
    Ok(())
}

/// Rounds of the ingest-against-raw comparison.
const INGEST_ROUNDS: usize = 3;

/// Reads, side by side: each backend on its own copy of the seeded farm.
#[allow(clippy::too_many_arguments)]
async fn reads(
    args: &Args,
    rust: &Kind,
    python: &Kind,
    seeded: &Path,
    api_token: &str,
    month_start: i64,
    report: &mut Report,
    goals: &mut Goals,
) -> anyhow::Result<()> {
    let reads = [
        ("dashboard_state", "/api/dashboard/state".to_owned()),
        ("nodes", "/api/nodes".to_owned()),
        (
            "metrics_query_30d",
            format!(
                "/api/metrics/query?sensor_id=1&from={}&to={}&max_points=500",
                rfc3339(month_start).replace('+', "%2B"),
                rfc3339(month_start + 30 * DAY).replace('+', "%2B")
            ),
        ),
    ];
    println!("reads (wrk, {} connections, {} s each):", wrk::CONNECTIONS, args.wrk_seconds);
    let mut by_backend: Vec<(&str, Vec<Load>)> = Vec::new();
    for kind in [rust, python] {
        let copy = copy_database(seeded)?;
        let server = Server::start_in(kind.clone(), copy.path()).await?;
        let mut loads = Vec::new();
        for (name, path) in &reads {
            let l = load(&server, path, api_token, args.wrk_seconds)?;
            print_load(name, kind.label(), &l);
            loads.push(l);
        }
        server.stop().await;
        by_backend.push((kind.label(), loads));
    }
    let bare = {
        let copy = copy_database(seeded)?;
        let server = Server::start_in(Kind::Bare, copy.path()).await?;
        let l = load(&server, "/api/nodes", api_token, args.wrk_seconds)?;
        print_load("nodes", Kind::Bare.label(), &l);
        server.stop().await;
        l
    };
    let mut reads_report = serde_json::Map::new();
    println!("ratios:");
    for (i, (name, _)) in reads.iter().enumerate() {
        let (r, p) = (&by_backend[0].1[i], &by_backend[1].1[i]);
        let throughput = r.wrk.requests_per_s / p.wrk.requests_per_s;
        let cpu = p.cpu_us_per_request / r.cpu_us_per_request;
        println!("  {name:<22} rust/python throughput {throughput:>5.1}x, python/rust CPU per request {cpu:>5.1}x");
        goals.check(format!("{name}: Rust CPU per request is 1/{cpu:.1} of Python's (goal ≤ 1/5)"), cpu >= 5.0);
        reads_report.insert(
            (*name).into(),
            json!({"rust": load_json(r), "python": load_json(p),
                "rust_over_python_throughput": throughput, "python_over_rust_cpu_per_request": cpu}),
        );
    }
    let nodes_vs_bare = by_backend[0].1[1].wrk.requests_per_s / bare.wrk.requests_per_s;
    println!("  nodes: core-server keeps {:.0}% of the bare axum + rusqlite throughput", nodes_vs_bare * 100.0);
    goals.check(
        format!("/api/nodes at {:.0}% of bare axum + rusqlite (goal ≥ 70%)", nodes_vs_bare * 100.0),
        nodes_vs_bare >= 0.70,
    );
    reads_report.insert("nodes_bare".into(), json!({"bare": load_json(&bare), "rust_over_bare": nodes_vs_bare}));
    report.insert("reads".into(), Value::Object(reads_report));
    Ok(())
}

/// Ingest, side by side: the same batches to each backend; then Rust against a raw loop.
#[allow(clippy::too_many_arguments)]
async fn ingests(
    args: &Args,
    rust: &Kind,
    python: &Kind,
    seeded: &Path,
    node_token: &str,
    keys: &[String],
    report: &mut Report,
    goals: &mut Goals,
) -> anyhow::Result<()> {
    println!(
        "ingest ({} points each, batches of {}, {} clients):",
        args.compare_points,
        ingest::BATCH,
        args.ingest_clients
    );
    let compare = ingest::readings(args.compare_points, SENSORS, now_ms() - 2 * DAY);
    let mut ingest_report = serde_json::Map::new();
    let mut results = Vec::new();
    for kind in [rust, python] {
        let copy = copy_database(seeded)?;
        let server = Server::start_in(kind.clone(), copy.path()).await?;
        let r = ingest::http(&server, node_token, keys, &compare, args.ingest_clients).await?;
        println!("  {:<19} {:>9.0} points/s  {:>6.2} CPU-µs/point", kind.label(), r.points_per_s, r.cpu_us_per_point);
        ingest_report.insert(
            kind.label().into(),
            json!({"points_per_s": r.points_per_s, "cpu_us_per_point": r.cpu_us_per_point}),
        );
        server.stop().await;
        results.push(r);
    }
    println!(
        "  rust/python throughput {:.1}x, python/rust CPU per point {:.1}x",
        results[0].points_per_s / results[1].points_per_s,
        results[1].cpu_us_per_point / results[0].cpu_us_per_point
    );
    report.insert("ingest_compare".into(), Value::Object(ingest_report));

    // Ingest against a raw rusqlite loop on the same schema (Rust only), in alternating rounds
    // on fresh databases: the machine's speed drifts, and the median ratio drifts less.
    let data = ingest::readings(args.ingest_points, SENSORS, now_ms() - 30 * DAY);
    let mut rounds = Vec::new();
    for round in 1..=INGEST_ROUNDS {
        let raw_dir = tempfile::tempdir()?;
        let raw_db = raw_dir.path().join("raw.db");
        drop(core_server::store::SqliteStore::open(&raw_db, now_ms())?);
        let raw = tokio::task::spawn_blocking({
            let data = data.clone();
            move || ingest::raw(&raw_db, &data)
        })
        .await??;
        let server = Server::start(rust.clone()).await?;
        let (token, keys) = register_farm(&server, 1, SENSORS).await?;
        let http = ingest::http(&server, &token, &keys, &data, args.ingest_clients).await?;
        server.stop().await;
        let ratio = http.points_per_s / raw;
        println!(
            "ingest against raw rusqlite ({} points), round {round}: raw {raw:.0} points/s, HTTP {:.0} points/s, \
             HTTP/raw {ratio:.2}; server {:.2} CPU-µs/point, raw loop {:.2} µs/point",
            args.ingest_points,
            http.points_per_s,
            http.cpu_us_per_point,
            1e6 / raw
        );
        rounds.push(json!({"raw_points_per_s": raw, "http_points_per_s": http.points_per_s, "ratio": ratio,
            "server_cpu_us_per_point": http.cpu_us_per_point}));
    }
    let mut ratios: Vec<f64> = rounds.iter().filter_map(|r| r["ratio"].as_f64()).collect();
    ratios.sort_by(f64::total_cmp);
    let ratio = percentile(&ratios, 0.5);
    goals.check(format!("ingest HTTP/raw {ratio:.2}, median of {INGEST_ROUNDS} rounds (goal ≥ 0.70)"), ratio >= 0.70);
    report.insert(
        "ingest".into(),
        json!({"ratio": ratio, "rounds": rounds, "batch": ingest::BATCH,
            "points": args.ingest_points, "clients": args.ingest_clients}),
    );
    Ok(())
}

/// `GET /api/schedules/calendar` for 31 days over 36 schedules that share three outputs:
/// weekly blocks, daily and six-hourly RRULEs begun a year ago, in a zone with clock changes.
/// Each firing names the schedules it overlaps, so this measures the conflict search.
async fn calendar(rust: &Kind, report: &mut Report) -> anyhow::Result<()> {
    let server = Server::start(rust.clone()).await?;
    register_farm(&server, 3, 1).await?;
    server.admin_patch("/api/site", &json!({"timezone": "Europe/Berlin"})).await?;
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    for i in 0..36_i64 {
        let recurrence = match i % 3 {
            0 => json!({"type": "weekly", "blocks": days.iter().map(|d| json!({"day": d,
                "start": format!("{:02}:00", 5 + i % 12), "end": format!("{:02}:30", 6 + i % 12)})).collect::<Vec<_>>()}),
            1 => json!({"type": "rrule", "rrule": "FREQ=DAILY", "dtstart": format!("2025-11-01T{:02}:15", i % 24),
                "duration_minutes": 90}),
            _ => {
                json!({"type": "rrule", "rrule": "FREQ=HOURLY;INTERVAL=6", "dtstart": format!("2025-11-01T{:02}:40", i % 6),
                "duration_minutes": 45})
            }
        };
        server
            .admin_post(
                "/api/schedules",
                &json!({"name": format!("schedule {i}"), "priority": i % 5, "recurrence": recurrence,
                    "actions": [{"type": "set_output", "output_id": i % 3 + 1, "state": 1}]}),
            )
            .await?;
    }
    let from = now_ms();
    let query = format!(
        "/api/schedules/calendar?from={}&to={}",
        rfc3339(from).replace('+', "%2B"),
        rfc3339(from + 31 * DAY).replace('+', "%2B")
    );
    let mut times = Vec::new();
    let mut firings = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let body = server.admin_get(&query).await?;
        times.push(started.elapsed());
        firings = body["items"].as_array().map_or(0, Vec::len);
    }
    let cpu = server.cpu_seconds()?;
    server.stop().await;
    times.sort();
    let p50 = ms(percentile(&times, 0.5));
    println!("schedule calendar (31 days, 36 schedules, {firings} firings): p50 {p50:.1} ms of 5 requests");
    report.insert("calendar".into(), json!({"p50_ms": p50, "firings": firings, "server_cpu_s_total": cpu}));
    Ok(())
}

/// A chart query over a year of one-minute readings (imported before the server starts).
async fn chart(rust: &Kind, report: &mut Report, goals: &mut Goals) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = Server::start_in(rust.clone(), dir.path()).await?;
    register_farm(&server, 1, 1).await?;
    server.stop().await;
    let year_start = now_ms() - 365 * DAY;
    {
        let store = core_server::store::SqliteStore::open(&dir.path().join("farm.db"), now_ms())?;
        let year: Vec<Reading> = (0..365 * 24 * 60)
            .map(|i| Reading { sensor_id: 1, ts: year_start + i * MINUTE, value: (i % 500) as f64 })
            .collect();
        store.metrics_import(year).await?;
    }
    let server = Server::start_in(rust.clone(), dir.path()).await?;
    let query =
        format!("/api/metrics/query?sensor_id=1&from={}&to={}&max_points=1000", rfc3339(year_start), rfc3339(now_ms()));
    let mut times = Vec::new();
    for i in 0..220 {
        let started = Instant::now();
        let body = server.admin_get(&query).await?;
        if i >= 20 {
            times.push(started.elapsed());
        }
        if i == 0 && body["items"][0]["points"].as_array().map_or(0, Vec::len) > 1000 {
            bail!("chart query returned more than max_points");
        }
    }
    server.stop().await;
    times.sort();
    let (p50, p99) = (ms(percentile(&times, 0.5)), ms(percentile(&times, 0.99)));
    println!("chart query (1 year, 1-minute data, 1000 points): p50 {p50:.2} ms, p99 {p99:.2} ms");
    goals.check(format!("chart query p50 {p50:.2} ms < 10 ms"), p50 < 10.0);
    report.insert("chart_query".into(), json!({"p50_ms": p50, "p99_ms": p99, "samples": times.len()}));
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    match args.command.take() {
        Some(Sub::Bare(bare)) => bare::serve(bare),
        None => run(args),
    }
}
