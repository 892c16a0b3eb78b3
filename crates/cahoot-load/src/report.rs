//! `cahoot-load report FILES…`: Markdown tables from result files (what docs/load-testing.md shows).

use clap::Args;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// JSON result files written with --json.
    pub files: Vec<PathBuf>,
}

fn f(v: &Value, path: &[&str]) -> f64 {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    cur.as_f64().unwrap_or(0.0)
}

pub fn run(args: ReportArgs) -> anyhow::Result<bool> {
    let mut games = Vec::new();
    let mut https = Vec::new();
    for file in &args.files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match v["kind"].as_str() {
            Some("http") => https.push((name, v)),
            Some("game" | "failover") => games.push((name, v)),
            _ => {}
        }
    }
    games.sort_by_key(|(n, v)| {
        (
            n.split('-').nth(1).map(str::to_owned),
            v["players"].as_u64(),
        )
    });
    if !games.is_empty() {
        println!(
            "| run | players (joined) | joins/s | answer ack p50 / p99 | fan-out p50 / p99 / last | KiB/player | reconnects (p99) | lost / dup | errors |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        for (name, v) in &games {
            let last = v["fanout_events"]
                .as_array()
                .map(|e| e.iter().map(|x| f(x, &["last_ms"])).fold(0.0, f64::max))
                .unwrap_or(0.0);
            println!(
                "| {name} | {} ({}) | {:.0} | {:.1} / {:.1} ms | {:.0} / {:.0} / {:.0} ms | {:.1} | {} ({:.0} ms) | {} / {} | {} |",
                v["players"],
                v["joined"],
                f(v, &["joins_per_second"]),
                f(v, &["answer_ack", "p50_ms"]),
                f(v, &["answer_ack", "p99_ms"]),
                f(v, &["fanout", "p50_ms"]),
                f(v, &["fanout", "p99_ms"]),
                last,
                f(v, &["kib_per_player"]),
                v["reconnects"],
                f(v, &["reconnect", "p99_ms"]),
                v["verification"]["lost"],
                v["verification"]["duplicates"],
                v["failures"],
            );
        }
        println!();
    }
    for (name, v) in &https {
        println!(
            "**{name}** — {} connections, {} s per endpoint",
            v["connections"], v["duration_secs"]
        );
        println!();
        println!("| endpoint | req/s | p50 | p90 | p99 | max | errors | ratio to /healthz |");
        println!("|---|---|---|---|---|---|---|---|");
        for p in v["phases"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap_or_default();
            let ratio = v["ratio_to_healthz"][name]
                .as_f64()
                .map_or("–".to_owned(), |r| format!("{r:.2}"));
            println!(
                "| {} {} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {:.1} ms | {} | {ratio} |",
                p["method"].as_str().unwrap_or_default(),
                p["path"].as_str().unwrap_or_default(),
                f(p, &["requests_per_second"]),
                f(p, &["latency", "p50_ms"]),
                f(p, &["latency", "p90_ms"]),
                f(p, &["latency", "p99_ms"]),
                f(p, &["latency", "max_ms"]),
                p["errors"],
            );
        }
        println!();
    }
    Ok(true)
}
