//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations.

use crate::AppState;
use crate::http::Json;
use std::sync::LazyLock;
use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cahoot",
        description = "Live quiz platform. Errors are `{code, message, field?}` with stable snake_case \
                       codes. The WebSocket protocol (`GET /ws`) is described in docs/protocol.md."
    ),
    // Listed on its own, not only reached through ErrorBody: WebSocket `error` messages carry the same codes,
    // and clients generate their error-code union from this document.
    components(schemas(cahoot_protocol::ErrorCode)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "host accounts and sessions"),
        (name = "quizzes", description = "a host's quizzes"),
        (name = "games", description = "live and finished games"),
        (name = "images", description = "pictures for questions: upload, list and delete yours, load anyone's by id"),
        (name = "ops", description = "health, readiness, metrics, this document")
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "refresh_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::session::REFRESH_COOKIE,
                "HttpOnly refresh cookie (`__Secure-cahoot_refresh` over HTTPS), path /api/auth",
            ))),
        );
    }
}

/// The document's frame: info, tags, security schemes. Paths come from the routers.
pub fn base() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> =
    LazyLock::new(|| crate::app::api().into_openapi());

/// The complete OpenAPI document.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    &DOCUMENT
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "ops",
    responses((status = 200, description = "the OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use cahoot_protocol::ErrorCode;

    #[test]
    fn the_document_lists_every_error_code_and_error_bodies_use_it() {
        let doc = serde_json::to_value(super::document()).unwrap();
        let schemas = &doc["components"]["schemas"];
        let listed: Vec<&str> = schemas["ErrorCode"]["enum"]
            .as_array()
            .expect("ErrorCode is a string enum")
            .iter()
            .map(|code| code.as_str().unwrap())
            .collect();
        let all: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(listed, all);
        assert_eq!(
            schemas["ErrorBody"]["properties"]["code"]["$ref"],
            "#/components/schemas/ErrorCode"
        );
    }
}
