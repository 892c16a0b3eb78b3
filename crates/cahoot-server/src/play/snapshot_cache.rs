//! The snapshots connecting players start from, shared per game on this instance.

use super::view::Snapshot;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long a lobby snapshot is shared by connecting players before one of them loads a new one.
const LOBBY_SNAPSHOT_MAX_AGE: Duration = Duration::from_secs(1);

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
