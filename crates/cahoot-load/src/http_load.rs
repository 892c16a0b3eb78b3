//! `cahoot-load http`: a JWT-protected read (`GET /api/quizzes`) and write (`PUT /api/quizzes/{id}`) with C
//! connections for D seconds (closed loop) or at a fixed total rate R (open loop, latency measured from the
//! scheduled send time, so a stalled server cannot hide its queueing: no coordinated omission).
//! `--baseline` first loads `/healthz` the same way, so the cost of auth + database is a ratio.

use crate::api::{self, Api};
use crate::charts;
use crate::output::{Output, progress};
use crate::procs::{Sampler, spawn_sampler};
use crate::stats::{Series, Summary, TimePoint};
use crate::target::{Target, TargetArgs};
use clap::Args;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior};

#[derive(Args, Debug)]
pub struct HttpArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Concurrent connections (one request in flight on each).
    #[arg(short = 'c', long, default_value_t = 32)]
    pub connections: usize,
    /// Seconds of measured load per endpoint.
    #[arg(short = 'd', long, default_value_t = 10)]
    pub duration: u64,
    /// Seconds of unmeasured load before each measurement.
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
    /// Fixed total request rate (requests/s) instead of as fast as possible.
    #[arg(short = 'r', long)]
    pub rate: Option<f64>,
    /// Which JWT-protected endpoints to load, in order: me (GET /api/auth/me, the token checks alone),
    /// read (GET /api/quizzes), write (PUT /api/quizzes/{id}).
    #[arg(long, value_delimiter = ',', default_value = "read,write")]
    pub endpoints: Vec<String>,
    /// Also load GET /healthz first and report each endpoint's requests/s as a ratio of it.
    #[arg(long)]
    pub baseline: bool,
    /// Distinct accounts whose tokens the connections use (round robin).
    #[arg(long, default_value_t = 1)]
    pub users: usize,
    /// Quizzes each account owns, so the read returns a realistic list.
    #[arg(long, default_value_t = 5)]
    pub quizzes_per_user: usize,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Serialize)]
pub struct PhaseResult {
    pub name: String,
    pub method: String,
    pub path: String,
    pub requests: u64,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub latency: Summary,
    /// Non-2xx statuses ("503") and transport errors ("io") with counts.
    pub errors: BTreeMap<String, u64>,
    pub timeline: Vec<TimePoint>,
    #[serde(skip)]
    series: Option<Series>,
    pub cpu_percent: BTreeMap<String, f64>,
}

#[derive(Debug, Serialize)]
pub struct HttpResults {
    pub kind: &'static str,
    pub target: String,
    pub connections: usize,
    pub duration_secs: u64,
    pub rate: Option<f64>,
    pub users: usize,
    pub phases: Vec<PhaseResult>,
    /// endpoint → its requests/s ÷ /healthz requests/s
    pub ratio_to_healthz: BTreeMap<String, f64>,
    pub errors: u64,
}

impl std::fmt::Debug for Series {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Series")
            .field("count", &self.count())
            .finish()
    }
}

#[derive(Clone)]
enum Req {
    Healthz,
    /// `GET /api/auth/me`: the token checks alone (signature, denylist, account) without a query of its own.
    Me,
    Read,
    Write,
}

struct Account {
    token: String,
    quiz_ids: Vec<String>,
}

pub async fn run(args: HttpArgs) -> anyhow::Result<bool> {
    let target = Target::start(&args.target).await?;
    let base = target.base_url.clone();
    eprintln!("target: {}", target.description);
    // Accounts and their quizzes.
    let run_id = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let mut accounts = Vec::new();
    for u in 0..args.users.max(1) {
        let api = Api::login_or_register(&base, &format!("load_{run_id}_{u}")).await?;
        let mut quiz_ids = Vec::new();
        for _ in 0..args.quizzes_per_user.max(1) {
            quiz_ids.push(api.create_quiz(&api::quiz(5, 20)).await?);
        }
        accounts.push(Account {
            token: api.token,
            quiz_ids,
        });
    }
    let accounts = Arc::new(accounts);
    let start = Instant::now();
    let sampler = Arc::new(Mutex::new(Sampler::new(start, target.watched())));
    let sampler_task = spawn_sampler(sampler.clone());

    let mut plan = Vec::new();
    if args.baseline {
        plan.push(("healthz".to_owned(), Req::Healthz));
    }
    for e in &args.endpoints {
        match e.as_str() {
            "me" => plan.push(("me".to_owned(), Req::Me)),
            "read" => plan.push(("read".to_owned(), Req::Read)),
            "write" => plan.push(("write".to_owned(), Req::Write)),
            other => anyhow::bail!("unknown endpoint {other:?} (me, read, write)"),
        }
    }
    let mut phases = Vec::new();
    for (name, req) in plan {
        let mut phase = run_phase(&args, &base, &name, req, accounts.clone(), start).await;
        let from = phase.timeline.first().map_or(0.0, |t| t.second as f64);
        let to = phase.timeline.last().map_or(0.0, |t| t.second as f64 + 1.0);
        phase.cpu_percent = sampler
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .mean_cpu(from, to);
        eprintln!(
            "{:>8}: {:>9.0} req/s  {}  errors {:?}",
            name,
            phase.requests_per_second,
            phase.latency.line(),
            phase.errors
        );
        let cpu: Vec<String> = phase
            .cpu_percent
            .iter()
            .map(|(k, v)| format!("{k} {v:.0}%"))
            .collect();
        eprintln!("          CPU (% of one core): {}", cpu.join(", "));
        phases.push(phase);
    }
    sampler_task.abort();
    let mut ratio = BTreeMap::new();
    if let Some(h) = phases.iter().find(|p| p.name == "healthz") {
        for p in phases.iter().filter(|p| p.name != "healthz") {
            let r = p.requests_per_second / h.requests_per_second.max(1e-9);
            eprintln!("ratio {}/healthz = {:.2}", p.name, r);
            ratio.insert(p.name.clone(), r);
        }
    }
    let errors = phases.iter().map(|p| p.errors.values().sum::<u64>()).sum();
    let results = HttpResults {
        kind: "http",
        target: target.description.clone(),
        connections: args.connections,
        duration_secs: args.duration,
        rate: args.rate,
        users: args.users,
        phases,
        ratio_to_healthz: ratio,
        errors,
    };
    args.output.write_json(&results)?;
    if let Some(dir) = args.output.svg_dir() {
        let prefix = args.output.prefix("http");
        let rps: Vec<charts::Line> = results
            .phases
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.timeline
                        .iter()
                        .map(|t| (t.second as f64, t.count as f64))
                        .collect(),
                )
            })
            .collect();
        charts::lines(
            &dir.join(format!("{prefix}-throughput.svg")),
            &format!(
                "HTTP requests/s over time ({} connections)",
                args.connections
            ),
            "seconds",
            "requests/s",
            &rps,
        )?;
        let mut lat = Vec::new();
        for p in &results.phases {
            lat.push((
                format!("{} p99", p.name),
                p.timeline
                    .iter()
                    .map(|t| (t.second as f64, t.p99_ms))
                    .collect(),
            ));
            lat.push((
                format!("{} p50", p.name),
                p.timeline
                    .iter()
                    .map(|t| (t.second as f64, t.p50_ms))
                    .collect(),
            ));
        }
        charts::lines(
            &dir.join(format!("{prefix}-latency.svg")),
            "HTTP latency over time",
            "seconds",
            "latency (ms)",
            &lat,
        )?;
        let dist: Vec<charts::Line> = results
            .phases
            .iter()
            .filter_map(|p| Some((p.name.clone(), p.series.as_ref()?.distribution())))
            .collect();
        charts::distribution(
            &dir.join(format!("{prefix}-distribution.svg")),
            "HTTP latency distribution",
            &dist,
        )?;
        eprintln!("charts written to {}", dir.display());
    }
    drop(target);
    Ok(errors == 0)
}

async fn run_phase(
    args: &HttpArgs,
    base: &str,
    name: &str,
    req: Req,
    accounts: Arc<Vec<Account>>,
    start: Instant,
) -> PhaseResult {
    let connections = args.connections.max(1);
    let http = api::client(connections);
    let warm_until = Instant::now() + Duration::from_secs(args.warmup);
    let measure_until = warm_until + Duration::from_secs(args.duration);
    let series = Arc::new(Mutex::new(Series::new(start)));
    let errors = Arc::new(Mutex::new(BTreeMap::<String, u64>::new()));
    let done = Arc::new(AtomicU64::new(0));
    let (method, path) = match req {
        Req::Healthz => ("GET", "/healthz".to_owned()),
        Req::Me => ("GET", "/api/auth/me".to_owned()),
        Req::Read => ("GET", "/api/quizzes".to_owned()),
        Req::Write => ("PUT", "/api/quizzes/{id}".to_owned()),
    };
    let body = serde_json::to_vec(&api::quiz(5, 20)).unwrap_or_default();
    let mut workers = Vec::new();
    for w in 0..connections {
        let http = http.clone();
        let base = base.to_owned();
        let req = req.clone();
        let accounts = accounts.clone();
        let series = series.clone();
        let errors = errors.clone();
        let done = done.clone();
        let body = body.clone();
        let period = args
            .rate
            .map(|r| Duration::from_secs_f64(connections as f64 / r.max(0.001)));
        workers.push(tokio::spawn(async move {
            let account = &accounts[w % accounts.len()];
            let quiz = &account.quiz_ids[(w / accounts.len()) % account.quiz_ids.len()];
            let mut ticker = period.map(|p| {
                // Spread the workers' first sends over one period.
                let first = Instant::now() + p.mul_f64(w as f64 / connections as f64);
                let mut t = tokio::time::interval_at(first, p);
                t.set_missed_tick_behavior(MissedTickBehavior::Burst);
                t
            });
            loop {
                let scheduled = match ticker.as_mut() {
                    Some(t) => t.tick().await,
                    None => Instant::now(),
                };
                if scheduled >= measure_until {
                    break;
                }
                let rb = match req {
                    Req::Healthz => http.get(format!("{base}/healthz")),
                    Req::Me => http
                        .get(format!("{base}/api/auth/me"))
                        .bearer_auth(&account.token),
                    Req::Read => http
                        .get(format!("{base}/api/quizzes"))
                        .bearer_auth(&account.token),
                    Req::Write => http
                        .put(format!("{base}/api/quizzes/{quiz}"))
                        .bearer_auth(&account.token)
                        .header("content-type", "application/json")
                        .body(body.clone()),
                };
                let outcome = match rb.send().await {
                    Ok(res) => {
                        let status = res.status();
                        // Read the whole body: a response is done when its last byte is in.
                        let _ = res.bytes().await;
                        if status.is_success() {
                            None
                        } else {
                            Some(status.as_u16().to_string())
                        }
                    }
                    Err(e) if e.is_timeout() => Some("timeout".to_owned()),
                    Err(_) => Some("io".to_owned()),
                };
                let now = Instant::now();
                if scheduled >= warm_until {
                    series
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .record_at(now - scheduled, now);
                    done.fetch_add(1, Ordering::Relaxed);
                    if let Some(code) = outcome {
                        *errors
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .entry(code)
                            .or_default() += 1;
                    }
                }
            }
        }));
    }
    let name_owned = name.to_owned();
    let progress_done = done.clone();
    let progress_task = tokio::spawn(async move {
        let t0 = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let n = progress_done.load(Ordering::Relaxed);
            progress(&format!(
                "[http {name_owned}] {:>3.0}s  {n} requests measured",
                t0.elapsed().as_secs_f64()
            ));
        }
    });
    for w in workers {
        let _ = w.await;
    }
    progress_task.abort();
    progress("");
    let series = Arc::try_unwrap(series)
        .ok()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .unwrap_or_else(|| Series::new(start));
    let requests = series.count();
    let seconds = args.duration as f64;
    PhaseResult {
        name: name.to_owned(),
        method: method.to_owned(),
        path,
        requests,
        seconds,
        requests_per_second: requests as f64 / seconds.max(0.001),
        latency: series.summary(),
        errors: errors.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        timeline: series.timeline(),
        series: Some(series),
        cpu_percent: BTreeMap::new(),
    }
}
