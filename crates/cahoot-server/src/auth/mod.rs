//! Host accounts and sessions (model and trade-offs: docs/security.md §2): registration, login, refresh-token rotation, logout, password
//! change; access and player tokens; the `AuthUser` extractor.

mod extract;
mod handlers;
pub mod keys;
pub mod password;
pub mod session;
pub mod throttle;

pub use extract::{AuthUser, verify_access_token};
pub use keys::{AuthError, Keys, PlayerClaims};
pub use session::{Session, UserView};

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::register))
        .routes(routes!(handlers::login))
        .routes(routes!(handlers::refresh))
        .routes(routes!(handlers::logout))
        .routes(routes!(handlers::change_password))
        .routes(routes!(handlers::me))
}
