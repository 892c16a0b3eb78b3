//! Passwords and login (OWASP Authentication and Password Storage cheat sheets; ASVS V6 authentication):
//! Argon2id at or above the OWASP minimum, no account enumeration by status, body or timing, common
//! passwords refused, guessing throttled per account and per address.

use super::*;
use cahoot_testkit::prelude::*;
use reqwest::Client;
use serde_json::json;
use std::time::Instant;

async fn login_from(
    app: &TestApp,
    address: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    Client::new()
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", address)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn stored_password_hashes_are_argon2id_with_at_least_the_owasp_minimum_cost() {
    let app = spawn_app().await;
    app.register_and_login("ada").await;
    let user = app
        .state
        .durable
        .user_by_name("ada")
        .await
        .unwrap()
        .unwrap();
    let hash = user.password_hash;
    // $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
    let parts: Vec<&str> = hash.split('$').collect();
    assert_eq!(parts[1], "argon2id", "{hash}");
    assert_eq!(parts[2], "v=19", "{hash}");
    let params: std::collections::HashMap<&str, u64> = parts[3]
        .split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k, v.parse().unwrap())
        })
        .collect();
    assert!(params["m"] >= 19_456, "memory {hash}");
    assert!(params["t"] >= 2, "iterations {hash}");
    assert!(params["p"] >= 1, "parallelism {hash}");
    let salt = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts[4])
        .unwrap();
    assert!(salt.len() >= 16, "salt of {} bytes", salt.len());
    assert!(!hash.contains(PASSWORD));
    // Same password, new account: a different salt and hash.
    app.register_and_login("grace").await;
    let other = app
        .state
        .durable
        .user_by_name("grace")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(other.password_hash, hash);
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_status_headers_and_body() {
    let app = spawn_app().await;
    app.register_and_login("ada").await;
    let reference = app.login("ada", "not the password").await;
    let status = reference.status();
    let retry = reference.headers().get("retry-after").cloned();
    let body: Value = reference.json().await.unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"code": "invalid_credentials", "message": "invalid username or password"})
    );
    let long = "x".repeat(200);
    for (username, password) in [
        ("nobody", PASSWORD),
        ("nobody", "not the password"),
        ("ADA ", "not the password"),
        ("x", PASSWORD),        // not even a valid username
        ("ada", ""),            // empty password
        ("ada", long.as_str()), // longer than any password can be
        (&"n".repeat(500), PASSWORD),
    ] {
        let response = app.login(username, password).await;
        assert_eq!(response.status(), status, "{username:?}");
        assert_eq!(response.headers().get("retry-after"), retry.as_ref());
        assert!(response.headers().get("set-cookie").is_none());
        let other: Value = response.json().await.unwrap();
        assert_eq!(other, body, "{username:?}/{password:?}");
    }
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_take_about_the_same_time() {
    // Medians of interleaved samples with a generous ratio: a server that skipped the hash for unknown
    // users would answer them ~100× faster than a real Argon2id check.
    let app = spawn_app().await;
    app.register_and_login("ada").await;
    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    for round in 0..4 {
        // four failures per round stay under the per-account limit; the right password resets it
        for i in 0..4 {
            let start = Instant::now();
            let r = app
                .login(&format!("ghost{round}x{i}"), "not the password")
                .await;
            unknown.push(start.elapsed());
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            let start = Instant::now();
            let r = app.login("ada", "not the password").await;
            wrong.push(start.elapsed());
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        assert_eq!(app.login("ada", PASSWORD).await.status(), StatusCode::OK);
    }
    let (u, w) = (median(&mut unknown), median(&mut wrong));
    let ratio = u.as_secs_f64() / w.as_secs_f64();
    assert!(
        (0.5..=2.0).contains(&ratio),
        "unknown user median {u:?}, wrong password median {w:?}"
    );
}

#[tokio::test]
async fn registration_reveals_a_taken_name_only_with_a_generic_answer_and_after_full_cost() {
    let app = spawn_app().await;
    app.register_and_login("Ada").await;
    let taken = app.register("ada", "some other passphrase").await;
    let body = assert_error(taken, StatusCode::CONFLICT, "username_unavailable").await;
    // Generic wording, no id or other data of the existing account.
    assert_eq!(
        body["message"],
        "that username cannot be used; choose another"
    );
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["code", "field", "message"]
    );
    // A weak password is refused before the name is looked at, so it does not probe names either.
    assert_error(
        app.register("ada", "password").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_password",
    )
    .await;
}

#[tokio::test]
async fn common_passwords_and_the_username_are_refused_at_registration_and_password_change() {
    let app = spawn_app_with(|c| c.register_limit_per_address = 1000).await;
    let common = include_str!("../../../src/auth/common-passwords.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && l.chars().count() >= 8)
        .take(25)
        .collect::<Vec<_>>();
    assert!(common.len() >= 20);
    for password in &common {
        for variant in [password.to_string(), password.to_uppercase()] {
            assert_error(
                app.register("ada", &variant).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_password",
            )
            .await;
        }
    }
    assert_error(
        app.register("lovelace1815", "LoveLace1815").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_password",
    )
    .await;
    let token = app.register_and_login("ada").await;
    for new in ["password1", "iloveyou", "ada"] {
        let response = app
            .post(
                "/api/auth/password",
                Some(&token),
                &json!({"current_password": PASSWORD, "new_password": new}),
            )
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_password",
        )
        .await;
    }
}

#[tokio::test]
async fn long_and_unicode_passwords_work_and_are_never_truncated() {
    let app = spawn_app().await;
    // 128 characters, differing only in the last one: a truncating hash (bcrypt's 72 bytes) would
    // accept the other.
    let long = format!(
        "{}A",
        "lorem ipsum "
            .repeat(11)
            .chars()
            .take(127)
            .collect::<String>()
    );
    let almost = format!("{}B", &long[..127]);
    assert_eq!(long.chars().count(), 128);
    assert_eq!(
        app.register("ada", &long).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(app.login("ada", &long).await.status(), StatusCode::OK);
    assert_eq!(
        app.login("ada", &almost).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // No composition rules: a long all-lowercase phrase and a non-ASCII one are fine.
    assert_eq!(
        app.register("grace", "all lower case words").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.register("hedy", "пароль-мой-секрет 🎹").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.login("hedy", "пароль-мой-секрет 🎹").await.status(),
        StatusCode::OK
    );
    assert_error(
        app.register("alan", &"y".repeat(129)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_password",
    )
    .await;
}

#[tokio::test]
async fn an_account_locks_after_five_failures_even_when_the_attacker_changes_address() {
    let app = spawn_app_with(|c| c.trust_proxy = true).await;
    app.register_and_login("ada").await;
    for i in 0..5 {
        let response = login_from(&app, &format!("198.51.100.{i}"), "ada", "guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // From a sixth address, with the RIGHT password: refused without checking it.
    let response = login_from(&app, "198.51.100.77", "ada", PASSWORD).await;
    assert!(
        response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
}

#[tokio::test]
async fn unknown_usernames_are_throttled_exactly_like_real_ones() {
    let app = spawn_app().await;
    app.register_and_login("ada").await;
    let mut real = Vec::new();
    let mut ghost = Vec::new();
    for _ in 0..6 {
        real.push(app.login("ada", "guess").await.status());
        ghost.push(app.login("ghost", "guess").await.status());
    }
    assert_eq!(
        real, ghost,
        "throttling must not reveal which accounts exist"
    );
    assert_eq!(real.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
}

#[tokio::test]
async fn an_address_is_throttled_across_accounts_and_spoofed_forwarding_headers_do_not_help() {
    // Without trust_proxy, X-Forwarded-For is the attacker's to write and must be ignored.
    let app = spawn_app_with(|c| c.login_limit_per_address = 4).await;
    for i in 0..4 {
        let r = login_from(
            &app,
            &format!("203.0.113.{i}"),
            &format!("user{i}"),
            "guess",
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert_error(
        login_from(&app, "203.0.113.200", "someone", "guess").await,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
    )
    .await;

    // Behind the trusted proxy, one address's limit does not lock out another address.
    let proxied = spawn_app_with(|c| {
        c.trust_proxy = true;
        c.login_limit_per_address = 4;
    })
    .await;
    proxied.register_and_login("ada").await;
    for i in 0..4 {
        login_from(&proxied, "192.0.2.1", &format!("user{i}"), "guess").await;
    }
    assert_eq!(
        login_from(&proxied, "192.0.2.1", "ada", PASSWORD)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login_from(&proxied, "192.0.2.2", "ada", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn password_change_guesses_count_against_the_same_account_budget() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    for _ in 0..5 {
        let r = app
            .post(
                "/api/auth/password",
                Some(&token),
                &json!({"current_password": "guess", "new_password": "a much better passphrase"}),
            )
            .await;
        assert_error(r, StatusCode::FORBIDDEN, "wrong_password").await;
    }
    let r = app
        .post(
            "/api/auth/password",
            Some(&token),
            &json!({"current_password": PASSWORD, "new_password": "a much better passphrase"}),
        )
        .await;
    assert_error(r, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    // The login path shares the counter.
    assert_eq!(
        app.login("ada", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn registrations_are_throttled_per_address() {
    let app = spawn_app_with(|c| c.register_limit_per_address = 2).await;
    for name in ["ann", "bob"] {
        assert_eq!(
            app.register(name, PASSWORD).await.status(),
            StatusCode::CREATED
        );
    }
    assert_error(
        app.register("cyd", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
    )
    .await;
}
