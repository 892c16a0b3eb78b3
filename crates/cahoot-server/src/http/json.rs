//! A `Json` extractor whose rejections are our JSON errors: a client's mistake is a 4xx with a code,
//! never axum's plain-text default and never a 500.

use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cahoot_protocol::ErrorCode;
use serde::Serialize;

/// Like `axum::Json`, with [`ApiError`] rejections:
/// `invalid_json` (400, not JSON), `invalid_body` (422, JSON of the wrong shape),
/// `unsupported_media_type` (415, no `Content-Type: application/json`), `payload_too_large` (413).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

pub fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonSyntaxError(e) => ApiError::bad_request(
            ErrorCode::InvalidJson,
            format!("the body is not valid JSON: {}", e.body_text()),
        ),
        JsonRejection::JsonDataError(e) => {
            ApiError::unprocessable(ErrorCode::InvalidBody, e.body_text())
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send a JSON body with `Content-Type: application/json`",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            "the request body is too large",
        ),
        other => ApiError::bad_request(ErrorCode::InvalidBody, other.body_text()),
    }
}

impl<T, S> FromRequest<S> for Json<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
