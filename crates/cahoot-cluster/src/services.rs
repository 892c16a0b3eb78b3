//! The backing services of the local cluster, from Debian's binaries: PostgreSQL and redis-server (the
//! Valkey protocol stand-in). Each runs on a free loopback port with its data in the cluster's directory,
//! and can be stopped and started again on the same port and data (failure tests).

use crate::process::{Proc, free_port, wait_for_port};
use anyhow::{Context, bail};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Finds Debian's PostgreSQL server binaries (not on PATH on a fresh machine).
fn pg_bin_dir() -> anyhow::Result<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (apt-get install postgresql)")?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("postgres").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .context("no PostgreSQL server binaries under /usr/lib/postgresql")
}

/// `initdb` refuses to run as root: when we are root, PostgreSQL runs as the `postgres` user.
fn postgres_ids() -> Option<(u32, u32)> {
    let euid = std::fs::metadata("/proc/self")
        .ok()
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))?;
    if euid != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.first() == Some(&"postgres"))
            .then(|| Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?)))?
    })
}

pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    logs: PathBuf,
    ids: Option<(u32, u32)>,
    pub port: u16,
    proc: Option<Proc>,
}

impl Postgres {
    pub fn start(dir: &Path) -> anyhow::Result<Postgres> {
        let bin = pg_bin_dir()?;
        let ids = postgres_ids();
        let data = dir.join("pg");
        std::fs::create_dir_all(&data)?;
        if let Some((uid, gid)) = ids {
            std::os::unix::fs::chown(&data, Some(uid), Some(gid))?;
        }
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .args([
                "-U",
                "app",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "-D",
            ])
            .arg(&data);
        as_postgres(&mut initdb, ids);
        let out = initdb.output().context("running initdb")?;
        if !out.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let mut pg = Postgres {
            bin,
            data,
            logs: dir.to_path_buf(),
            ids,
            port: free_port()?,
            proc: None,
        };
        pg.run()?;
        let mut create = Command::new(pg.bin.join("createdb"));
        create.args([
            "-h",
            "127.0.0.1",
            "-p",
            &pg.port.to_string(),
            "-U",
            "app",
            "cahoot",
        ]);
        let out = create.output().context("running createdb")?;
        if !out.status.success() {
            bail!("createdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(pg)
    }

    /// Starts the server on its port and data directory (again, after `stop`).
    pub fn run(&mut self) -> anyhow::Result<()> {
        let mut cmd = Command::new(self.bin.join("postgres"));
        cmd.arg("-D")
            .arg(&self.data)
            .args(["-p", &self.port.to_string(), "-k", "/tmp"]);
        cmd.args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "max_connections=200",
        ]);
        as_postgres(&mut cmd, self.ids);
        self.proc = Some(Proc::spawn(
            "postgres",
            cmd,
            &self.logs.join("postgres.log"),
        )?);
        wait_for_port(self.port, START_TIMEOUT, "postgres")?;
        // Accepting TCP is not accepting queries yet; pg_isready knows the difference.
        for _ in 0..200 {
            let ok = Command::new(self.bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .output()
                .is_ok_and(|o| o.status.success());
            if ok {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        bail!("postgres never became ready")
    }

    /// Fast shutdown (SIGINT): open connections are cut, like a database server going away.
    pub fn stop(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.stop_with("INT", Duration::from_secs(10));
        }
    }

    pub fn url(&self) -> String {
        self.url_of("cahoot")
    }

    pub fn url_of(&self, database: &str) -> String {
        format!("postgres://app@127.0.0.1:{}/{database}", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.proc.as_ref().and_then(Proc::pid)
    }
}

fn as_postgres(cmd: &mut Command, ids: Option<(u32, u32)>) {
    if let Some((uid, gid)) = ids {
        cmd.uid(uid).gid(gid);
    }
}

pub struct Redis {
    dir: PathBuf,
    pub port: u16,
    proc: Option<Proc>,
}

impl Redis {
    pub fn start(dir: &Path) -> anyhow::Result<Redis> {
        let dir = dir.join("redis");
        std::fs::create_dir_all(&dir)?;
        let mut r = Redis {
            dir,
            port: free_port()?,
            proc: None,
        };
        r.run()?;
        Ok(r)
    }

    /// AOF with fsync every second: the documented loss window of a Valkey restart (about one second of live
    /// writes, docs/operations.md).
    pub fn run(&mut self) -> anyhow::Result<()> {
        let mut cmd = Command::new("redis-server");
        cmd.args([
            "--port",
            &self.port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ]);
        cmd.args([
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--maxclients",
            "20000",
        ]);
        cmd.arg("--dir").arg(&self.dir);
        self.proc = Some(
            Proc::spawn("redis-server", cmd, &self.dir.join("redis.log"))
                .context("redis-server is not installed (apt-get install redis-server)")?,
        );
        wait_for_port(self.port, START_TIMEOUT, "redis-server")
    }

    /// A clean restart: SIGTERM lets redis flush its AOF, then it starts again on the same port.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        if let Some(mut p) = self.proc.take() {
            p.terminate(Duration::from_secs(10));
        }
        self.run()
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.proc.as_ref().and_then(Proc::pid)
    }
}
