//! Reads a finished game's players and answers straight from Valkey, for the run's verification. The load
//! tool reads these few keys itself instead of linking the whole server (and its database drivers) for
//! them.
//!
//! The key layout it relies on (the source of truth is `crates/cahoot-server/src/live/valkey.rs`; keep
//! this in step with it), with the default key prefix `cahoot` and the game's hash tag `{g:<game id>}`:
//!
//! - `cahoot:{g:<id>}:scores`: sorted set, player id → score. Joining adds a member and kicking removes
//!   it, so its members are the roster.
//! - `cahoot:{g:<id>}:players`: hash, player id → JSON `{"nickname": …, …}`.
//! - `cahoot:{g:<id>}:answers:<question index>`: hash, player id → JSON
//!   `{"answer_id": …, "value": {"choice": …}, "points": …, …}`, one entry per recorded answer.

use anyhow::Context;
use redis::aio::MultiplexedConnection;
use std::collections::HashMap;

const PREFIX: &str = "cahoot";

pub struct LiveReader {
    conn: MultiplexedConnection,
}

/// One player as the live store has them.
pub struct StoredPlayer {
    pub id: String,
    pub nickname: String,
    pub score: u64,
}

/// One recorded answer (the fields the verification compares).
#[derive(serde::Deserialize)]
pub struct StoredAnswer {
    pub answer_id: String,
    /// The answer as stored (`cahoot_game::AnswerValue` as JSON: `{"choice": 1}`, `{"order": […]}`, …).
    pub value: serde_json::Value,
    pub points: u32,
}

#[derive(serde::Deserialize)]
struct PlayerJson {
    nickname: String,
}

fn key(game_id: &str, suffix: &str) -> String {
    format!("{PREFIX}:{{g:{game_id}}}:{suffix}")
}

impl LiveReader {
    pub async fn connect(url: &str) -> anyhow::Result<LiveReader> {
        // The server accepts `valkey://` too; the redis crate only knows `redis://`.
        let url = url.replacen("valkey://", "redis://", 1);
        let conn = redis::Client::open(url)?
            .get_multiplexed_async_connection()
            .await
            .context("connecting to the live store")?;
        Ok(LiveReader { conn })
    }

    /// Every player of the game still in it (kicked players are left out), by id.
    pub async fn players(&mut self, game_id: &str) -> anyhow::Result<Vec<StoredPlayer>> {
        let scores: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(key(game_id, "scores"))
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .query_async(&mut self.conn)
            .await?;
        if scores.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = scores.iter().map(|(id, _)| id.as_str()).collect();
        let raw: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(key(game_id, "players"))
            .arg(&ids)
            .query_async(&mut self.conn)
            .await?;
        let mut out = Vec::with_capacity(scores.len());
        for ((id, score), raw) in scores.into_iter().zip(raw) {
            // Kicked between the two reads: no record any more.
            let Some(raw) = raw else { continue };
            let p: PlayerJson =
                serde_json::from_str(&raw).with_context(|| format!("player record of {id}"))?;
            out.push(StoredPlayer {
                id,
                nickname: p.nickname,
                score: score as u64,
            });
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// The answers recorded for `question`, by player id.
    pub async fn answers(
        &mut self,
        game_id: &str,
        question: u32,
    ) -> anyhow::Result<HashMap<String, StoredAnswer>> {
        let raw: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(key(game_id, &format!("answers:{question}")))
            .query_async(&mut self.conn)
            .await?;
        raw.into_iter()
            .map(|(player, json)| {
                let answer = serde_json::from_str(&json)
                    .with_context(|| format!("answer of {player} to question {question}"))?;
                Ok((player, answer))
            })
            .collect()
    }
}
