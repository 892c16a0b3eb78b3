//! The web UI, embedded from `web/dist` (the build script puts a placeholder there when the UI has not been
//! built). Any GET that is no API/ops path and no file gets `index.html` (single-page app routing).

use crate::error::ApiError;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use cahoot_protocol::ErrorCode;
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "../../web/dist/"]
struct WebUi;

/// Paths the SPA never owns: an unknown one is a JSON 404.
const RESERVED: [&str; 5] = ["api", "ws", "healthz", "readyz", "metrics"];
/// Vite puts content-hashed files under `assets/`: they never change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn is_reserved(path: &str) -> bool {
    let first = path.split('/').next().unwrap_or_default();
    RESERVED.contains(&first)
}

fn not_found() -> Response {
    ApiError::not_found(ErrorCode::NotFound, "no such endpoint").into_response()
}

/// The router's fallback: static files, the SPA entry point, or a JSON 404.
pub async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if is_reserved(path) || !(method == Method::GET || method == Method::HEAD) {
        return not_found();
    }
    if !path.is_empty()
        && let Some(response) = file(path, &headers)
    {
        return response;
    }
    if path.starts_with("assets/") {
        return not_found();
    }
    file("index.html", &headers).unwrap_or_else(not_found)
}

fn file(path: &str, headers: &HeaderMap) -> Option<Response> {
    let file = WebUi::get(path)?;
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let cache = if path.starts_with("assets/") {
        IMMUTABLE
    } else {
        "no-cache"
    };
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = Response::new(Body::from(file.data.into_owned()));
        if let Ok(mime) = HeaderValue::from_str(file.metadata.mimetype()) {
            response.headers_mut().insert(header::CONTENT_TYPE, mime);
        }
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_and_ops_paths_are_never_the_spa() {
        for path in ["api", "api/nope", "ws", "healthz", "readyz", "metrics"] {
            assert!(is_reserved(path), "{path}");
        }
        for path in ["", "host/quizzes", "join", "apis", "assets/app.js"] {
            assert!(!is_reserved(path), "{path}");
        }
    }
}
