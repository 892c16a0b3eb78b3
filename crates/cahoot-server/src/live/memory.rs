//! In-process live store for embedded mode: one `GameModel` per game behind a mutex, a tokio broadcast
//! channel per game for fan-out, counters and the denylist in maps with expiry.

use super::{
    Counters, Denylist, EventBus, GameMeta, GameStore, Joined, LiveError, LiveMessage, LiveStore,
    PinLookup, Presence,
};
use async_trait::async_trait;
use cahoot_game::model::{GameModel, PlayerRecord, RecordOutcome};
use cahoot_game::{
    AcceptedAnswer, AnswerValue, GamePin, GameState, Nickname, Phase, PupilId, Streak,
};
use cahoot_protocol::{GameId, PlayerId};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// Capacity of a game's broadcast channel; a subscriber lagging further behind resyncs from a snapshot.
const CHANNEL_CAPACITY: usize = 4096;

struct LiveGame {
    meta: GameMeta,
    model: GameModel,
    nicknames: HashSet<String>,
    /// Player id → pupil identifier given at join.
    pupil_ids: HashMap<String, String>,
    /// Open sockets per player.
    connections: HashMap<String, u32>,
    seq: u64,
    expires_at: Option<Instant>,
    channel: broadcast::Sender<LiveMessage>,
}

impl LiveGame {
    /// Takes the next `seq` and publishes the event made with it (under the store's one lock, so events
    /// reach subscribers in `seq` order).
    fn announce(&mut self, event: impl FnOnce(u64) -> LiveMessage) -> u64 {
        self.seq += 1;
        // No receivers is fine: nobody is connected to this game on this process.
        let _ = self.channel.send(event(self.seq));
        self.seq
    }
}

#[derive(Default)]
struct Inner {
    games: HashMap<GameId, LiveGame>,
    pins: HashMap<GamePin, GameId>,
    /// PINs of finished games, until the game expires (a join with one hears "finished").
    finished_pins: HashMap<GamePin, Instant>,
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
        self.games
            .retain(|_, g| g.expires_at.is_none_or(|t| t > now));
        self.finished_pins.retain(|_, until| *until > now);
        if self.counters.len() > 10_000 {
            self.counters.retain(|_, (reset_at, _)| *reset_at > now);
        }
        if self.denied.len() > 10_000 {
            self.denied.retain(|_, until| *until > now);
        }
    }

    fn game(&mut self, id: GameId) -> Result<&mut LiveGame, LiveError> {
        self.games.get_mut(&id).ok_or(LiveError::GameNotFound)
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
}

#[async_trait]
impl GameStore for MemoryLiveStore {
    async fn create_game(&self, meta: GameMeta) -> Result<(), LiveError> {
        let mut inner = self.lock();
        if inner.pins.contains_key(&meta.pin) {
            return Err(LiveError::PinTaken);
        }
        inner.pins.insert(meta.pin, meta.id);
        inner.finished_pins.remove(&meta.pin);
        let (channel, _) = broadcast::channel(CHANNEL_CAPACITY);
        let game = LiveGame {
            model: GameModel::new(meta.quiz.clone()),
            meta,
            nicknames: HashSet::new(),
            pupil_ids: HashMap::new(),
            connections: HashMap::new(),
            seq: 0,
            expires_at: None,
            channel,
        };
        inner.games.insert(game.meta.id, game);
        Ok(())
    }

    async fn find_pin(&self, pin: GamePin) -> Result<PinLookup, LiveError> {
        let inner = self.lock();
        Ok(match inner.pins.get(&pin) {
            Some(id) => PinLookup::Live(*id),
            None if inner.finished_pins.contains_key(&pin) => PinLookup::Finished,
            None => PinLookup::Unknown,
        })
    }

    async fn meta(&self, game_id: GameId) -> Result<Option<GameMeta>, LiveError> {
        Ok(self.lock().games.get(&game_id).map(|g| g.meta.clone()))
    }

    async fn state(&self, game_id: GameId) -> Result<Option<GameState>, LiveError> {
        Ok(self
            .lock()
            .games
            .get(&game_id)
            .map(|g| g.model.state.clone()))
    }

    async fn cas_state(
        &self,
        game_id: GameId,
        expected_version: u64,
        new_state: &GameState,
    ) -> Result<Option<u64>, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        if game.model.state.version != expected_version {
            return Ok(None);
        }
        game.model.state = new_state.clone();
        let seq = game.announce(|seq| LiveMessage::StateChanged {
            seq,
            version: new_state.version,
        });
        Ok(Some(seq))
    }

    async fn join_as(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        nickname: &Nickname,
        pupil_id: Option<&PupilId>,
    ) -> Result<Joined, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        if game.model.state.phase == Phase::Podium {
            return Err(LiveError::GameFinished);
        }
        if game.model.state.locked {
            return Err(LiveError::GameLocked);
        }
        let id = player_id.to_string();
        if game.model.kicked.contains(&id) {
            return Err(LiveError::Kicked);
        }
        if !game.nicknames.insert(nickname.uniqueness_key()) {
            return Err(LiveError::NicknameTaken);
        }
        if let Some(pupil_id) = pupil_id {
            game.pupil_ids
                .insert(id.clone(), pupil_id.as_str().to_owned());
        }
        game.model.players.insert(
            id,
            PlayerRecord {
                nickname: nickname.as_str().to_owned(),
                score: 0,
                streak: Streak::default(),
                connected: false,
            },
        );
        let player_count = game.model.players.len() as u64;
        let seq = game.announce(|seq| LiveMessage::PlayerJoined {
            seq,
            player_id,
            nickname: nickname.as_str().to_owned(),
            player_count,
        });
        Ok(Joined { seq, player_count })
    }

    async fn pupil_ids(&self, game_id: GameId) -> Result<HashMap<String, String>, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        Ok(game
            .pupil_ids
            .iter()
            .filter(|(id, _)| game.model.players.contains_key(*id))
            .map(|(id, p)| (id.clone(), p.clone()))
            .collect())
    }

    async fn players(&self, game_id: GameId) -> Result<Vec<(String, PlayerRecord)>, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        Ok(game
            .model
            .players
            .iter()
            .map(|(id, p)| (id.clone(), p.clone()))
            .collect())
    }

    async fn player_total(&self, game_id: GameId) -> Result<u64, LiveError> {
        let mut inner = self.lock();
        Ok(inner.game(game_id)?.model.players.len() as u64)
    }

    async fn player(
        &self,
        game_id: GameId,
        player_id: PlayerId,
    ) -> Result<Option<PlayerRecord>, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        Ok(game.model.players.get(&player_id.to_string()).cloned())
    }

    async fn kick(&self, game_id: GameId, player_id: PlayerId) -> Result<bool, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        let id = player_id.to_string();
        let Some(player) = game.model.players.remove(&id) else {
            return Ok(false);
        };
        game.nicknames.remove(&player.nickname.to_lowercase());
        game.connections.remove(&id);
        game.model.extra_time.remove(&id);
        game.model.kicked.push(id);
        game.announce(|seq| LiveMessage::Kicked { seq, player_id });
        Ok(true)
    }

    async fn set_extra_time(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        on: bool,
    ) -> Result<bool, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        let id = player_id.to_string();
        if !game.model.players.contains_key(&id) {
            return Ok(false);
        }
        if on {
            game.model.extra_time.insert(id);
        } else {
            game.model.extra_time.remove(&id);
        }
        game.announce(|seq| LiveMessage::ExtraTime { seq });
        Ok(true)
    }

    async fn extra_time(&self, game_id: GameId) -> Result<BTreeSet<String>, LiveError> {
        let mut inner = self.lock();
        Ok(inner.game(game_id)?.model.extra_time.clone())
    }

    async fn is_kicked(&self, game_id: GameId, player_id: PlayerId) -> Result<bool, LiveError> {
        let mut inner = self.lock();
        let id = player_id.to_string();
        Ok(inner.game(game_id)?.model.kicked.contains(&id))
    }

    async fn record_answer(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        answer_id: &str,
        question: u32,
        value: AnswerValue,
        now_ms: u64,
    ) -> Result<RecordOutcome, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        let id = player_id.to_string();
        if !game.model.players.contains_key(&id) {
            return Err(LiveError::PlayerNotFound);
        }
        let outcome = game
            .model
            .record_answer(&id, answer_id, question, value, now_ms)?;
        if outcome.newly_recorded {
            // No receivers is fine: nobody is connected to this game on this process.
            let _ = game.channel.send(LiveMessage::Answered { question });
        }
        Ok(outcome)
    }

    async fn answers(
        &self,
        game_id: GameId,
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
        game_id: GameId,
        question: u32,
        player_id: PlayerId,
    ) -> Result<Option<AcceptedAnswer>, LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        Ok(game
            .model
            .answers
            .get(&(question, player_id.to_string()))
            .cloned())
    }

    async fn answered_count(&self, game_id: GameId, question: u32) -> Result<u64, LiveError> {
        let mut inner = self.lock();
        Ok(inner.game(game_id)?.model.answered_count(question) as u64)
    }

    async fn finish_game(&self, game_id: GameId, keep_for: Duration) -> Result<(), LiveError> {
        let mut inner = self.lock();
        let expires_at = Instant::now() + keep_for;
        let game = inner.game(game_id)?;
        game.expires_at = Some(expires_at);
        let pin = game.meta.pin;
        if inner.pins.get(&pin) == Some(&game_id) {
            inner.pins.remove(&pin);
            inner.finished_pins.insert(pin, expires_at);
        }
        Ok(())
    }
}

#[async_trait]
impl EventBus for MemoryLiveStore {
    async fn current_seq(&self, game_id: GameId) -> Result<u64, LiveError> {
        let mut inner = self.lock();
        Ok(inner.game(game_id)?.seq)
    }

    async fn subscribe(
        &self,
        game_id: GameId,
    ) -> Result<BoxStream<'static, LiveMessage>, LiveError> {
        let mut inner = self.lock();
        let rx = inner.game(game_id)?.channel.subscribe();
        Ok(broadcast_stream(rx).boxed())
    }
}

#[async_trait]
impl Presence for MemoryLiveStore {
    async fn set_connected(
        &self,
        game_id: GameId,
        player_id: PlayerId,
        connected: bool,
    ) -> Result<(), LiveError> {
        let mut inner = self.lock();
        let game = inner.game(game_id)?;
        let id = player_id.to_string();
        let player = game
            .model
            .players
            .get_mut(&id)
            .ok_or(LiveError::PlayerNotFound)?;
        let sockets = game.connections.entry(id).or_insert(0);
        *sockets = if connected {
            *sockets + 1
        } else {
            sockets.saturating_sub(1)
        };
        player.connected = *sockets > 0;
        let _ = game.channel.send(LiveMessage::Presence {
            player_id,
            connected,
        });
        Ok(())
    }

    async fn player_counts(&self, game_id: GameId) -> Result<(u64, u64), LiveError> {
        let mut inner = self.lock();
        let players = &inner.game(game_id)?.model.players;
        let connected = players.values().filter(|p| p.connected).count();
        Ok((players.len() as u64, connected as u64))
    }

    async fn heartbeat(&self, _game_id: GameId) -> Result<(), LiveError> {
        // One process: its sockets live and die with the store.
        Ok(())
    }
}

#[async_trait]
impl Counters for MemoryLiveStore {
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
}

#[async_trait]
impl Denylist for MemoryLiveStore {
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
