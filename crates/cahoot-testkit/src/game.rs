//! A live game on a [`TestApp`]: start it, join it, connect its host and players.

use crate::app::TestApp;
use cahoot_client::GameClient;
use cahoot_protocol::{PhaseName, Role, ServerMessage, StateView};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(10);

pub fn ws_url(app: &TestApp) -> String {
    app.ws_url()
}

/// A started live game.
pub struct Game {
    pub id: String,
    pub pin: String,
}

/// Starts a live game of `quiz_id` for the host signed in with `token`.
pub async fn start_game(app: &TestApp, token: &str, quiz_id: Uuid) -> Game {
    let res = app
        .post("/api/games", Some(token), &json!({ "quiz_id": quiz_id }))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let game: crate::api::CreatedGame = res.json().await.expect("created game JSON");
    assert_eq!(game.pin.len(), 6, "a six-digit PIN");
    Game {
        id: game.game_id,
        pin: game.pin,
    }
}

/// Joins with `nickname`; returns (player id, player token).
pub async fn join(app: &TestApp, pin: &str, nickname: &str) -> (String, String) {
    let res = app
        .post(
            "/api/play/join",
            None,
            &json!({ "pin": pin, "nickname": nickname }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "join {nickname}");
    let joined: crate::api::Joined = res.json().await.expect("join JSON");
    (joined.player_id, joined.player_token)
}

/// A connected player (welcomed as a player) that has received its first state.
pub async fn player(app: &TestApp, token: &str) -> GameClient {
    let (mut c, welcome) = GameClient::connect(&app.ws_url(), token, None)
        .await
        .expect("player connects");
    assert!(
        matches!(
            welcome,
            ServerMessage::Welcome {
                role: Role::Player,
                ..
            }
        ),
        "{welcome:?}"
    );
    c.wait_state(WAIT, "initial state", |_| true)
        .await
        .expect("initial state");
    c
}

/// A connected host that has received its first state.
pub async fn host(app: &TestApp, token: &str, game: &Game) -> GameClient {
    let (mut c, _) = GameClient::connect(&app.ws_url(), token, Some(&game.id))
        .await
        .expect("host connects");
    c.wait_state(WAIT, "initial state", |_| true)
        .await
        .expect("initial state");
    c
}

/// Waits for a state in phase `want`.
pub async fn wait_phase(c: &mut GameClient, want: PhaseName) -> StateView {
    c.wait_state(WAIT, "phase", |v| v.phase == want)
        .await
        .unwrap_or_else(|e| panic!("waiting for {want:?}: {e}"))
}

/// The finished game's stored results, once the podium's background store has written them.
pub async fn wait_for_stored_game(app: &TestApp, token: &str, id: Uuid) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let res = app.get(&format!("/api/games/{id}"), Some(token)).await;
        if res.status() == StatusCode::OK {
            return res.json().await.unwrap();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "game results were not stored"
        );
        // Storing happens in a background task right after the podium; poll the API like a client would.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
