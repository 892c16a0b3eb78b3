//! Error shapes, security headers, ops endpoints, the web UI fallback and the OpenAPI document.

use cahoot_testkit::prelude::*;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

fn assert_security_headers(response: &Response) {
    let h = response.headers();
    assert_eq!(h["content-security-policy"], CSP, "{}", response.url());
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
    assert_eq!(h["cross-origin-opener-policy"], "same-origin");
    assert!(
        !h.contains_key("strict-transport-security"),
        "no HSTS over plain HTTP"
    );
    assert!(
        !h.contains_key("access-control-allow-origin"),
        "no CORS granted"
    );
    assert!(h.contains_key("x-request-id"), "request id");
}

async fn post_raw(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Response {
    let token = app.register_and_login("ada").await;
    let mut req = app.client.post(app.url(path)).bearer_auth(token).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn malformed_json_is_a_json_400() {
    let app = spawn_app().await;
    let response = post_raw(
        &app,
        "/api/quizzes",
        Some("application/json"),
        b"{\"title\": ".to_vec(),
    )
    .await;
    assert_security_headers(&response);
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_json").await;
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_a_json_422() {
    let app = spawn_app().await;
    let response = post_raw(
        &app,
        "/api/quizzes",
        Some("application/json"),
        b"{\"title\": 5}".to_vec(),
    )
    .await;
    assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
}

#[tokio::test]
async fn a_body_without_json_content_type_is_a_json_415() {
    let app = spawn_app().await;
    let body = serde_json::to_vec(&sample_quiz_json()).unwrap();
    let response = post_raw(&app, "/api/quizzes", Some("text/plain"), body).await;
    assert_error(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test]
async fn an_oversized_body_is_a_json_413() {
    let app = spawn_app().await;
    let mut quiz = sample_quiz_json();
    quiz["title"] = json!("x".repeat(70 * 1024));
    let body = serde_json::to_vec(&quiz).unwrap();
    let response = post_raw(&app, "/api/quizzes", Some("application/json"), body).await;
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[tokio::test]
async fn unknown_api_routes_are_json_404s() {
    let app = spawn_app().await;
    for path in [
        "/api/nope",
        "/api",
        "/api/quizzes/1/2/3",
        "/metrics/x",
        "/ws/x",
    ] {
        let response = app.get(path, None).await;
        assert_security_headers(&response);
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let response = app.post("/api/nope", None, &json!({})).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405() {
    let app = spawn_app().await;
    let response = app
        .client
        .patch(app.url("/api/quizzes"))
        .send()
        .await
        .unwrap();
    assert_security_headers(&response);
    assert_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn security_headers_are_on_html_api_and_error_responses() {
    let app = spawn_app().await;
    let html = app.get("/", None).await;
    assert_eq!(html.status(), StatusCode::OK);
    assert_security_headers(&html);
    let token = app.register_and_login("ada").await;
    let api = app.get("/api/quizzes", Some(&token)).await;
    assert_eq!(api.status(), StatusCode::OK);
    assert_security_headers(&api);
    let error = app.get("/api/quizzes", None).await;
    assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
    assert_security_headers(&error);
    assert_security_headers(&app.get("/healthz", None).await);
}

#[tokio::test]
async fn client_side_routes_get_the_web_ui_but_missing_assets_do_not() {
    let app = spawn_app().await;
    for path in ["/", "/host/quizzes", "/join/123456"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert!(response.text().await.unwrap().contains("<html"));
    }
    let missing = app.get("/assets/missing-1234.js", None).await;
    assert_error(missing, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn health_and_readiness_report_the_instance_state() {
    let app = spawn_app().await;
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok");
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status(), StatusCode::OK);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["durable"], "sqlite");

    app.state.set_draining();
    assert_error(
        app.get("/readyz", None).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "draining",
    )
    .await;
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_are_served_in_prometheus_text_format() {
    let app = spawn_app().await;
    app.register_and_login("ada").await;
    app.get("/healthz", None).await;
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text; version=1.0.0")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains("# TYPE cahoot_http_requests counter"),
        "{text}"
    );
    assert!(
        text.contains(
            r#"cahoot_http_requests_total{method="GET",route="/healthz",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains("cahoot_registrations_total 1"), "{text}");
    assert!(
        text.contains(
            r#"cahoot_http_request_duration_seconds_count{method="GET",route="/healthz"} 1"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_rest_endpoint() {
    let app = spawn_app().await;
    let response = app.get("/api/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let expected = [
        ("post", "/api/auth/register"),
        ("post", "/api/auth/login"),
        ("post", "/api/auth/refresh"),
        ("post", "/api/auth/logout"),
        ("post", "/api/auth/password"),
        ("get", "/api/auth/me"),
        ("get", "/api/quizzes"),
        ("post", "/api/quizzes"),
        ("post", "/api/quizzes/sample"),
        ("get", "/api/quizzes/{id}"),
        ("put", "/api/quizzes/{id}"),
        ("delete", "/api/quizzes/{id}"),
        ("post", "/api/quizzes/{id}/duplicate"),
        ("get", "/api/quizzes/{id}/export"),
        ("post", "/api/quizzes/import"),
        ("post", "/api/games"),
        ("get", "/api/games"),
        ("get", "/api/games/{id}"),
        ("get", "/api/games/{id}/results.csv"),
        ("get", "/api/games/{id}/results.xlsx"),
        ("get", "/api/games/{id}/report"),
        ("get", "/api/quizzes/{id}/report"),
        ("get", "/api/images"),
        ("post", "/api/images"),
        ("get", "/api/images/{id}"),
        ("delete", "/api/images/{id}"),
        ("post", "/api/play/join"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/metrics"),
        ("get", "/api/openapi.json"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        expected.len(),
        "undocumented or unexpected operations: {paths:?}"
    );
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    // The served document is the one the CLI prints.
    assert_eq!(
        doc,
        serde_json::to_value(cahoot_server::openapi::document()).unwrap()
    );
}
