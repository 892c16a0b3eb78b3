//! HTTP plumbing shared by every feature: extractors (`Json`, client address and origin), middleware
//! (security headers, metrics), the static UI and the ops endpoints. It imports no feature module; the
//! app is assembled in `app.rs`.

pub mod client;
pub mod headers;
pub mod health;
pub mod json;
pub mod metrics;
pub mod static_files;

pub use json::Json;
