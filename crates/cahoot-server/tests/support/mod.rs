//! Test fixtures shared by integration test binaries: private redis-server instances on free ports.

#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A redis-server child process, killed on drop.
pub struct RedisServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl RedisServer {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "yes", "--appendfsync", "everysec"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (apt-get install redis-server)");
        let server = RedisServer {
            child,
            port,
            _dir: dir,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One redis-server per test process; a watchdog kills it when the test process exits.
pub fn shared_redis() -> &'static RedisServer {
    static REDIS: std::sync::OnceLock<RedisServer> = std::sync::OnceLock::new();
    REDIS.get_or_init(|| {
        let server = RedisServer::start();
        cahoot_cluster::process::kill_when_we_exit(server.child.id()).expect("watchdog");
        server
    })
}

/// One PostgreSQL server per test process (initdb takes a second or two), with a fresh database per
/// test. A watchdog kills the server when the test process exits.
pub fn shared_postgres() -> &'static cahoot_cluster::services::Postgres {
    static PG: std::sync::OnceLock<(cahoot_cluster::services::Postgres, tempfile::TempDir)> =
        std::sync::OnceLock::new();
    &PG.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("cahoot-pg-")
            .tempdir()
            .expect("temp dir");
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("chmod temp dir");
        let pg = cahoot_cluster::services::Postgres::start(dir.path())
            .expect("PostgreSQL is installed (apt-get install postgresql)");
        if let Some(pid) = pg.pid() {
            cahoot_cluster::process::kill_when_we_exit(pid).expect("watchdog");
        }
        (pg, dir)
    })
    .0
}

/// A URL of a new, empty PostgreSQL database.
pub async fn fresh_postgres_database() -> String {
    use sqlx::{Connection, Executor};
    let pg = tokio::task::spawn_blocking(shared_postgres)
        .await
        .expect("start postgres");
    let name = format!("t{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&pg.url_of("postgres"))
        .await
        .expect("connect");
    let create = format!("CREATE DATABASE {name}");
    // The name is generated here from a UUID, never from input.
    admin
        .execute(sqlx::AssertSqlSafe(create))
        .await
        .expect("create database");
    pg.url_of(&name)
}
