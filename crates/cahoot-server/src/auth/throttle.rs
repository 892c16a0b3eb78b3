//! Throttling of password guessing. The counters live in the live store, so every instance shares them.
//!
//! Policy (fixed windows):
//! - **Per account**: at most [`ACCOUNT_ATTEMPTS`] unsuccessful password checks per account in
//!   [`ACCOUNT_WINDOW`]; further attempts get 429 `too_many_attempts` (with `Retry-After`) without checking
//!   the password, until the window ends — a temporary lockout. A successful login resets the count.
//!   Unknown usernames are counted the same way, so throttling does not reveal which accounts exist.
//!   The price of a lockout is that someone can lock an account for 15 minutes; it never locks it for good.
//!   Password changes count against the same per-account budget.
//! - **Per client address**: at most `login_limit_per_address` login attempts per [`ACCOUNT_WINDOW`]
//!   (successful or not; slows credential stuffing across many accounts) and at most
//!   `register_limit_per_address` registrations per hour. Both are configurable because a whole school can
//!   sit behind one address.
//!
//! A counter is incremented *before* the check runs, so concurrent guesses cannot slip past the limit.

use crate::AppState;
use crate::error::ApiError;
use cahoot_protocol::ErrorCode;
use std::net::IpAddr;
use std::time::Duration;

pub const ACCOUNT_ATTEMPTS: u64 = 5;
pub const ACCOUNT_WINDOW: Duration = Duration::from_secs(15 * 60);
pub const REGISTER_WINDOW: Duration = Duration::from_secs(3600);

/// Usernames are at most 32 characters; longer input is cut so junk cannot grow the counter keys.
fn account_key(username: &str) -> String {
    let name: String = username.chars().take(64).collect();
    format!("auth:fail:user:{}", name.to_lowercase())
}

fn too_many(window: Duration) -> ApiError {
    ApiError::too_many_requests(
        ErrorCode::TooManyAttempts,
        "too many attempts; wait a few minutes and try again",
    )
    .with_retry_after(window.as_secs())
}

/// Counts a login attempt for the address and the account; refuses when either is over its limit.
pub async fn login_attempt(state: &AppState, ip: IpAddr, username: &str) -> Result<(), ApiError> {
    let by_address = state
        .live
        .hit(&format!("auth:login:ip:{ip}"), ACCOUNT_WINDOW)
        .await?;
    if by_address > state.config.login_limit_per_address {
        return Err(too_many(ACCOUNT_WINDOW));
    }
    account_attempt(state, username).await
}

/// Counts a password check against the account (login or password change).
pub async fn account_attempt(state: &AppState, username: &str) -> Result<(), ApiError> {
    let by_account = state
        .live
        .hit(&account_key(username), ACCOUNT_WINDOW)
        .await?;
    if by_account > ACCOUNT_ATTEMPTS {
        state.metrics.auth_throttled.inc();
        return Err(too_many(ACCOUNT_WINDOW));
    }
    Ok(())
}

/// The password was right: the account's count starts over.
pub async fn account_succeeded(state: &AppState, username: &str) -> Result<(), ApiError> {
    state.live.reset(&account_key(username)).await?;
    Ok(())
}

pub async fn registration_attempt(state: &AppState, ip: IpAddr) -> Result<(), ApiError> {
    let count = state
        .live
        .hit(&format!("auth:register:ip:{ip}"), REGISTER_WINDOW)
        .await?;
    if count > state.config.register_limit_per_address {
        return Err(too_many(REGISTER_WINDOW));
    }
    Ok(())
}
