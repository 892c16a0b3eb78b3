//! Operations endpoints: liveness, readiness, metrics.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Readiness checks give up on a store after this long.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// Always `ready`.
    pub status: &'static str,
    pub durable: &'static str,
    pub live: &'static str,
}

/// Liveness: the process serves HTTP. No dependencies are checked.
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, body = String, content_type = "text/plain", example = "ok")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: both stores answer and the instance is not draining.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses(
        (status = 200, body = Ready),
        (status = 503, body = ErrorBody,
            description = "`draining`, `durable_store_unavailable` or `live_store_unavailable`")))]
pub async fn readyz(State(state): State<AppState>) -> Result<axum::Json<Ready>, ApiError> {
    if state.is_draining() {
        return Err(ApiError::unavailable(
            "draining",
            "this instance is shutting down",
        ));
    }
    let (durable, live) = tokio::join!(
        tokio::time::timeout(PING_TIMEOUT, state.durable.ping()),
        tokio::time::timeout(PING_TIMEOUT, state.live.ping()),
    );
    match durable {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(unavailable("durable_store_unavailable", "the database", e)),
        Err(_) => {
            return Err(unavailable(
                "durable_store_unavailable",
                "the database",
                "timeout",
            ));
        }
    }
    match live {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(unavailable("live_store_unavailable", "the live store", e)),
        Err(_) => {
            return Err(unavailable(
                "live_store_unavailable",
                "the live store",
                "timeout",
            ));
        }
    }
    Ok(axum::Json(Ready {
        status: "ready",
        durable: state.durable.backend(),
        live: state.live.backend(),
    }))
}

fn unavailable(code: &'static str, what: &str, cause: impl std::fmt::Display) -> ApiError {
    tracing::warn!(%cause, "{what} is unreachable");
    ApiError::unavailable(code, format!("{what} is unreachable"))
}

/// Prometheus metrics (text format).
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, body = String, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    state.metrics.set_gauge(
        "cahoot_draining",
        &[],
        f64::from(u8::from(state.is_draining())),
    );
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
