//! REST endpoints of live games: a host starts one from a quiz, a player joins one with PIN + nickname.
//! Both are thin fronts of the command layer (`commands.rs`).

use super::CommandError;
use super::commands::WRONG_PIN_WINDOW;
use crate::AppState;
use crate::auth::AuthUser;
use crate::durable::StoreError;
use crate::error::ApiError;
use crate::http::Json;
use crate::http::client::client_ip;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use cahoot_game::{GamePin, Nickname, PupilId};
use cahoot_protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::time::Duration;
use utoipa::ToSchema;
use uuid::Uuid;

type NoStore = [(header::HeaderName, &'static str); 1];

/// Player tokens outlive any realistic game, so a reload late in a long game still rejoins.
const PLAYER_TOKEN_TTL: Duration = Duration::from_secs(12 * 3600);

#[derive(Deserialize, ToSchema)]
pub struct CreateGameRequest {
    pub quiz_id: Uuid,
    /// Ask every player for a pupil identifier (a class-list name) when joining; only the host sees it.
    #[serde(default)]
    pub require_pupil_id: bool,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct CreatedGame {
    pub game_id: String,
    pub pin: String,
}

#[derive(Deserialize, ToSchema)]
pub struct JoinRequest {
    pub pin: String,
    pub nickname: String,
    /// Required when the host asked for pupil identifiers (`pupil_id_required` otherwise): 1–40
    /// characters, trimmed. Ignored by games that do not ask for one.
    #[serde(default)]
    #[schema(max_length = 40)]
    pub pupil_id: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct JoinResponse {
    pub game_id: String,
    pub player_id: String,
    pub player_token: String,
}

impl From<CommandError> for ApiError {
    fn from(err: CommandError) -> Self {
        let code = err.code();
        match err {
            CommandError::Live(e) => e.into(),
            CommandError::TooManyWrongPins => ApiError::too_many_requests(code, err.to_string())
                .with_retry_after(WRONG_PIN_WINDOW.as_secs()),
            CommandError::UnknownPin => ApiError::not_found(code, err.to_string()),
            CommandError::NoFreePin => ApiError::unavailable(code, err.to_string()),
            CommandError::Contended => ApiError::conflict(code, err.to_string()),
            CommandError::Transition(_) | CommandError::BadAnswerId => {
                ApiError::bad_request(code, err.to_string())
            }
            CommandError::PupilIdRequired => {
                ApiError::unprocessable(code, err.to_string()).with_field("pupil_id")
            }
        }
    }
}

/// Start a live game from one of your quizzes; returns its PIN.
#[utoipa::path(post, path = "/api/games", tag = "games",
    request_body = CreateGameRequest,
    responses((status = 201, body = CreatedGame), (status = 404, description = "quiz not found"),
        (status = 400, description = "`invalid_json`")),
    security(("bearer" = [])))]
pub async fn create_game(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<CreateGameRequest>,
) -> Result<(StatusCode, Json<CreatedGame>), ApiError> {
    let quiz = state
        .durable
        .get_quiz(user.user_id, req.quiz_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found(ErrorCode::QuizNotFound, "no such quiz"),
            other => other.into(),
        })?;
    let meta = state
        .commands
        .create(user.user_id, quiz.id, quiz.input(), req.require_pupil_id)
        .await?;
    let body = CreatedGame {
        game_id: meta.id.to_string(),
        pin: meta.pin.to_string(),
    };
    Ok((StatusCode::CREATED, Json(body)))
}

/// Join a live game with its PIN and a nickname; returns a token for the game's WebSocket.
#[utoipa::path(post, path = "/api/play/join", tag = "games",
    request_body = JoinRequest,
    responses((status = 200, body = JoinResponse),
        (status = 400, description = "`invalid_json`"),
        (status = 404, description = "no game with that PIN"),
        (status = 409, description = "nickname taken"),
        (status = 403, description = "lobby locked"),
        (status = 410, description = "game finished"),
        (status = 422, description = "`invalid_pin`, `invalid_nickname` (also a nickname the word filter \
            refuses), `pupil_id_required` (the host asks for a pupil identifier), `invalid_pupil_id`"),
        (status = 429, description = "too many join attempts")))]
pub async fn join_game(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<JoinRequest>,
) -> Result<(NoStore, Json<JoinResponse>), ApiError> {
    let from = client_ip(&peer, &headers, &state.config);
    let pin = GamePin::parse(&req.pin).map_err(|e| {
        ApiError::unprocessable(ErrorCode::InvalidPin, e.to_string()).with_field("pin")
    })?;
    let nickname = Nickname::parse_for_join(&req.nickname).map_err(|e| {
        ApiError::unprocessable(ErrorCode::InvalidNickname, e.to_string()).with_field("nickname")
    })?;
    // An empty field is no identifier (the join page sends what was typed).
    let pupil_id = match req.pupil_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(PupilId::parse(raw).map_err(|e| {
            ApiError::unprocessable(ErrorCode::InvalidPupilId, e.to_string()).with_field("pupil_id")
        })?),
    };
    let (game_id, player_id, _) = state
        .commands
        .join(pin, &nickname, pupil_id.as_ref(), from)
        .await?;
    let player_token = state
        .auth
        .issue_player_token(
            &game_id.to_string(),
            &player_id.to_string(),
            PLAYER_TOKEN_TTL,
        )
        .map_err(ApiError::internal)?;
    // The body carries a token: never cache it.
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    Ok((
        no_store,
        Json(JoinResponse {
            game_id: game_id.to_string(),
            player_id: player_id.to_string(),
            player_token,
        }),
    ))
}
