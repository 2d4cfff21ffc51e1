//! `node-sim`: runs the simulated nodes listed in a nodes file against a core-server.

use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use node_sim::client::{Behaviour, NodesFile, SimNode};

#[derive(Debug, Parser)]
#[command(name = "node-sim", version, about = "Simulated Farm Controller field nodes")]
struct Args {
    /// The core-server to talk to
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// JSON file listing the nodes and their tokens (core-server serve --demo writes demo-nodes.json)
    #[arg(long)]
    nodes: std::path::PathBuf,
    /// Milliseconds before a command is acknowledged
    #[arg(long, default_value_t = 400)]
    ack_latency_ms: u64,
    /// Fraction of commands reported as failed (0.0–1.0)
    #[arg(long, default_value_t = 0.0)]
    failure_rate: f64,
    /// Seconds between telemetry batches
    #[arg(long, default_value_t = 10)]
    telemetry_every_s: u64,
    /// Seconds between heartbeats
    #[arg(long, default_value_t = 15)]
    heartbeat_every_s: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!((0.0..=1.0).contains(&args.failure_rate), "--failure-rate must be between 0 and 1");
    let text = std::fs::read_to_string(&args.nodes).with_context(|| format!("reading {}", args.nodes.display()))?;
    let file: NodesFile = serde_json::from_str(&text).with_context(|| format!("parsing {}", args.nodes.display()))?;
    let mut tasks = Vec::new();
    for (i, spec) in file.nodes.into_iter().enumerate() {
        let behaviour = Behaviour {
            ack_latency: Duration::from_millis(args.ack_latency_ms),
            failure_rate: args.failure_rate,
            seed: i as u64 + 1,
        };
        let node = SimNode::new(&args.server, spec, behaviour)?;
        println!("simulating node {} against {}", node.name(), args.server);
        let telemetry = Duration::from_secs(args.telemetry_every_s.max(1));
        let heartbeat = Duration::from_secs(args.heartbeat_every_s.max(1));
        tasks.push(tokio::spawn(node.run(telemetry, heartbeat)));
    }
    for t in tasks {
        t.await?;
    }
    Ok(())
}
