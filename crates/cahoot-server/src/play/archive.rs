//! Archiving finished games: copying a game's players, answers and statistics from the live store to the
//! durable store once it reaches the podium, so "Past games" and the results pages outlive the live game.
//! The store is idempotent on the game id, so every retry and every instance racing to archive the same
//! game stores it once.

use super::Commands;
use crate::durable::{FinishedGame, PlayerAnswer, PlayerResult, QuestionStats};
use crate::live::{GameMeta, GameStore, LiveError};
use cahoot_game::{AcceptedAnswer, QuestionTally};
use std::time::Duration;
use time::OffsetDateTime;

/// How long a finished game stays in the live store (podium still shown to reconnecting clients).
const FINISHED_GAME_TTL: Duration = Duration::from_secs(2 * 3600);

/// How long after the podium every instance serving the game waits before making sure its results are
/// stored. The instance that applied the podium stores them within a second (`results_store_delay`);
/// this covers it dying first.
pub const RESULTS_RECOVERY_DELAY: Duration = Duration::from_secs(3);

/// Run by the instance whose transition reached the podium.
pub fn archive_after_podium(commands: Commands, meta: GameMeta, players: u64) {
    tokio::spawn(async move {
        tokio::time::sleep(results_store_delay(players)).await;
        store_results_until_done(commands, meta).await
    });
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

/// Run by every instance that serves a finished game: after `RESULTS_RECOVERY_DELAY`, stores the results
/// unless they are stored already (a crash of the instance that ended the game must not lose them).
pub async fn ensure_results_stored(commands: Commands, meta: GameMeta) {
    tokio::time::sleep(RESULTS_RECOVERY_DELAY).await;
    // An unreadable store counts as "not stored": storing retries until it is back.
    if let Ok(true) = commands.durable.has_game(meta.id.as_uuid()).await {
        return;
    }
    tracing::info!(game = %meta.id, "a finished game's results were not stored; storing them here");
    store_results_until_done(commands, meta).await;
}

/// Copies the finished game to the durable store, retrying until it is stored.
async fn store_results_until_done(commands: Commands, meta: GameMeta) {
    let mut delay = Duration::from_millis(200);
    loop {
        match finished_game(commands.live.as_ref(), &meta).await {
            Ok(record) => match commands.durable.save_finished_game(&record).await {
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
    if let Err(e) = commands.live.finish_game(meta.id, FINISHED_GAME_TTL).await {
        tracing::warn!(game = %meta.id, error = %e, "could not schedule live game expiry");
    }
}

/// Builds the durable record of a finished game from the live store.
pub async fn finished_game(
    live: &dyn GameStore,
    meta: &GameMeta,
) -> Result<FinishedGame, LiveError> {
    let players = live.players(meta.id).await?;
    let mut pupil_ids = if meta.require_pupil_id {
        live.pupil_ids(meta.id).await?
    } else {
        std::collections::HashMap::new()
    };
    let standings = cahoot_game::model::standings(
        players
            .iter()
            .map(|(id, p)| (id.as_str(), p.nickname.as_str(), p.score)),
    );
    let mut correct_by_player = std::collections::HashMap::<String, u32>::new();
    let mut questions = Vec::with_capacity(meta.quiz.questions.len());
    for (i, q) in meta.quiz.questions.iter().enumerate() {
        let answers: std::collections::HashMap<String, AcceptedAnswer> =
            live.answers(meta.id, i as u32).await?.into_iter().collect();
        let tally = QuestionTally::of(q, answers.values());
        for (player, a) in &answers {
            if a.correct {
                *correct_by_player.entry(player.clone()).or_default() += 1;
            }
        }
        let player_answers = standings
            .iter()
            .filter_map(|s| {
                let a = answers.get(&s.player_id)?;
                Some(PlayerAnswer {
                    player_id: s.player_id.clone(),
                    answer: a.value.describe(q),
                    correct: a.correct,
                    elapsed_ms: a.elapsed_ms,
                    points: a.points,
                })
            })
            .collect();
        questions.push(QuestionStats {
            index: i as u32,
            kind: q.kind,
            text: q.text.clone(),
            answers: q.answers.clone(),
            correct: q.correct as u32,
            correct_answers: q.correct_answers.clone(),
            slider: q.slider,
            counts: tally.counts,
            answered: tally.answered,
            correct_count: tally.correct_count,
            texts: tally.texts,
            histogram: tally.histogram,
            average: tally.average,
            player_answers,
        });
    }
    let players = standings
        .into_iter()
        .map(|s| PlayerResult {
            correct_count: correct_by_player.get(&s.player_id).copied().unwrap_or(0),
            pupil_id: pupil_ids.remove(&s.player_id),
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
        id: meta.id.as_uuid(),
        owner_id: meta.owner_id,
        quiz_id: meta.quiz_id,
        quiz_title: meta.quiz.title.clone(),
        pin: meta.pin.to_string(),
        started_at,
        finished_at: OffsetDateTime::now_utc(),
        questions,
        players,
    })
}
