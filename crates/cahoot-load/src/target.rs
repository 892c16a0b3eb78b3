//! The system under test: an existing deployment (`--url`), an embedded `cahoot serve` started here
//! (`--embedded`), or a local cluster started here (`--cluster N`: PostgreSQL, redis-server, N instances,
//! HAProxy — the `cahoot-cluster` crate).

use crate::procs::{Watched, find_process};
use anyhow::Context;
use cahoot_cluster::{Cluster, ClusterOptions};
use clap::Args;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

#[derive(Args, Debug, Clone)]
pub struct TargetArgs {
    /// Base URL of a running deployment, e.g. http://127.0.0.1:8080.
    #[arg(long, conflicts_with_all = ["embedded", "cluster"])]
    pub url: Option<String>,
    /// Start an embedded `cahoot serve` (SQLite + in-process live store) for this run.
    #[arg(long)]
    pub embedded: bool,
    /// Start a local cluster of N instances (PostgreSQL, redis-server, HAProxy) for this run.
    #[arg(long, value_name = "N", conflicts_with = "embedded")]
    pub cluster: Option<usize>,
    /// The cahoot binary for --embedded/--cluster (default: $CAHOOT_BIN, target/release/cahoot, target/debug/cahoot).
    #[arg(long)]
    pub cahoot_bin: Option<PathBuf>,
    /// Server process ids to watch (RSS, CPU) when testing a deployment given by --url.
    #[arg(long = "pid", value_delimiter = ',')]
    pub pids: Vec<u32>,
    /// Connect WebSockets straight to the instances instead of through HAProxy (--cluster only). One HAProxy
    /// process carries at most ~9 900 clients on machines with a 20 000 open-files limit.
    #[arg(long)]
    pub direct: bool,
    /// redis/valkey URL of the deployment's live store, to verify answers against it (set by --cluster).
    #[arg(long)]
    pub live_url: Option<String>,
}

pub struct Target {
    pub base_url: String,
    /// Where WebSockets connect, round robin (HAProxy or the instances directly).
    pub ws_urls: Vec<String>,
    pub live_url: Option<String>,
    pub cluster: Option<Cluster>,
    embedded: Option<Embedded>,
    pub description: String,
    extra_pids: Vec<u32>,
}

struct Embedded {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Embedded {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn default_cahoot_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("CAHOOT_BIN") {
        return PathBuf::from(p);
    }
    let root = cahoot_cluster::repo_root();
    let release = root.join("target/release/cahoot");
    if release.exists() {
        release
    } else {
        root.join("target/debug/cahoot")
    }
}

fn ws_of(http: &str) -> String {
    let base = http.trim_end_matches('/');
    let ws = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    };
    format!("{ws}/ws")
}

impl Target {
    pub async fn start(args: &TargetArgs) -> anyhow::Result<Target> {
        let bin = args.cahoot_bin.clone().unwrap_or_else(default_cahoot_bin);
        if let Some(n) = args.cluster {
            let options = ClusterOptions {
                instances: n,
                cahoot_bin: bin.clone(),
                public_port: None,
                drain_secs: 1,
            };
            eprintln!(
                "starting a local cluster of {n} instance(s) with {}",
                bin.display()
            );
            let cluster = tokio::task::spawn_blocking(move || Cluster::start(options))
                .await?
                .context("starting the local cluster")?;
            let ws_urls = if args.direct {
                (0..n).map(|i| ws_of(&cluster.instance_url(i))).collect()
            } else {
                vec![cluster.ws_url()]
            };
            return Ok(Target {
                base_url: cluster.url(),
                ws_urls,
                live_url: Some(cluster.redis.url()),
                description: format!(
                    "local cluster: {n} instance(s) ({}), PostgreSQL, redis-server, HAProxy{}",
                    bin.display(),
                    if args.direct {
                        "; WebSockets direct to instances"
                    } else {
                        ""
                    }
                ),
                cluster: Some(cluster),
                embedded: None,
                extra_pids: args.pids.clone(),
            });
        }
        if args.embedded {
            let dir = tempfile::Builder::new().prefix("cahoot-load-").tempdir()?;
            let log = std::fs::File::create(dir.path().join("cahoot.log"))?;
            let mut child = Command::new(&bin)
                .arg("serve")
                .env("CAHOOT_HOST", "127.0.0.1")
                .env("CAHOOT_PORT", "0")
                .env("CAHOOT_DATA_DIR", dir.path().join("data"))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(log)
                .spawn()
                .with_context(|| format!("starting {}", bin.display()))?;
            let _ = cahoot_cluster::process::kill_when_we_exit(child.id());
            let stdout = child.stdout.take().context("no stdout")?;
            let line = tokio::task::spawn_blocking(move || {
                let mut reader = BufReader::new(stdout);
                let mut line = String::new();
                while reader.read_line(&mut line).ok()? > 0 {
                    if line.contains("listening on") {
                        // keep draining stdout so the child never blocks on a full pipe
                        std::thread::spawn(move || {
                            let mut sink = String::new();
                            while reader.read_line(&mut sink).is_ok_and(|n| n > 0) {
                                sink.clear();
                            }
                        });
                        return Some(line);
                    }
                    line.clear();
                }
                None
            })
            .await?
            .context("cahoot serve did not print its address")?;
            let url = line
                .split_whitespace()
                .last()
                .context("no URL in the listening line")?
                .to_owned();
            let pid = child.id();
            return Ok(Target {
                ws_urls: vec![ws_of(&url)],
                description: format!(
                    "embedded: one `cahoot serve` ({}), SQLite + in-process live store",
                    bin.display()
                ),
                base_url: url,
                live_url: None,
                cluster: None,
                embedded: Some(Embedded { child, _dir: dir }),
                extra_pids: {
                    let mut p = args.pids.clone();
                    p.push(pid);
                    p
                },
            });
        }
        let url = args
            .url
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
        Ok(Target {
            ws_urls: vec![ws_of(&url)],
            description: format!("deployment at {url}"),
            base_url: url.trim_end_matches('/').to_owned(),
            live_url: args.live_url.clone(),
            cluster: None,
            embedded: None,
            extra_pids: args.pids.clone(),
        })
    }

    /// The processes to watch: this load generator, the instances, and (cluster) HAProxy, redis, PostgreSQL.
    pub fn watched(&self) -> Vec<Watched> {
        let mut w = vec![Watched {
            name: "cahoot-load".into(),
            pid: std::process::id(),
            tree: false,
            instance: false,
        }];
        if let Some(c) = &self.cluster {
            for (i, inst) in c.instances.iter().enumerate() {
                if let Some(pid) = inst.pid() {
                    w.push(Watched {
                        name: format!("cahoot{i}"),
                        pid,
                        tree: false,
                        instance: true,
                    });
                }
            }
            let bind = format!("CAHOOT_PUBLIC_BIND=127.0.0.1:{}", c.public_port);
            if let Some(pid) = find_process(&["haproxy"], Some(&bind)) {
                w.push(Watched {
                    name: "haproxy".into(),
                    pid,
                    tree: true,
                    instance: false,
                });
            }
            let port = format!(":{}", c.redis.port);
            if let Some(pid) = find_process(&["redis-server", &port], None) {
                w.push(Watched {
                    name: "redis".into(),
                    pid,
                    tree: false,
                    instance: false,
                });
            }
            if let Some(pid) = c.postgres.pid() {
                w.push(Watched {
                    name: "postgres".into(),
                    pid,
                    tree: true,
                    instance: false,
                });
            }
        }
        let embedded_pid = self.embedded.as_ref().map(|e| e.child.id());
        for &pid in &self.extra_pids {
            w.push(Watched {
                name: if Some(pid) == embedded_pid {
                    "cahoot".into()
                } else {
                    format!("pid{pid}")
                },
                pid,
                tree: false,
                instance: true,
            });
        }
        w
    }

    /// Pid → instance index, to find which instance holds most sockets.
    pub fn instance_pids(&self) -> Vec<Option<u32>> {
        self.cluster
            .as_ref()
            .map(|c| c.instances.iter().map(|i| i.pid()).collect())
            .unwrap_or_default()
    }
}
