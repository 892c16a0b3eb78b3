//! The authenticated host of a request: `Authorization: Bearer <access token>`.

use super::keys::AuthError;
use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use cahoot_protocol::ErrorCode;
use uuid::Uuid;

/// A host whose access token passed every check: signature and claims, the denylist (logout), and the
/// user's `valid_after` (password change ends every session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub user_id: Uuid,
    pub username: String,
    pub jti: String,
    /// The token's `exp` (Unix seconds).
    pub expires_at: u64,
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Expired => {
                ApiError::unauthorized(ErrorCode::TokenExpired, "the access token has expired")
            }
            AuthError::Invalid => {
                ApiError::unauthorized(ErrorCode::InvalidToken, "invalid access token")
            }
            AuthError::Signing => ApiError::internal(err),
        }
    }
}

/// Verifies a host access token completely; used by the extractor and by the WebSocket `hello`.
pub async fn verify_access_token(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let claims = state.auth.verify_access_token(token)?;
    let user_id = Uuid::parse_str(&claims.sub).map_err(|_| AuthError::Invalid)?;
    if state.live.is_token_denied(&claims.jti).await? {
        return Err(ApiError::unauthorized(
            ErrorCode::TokenRevoked,
            "this session has ended",
        ));
    }
    let user = state
        .durable
        .user_by_id(user_id)
        .await?
        .ok_or(AuthError::Invalid)?;
    let valid_after_ms = user.valid_after.unix_timestamp_nanos() / 1_000_000;
    if i128::from(claims.iat_ms) < valid_after_ms {
        return Err(ApiError::unauthorized(
            ErrorCode::TokenRevoked,
            "this session has ended",
        ));
    }
    Ok(AuthUser {
        user_id,
        username: user.username,
        jti: claims.jti,
        expires_at: claims.exp,
    })
}

/// The token of an `Authorization: Bearer …` header, if there is one.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<Result<&str, ApiError>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let malformed = || {
        ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "expected `Authorization: Bearer <token>`",
        )
    };
    Some(
        value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, token)| {
                scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()
            })
            .map(|(_, token)| token.trim())
            .ok_or_else(malformed),
    )
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers).unwrap_or_else(|| {
            Err(ApiError::unauthorized(
                ErrorCode::Unauthorized,
                "sign in first",
            ))
        })?;
        verify_access_token(state, token).await
    }
}
