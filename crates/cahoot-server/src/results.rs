//! Results of a host's finished games: the list, one game's standings and per-question statistics, and the
//! standings as CSV, every answer as a spreadsheet (XLSX). (`POST /api/games`, starting a live game, belongs to the play module.)

use crate::AppState;
use crate::auth::AuthUser;
use crate::durable::{FinishedGame, GameSummary, PlayerAnswer, StoreError};
use crate::error::{ApiError, ErrorBody};
use crate::http::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cahoot_formats::results_xlsx::ResultsWorkbook;
use cahoot_game::QuestionKind;
use cahoot_protocol::ErrorCode;
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_games))
        .routes(routes!(get_game))
        .routes(routes!(game_csv))
        .routes(routes!(game_xlsx))
}

pub(crate) async fn own_game(
    state: &AppState,
    user: &AuthUser,
    raw_id: &str,
) -> Result<FinishedGame, ApiError> {
    let not_found = || ApiError::not_found(ErrorCode::GameNotFound, "no such finished game");
    let id = Uuid::parse_str(raw_id).map_err(|_| not_found())?;
    state
        .durable
        .get_game(user.user_id, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => not_found(),
            other => other.into(),
        })
}

/// Your finished games, most recent first.
#[utoipa::path(get, path = "/api/games", tag = "games",
    responses((status = 200, body = Vec<GameSummary>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_games(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<GameSummary>>, ApiError> {
    Ok(Json(state.durable.list_games(user.user_id).await?))
}

/// Results of one finished game: standings and per-question statistics.
#[utoipa::path(get, path = "/api/games/{id}", tag = "games",
    params(("id" = Uuid, Path, description = "game id")),
    responses((status = 200, body = FinishedGame), (status = 404, body = ErrorBody, description = "`game_not_found`")),
    security(("bearer" = [])))]
pub async fn get_game(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<FinishedGame>, ApiError> {
    Ok(Json(own_game(&state, &user, &id).await?))
}

/// Standings of one finished game as CSV: `rank,nickname,score,correct_answers`.
#[utoipa::path(get, path = "/api/games/{id}/results.csv", tag = "games",
    params(("id" = Uuid, Path, description = "game id")),
    responses(
        (status = 200, body = String, content_type = "text/csv"),
        (status = 404, body = ErrorBody, description = "`game_not_found`")),
    security(("bearer" = [])))]
pub async fn game_csv(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let game = own_game(&state, &user, &id).await?;
    let mut response = standings_csv(&game).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = format!("attachment; filename=\"cahoot-results-{}.csv\"", game.id);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// One finished game as a spreadsheet: a summary sheet with the standings, then one sheet per question with
/// every player's answer, time and points.
#[utoipa::path(get, path = "/api/games/{id}/results.xlsx", tag = "games",
    params(("id" = Uuid, Path, description = "game id")),
    responses(
        (status = 200, body = Vec<u8>,
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = ErrorBody, description = "`game_not_found`")),
    security(("bearer" = [])))]
pub async fn game_xlsx(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let game = own_game(&state, &user, &id).await?;
    let book = results_workbook(&game);
    // Writing a workbook for thousands of players is CPU work: off the async workers.
    let bytes = tokio::task::spawn_blocking(move || cahoot_formats::results_xlsx::write(&book))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    let disposition = format!("attachment; filename=\"cahoot-results-{}.xlsx\"", game.id);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The spreadsheet's content: every player on every question sheet, in standings order (no answer: an empty
/// row with 0 points), correctness left empty for polls, word clouds and slides.
pub fn results_workbook(game: &FinishedGame) -> ResultsWorkbook {
    use cahoot_formats::results_xlsx::{AnswerRow, QuestionSheet, StandingRow};
    let questions = game
        .questions
        .iter()
        .map(|q| {
            let by_player: HashMap<&str, &PlayerAnswer> = q
                .player_answers
                .iter()
                .map(|a| (a.player_id.as_str(), a))
                .collect();
            let judged = q.kind.is_judged();
            let rows = game
                .players
                .iter()
                .map(|p| match by_player.get(p.player_id.as_str()) {
                    Some(a) => AnswerRow {
                        nickname: p.nickname.clone(),
                        answer: a.answer.clone(),
                        correct: judged.then_some(a.correct),
                        time_ms: Some(a.elapsed_ms),
                        points: a.points,
                    },
                    None => AnswerRow {
                        nickname: p.nickname.clone(),
                        answer: String::new(),
                        correct: judged.then_some(false),
                        time_ms: None,
                        points: 0,
                    },
                })
                .collect();
            QuestionSheet {
                index: q.index,
                kind: kind_label(q.kind).to_owned(),
                text: q.text.clone(),
                rows,
            }
        })
        .collect();
    ResultsWorkbook {
        quiz_title: game.quiz_title.clone(),
        played_at: game
            .started_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        standings: game
            .players
            .iter()
            .map(|p| StandingRow {
                rank: p.rank,
                nickname: p.nickname.clone(),
                score: p.score,
            })
            .collect(),
        questions,
    }
}

/// How a spreadsheet names a kind of question.
fn kind_label(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::MultipleChoice => "Quiz",
        QuestionKind::TrueFalse => "True or false",
        QuestionKind::MultiSelect => "Multi-select",
        QuestionKind::TypeAnswer => "Type answer",
        QuestionKind::Slider => "Slider",
        QuestionKind::Puzzle => "Puzzle",
        QuestionKind::Poll => "Poll",
        QuestionKind::WordCloud => "Word cloud",
        QuestionKind::Slide => "Slide",
    }
}

/// RFC 4180 CSV; a cell a spreadsheet would run as a formula (`= + - @`, also after a tab or CR) gets a
/// leading `'` (OWASP CSV injection).
pub fn standings_csv(game: &FinishedGame) -> String {
    let mut out = String::from("rank,nickname,score,correct_answers\r\n");
    for p in &game.players {
        let row = [
            p.rank.to_string(),
            csv_cell(&p.nickname),
            p.score.to_string(),
            p.correct_count.to_string(),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_cell(value: &str) -> String {
    let mut cell = String::with_capacity(value.len() + 3);
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        cell.push('\'');
    }
    cell.push_str(value);
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_when_needed() {
        assert_eq!(csv_cell("Ada"), "Ada");
        assert_eq!(csv_cell("Ada, Countess"), "\"Ada, Countess\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn formula_like_cells_are_neutralised() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+31"), "'+31");
        assert_eq!(csv_cell("-x"), "'-x");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(
            csv_cell("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
    }
}
