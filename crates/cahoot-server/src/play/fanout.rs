//! Per-instance fan-out and game timers. One task per game that has sockets on this instance: it
//! subscribes once to the game's live channel, loads one snapshot per state change and hands it to every
//! local socket, coalesces answer counts for hosts (≤ 10 per second), and runs the game's clocks — the
//! question deadline, "everyone answered", the instance heartbeat and the results check after the podium.
//! Every instance holding sockets of a game runs this task, so the game goes on whichever instance dies
//! (the CAS makes the duplicate close attempts harmless). It changes games only through [`Commands`].

use super::Commands;
use super::archive;
use super::snapshot_cache::SnapshotCache;
use super::view::Snapshot;
use crate::clock::now_ms;
use crate::live::{GameMeta, LiveError, LiveMessage};
use cahoot_game::{Command, Phase};
use cahoot_protocol::{GameId, PlayerId, Role};
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
/// How often the host's lobby list is reloaded for presence changes at most (see `PresenceRefresh`).
const PRESENCE_REFRESH_MIN: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub enum LocalEvent {
    Snapshot(Arc<Snapshot>),
    PlayerJoined {
        player_id: PlayerId,
        nickname: String,
        player_count: u64,
    },
    Kicked {
        player_id: PlayerId,
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

type Registry = Arc<Mutex<HashMap<GameId, Channels>>>;

/// The games this instance holds sockets for, each with its fan-out task.
pub struct Fanout {
    games: Registry,
    commands: Commands,
}

impl Fanout {
    pub fn new(commands: Commands) -> Self {
        Fanout {
            games: Registry::default(),
            commands,
        }
    }

    /// Subscribes a socket to a game's local events, starting the game's task on first use. The live
    /// subscription exists before this returns, so a snapshot loaded afterwards misses no event.
    pub async fn join(
        &self,
        meta: Arc<GameMeta>,
        role: Role,
    ) -> Result<(broadcast::Receiver<Arc<LocalEvent>>, SnapshotCache), LiveError> {
        let mut games = self.games.lock().await;
        if let Some(ch) = games.get(&meta.id) {
            return Ok((ch.subscribe(role), ch.cache.clone()));
        }
        let live_sub = self.commands.live.subscribe(meta.id).await?;
        let ch = Channels {
            players: broadcast::channel(LOCAL_CAPACITY).0,
            hosts: broadcast::channel(LOCAL_CAPACITY).0,
            cache: SnapshotCache::default(),
        };
        let rx = ch.subscribe(role);
        let cache = ch.cache.clone();
        games.insert(meta.id, ch.clone());
        let task = GameTask::start(self.commands.clone(), self.games.clone(), meta, ch).await;
        tokio::spawn(task.run(live_sub));
        Ok((rx, cache))
    }
}

/// One game's fan-out loop and its clocks.
struct GameTask {
    commands: Commands,
    registry: Registry,
    meta: Arc<GameMeta>,
    tx: Channels,
    phase: Option<Phase>,
    /// The open question and the local instant its deadline falls on.
    deadline: Option<(u32, Instant)>,
    /// An answer, presence change or heartbeat since the last answer-count report.
    answers_changed: bool,
    /// The lobby shows who is connected; presence changes are coalesced into one snapshot per tick.
    presence_changed: bool,
    presence_refresh: PresenceRefresh,
    /// The last snapshot fanned out, and whether anything but the state changed since (see
    /// `next_snapshot`). Not the cache's newest: sockets offer snapshots they loaded themselves, which may
    /// predate an answer this task has already seen, and a reused snapshot must hold everything announced
    /// before it.
    last: Option<Arc<Snapshot>>,
    data_changed: bool,
    /// Whoever applied the podium stores the results; every instance serving the game makes sure of it.
    results_checked: bool,
}

impl GameTask {
    async fn start(
        commands: Commands,
        registry: Registry,
        meta: Arc<GameMeta>,
        tx: Channels,
    ) -> GameTask {
        let state = commands.live.state(meta.id).await.ok().flatten();
        let mut task = GameTask {
            commands,
            registry,
            meta,
            tx,
            phase: state.as_ref().map(|s| s.phase),
            deadline: state
                .and_then(|s| deadline_at(s.phase, s.deadline_ms.max(s.extra_deadline_ms))),
            answers_changed: true,
            presence_changed: false,
            presence_refresh: PresenceRefresh::default(),
            last: None,
            data_changed: true,
            results_checked: false,
        };
        task.check_results();
        task
    }

    async fn run(mut self, mut live_sub: BoxStream<'static, LiveMessage>) {
        let mut ticker = tokio::time::interval(COUNT_INTERVAL);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut ticks: u32 = 0;
        loop {
            let sleep_until = self.deadline.map_or_else(far_future, |(_, at)| at);
            tokio::select! {
                msg = live_sub.next() => match msg {
                    Some(msg) => self.on_message(msg).await,
                    None => {
                        // The live channel ended (store restarted): resubscribe, then resync every socket.
                        self.data_changed = true;
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        if let Ok(sub) = self.commands.live.subscribe(self.meta.id).await {
                            live_sub = sub;
                            if let Some(snap) = self.load_snapshot().await {
                                self.deadline = question_deadline(&snap);
                                let snap = Arc::new(snap);
                                self.tx.cache.offer(&snap);
                                self.tx.to_all(LocalEvent::Snapshot(snap));
                            }
                        }
                    }
                },
                _ = tokio::time::sleep_until(sleep_until), if self.deadline.is_some() => {
                    if let Some((question, _)) = self.deadline.take() {
                        self.close_question(question).await;
                    }
                }
                _ = ticker.tick() => {
                    if self.tx.listeners() == 0 && self.release_if_idle().await {
                        return;
                    }
                    ticks = ticks.wrapping_add(1);
                    self.on_tick(ticks).await;
                }
            }
        }
    }

    async fn on_message(&mut self, msg: LiveMessage) {
        match msg {
            LiveMessage::StateChanged { seq, .. } => self.fan_out_state(seq).await,
            LiveMessage::PlayerJoined {
                player_id,
                nickname,
                player_count,
                ..
            } => {
                self.data_changed = true;
                if self.tx.hosts.receiver_count() > 0 {
                    self.tx.to_hosts(LocalEvent::PlayerJoined {
                        player_id,
                        nickname,
                        player_count,
                    });
                }
            }
            LiveMessage::Kicked { seq, player_id } => {
                // The kicked player's sockets close; everyone else's screen drops them.
                self.data_changed = true;
                self.tx.to_players(LocalEvent::Kicked { player_id });
                self.fan_out_state(seq).await;
            }
            LiveMessage::ExtraTime { seq } => {
                self.data_changed = true;
                self.fan_out_state(seq).await;
            }
            LiveMessage::Answered { .. } => {
                self.answers_changed = true;
                self.data_changed = true;
            }
            LiveMessage::Presence { .. } => {
                self.answers_changed = true;
                self.data_changed = true;
                self.presence_changed = true;
            }
        }
    }

    /// Loads (or derives) the snapshot of event `seq` and hands it to every local socket.
    async fn fan_out_state(&mut self, seq: u64) {
        let started = Instant::now();
        let reuse = self.last.clone().filter(|_| !self.data_changed);
        let Some(snap) = self.next_snapshot(reuse.as_ref(), seq).await else {
            return;
        };
        tracing::debug!(game = %self.meta.id, seq, players = snap.players.len(),
            reused = reuse.is_some(),
            load_ms = started.elapsed().as_millis() as u64, "fanning out a snapshot");
        self.phase = Some(snap.state.phase);
        self.check_results();
        self.deadline = question_deadline(&snap);
        self.answers_changed = true;
        self.data_changed = false;
        let snap = Arc::new(snap);
        self.last = Some(snap.clone());
        self.tx.cache.offer(&snap);
        self.tx.to_all(LocalEvent::Snapshot(snap));
    }

    async fn on_tick(&mut self, ticks: u32) {
        let game_id = self.meta.id;
        if ticks.is_multiple_of(HEARTBEAT_TICKS) {
            // While this instance serves the game, its sockets count as connected players.
            let _ = self.commands.live.heartbeat(game_id).await;
            // A crashed instance's players stop counting: maybe everyone left has answered now.
            self.answers_changed = true;
        }
        if self.presence_changed && self.phase == Some(Phase::Lobby) && self.presence_refresh.due()
        {
            self.presence_changed = false;
            let started = Instant::now();
            let loaded = self.load_snapshot().await;
            self.presence_refresh.loaded_in(started.elapsed());
            if let Some(snap) = loaded {
                // Only the host's view lists who is connected: players' screens do not change.
                let snap = Arc::new(snap);
                self.tx.cache.offer(&snap);
                self.tx.to_hosts(LocalEvent::Snapshot(snap));
            }
        }
        if let (Some(Phase::Question(question)), true) = (self.phase, self.answers_changed) {
            self.answers_changed = false;
            self.report_answers(question).await;
        }
    }

    fn check_results(&mut self) {
        if self.phase == Some(Phase::Podium) && !self.results_checked {
            self.results_checked = true;
            tokio::spawn(archive::ensure_results_stored(
                self.commands.clone(),
                (*self.meta).clone(),
            ));
        }
    }

    /// Ends the game's task if no socket listens any more. Returns whether it did.
    async fn release_if_idle(&self) -> bool {
        let mut games = self.registry.lock().await;
        if self.tx.listeners() == 0 {
            games.remove(&self.meta.id);
            true
        } else {
            false
        }
    }

    /// The snapshot of a state change. Players, scores, streaks and answers change only with the events
    /// that announce them (answers, joins, kicks, presence — each published by the store operation that
    /// made the change); when none arrived since the last snapshot, only the new state is read and the
    /// rest is reused. With 10 000 players that turns loading every player (hundreds of ms in a cluster)
    /// into one small read for the question → reveal → leaderboard → next question cycle's cheap steps.
    async fn next_snapshot(&self, reuse: Option<&Arc<Snapshot>>, seq: u64) -> Option<Snapshot> {
        if let Some(prev) = reuse {
            match self.commands.live.state(self.meta.id).await {
                Ok(Some(next)) => return Some(prev.advanced(seq, next)),
                Ok(None) => return None,
                Err(e) => tracing::warn!(game = %self.meta.id, error = %e, "could not read state"),
            }
        }
        self.load_snapshot().await
    }

    async fn load_snapshot(&self) -> Option<Snapshot> {
        match Snapshot::load(self.commands.live.as_ref(), self.meta.clone()).await {
            Ok(snap) => snap,
            Err(e) => {
                tracing::warn!(game = %self.meta.id, error = %e, "could not load snapshot");
                None
            }
        }
    }

    async fn close_question(&self, question: u32) {
        match self
            .commands
            .transition(self.meta.id, Command::Close { question })
            .await
        {
            // Another instance (or the all-answered check) closed it first: that is the expected race.
            Ok(_) | Err(super::CommandError::Transition(_)) => {}
            Err(e) => tracing::warn!(game = %self.meta.id, error = %e, "closing question failed"),
        }
    }

    /// Sends the coalesced answer count to hosts and closes the question once every connected player
    /// answered.
    async fn report_answers(&self, question: u32) {
        let live = &self.commands.live;
        let (Ok(answered), Ok((total, connected))) = (
            live.answered_count(self.meta.id, question).await,
            live.player_counts(self.meta.id).await,
        ) else {
            return;
        };
        self.tx.to_hosts(LocalEvent::AnswerCount {
            question,
            answered,
            total,
        });
        if connected > 0 && answered >= connected {
            self.close_question(question).await;
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

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400)
}

fn question_deadline(snap: &Snapshot) -> Option<(u32, Instant)> {
    // The question closes when the last player who may still answer runs out of time.
    deadline_at(
        snap.state.phase,
        snap.state.deadline_ms.max(snap.state.extra_deadline_ms),
    )
}

fn deadline_at(phase: Phase, deadline_ms: u64) -> Option<(u32, Instant)> {
    let Phase::Question(q) = phase else {
        return None;
    };
    let remaining = Duration::from_millis(deadline_ms.saturating_sub(now_ms()));
    Some((q, Instant::now() + remaining))
}
