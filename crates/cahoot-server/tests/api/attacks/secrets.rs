//! Secrets (ASVS V11 cryptography, V13 configuration, V16 logging): signing keys are never served or
//! logged, logs hold no passwords or tokens, and keys rotate without ending live sessions.

use super::*;
use cahoot_testkit::prelude::*;
use reqwest::Client;
use serde_json::json;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

/// Every spelling of a key's secret that could leak: base64url (as stored), standard base64, hex.
fn secret_spellings(secret: &[u8]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    vec![
        URL_SAFE_NO_PAD.encode(secret),
        STANDARD.encode(secret),
        STANDARD_NO_PAD.encode(secret),
        hex::encode(secret),
    ]
}

/// A raw HTTP/1.1 GET of `target` exactly as written (no client-side path normalisation).
async fn raw_get(app: &TestApp, target: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        app.addr
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut out))
        .await
        .expect("the server answers and closes")
        .unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    assert!(text.starts_with("HTTP/1.1 "), "{target}: {text}");
    text
}

#[tokio::test]
async fn signing_keys_and_the_database_are_never_served_at_any_url() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let (kid, secret, file_text) = key_files(&app).remove(0);
    let key_path = app.keys_dir().join(format!("hs256-{kid}.json"));
    assert!(key_path.exists(), "{}", key_path.display());
    let key_file = key_path.file_name().unwrap().to_str().unwrap().to_owned();
    let absolute = key_path.display().to_string();
    let up = "../".repeat(12);
    let encoded_up = "..%2f".repeat(12);
    let dotted_up = "%2e%2e/".repeat(12);
    let targets = [
        format!("/data/keys/{key_file}"),
        format!("/keys/{key_file}"),
        format!("/{key_file}"),
        format!("/assets/{key_file}"),
        "/data/cahoot.db".to_owned(),
        "/cahoot.db".to_owned(),
        "/.env".to_owned(),
        "/config.toml".to_owned(),
        "/Cargo.toml".to_owned(),
        format!("/{up}{}", absolute.trim_start_matches('/')),
        format!("/assets/{up}{}", absolute.trim_start_matches('/')),
        format!("/assets/{encoded_up}{}", absolute.trim_start_matches('/')),
        format!("/{dotted_up}{}", absolute.trim_start_matches('/')),
        format!("/{}", absolute.trim_start_matches('/')),
        format!("//{}", absolute.trim_start_matches('/')),
        format!("/{up}Cargo.toml"),
        format!("/{up}etc/passwd"),
        "/api/openapi.json".to_owned(),
        "/metrics".to_owned(),
        "/readyz".to_owned(),
        "/healthz".to_owned(),
        "/".to_owned(),
    ];
    let needles = secret_spellings(&secret);
    for target in &targets {
        let response = raw_get(&app, target).await;
        for needle in &needles {
            assert!(
                !response.contains(needle.as_str()),
                "key material served at {target}"
            );
        }
        assert!(
            !response.contains(&file_text),
            "key file served at {target}"
        );
        assert!(
            !response.contains("SQLite format"),
            "database served at {target}"
        );
        assert!(
            !response.contains("root:x:0:0"),
            "/etc/passwd served at {target}"
        );
        assert!(
            !response.contains("[workspace]"),
            "Cargo.toml served at {target}"
        );
    }
    // Authenticated answers hold no key material either.
    for path in ["/api/auth/me", "/api/quizzes"] {
        let body = app.get(path, Some(&token)).await.text().await.unwrap();
        for needle in &needles {
            assert!(!body.contains(needle.as_str()), "key material in {path}");
        }
    }
    // The key file itself is private to the server's user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "key file mode {mode:o}");
        let dir_mode = std::fs::metadata(app.keys_dir())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o077, 0, "keys directory mode {dir_mode:o}");
    }
}

#[tokio::test]
async fn debug_output_of_keys_and_configuration_redacts_secrets() {
    let app = spawn_app().await;
    let (_, secret) = signing_key(&app);
    let config = cahoot_server::Config {
        database_url: Some("postgres://cahoot:hunter2-db-password@db/cahoot".into()),
        live_url: "redis://:hunter3-live-password@valkey:6379".into(),
        ..app.config.clone()
    };
    let printed = format!("{:?} {:?} {config:?}", app.state.auth, app.state.config);
    for needle in secret_spellings(&secret) {
        assert!(!printed.contains(&needle), "{printed}");
    }
    assert!(!printed.contains("hunter2-db-password"), "{printed}");
    assert!(!printed.contains("hunter3-live-password"), "{printed}");
}

/// The `cahoot` binary of this build.
fn cahoot_bin() -> &'static str {
    env!("CARGO_BIN_EXE_cahoot")
}

#[tokio::test]
async fn debug_level_logs_hold_no_password_token_or_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(cahoot_bin())
        .arg("serve")
        .env("CAHOOT_PORT", "0")
        .env("CAHOOT_DATA_DIR", dir.path().join("data"))
        .env("CAHOOT_LOG_FORMAT", "json")
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let logs = std::thread::spawn(move || {
        let mut text = String::new();
        BufReader::new(stderr).read_to_string(&mut text).unwrap();
        text
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let base = loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "server exited early"
        );
        if let Some(rest) = line.trim().strip_prefix("cahoot listening on ") {
            break rest.to_owned();
        }
    };
    let client = Client::builder().cookie_store(true).build().unwrap();
    let password = "Sup3r-Secret-Passphrase-4-Logs";
    let new_password = "An0ther-Secret-Passphrase-4-Logs";
    let mut secrets = vec![password.to_owned(), new_password.to_owned()];
    let register = client
        .post(format!("{base}/api/auth/register"))
        .json(&json!({"username": "ada", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(register.status(), StatusCode::CREATED);
    secrets.extend(refresh_cookie(&register));
    let failed = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": "ada", "password": format!("{password}-wrong")}))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    let login = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": "ada", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    secrets.extend(refresh_cookie(&login));
    let token = access_token(login).await;
    let refreshed = client
        .post(format!("{base}/api/auth/refresh"))
        .send()
        .await
        .unwrap();
    secrets.extend(refresh_cookie(&refreshed));
    let token2 = access_token(refreshed).await;
    let quiz: Value = client
        .post(format!("{base}/api/quizzes/sample"))
        .bearer_auth(&token2)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let game: Value = client
        .post(format!("{base}/api/games"))
        .bearer_auth(&token2)
        .json(&json!({"quiz_id": quiz["id"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let joined: Value = client
        .post(format!("{base}/api/play/join"))
        .json(&json!({"pin": game["pin"], "nickname": "Ann"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let player_token = joined["player_token"].as_str().unwrap().to_owned();
    let ws = format!("{}/ws", base.replace("http://", "ws://"));
    let (host_socket, _) =
        GameClient::connect(&ws, &token2, Some(game["game_id"].as_str().unwrap()))
            .await
            .unwrap();
    let (player_socket, _) = GameClient::connect(&ws, &player_token, None).await.unwrap();
    player_socket.close().await;
    host_socket.close().await;
    let changed = client
        .post(format!("{base}/api/auth/password"))
        .bearer_auth(&token2)
        .json(&json!({"current_password": password, "new_password": new_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    secrets.extend(refresh_cookie(&changed));
    let token3 = access_token(changed).await;
    let logout = client
        .post(format!("{base}/api/auth/logout"))
        .bearer_auth(&token3)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    // A token that failed verification is not echoed either.
    client
        .get(format!("{base}/api/auth/me"))
        .bearer_auth(format!("{token}x"))
        .send()
        .await
        .unwrap();

    // Stop gracefully so every line is written.
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    child.wait().unwrap();
    let logs = logs.join().unwrap();
    assert!(logs.contains("account created"), "logging works at all");
    assert!(logs.lines().count() > 50, "debug level is verbose");
    for jwt in [&token, &token2, &token3, &player_token] {
        secrets.push(jwt.clone());
        // The signature alone identifies the token; so does its payload.
        let parts: Vec<&str> = jwt.split('.').collect();
        secrets.push(parts[1].to_owned());
        secrets.push(parts[2].to_owned());
    }
    let keys_dir = dir.path().join("data").join("keys");
    for entry in std::fs::read_dir(&keys_dir).unwrap() {
        let file: Value =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        let secret = URL_SAFE_NO_PAD
            .decode(file["secret"].as_str().unwrap())
            .unwrap();
        secrets.extend(secret_spellings(&secret));
    }
    for secret in &secrets {
        if let Some(line) = logs.lines().find(|l| l.contains(secret.as_str())) {
            panic!("a secret appears in the logs: {line}");
        }
    }
}

#[tokio::test]
async fn a_new_key_signs_new_tokens_while_tokens_of_the_old_key_stay_valid_until_it_is_removed() {
    let app = spawn_app().await;
    let old_token = app.register_and_login("ada").await;
    let (old_kid, _) = signing_key(&app);
    let kid_of = |token: &str| jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    assert_eq!(kid_of(&old_token), old_kid);

    // Rotation step 1: add a newer key (what `cahoot keys rotate` does) and restart.
    let output = Command::new(cahoot_bin())
        .args(["keys", "rotate"])
        .env("CAHOOT_KEYS_DIR", app.keys_dir())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(key_files(&app).len(), 2);
    for (_, secret, _) in key_files(&app) {
        for needle in secret_spellings(&secret) {
            assert!(
                !printed.contains(&needle),
                "the CLI printed a key: {printed}"
            );
        }
    }
    let app = app.restart().await;
    let new_token = access_token(app.login("ada", PASSWORD).await).await;
    let new_kid = kid_of(&new_token);
    assert_ne!(new_kid, old_kid, "the newest key signs");
    // Both the old and the new token work.
    for token in [&old_token, &new_token] {
        assert_eq!(
            app.get("/api/auth/me", Some(token)).await.status(),
            StatusCode::OK
        );
    }
    // Player tokens issued now carry the new kid too.
    let quiz = app.create_sample_quiz(&new_token).await;
    let game = start_game(&app, &new_token, quiz).await;
    let (_, player_token) = join(&app, &game.pin, "Ann").await;
    assert_eq!(kid_of(&player_token), new_kid);

    // Step 2, once the longest token lifetime has passed: remove the old key; its tokens are dead.
    let old_file = app.keys_dir().join(format!("hs256-{old_kid}.json"));
    std::fs::remove_file(old_file).unwrap();
    let app = app.restart().await;
    assert_error(
        app.get("/api/auth/me", Some(&old_token)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_eq!(
        app.get("/api/auth/me", Some(&new_token)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_live_store_outage_reaches_clients_as_a_generic_message_without_internals() {
    let redis = cahoot_testkit::stores::RedisServer::start();
    let url = redis.url();
    let app = spawn_app_with(|c| c.live_url = url.clone().into()).await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let (_, pt) = join(&app, &game.pin, "Ann").await;
    let mut h = host(&app, &token, &game).await;
    let mut ann = player(&app, &pt).await;
    h.send(&ClientMessage::Start).await.unwrap();
    wait_phase(&mut ann, PhaseName::Question).await;
    drop(redis); // the live store goes away mid-game

    let port = url.rsplit(':').next().unwrap().to_owned();
    let leaks = |text: &str| {
        [
            "127.0.0.1",
            &port,
            "os error",
            "refused",
            "redis",
            "Redis",
            "broken pipe",
        ]
        .iter()
        .find(|needle| text.contains(*needle))
        .map(|n| n.to_string())
    };
    let mut texts = Vec::new();
    if let ServerMessage::Error { code, message } = ann.answer("a1", 0, 1).await.unwrap() {
        assert_eq!(code, "live_store_unavailable");
        texts.push(message);
    }
    h.send(&ClientMessage::Skip {
        question_index: None,
    })
    .await
    .unwrap();
    if let Ok(ServerMessage::Error { message, .. }) = h
        .wait_for(WAIT, "error", |m| matches!(m, ServerMessage::Error { .. }))
        .await
    {
        texts.push(message);
    }
    let mut fresh = GameClient::connect_raw(&ws_url(&app)).await.unwrap();
    fresh.send_text(&hello(&pt, None)).await.unwrap();
    if let Ok(ServerMessage::Error { code, message }) = fresh.next(WAIT).await {
        assert_eq!(code, "live_store_unavailable");
        texts.push(message);
    }
    let rest = app
        .post(
            "/api/play/join",
            None,
            &json!({"pin": game.pin, "nickname": "Bob"}),
        )
        .await;
    assert_eq!(rest.status(), StatusCode::SERVICE_UNAVAILABLE);
    texts.push(rest.text().await.unwrap());
    assert!(texts.len() >= 3, "the outage was not reported: {texts:?}");
    for text in &texts {
        assert_eq!(leaks(text), None, "internal detail in {text:?}");
    }
}

#[tokio::test]
async fn trace_requests_and_directory_listings_are_not_served() {
    let app = spawn_app().await;
    let trace = app
        .client
        .request(reqwest::Method::TRACE, app.url("/"))
        .header("x-secret-probe", "echo-me")
        .send()
        .await
        .unwrap();
    assert!(trace.status().is_client_error(), "{}", trace.status());
    assert!(!trace.text().await.unwrap().contains("echo-me"));
    for dir in [
        "/assets/",
        "/assets",
        "/data/",
        "/data/keys/",
        "/.git/config",
        "/.git/",
    ] {
        let response = raw_get(&app, dir).await;
        assert!(!response.contains("Index of"), "{dir}");
        assert!(!response.contains("[core]"), "{dir}");
        assert!(!response.contains("hs256-"), "{dir}");
    }
}
