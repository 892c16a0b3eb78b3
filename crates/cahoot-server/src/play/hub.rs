//! Per-instance fan-out. One task per game that has sockets on this instance: it subscribes once to the
//! game's live channel, loads one snapshot per state change and hands it to every local socket, coalesces
//! answer counts for hosts (≤ 10 per second), and arms the question deadline. Every instance holding
//! sockets of a game runs this task, so the game goes on whichever instance dies (CAS makes the duplicate
//! close attempts harmless).

use super::engine::{self, now_ms};
use super::view::Snapshot;
use crate::AppState;
use crate::live::{GameMeta, LiveError, LiveMessage};
use cahoot_game::{Command, Phase};
use cahoot_protocol::Role;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, broadcast};
use tokio::time::{Instant, MissedTickBehavior};

/// How often answer counts go to hosts at most, and how often "everyone answered" is checked.
const COUNT_INTERVAL: Duration = Duration::from_millis(100);
/// Heartbeat every 10 ticks (1 s); the store forgets an instance after 3 s without one.
const HEARTBEAT_TICKS: u32 = 10;
/// Local events buffered per socket; a socket further behind resyncs from a fresh snapshot.
const LOCAL_CAPACITY: usize = 256;
/// How long a lobby snapshot is shared by connecting players before one of them loads a new one.
const LOBBY_SNAPSHOT_MAX_AGE: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub enum LocalEvent {
    Snapshot(Arc<Snapshot>),
    PlayerJoined {
        player_id: String,
        nickname: String,
        player_count: u64,
    },
    Kicked {
        player_id: String,
    },
    AnswerCount {
        question: u32,
        answered: u64,
        total: u64,
    },
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("seq", &self.seq)
            .field("phase", &self.state.phase)
            .finish_non_exhaustive()
    }
}

type Sender = broadcast::Sender<Arc<LocalEvent>>;

/// The snapshots connecting players start from. Loading a snapshot reads every player (and sorts them),
/// so with one load per connecting socket a ramp of 10 000 joins costs 10 000² player copies, and so does
/// the reconnect wave after an instance dies (half the players at once, mid-question: it held up every
/// answer on the surviving instance for seconds).
/// - In the lobby a snapshot at most a second old is just as good (every score is 0; see
///   `Snapshot::lobby_player_message`).
/// - After the lobby, the newest snapshot (the one this instance fanned out last) has every score, rank
///   and streak of its state version; only the player's own answer to an open question may be newer, and
///   the socket reads that one (see `Snapshot::player_message_with_answer`). The socket subscribed to the
///   game's events before it reads the cache, so a newer state reaches it right after.
#[derive(Clone, Default)]
pub struct SnapshotCache(Arc<std::sync::Mutex<CacheEntry>>);

#[derive(Default)]
struct CacheEntry {
    /// The highest seq offered so far: an older snapshot (loaded before the game started, stored after)
    /// must never come back.
    seq: u64,
    lobby: Option<(Instant, Arc<Snapshot>)>,
    latest: Option<Arc<Snapshot>>,
}

impl SnapshotCache {
    /// The newest snapshot offered, in any phase.
    pub fn latest(&self) -> Option<Arc<Snapshot>> {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        guard.latest.clone()
    }

    /// A lobby snapshot at most `LOBBY_SNAPSHOT_MAX_AGE` old.
    pub fn fresh_lobby(&self) -> Option<Arc<Snapshot>> {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .lobby
            .as_ref()
            .filter(|(at, snap)| at.elapsed() < LOBBY_SNAPSHOT_MAX_AGE && snap.is_lobby())
            .map(|(_, snap)| snap.clone())
    }

    /// Keeps `snap` if it is the newest so far; the lobby entry is forgotten when the game has left the
    /// lobby.
    pub fn offer(&self, snap: &Arc<Snapshot>) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if snap.seq < guard.seq {
            return;
        }
        guard.seq = snap.seq;
        guard.lobby = snap.is_lobby().then(|| (Instant::now(), snap.clone()));
        guard.latest = Some(snap.clone());
    }
}

/// A game's local fan-out. Players and hosts have separate channels: join announcements and answer counts
/// go to hosts only, so a join does not wake every player socket of the game.
#[derive(Clone)]
struct Channels {
    players: Sender,
    hosts: Sender,
    cache: SnapshotCache,
}

impl Channels {
    fn to_all(&self, event: LocalEvent) {
        let event = Arc::new(event);
        let _ = self.players.send(event.clone());
        let _ = self.hosts.send(event);
    }

    fn to_hosts(&self, event: LocalEvent) {
        let _ = self.hosts.send(Arc::new(event));
    }

    fn to_players(&self, event: LocalEvent) {
        let _ = self.players.send(Arc::new(event));
    }

    fn listeners(&self) -> usize {
        self.players.receiver_count() + self.hosts.receiver_count()
    }

    fn subscribe(&self, role: Role) -> broadcast::Receiver<Arc<LocalEvent>> {
        match role {
            Role::Host => self.hosts.subscribe(),
            Role::Player => self.players.subscribe(),
        }
    }
}

/// Which games this instance holds sockets for.
#[derive(Default)]
pub struct Hub {
    games: Mutex<HashMap<String, Channels>>,
}

impl Hub {
    pub fn new() -> Self {
        Self::default()
    }

    /// Subscribes a socket to a game's local events, starting the game's task on first use. The live
    /// subscription exists before this returns, so a snapshot loaded afterwards misses no event.
    pub async fn join(
        &self,
        state: &AppState,
        meta: Arc<GameMeta>,
        role: Role,
    ) -> Result<(broadcast::Receiver<Arc<LocalEvent>>, SnapshotCache), LiveError> {
        let mut games = self.games.lock().await;
        if let Some(ch) = games.get(&meta.id) {
            return Ok((ch.subscribe(role), ch.cache.clone()));
        }
        let live_sub = state.live.subscribe(&meta.id).await?;
        let ch = Channels {
            players: broadcast::channel(LOCAL_CAPACITY).0,
            hosts: broadcast::channel(LOCAL_CAPACITY).0,
            cache: SnapshotCache::default(),
        };
        let rx = ch.subscribe(role);
        let cache = ch.cache.clone();
        games.insert(meta.id.clone(), ch.clone());
        tokio::spawn(run_game(state.clone(), meta, ch, live_sub));
        Ok((rx, cache))
    }

    /// Number of games with local sockets (for metrics and tests).
    pub async fn local_games(&self) -> usize {
        self.games.lock().await.len()
    }

    /// Ends the game's task if no socket listens any more. Returns whether it did.
    async fn release_if_idle(&self, game_id: &str, tx: &Channels) -> bool {
        let mut games = self.games.lock().await;
        if tx.listeners() == 0 {
            games.remove(game_id);
            true
        } else {
            false
        }
    }
}

async fn run_game(
    state: AppState,
    meta: Arc<GameMeta>,
    tx: Channels,
    mut live_sub: BoxStream<'static, LiveMessage>,
) {
    let game_id = meta.id.clone();
    let mut ticker = tokio::time::interval(COUNT_INTERVAL);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut phase = state
        .live
        .state(&game_id)
        .await
        .ok()
        .flatten()
        .map(|s| s.phase);
    let mut deadline = deadline_of(&state, &game_id).await;
    let mut answers_changed = true;
    // The lobby shows who is connected; presence changes are coalesced into one snapshot per tick.
    let mut presence_changed = false;
    // The last snapshot fanned out, and whether anything but the state changed since (see `next_snapshot`).
    // Not the cache's newest: sockets offer snapshots they loaded themselves, which may predate an answer
    // this task has already seen, and a reused snapshot must hold everything announced before it.
    let mut last: Option<Arc<Snapshot>> = None;
    let mut data_changed = true;
    let mut presence_refresh = PresenceRefresh::default();
    // Whoever applied the podium stores the results; every instance serving the game makes sure of it.
    let mut results_checked = false;
    let mut check_results = |phase: Option<Phase>| {
        if phase == Some(Phase::Podium) && !results_checked {
            results_checked = true;
            tokio::spawn(engine::ensure_results_stored(
                state.clone(),
                (*meta).clone(),
            ));
        }
    };
    check_results(phase);
    let mut ticks: u32 = 0;
    loop {
        let sleep_until = deadline.map_or_else(far_future, |(_, at)| at);
        tokio::select! {
            msg = live_sub.next() => match msg {
                Some(LiveMessage::StateChanged { seq, .. }) => {
                    let started = Instant::now();
                    let reuse = last.as_ref().filter(|_| !data_changed);
                    if let Some(snap) = next_snapshot(&state, &meta, reuse, seq).await {
                        tracing::debug!(game = %game_id, seq, players = snap.players.len(),
                            reused = reuse.is_some(),
                            load_ms = started.elapsed().as_millis() as u64, "fanning out a snapshot");
                        phase = Some(snap.state.phase);
                        check_results(phase);
                        deadline = question_deadline(&snap);
                        answers_changed = true;
                        data_changed = false;
                        let snap = Arc::new(snap);
                        last = Some(snap.clone());
                        tx.cache.offer(&snap);
                        tx.to_all(LocalEvent::Snapshot(snap));
                    }
                }
                Some(LiveMessage::PlayerJoined { player_id, nickname, player_count, .. }) => {
                    data_changed = true;
                    if tx.hosts.receiver_count() > 0 {
                        tx.to_hosts(LocalEvent::PlayerJoined { player_id, nickname, player_count });
                    }
                }
                Some(LiveMessage::Kicked { player_id, .. }) => {
                    data_changed = true;
                    tx.to_players(LocalEvent::Kicked { player_id });
                }
                Some(LiveMessage::Answered { .. }) => {
                    answers_changed = true;
                    data_changed = true;
                }
                Some(LiveMessage::Presence { .. }) => {
                    answers_changed = true;
                    data_changed = true;
                    presence_changed = true;
                }
                Some(LiveMessage::Reconnect) => {}
                None => {
                    // The live channel ended (store restarted): resubscribe, then resync every socket.
                    data_changed = true;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    if let Ok(sub) = state.live.subscribe(&game_id).await {
                        live_sub = sub;
                        if let Some(snap) = load_snapshot(&state, &meta).await {
                            deadline = question_deadline(&snap);
                            let snap = Arc::new(snap);
                            tx.cache.offer(&snap);
                            tx.to_all(LocalEvent::Snapshot(snap));
                        }
                    }
                }
            },
            _ = tokio::time::sleep_until(sleep_until), if deadline.is_some() => {
                if let Some((question, _)) = deadline.take() {
                    close_question(&state, &game_id, question).await;
                }
            }
            _ = ticker.tick() => {
                if tx.listeners() == 0 && state.hub.release_if_idle(&game_id, &tx).await {
                    return;
                }
                ticks = ticks.wrapping_add(1);
                if ticks.is_multiple_of(HEARTBEAT_TICKS) {
                    // While this instance serves the game, its sockets count as connected players.
                    let _ = state.live.heartbeat(&game_id).await;
                    // A crashed instance's players stop counting: maybe everyone left has answered now.
                    answers_changed = true;
                }
                if presence_changed && phase == Some(Phase::Lobby) && presence_refresh.due() {
                    presence_changed = false;
                    let started = Instant::now();
                    let loaded = load_snapshot(&state, &meta).await;
                    presence_refresh.loaded_in(started.elapsed());
                    if let Some(snap) = loaded {
                        // Only the host's view lists who is connected: players' screens do not change.
                        let snap = Arc::new(snap);
                        tx.cache.offer(&snap);
                        tx.to_hosts(LocalEvent::Snapshot(snap));
                    }
                }
                if let (Some(Phase::Question(question)), true) = (phase, answers_changed) {
                    answers_changed = false;
                    report_answers(&state, &game_id, question, &tx).await;
                }
            }
        }
    }
}

/// How often the host's lobby list is reloaded for presence changes. A reload reads every player and
/// holds up this game's loop while it runs (~150 ms with 10 000 players in a cluster), so reloads are
/// spaced by a second and by at least four times the last reload's duration: otherwise a big lobby keeps
/// the loop busy with presence and the start of the game reaches this instance's sockets seconds late.
struct PresenceRefresh {
    next: Instant,
}

impl Default for PresenceRefresh {
    fn default() -> Self {
        PresenceRefresh {
            next: Instant::now(),
        }
    }
}

impl PresenceRefresh {
    fn due(&self) -> bool {
        Instant::now() >= self.next
    }

    fn loaded_in(&mut self, took: Duration) {
        self.next = Instant::now() + PRESENCE_REFRESH_MIN.max(took * 4);
    }
}

const PRESENCE_REFRESH_MIN: Duration = Duration::from_secs(1);

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400)
}

/// The snapshot of a state change. Players, scores, streaks and answers change only with the events that
/// announce them (answers, joins, kicks, presence — each published by the same store operation or right
/// after it); when none arrived since the last snapshot, only the new state is read and the rest is
/// reused. With 10 000 players that turns loading every player (hundreds of ms in a cluster) into one
/// small read for the question → reveal → leaderboard → next question cycle's cheap steps.
async fn next_snapshot(
    state: &AppState,
    meta: &Arc<GameMeta>,
    reuse: Option<&Arc<Snapshot>>,
    seq: u64,
) -> Option<Snapshot> {
    if let Some(prev) = reuse {
        match state.live.state(&meta.id).await {
            Ok(Some(next)) => return Some(prev.advanced(seq, next)),
            Ok(None) => return None,
            Err(e) => tracing::warn!(game = %meta.id, error = %e, "could not read state"),
        }
    }
    load_snapshot(state, meta).await
}

async fn load_snapshot(state: &AppState, meta: &Arc<GameMeta>) -> Option<Snapshot> {
    match Snapshot::load(state.live.as_ref(), meta.clone()).await {
        Ok(snap) => snap,
        Err(e) => {
            tracing::warn!(game = %meta.id, error = %e, "could not load snapshot");
            None
        }
    }
}

/// The open question and the local instant its deadline falls on.
fn question_deadline(snap: &Snapshot) -> Option<(u32, Instant)> {
    deadline_at(snap.state.phase, snap.state.deadline_ms)
}

async fn deadline_of(state: &AppState, game_id: &str) -> Option<(u32, Instant)> {
    let s = state.live.state(game_id).await.ok().flatten()?;
    deadline_at(s.phase, s.deadline_ms)
}

fn deadline_at(phase: Phase, deadline_ms: u64) -> Option<(u32, Instant)> {
    let Phase::Question(q) = phase else {
        return None;
    };
    let remaining = Duration::from_millis(deadline_ms.saturating_sub(now_ms()));
    Some((q, Instant::now() + remaining))
}

async fn close_question(state: &AppState, game_id: &str, question: u32) {
    match engine::transition(state, game_id, Command::Close { question }).await {
        // Another instance (or the all-answered check) closed it first: that is the expected race.
        Ok(_) | Err(engine::EngineError::Transition(_)) => {}
        Err(e) => tracing::warn!(game = game_id, error = %e, "closing question failed"),
    }
}

/// Sends the coalesced answer count to hosts and closes the question once every connected player answered.
async fn report_answers(state: &AppState, game_id: &str, question: u32, tx: &Channels) {
    let (Ok(answered), Ok((total, connected))) = (
        state.live.answered_count(game_id, question).await,
        state.live.player_counts(game_id).await,
    ) else {
        return;
    };
    tx.to_hosts(LocalEvent::AnswerCount {
        question,
        answered,
        total,
    });
    if connected > 0 && answered >= connected {
        close_question(state, game_id, question).await;
    }
}
