//! The WebSocket gateway (`GET /ws`). Split by job:
//! - this file: the upgrade (origin check, frame and buffer limits);
//! - `handshake`: the first frame (`hello`), authentication, `welcome`;
//! - `connection`: the per-socket loop — frames in, local game events out, draining, flood control;
//! - `dispatch`: a decoded client message → a command, and its reply.

mod connection;
mod dispatch;
mod handshake;

use crate::AppState;
use crate::error::ApiError;
use crate::http::client::origin_allowed;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use cahoot_protocol::{ErrorCode, MAX_CLIENT_FRAME_BYTES};

/// Socket buffers: a few KiB each instead of the library defaults (128 KiB). The read buffer is allocated
/// and zero-filled per connection, so it is most of a connection's memory: 4 KiB holds any frame a client
/// may send (`MAX_CLIENT_FRAME_BYTES`) in at most two reads. The write buffer is a flush threshold.
const READ_BUFFER_BYTES: usize = 4 * 1024;
const WRITE_BUFFER_BYTES: usize = 8 * 1024;

pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    // Browsers always send `Origin` on a WebSocket upgrade; it must name this server (the same rule as
    // the CSRF check), which also shuts out DNS-rebinding pages. Non-browser clients send none.
    if !origin_allowed(&headers, &state.config) {
        return ApiError::forbidden(
            ErrorCode::OriginRejected,
            "WebSocket connections are only accepted from this site",
        )
        .into_response();
    }
    ws.max_message_size(MAX_CLIENT_FRAME_BYTES)
        .max_frame_size(MAX_CLIENT_FRAME_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| connection::run(state, socket))
}
