//! Forged, altered and misused JWTs (OWASP JWT cheat sheet; ASVS V9 self-contained tokens). The server
//! fixes the algorithm (HS256), picks the key by `kid` among its own keys only, and requires
//! `iss aud sub iat nbf exp jti`.

use super::*;
use cahoot_testkit::prelude::*;
use serde_json::json;

/// `GET /api/auth/me` with `token` is refused with 401 and one of the token codes; never a 5xx.
async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let response = app.get("/api/auth/me", Some(token)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
    let body: Value = response.json().await.unwrap();
    let code = body["code"].as_str().unwrap_or_default();
    assert!(
        ["invalid_token", "token_expired", "token_revoked"].contains(&code),
        "{what}: {body}"
    );
}

async fn assert_accepted(app: &TestApp, token: &str, what: &str) {
    let response = app.get("/api/auth/me", Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK, "{what}");
}

/// A signed-in host: (app, access token, user id, kid, secret).
async fn setup() -> (TestApp, String, String, String, Vec<u8>) {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let id = app.user_id(&token).await.to_string();
    let (kid, secret) = signing_key(&app);
    (app, token, id, kid, secret)
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn a_token_made_like_the_servers_own_is_accepted_so_the_refusals_below_mean_something() {
    let (app, _, id, kid, secret) = setup().await;
    assert_accepted(&app, &sign(&kid, &secret, &host_claims(&id)), "own format").await;
    let raw = sign_raw(
        &json!({"alg": "HS256", "typ": "JWT", "kid": kid}),
        &host_claims(&id),
        &secret,
    );
    assert_accepted(&app, &raw, "hand-built HS256").await;
}

#[tokio::test]
async fn alg_none_is_rejected_in_every_spelling_with_or_without_a_signature() {
    let (app, _, id, kid, secret) = setup().await;
    let payload = b64(&host_claims(&id));
    for alg in ["none", "None", "NONE", "nOnE", ""] {
        let header = b64(&json!({"alg": alg, "typ": "JWT", "kid": kid}));
        assert_refused(&app, &format!("{header}.{payload}."), alg).await;
        assert_refused(&app, &format!("{header}.{payload}"), alg).await;
        let signed = sign_raw(
            &json!({"alg": alg, "typ": "JWT", "kid": kid}),
            &host_claims(&id),
            &secret,
        );
        assert_refused(&app, &signed, alg).await;
    }
}

#[tokio::test]
async fn hs256_signed_with_any_other_key_is_rejected() {
    let (app, _, id, kid, secret) = setup().await;
    let mut flipped = secret.clone();
    flipped[0] ^= 1;
    let half: Vec<u8> = secret[..16].to_vec();
    for (what, key) in [
        ("random key", vec![42u8; 32]),
        ("one bit off", flipped),
        ("truncated key", half),
        ("empty key", Vec::new()),
        ("the kid as key", kid.as_bytes().to_vec()),
    ] {
        assert_refused(&app, &sign_raw_hs256(&kid, &key, &id), what).await;
    }
}

fn sign_raw_hs256(kid: &str, key: &[u8], id: &str) -> String {
    sign_raw(
        &json!({"alg": "HS256", "typ": "JWT", "kid": kid}),
        &host_claims(id),
        key,
    )
}

#[tokio::test]
async fn any_algorithm_but_hs256_is_rejected_even_with_a_valid_mac_of_the_real_key() {
    // Algorithm confusion: the header names another algorithm; the MAC is HS256 with our real key, so a
    // server that let the header pick the algorithm (or that accepted any HMAC) would be fooled.
    let (app, _, id, kid, secret) = setup().await;
    for alg in [
        "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA", "hs256",
    ] {
        let token = sign_raw(
            &json!({"alg": alg, "typ": "JWT", "kid": kid}),
            &host_claims(&id),
            &secret,
        );
        assert_refused(&app, &token, alg).await;
    }
    // Properly signed with another HMAC algorithm and the real key: still not on the allowlist.
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        let mut header = Header::new(alg);
        header.kid = Some(kid.clone());
        let token = jsonwebtoken::encode(
            &header,
            &host_claims(&id),
            &EncodingKey::from_secret(&secret),
        )
        .unwrap();
        assert_refused(&app, &token, &format!("{alg:?}")).await;
    }
}

#[tokio::test]
async fn a_stripped_truncated_or_altered_signature_is_rejected() {
    let (app, token, _, _, _) = setup().await;
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let mut sig = URL_SAFE_NO_PAD.decode(signature).unwrap();
    sig[31] ^= 0x01;
    let cases = [
        ("stripped", format!("{signing_input}.")),
        ("no third part", signing_input.to_owned()),
        (
            "one bit flipped",
            format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(&sig)),
        ),
        ("truncated", format!("{signing_input}.{}", &signature[..20])),
        ("padded base64", format!("{signing_input}.{signature}==")),
        ("extra part", format!("{token}.AAAA")),
        (
            "signature of nothing",
            format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode([0u8; 32])),
        ),
    ];
    for (what, bad) in cases {
        assert_refused(&app, &bad, what).await;
    }
    assert_accepted(&app, &token, "the original").await;
}

#[tokio::test]
async fn an_altered_payload_or_header_invalidates_the_signature() {
    let app = spawn_app().await;
    let ada = app.register_and_login("ada").await;
    let grace = app.register_and_login("grace").await;
    let grace_id = app.user_id(&grace).await.to_string();
    let parts: Vec<&str> = ada.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    // Ada tries to become Grace, then to live longer, keeping her valid signature.
    claims["sub"] = json!(grace_id);
    let as_grace = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    assert_refused(&app, &as_grace, "sub changed").await;
    let mut longer: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    longer["exp"] = json!(now() + 86_400 * 365);
    assert_refused(
        &app,
        &format!("{}.{}.{}", parts[0], b64(&longer), parts[2]),
        "exp changed",
    )
    .await;
    let mut header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    header["typ"] = json!("at+jwt");
    assert_refused(
        &app,
        &format!("{}.{}.{}", b64(&header), parts[1], parts[2]),
        "header changed",
    )
    .await;
}

#[tokio::test]
async fn a_wrong_issuer_or_audience_is_rejected() {
    let (app, _, id, kid, secret) = setup().await;
    let cases = [
        ("iss", json!("not-cahoot")),
        ("iss", json!("")),
        ("iss", json!(["cahoot"])),
        ("aud", json!("cahoot-player")),
        ("aud", json!("someone-else")),
        ("aud", json!(["cahoot-host", "someone-else"])),
        ("aud", json!([])),
    ];
    for (claim, value) in cases {
        let mut c = host_claims(&id);
        c[claim] = value.clone();
        assert_refused(
            &app,
            &sign(&kid, &secret, &c),
            &format!("{claim} = {value}"),
        )
        .await;
    }
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_rejected_beyond_a_small_leeway() {
    let (app, _, id, kid, secret) = setup().await;
    let mut expired = host_claims(&id);
    expired["exp"] = json!(now() - 120);
    let response = app
        .get("/api/auth/me", Some(&sign(&kid, &secret, &expired)))
        .await;
    assert_error(response, StatusCode::UNAUTHORIZED, "token_expired").await;

    let mut future = host_claims(&id);
    future["nbf"] = json!(now() + 120);
    assert_refused(&app, &sign(&kid, &secret, &future), "nbf in the future").await;

    // Within the documented 5 s leeway (clock skew between instances) a token still counts. 2 s keeps
    // clear of the edge when the clock ticks between signing here and verifying in the server.
    let mut skewed = host_claims(&id);
    skewed["exp"] = json!(now() - 2);
    skewed["nbf"] = json!(now() + 2);
    assert_accepted(&app, &sign(&kid, &secret, &skewed), "within leeway").await;
}

#[tokio::test]
async fn a_host_token_missing_any_required_claim_is_rejected() {
    let (app, _, id, kid, secret) = setup().await;
    for claim in ["iss", "aud", "sub", "iat", "nbf", "exp", "jti", "iat_ms"] {
        let mut c = host_claims(&id);
        c.as_object_mut().unwrap().remove(claim);
        assert_refused(&app, &sign(&kid, &secret, &c), &format!("without {claim}")).await;
        let mut null = host_claims(&id);
        null[claim] = Value::Null;
        assert_refused(&app, &sign(&kid, &secret, &null), &format!("{claim}: null")).await;
    }
}

#[tokio::test]
async fn a_player_token_missing_any_required_claim_cannot_open_a_game_socket() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let (player_id, _) = join(&app, &game.pin, "Ann").await;
    let (kid, secret) = signing_key(&app);
    // sanity: a complete self-made player token is accepted
    let good = sign(&kid, &secret, &player_claims(&game.id, &player_id));
    let (_, welcome) = GameClient::connect(&ws_url(&app), &good, None)
        .await
        .unwrap();
    assert!(matches!(welcome, ServerMessage::Welcome { .. }));
    for claim in ["iss", "aud", "sub", "gid", "iat", "nbf", "exp", "jti"] {
        let mut c = player_claims(&game.id, &player_id);
        c.as_object_mut().unwrap().remove(claim);
        let bad = sign(&kid, &secret, &c);
        assert_eq!(
            hello_error(&app, &hello(&bad, None)).await,
            "unauthorized",
            "without {claim}"
        );
    }
}

#[tokio::test]
async fn unknown_missing_and_malicious_kids_are_rejected() {
    let (app, _, id, kid, secret) = setup().await;
    let hostile = [
        "nope".to_owned(),
        String::new(),
        format!("{kid} "),
        kid.to_uppercase(),
        "../../../../../../etc/passwd".to_owned(),
        format!("../keys/hs256-{kid}.json"),
        format!("hs256-{kid}.json"),
        "/dev/null".to_owned(),
        "' OR '1'='1".to_owned(),
        "x'; DROP TABLE users; --".to_owned(),
        "%00".to_owned(),
        "k".repeat(10_000),
    ];
    for bad_kid in &hostile {
        // Signed with the real secret and with an empty one (the classic `kid: /dev/null` trick).
        assert_refused(&app, &sign(bad_kid, &secret, &host_claims(&id)), bad_kid).await;
        assert_refused(&app, &sign_raw_hs256(bad_kid, b"", &id), bad_kid).await;
    }
    let no_kid = sign_raw(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &host_claims(&id),
        &secret,
    );
    assert_refused(&app, &no_kid, "no kid").await;
    let numeric_kid = sign_raw(
        &json!({"alg": "HS256", "kid": 1}),
        &host_claims(&id),
        &secret,
    );
    assert_refused(&app, &numeric_kid, "numeric kid").await;
    // The database survived the SQL in the kid.
    assert_eq!(app.login("ada", PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn jku_x5u_and_jwk_headers_are_never_fetched_or_trusted() {
    let (app, _, id, kid, secret) = setup().await;
    // An attacker's key server: any connection to it would mean the server followed a header.
    let attacker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    attacker.set_nonblocking(true).unwrap();
    let url = format!("http://{}/jwks.json", attacker.local_addr().unwrap());
    let attacker_key = b"attacker-controlled-secret-32-bytes!";
    let jwk = json!({"kty": "oct", "kid": "evil", "alg": "HS256",
                     "k": URL_SAFE_NO_PAD.encode(attacker_key)});
    let headers = [
        json!({"alg": "HS256", "kid": "evil", "jku": url}),
        json!({"alg": "HS256", "kid": kid, "jku": url}),
        json!({"alg": "HS256", "kid": "evil", "x5u": url}),
        json!({"alg": "HS256", "kid": "evil", "jwk": jwk}),
        json!({"alg": "HS256", "kid": kid, "jwk": jwk}),
        json!({"alg": "HS256", "jwk": jwk}),
    ];
    for header in &headers {
        let forged = sign_raw(header, &host_claims(&id), attacker_key);
        assert_refused(&app, &forged, &header.to_string()).await;
    }
    // The same headers on a token signed with OUR key change nothing: it is judged by our key alone.
    for header in &headers {
        let mut header = header.clone();
        header["kid"] = json!(kid);
        let genuine = sign_raw(&header, &host_claims(&id), &secret);
        assert_accepted(&app, &genuine, &header.to_string()).await;
    }
    match attacker.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the server contacted the URL in a token header: {other:?}"),
    }
}

#[tokio::test]
async fn oversized_and_garbage_tokens_are_refused_without_a_server_error() {
    let (app, _, id, kid, _) = setup().await;
    let mut big = host_claims(&id);
    big["pad"] = json!("x".repeat(6 * 1024));
    // Signed and otherwise valid, but big: still only a 401 or a 431, never a crash.
    for token in [
        format!("{}.{}", "A".repeat(8 * 1024), "B".repeat(8 * 1024)),
        "a.b.c.d.e.f".to_owned(),
        "....".to_owned(),
        "\u{00e9}.\u{00e9}.\u{00e9}".to_owned(),
        sign(&kid, b"wrong key for a big token ......", &big),
    ] {
        let response = app
            .client
            .get(app.url("/api/auth/me"))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await;
        let status = response
            .map(|r| r.status())
            .unwrap_or(StatusCode::BAD_REQUEST);
        assert!(
            status == StatusCode::UNAUTHORIZED
                || status == StatusCode::BAD_REQUEST
                || status == StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "{status}"
        );
    }
    let huge = format!("Bearer {}", "A".repeat(1024 * 1024));
    let response = app
        .client
        .get(app.url("/api/auth/me"))
        .header("authorization", huge)
        .send()
        .await;
    if let Ok(response) = response {
        assert!(response.status().is_client_error(), "{}", response.status());
    }
    // A token larger than a WebSocket frame closes the socket before it is even parsed.
    let frame = hello(&"A".repeat(8 * 1024), None);
    assert_closed_without_welcome(&app, &frame).await;
    // The server is fine afterwards.
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_player_token_is_refused_by_every_host_endpoint_and_as_a_host_on_the_socket() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let (_, player_token) = join(&app, &game.pin, "Ann").await;
    let doc = app.get_json("/api/openapi.json", None).await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let bearer = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if !bearer || path == "/api/auth/logout" {
                continue;
            }
            let url = app.url(&path.replace("{id}", &quiz.to_string()));
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app
                .client
                .request(method.clone(), url)
                .bearer_auth(&player_token)
                .json(&json!({"quiz_id": quiz}))
                .send()
                .await
                .unwrap();
            assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} bearer operations found");
    assert_eq!(
        hello_error(&app, &hello(&player_token, Some(&game.id))).await,
        "unauthorized"
    );
}

#[tokio::test]
async fn a_host_token_is_refused_as_a_player_token() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    assert_eq!(
        hello_error(&app, &hello(&token, None)).await,
        "unauthorized"
    );
    // Even a host token that carries a `gid` claim for this game is not a player token.
    let (kid, secret) = signing_key(&app);
    let id = app.user_id(&token).await.to_string();
    let mut c = host_claims(&id);
    c["gid"] = json!(game.id);
    let hybrid = sign(&kid, &secret, &c);
    assert_eq!(
        hello_error(&app, &hello(&hybrid, None)).await,
        "unauthorized"
    );
}

#[tokio::test]
async fn the_token_of_a_deleted_account_is_dead_everywhere() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let id = app.user_id(&token).await;
    app.state.durable.delete_user(id).await.unwrap();
    assert_refused(&app, &token, "deleted user").await;
    assert_error(
        app.get("/api/quizzes", Some(&token)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_eq!(
        hello_error(&app, &hello(&token, Some(&game.id))).await,
        "unauthorized"
    );
    // And its refresh cookie (kept by the client) cannot mint a new one.
    assert_eq!(app.refresh().await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_access_token_is_dead_after_logout_on_the_api_and_on_the_socket() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let response = app
        .client
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for path in ["/api/auth/me", "/api/quizzes", "/api/games"] {
        assert_error(
            app.get(path, Some(&token)).await,
            StatusCode::UNAUTHORIZED,
            "token_revoked",
        )
        .await;
    }
    assert_eq!(
        hello_error(&app, &hello(&token, Some(&game.id))).await,
        "unauthorized"
    );
}

#[tokio::test]
async fn an_access_token_is_dead_after_a_password_change_on_the_api_and_on_the_socket() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let response = app
        .post(
            "/api/auth/password",
            Some(&token),
            &json!({"current_password": PASSWORD, "new_password": "a much better passphrase"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let fresh = access_token(response).await;
    assert_error(
        app.get("/api/quizzes", Some(&token)).await,
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    assert_eq!(
        hello_error(&app, &hello(&token, Some(&game.id))).await,
        "unauthorized"
    );
    // The new session works on both.
    assert_eq!(
        app.get("/api/quizzes", Some(&fresh)).await.status(),
        StatusCode::OK
    );
    let (_, welcome) = GameClient::connect(&ws_url(&app), &fresh, Some(&game.id))
        .await
        .unwrap();
    assert!(matches!(welcome, ServerMessage::Welcome { .. }));
}
