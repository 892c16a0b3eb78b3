//! Live games over HTTP and WebSocket: starting a game, joining it, and the socket gateway.
//!
//! - `games`: `POST /api/games`, `POST /api/play/join`
//! - `ws`: `GET /ws`, one connection per client, authenticated by its first frame
//! - `hub`: per-instance fan-out, one task per game with local sockets (deadlines, answer counts)
//! - `engine`: CAS transitions and storing finished games
//! - `view`: snapshots rendered per role

pub mod engine;
mod games;
mod hub;
pub mod view;
mod ws;

pub use hub::Hub;

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
