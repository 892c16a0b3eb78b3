//! Security headers on every class of response (docs/security.md §4; ASVS V3 web frontend, V13 configuration):
//! CSP without inline script, nosniff, referrer policy, COOP, framing denied, no CORS, no-store on
//! credentials, HSTS only over TLS.

use super::*;
use cahoot_testkit::prelude::*;
use reqwest::{Client, Method, Response};
use serde_json::json;

/// Asserts the security headers every response must carry (listed above) on `response`; `what` names it in
/// failures.
fn assert_design_headers(response: &Response, what: &str, https: bool) {
    let h = response.headers();
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .unwrap();
    assert_csp_forbids_inline_script(csp, what);
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(
        h["referrer-policy"], "strict-origin-when-cross-origin",
        "{what}"
    );
    assert_eq!(h["cross-origin-opener-policy"], "same-origin", "{what}");
    assert!(h.contains_key("x-request-id"), "{what}: request id");
    for cors in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-headers",
        "access-control-allow-methods",
    ] {
        assert!(!h.contains_key(cors), "{what}: CORS header {cors} granted");
    }
    assert_eq!(
        h.contains_key("strict-transport-security"),
        https,
        "{what}: HSTS exactly when served over TLS"
    );
    assert!(!h.contains_key("server"), "{what}: no server banner");
    assert!(!h.contains_key("x-powered-by"), "{what}");
}

/// The CSP's directives by name.
fn directives(csp: &str) -> std::collections::HashMap<String, Vec<String>> {
    csp.split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            let name = words.next()?.to_ascii_lowercase();
            Some((name, words.map(str::to_owned).collect()))
        })
        .collect()
}

fn assert_csp_forbids_inline_script(csp: &str, what: &str) {
    let d = directives(csp);
    let script = d
        .get("script-src")
        .or_else(|| d.get("default-src"))
        .unwrap_or_else(|| panic!("{what}: no script-src or default-src in {csp}"));
    for source in script {
        let source = source.to_ascii_lowercase();
        assert!(
            source == "'self'" || source == "'none'",
            "{what}: script source {source} allows more than our own files: {csp}"
        );
    }
    assert!(d.contains_key("default-src"), "{what}: {csp}");
    assert_eq!(
        d.get("object-src").map(Vec::as_slice),
        Some(&["'none'".to_owned()][..]),
        "{what}"
    );
    assert_eq!(
        d.get("base-uri").map(Vec::as_slice),
        Some(&["'none'".to_owned()][..]),
        "{what}"
    );
    assert_eq!(
        d.get("frame-ancestors").map(Vec::as_slice),
        Some(&["'none'".to_owned()][..]),
        "{what}"
    );
}

/// The first `/assets/…` file `index.html` loads, if the UI is built.
async fn an_asset(app: &TestApp) -> Option<String> {
    let html = app.get("/", None).await.text().await.unwrap();
    let start = html.find("/assets/")?;
    let end = start + html[start..].find('"')?;
    Some(html[start..end].to_owned())
}

#[tokio::test]
async fn every_class_of_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let response = app.register("ada", PASSWORD).await;
    assert_design_headers(&response, "token response", false);
    let token = access_token(response).await;
    let quiz = app.create_sample_quiz(&token).await;
    let mut cases: Vec<(String, Response)> = Vec::new();
    let get = |path: &str, token: Option<&str>| {
        let mut req = app.client.get(app.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send()
    };
    cases.push(("HTML entry".into(), get("/", None).await.unwrap()));
    cases.push((
        "HTML client route".into(),
        get("/host/quizzes", None).await.unwrap(),
    ));
    cases.push((
        "API JSON".into(),
        get("/api/quizzes", Some(&token)).await.unwrap(),
    ));
    cases.push((
        "API JSON by id".into(),
        get(&format!("/api/quizzes/{quiz}"), Some(&token))
            .await
            .unwrap(),
    ));
    cases.push(("401 JSON".into(), get("/api/quizzes", None).await.unwrap()));
    cases.push(("404 API".into(), get("/api/nope", None).await.unwrap()));
    cases.push((
        "404 asset".into(),
        get("/assets/missing-0000.js", None).await.unwrap(),
    ));
    cases.push((
        "404 by id".into(),
        get(&format!("/api/quizzes/{}", Uuid::new_v4()), Some(&token))
            .await
            .unwrap(),
    ));
    cases.push(("health text".into(), get("/healthz", None).await.unwrap()));
    cases.push(("readiness JSON".into(), get("/readyz", None).await.unwrap()));
    cases.push(("metrics text".into(), get("/metrics", None).await.unwrap()));
    cases.push((
        "OpenAPI".into(),
        get("/api/openapi.json", None).await.unwrap(),
    ));
    cases.push(("favicon".into(), get("/favicon.svg", None).await.unwrap()));
    if let Some(asset) = an_asset(&app).await {
        let response = get(&asset, None).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        cases.push((format!("static asset {asset}"), response));
        let not_modified = app
            .client
            .get(app.url(&asset))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
        cases.push(("304 asset".into(), not_modified));
    }
    let send = |method: Method, path: &str| app.client.request(method, app.url(path));
    cases.push((
        "405".into(),
        send(Method::PATCH, "/api/quizzes").send().await.unwrap(),
    ));
    cases.push(("HEAD".into(), send(Method::HEAD, "/").send().await.unwrap()));
    cases.push((
        "CORS preflight".into(),
        send(Method::OPTIONS, "/api/quizzes")
            .header("origin", "http://evil.test")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization")
            .send()
            .await
            .unwrap(),
    ));
    cases.push((
        "cross-origin GET".into(),
        app.client
            .get(app.url("/api/quizzes"))
            .bearer_auth(&token)
            .header("origin", "http://evil.test")
            .send()
            .await
            .unwrap(),
    ));
    cases.push((
        "422 JSON".into(),
        app.post("/api/quizzes", Some(&token), &json!({"title": 5}))
            .await,
    ));
    cases.push((
        "413 JSON".into(),
        app.post(
            "/api/quizzes",
            Some(&token),
            &json!({"title": "x".repeat(70_000)}),
        )
        .await,
    ));
    cases.push((
        "WebSocket origin refused".into(),
        Client::new()
            .get(app.url("/ws"))
            .header("origin", "http://evil.test")
            .header("connection", "upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .send()
            .await
            .unwrap(),
    ));
    let game = finished_game(&app, &token, quiz).await;
    cases.push((
        "CSV".into(),
        get(&format!("/api/games/{game}/results.csv"), Some(&token))
            .await
            .unwrap(),
    ));
    let classes = cases.len();
    for (what, response) in &cases {
        assert_design_headers(response, what, false);
    }
    assert!(classes >= 20, "{classes}");
}

#[tokio::test]
async fn credential_responses_are_never_cached() {
    let app = spawn_app().await;
    let response = app.register("ada", PASSWORD).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let token = access_token(response).await;
    for response in [
        app.login("ada", PASSWORD).await,
        app.refresh().await,
        app.post(
            "/api/auth/password",
            Some(&token),
            &json!({"current_password": PASSWORD, "new_password": "a much better passphrase"}),
        )
        .await,
    ] {
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["cache-control"],
            "no-store",
            "{}",
            response.url()
        );
    }
    // Even a refused refresh (it clears the cookie) is not cacheable.
    let refused = app.refresh_with("stolen-or-stale").await;
    assert_eq!(refused.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn behind_a_trusted_tls_proxy_every_response_adds_hsts() {
    let app = spawn_app_with(|c| c.trust_proxy = true).await;
    for path in ["/", "/api/nope", "/healthz", "/api/openapi.json"] {
        let response = Client::new()
            .get(app.url(path))
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap();
        assert_design_headers(&response, path, true);
        let hsts = response.headers()["strict-transport-security"]
            .to_str()
            .unwrap();
        let max_age: u64 = hsts
            .split(';')
            .find_map(|p| p.trim().strip_prefix("max-age="))
            .unwrap()
            .parse()
            .unwrap();
        assert!(max_age >= 31_536_000, "{hsts}");
    }
}

#[tokio::test]
async fn the_web_ui_has_no_inline_script_for_the_csp_to_forbid() {
    let app = spawn_app().await;
    let html = app
        .get("/", None)
        .await
        .text()
        .await
        .unwrap()
        .to_ascii_lowercase();
    let mut rest = html.as_str();
    while let Some(at) = rest.find("<script") {
        let tag_end = at + rest[at..].find('>').unwrap();
        let tag = &rest[at..tag_end];
        assert!(tag.contains("src="), "inline script in index.html: {tag}");
        rest = &rest[tag_end..];
    }
    for handler in [" onload=", " onerror=", " onclick=", "javascript:"] {
        assert!(
            !html.contains(handler),
            "inline handler {handler} in index.html"
        );
    }
}
