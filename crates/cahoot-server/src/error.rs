//! The one error type of the HTTP layer. Bodies are `{code, message, field?}` with stable snake_case codes
//! that WebSocket error frames reuse; 5xx causes are logged, never sent.

use crate::durable::StoreError;
use crate::live::LiveError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cahoot_protocol::ErrorCode;
use serde::Serialize;
use utoipa::ToSchema;

/// The JSON body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable, snake_case; the same codes as WebSocket `error` messages.
    pub code: ErrorCode,
    /// Human-readable; may change.
    pub message: String,
    /// The offending input field, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every validation problem, when there are several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
                field: None,
                errors: None,
            },
            retry_after_secs: None,
        }
    }

    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn forbidden(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn unprocessable(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn too_many_requests(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, code, message)
    }

    /// 503: a dependency (database, live store) is unreachable or the instance is draining.
    pub fn unavailable(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    /// 500: logs the cause (with its chain) and sends a generic message.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        let err = err.into();
        tracing::error!(error = format!("{err:#}"), "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "something went wrong on our side",
        )
    }

    /// Names the input field the error is about.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.body.field = Some(field.into());
        self
    }

    pub fn with_problems(mut self, problems: Vec<FieldProblem>) -> Self {
        self.body.errors = Some(problems);
        self
    }

    /// Adds a `Retry-After` header (seconds).
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> ErrorCode {
        self.body.code
    }

    pub fn message(&self) -> &str {
        &self.body.message
    }

    pub fn body(&self) -> &ErrorBody {
        &self.body
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.body.code,
            self.body.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::not_found(ErrorCode::NotFound, "not found"),
            StoreError::Conflict => {
                ApiError::conflict(ErrorCode::Conflict, "that conflicts with existing data")
            }
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "durable store unavailable");
                ApiError::unavailable(
                    ErrorCode::DurableStoreUnavailable,
                    "the database is unavailable; running games go on, try again shortly",
                )
            }
            StoreError::Other(cause) => ApiError::internal(anyhow::anyhow!(cause)),
        }
    }
}

impl From<LiveError> for ApiError {
    fn from(err: LiveError) -> Self {
        let code = err.code();
        let status = match &err {
            LiveError::Unavailable(cause) => {
                tracing::warn!(%cause, "live store unavailable");
                return ApiError::unavailable(code, crate::live::LIVE_UNAVAILABLE);
            }
            LiveError::GameNotFound | LiveError::PlayerNotFound => StatusCode::NOT_FOUND,
            LiveError::GameFinished => StatusCode::GONE,
            LiveError::GameLocked | LiveError::Kicked => StatusCode::FORBIDDEN,
            LiveError::PinTaken | LiveError::NicknameTaken | LiveError::Answer(_) => {
                StatusCode::CONFLICT
            }
        };
        ApiError::new(status, code, err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn body_of(err: ApiError) -> (StatusCode, serde_json::Value, Option<HeaderValue>) {
        let response = err.into_response();
        let status = response.status();
        let retry = response.headers().get(header::RETRY_AFTER).cloned();
        let bytes = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap(), retry)
    }

    #[tokio::test]
    async fn error_bodies_have_code_message_and_optional_field() {
        let (status, body, _) =
            body_of(ApiError::unprocessable(ErrorCode::InvalidQuiz, "bad").with_field("title"))
                .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            serde_json::json!({"code": "invalid_quiz", "message": "bad", "field": "title"})
        );
    }

    #[tokio::test]
    async fn internal_errors_never_leak_their_cause() {
        let (status, body, _) = body_of(ApiError::internal(anyhow::anyhow!(
            "password=hunter2 in row 7"
        )))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("hunter2"));
        assert_eq!(body["code"], "internal");
    }

    #[tokio::test]
    async fn unreachable_stores_answer_503_with_a_clear_code() {
        let (status, body, _) =
            body_of(LiveError::Unavailable("connection refused".into()).into()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["code"], "live_store_unavailable");
        let (status, body, _) =
            body_of(StoreError::Unavailable("pool timed out".into()).into()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["code"], "durable_store_unavailable");
    }

    #[tokio::test]
    async fn retry_after_is_sent_as_a_header() {
        let (status, _, retry) = body_of(
            ApiError::too_many_requests(ErrorCode::TooManyAttempts, "wait").with_retry_after(60),
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry.unwrap(), "60");
    }
}
