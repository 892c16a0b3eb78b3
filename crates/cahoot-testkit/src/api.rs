//! A typed REST client for any Cahoot base URL (a cluster's HAProxy, one instance, a `TestApp`): a host
//! signed in once, with the requests the cluster tests make.

use crate::app::PASSWORD;
use reqwest::{Client, Response, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// The body of `POST /api/auth/register` and `/api/auth/login`.
#[derive(Debug, Deserialize)]
pub struct Session {
    pub access_token: String,
}

/// A quiz as the API returns it (the fields tests use).
#[derive(Debug, Deserialize)]
pub struct Quiz {
    pub id: Uuid,
    pub title: String,
}

/// The body of `POST /api/games`.
#[derive(Debug, Deserialize)]
pub struct CreatedGame {
    pub game_id: String,
    pub pin: String,
}

/// The body of `POST /api/play/join`.
#[derive(Debug, Deserialize)]
pub struct Joined {
    pub game_id: String,
    pub player_id: String,
    pub player_token: String,
}

pub struct Api {
    /// `http://HOST:PORT`
    pub base: String,
    /// With a cookie store: the refresh cookie is kept between calls.
    pub http: Client,
    /// The host's access token.
    pub token: String,
}

impl Api {
    /// Registers `username` with [`PASSWORD`] at `base` and keeps the session.
    pub async fn register(base: &str, username: &str) -> Api {
        let http = Client::builder()
            .cookie_store(true)
            .build()
            .expect("http client");
        let res = http
            .post(format!("{base}/api/auth/register"))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("POST register");
        assert_eq!(res.status(), StatusCode::CREATED, "register {username}");
        let session: Session = res.json().await.expect("session JSON");
        Api {
            base: base.to_owned(),
            http,
            token: session.access_token,
        }
    }

    /// Logs in as `username` (with `password`): the raw response, for throttling assertions.
    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.http
            .post(format!("{}/api/auth/login", self.base))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("POST login")
    }

    /// POSTs `body` to `path`, with the host's token when `auth`.
    pub async fn post(&self, path: &str, body: Value, auth: bool) -> Response {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if auth {
            req = req.bearer_auth(&self.token);
        }
        req.send().await.expect("POST")
    }

    /// GETs `path` with the host's token.
    pub async fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("GET")
    }

    /// Creates `quiz` (request JSON), asserting it was accepted.
    pub async fn create_quiz(&self, quiz: &Value) -> Quiz {
        let res = self.post("/api/quizzes", quiz.clone(), true).await;
        assert_eq!(res.status(), StatusCode::CREATED, "create quiz");
        res.json().await.expect("quiz JSON")
    }

    /// Starts a live game of `quiz_id`.
    pub async fn start_game(&self, quiz_id: Uuid) -> CreatedGame {
        let res = self
            .post("/api/games", json!({"quiz_id": quiz_id}), true)
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "start game");
        res.json().await.expect("created game JSON")
    }

    /// Joins the game with `pin` as `nickname` (no host token needed).
    pub async fn join(&self, pin: &str, nickname: &str) -> Joined {
        let res = self
            .post(
                "/api/play/join",
                json!({"pin": pin, "nickname": nickname}),
                false,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "join {nickname}");
        res.json().await.expect("join JSON")
    }

    /// The stored results of game `game_id` (`GET /api/games/{id}`): the raw response, as a game still
    /// being stored is a 404.
    pub async fn stored_game(&self, game_id: &str) -> Response {
        self.get(&format!("/api/games/{game_id}")).await
    }
}
