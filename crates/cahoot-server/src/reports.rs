//! Teachers' reports, computed from the stored results (owner only, like the results: another host's game
//! or quiz is 404): one finished game (`GET /api/games/{id}/report`) and one quiz across its finished
//! games (`GET /api/quizzes/{id}/report`). docs/reports.md defines every number.
//!
//! Percentages are of the players in the game (a player who did not answer counts as not correct), rounded
//! to one decimal; only judged questions count (polls, word clouds and slides have no right answer).

use crate::AppState;
use crate::auth::AuthUser;
use crate::durable::{FinishedGame, PlayerAnswer, StoreError};
use crate::error::{ApiError, ErrorBody};
use crate::http::Json;
use axum::extract::{Path, State};
use cahoot_game::QuestionKind;
use cahoot_protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// How many of a quiz's finished games its report covers (the most recent ones).
pub const QUIZ_REPORT_GAMES: u32 = 50;
/// How many questions a game report names as the hardest.
pub const HARDEST_QUESTIONS: usize = 3;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(game_report_handler))
        .routes(routes!(quiz_report_handler))
}

/// One finished game, question by question and player by player.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GameReport {
    pub game_id: Uuid,
    pub quiz_id: Uuid,
    pub quiz_title: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    pub player_count: u32,
    /// Whether any player gave a pupil identifier (the host asked for them).
    pub pupil_ids: bool,
    /// Mean final score of the players.
    pub average_score: f64,
    /// Correct answers of all players to the judged questions, of all they could have given.
    pub correct_percent: Option<f64>,
    pub questions: Vec<QuestionReport>,
    /// Indices of the judged questions with the lowest correct percentage, hardest first (at most 3).
    pub hardest: Vec<u32>,
    /// Standings order.
    pub players: Vec<PlayerReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuestionReport {
    pub index: u32,
    pub kind: QuestionKind,
    pub text: String,
    /// Whether the question has a right answer (not a poll, word cloud or slide).
    pub judged: bool,
    pub answered: u32,
    pub correct_count: u32,
    /// Players who answered correctly, of all players; `null` for questions without a right answer.
    pub correct_percent: Option<f64>,
    /// Mean time to answer of the players who answered, in milliseconds.
    pub average_time_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlayerReport {
    pub player_id: String,
    pub nickname: String,
    pub pupil_id: Option<String>,
    pub rank: u32,
    pub score: u64,
    /// Correct answers to judged questions.
    pub correct_count: u32,
    /// Of the judged questions.
    pub correct_percent: Option<f64>,
    /// One per question, in question order.
    pub answers: Vec<PlayerAnswerReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlayerAnswerReport {
    pub question: u32,
    /// What the player answered, human-readable; `null` when they did not answer.
    pub answer: Option<String>,
    /// `null` for questions without a right answer.
    pub correct: Option<bool>,
    pub points: u32,
    pub time_ms: Option<u64>,
}

/// One quiz across its finished games, oldest game first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuizReport {
    pub quiz_id: Uuid,
    pub quiz_title: String,
    /// At most the most recent 50 games, oldest first; the columns of `questions` and `pupils`.
    pub games: Vec<QuizGameRow>,
    /// By question index, over the games' own questions (the text of the most recent game having it).
    pub questions: Vec<QuizQuestionRow>,
    /// One row per pupil: by pupil identifier where one was given, else by nickname (case-insensitive);
    /// sorted by label.
    pub pupils: Vec<PupilRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuizGameRow {
    pub game_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    pub player_count: u32,
    pub average_score: f64,
    pub correct_percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuizQuestionRow {
    pub index: u32,
    pub text: String,
    /// One per game (as `games`): the question's correct percentage, `null` when the game did not have it
    /// or it has no right answer.
    pub correct_percent: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PupilRow {
    /// Pupil identifier or nickname, as first seen.
    pub label: String,
    /// Whether the row is keyed by pupil identifier (else by nickname).
    pub by_pupil_id: bool,
    /// One per game (as `games`); `null` when the pupil did not play it.
    pub games: Vec<Option<PupilGame>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PupilGame {
    pub nickname: String,
    pub rank: u32,
    pub score: u64,
    pub correct_percent: Option<f64>,
}

/// `part / whole` in percent, one decimal; `None` when `whole` is 0.
fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round1(part as f64 * 100.0 / whole as f64))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| round1(sum / f64::from(n)))
}

/// The report of one finished game.
pub fn game_report(game: &FinishedGame) -> GameReport {
    let player_count = u32::try_from(game.players.len()).unwrap_or(u32::MAX);
    let questions: Vec<QuestionReport> = game
        .questions
        .iter()
        .map(|q| {
            let judged = q.kind.is_judged();
            QuestionReport {
                index: q.index,
                kind: q.kind,
                text: q.text.clone(),
                judged,
                answered: q.answered,
                correct_count: q.correct_count,
                correct_percent: if judged {
                    percent(u64::from(q.correct_count), u64::from(player_count))
                } else {
                    None
                },
                average_time_ms: mean(q.player_answers.iter().map(|a| a.elapsed_ms as f64)),
            }
        })
        .collect();
    let mut hardest: Vec<&QuestionReport> = questions
        .iter()
        .filter(|q| q.correct_percent.is_some())
        .collect();
    hardest.sort_by(|a, b| {
        a.correct_percent
            .partial_cmp(&b.correct_percent)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.index.cmp(&b.index))
    });
    let hardest = hardest
        .iter()
        .take(HARDEST_QUESTIONS)
        .map(|q| q.index)
        .collect();
    let judged_count = game.questions.iter().filter(|q| q.kind.is_judged()).count() as u64;
    let answers_by_question: Vec<HashMap<&str, &PlayerAnswer>> = game
        .questions
        .iter()
        .map(|q| {
            q.player_answers
                .iter()
                .map(|a| (a.player_id.as_str(), a))
                .collect()
        })
        .collect();
    let players: Vec<PlayerReport> = game
        .players
        .iter()
        .map(|p| {
            let answers: Vec<PlayerAnswerReport> = game
                .questions
                .iter()
                .zip(&answers_by_question)
                .map(|(q, by_player)| {
                    let judged = q.kind.is_judged();
                    match by_player.get(p.player_id.as_str()) {
                        Some(a) => PlayerAnswerReport {
                            question: q.index,
                            answer: Some(a.answer.clone()),
                            correct: judged.then_some(a.correct),
                            points: a.points,
                            time_ms: Some(a.elapsed_ms),
                        },
                        None => PlayerAnswerReport {
                            question: q.index,
                            answer: None,
                            correct: judged.then_some(false),
                            points: 0,
                            time_ms: None,
                        },
                    }
                })
                .collect();
            // Games stored before per-player answers were kept fall back to the stored count.
            let correct_count = if game.questions.iter().all(|q| q.player_answers.is_empty()) {
                p.correct_count
            } else {
                answers.iter().filter(|a| a.correct == Some(true)).count() as u32
            };
            PlayerReport {
                player_id: p.player_id.clone(),
                nickname: p.nickname.clone(),
                pupil_id: p.pupil_id.clone(),
                rank: p.rank,
                score: p.score,
                correct_count,
                correct_percent: percent(u64::from(correct_count), judged_count),
                answers,
            }
        })
        .collect();
    let total_correct: u64 = questions
        .iter()
        .filter(|q| q.judged)
        .map(|q| u64::from(q.correct_count))
        .sum();
    GameReport {
        game_id: game.id,
        quiz_id: game.quiz_id,
        quiz_title: game.quiz_title.clone(),
        started_at: game.started_at,
        finished_at: game.finished_at,
        player_count,
        pupil_ids: game.players.iter().any(|p| p.pupil_id.is_some()),
        average_score: mean(game.players.iter().map(|p| p.score as f64)).unwrap_or(0.0),
        correct_percent: percent(total_correct, judged_count * u64::from(player_count)),
        questions,
        hardest,
        players,
    }
}

/// The report of a quiz over `games` (oldest first).
pub fn quiz_report(quiz_id: Uuid, quiz_title: &str, games: &[FinishedGame]) -> QuizReport {
    let reports: Vec<GameReport> = games.iter().map(game_report).collect();
    let rows = reports
        .iter()
        .map(|r| QuizGameRow {
            game_id: r.game_id,
            started_at: r.started_at,
            player_count: r.player_count,
            average_score: r.average_score,
            correct_percent: r.correct_percent,
        })
        .collect();
    let question_count = reports.iter().map(|r| r.questions.len()).max().unwrap_or(0);
    let questions = (0..question_count)
        .map(|i| QuizQuestionRow {
            index: i as u32,
            text: reports
                .iter()
                .rev()
                .find_map(|r| r.questions.get(i).map(|q| q.text.clone()))
                .unwrap_or_default(),
            correct_percent: reports
                .iter()
                .map(|r| r.questions.get(i).and_then(|q| q.correct_percent))
                .collect(),
        })
        .collect();
    // key → (label, by pupil id, one cell per game)
    let mut pupils: Vec<PupilRow> = Vec::new();
    let mut by_key: HashMap<(bool, String), usize> = HashMap::new();
    for (g, report) in reports.iter().enumerate() {
        for p in &report.players {
            let (by_pupil_id, label) = match &p.pupil_id {
                Some(id) => (true, id.clone()),
                None => (false, p.nickname.clone()),
            };
            let key = (by_pupil_id, label.to_lowercase());
            let row = *by_key.entry(key).or_insert_with(|| {
                pupils.push(PupilRow {
                    label,
                    by_pupil_id,
                    games: vec![None; reports.len()],
                });
                pupils.len() - 1
            });
            // Two players of one game under one key (a repeated pupil id): the better placed one counts.
            if pupils[row].games[g].is_none() {
                pupils[row].games[g] = Some(PupilGame {
                    nickname: p.nickname.clone(),
                    rank: p.rank,
                    score: p.score,
                    correct_percent: p.correct_percent,
                });
            }
        }
    }
    pupils.sort_by(|a, b| {
        a.label
            .to_lowercase()
            .cmp(&b.label.to_lowercase())
            .then(b.by_pupil_id.cmp(&a.by_pupil_id))
    });
    QuizReport {
        quiz_id,
        quiz_title: quiz_title.to_owned(),
        games: rows,
        questions,
        pupils,
    }
}

/// Report of one finished game: per question correct % and average answer time, the hardest questions,
/// and every player's answers with their pupil identifier.
#[utoipa::path(get, path = "/api/games/{id}/report", tag = "games",
    params(("id" = Uuid, Path, description = "game id")),
    responses((status = 200, body = GameReport),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "`game_not_found` (also another host's game or a malformed id)")),
    security(("bearer" = [])))]
pub async fn game_report_handler(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<GameReport>, ApiError> {
    let game = crate::results::own_game(&state, &user, &id).await?;
    Ok(Json(game_report(&game)))
}

/// Report of one of your quizzes across its finished games (the most recent 50): one row per game, each
/// question's correct % per game, each pupil's score and correct % per game.
#[utoipa::path(get, path = "/api/quizzes/{id}/report", tag = "quizzes",
    params(("id" = Uuid, Path, description = "quiz id")),
    responses((status = 200, body = QuizReport),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "`quiz_not_found` (also another host's quiz or a malformed id)")),
    security(("bearer" = [])))]
pub async fn quiz_report_handler(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<QuizReport>, ApiError> {
    let not_found = || ApiError::not_found(ErrorCode::QuizNotFound, "no such quiz");
    let id = Uuid::parse_str(&id).map_err(|_| not_found())?;
    let quiz = state
        .durable
        .get_quiz(user.user_id, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => not_found(),
            other => other.into(),
        })?;
    let games = state
        .durable
        .list_quiz_games(user.user_id, quiz.id, QUIZ_REPORT_GAMES)
        .await?;
    Ok(Json(quiz_report(quiz.id, &quiz.title, &games)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::durable::{PlayerResult, QuestionStats};

    fn game(players: Vec<PlayerResult>) -> FinishedGame {
        FinishedGame {
            id: Uuid::nil(),
            owner_id: Uuid::nil(),
            quiz_id: Uuid::nil(),
            quiz_title: "Q".into(),
            pin: "123456".into(),
            started_at: OffsetDateTime::UNIX_EPOCH,
            finished_at: OffsetDateTime::UNIX_EPOCH,
            questions: vec![QuestionStats {
                text: "one".into(),
                ..Default::default()
            }],
            players,
        }
    }

    fn player(id: &str, pupil: Option<&str>, rank: u32, score: u64) -> PlayerResult {
        PlayerResult {
            player_id: id.into(),
            nickname: id.into(),
            rank,
            score,
            correct_count: 0,
            pupil_id: pupil.map(str::to_owned),
        }
    }

    #[test]
    fn a_game_without_players_has_no_percentages_and_no_hardest_question() {
        let report = game_report(&game(vec![]));
        assert_eq!(report.correct_percent, None);
        assert_eq!(report.questions[0].correct_percent, None);
        assert_eq!(report.questions[0].average_time_ms, None);
        assert!(report.hardest.is_empty());
        assert_eq!(report.average_score, 0.0);
    }

    #[test]
    fn a_repeated_pupil_id_counts_the_better_placed_player_once() {
        let g = game(vec![
            player("a", Some("Ada"), 1, 900),
            player("b", Some("ada"), 2, 100),
        ]);
        let report = quiz_report(Uuid::nil(), "Q", &[g]);
        assert_eq!(report.pupils.len(), 1);
        assert_eq!(report.pupils[0].label, "Ada");
        assert_eq!(report.pupils[0].games[0].as_ref().unwrap().score, 900);
    }

    #[test]
    fn percentages_round_to_one_decimal() {
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(0, 0), None);
        assert_eq!(mean([1.0, 2.0].into_iter()), Some(1.5));
    }
}
