//! The first frame of every socket: `hello` with a token, authenticated, answered with `welcome`.

use crate::AppState;
use crate::live::{GameMeta, LIVE_UNAVAILABLE, LiveError};
use cahoot_protocol::{
    ClientMessage, ErrorCode, GameId, PROTOCOL_VERSION, PlayerId, Role, decode_client,
};
use std::sync::Arc;

/// Who is on the other end of an authenticated socket.
pub struct Session {
    pub role: Role,
    pub meta: Arc<GameMeta>,
    /// The player (none for hosts), with the id's string form the snapshots are keyed by.
    pub player: Option<(PlayerId, String)>,
    /// The player's nickname (empty for hosts).
    pub nickname: String,
}

impl Session {
    pub fn game_id(&self) -> GameId {
        self.meta.id
    }

    pub fn player_key(&self) -> Option<&str> {
        self.player.as_ref().map(|(_, key)| key.as_str())
    }
}

/// Why a handshake failed: the code and message of the `error` frame sent before closing.
pub type Refusal = (ErrorCode, String);

fn unavailable(e: LiveError) -> Refusal {
    tracing::warn!(cause = %e, "live store unavailable");
    (ErrorCode::LiveStoreUnavailable, LIVE_UNAVAILABLE.to_owned())
}

fn not_found() -> Refusal {
    (
        ErrorCode::GameNotFound,
        "no live game with that id".to_owned(),
    )
}

/// Decodes and authenticates the `hello` frame.
pub async fn authenticate_hello(state: &AppState, frame: &str) -> Result<Session, Refusal> {
    let (token, game_id) = match decode_client(frame) {
        Ok(ClientMessage::Hello { v, token, game_id }) if v == PROTOCOL_VERSION => (token, game_id),
        Ok(ClientMessage::Hello { .. }) => {
            return Err((
                ErrorCode::UnsupportedVersion,
                "this server speaks protocol version 1".to_owned(),
            ));
        }
        Ok(_) => {
            return Err((
                ErrorCode::Unauthorized,
                "send hello with a token first".to_owned(),
            ));
        }
        Err(e) => return Err((e.code, e.message)),
    };
    match game_id {
        Some(game_id) => host_session(state, &token, &game_id).await,
        None => player_session(state, &token).await,
    }
}

async fn host_session(state: &AppState, token: &str, game_id: &str) -> Result<Session, Refusal> {
    let user = crate::auth::verify_access_token(state, token)
        .await
        .map_err(|_| {
            (
                ErrorCode::Unauthorized,
                "invalid or expired token".to_owned(),
            )
        })?;
    let game_id = GameId::parse(game_id).ok_or_else(not_found)?;
    let meta = state
        .live
        .meta(game_id)
        .await
        .map_err(unavailable)?
        .ok_or_else(not_found)?;
    // Another host's game looks exactly like a missing one.
    if meta.owner_id != user.user_id {
        return Err(not_found());
    }
    Ok(Session {
        role: Role::Host,
        meta: Arc::new(meta),
        player: None,
        nickname: String::new(),
    })
}

async fn player_session(state: &AppState, token: &str) -> Result<Session, Refusal> {
    let invalid = || {
        (
            ErrorCode::Unauthorized,
            "invalid or expired player token".to_owned(),
        )
    };
    let claims = state
        .auth
        .verify_player_token(token)
        .map_err(|_| invalid())?;
    // Player tokens are minted by this server from typed ids; anything else is not one of ours.
    let game_id = GameId::parse(&claims.game_id).ok_or_else(invalid)?;
    let player_id = PlayerId::parse(&claims.player_id).ok_or_else(invalid)?;
    let live = &state.live;
    let meta = live
        .meta(game_id)
        .await
        .map_err(unavailable)?
        .ok_or_else(not_found)?;
    if live
        .is_kicked(game_id, player_id)
        .await
        .map_err(unavailable)?
    {
        return Err((
            ErrorCode::Kicked,
            "you were removed from this game".to_owned(),
        ));
    }
    let record = live
        .player(game_id, player_id)
        .await
        .map_err(unavailable)?
        .ok_or_else(not_found)?;
    Ok(Session {
        role: Role::Player,
        meta: Arc::new(meta),
        player: Some((player_id, player_id.to_string())),
        nickname: record.nickname,
    })
}
