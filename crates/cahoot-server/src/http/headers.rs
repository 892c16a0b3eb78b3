//! Response middleware: security headers on every response, and a safety net that turns any error response
//! that is not JSON yet (axum's built-in rejections, 405s, a library's plain-text error) into our JSON shape.

use super::client::is_https;
use crate::AppState;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cahoot_protocol::ErrorCode;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; frame-ancestors 'none'";

const HSTS: &str = "max-age=63072000; includeSubDomains";

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = is_https(req.headers(), &state.config);
    let response = next.run(req).await;
    let mut response = json_errors(response);
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        headers,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    if https {
        set(headers, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    response
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/json") || v.starts_with("application/problem+json")
        })
}

/// Rewrites a non-JSON error response into `{code, message}`, keeping status and other headers.
fn json_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => (ErrorCode::BadRequest, "the request is malformed"),
        StatusCode::UNAUTHORIZED => (ErrorCode::Unauthorized, "sign in first"),
        StatusCode::FORBIDDEN => (ErrorCode::Forbidden, "not allowed"),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => (ErrorCode::MethodNotAllowed, "method not allowed here"),
        StatusCode::PAYLOAD_TOO_LARGE => {
            (ErrorCode::PayloadTooLarge, "the request body is too large")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            (ErrorCode::UnsupportedMediaType, "unsupported content type")
        }
        StatusCode::UNPROCESSABLE_ENTITY => (
            ErrorCode::InvalidBody,
            "the request body has the wrong shape",
        ),
        StatusCode::TOO_MANY_REQUESTS => (ErrorCode::TooManyRequests, "too many requests"),
        StatusCode::SERVICE_UNAVAILABLE => (ErrorCode::Unavailable, "temporarily unavailable"),
        s if s.is_server_error() => (ErrorCode::Internal, "something went wrong on our side"),
        _ => (ErrorCode::BadRequest, "the request was not accepted"),
    };
    let (mut parts, _) = response.into_parts();
    let json = ApiError::new(status, code, message).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, json.into_body())
}
