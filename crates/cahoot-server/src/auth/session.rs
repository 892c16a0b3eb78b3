//! Sessions: an access token in the JSON body plus an opaque refresh token in an HttpOnly cookie.
//!
//! The refresh token is 256 random bits; only its SHA-256 is stored. It is scoped to `/api/auth`,
//! `SameSite=Strict`, and `Secure` with the `__Secure-` prefix when the request came over HTTPS. Over plain
//! HTTP (a classroom LAN, docs/security.md §3) browsers drop `Secure` cookies, so there it is a plain HttpOnly cookie.
//! (`__Host-` would need `Path=/`; the narrower path is worth more here.)

use crate::AppState;
use crate::durable::{RefreshFamily, User};
use crate::error::ApiError;
use crate::http::Json;
use crate::http::client::is_https;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

pub const REFRESH_COOKIE: &str = "cahoot_refresh";
pub const SECURE_REFRESH_COOKIE: &str = "__Secure-cahoot_refresh";
pub const REFRESH_COOKIE_PATH: &str = "/api/auth";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
}

/// What login, registration, refresh and password change return. The refresh token is only ever in the
/// HttpOnly cookie.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Session {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: UserView,
}

pub(crate) fn hash_refresh_token(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

fn new_refresh_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The refresh token the request carries, if any.
pub(crate) fn refresh_token_of(jar: &CookieJar) -> Option<String> {
    jar.get(SECURE_REFRESH_COOKIE)
        .or_else(|| jar.get(REFRESH_COOKIE))
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

fn refresh_cookie(value: String, secure: bool, expires_at: OffsetDateTime) -> Cookie<'static> {
    let name = if secure {
        SECURE_REFRESH_COOKIE
    } else {
        REFRESH_COOKIE
    };
    let max_age = (expires_at - OffsetDateTime::now_utc()).max(time::Duration::ZERO);
    Cookie::build((name, value))
        .path(REFRESH_COOKIE_PATH)
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .build()
}

/// Expires both variants of the refresh cookie.
pub(crate) fn clear_refresh_cookies(
    jar: CookieJar,
    headers: &HeaderMap,
    state: &AppState,
) -> CookieJar {
    let secure = is_https(headers, &state.config);
    let mut jar = jar.remove(
        Cookie::build(REFRESH_COOKIE)
            .path(REFRESH_COOKIE_PATH)
            .http_only(true)
            .same_site(SameSite::Strict),
    );
    if secure {
        jar = jar.remove(
            Cookie::build(SECURE_REFRESH_COOKIE)
                .path(REFRESH_COOKIE_PATH)
                .http_only(true)
                .secure(true)
                .same_site(SameSite::Strict),
        );
    }
    jar
}

/// Marks a response as carrying credentials: never stored by any cache.
pub(crate) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Starts a new refresh family for `user` and answers with a session.
pub(crate) async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    jar: CookieJar,
    user: &User,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let now = OffsetDateTime::now_utc();
    let family = RefreshFamily {
        id: Uuid::new_v4(),
        user_id: user.id,
        created_at: now,
        expires_at: now + time::Duration::seconds(secs(state.config.refresh_absolute_secs)),
    };
    let refresh = new_refresh_token();
    state
        .durable
        .create_refresh_family(&family, &hash_refresh_token(&refresh))
        .await?;
    session_response(
        state,
        headers,
        jar,
        user,
        refresh,
        family.expires_at,
        status,
    )
}

/// Issues an access token for `user` and answers with it plus the refresh cookie.
pub(crate) fn session_response(
    state: &AppState,
    headers: &HeaderMap,
    jar: CookieJar,
    user: &User,
    refresh: String,
    refresh_expires_at: OffsetDateTime,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let access = state
        .auth
        .issue_access_token(user.id, state.config.access_token_ttl())?;
    let secure = is_https(headers, &state.config);
    let jar = jar.add(refresh_cookie(refresh, secure, refresh_expires_at));
    let body = Session {
        access_token: access.token,
        token_type: "Bearer".into(),
        expires_in: access.expires_in.as_secs(),
        user: UserView {
            id: user.id,
            username: user.username.clone(),
        },
    };
    Ok(no_store((status, jar, Json(body)).into_response()))
}

/// A new refresh token for a rotated family.
pub(crate) fn rotated_token() -> (String, [u8; 32]) {
    let value = new_refresh_token();
    let hash = hash_refresh_token(&value);
    (value, hash)
}

fn secs(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
