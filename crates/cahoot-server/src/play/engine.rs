//! Applies game transitions with compare-and-set and publishes their events; stores finished games.
//!
//! Any instance may call [`transition`]: it loads the state, computes the next one with the pure state
//! machine, and writes it only if nobody else changed the game meanwhile (CAS on `version`). Exactly one
//! caller wins a given transition and only the winner publishes and, at the podium, stores the results.

use crate::AppState;
use crate::durable::{FinishedGame, PlayerResult, QuestionStats};
use crate::live::{GameMeta, LiveError, LiveMessage, LiveStore};
use cahoot_game::{Command, Context, Event, GameState, TransitionError, apply};
use cahoot_protocol::ErrorCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;
use uuid::Uuid;

/// How long a finished game stays in the live store (podium still shown to reconnecting clients).
const FINISHED_GAME_TTL: Duration = Duration::from_secs(2 * 3600);
const CAS_ATTEMPTS: usize = 16;
const UNAVAILABLE_RETRIES: usize = 4;

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Live(#[from] LiveError),
    #[error("the game changed too often to apply the command; try again")]
    Contended,
}

impl EngineError {
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::Transition(t) => (*t).into(),
            EngineError::Live(LiveError::GameNotFound) => ErrorCode::GameNotFound,
            EngineError::Live(_) => ErrorCode::LiveStoreUnavailable,
            EngineError::Contended => ErrorCode::Conflict,
        }
    }
}

/// Loads, decides, compare-and-sets; on a lost race reloads and decides again.
pub async fn transition(
    state: &AppState,
    game_id: &str,
    command: Command,
) -> Result<Vec<Event>, EngineError> {
    // A live store that just restarted fails the first request on each pooled connection; retrying a
    // few times with a short pause rides that out instead of showing the host an error.
    let mut pause = Duration::from_millis(100);
    for _ in 0..UNAVAILABLE_RETRIES {
        match try_transition(state, game_id, command).await {
            Err(EngineError::Live(LiveError::Unavailable(_))) => {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            other => return other,
        }
    }
    try_transition(state, game_id, command).await
}

async fn try_transition(
    state: &AppState,
    game_id: &str,
    command: Command,
) -> Result<Vec<Event>, EngineError> {
    let live = &state.live;
    let meta = live.meta(game_id).await?.ok_or(LiveError::GameNotFound)?;
    for _ in 0..CAS_ATTEMPTS {
        let current = live.state(game_id).await?.ok_or(LiveError::GameNotFound)?;
        let players = live.player_total(game_id).await?;
        let ctx = Context {
            now_ms: now_ms(),
            player_count: players as usize,
            quiz: &meta.quiz,
        };
        let (next, events) = apply(&current, command, &ctx)?;
        if live.cas_state(game_id, current.version, &next).await? {
            after_transition(state, &meta, &next, &events, players).await?;
            return Ok(events);
        }
    }
    Err(EngineError::Contended)
}

async fn after_transition(
    state: &AppState,
    meta: &GameMeta,
    next: &GameState,
    events: &[Event],
    players: u64,
) -> Result<(), LiveError> {
    let seq = state.live.next_seq(&meta.id).await?;
    tracing::debug!(game = %meta.id, seq, phase = ?next.phase, "publishing a transition");
    state
        .live
        .publish(
            &meta.id,
            &LiveMessage::StateChanged {
                seq,
                version: next.version,
            },
        )
        .await?;
    if events.contains(&Event::GameEnded) {
        let state = state.clone();
        let meta = meta.clone();
        tokio::spawn(async move {
            tokio::time::sleep(results_store_delay(players)).await;
            store_results_until_done(state, meta).await
        });
    }
    Ok(())
}

/// How long the instance that applied the podium waits before storing the results. Storing reads every
/// player and answer from the live store and writes them to the database; in a big game, started at
/// once, it competed with every instance's podium fan-out for the same store and cores (cluster podium
/// p99 315 ms vs 190–241 ms for the other screens with 10 000 players). A classroom's game is stored at
/// once, so "Past games" lists it as soon as the host is back on the dashboard.
fn results_store_delay(players: u64) -> Duration {
    if players >= 1000 {
        Duration::from_secs(1)
    } else {
        Duration::ZERO
    }
}

/// How long after the podium every instance serving the game waits before making sure its results are
/// stored. The instance that applied the podium stores them within a second (`results_store_delay`);
/// this covers it dying first.
pub const RESULTS_RECOVERY_DELAY: Duration = Duration::from_secs(3);

/// Run by every instance that serves a finished game: after `RESULTS_RECOVERY_DELAY`, stores the results
/// unless they are stored already (the store is idempotent on the game id, so a race stores them once).
pub async fn ensure_results_stored(state: AppState, meta: GameMeta) {
    tokio::time::sleep(RESULTS_RECOVERY_DELAY).await;
    // An unreadable store counts as "not stored": storing retries until it is back.
    if let Ok(true) = state.durable.has_game(parse_uuid(&meta.id)).await {
        return;
    }
    tracing::info!(game = %meta.id, "a finished game's results were not stored; storing them here");
    store_results_until_done(state, meta).await;
}

/// Copies the finished game to the durable store, retrying until it is stored (the store is idempotent on
/// the game id, so a retry after an ambiguous failure stores it once).
async fn store_results_until_done(state: AppState, meta: GameMeta) {
    let mut delay = Duration::from_millis(200);
    loop {
        match finished_game(state.live.as_ref(), &meta).await {
            Ok(record) => match state.durable.save_finished_game(&record).await {
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(game = %meta.id, error = %e, "storing results failed; retrying")
                }
            },
            Err(e) => {
                tracing::warn!(game = %meta.id, error = %e, "reading results failed; retrying")
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(30));
    }
    if let Err(e) = state.live.finish_game(&meta.id, FINISHED_GAME_TTL).await {
        tracing::warn!(game = %meta.id, error = %e, "could not schedule live game expiry");
    }
}

/// Builds the durable record of a finished game from the live store.
pub async fn finished_game(
    live: &dyn LiveStore,
    meta: &GameMeta,
) -> Result<FinishedGame, LiveError> {
    let players = live.players(&meta.id).await?;
    let mut correct_by_player = std::collections::HashMap::<String, u32>::new();
    let mut questions = Vec::with_capacity(meta.quiz.questions.len());
    for (i, q) in meta.quiz.questions.iter().enumerate() {
        let answers = live.answers(&meta.id, i as u32).await?;
        let mut counts = vec![0u32; q.answers.len()];
        let mut correct_count = 0;
        for (player, a) in &answers {
            if let Some(c) = counts.get_mut(a.choice as usize) {
                *c += 1;
            }
            if a.correct {
                correct_count += 1;
                *correct_by_player.entry(player.clone()).or_default() += 1;
            }
        }
        questions.push(QuestionStats {
            index: i as u32,
            text: q.text.clone(),
            answers: q.answers.clone(),
            correct: q.correct as u32,
            counts,
            answered: answers.len() as u32,
            correct_count,
        });
    }
    let standings = cahoot_game::model::standings(
        players
            .iter()
            .map(|(id, p)| (id.as_str(), p.nickname.as_str(), p.score)),
    );
    let players = standings
        .into_iter()
        .map(|s| PlayerResult {
            correct_count: correct_by_player.get(&s.player_id).copied().unwrap_or(0),
            player_id: s.player_id,
            nickname: s.nickname,
            rank: s.rank,
            score: s.score,
        })
        .collect();
    let started_at =
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(meta.created_at_ms) * 1_000_000)
            .unwrap_or_else(|_| OffsetDateTime::now_utc());
    Ok(FinishedGame {
        id: parse_uuid(&meta.id),
        owner_id: parse_uuid(&meta.owner_id),
        quiz_id: parse_uuid(&meta.quiz_id),
        quiz_title: meta.quiz.title.clone(),
        pin: meta.pin.to_string(),
        started_at,
        finished_at: OffsetDateTime::now_utc(),
        questions,
        players,
    })
}

/// Ids in the live store are written by this server from `Uuid`s; a malformed one means a corrupted
/// store entry, which we record under the nil id rather than lose the results.
fn parse_uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap_or_else(|_| {
        tracing::error!(id = s, "malformed id in live store");
        Uuid::nil()
    })
}
