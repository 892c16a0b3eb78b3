//! In-process live store for embedded mode: one `GameModel` per game behind a mutex, a tokio broadcast
//! channel per game for fan-out, counters and the denylist in maps with expiry.

use super::{GameMeta, LiveError, LiveMessage, LiveStore};
use async_trait::async_trait;
use cahoot_game::model::{GameModel, PlayerRecord, RecordOutcome};
use cahoot_game::{AcceptedAnswer, GamePin, GameState, Nickname, Streak};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// Capacity of a game's broadcast channel; a subscriber lagging further behind resyncs from a snapshot.
const CHANNEL_CAPACITY: usize = 4096;

struct LiveGame {
    meta: GameMeta,
    model: GameModel,
    nicknames: HashSet<String>,
    /// Open sockets per player.
    connections: HashMap<String, u32>,
    seq: u64,
    expires_at: Option<Instant>,
    channel: broadcast::Sender<LiveMessage>,
}

#[derive(Default)]
struct Inner {
    games: HashMap<String, LiveGame>,
    pins: HashMap<GamePin, String>,
    counters: HashMap<String, (Instant, u64)>,
    denied: HashMap<String, Instant>,
}

#[derive(Default, Clone)]
pub struct MemoryLiveStore {
    inner: Arc<Mutex<Inner>>,
}

impl MemoryLiveStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-applied change: every mutation below is a
        // sequence of infallible map operations. So a poisoned lock is still consistent; keep serving.
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.sweep();
        inner
    }
}

impl Inner {
    /// Drops expired games, counters and denylist entries.
    fn sweep(&mut self) {
        let now = Instant::now();
        let expired: Vec<String> = self
            .games
            .iter()
            .filter(|(_, g)| g.expires_at.is_some_and(|t| t <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.games.remove(&id);
        }
        if self.counters.len() > 10_000 {
            self.counters.retain(|_, (reset_at, _)| *reset_at > now);
        }
        if self.denied.len() > 10_000 {
            self.denied.retain(|_, until| *until > now);
        }
    }

    fn game(&mut self, id: &str) -> Result<&mut LiveGame, LiveError> {
        self.games.get_mut(id).ok_or(LiveError::GameNotFound)
    }
}

#[async_trait]
impl LiveStore for MemoryLiveStore {
    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn ping(&self) -> Result<(), LiveError> {
        Ok(())
    }

    async fn create_game(&self, meta: GameMeta) -> Result<(), LiveError> {
        let mut inner = self.lock();
        if inner.pins.contains_key(&meta.pin) {
            return Err(LiveError::PinTaken);
        }
        inner.pins.insert(meta.pin, meta.id.clone());
        let (channel, _) = broadcast::channel(CHANNEL_CAPACITY);
        let game = LiveGame {
            model: GameModel::new(meta.quiz.clone()),
            meta,
            nicknames: HashSet::new(),
            connections: HashMap::new(),
            seq: 0,
            expires_at: None,
            channel,
        };
        inner.games.insert(game.meta.id.clone(), game);
        Ok(())
    }

    async fn game_id_by_pin(&self, pin: GamePin) -> Result<Option<String>, LiveError> {
        Ok(self.lock().pins.get(&pin).cloned())
    }

    async fn meta(&self, game_id: &str) -> Result<Option<GameMeta>, LiveError> {
        Ok(self.lock().games.get(game_id).map(|g| g.meta.clone()))
    }

    async fn state(&self, game_id: &str) -> Result<Option<GameState>, LiveError> {
        Ok(self
            .lock()
            .games
            .get(game_id)
            .map(|g| g.model.state.clone()))
    }

    async fn cas_state(
        &self,
        game_id: &str,
        expected_version: u64,
        new_state: &GameState,
    ) -> Result<bool, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        if game.model.state.version != expected_version {
            return Ok(false);
        }
        game.model.state = new_state.clone();
        Ok(true)
    }

    async fn add_player(
        &self,
        game_id: &str,
        player_id: &str,
        nickname: &Nickname,
    ) -> Result<(), LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        if game.model.kicked.iter().any(|k| k == player_id) {
            return Err(LiveError::Kicked);
        }
        if !game.nicknames.insert(nickname.uniqueness_key()) {
            return Err(LiveError::NicknameTaken);
        }
        game.model.players.insert(
            player_id.to_owned(),
            PlayerRecord {
                nickname: nickname.as_str().to_owned(),
                score: 0,
                streak: Streak::default(),
                connected: false,
            },
        );
        Ok(())
    }

    async fn players(&self, game_id: &str) -> Result<Vec<(String, PlayerRecord)>, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        Ok(game
            .model
            .players
            .iter()
            .map(|(id, p)| (id.clone(), p.clone()))
            .collect())
    }

    async fn player_total(&self, game_id: &str) -> Result<u64, LiveError> {
        let mut inner = self.lock();
        Ok(inner.game(game_id)?.model.players.len() as u64)
    }

    async fn player_counts(&self, game_id: &str) -> Result<(u64, u64), LiveError> {
        let mut inner = self.lock();
        let players = &inner.game(game_id)?.model.players;
        let connected = players.values().filter(|p| p.connected).count();
        Ok((players.len() as u64, connected as u64))
    }

    async fn player(
        &self,
        game_id: &str,
        player_id: &str,
    ) -> Result<Option<PlayerRecord>, LiveError> {
        let mut inner = self.lock();
        Ok(inner.game(game_id)?.model.players.get(player_id).cloned())
    }

    async fn kick_player(&self, game_id: &str, player_id: &str) -> Result<bool, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        let Some(player) = game.model.players.remove(player_id) else {
            return Ok(false);
        };
        game.nicknames.remove(&player.nickname.to_lowercase());
        game.model.kicked.push(player_id.to_owned());
        Ok(true)
    }

    async fn is_kicked(&self, game_id: &str, player_id: &str) -> Result<bool, LiveError> {
        let mut inner = self.lock();
        Ok(inner
            .game(game_id)?
            .model
            .kicked
            .iter()
            .any(|k| k == player_id))
    }

    async fn set_connected(
        &self,
        game_id: &str,
        player_id: &str,
        connected: bool,
    ) -> Result<(), LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        let player = game
            .model
            .players
            .get_mut(player_id)
            .ok_or(LiveError::PlayerNotFound)?;
        let sockets = game.connections.entry(player_id.to_owned()).or_insert(0);
        *sockets = if connected {
            *sockets + 1
        } else {
            sockets.saturating_sub(1)
        };
        player.connected = *sockets > 0;
        Ok(())
    }

    async fn record_answer(
        &self,
        game_id: &str,
        player_id: &str,
        answer_id: &str,
        question: u32,
        choice: u32,
        now_ms: u64,
    ) -> Result<RecordOutcome, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        if !game.model.players.contains_key(player_id) {
            return Err(LiveError::PlayerNotFound);
        }
        let outcome = game
            .model
            .record_answer(player_id, answer_id, question, choice, now_ms)?;
        if outcome.newly_recorded {
            // No receivers is fine: nobody is connected to this game on this process.
            let _ = game.channel.send(LiveMessage::Answered { question });
        }
        Ok(outcome)
    }

    async fn answers(
        &self,
        game_id: &str,
        question: u32,
    ) -> Result<Vec<(String, AcceptedAnswer)>, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        Ok(game
            .model
            .answers
            .iter()
            .filter(|((q, _), _)| *q == question)
            .map(|((_, p), a)| (p.clone(), a.clone()))
            .collect())
    }

    async fn answer_of(
        &self,
        game_id: &str,
        question: u32,
        player_id: &str,
    ) -> Result<Option<AcceptedAnswer>, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        Ok(game
            .model
            .answers
            .get(&(question, player_id.to_owned()))
            .cloned())
    }

    async fn answered_count(&self, game_id: &str, question: u32) -> Result<u64, LiveError> {
        let mut inner = self.lock();
        Ok(inner.game(game_id)?.model.answered_count(question) as u64)
    }

    async fn heartbeat(&self, _game_id: &str) -> Result<(), LiveError> {
        // One process: its sockets live and die with the store.
        Ok(())
    }

    async fn next_seq(&self, game_id: &str) -> Result<u64, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        game.seq += 1;
        Ok(game.seq)
    }

    async fn current_seq(&self, game_id: &str) -> Result<u64, LiveError> {
        let mut inner = self.lock();
        Ok(inner.game(game_id)?.seq)
    }

    async fn publish(&self, game_id: &str, message: &LiveMessage) -> Result<(), LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        // No receivers is fine: nobody is connected to this game on this process.
        let _ = game.channel.send(message.clone());
        Ok(())
    }

    async fn subscribe(&self, game_id: &str) -> Result<BoxStream<'static, LiveMessage>, LiveError> {
        let mut inner = self.lock();
        let rx = inner.game(game_id)?.channel.subscribe();
        Ok(broadcast_stream(rx).boxed())
    }

    async fn finish_game(&self, game_id: &str, keep_for: Duration) -> Result<(), LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        game.expires_at = Some(Instant::now() + keep_for);
        let pin = game.meta.pin;
        inner.pins.remove(&pin);
        Ok(())
    }

    async fn hit(&self, key: &str, window: Duration) -> Result<u64, LiveError> {
        let mut inner = self.lock();
        let now = Instant::now();
        let entry = inner
            .counters
            .entry(key.to_owned())
            .or_insert((now + window, 0));
        if entry.0 <= now {
            *entry = (now + window, 0);
        }
        entry.1 += 1;
        Ok(entry.1)
    }

    async fn peek(&self, key: &str) -> Result<u64, LiveError> {
        let now = Instant::now();
        Ok(self
            .lock()
            .counters
            .get(key)
            .filter(|(reset_at, _)| *reset_at > now)
            .map_or(0, |(_, n)| *n))
    }

    async fn reset(&self, key: &str) -> Result<(), LiveError> {
        self.lock().counters.remove(key);
        Ok(())
    }

    async fn deny_token(&self, jti: &str, ttl: Duration) -> Result<(), LiveError> {
        self.lock()
            .denied
            .insert(jti.to_owned(), Instant::now() + ttl);
        Ok(())
    }

    async fn is_token_denied(&self, jti: &str) -> Result<bool, LiveError> {
        Ok(self
            .lock()
            .denied
            .get(jti)
            .is_some_and(|until| *until > Instant::now()))
    }
}

/// A broadcast receiver as a stream. A lagging receiver gets `StateChanged` so its sockets resync from a
/// snapshot instead of missing an event silently.
fn broadcast_stream(
    rx: broadcast::Receiver<LiveMessage>,
) -> impl futures_util::Stream<Item = LiveMessage> + Send + 'static {
    use tokio::sync::broadcast::error::RecvError;
    futures_util::stream::unfold(rx, |mut rx| async move {
        match rx.recv().await {
            Ok(msg) => Some((msg, rx)),
            Err(RecvError::Lagged(_)) => {
                Some((LiveMessage::StateChanged { seq: 0, version: 0 }, rx))
            }
            Err(RecvError::Closed) => None,
        }
    })
}
