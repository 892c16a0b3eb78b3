//! The `/api/auth/*` endpoints.

use super::extract::{AuthUser, bearer_token, verify_access_token};
use super::password::{self, NewPassword, Username};
use super::session::{
    Session, UserView, clear_refresh_cookies, hash_refresh_token, no_store, refresh_token_of,
    rotated_token, session_response, start_session,
};
use super::throttle;
use crate::AppState;
use crate::durable::{NewUser, Rotation, StoreError};
use crate::error::{ApiError, ErrorBody};
use crate::http::Json;
use crate::http::client::{check_same_site, client_ip};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use cahoot_protocol::ErrorCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    pub username: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    #[schema(value_type = String, format = Password)]
    pub current_password: SecretString,
    #[schema(value_type = String, format = Password)]
    pub new_password: SecretString,
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized(
        ErrorCode::InvalidCredentials,
        "invalid username or password",
    )
}

fn invalid_refresh() -> ApiError {
    ApiError::unauthorized(
        ErrorCode::InvalidRefreshToken,
        "the session has ended; sign in again",
    )
}

/// Create a host account; returns a session.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth",
    request_body = Credentials,
    responses(
        (status = 201, body = Session, description = "account created; refresh cookie set"),
        (status = 409, body = ErrorBody, description = "`username_unavailable`"),
        (status = 422, body = ErrorBody, description = "`invalid_username` or `invalid_password`"),
        (status = 429, body = ErrorBody, description = "`too_many_attempts`")))]
pub async fn register(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    Json(req): Json<Credentials>,
) -> Result<Response, ApiError> {
    throttle::registration_attempt(&state, client_ip(&peer, &headers, &state.config)).await?;
    let username = Username::parse(req.username.trim()).map_err(|m| {
        ApiError::unprocessable(ErrorCode::InvalidUsername, m).with_field("username")
    })?;
    let password =
        NewPassword::parse(req.password.expose_secret(), username.as_str()).map_err(|m| {
            ApiError::unprocessable(ErrorCode::InvalidPassword, m).with_field("password")
        })?;
    // Hash first: a taken username then costs the same time as a free one.
    let hash = password::hash(&password)
        .await
        .map_err(ApiError::internal)?;
    let user = state
        .durable
        .create_user(NewUser {
            id: Uuid::new_v4(),
            username: username.as_str(),
            password_hash: &hash,
            now: OffsetDateTime::now_utc(),
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict => ApiError::conflict(
                ErrorCode::UsernameUnavailable,
                "that username cannot be used; choose another",
            )
            .with_field("username"),
            other => other.into(),
        })?;
    state.metrics.registrations.inc();
    tracing::info!(user = %user.id, "account created");
    start_session(&state, &headers, jar, &user, StatusCode::CREATED).await
}

/// Sign in; returns a session.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth",
    request_body = Credentials,
    responses(
        (status = 200, body = Session, description = "signed in; refresh cookie set"),
        (status = 401, body = ErrorBody, description = "`invalid_credentials`"),
        (status = 429, body = ErrorBody, description = "`too_many_attempts`, see Retry-After")))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    Json(req): Json<Credentials>,
) -> Result<Response, ApiError> {
    let name = req.username.trim();
    throttle::login_attempt(&state, client_ip(&peer, &headers, &state.config), name).await?;
    let user = match Username::parse(name) {
        Ok(name) => state.durable.user_by_name(name.as_str()).await?,
        Err(_) => None,
    };
    let password = req.password.expose_secret();
    let checked = if password.chars().count() <= password::PASSWORD_MAX {
        password
    } else {
        "" // still costs one hash: an overlong password takes as long as any other
    };
    let ok = password::verify(checked, user.as_ref().map(|u| u.password_hash.as_str()))
        .await
        .map_err(ApiError::internal)?;
    let user = match user {
        Some(user) if ok && !checked.is_empty() => user,
        _ => {
            state.metrics.login("failure");
            return Err(invalid_credentials());
        }
    };
    throttle::account_succeeded(&state, name).await?;
    state.metrics.login("success");
    start_session(&state, &headers, jar, &user, StatusCode::OK).await
}

/// Rotate the refresh cookie and get a fresh access token. Presenting an already-used refresh token
/// revokes its whole family.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth",
    responses(
        (status = 200, body = Session, description = "new access token; refresh cookie rotated"),
        (status = 401, body = ErrorBody, description = "`invalid_refresh_token` or `refresh_token_reused`"),
        (status = 403, body = ErrorBody, description = "`csrf_rejected`")),
    security(("refresh_cookie" = [])))]
pub async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Result<Response, ApiError> {
    check_same_site(&headers, &state.config)?;
    let Some(presented) = refresh_token_of(&jar) else {
        return Err(ApiError::unauthorized(
            ErrorCode::MissingRefreshToken,
            "no session cookie; sign in",
        ));
    };
    let (value, hash) = rotated_token();
    let idle = Duration::from_secs(state.config.refresh_idle_secs);
    let outcome = state
        .durable
        .rotate_refresh_token(
            &hash_refresh_token(&presented),
            &hash,
            OffsetDateTime::now_utc(),
            idle,
        )
        .await?;
    let fail = |err: ApiError| {
        let jar = clear_refresh_cookies(jar.clone(), &headers, &state);
        Ok(no_store((jar, err).into_response()))
    };
    let family = match outcome {
        Rotation::Rotated(family) => family,
        Rotation::Reused { family_id, user_id } => {
            tracing::warn!(%family_id, user = %user_id, "refresh token reused; family revoked");
            state.metrics.refresh_reuse.inc();
            return fail(ApiError::unauthorized(
                ErrorCode::RefreshTokenReused,
                "this session was used elsewhere and has been ended; sign in again",
            ));
        }
        Rotation::Unknown | Rotation::Revoked | Rotation::Expired => return fail(invalid_refresh()),
    };
    let Some(user) = state.durable.user_by_id(family.user_id).await? else {
        return fail(invalid_refresh());
    };
    session_response(
        &state,
        &headers,
        jar,
        &user,
        value,
        family.expires_at,
        StatusCode::OK,
    )
}

/// Sign out: revokes the refresh family (cookie) and denylists the access token (bearer). Either one
/// suffices, so a client whose access token has expired can still end its session.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses(
        (status = 204, description = "signed out; refresh cookie cleared"),
        (status = 401, body = ErrorBody, description = "neither a valid bearer token nor a session cookie"),
        (status = 403, body = ErrorBody, description = "`csrf_rejected`")),
    security(("bearer" = []), ("refresh_cookie" = [])))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Result<Response, ApiError> {
    let cookie = refresh_token_of(&jar);
    if cookie.is_some() {
        check_same_site(&headers, &state.config)?;
    }
    let user = match bearer_token(&headers) {
        None => None,
        Some(token) => match verify_access_token(&state, token?).await {
            Ok(user) => Some(user),
            // an expired or revoked token needs no denylisting; the cookie still ends the session
            Err(_) if cookie.is_some() => None,
            Err(e) => return Err(e),
        },
    };
    if user.is_none() && cookie.is_none() {
        return Err(ApiError::unauthorized(
            ErrorCode::Unauthorized,
            "not signed in",
        ));
    }
    if let Some(token) = &cookie {
        state
            .durable
            .revoke_refresh_family_of(&hash_refresh_token(token))
            .await?;
    }
    if let Some(user) = &user {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        // Keep the entry until the token could no longer pass validation (exp + leeway).
        let ttl = user.expires_at.saturating_sub(now) + super::keys::LEEWAY_SECS;
        state
            .live
            .deny_token(&user.jti, Duration::from_secs(ttl))
            .await?;
    }
    let jar = clear_refresh_cookies(jar, &headers, &state);
    Ok(no_store((StatusCode::NO_CONTENT, jar).into_response()))
}

/// Change the password. Every existing session of the account ends; returns a new one.
#[utoipa::path(post, path = "/api/auth/password", tag = "auth",
    request_body = PasswordChange,
    responses(
        (status = 200, body = Session, description = "password changed; new session"),
        (status = 403, body = ErrorBody, description = "`wrong_password`"),
        (status = 422, body = ErrorBody, description = "`invalid_password`"),
        (status = 429, body = ErrorBody, description = "`too_many_attempts`")),
    security(("bearer" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    jar: CookieJar,
    Json(req): Json<PasswordChange>,
) -> Result<Response, ApiError> {
    throttle::account_attempt(&state, &user.username).await?;
    let Some(record) = state.durable.user_by_id(user.user_id).await? else {
        return Err(ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "unknown account",
        ));
    };
    let ok = password::verify(
        req.current_password.expose_secret(),
        Some(&record.password_hash),
    )
    .await
    .map_err(ApiError::internal)?;
    if !ok {
        return Err(
            ApiError::forbidden(ErrorCode::WrongPassword, "the current password is wrong")
                .with_field("current_password"),
        );
    }
    throttle::account_succeeded(&state, &user.username).await?;
    let new =
        NewPassword::parse(req.new_password.expose_secret(), &user.username).map_err(|m| {
            ApiError::unprocessable(ErrorCode::InvalidPassword, m).with_field("new_password")
        })?;
    let hash = password::hash(&new).await.map_err(ApiError::internal)?;
    let now = OffsetDateTime::now_utc();
    state.durable.set_password(user.user_id, &hash, now).await?;
    state
        .durable
        .revoke_all_refresh_families(user.user_id)
        .await?;
    tracing::info!(user = %user.user_id, "password changed; all sessions ended");
    let record = crate::durable::User {
        password_hash: hash,
        valid_after: now,
        ..record
    };
    start_session(&state, &headers, jar, &record, StatusCode::OK).await
}

/// The signed-in host.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn me(user: AuthUser) -> Json<UserView> {
    Json(UserView {
        id: user.user_id,
        username: user.username,
    })
}
