//! The attack suite of the ASVS L2 self-audit (`docs/security.md` maps each requirement to a test here).
//! Every test attacks a control of docs/security.md against the real server on a free port and asserts the attack
//! fails and nothing was lost or changed.

mod access;
mod headers;
mod input;
mod jwt;
mod passwords;
mod refresh;
mod secrets;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cahoot_client::GameClient;
use cahoot_protocol::{ClientMessage, PhaseName, ServerMessage};
pub use cahoot_testkit::TestApp;
pub use cahoot_testkit::game::{host, join, player, start_game, wait_phase, ws_url};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use uuid::Uuid;

pub const WAIT: Duration = Duration::from_secs(10);

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Every key file of the server's keys directory: (kid, secret, raw file text).
pub fn key_files(app: &TestApp) -> Vec<(String, Vec<u8>, String)> {
    let mut keys = Vec::new();
    for entry in std::fs::read_dir(app.keys_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let file: Value = serde_json::from_str(&text).unwrap();
            let secret = URL_SAFE_NO_PAD
                .decode(file["secret"].as_str().unwrap())
                .unwrap();
            keys.push((file["kid"].as_str().unwrap().to_owned(), secret, text));
        }
    }
    keys
}

/// The server's (only) signing key: (kid, secret).
pub fn signing_key(app: &TestApp) -> (String, Vec<u8>) {
    let mut keys = key_files(app);
    assert_eq!(keys.len(), 1, "one key file");
    let (kid, secret, _) = keys.remove(0);
    (kid, secret)
}

/// Host access-token claims exactly like the server issues them.
pub fn host_claims(user_id: &str) -> Value {
    let t = now();
    json!({"iss": "cahoot", "aud": "cahoot-host", "sub": user_id, "iat": t, "nbf": t,
           "exp": t + 600, "jti": Uuid::new_v4().to_string(), "iat_ms": t * 1000 + 999})
}

/// Player-token claims exactly like the server issues them.
pub fn player_claims(game_id: &str, player_id: &str) -> Value {
    let t = now();
    json!({"iss": "cahoot", "aud": "cahoot-player", "sub": player_id, "gid": game_id, "iat": t,
           "nbf": t, "exp": t + 600, "jti": Uuid::new_v4().to_string()})
}

/// An HS256 token with header `kid`.
pub fn sign(kid: &str, secret: &[u8], claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// A token from raw header and claims JSON, HMAC-SHA256-signed with `secret` whatever the header says.
pub fn sign_raw(header: &Value, claims: &Value, secret: &[u8]) -> String {
    use hmac_sha256::hmac;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mac = hmac(signing_input.as_bytes(), secret);
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac))
}

/// HMAC-SHA256 from the `sha2` crate the server already depends on (RFC 2104).
mod hmac_sha256 {
    use sha2::{Digest, Sha256};

    pub fn hmac(message: &[u8], key: &[u8]) -> [u8; 32] {
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let mut inner = Sha256::new();
        inner.update(block.map(|b| b ^ 0x36));
        inner.update(message);
        let mut outer = Sha256::new();
        outer.update(block.map(|b| b ^ 0x5c));
        outer.update(inner.finalize());
        outer.finalize().into()
    }
}

/// The error code of the first message a fresh socket gets after sending `first_frame`.
pub async fn hello_error(app: &TestApp, first_frame: &str) -> String {
    let mut c = GameClient::connect_raw(&ws_url(app)).await.unwrap();
    c.send_text(first_frame).await.unwrap();
    match c.next(WAIT).await.unwrap() {
        ServerMessage::Error { code, .. } => code.to_string(),
        other => panic!("expected an error, got {other:?}"),
    }
}

/// Sends `first_frame` on a fresh socket and asserts the server closes it without a welcome.
pub async fn assert_closed_without_welcome(app: &TestApp, first_frame: &str) {
    let mut c = GameClient::connect_raw(&ws_url(app)).await.unwrap();
    // The send itself may already fail when the server closes first.
    let _ = c.send_text(first_frame).await;
    loop {
        match c.next(WAIT).await {
            Ok(ServerMessage::Error { .. }) => continue,
            Ok(other) => panic!("expected the socket to close, got {other:?}"),
            Err(cahoot_client::ClientError::Timeout(_)) => panic!("the socket stayed open"),
            Err(_) => return,
        }
    }
}

/// `hello` JSON for `token` (and `game_id` for a host).
pub fn hello(token: &str, game_id: Option<&str>) -> String {
    serde_json::to_string(&ClientMessage::Hello {
        v: cahoot_protocol::PROTOCOL_VERSION,
        token: token.to_owned(),
        game_id: game_id.map(str::to_owned),
    })
    .unwrap()
}

/// Plays a one-player game of `quiz_id` to the podium and waits until its results are stored; returns the
/// game id.
pub async fn finished_game(app: &TestApp, token: &str, quiz_id: Uuid) -> Uuid {
    let game = start_game(app, token, quiz_id).await;
    let (_, pt) = join(app, &game.pin, "Solo").await;
    let mut h = host(app, token, &game).await;
    let mut p = player(app, &pt).await;
    h.send(&ClientMessage::Start).await.unwrap();
    wait_phase(&mut p, PhaseName::Question).await;
    p.answer("solo-0", 0, 1).await.unwrap();
    h.send(&ClientMessage::End).await.unwrap();
    wait_phase(&mut h, PhaseName::Podium).await;
    let id: Uuid = game.id.parse().unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if app
            .get(&format!("/api/games/{id}"), Some(token))
            .await
            .status()
            == StatusCode::OK
        {
            return id;
        }
        assert!(tokio::time::Instant::now() < deadline, "results not stored");
        // storing runs in a background task after the podium; poll like a client would
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Median of durations (sorts in place).
pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}
