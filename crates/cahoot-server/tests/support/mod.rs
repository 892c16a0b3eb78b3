//! Test fixtures shared by integration test binaries: private redis-server instances on free ports.

#![allow(dead_code)]

use async_trait::async_trait;
use cahoot_game::model::{PlayerRecord, RecordOutcome};
use cahoot_game::{AcceptedAnswer, GamePin, GameState, Nickname};
use cahoot_server::live::{GameMeta, LiveError, LiveMessage, LiveStore};
use futures_util::stream::BoxStream;
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

/// A live store that owns the server it talks to, so the server lives exactly as long as the store.
pub struct WithServer<S> {
    pub store: S,
    pub _server: RedisServer,
}

#[async_trait]
impl<S: LiveStore> LiveStore for WithServer<S> {
    fn backend(&self) -> &'static str {
        self.store.backend()
    }
    async fn ping(&self) -> Result<(), LiveError> {
        self.store.ping().await
    }
    async fn create_game(&self, meta: GameMeta) -> Result<(), LiveError> {
        self.store.create_game(meta).await
    }
    async fn game_id_by_pin(&self, pin: GamePin) -> Result<Option<String>, LiveError> {
        self.store.game_id_by_pin(pin).await
    }
    async fn meta(&self, game_id: &str) -> Result<Option<GameMeta>, LiveError> {
        self.store.meta(game_id).await
    }
    async fn state(&self, game_id: &str) -> Result<Option<GameState>, LiveError> {
        self.store.state(game_id).await
    }
    async fn cas_state(&self, game_id: &str, v: u64, s: &GameState) -> Result<bool, LiveError> {
        self.store.cas_state(game_id, v, s).await
    }
    async fn add_player(&self, g: &str, p: &str, n: &Nickname) -> Result<(), LiveError> {
        self.store.add_player(g, p, n).await
    }
    async fn players(&self, g: &str) -> Result<Vec<(String, PlayerRecord)>, LiveError> {
        self.store.players(g).await
    }
    async fn player_counts(&self, g: &str) -> Result<(u64, u64), LiveError> {
        self.store.player_counts(g).await
    }
    async fn player(&self, g: &str, p: &str) -> Result<Option<PlayerRecord>, LiveError> {
        self.store.player(g, p).await
    }
    async fn kick_player(&self, g: &str, p: &str) -> Result<bool, LiveError> {
        self.store.kick_player(g, p).await
    }
    async fn is_kicked(&self, g: &str, p: &str) -> Result<bool, LiveError> {
        self.store.is_kicked(g, p).await
    }
    async fn set_connected(&self, g: &str, p: &str, c: bool) -> Result<(), LiveError> {
        self.store.set_connected(g, p, c).await
    }
    async fn record_answer(
        &self,
        g: &str,
        p: &str,
        a: &str,
        q: u32,
        c: u32,
        now: u64,
    ) -> Result<RecordOutcome, LiveError> {
        self.store.record_answer(g, p, a, q, c, now).await
    }
    async fn answers(&self, g: &str, q: u32) -> Result<Vec<(String, AcceptedAnswer)>, LiveError> {
        self.store.answers(g, q).await
    }
    async fn answer_of(
        &self,
        g: &str,
        q: u32,
        p: &str,
    ) -> Result<Option<AcceptedAnswer>, LiveError> {
        self.store.answer_of(g, q, p).await
    }
    async fn answered_count(&self, g: &str, q: u32) -> Result<u64, LiveError> {
        self.store.answered_count(g, q).await
    }
    async fn heartbeat(&self, g: &str) -> Result<(), LiveError> {
        self.store.heartbeat(g).await
    }
    async fn next_seq(&self, g: &str) -> Result<u64, LiveError> {
        self.store.next_seq(g).await
    }
    async fn current_seq(&self, g: &str) -> Result<u64, LiveError> {
        self.store.current_seq(g).await
    }
    async fn publish(&self, g: &str, m: &LiveMessage) -> Result<(), LiveError> {
        self.store.publish(g, m).await
    }
    async fn subscribe(&self, g: &str) -> Result<BoxStream<'static, LiveMessage>, LiveError> {
        self.store.subscribe(g).await
    }
    async fn finish_game(&self, g: &str, keep: Duration) -> Result<(), LiveError> {
        self.store.finish_game(g, keep).await
    }
    async fn hit(&self, k: &str, w: Duration) -> Result<u64, LiveError> {
        self.store.hit(k, w).await
    }
    async fn peek(&self, k: &str) -> Result<u64, LiveError> {
        self.store.peek(k).await
    }
    async fn reset(&self, k: &str) -> Result<(), LiveError> {
        self.store.reset(k).await
    }
    async fn deny_token(&self, j: &str, t: Duration) -> Result<(), LiveError> {
        self.store.deny_token(j, t).await
    }
    async fn is_token_denied(&self, j: &str) -> Result<bool, LiveError> {
        self.store.is_token_denied(j).await
    }
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
