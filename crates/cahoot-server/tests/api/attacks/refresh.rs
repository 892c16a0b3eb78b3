//! Refresh tokens and their cookie (OWASP Session Management, CSRF; ASVS V7 session management): single
//! use with family revocation on reuse, cross-site requests refused, cookie attributes per transport,
//! idle and absolute lifetimes.

use super::*;
use cahoot_testkit::prelude::*;
use reqwest::Client;
use serde_json::json;

/// Refreshes presenting `cookie` (`name=value`) with extra headers, from a client without a cookie store.
async fn refresh_raw(app: &TestApp, cookie: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = Client::new()
        .post(app.url("/api/auth/refresh"))
        .header("cookie", cookie);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

/// The one `Set-Cookie` for the refresh token of a response, split into (name, value, attributes).
fn refresh_set_cookie(response: &reqwest::Response) -> (String, String, Vec<String>) {
    let all = set_cookies(response);
    let cookie = all
        .iter()
        .find(|c| c.contains("cahoot_refresh=") && !c.contains("cahoot_refresh=;"))
        .unwrap_or_else(|| panic!("no refresh cookie in {all:?}"));
    let mut parts = cookie.split(';').map(|p| p.trim().to_owned());
    let (name, value) = parts
        .next()
        .unwrap()
        .split_once('=')
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .unwrap();
    (name, value, parts.collect())
}

fn has_attr(attrs: &[String], want: &str) -> bool {
    attrs.iter().any(|a| a.eq_ignore_ascii_case(want))
}

fn max_age(attrs: &[String]) -> i64 {
    attrs
        .iter()
        .find_map(|a| a.strip_prefix("Max-Age="))
        .expect("Max-Age")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn every_refresh_rotates_the_token_and_no_used_token_works_twice() {
    let app = spawn_app().await;
    let mut current = refresh_cookie(&app.register("ada", PASSWORD).await).unwrap();
    let mut seen = vec![current.clone()];
    for _ in 0..3 {
        let response = app.refresh_with(&current).await;
        assert_eq!(response.status(), StatusCode::OK);
        current = refresh_cookie(&response).unwrap();
        assert!(
            !seen.contains(&current),
            "a refresh token was handed out twice"
        );
        // ≥ 256 random bits, base64url: at least 43 characters
        assert!(current.len() >= 43, "{current}");
        seen.push(current.clone());
    }
    // No refresh token is stored in clear: the database holds hashes only.
    let db = std::fs::read(app.data_dir().join("cahoot.db")).unwrap();
    let wal = std::fs::read(app.data_dir().join("cahoot.db-wal")).unwrap_or_default();
    for token in &seen {
        let needle = token.as_bytes();
        for file in [&db, &wal] {
            assert!(
                !file.windows(needle.len()).any(|w| w == needle),
                "refresh token stored in clear"
            );
        }
    }
}

#[tokio::test]
async fn a_replayed_refresh_token_revokes_the_family_and_the_user_must_sign_in_again() {
    let app = spawn_app().await;
    let stolen = refresh_cookie(&app.register("ada", PASSWORD).await).unwrap();
    // The victim keeps using the app: their token rotates twice.
    let mut victim = stolen.clone();
    for _ in 0..2 {
        victim = refresh_cookie(&app.refresh_with(&victim).await).unwrap();
    }
    // Ada also has a session on a second device (another family).
    let laptop = refresh_cookie(&app.login("ada", PASSWORD).await).unwrap();
    // The attacker replays the stolen (already used) token.
    let replay = app.refresh_with(&stolen).await;
    let cleared = set_cookies(&replay).join("\n");
    assert!(
        cleared.contains("cahoot_refresh=;"),
        "cookie cleared: {cleared}"
    );
    assert_error(replay, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    // The whole family is dead, including the victim's newest token…
    assert_error(
        app.refresh_with(&victim).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    // …and replaying again does not resurrect anything.
    assert_eq!(
        app.refresh_with(&stolen).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The other device's family is untouched, and signing in again works.
    assert_eq!(app.refresh_with(&laptop).await.status(), StatusCode::OK);
    assert_eq!(app.login("ada", PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_empty_and_forged_refresh_cookies_are_refused() {
    let app = spawn_app().await;
    let real = refresh_cookie(&app.register("ada", PASSWORD).await).unwrap();
    let mut altered = real.clone().into_bytes();
    altered[0] = if altered[0] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    for (cookie, code) in [
        (format!("cahoot_refresh={altered}"), "invalid_refresh_token"),
        ("cahoot_refresh=x".to_owned(), "invalid_refresh_token"),
        (
            format!("cahoot_refresh={}", "A".repeat(43)),
            "invalid_refresh_token",
        ),
        ("cahoot_refresh=".to_owned(), "missing_refresh_token"),
        (format!("other_cookie={real}"), "missing_refresh_token"),
    ] {
        assert_error(
            refresh_raw(&app, &cookie, &[]).await,
            StatusCode::UNAUTHORIZED,
            code,
        )
        .await;
    }
    // None of that hurt the real session.
    assert_eq!(app.refresh_with(&real).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn cross_site_refresh_and_logout_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let response = app.register("ada", PASSWORD).await;
    let refresh = refresh_cookie(&response).unwrap();
    let access = access_token(response).await;
    let cookie = format!("cahoot_refresh={refresh}");
    let own = app.base.clone();
    let cross_site: [&[(&str, &str)]; 6] = [
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
        &[("sec-fetch-site", "cross-site"), ("origin", own.as_str())],
        &[("origin", "http://evil.test")],
        &[("origin", "null")],
        &[("origin", "http://127.0.0.1.evil.test")],
    ];
    for headers in cross_site {
        assert_error(
            refresh_raw(&app, &cookie, headers).await,
            StatusCode::FORBIDDEN,
            "csrf_rejected",
        )
        .await;
        let mut logout = Client::new()
            .post(app.url("/api/auth/logout"))
            .header("cookie", &cookie);
        for (k, v) in headers {
            logout = logout.header(*k, *v);
        }
        assert_error(
            logout.send().await.unwrap(),
            StatusCode::FORBIDDEN,
            "csrf_rejected",
        )
        .await;
    }
    // Nothing was rotated or revoked: the token and the access token still work once.
    assert_eq!(
        app.get("/api/auth/me", Some(&access)).await.status(),
        StatusCode::OK
    );
    let same_origin = refresh_raw(
        &app,
        &cookie,
        &[("sec-fetch-site", "same-origin"), ("origin", own.as_str())],
    )
    .await;
    assert_eq!(same_origin.status(), StatusCode::OK);
}

#[tokio::test]
async fn over_plain_http_the_refresh_cookie_is_http_only_strict_and_path_scoped_but_not_secure() {
    let app = spawn_app().await;
    for response in [
        app.register("ada", PASSWORD).await,
        app.login("ada", PASSWORD).await,
        app.refresh().await,
    ] {
        assert_eq!(response.headers()["cache-control"], "no-store");
        let (name, value, attrs) = refresh_set_cookie(&response);
        assert_eq!(name, "cahoot_refresh");
        assert!(value.len() >= 43);
        assert!(has_attr(&attrs, "HttpOnly"), "{attrs:?}");
        assert!(has_attr(&attrs, "SameSite=Strict"), "{attrs:?}");
        assert!(has_attr(&attrs, "Path=/api/auth"), "{attrs:?}");
        assert!(!has_attr(&attrs, "Secure"), "plain HTTP: {attrs:?}");
        assert!(
            !attrs.iter().any(|a| a.starts_with("Domain")),
            "host-only: {attrs:?}"
        );
        let age = max_age(&attrs);
        assert!(age > 0 && age <= 14 * 86_400, "Max-Age {age}");
    }
}

#[tokio::test]
async fn behind_a_trusted_https_proxy_the_cookie_is_secure_prefixed_and_still_works() {
    let app = spawn_app_with(|c| c.trust_proxy = true).await;
    let https = [("x-forwarded-proto", "https")];
    let response = Client::new()
        .post(app.url("/api/auth/register"))
        .header("x-forwarded-proto", "https")
        .json(&json!({"username": "ada", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let (name, value, attrs) = refresh_set_cookie(&response);
    assert_eq!(name, "__Secure-cahoot_refresh");
    for want in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/api/auth"] {
        assert!(has_attr(&attrs, want), "{want} missing: {attrs:?}");
    }
    let hsts = response.headers()["strict-transport-security"]
        .to_str()
        .unwrap();
    assert!(hsts.contains("max-age="), "{hsts}");
    // The prefixed cookie is the one the server reads, and it rotates into a prefixed cookie again.
    let rotated = refresh_raw(&app, &format!("__Secure-cahoot_refresh={value}"), &https).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let (name, _, attrs) = refresh_set_cookie(&rotated);
    assert_eq!(name, "__Secure-cahoot_refresh");
    assert!(has_attr(&attrs, "Secure"));
}

#[tokio::test]
async fn a_forwarded_proto_header_from_an_untrusted_client_changes_nothing() {
    let app = spawn_app().await;
    let response = Client::new()
        .post(app.url("/api/auth/register"))
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"username": "ada", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(!response.headers().contains_key("strict-transport-security"));
    let (name, _, attrs) = refresh_set_cookie(&response);
    assert_eq!(name, "cahoot_refresh");
    assert!(!has_attr(&attrs, "Secure"));
}

#[tokio::test]
async fn an_idle_refresh_token_expires_after_the_idle_limit() {
    let app = spawn_app_with(|c| {
        c.refresh_idle_secs = 1;
        c.refresh_absolute_secs = 60;
    })
    .await;
    let token = refresh_cookie(&app.register("ada", PASSWORD).await).unwrap();
    // Let the idle limit pass (the clock is what is under test here).
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_error(
        app.refresh_with(&token).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
}

#[tokio::test]
async fn a_refresh_family_ends_at_its_absolute_lifetime_however_often_it_is_used() {
    let app = spawn_app_with(|c| {
        c.refresh_idle_secs = 2;
        c.refresh_absolute_secs = 3;
    })
    .await;
    let response = app.register("ada", PASSWORD).await;
    let (_, mut token, attrs) = refresh_set_cookie(&response);
    assert!(
        max_age(&attrs) <= 3,
        "cookie lives no longer than the family"
    );
    let started = std::time::Instant::now();
    // Keep the session busy, well inside the idle limit, until the absolute lifetime is over.
    while started.elapsed() < Duration::from_millis(1900) {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let response = app.refresh_with(&token).await;
        assert_eq!(response.status(), StatusCode::OK, "{:?}", started.elapsed());
        let (_, next, attrs) = refresh_set_cookie(&response);
        assert!(max_age(&attrs) <= 3, "rotation never extends the family");
        token = next;
    }
    tokio::time::sleep(Duration::from_millis(3200).saturating_sub(started.elapsed())).await;
    assert_error(
        app.refresh_with(&token).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
}

#[tokio::test]
async fn after_logout_the_refresh_cookie_is_cleared_and_dead() {
    let app = spawn_app().await;
    let response = app.register("ada", PASSWORD).await;
    let refresh = refresh_cookie(&response).unwrap();
    let access = access_token(response).await;
    let logout = Client::new()
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&access)
        .header("cookie", format!("cahoot_refresh={refresh}"))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let cleared = set_cookies(&logout).join("\n");
    assert!(cleared.contains("cahoot_refresh=;"), "{cleared}");
    assert!(
        cleared.contains("Max-Age=0") || cleared.contains("Expires="),
        "{cleared}"
    );
    assert_error(
        app.refresh_with(&refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
}
