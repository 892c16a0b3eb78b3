//! `spawn_app()` starts the real server in this process on a free loopback port with a fresh SQLite
//! database and key directory in a temp dir; `TestApp` has request helpers for the API.

use cahoot_server::{AppState, Config};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::assert::access_token;

/// A password every test account uses (not a common one).
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// A client with its own cookie store (refresh cookies are kept between calls).
    pub client: Client,
    /// The running app's state: direct access to the stores and keys.
    pub state: AppState,
    pub config: Config,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    dir: Arc<tempfile::TempDir>,
}

/// A server with the default test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server whose configuration `configure` adjusts (data directory and port are set already).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let mut config = Config {
        port: 0,
        data_dir: dir.path().join("data"),
        shutdown_timeout_secs: 1,
        // Tests answer as soon as a question is shown; the lead-in has its own tests.
        question_lead_in_ms: 0,
        ..Config::default()
    };
    configure(&mut config);
    start(config, dir).await
}

async fn start(config: Config, dir: Arc<tempfile::TempDir>) -> TestApp {
    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port))
        .await
        .expect("bind a free port");
    let addr = listener.local_addr().expect("bound address");
    let state = cahoot_server::build_state(config.clone())
        .await
        .expect("build app state");
    let (tx, rx) = oneshot::channel();
    let server = tokio::spawn(cahoot_server::serve(state.clone(), listener, async {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        base: format!("http://{addr}"),
        client: new_client(),
        state,
        config,
        shutdown: Some(tx),
        server: Some(server),
        dir,
    }
}

/// A client with its own cookie store, like a second browser.
pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

impl TestApp {
    /// `ws://127.0.0.1:PORT/ws`
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    pub fn keys_dir(&self) -> PathBuf {
        self.config.keys_dir()
    }

    /// Stops the server and starts a new one on the same data directory (a fresh port).
    pub async fn restart(mut self) -> TestApp {
        self.stop().await;
        let mut config = self.config.clone();
        config.port = 0;
        start(config, self.dir.clone()).await
    }

    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("GET")
    }

    /// GETs `path` and parses the JSON body (whatever the status).
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> Value {
        self.get(path, token).await.json().await.expect("JSON body")
    }

    /// The id of the host signed in with `token`.
    pub async fn user_id(&self, token: &str) -> Uuid {
        let me = self.get_json("/api/auth/me", Some(token)).await;
        me["id"].as_str().expect("user id").parse().expect("a UUID")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("POST")
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("PUT")
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("DELETE")
    }

    pub async fn register(&self, username: &str, password: &str) -> Response {
        self.post(
            "/api/auth/register",
            None,
            &json!({"username": username, "password": password}),
        )
        .await
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post(
            "/api/auth/login",
            None,
            &json!({"username": username, "password": password}),
        )
        .await
    }

    /// Registers `username` with [`PASSWORD`] and returns the session's access token.
    pub async fn register_and_login(&self, username: &str) -> String {
        let response = self.register(username, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "registering {username}"
        );
        access_token(response).await
    }

    /// Refreshes with the client's cookie store.
    pub async fn refresh(&self) -> Response {
        self.client
            .post(self.url("/api/auth/refresh"))
            .send()
            .await
            .expect("POST refresh")
    }

    /// Refreshes presenting exactly `refresh_token` (no cookie store).
    pub async fn refresh_with(&self, refresh_token: &str) -> Response {
        Client::new()
            .post(self.url("/api/auth/refresh"))
            .header("cookie", format!("cahoot_refresh={refresh_token}"))
            .send()
            .await
            .expect("POST refresh")
    }

    pub async fn create_quiz(&self, token: &str, quiz: &Value) -> Response {
        self.post("/api/quizzes", Some(token), quiz).await
    }

    /// Creates `quiz` (request JSON), asserting it was accepted; returns its id.
    pub async fn create_quiz_id(&self, token: &str, quiz: &Value) -> Uuid {
        let response = self.create_quiz(token, quiz).await;
        assert_eq!(response.status(), StatusCode::CREATED, "creating a quiz");
        let quiz: crate::api::Quiz = response.json().await.expect("quiz JSON");
        quiz.id
    }

    /// Creates the sample quiz and returns its id.
    pub async fn create_sample_quiz(&self, token: &str) -> Uuid {
        let response = self
            .post("/api/quizzes/sample", Some(token), &json!({}))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let quiz: Value = response.json().await.expect("quiz JSON");
        quiz["id"].as_str().unwrap().parse().unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The sample quiz as request JSON.
pub fn sample_quiz_json() -> Value {
    serde_json::to_value(cahoot_game::sample_quiz()).expect("quiz JSON")
}
