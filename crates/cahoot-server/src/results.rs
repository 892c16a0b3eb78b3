//! Results of a host's finished games: the list, one game's standings and per-question statistics, and the
//! standings as CSV. (`POST /api/games`, starting a live game, belongs to the play module.)

use crate::AppState;
use crate::auth::AuthUser;
use crate::durable::{FinishedGame, GameSummary, StoreError};
use crate::error::{ApiError, ErrorBody};
use crate::http::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cahoot_protocol::ErrorCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_games))
        .routes(routes!(get_game))
        .routes(routes!(game_csv))
}

async fn own_game(
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
