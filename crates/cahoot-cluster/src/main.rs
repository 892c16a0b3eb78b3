//! `cahoot-cluster`: runs the local cluster (PostgreSQL, redis-server, N cahoot instances, HAProxy) until
//! Ctrl-C. `make cluster` calls it.
//!
//! Once every instance and HAProxy answer their readiness probes it prints, on stdout, a human-readable
//! banner and then exactly ONE machine-readable line for scripts and browser tests (web/e2e/harness.ts):
//!
//! ```text
//! CAHOOT_CLUSTER_READY {"url":"http://127.0.0.1:8080","stats":"http://127.0.0.1:PORT/","logs":"/tmp/cahoot-cluster-…","postgres":"postgres://…","redis":"redis://…","instances":[{"index":0,"url":"http://127.0.0.1:PORT","pid":1234},…]}
//! ```
//!
//! The prefix `CAHOOT_CLUSTER_READY ` is fixed and the rest of the line is one JSON object: `url` is
//! HAProxy's public address, `instances` the direct address of each instance with its process id (what
//! the instance reports as `instance` in every WebSocket `welcome`), `logs` the cluster's temporary
//! directory (removed when the cluster stops). Nothing is printed on stdout after it until Ctrl-C.

use cahoot_cluster::{Cluster, ClusterOptions, default_cahoot_bin};
use clap::Parser;
use std::path::PathBuf;

/// The fixed prefix of the ready line (see the module documentation).
const READY_PREFIX: &str = "CAHOOT_CLUSTER_READY";

#[derive(Parser)]
#[command(
    about = "Run the local Cahoot cluster: PostgreSQL, redis-server, N instances, HAProxy",
    after_help = "When everything is ready, prints one line `CAHOOT_CLUSTER_READY {json}` on stdout \
                  (public url, each instance's url and pid, logs directory)."
)]
struct Args {
    /// Number of cahoot instances.
    #[arg(short = 'n', long, env = "N", default_value_t = 2)]
    instances: usize,
    /// HAProxy's public port.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The cahoot binary (default: target/debug/cahoot, or $CAHOOT_BIN).
    #[arg(long)]
    cahoot_bin: Option<PathBuf>,
}

/// The JSON of the ready line.
fn ready_json(cluster: &Cluster) -> serde_json::Value {
    let instances: Vec<serde_json::Value> = cluster
        .instances
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            serde_json::json!({
                "index": i,
                "url": cluster.instance_url(i),
                "pid": inst.pid(),
            })
        })
        .collect();
    serde_json::json!({
        "url": cluster.url(),
        "stats": format!("http://127.0.0.1:{}/", cluster.stats_port),
        "logs": cluster.dir().display().to_string(),
        "postgres": cluster.postgres.url(),
        "redis": cluster.redis.url(),
        "instances": instances,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let options = ClusterOptions {
        instances: args.instances.max(1),
        cahoot_bin: args.cahoot_bin.unwrap_or_else(default_cahoot_bin),
        public_port: Some(args.port),
        drain_secs: 2,
    };
    let cluster = tokio::task::spawn_blocking(move || Cluster::start(options)).await??;
    println!("Cahoot cluster is up: {}", cluster.url());
    println!("  HAProxy stats:  http://127.0.0.1:{}/", cluster.stats_port);
    for (i, inst) in cluster.instances.iter().enumerate() {
        println!(
            "  instance {i}:     {} (pid {})",
            cluster.instance_url(i),
            inst.pid().map_or_else(|| "?".to_owned(), |p| p.to_string())
        );
    }
    println!("  PostgreSQL:     {}", cluster.postgres.url());
    println!("  redis-server:   {}", cluster.redis.url());
    println!("  logs:           {}", cluster.dir().display());
    println!("Press Ctrl-C to stop everything.");
    // Last, after the banner: whoever waits for this line may act at once.
    println!("{READY_PREFIX} {}", ready_json(&cluster));
    tokio::signal::ctrl_c().await?;
    println!("stopping…");
    drop(cluster);
    Ok(())
}
