//! What Cahoot's integration tests share, so that each helper exists once:
//!
//! - [`app`]: the real server in-process on a free port (`spawn_app`), with request helpers;
//! - [`game`]: starting, joining and connecting to a live game of a [`app::TestApp`];
//! - [`api`]: a typed REST client for any base URL (a cluster's HAProxy or one instance);
//! - [`stores`]: private PostgreSQL and redis-server instances from the installed binaries;
//! - [`live`]: the live-store API the cluster tests read Valkey through;
//! - [`assert`]: reading error codes, tokens and cookies from responses.
//!
//! Only ever a dev-dependency: it links the server and the cluster runner.

pub mod api;
pub mod app;
pub mod assert;
pub mod game;
pub mod live;
pub mod stores;

pub use api::Api;
pub use app::{PASSWORD, TestApp, spawn_app, spawn_app_with};
pub use assert::{access_token, assert_error, next_error_code, refresh_cookie, set_cookies};

/// Everything a test file usually wants: `use cahoot_testkit::prelude::*;`.
pub mod prelude {
    pub use crate::app::{
        PASSWORD, TestApp, new_client, sample_quiz_json, spawn_app, spawn_app_with,
    };
    pub use crate::assert::{
        access_token, assert_error, assert_error_in, next_error_code, refresh_cookie, retry_after,
        session, set_cookies,
    };
}

/// Limits of the server's default configuration that tests count against.
pub mod limits {
    pub use cahoot_server::auth::throttle::ACCOUNT_ATTEMPTS;

    /// Failed logins one client address may make per window.
    pub fn login_limit_per_address() -> u64 {
        cahoot_server::Config::default().login_limit_per_address
    }
}
