//! Live games over HTTP and WebSocket.
//!
//! - `commands`: THE command layer — join, kick, presence, answer, transition; the only code that
//!   changes a live game (each command is one atomic live-store call that also publishes its event)
//! - `games`: `POST /api/games`, `POST /api/play/join` (REST front of `commands`)
//! - `ws`: `GET /ws` — handshake, connection loop, dispatch of client messages to `commands`
//! - `fanout`: per-instance fan-out and game clocks, one task per game with local sockets
//! - `archive`: copying finished games to the durable store
//! - `view` and `snapshot_cache`: snapshots rendered per role, and the ones connecting players share

mod archive;
mod commands;
mod fanout;
mod games;
mod snapshot_cache;
pub mod view;
mod ws;

pub use commands::{CommandError, Commands};
pub use fanout::Fanout;

use crate::AppState;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(games::create_game))
        .routes(routes!(games::join_game))
        .route("/ws", get(ws::upgrade))
}
