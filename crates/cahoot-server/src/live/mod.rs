//! The live store: running games, their event bus, presence, shared counters and the token denylist.
//!
//! Five traits, one per job ([`GameStore`], [`EventBus`], [`Presence`], [`Counters`], [`Denylist`]), and
//! [`LiveStore`], which is all five plus a health check. Two implementations: [`memory::MemoryLiveStore`]
//! (embedded mode, one process) and [`valkey::ValkeyLiveStore`] (distributed mode); each implements every
//! trait on one struct. Every operation that must not race is ONE call (a lock in memory, a Lua script in
//! Valkey), and every operation that changes what clients see publishes its own event in that same step,
//! so the store is the only publisher and `seq` is taken where the change happens. The contract suite in
//! `tests/live_contract.rs` runs against both implementations.

pub mod memory;
pub mod valkey;

use async_trait::async_trait;
use cahoot_game::model::{PlayerRecord, RecordOutcome};
use cahoot_game::{
    AcceptedAnswer, AnswerError, AnswerValue, GamePin, GameState, Nickname, PupilId, QuizInput,
};
use cahoot_protocol::{ErrorCode, GameId, PlayerId};
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("game not found")]
    GameNotFound,
    #[error("this game has finished")]
    GameFinished,
    #[error("the host has locked this game")]
    GameLocked,
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

/// What a client is told when the live store fails (REST and WebSocket). The cause (addresses, driver
/// messages) is logged, never sent: error texts must not reveal internals.
pub const LIVE_UNAVAILABLE: &str = "live games are unavailable right now; try again shortly";

impl LiveError {
    /// The client-facing code (REST and WebSocket alike).
    pub fn code(&self) -> ErrorCode {
        match self {
            LiveError::GameNotFound => ErrorCode::GameNotFound,
            LiveError::GameFinished => ErrorCode::GameFinished,
            LiveError::GameLocked => ErrorCode::GameLocked,
            LiveError::PinTaken => ErrorCode::PinTaken,
            LiveError::NicknameTaken => ErrorCode::NicknameTaken,
            LiveError::Kicked => ErrorCode::Kicked,
            LiveError::PlayerNotFound => ErrorCode::PlayerNotFound,
            LiveError::Answer(e) => (*e).into(),
            LiveError::Unavailable(_) => ErrorCode::LiveStoreUnavailable,
        }
    }
}

/// What never changes during a game.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GameMeta {
    pub id: GameId,
    pub pin: GamePin,
    pub owner_id: uuid::Uuid,
    pub quiz_id: uuid::Uuid,
    pub quiz: QuizInput,
    pub created_at_ms: u64,
    /// The "get ready" countdown of every question of this game (`question_lead_in_ms` when it was
    /// created), so every instance opens questions the same way.
    #[serde(default)]
    pub lead_in_ms: u64,
    /// Every player must give a pupil identifier when joining (`JoinRequest::pupil_id`).
    #[serde(default)]
    pub require_pupil_id: bool,
}

/// Messages published on a game's channel, each by the store operation that made the change. Every
/// instance holding sockets of the game receives them and forwards to its local sockets, filtered per role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveMessage {
    /// The game state changed (phase, lock): every socket gets a fresh snapshot.
    StateChanged { seq: u64, version: u64 },
    PlayerJoined {
        seq: u64,
        player_id: PlayerId,
        nickname: String,
        /// Players in the game right after this join (counted by the joining request, so the fan-out of
        /// 10 000 joins needs no store read per join).
        #[serde(default)]
        player_count: u64,
    },
    /// A player's socket opened or closed (the "everyone answered" check reruns).
    Presence {
        player_id: PlayerId,
        connected: bool,
    },
    /// A player was kicked: their sockets close, and every socket gets a fresh snapshot without them.
    Kicked { seq: u64, player_id: PlayerId },
    /// The host granted or withdrew a player's extra time: every socket gets a fresh snapshot.
    ExtraTime { seq: u64 },
    /// An answer was recorded (hosts get coalesced counts).
    Answered { question: u32 },
}

/// What a PIN leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinLookup {
    Live(GameId),
    /// The PIN belonged to a game that finished recently (joining it answers `410 game_finished`).
    Finished,
    Unknown,
}

/// A successful join, as announced on the game's channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Joined {
    pub seq: u64,
    /// Players in the game right after this join.
    pub player_count: u64,
}

/// Running games: state, players, answers.
#[async_trait]
pub trait GameStore: Send + Sync {
    /// Stores a new game in the lobby. Fails with `PinTaken` if a live game holds the PIN.
    async fn create_game(&self, meta: GameMeta) -> Result<(), LiveError>;
    async fn find_pin(&self, pin: GamePin) -> Result<PinLookup, LiveError>;
    async fn meta(&self, game_id: GameId) -> Result<Option<GameMeta>, LiveError>;
    async fn state(&self, game_id: GameId) -> Result<Option<GameState>, LiveError>;
    /// THE transition write: replaces the state only if the stored version is `expected_version`, and
    /// then takes the next `seq` and publishes `StateChanged` in the same step. `Ok(None)` = someone else
    /// changed the game first (reload and decide again); `Ok(Some(seq))` = applied and announced.
    async fn cas_state(
        &self,
        game_id: GameId,
        expected_version: u64,
        new_state: &GameState,
    ) -> Result<Option<u64>, LiveError>;
    /// THE join: refuses a finished (`GameFinished`) or locked (`GameLocked`) game, a kicked id and a
    /// nickname taken case-insensitively; adds the player, takes the next `seq` and publishes
    /// `PlayerJoined` with the new player count, all in one step.
    async fn join(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        nickname: &Nickname,
    ) -> Result<Joined, LiveError> {
        self.join_as(game_id, player_id, nickname, None).await
    }
    /// [`GameStore::join`] that also keeps the player's pupil identifier (host-only; see
    /// [`GameStore::pupil_ids`]), stored with the player in the same step.
    async fn join_as(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        nickname: &Nickname,
        pupil_id: Option<&PupilId>,
    ) -> Result<Joined, LiveError>;
    /// The pupil identifiers players gave at join, by player id (players without one are left out).
    async fn pupil_ids(
        &self,
        game_id: GameId,
    ) -> Result<std::collections::HashMap<String, String>, LiveError>;
    /// Every player, by id (the id's string form, as the pure game functions key them).
    async fn players(&self, game_id: GameId) -> Result<Vec<(String, PlayerRecord)>, LiveError>;
    /// Players in the game (connected or not).
    async fn player_total(&self, game_id: GameId) -> Result<u64, LiveError>;
    async fn player(
        &self,
        game_id: GameId,
        player_id: PlayerId,
    ) -> Result<Option<PlayerRecord>, LiveError>;
    /// THE kick: removes the player for good (they cannot rejoin), takes the next `seq` and publishes
    /// `Kicked`. Returns false (and publishes nothing) if they were not in the game.
    async fn kick(&self, game_id: GameId, player_id: PlayerId) -> Result<bool, LiveError>;
    async fn is_kicked(&self, game_id: GameId, player_id: PlayerId) -> Result<bool, LiveError>;
    /// Grants (`on`) or withdraws extra time for a player: from the next question on, they may answer for
    /// `EXTRA_TIME_SHARE` of the time limit after the deadline. Takes the next `seq` and publishes
    /// `ExtraTime` in the same step. Returns false (and publishes nothing) if they are not in the game.
    async fn set_extra_time(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        on: bool,
    ) -> Result<bool, LiveError>;
    /// The ids of the players with extra time.
    async fn extra_time(&self, game_id: GameId) -> Result<BTreeSet<String>, LiveError>;
    /// THE atomic answer operation: judges the answer against the stored state at `now_ms`, records it at
    /// most once per (player, question), adds its points (streak included) to the score and counts it.
    /// A resend with the same `answer_id` returns the stored answer with `newly_recorded == false`.
    /// A newly recorded answer is announced on the game channel (`LiveMessage::Answered`) in the same
    /// step, so hosts' answer counts never miss one and the hot path costs one store operation.
    async fn record_answer(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        answer_id: &str,
        question: u32,
        value: AnswerValue,
        now_ms: u64,
    ) -> Result<RecordOutcome, LiveError>;
    /// Every accepted answer to `question`, by player id.
    async fn answers(
        &self,
        game_id: GameId,
        question: u32,
    ) -> Result<Vec<(String, AcceptedAnswer)>, LiveError>;
    /// One player's accepted answer to `question`, if any.
    async fn answer_of(
        &self,
        game_id: GameId,
        question: u32,
        player_id: PlayerId,
    ) -> Result<Option<AcceptedAnswer>, LiveError>;
    async fn answered_count(&self, game_id: GameId, question: u32) -> Result<u64, LiveError>;
    /// Marks a finished game for expiry and frees its PIN for new games (a join with it then finds
    /// `PinLookup::Finished` until the game expires).
    async fn finish_game(&self, game_id: GameId, keep_for: Duration) -> Result<(), LiveError>;
}

/// Each game's event channel. Publishing is not part of it: the store operations that change a game
/// publish their own events.
#[async_trait]
pub trait EventBus: Send + Sync {
    /// The `seq` of the game's newest event.
    async fn current_seq(&self, game_id: GameId) -> Result<u64, LiveError>;
    async fn subscribe(
        &self,
        game_id: GameId,
    ) -> Result<BoxStream<'static, LiveMessage>, LiveError>;
}

/// Which players have an open socket, on which live instance.
#[async_trait]
pub trait Presence: Send + Sync {
    /// Counts a socket of the player opening (`true`) or closing (`false`) and publishes `Presence`; the
    /// player is connected while at least one of their sockets is open (a reload briefly has two).
    async fn set_connected(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        connected: bool,
    ) -> Result<(), LiveError>;
    /// (players in the game, players with a live socket) — cheap, asked often while a question is open.
    async fn player_counts(&self, game_id: GameId) -> Result<(u64, u64), LiveError>;
    /// Tells the store this instance is alive and serving sockets of the game (called about once a
    /// second by every instance with local sockets). Sockets of an instance that stops calling this stop
    /// counting as connected players within seconds.
    async fn heartbeat(&self, game_id: GameId) -> Result<(), LiveError>;
}

/// Fixed-window counters shared by every instance (login and join throttling).
#[async_trait]
pub trait Counters: Send + Sync {
    /// Increments `key` and returns the count within the current window.
    async fn hit(&self, key: &str, window: Duration) -> Result<u64, LiveError>;
    /// The current count, without incrementing it (0 when absent or expired).
    async fn peek(&self, key: &str) -> Result<u64, LiveError>;
    /// Resets a counter (e.g. failed logins after a successful one).
    async fn reset(&self, key: &str) -> Result<(), LiveError>;
}

/// Revoked access tokens, until they would have expired anyway.
#[async_trait]
pub trait Denylist: Send + Sync {
    async fn deny_token(&self, jti: &str, ttl: Duration) -> Result<(), LiveError>;
    async fn is_token_denied(&self, jti: &str) -> Result<bool, LiveError>;
}

/// Everything live, behind one handle (`AppState::live`).
#[async_trait]
pub trait LiveStore: GameStore + EventBus + Presence + Counters + Denylist + 'static {
    /// Human-readable backend name for logs and `/readyz`.
    fn backend(&self) -> &'static str;
    /// Reachability check for `/readyz`.
    async fn ping(&self) -> Result<(), LiveError>;
}
