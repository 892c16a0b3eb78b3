//! A decoded client message → the command it asks for, and the reply the socket sends (if any).
//! Role rules live here: only players answer, only hosts steer the game.

use super::handshake::Session;
use crate::AppState;
use crate::live::{LIVE_UNAVAILABLE, LiveError};
use crate::play::CommandError;
use cahoot_game::Command;
use cahoot_protocol::{ClientMessage, ErrorCode, Role, ServerMessage};

/// Handles one message of an authenticated client. `None` = nothing to reply (the change reaches the
/// client as an event).
pub async fn dispatch(
    state: &AppState,
    session: &Session,
    msg: ClientMessage,
) -> Option<ServerMessage> {
    let commands = &state.commands;
    let game_id = session.game_id();
    match (session.role, msg) {
        (_, ClientMessage::Hello { .. }) => Some(ServerMessage::error(
            ErrorCode::BadMessage,
            "already authenticated",
        )),
        (
            Role::Player,
            ClientMessage::Answer {
                answer_id,
                question_index,
                answer,
            },
        ) => {
            let (player_id, _) = session.player.as_ref()?;
            let recorded = commands
                .answer(
                    &session.meta,
                    *player_id,
                    &answer_id,
                    question_index,
                    answer,
                )
                .await;
            Some(match recorded {
                Ok(outcome) => ServerMessage::AnswerAck {
                    answer_id,
                    question_index,
                    answer: outcome.answer.value,
                },
                // Removed meanwhile: the same words whichever way the store noticed.
                Err(CommandError::Live(LiveError::PlayerNotFound | LiveError::Kicked)) => {
                    ServerMessage::error(ErrorCode::Kicked, "you are no longer in this game")
                }
                Err(e) => error_message(&e),
            })
        }
        (Role::Host, ClientMessage::Answer { .. }) => Some(ServerMessage::error(
            ErrorCode::NotPlayer,
            "hosts do not answer",
        )),
        (Role::Player, _) => Some(ServerMessage::error(
            ErrorCode::NotHost,
            "only the host can do that",
        )),
        (Role::Host, ClientMessage::Kick { player_id }) => commands
            .kick(game_id, &player_id)
            .await
            .err()
            .map(|e| player_command_error(&e)),
        (Role::Host, ClientMessage::ExtraTime { player_id, on }) => commands
            .set_extra_time(game_id, &player_id, on)
            .await
            .err()
            .map(|e| player_command_error(&e)),
        (Role::Host, command) => {
            let command = host_command(command)?;
            commands
                .transition(game_id, command)
                .await
                .err()
                .map(|e| error_message(&e))
        }
    }
}

/// The state-machine command a host message stands for.
fn host_command(msg: ClientMessage) -> Option<Command> {
    Some(match msg {
        ClientMessage::Start => Command::Start,
        ClientMessage::Next => Command::Next,
        ClientMessage::Skip {
            question_index: Some(question),
        } => Command::Close { question },
        ClientMessage::Skip {
            question_index: None,
        } => Command::Skip,
        ClientMessage::End => Command::End,
        ClientMessage::Lock => Command::Lock,
        ClientMessage::Unlock => Command::Unlock,
        ClientMessage::Hello { .. }
        | ClientMessage::Answer { .. }
        | ClientMessage::Kick { .. }
        | ClientMessage::ExtraTime { .. } => {
            return None;
        }
    })
}

/// A refused command about one player (kick, extra time) as an `error` frame.
fn player_command_error(e: &CommandError) -> ServerMessage {
    match e {
        CommandError::Live(LiveError::PlayerNotFound) => {
            ServerMessage::error(ErrorCode::PlayerNotFound, "no such player in this game")
        }
        other => error_message(other),
    }
}

/// A refused command as an `error` frame.
fn error_message(e: &CommandError) -> ServerMessage {
    match e {
        CommandError::Live(LiveError::Unavailable(cause)) => live_unavailable(cause),
        other => ServerMessage::error(other.code(), other.to_string()),
    }
}

/// The `error` frame of a live-store outage: the cause is logged, never described to the client.
pub fn live_unavailable(cause: &dyn std::fmt::Display) -> ServerMessage {
    tracing::warn!(%cause, "live store unavailable");
    ServerMessage::error(ErrorCode::LiveStoreUnavailable, LIVE_UNAVAILABLE)
}
