//! `cahoot-cluster`: runs the local cluster (PostgreSQL, redis-server, N cahoot instances, HAProxy) until
//! Ctrl-C. `make cluster` calls it.

use cahoot_cluster::{Cluster, ClusterOptions, default_cahoot_bin};
use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Run the local Cahoot cluster: PostgreSQL, redis-server, N instances, HAProxy")]
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
            "  instance {i}:     http://127.0.0.1:{} (pid {:?})",
            inst.port,
            inst.pid()
        );
    }
    println!("  PostgreSQL:     {}", cluster.postgres.url());
    println!("  redis-server:   {}", cluster.redis.url());
    println!("  logs:           {}", cluster.dir().display());
    println!("Press Ctrl-C to stop everything.");
    tokio::signal::ctrl_c().await?;
    println!("stopping…");
    drop(cluster);
    Ok(())
}
