//! Private store servers for tests, started from the installed binaries on free loopback ports: a
//! redis-server per test (cheap), and one PostgreSQL server per test process with a fresh database per
//! test (initdb takes a second or two). The processes themselves are `cahoot-cluster`'s, so tests run
//! the stores exactly as the local cluster does.
//!
//! Each server gets a watchdog that kills it when the test process exits: a failing test binary exits
//! without dropping statics, and a leaked server would keep its port and temp dir.

use cahoot_cluster::process::kill_when_we_exit;
use cahoot_cluster::services::{Postgres, Redis};
use std::sync::OnceLock;

pub use cahoot_cluster::process::free_port;

/// A redis-server (the Valkey protocol stand-in) of its own, killed (SIGKILL) on drop.
pub struct RedisServer {
    // Before the directory: the server stops before its data goes.
    redis: Redis,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts one and waits until it accepts connections.
    pub fn start() -> RedisServer {
        let dir = tempfile::Builder::new()
            .prefix("cahoot-redis-")
            .tempdir()
            .expect("temp dir");
        let redis = Redis::start(dir.path())
            .expect("redis-server is installed (apt-get install redis-server)");
        if let Some(pid) = redis.pid() {
            kill_when_we_exit(pid).expect("watchdog");
        }
        RedisServer { redis, _dir: dir }
    }

    /// `redis://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        self.redis.url()
    }
}

/// The PostgreSQL server of this test process, started on first use.
pub fn shared_postgres() -> &'static Postgres {
    static PG: OnceLock<(Postgres, tempfile::TempDir)> = OnceLock::new();
    &PG.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("cahoot-pg-")
            .tempdir()
            .expect("temp dir");
        // PostgreSQL may run as its own user (when we are root) and must reach its data directory.
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("chmod temp dir");
        let pg = Postgres::start(dir.path())
            .expect("PostgreSQL is installed (apt-get install postgresql)");
        if let Some(pid) = pg.pid() {
            kill_when_we_exit(pid).expect("watchdog");
        }
        (pg, dir)
    })
    .0
}

/// A URL of a new, empty database on [`shared_postgres`].
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
