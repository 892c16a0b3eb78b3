//! `cahoot-load`: load and capacity tests for Cahoot (see docs/load-testing.md).
//!
//! - `http`: JWT-protected read and write endpoints with C connections for D seconds or at a fixed rate,
//!   optionally against the `/healthz` baseline of the same run;
//! - `game`: one live game with P simulated players over WebSockets;
//! - `failover`: `game` on a local cluster plus SIGKILL of the busiest instance at a chosen moment.
//!
//! One process holds up to ~19 000 sockets on machines whose open-files hard limit is 20 000: enough for
//! 10 000 players (each player is one WebSocket; joins reuse a small HTTP pool).

mod api;
mod charts;
mod game;
mod host;
mod http_load;
mod live_check;
mod load_quiz;
mod output;
mod player;
mod procs;
mod report;
mod stats;
mod target;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cahoot-load",
    version,
    about = "Load tests for Cahoot: HTTP endpoints, live games, failover"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Load a JWT-protected read and write endpoint (and /healthz with --baseline).
    Http(http_load::HttpArgs),
    /// Play one live game with many simulated players.
    Game(game::GameArgs),
    /// Play a game on a local cluster and SIGKILL the busiest instance at a chosen moment.
    Failover(game::FailoverArgs),
    /// Markdown tables from --json result files.
    Report(report::ReportArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let ok = runtime.block_on(async move {
        match cli.command {
            Cmd::Http(a) => http_load::run(a).await,
            Cmd::Game(a) => game::run(a, None).await,
            Cmd::Failover(a) => game::run_failover(a).await,
            Cmd::Report(a) => report::run(a),
        }
    })?;
    // Do not wait for lingering player tasks: the results are out.
    runtime.shutdown_background();
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}
