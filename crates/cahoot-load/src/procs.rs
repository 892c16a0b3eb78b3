//! Process observation through /proc: resident memory (VmRSS) and CPU time of the processes under test,
//! sampled once a second so the results say which process was busy (per-process CPU evidence).

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tokio::time::Instant;

/// Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on).
const TICKS_PER_SECOND: f64 = 100.0;

/// A process (and, when `tree`, all its descendants) to watch, under a display name.
#[derive(Debug, Clone)]
pub struct Watched {
    pub name: String,
    pub pid: u32,
    /// Include child processes (PostgreSQL backends are children of the postmaster).
    pub tree: bool,
    /// An instance of cahoot (its RSS counts towards memory per player).
    pub instance: bool,
}

pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// utime + stime in ticks, and the parent pid.
fn stat(pid: u32) -> Option<(u64, u32)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command may contain spaces and parentheses: fields start after the last ')'.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] = state (field 3), ppid = field 4, utime = 14, stime = 15.
    let ppid = f.get(1)?.parse().ok()?;
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    Some((utime + stime, ppid))
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// CPU ticks of `root` and, if `tree`, every descendant.
fn cpu_ticks(root: u32, tree: bool, parents: &HashMap<u32, (u64, u32)>) -> u64 {
    if !tree {
        return parents.get(&root).map_or(0, |s| s.0);
    }
    let mut total = 0;
    for (&pid, &(ticks, _)) in parents {
        let mut p = pid;
        for _ in 0..16 {
            if p == root {
                total += ticks;
                break;
            }
            match parents.get(&p) {
                Some(&(_, pp)) if pp != 0 && pp != p => p = pp,
                _ => break,
            }
        }
    }
    total
}

/// Finds a process whose command line contains every one of `needles` (e.g. the HAProxy of a cluster).
pub fn find_process(needles: &[&str], env_needle: Option<&str>) -> Option<u32> {
    all_pids().into_iter().find(|pid| {
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if !needles.iter().all(|n| cmd.contains(n)) {
            return false;
        }
        match env_needle {
            None => true,
            Some(e) => {
                let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
                String::from_utf8_lossy(&env).split('\0').any(|kv| kv == e)
            }
        }
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcSample {
    pub second: f64,
    /// name → (RSS KiB, CPU % of one core over the last interval)
    pub procs: BTreeMap<String, (u64, f64)>,
}

/// Samples the watched processes; `sample()` once a second from a background task.
pub struct Sampler {
    start: Instant,
    watched: Vec<Watched>,
    last: Option<(Instant, HashMap<String, u64>)>,
    pub samples: Vec<ProcSample>,
}

impl Sampler {
    pub fn new(start: Instant, watched: Vec<Watched>) -> Self {
        Sampler {
            start,
            watched,
            last: None,
            samples: Vec::new(),
        }
    }

    pub fn sample(&mut self) {
        let now = Instant::now();
        let parents: HashMap<u32, (u64, u32)> = if self.watched.iter().any(|w| w.tree) {
            all_pids()
                .into_iter()
                .filter_map(|p| Some((p, stat(p)?)))
                .collect()
        } else {
            self.watched
                .iter()
                .filter_map(|w| Some((w.pid, stat(w.pid)?)))
                .collect()
        };
        let mut ticks = HashMap::new();
        let mut procs = BTreeMap::new();
        for w in &self.watched {
            let t = cpu_ticks(w.pid, w.tree, &parents);
            ticks.insert(w.name.clone(), t);
            let cpu = match &self.last {
                Some((at, prev)) => {
                    let dt = now.duration_since(*at).as_secs_f64().max(0.001);
                    let d = t.saturating_sub(prev.get(&w.name).copied().unwrap_or(t));
                    100.0 * d as f64 / TICKS_PER_SECOND / dt
                }
                None => 0.0,
            };
            let rss = rss_kib(w.pid).unwrap_or(0);
            procs.insert(w.name.clone(), (rss, cpu));
        }
        if self.last.is_some() {
            self.samples.push(ProcSample {
                second: now.duration_since(self.start).as_secs_f64(),
                procs,
            });
        }
        self.last = Some((now, ticks));
    }

    /// Sum of the instances' RSS now.
    pub fn instances_rss_kib(&self) -> u64 {
        self.watched
            .iter()
            .filter(|w| w.instance)
            .filter_map(|w| rss_kib(w.pid))
            .sum()
    }

    /// Mean CPU % per process over samples whose time lies in [from, to] seconds.
    pub fn mean_cpu(&self, from: f64, to: f64) -> BTreeMap<String, f64> {
        let mut sums: BTreeMap<String, (f64, u32)> = BTreeMap::new();
        for s in self
            .samples
            .iter()
            .filter(|s| s.second >= from && s.second <= to)
        {
            for (name, (_, cpu)) in &s.procs {
                let e = sums.entry(name.clone()).or_default();
                e.0 += cpu;
                e.1 += 1;
            }
        }
        sums.into_iter()
            .map(|(k, (s, n))| (k, if n == 0 { 0.0 } else { s / f64::from(n) }))
            .collect()
    }
}

/// Runs `sampler.sample()` every second until the returned handle is aborted.
pub fn spawn_sampler(
    sampler: std::sync::Arc<std::sync::Mutex<Sampler>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let s = sampler.clone();
            let _ = tokio::task::spawn_blocking(move || {
                s.lock().unwrap_or_else(|e| e.into_inner()).sample()
            })
            .await;
        }
    })
}
