//! The live store: running games, shared counters and the token denylist.
//!
//! One trait, two implementations: [`memory::MemoryLiveStore`] (embedded mode, one process) and a Valkey
//! implementation (distributed mode). Every operation that must not race is ONE call of this trait, so each
//! implementation can make it atomic (a lock in memory, a Lua script in Valkey). The contract suite in
//! `tests/live_contract.rs` runs against every implementation.

pub mod memory;
pub mod valkey;

use async_trait::async_trait;
use cahoot_game::model::{PlayerRecord, RecordOutcome};
use cahoot_game::{AcceptedAnswer, AnswerError, GamePin, GameState, Nickname, QuizInput};
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("game not found")]
    GameNotFound,
    #[error("that PIN is already in use")]
    PinTaken,
    #[error("that nickname is taken in this game")]
    NicknameTaken,
    #[error("that player was removed from this game")]
    Kicked,
    #[error("player not found in this game")]
    PlayerNotFound,
    #[error(transparent)]
    Answer(#[from] AnswerError),
    #[error("live store unavailable: {0}")]
    Unavailable(String),
}

/// What never changes during a game.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GameMeta {
    pub id: String,
    pub pin: GamePin,
    pub owner_id: String,
    pub quiz_id: String,
    pub quiz: QuizInput,
    pub created_at_ms: u64,
}

/// Messages published on a game's channel. Every instance holding sockets of the game receives them and
/// forwards to its local sockets, filtered per role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveMessage {
    /// The game state changed (phase, lock): every socket gets a fresh snapshot.
    StateChanged { seq: u64, version: u64 },
    PlayerJoined {
        seq: u64,
        player_id: String,
        nickname: String,
        /// Players in the game right after this join (counted by the joining request, so the fan-out of
        /// 10 000 joins needs no store read per join).
        #[serde(default)]
        player_count: u64,
    },
    /// A player's socket opened or closed (the "everyone answered" check reruns).
    Presence { player_id: String, connected: bool },
    /// A player was kicked: their sockets close.
    Kicked { seq: u64, player_id: String },
    /// An answer was recorded (hosts get coalesced counts).
    Answered { question: u32 },
    /// The instance that published is draining: a hint only, sockets are told to reconnect locally.
    Reconnect,
}

#[async_trait]
pub trait LiveStore: Send + Sync + 'static {
    /// Human-readable backend name for logs and `/readyz`.
    fn backend(&self) -> &'static str;

    /// Reachability check for `/readyz`.
    async fn ping(&self) -> Result<(), LiveError>;

    // ---- games ----

    /// Stores a new game in the lobby. Fails with `PinTaken` if a live game holds the PIN.
    async fn create_game(&self, meta: GameMeta) -> Result<(), LiveError>;
    async fn game_id_by_pin(&self, pin: GamePin) -> Result<Option<String>, LiveError>;
    async fn meta(&self, game_id: &str) -> Result<Option<GameMeta>, LiveError>;
    async fn state(&self, game_id: &str) -> Result<Option<GameState>, LiveError>;
    /// Replaces the state only if the stored version is `expected_version`. Returns whether it did.
    async fn cas_state(
        &self,
        game_id: &str,
        expected_version: u64,
        new_state: &GameState,
    ) -> Result<bool, LiveError>;
    /// Adds a player; nicknames are unique case-insensitively. Fails on a kicked id or a taken nickname.
    async fn add_player(
        &self,
        game_id: &str,
        player_id: &str,
        nickname: &Nickname,
    ) -> Result<(), LiveError>;
    async fn players(&self, game_id: &str) -> Result<Vec<(String, PlayerRecord)>, LiveError>;
    /// (players in the game, players with a live socket) — cheap, asked often while a question is open.
    async fn player_counts(&self, game_id: &str) -> Result<(u64, u64), LiveError>;
    /// Players in the game (connected or not): what a join announcement needs, without the connected
    /// count (which reads every socket entry).
    async fn player_total(&self, game_id: &str) -> Result<u64, LiveError> {
        Ok(self.player_counts(game_id).await?.0)
    }
    async fn player(
        &self,
        game_id: &str,
        player_id: &str,
    ) -> Result<Option<PlayerRecord>, LiveError>;
    /// Removes the player for good (they cannot rejoin). Returns false if they were not in the game.
    async fn kick_player(&self, game_id: &str, player_id: &str) -> Result<bool, LiveError>;
    async fn is_kicked(&self, game_id: &str, player_id: &str) -> Result<bool, LiveError>;
    /// Counts a socket of the player opening (`true`) or closing (`false`); the player is connected while
    /// at least one of their sockets is open (a reload briefly has two).
    async fn set_connected(
        &self,
        game_id: &str,
        player_id: &str,
        connected: bool,
    ) -> Result<(), LiveError>;

    /// THE atomic answer operation: judges the answer against the stored state at `now_ms`, records it at
    /// most once per (player, question), adds its points (streak included) to the score and counts it.
    /// A resend with the same `answer_id` returns the stored answer with `newly_recorded == false`.
    /// A newly recorded answer is announced on the game channel (`LiveMessage::Answered`) in the same
    /// step, so hosts' answer counts never miss one and the hot path costs one store operation.
    async fn record_answer(
        &self,
        game_id: &str,
        player_id: &str,
        answer_id: &str,
        question: u32,
        choice: u32,
        now_ms: u64,
    ) -> Result<RecordOutcome, LiveError>;
    /// Every accepted answer to `question`, by player id.
    async fn answers(
        &self,
        game_id: &str,
        question: u32,
    ) -> Result<Vec<(String, AcceptedAnswer)>, LiveError>;
    /// One player's accepted answer to `question`, if any.
    async fn answer_of(
        &self,
        game_id: &str,
        question: u32,
        player_id: &str,
    ) -> Result<Option<AcceptedAnswer>, LiveError>;
    async fn answered_count(&self, game_id: &str, question: u32) -> Result<u64, LiveError>;
    /// Tells the store this instance is alive and serving sockets of the game (called about once a
    /// second by every instance with local sockets). Sockets of an instance that stops calling this stop
    /// counting as connected players within seconds.
    async fn heartbeat(&self, game_id: &str) -> Result<(), LiveError>;

    /// The next event sequence number of the game (monotonic).
    async fn next_seq(&self, game_id: &str) -> Result<u64, LiveError>;
    async fn current_seq(&self, game_id: &str) -> Result<u64, LiveError>;
    async fn publish(&self, game_id: &str, message: &LiveMessage) -> Result<(), LiveError>;
    async fn subscribe(&self, game_id: &str) -> Result<BoxStream<'static, LiveMessage>, LiveError>;
    /// Marks a finished game for expiry and frees its PIN.
    async fn finish_game(&self, game_id: &str, keep_for: Duration) -> Result<(), LiveError>;

    // ---- shared counters and denylist (auth) ----

    /// Fixed-window counter: increments `key` and returns the count within the current window.
    async fn hit(&self, key: &str, window: Duration) -> Result<u64, LiveError>;
    /// The current count of a fixed-window counter, without incrementing it (0 when absent or expired).
    async fn peek(&self, key: &str) -> Result<u64, LiveError>;
    /// Resets a counter (e.g. failed logins after a successful one).
    async fn reset(&self, key: &str) -> Result<(), LiveError>;
    /// Denylists a token id until it would have expired anyway.
    async fn deny_token(&self, jti: &str, ttl: Duration) -> Result<(), LiveError>;
    async fn is_token_denied(&self, jti: &str) -> Result<bool, LiveError>;
}
