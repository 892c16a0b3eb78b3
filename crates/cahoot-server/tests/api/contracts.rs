//! What docs/protocol.md promises where the code once disagreed: `invalid_json` on every JSON endpoint,
//! `410 game_finished` for a join after the podium, close 1008 for an oversized first WebSocket frame.

use cahoot_client::GameClient;
use cahoot_protocol::{ClientMessage, MAX_CLIENT_FRAME_BYTES, PhaseName};
use cahoot_testkit::game::wait_for_stored_game;
use cahoot_testkit::prelude::{assert_error, spawn_app};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const WAIT: Duration = Duration::from_secs(10);

/// Every operation of the OpenAPI document that takes a JSON body, as (method, path with ids filled in).
fn json_operations() -> Vec<(String, String)> {
    let doc = serde_json::to_value(cahoot_server::openapi::document()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["requestBody"]["content"]["application/json"].is_object() {
                let path = path.replace("{id}", &uuid::Uuid::new_v4().to_string());
                ops.push((method.clone(), path));
            }
        }
    }
    ops
}

#[tokio::test]
async fn every_json_endpoint_answers_malformed_json_with_invalid_json() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let ops = json_operations();
    for must in [
        "/api/games",
        "/api/play/join",
        "/api/quizzes",
        "/api/auth/login",
    ] {
        assert!(
            ops.iter().any(|(_, p)| p == must),
            "{must} takes a JSON body"
        );
    }
    for (method, path) in ops {
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let response = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{\"quiz_id\": ")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_json")),
            "{method} {path}: {body}"
        );
    }
}

#[tokio::test]
async fn a_join_after_the_podium_answers_410_game_finished() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let created: Value = app
        .post("/api/games", Some(&token), &json!({ "quiz_id": quiz }))
        .await
        .json()
        .await
        .unwrap();
    let (game_id, pin) = (
        created["game_id"].as_str().unwrap().to_owned(),
        created["pin"].as_str().unwrap().to_owned(),
    );
    let join = async |nickname: &str| {
        let body = json!({ "pin": pin, "nickname": nickname });
        app.post("/api/play/join", None, &body).await
    };
    assert_eq!(join("Ada").await.status(), StatusCode::OK);
    let ws = format!("ws://{}/ws", app.addr);
    let (mut host, _) = GameClient::connect(&ws, &token, Some(&game_id))
        .await
        .unwrap();
    host.send(&ClientMessage::End).await.unwrap();
    host.wait_state(WAIT, "podium", |v| v.phase == PhaseName::Podium)
        .await
        .unwrap();
    assert_error(join("Bob").await, StatusCode::GONE, "game_finished").await;
    // Still "finished" once the results are archived and the live game is only kept for reconnects.
    wait_for_stored_game(&app, &token, game_id.parse().unwrap()).await;
    assert_error(join("Cy").await, StatusCode::GONE, "game_finished").await;
    // A PIN nobody ever used stays a plain 404.
    let unknown = if pin == "999999" { "999998" } else { "999999" };
    let response = app
        .post(
            "/api/play/join",
            None,
            &json!({ "pin": unknown, "nickname": "Dee" }),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "game_not_found").await;
}

#[tokio::test]
async fn an_oversized_first_frame_is_closed_with_1008() {
    let app = spawn_app().await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr))
        .await
        .unwrap();
    let big = format!(
        r#"{{"type":"hello","v":2,"token":"{}"}}"#,
        "x".repeat(MAX_CLIENT_FRAME_BYTES * 2)
    );
    socket.send(Message::text(big)).await.unwrap();
    let close = tokio::time::timeout(WAIT, async {
        while let Some(frame) = socket.next().await {
            if let Ok(Message::Close(close)) = frame {
                return close;
            }
        }
        None
    })
    .await
    .expect("the server closes the socket");
    let close = close.expect("a close frame with a code, not a dropped connection");
    assert_eq!(close.code, CloseCode::Policy);
    assert_eq!(close.reason.as_str(), "frame_too_large_or_invalid");
}
