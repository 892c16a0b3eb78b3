//! App assembly: every feature router merged in one place, with the middleware stack. Features import
//! `http` (extractors, middleware); `http` imports no feature, so this is the one module that knows them all.

use crate::error::ApiError;
use crate::http::{headers, health, metrics, static_files};
use crate::{AppState, auth, images, openapi, play, quizzes, reports, results, transfer};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use tracing::Level;
use utoipa_axum::router::OpenApiRouter;

/// Every documented route, with the OpenAPI document they generate. The one place routers are merged.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(auth::router())
        .merge(quizzes::router())
        .merge(results::router())
        .merge(reports::router())
        .merge(images::router())
        .merge(transfer::router())
        .merge(play::router())
        .merge(health::router())
        .merge(openapi::router())
}

/// The complete application. Middleware, outermost first: request id, tracing span, security headers
/// (+ JSON error safety net), metrics, body limit, panic → 500 JSON.
pub fn app(state: AppState) -> Router {
    let (router, _) = api().split_for_parts();
    router
        .fallback(static_files::fallback)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_failure(DefaultOnFailure::new().level(Level::WARN)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

fn request_span(req: &Request) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // the path only: query strings are not logged
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
}

fn panic_response(_: Box<dyn std::any::Any + Send>) -> Response {
    ApiError::internal(anyhow::anyhow!("a request handler panicked")).into_response()
}
