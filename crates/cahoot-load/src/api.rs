//! The REST calls a load run needs: an account, a quiz, a game, joins, results.

use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::time::Duration;

pub const PASSWORD: &str = "load test password 4 cahoot";

pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
}

pub fn client(max_idle: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(max_idle)
        .timeout(Duration::from_secs(30))
        .tcp_nodelay(true)
        .build()
        .expect("HTTP client")
}

impl Api {
    /// Logs in as `username`, registering it first when it does not exist yet.
    pub async fn login_or_register(base: &str, username: &str) -> anyhow::Result<Api> {
        let http = client(64);
        let body = json!({"username": username, "password": PASSWORD});
        let res = http
            .post(format!("{base}/api/auth/login"))
            .json(&body)
            .send()
            .await
            .context("login")?;
        let res = if res.status() == 401 {
            http.post(format!("{base}/api/auth/register"))
                .json(&body)
                .send()
                .await
                .context("register")?
        } else {
            res
        };
        let status = res.status();
        let v: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("login/register as {username}: {status} {v}");
        }
        let token = v["access_token"]
            .as_str()
            .context("no access_token")?
            .to_owned();
        Ok(Api {
            base: base.to_owned(),
            http,
            token,
        })
    }

    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        let status = res.status().as_u16();
        Ok((status, res.json().await.unwrap_or(Value::Null)))
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<(u16, Value)> {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = res.status().as_u16();
        Ok((status, res.json().await.unwrap_or(Value::Null)))
    }

    pub async fn create_quiz(&self, body: &Value) -> anyhow::Result<String> {
        let (status, v) = self.post("/api/quizzes", body).await?;
        if status != 201 {
            bail!("create quiz: {status} {v}");
        }
        Ok(v["id"].as_str().context("quiz id")?.to_owned())
    }

    /// Starts a live game; returns (game id, PIN).
    pub async fn create_game(&self, quiz_id: &str) -> anyhow::Result<(String, String)> {
        let (status, v) = self
            .post("/api/games", &json!({ "quiz_id": quiz_id }))
            .await?;
        if status != 201 {
            bail!("create game: {status} {v}");
        }
        Ok((
            v["game_id"].as_str().context("game id")?.to_owned(),
            v["pin"].as_str().context("pin")?.to_owned(),
        ))
    }

    /// The stored results of a finished game (retried until present: storing is asynchronous).
    pub async fn results(&self, game_id: &str, within: Duration) -> anyhow::Result<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let (status, v) = self.get(&format!("/api/games/{game_id}")).await?;
            if status == 200 {
                return Ok(v);
            }
            if tokio::time::Instant::now() > deadline {
                bail!(
                    "results of game {game_id} not stored within {within:?} (last status {status})"
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// A quiz of `questions` four-answer multiple-choice questions (the HTTP load's payload).
pub fn quiz(questions: u32, time_limit_secs: u32) -> Value {
    crate::load_quiz::LoadQuiz {
        questions,
        time_limit_secs,
        mixed: false,
    }
    .to_json()
}
