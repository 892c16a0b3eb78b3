//! Live games over HTTP and WebSocket: starting a game, joining it, and the socket gateway.

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;

/// Per-instance state of the gateway: which games this instance holds sockets for.
#[derive(Default)]
pub struct Hub {}

impl Hub {
    pub fn new() -> Self {
        Self::default()
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
