//! REST endpoints of live games: a host starts one from a quiz, a player joins one with PIN + nickname.

use super::engine::now_ms;
use crate::AppState;
use crate::auth::AuthUser;
use crate::durable::StoreError;
use crate::error::ApiError;
use crate::live::{GameMeta, LiveError, LiveMessage};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use cahoot_protocol::ErrorCode;

type NoStore = [(header::HeaderName, &'static str); 1];
use cahoot_game::{GamePin, Nickname, Phase};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::time::Duration;
use utoipa::ToSchema;
use uuid::Uuid;

/// Tries to find a free PIN before giving up; with < 1 % of the PIN space in use, 20 misses in a row
/// practically never happen.
const PIN_ATTEMPTS: usize = 20;
/// Wrong PINs per client address per minute: a PIN is a 6-digit capability, guessing must be slow. Only
/// failures count: a whole school behind one NAT address must still be able to join (30 pupils at once).
const WRONG_PINS_PER_MINUTE: u64 = 20;
const WRONG_PIN_WINDOW: Duration = Duration::from_secs(60);
/// Player tokens outlive any realistic game, so a reload late in a long game still rejoins.
const PLAYER_TOKEN_TTL: Duration = Duration::from_secs(12 * 3600);

#[derive(Deserialize, ToSchema)]
pub struct CreateGameRequest {
    pub quiz_id: Uuid,
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
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct JoinResponse {
    pub game_id: String,
    pub player_id: String,
    pub player_token: String,
}

/// Start a live game from one of your quizzes; returns its PIN.
#[utoipa::path(post, path = "/api/games", tag = "games",
    request_body = CreateGameRequest,
    responses((status = 201, body = CreatedGame), (status = 404, description = "quiz not found")),
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
    let game_id = Uuid::new_v4().to_string();
    let quiz_input = quiz.input();
    for _ in 0..PIN_ATTEMPTS {
        let pin = GamePin::from_random(rand::random());
        let meta = GameMeta {
            id: game_id.clone(),
            pin,
            owner_id: user.user_id.to_string(),
            quiz_id: quiz.id.to_string(),
            quiz: quiz_input.clone(),
            created_at_ms: now_ms(),
        };
        match state.live.create_game(meta).await {
            Ok(()) => {
                tracing::info!(game = %game_id, %pin, "game created");
                let body = CreatedGame {
                    game_id,
                    pin: pin.to_string(),
                };
                return Ok((StatusCode::CREATED, Json(body)));
            }
            Err(LiveError::PinTaken) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::unavailable(
        ErrorCode::NoFreePin,
        "could not allocate a game PIN; try again",
    ))
}

/// Join a live game with its PIN and a nickname; returns a token for the game's WebSocket.
#[utoipa::path(post, path = "/api/play/join", tag = "games",
    request_body = JoinRequest,
    responses((status = 200, body = JoinResponse),
        (status = 404, description = "no game with that PIN"),
        (status = 409, description = "nickname taken"),
        (status = 403, description = "lobby locked"),
        (status = 410, description = "game finished"),
        (status = 422, description = "invalid PIN or nickname"),
        (status = 429, description = "too many join attempts")))]
pub async fn join_game(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<JoinRequest>,
) -> Result<(NoStore, Json<JoinResponse>), ApiError> {
    let ip = crate::auth::client_ip(&peer, &headers, &state.config);
    let guess_key = format!("join-fail:ip:{ip}");
    let too_many = || {
        ApiError::too_many_requests(
            ErrorCode::TooManyAttempts,
            "too many wrong PINs; wait a minute",
        )
        .with_retry_after(WRONG_PIN_WINDOW.as_secs())
    };
    if state.live.peek(&guess_key).await? >= WRONG_PINS_PER_MINUTE {
        return Err(too_many());
    }
    let pin = GamePin::parse(&req.pin).map_err(|e| {
        ApiError::unprocessable(ErrorCode::InvalidPin, e.to_string()).with_field("pin")
    })?;
    let nickname = Nickname::parse(&req.nickname).map_err(|e| {
        ApiError::unprocessable(ErrorCode::InvalidNickname, e.to_string()).with_field("nickname")
    })?;
    let not_found = || ApiError::not_found(ErrorCode::GameNotFound, "no game with that PIN");
    let Some(game_id) = state.live.game_id_by_pin(pin).await? else {
        let failures = state.live.hit(&guess_key, WRONG_PIN_WINDOW).await?;
        return Err(if failures > WRONG_PINS_PER_MINUTE {
            too_many()
        } else {
            not_found()
        });
    };
    let game = state.live.state(&game_id).await?.ok_or_else(not_found)?;
    if game.phase == Phase::Podium {
        return Err(ApiError::new(
            StatusCode::GONE,
            ErrorCode::GameFinished,
            "this game has finished",
        ));
    }
    if game.locked {
        return Err(ApiError::forbidden(
            ErrorCode::GameLocked,
            "the host has locked this game",
        ));
    }
    let player_id = Uuid::new_v4().to_string();
    match state.live.add_player(&game_id, &player_id, &nickname).await {
        Ok(()) => {}
        Err(LiveError::NicknameTaken) => {
            return Err(ApiError::conflict(
                ErrorCode::NicknameTaken,
                "that nickname is taken in this game",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let seq = state.live.next_seq(&game_id).await?;
    let player_count = state.live.player_total(&game_id).await?;
    let joined = LiveMessage::PlayerJoined {
        seq,
        player_id: player_id.clone(),
        nickname: nickname.to_string(),
        player_count,
    };
    state.live.publish(&game_id, &joined).await?;
    let player_token = state
        .auth
        .issue_player_token(&game_id, &player_id, PLAYER_TOKEN_TTL)
        .map_err(ApiError::internal)?;
    // The body carries a token: never cache it.
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    Ok((
        no_store,
        Json(JoinResponse {
            game_id,
            player_id,
            player_token,
        }),
    ))
}
