//! Operations endpoints: liveness, readiness, metrics.

use super::Json;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cahoot_protocol::ErrorCode;
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Readiness checks give up on a store after this long.
/// The load balancer's health check gives up after 1 s; answer well within it. The database ping is only
/// informational, so it gets less time still.
const PING_TIMEOUT: Duration = Duration::from_millis(800);
const DURABLE_PING_TIMEOUT: Duration = Duration::from_millis(300);

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
            description = "`draining` or `live_store_unavailable`; a database outage reports `degraded` with 200")))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Ready>, ApiError> {
    if state.is_draining() {
        return Err(ApiError::unavailable(
            ErrorCode::Draining,
            "this instance is shutting down",
        ));
    }
    let (durable, live) = tokio::join!(
        tokio::time::timeout(DURABLE_PING_TIMEOUT, state.durable.ping()),
        tokio::time::timeout(PING_TIMEOUT, state.live.ping()),
    );
    // A database outage must not take the instance out of the load balancer: live games run on the
    // live store alone (docs/architecture.md, "Readiness ignores the database"), so readiness reports the database but does not depend on it.
    let durable_ok = matches!(durable, Ok(Ok(())));
    if !durable_ok {
        tracing::warn!("readiness: the database is unreachable; serving live games only");
    }
    match live {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            return Err(unavailable(
                ErrorCode::LiveStoreUnavailable,
                "the live store",
                e,
            ));
        }
        Err(_) => {
            return Err(unavailable(
                ErrorCode::LiveStoreUnavailable,
                "the live store",
                "timeout",
            ));
        }
    }
    Ok(Json(Ready {
        status: if durable_ok { "ready" } else { "degraded" },
        durable: if durable_ok {
            state.durable.backend()
        } else {
            "unavailable"
        },
        live: state.live.backend(),
    }))
}

fn unavailable(code: ErrorCode, what: &str, cause: impl std::fmt::Display) -> ApiError {
    tracing::warn!(%cause, "{what} is unreachable");
    ApiError::unavailable(code, format!("{what} is unreachable"))
}

/// Prometheus metrics (OpenMetrics text format).
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, body = String, content_type = "application/openmetrics-text")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    state
        .metrics
        .draining
        .set(i64::from(u8::from(state.is_draining())));
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(super::metrics::CONTENT_TYPE),
    );
    response
}
