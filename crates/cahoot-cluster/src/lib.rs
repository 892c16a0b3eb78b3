//! The local cluster (the distributed topology of docs/operations.md), as processes on loopback: PostgreSQL, redis-server, N cahoot
//! instances and HAProxy with `deploy/haproxy/haproxy.cfg`. `make cluster` and the failover tests use
//! this same code. Everything is stopped when the `Cluster` is dropped, also when a test fails.

pub mod process;
pub mod services;

use anyhow::Context;
use process::{Proc, free_port, wait_for_http_ok};
use services::{Postgres, Redis};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// `deploy/haproxy/haproxy.cfg` has server lines for up to eight instances.
pub const MAX_INSTANCES: usize = 8;

#[derive(Debug, Clone)]
pub struct ClusterOptions {
    pub instances: usize,
    /// The `cahoot` binary to run.
    pub cahoot_bin: PathBuf,
    /// HAProxy's public port; a free one when `None`.
    pub public_port: Option<u16>,
    /// Seconds an instance stays not-ready after SIGTERM before it closes its listener.
    pub drain_secs: u64,
}

impl ClusterOptions {
    /// Two instances of `target/debug/cahoot` (or `$CAHOOT_BIN`).
    pub fn for_tests() -> Self {
        ClusterOptions {
            instances: 2,
            cahoot_bin: default_cahoot_bin(),
            public_port: None,
            drain_secs: 1,
        }
    }
}

/// The repository root (this crate lives in `crates/cahoot-cluster`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn default_cahoot_bin() -> PathBuf {
    std::env::var_os("CAHOOT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/debug/cahoot"))
}

pub struct Instance {
    pub port: u16,
    data_dir: PathBuf,
    proc: Option<Proc>,
}

impl Instance {
    pub fn is_running(&mut self) -> bool {
        self.proc.as_mut().is_some_and(Proc::is_running)
    }

    pub fn pid(&self) -> Option<u32> {
        self.proc.as_ref().and_then(Proc::pid)
    }
}

pub struct Cluster {
    options: ClusterOptions,
    pub postgres: Postgres,
    pub redis: Redis,
    pub instances: Vec<Instance>,
    haproxy: Option<Proc>,
    pub public_port: u16,
    pub stats_port: u16,
    keys_dir: PathBuf,
    // Last: dropped after every process is gone.
    dir: tempfile::TempDir,
}

impl Cluster {
    pub fn start(options: ClusterOptions) -> anyhow::Result<Cluster> {
        anyhow::ensure!(
            (1..=MAX_INSTANCES).contains(&options.instances),
            "the local cluster runs 1 to {MAX_INSTANCES} instances"
        );
        anyhow::ensure!(
            options.cahoot_bin.exists(),
            "{} does not exist: build it first (cargo build -p cahoot-server)",
            options.cahoot_bin.display()
        );
        let dir = tempfile::Builder::new()
            .prefix("cahoot-cluster-")
            .tempdir()?;
        // PostgreSQL runs as its own user and must be able to reach its data directory.
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )?;
        let postgres = Postgres::start(dir.path()).context("starting PostgreSQL")?;
        let redis = Redis::start(dir.path()).context("starting redis-server")?;
        let keys_dir = dir.path().join("keys");
        let public_port = match options.public_port {
            Some(p) => p,
            None => free_port()?,
        };
        let mut cluster = Cluster {
            instances: Vec::new(),
            haproxy: None,
            stats_port: free_port()?,
            public_port,
            keys_dir,
            postgres,
            redis,
            options,
            dir,
        };
        cluster.init_keys()?;
        for i in 0..cluster.options.instances {
            let data_dir = cluster.dir.path().join(format!("instance{i}"));
            cluster.instances.push(Instance {
                port: free_port()?,
                data_dir,
                proc: None,
            });
        }
        // Start them together: migrations must not race (advisory lock), so this also tests that.
        for i in 0..cluster.instances.len() {
            cluster.spawn_instance(i)?;
        }
        for i in 0..cluster.instances.len() {
            cluster.wait_ready(i)?;
        }
        cluster.start_haproxy()?;
        Ok(cluster)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.public_port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.public_port)
    }

    pub fn instance_url(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.instances[i].port)
    }

    /// Signing keys shared by every instance (compose does the same with a one-shot service).
    fn init_keys(&self) -> anyhow::Result<()> {
        let out = Command::new(&self.options.cahoot_bin)
            .args(["keys", "init"])
            .env("CAHOOT_KEYS_DIR", &self.keys_dir)
            .env("CAHOOT_DATA_DIR", self.dir.path().join("keyinit"))
            .output()
            .context("running cahoot keys init")?;
        anyhow::ensure!(
            out.status.success(),
            "cahoot keys init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }

    fn spawn_instance(&mut self, i: usize) -> anyhow::Result<()> {
        let inst = &self.instances[i];
        let mut cmd = Command::new(&self.options.cahoot_bin);
        cmd.arg("serve")
            .env("CAHOOT_HOST", "127.0.0.1")
            .env("CAHOOT_PORT", inst.port.to_string())
            .env("CAHOOT_DATA_DIR", &inst.data_dir)
            .env("CAHOOT_DATABASE_URL", self.postgres.url())
            .env("CAHOOT_LIVE_URL", self.redis.url())
            .env("CAHOOT_KEYS_DIR", &self.keys_dir)
            .env("CAHOOT_TRUST_PROXY", "true")
            .env("CAHOOT_DRAIN_SECS", self.options.drain_secs.to_string())
            .env("CAHOOT_SHUTDOWN_TIMEOUT_SECS", "5")
            .env("CAHOOT_LOG_FORMAT", "json");
        let log = self.dir.path().join(format!("instance{i}.log"));
        let proc = Proc::spawn(format!("cahoot{i}"), cmd, &log)?;
        self.instances[i].proc = Some(proc);
        Ok(())
    }

    fn wait_ready(&self, i: usize) -> anyhow::Result<()> {
        wait_for_http_ok(
            self.instances[i].port,
            "/readyz",
            READY_TIMEOUT,
            &format!("cahoot{i}"),
        )
        .with_context(|| {
            let log = self.dir.path().join(format!("instance{i}.log"));
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: String = tail.lines().rev().take(20).collect::<Vec<_>>().join("\n");
            format!("instance {i} log (last lines, newest first):\n{tail}")
        })
    }

    fn start_haproxy(&mut self) -> anyhow::Result<()> {
        let mut cmd = Command::new("haproxy");
        cmd.arg("-db")
            .arg("-f")
            .arg(repo_root().join("deploy/haproxy/haproxy.cfg"))
            .env(
                "CAHOOT_PUBLIC_BIND",
                format!("127.0.0.1:{}", self.public_port),
            )
            .env(
                "HAPROXY_STATS_BIND",
                format!("127.0.0.1:{}", self.stats_port),
            );
        // The shared config has server lines CAHOOT_S1..CAHOOT_S8, each present only when its variable is set.
        // Unset the ones we do not use, in case the caller's environment has them.
        for n in 1..=MAX_INSTANCES {
            cmd.env_remove(format!("CAHOOT_S{n}"));
            cmd.env_remove(format!("CAHOOT_S{n}_OPTS"));
        }
        cmd.env_remove("HAPROXY_USE_DNS");
        for (i, inst) in self.instances.iter().enumerate() {
            cmd.env(
                format!("CAHOOT_S{}", i + 1),
                format!("127.0.0.1:{}", inst.port),
            );
        }
        let log = self.dir.path().join("haproxy.log");
        self.haproxy = Some(Proc::spawn("haproxy", cmd, &log).context("haproxy is not installed")?);
        wait_for_http_ok(self.public_port, "/readyz", READY_TIMEOUT, "haproxy")
    }

    /// SIGKILL one instance: no drain, no goodbye — a crashed machine.
    pub fn kill_instance(&mut self, i: usize) {
        if let Some(mut p) = self.instances[i].proc.take() {
            p.kill();
        }
    }

    /// SIGTERM one instance and wait for it to exit; returns whether it exited within `grace`.
    pub fn terminate_instance(&mut self, i: usize, grace: Duration) -> bool {
        self.instances[i]
            .proc
            .take()
            .is_none_or(|mut p| p.terminate(grace))
    }

    /// Starts a stopped instance again on its port and waits until it is ready.
    pub fn restart_instance(&mut self, i: usize) -> anyhow::Result<()> {
        self.spawn_instance(i)?;
        self.wait_ready(i)
    }

    pub fn log_of_instance(&self, i: usize) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("instance{i}.log")))
            .unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // HAProxy first so no client is routed to a dying instance, then the instances, then the stores.
        self.haproxy.take();
        for inst in &mut self.instances {
            inst.proc.take();
        }
        self.postgres.stop();
    }
}
