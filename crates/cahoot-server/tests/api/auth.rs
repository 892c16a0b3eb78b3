use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cahoot_testkit::prelude::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use uuid::Uuid;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The server's signing key as stored in the keys directory: (kid, secret).
fn signing_key(app: &TestApp) -> (String, Vec<u8>) {
    let entry = std::fs::read_dir(app.keys_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a key file");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(entry).unwrap()).unwrap();
    (
        file["kid"].as_str().unwrap().to_owned(),
        URL_SAFE_NO_PAD
            .decode(file["secret"].as_str().unwrap())
            .unwrap(),
    )
}

fn claims(user_id: &str) -> Value {
    let t = now();
    json!({"iss": "cahoot", "aud": "cahoot-host", "sub": user_id, "iat": t, "nbf": t,
           "exp": t + 600, "jti": Uuid::new_v4().to_string(), "iat_ms": t * 1000 + 999})
}

fn sign(kid: &str, secret: &[u8], claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// `GET /api/auth/me` with `token` is refused with 401 `code`.
async fn assert_me_refused(app: &TestApp, token: &str, code: &str) {
    let response = app.get("/api/auth/me", Some(token)).await;
    assert_error(response, StatusCode::UNAUTHORIZED, code).await;
}

#[tokio::test]
async fn registration_returns_a_session_and_an_http_only_refresh_cookie() {
    let app = spawn_app().await;
    let response = app.register("ada", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let cookie = set_cookies(&response).join("\n");
    assert!(cookie.starts_with("cahoot_refresh="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/auth", "Max-Age="] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing in {cookie}"
        );
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP must not set Secure: {cookie}"
    );
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["token_type"], "Bearer");
    assert_eq!(session["expires_in"], 900);
    assert_eq!(session["user"]["username"], "ada");
    assert!(session.get("refresh_token").is_none());
    let token = session["access_token"].as_str().unwrap();
    let me = app.get_json("/api/auth/me", Some(token)).await;
    assert_eq!(me, session["user"]);
}

#[tokio::test]
async fn a_taken_username_is_refused_whatever_its_case() {
    let app = spawn_app().await;
    app.register_and_login("Grace").await;
    let body = assert_error(
        app.register("grace", PASSWORD).await,
        StatusCode::CONFLICT,
        "username_unavailable",
    )
    .await;
    assert_eq!(body["field"], "username");
}

#[tokio::test]
async fn short_and_common_passwords_are_refused_at_registration() {
    let app = spawn_app().await;
    for password in ["short", "password", "PASSWORD1", "iloveyou"] {
        let body = assert_error(
            app.register("ada", password).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_password",
        )
        .await;
        assert_eq!(body["field"], "password");
    }
    let long = "x".repeat(129);
    assert_error(
        app.register("ada", &long).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_password",
    )
    .await;
}

#[tokio::test]
async fn usernames_outside_the_allowed_alphabet_are_refused() {
    let app = spawn_app().await;
    for username in ["ab", "has space", "semi;colon", &"x".repeat(33)] {
        let body = assert_error(
            app.register(username, PASSWORD).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_username",
        )
        .await;
        assert_eq!(body["field"], "username");
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    app.register_and_login("ada").await;
    let wrong = assert_error(
        app.login("ada", "not the password").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let unknown = assert_error(
        app.login("nobody", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["message"], "invalid username or password");
}

#[tokio::test]
async fn login_is_case_insensitive_in_the_username() {
    let app = spawn_app().await;
    app.register_and_login("Ada").await;
    let response = app.login("ADA", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn refresh_rotates_the_cookie_and_issues_a_working_access_token() {
    let app = spawn_app().await;
    let first = app.register("ada", PASSWORD).await;
    let first_cookie = refresh_cookie(&first).unwrap();
    let response = app.refresh().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let second_cookie = refresh_cookie(&response).unwrap();
    assert_ne!(first_cookie, second_cookie);
    let token = access_token(response).await;
    assert_eq!(
        app.get("/api/auth/me", Some(&token)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn reusing_a_refresh_token_revokes_the_whole_family() {
    let app = spawn_app().await;
    let a = refresh_cookie(&app.register("ada", PASSWORD).await).unwrap();
    let rotated = app.refresh_with(&a).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let b = refresh_cookie(&rotated).unwrap();
    // An attacker replays the stolen, already used token:
    assert_error(
        app.refresh_with(&a).await,
        StatusCode::UNAUTHORIZED,
        "refresh_token_reused",
    )
    .await;
    // …and the legitimate newer token is now dead too.
    assert_error(
        app.refresh_with(&b).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
}

#[tokio::test]
async fn refresh_without_a_cookie_is_refused() {
    let app = spawn_app().await;
    assert_error(
        app.refresh().await,
        StatusCode::UNAUTHORIZED,
        "missing_refresh_token",
    )
    .await;
}

#[tokio::test]
async fn cross_site_refresh_and_logout_are_refused() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let cross_site = app
        .client
        .post(app.url("/api/auth/refresh"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_error(cross_site, StatusCode::FORBIDDEN, "csrf_rejected").await;
    let foreign_origin = app
        .client
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&token)
        .header("origin", "http://evil.test")
        .send()
        .await
        .unwrap();
    assert_error(foreign_origin, StatusCode::FORBIDDEN, "csrf_rejected").await;
    let same_origin = app
        .client
        .post(app.url("/api/auth/refresh"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), StatusCode::OK);
}

#[tokio::test]
async fn logout_denylists_the_access_token_and_ends_the_refresh_family() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let response = app
        .client
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        set_cookies(&response)
            .join(";")
            .contains("cahoot_refresh=;")
    );
    assert_me_refused(&app, &token, "token_revoked").await;
    assert_eq!(app.refresh().await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_password_change_ends_every_other_session() {
    let app = spawn_app().await;
    let first = app.register_and_login("ada").await;
    let laptop = new_client();
    let login = laptop
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "ada", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let laptop_refresh = refresh_cookie(&login).unwrap();
    let second = access_token(login).await;

    let response = app
        .post(
            "/api/auth/password",
            Some(&first),
            &json!({"current_password": PASSWORD, "new_password": "a much better passphrase"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let fresh = access_token(response).await;

    assert_eq!(
        app.get("/api/auth/me", Some(&fresh)).await.status(),
        StatusCode::OK
    );
    for old in [&first, &second] {
        assert_me_refused(&app, old, "token_revoked").await;
    }
    assert_eq!(
        app.refresh_with(&laptop_refresh).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("ada", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("ada", "a much better passphrase").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_password_change_needs_the_current_password() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let body = assert_error(
        app.post(
            "/api/auth/password",
            Some(&token),
            &json!({"current_password": "wrong one!", "new_password": "a much better passphrase"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "wrong_password",
    )
    .await;
    assert_eq!(body["field"], "current_password");
    assert_eq!(
        app.get("/api/auth/me", Some(&token)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn expired_forged_unsigned_and_foreign_tokens_are_rejected() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let id = app.user_id(&token).await.to_string();
    let (kid, secret) = signing_key(&app);

    // sanity: a token made like the server's is accepted
    let good = sign(&kid, &secret, &claims(&id));
    assert_eq!(
        app.get("/api/auth/me", Some(&good)).await.status(),
        StatusCode::OK
    );

    let mut expired = claims(&id);
    expired["exp"] = json!(now() - 120);
    let expired = sign(&kid, &secret, &expired);
    assert_me_refused(&app, &expired, "token_expired").await;

    let forged = sign(&kid, &[42; 32], &claims(&id));
    let mut wrong_aud = claims(&id);
    wrong_aud["aud"] = json!("someone-else");
    let wrong_aud = sign(&kid, &secret, &wrong_aud);
    let mut wrong_iss = claims(&id);
    wrong_iss["iss"] = json!("not-cahoot");
    let wrong_iss = sign(&kid, &secret, &wrong_iss);
    let unknown_kid = sign("nope", &secret, &claims(&id));
    let payload = URL_SAFE_NO_PAD.encode(claims(&id).to_string());
    let alg_none = format!(
        "{}.{payload}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT", "kid": kid}).to_string())
    );
    let hs512 = {
        let mut header = Header::new(Algorithm::HS512);
        header.kid = Some(kid.clone());
        jsonwebtoken::encode(&header, &claims(&id), &EncodingKey::from_secret(&secret)).unwrap()
    };
    for bad in [
        forged,
        wrong_aud,
        wrong_iss,
        unknown_kid,
        alg_none,
        hs512,
        "garbage".into(),
    ] {
        assert_me_refused(&app, &bad, "invalid_token").await;
    }
}

#[tokio::test]
async fn tokens_missing_a_required_claim_are_rejected() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let id = app.user_id(&token).await.to_string();
    let (kid, secret) = signing_key(&app);
    for claim in ["iss", "aud", "sub", "iat", "nbf", "exp", "jti"] {
        let mut c = claims(&id);
        c.as_object_mut().unwrap().remove(claim);
        let bad = sign(&kid, &secret, &c);
        let response = app.get("/api/auth/me", Some(&bad)).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "without {claim}"
        );
    }
}

#[tokio::test]
async fn a_player_token_is_rejected_by_host_endpoints() {
    let app = spawn_app().await;
    let player = app
        .state
        .auth
        .issue_player_token("game-1", "player-1", Duration::from_secs(600))
        .unwrap();
    assert_me_refused(&app, &player, "invalid_token").await;
    assert_error(
        app.get("/api/quizzes", Some(&player)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn requests_without_a_bearer_token_are_unauthorized() {
    let app = spawn_app().await;
    assert_error(
        app.get("/api/auth/me", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let basic = app
        .client
        .get(app.url("/api/auth/me"))
        .header("authorization", "Basic YWRhOnB3")
        .send()
        .await
        .unwrap();
    assert_error(basic, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_even_for_the_right_password() {
    let app = spawn_app().await;
    app.register_and_login("ada").await;
    for _ in 0..5 {
        assert_eq!(
            app.login("ada", "wrong password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let response = app.login("ada", PASSWORD).await;
    assert_eq!(response.headers()["retry-after"], "900");
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    // Other accounts are not affected by this account's lockout.
    app.register_and_login("grace").await;
    assert_eq!(app.login("grace", PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_successful_login_resets_the_failure_count() {
    let app = spawn_app().await;
    app.register_and_login("ada").await;
    for _ in 0..4 {
        assert_eq!(
            app.login("ada", "wrong password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(app.login("ada", PASSWORD).await.status(), StatusCode::OK);
    for _ in 0..4 {
        assert_eq!(
            app.login("ada", "wrong password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(app.login("ada", PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn logins_are_throttled_per_client_address() {
    let app = spawn_app_with(|c| c.login_limit_per_address = 3).await;
    for name in ["ann", "bob", "cyd"] {
        assert_eq!(
            app.login(name, PASSWORD).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_error(
        app.login("dee", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
    )
    .await;
}

#[tokio::test]
async fn behind_an_https_proxy_the_refresh_cookie_is_secure_and_prefixed() {
    let app = spawn_app_with(|c| c.trust_proxy = true).await;
    let response = app
        .client
        .post(app.url("/api/auth/register"))
        .header("x-forwarded-proto", "https")
        .json(&json!({"username": "ada", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().contains_key("strict-transport-security"));
    let cookie = set_cookies(&response).join("\n");
    assert!(cookie.starts_with("__Secure-cahoot_refresh="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("Path=/api/auth"), "{cookie}");

    let plain = app.register("grace", PASSWORD).await;
    assert!(!plain.headers().contains_key("strict-transport-security"));
    assert!(
        set_cookies(&plain)
            .join("\n")
            .starts_with("cahoot_refresh=")
    );
}

#[cfg(unix)]
#[tokio::test]
async fn signing_keys_are_private_files_reused_after_a_restart() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let files: Vec<_> = std::fs::read_dir(app.keys_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "key file mode {mode:o}");
    let before = std::fs::read(&files[0]).unwrap();

    let app = app.restart().await;
    assert_eq!(
        app.get("/api/auth/me", Some(&token)).await.status(),
        StatusCode::OK
    );
    assert_eq!(std::fs::read(&files[0]).unwrap(), before);
    assert_eq!(std::fs::read_dir(app.keys_dir()).unwrap().count(), 1);
}

#[tokio::test]
async fn logout_with_only_the_refresh_cookie_still_ends_the_session() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let response = app
        .client
        .post(app.url("/api/auth/logout"))
        .bearer_auth("expired.or.garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.refresh().await.status(), StatusCode::UNAUTHORIZED);
    // without the bearer token its jti could not be denylisted; it simply runs out
    assert_eq!(
        app.get("/api/auth/me", Some(&token)).await.status(),
        StatusCode::OK
    );
    let nothing = new_client()
        .post(app.url("/api/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_error(nothing, StatusCode::UNAUTHORIZED, "unauthorized").await;
}
