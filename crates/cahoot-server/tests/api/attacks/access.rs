//! Access control (ASVS V8 authorization): an IDOR sweep driven by the OpenAPI document, host commands
//! only from the game's host, kicked players stay out, player tokens are bound to one game.

use super::*;
use cahoot_testkit::prelude::*;
use serde_json::json;

/// A's resources as A sees them, to prove nothing changed after B's attempts.
async fn snapshot_of(app: &TestApp, token: &str, quiz: Uuid, game: Uuid) -> Vec<Value> {
    let mut out = vec![
        app.get_json("/api/quizzes", Some(token)).await,
        app.get_json("/api/images", Some(token)).await,
        app.get_json(&format!("/api/quizzes/{quiz}"), Some(token))
            .await,
        app.get_json("/api/games", Some(token)).await,
        app.get_json(&format!("/api/games/{game}"), Some(token))
            .await,
    ];
    let csv = app
        .get(&format!("/api/games/{game}/results.csv"), Some(token))
        .await
        .text()
        .await
        .unwrap();
    out.push(Value::String(csv));
    out
}

/// A plausible body for an operation: a valid quiz for `QuizInput`, a game request naming `quiz`.
fn body_for(op: &Value, quiz: Uuid) -> Option<Value> {
    let schema = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()?;
    Some(match schema.rsplit('/').next().unwrap() {
        "QuizInput" => sample_quiz_json(),
        "CreateGameRequest" => json!({ "quiz_id": quiz }),
        other => panic!("the IDOR sweep does not know how to build a {other}; teach it"),
    })
}

/// Uploads a small PNG as `token`'s host; returns the image id.
async fn upload_image(app: &TestApp, token: &str) -> String {
    let picture =
        image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(4, 4, image::Rgb([1, 2, 3])));
    let mut png = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let response = app
        .client
        .post(app.url("/api/images"))
        .bearer_auth(token)
        .body(png.into_inner())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let image: Value = response.json().await.unwrap();
    image["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn another_host_can_neither_read_change_delete_copy_nor_export_anything_by_id() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let quiz = app.create_sample_quiz(&alice).await;
    let game = finished_game(&app, &alice, quiz).await;
    let image = upload_image(&app, &alice).await;
    let before = snapshot_of(&app, &alice, quiz, game).await;
    let bob_before = app.get_json("/api/quizzes", Some(&bob)).await;

    let doc = app.get_json("/api/openapi.json", None).await;
    let mut attempted = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.contains("{id}") {
            continue;
        }
        let id = match path.split('/').nth(2) {
            Some("quizzes") => quiz.to_string(),
            Some("games") => game.to_string(),
            Some("images") => image.clone(),
            other => {
                panic!("{path}: an id-taking path of an unknown kind {other:?}; extend the sweep")
            }
        };
        for (method, op) in item.as_object().unwrap() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = app.url(&path.replace("{id}", &id));
            if path == "/api/images/{id}" && method == reqwest::Method::GET {
                // Public by design: players' phones load question pictures by their unguessable hash.
                let response = app.client.get(&url).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK, "GET {path}");
                attempted.push(format!("{method} {path}"));
                continue;
            }
            for (who, token) in [("bob", Some(bob.as_str())), ("anonymous", None)] {
                let mut req = app.client.request(method.clone(), &url);
                if let Some(token) = token {
                    req = req.bearer_auth(token);
                }
                if let Some(body) = body_for(op, quiz) {
                    req = req.json(&body);
                }
                let response = req.send().await.unwrap();
                let status = response.status();
                let want: &[StatusCode] = if token.is_some() {
                    &[StatusCode::NOT_FOUND, StatusCode::FORBIDDEN]
                } else {
                    &[StatusCode::UNAUTHORIZED]
                };
                let text = response.text().await.unwrap();
                assert!(
                    want.contains(&status),
                    "{who} {method} {path}: {status} {text}"
                );
                // Nothing of A's resource leaks in the error.
                assert!(
                    !text.contains("Sample quiz"),
                    "{who} {method} {path}: {text}"
                );
            }
            attempted.push(format!("{method} {path}"));
        }
    }
    for expected in [
        "GET /api/quizzes/{id}",
        "PUT /api/quizzes/{id}",
        "DELETE /api/quizzes/{id}",
        "POST /api/quizzes/{id}/duplicate",
        "GET /api/games/{id}",
        "GET /api/games/{id}/results.csv",
        "GET /api/images/{id}",
        "DELETE /api/images/{id}",
    ] {
        assert!(
            attempted.iter().any(|a| a == expected),
            "{expected} not swept: {attempted:?}"
        );
    }
    // Ids travel in bodies too: hosting A's quiz is refused like a missing quiz.
    assert_error(
        app.post("/api/games", Some(&bob), &json!({ "quiz_id": quiz }))
            .await,
        StatusCode::NOT_FOUND,
        "quiz_not_found",
    )
    .await;
    // A's resources are exactly as before, and B gained nothing (no duplicate appeared).
    assert_eq!(snapshot_of(&app, &alice, quiz, game).await, before);
    assert_eq!(app.get_json("/api/quizzes", Some(&bob)).await, bob_before);
    assert_eq!(app.get_json("/api/games", Some(&bob)).await, json!([]));
}

#[tokio::test]
async fn malformed_and_random_ids_are_plain_not_founds() {
    let app = spawn_app().await;
    let token = app.register_and_login("alice").await;
    for id in [
        Uuid::new_v4().to_string(),
        "not-a-uuid".to_owned(),
        "1".to_owned(),
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
        "%27%20OR%20%271%27%3D%271".to_owned(),
    ] {
        for path in [format!("/api/quizzes/{id}"), format!("/api/games/{id}")] {
            let response = app.get(&path, Some(&token)).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }
    }
}

#[tokio::test]
async fn another_host_cannot_take_over_a_live_game_on_the_socket() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let mallory = app.register_and_login("mallory").await;
    let quiz = app.create_sample_quiz(&alice).await;
    let game = start_game(&app, &alice, quiz).await;
    // Looks exactly like a game that does not exist.
    assert_eq!(
        hello_error(&app, &hello(&mallory, Some(&game.id))).await,
        "game_not_found"
    );
    assert_eq!(
        hello_error(&app, &hello(&mallory, Some(&Uuid::new_v4().to_string()))).await,
        "game_not_found"
    );
}

#[tokio::test]
async fn players_cannot_run_any_host_command_and_the_game_does_not_move() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let (ann_id, ann_token) = join(&app, &game.pin, "Ann").await;
    let (bob_id, bob_token) = join(&app, &game.pin, "Bob").await;
    let mut ann = player(&app, &ann_token).await;
    let mut bob = player(&app, &bob_token).await;
    let commands = [
        ClientMessage::Start,
        ClientMessage::Next,
        ClientMessage::Skip {
            question_index: None,
        },
        ClientMessage::End,
        ClientMessage::Lock,
        ClientMessage::Unlock,
        ClientMessage::Kick {
            player_id: bob_id.clone(),
        },
        ClientMessage::Kick {
            player_id: ann_id.clone(),
        },
    ];
    for command in commands {
        ann.send(&command).await.unwrap();
        assert_eq!(next_error_code(&mut ann).await, "not_host", "{command:?}");
    }
    // A player's hello that names the game id (as a host would) is not a way in either.
    assert_eq!(
        hello_error(&app, &hello(&ann_token, Some(&game.id))).await,
        "unauthorized"
    );
    // The game is still in its lobby, unlocked, with both players; Bob was never kicked.
    let h = host(&app, &token, &game).await;
    let view = h.state.clone().unwrap();
    assert_eq!(view.phase, PhaseName::Lobby);
    assert!(!view.locked);
    assert_eq!(view.player_count, 2);
    assert!(bob.answer("b", 0, 0).await.is_ok());
}

#[tokio::test]
async fn a_kicked_player_cannot_come_back_with_the_old_token_nor_keep_answering() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let (ann_id, ann_token) = join(&app, &game.pin, "Ann").await;
    let (_, bob_token) = join(&app, &game.pin, "Bob").await;
    let mut h = host(&app, &token, &game).await;
    // Ann has two sockets open (a second tab): both must be shut out.
    let mut ann = player(&app, &ann_token).await;
    let mut ann_tab = player(&app, &ann_token).await;
    let _bob = player(&app, &bob_token).await;
    h.send(&ClientMessage::Kick {
        player_id: ann_id.clone(),
    })
    .await
    .unwrap();
    for c in [&mut ann, &mut ann_tab] {
        c.wait_for(WAIT, "kicked", |m| matches!(m, ServerMessage::Kicked))
            .await
            .unwrap();
    }
    h.wait_state(WAIT, "Ann gone", |v| v.player_count == 1)
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(hello_error(&app, &hello(&ann_token, None)).await, "kicked");
    }
    // The game goes on without her; an answer she might still send is not counted.
    h.send(&ClientMessage::Start).await.unwrap();
    let q = wait_phase(&mut h, PhaseName::Question).await;
    assert_eq!(q.player_count, 1);
    assert_eq!(q.question.unwrap().answered, 0);
}

#[tokio::test]
async fn a_player_token_for_one_game_is_useless_in_another() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let x = start_game(&app, &token, quiz).await;
    let y = start_game(&app, &token, quiz).await;
    let (x_player, x_token) = join(&app, &x.pin, "Ann").await;
    // With game Y's id in the hello: not a host token, so refused.
    assert_eq!(
        hello_error(&app, &hello(&x_token, Some(&y.id))).await,
        "unauthorized"
    );
    // The token connects to X only, and the socket it opens shows game X.
    let p = player(&app, &x_token).await;
    assert_eq!(p.state.as_ref().unwrap().game_id, x.id);
    // A genuinely signed token moving X's player into game Y finds no such player there.
    let moved = app
        .state
        .auth
        .issue_player_token(&y.id, &x_player, Duration::from_secs(600))
        .unwrap();
    assert_eq!(
        hello_error(&app, &hello(&moved, None)).await,
        "game_not_found"
    );
    // A forged one (wrong key) is refused outright.
    let forged = sign("whatever", &[7; 32], &player_claims(&y.id, &x_player));
    assert_eq!(
        hello_error(&app, &hello(&forged, None)).await,
        "unauthorized"
    );
    // Game Y's host sees nobody.
    let hy = host(&app, &token, &y).await;
    assert_eq!(hy.state.as_ref().unwrap().player_count, 0);
}

#[tokio::test]
async fn hosts_cannot_answer_and_answers_cannot_target_another_players_record() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let (_, ann_token) = join(&app, &game.pin, "Ann").await;
    let (_, bob_token) = join(&app, &game.pin, "Bob").await;
    let mut h = host(&app, &token, &game).await;
    let mut ann = player(&app, &ann_token).await;
    let mut bob = player(&app, &bob_token).await;
    h.send(&ClientMessage::Start).await.unwrap();
    wait_phase(&mut ann, PhaseName::Question).await;
    wait_phase(&mut bob, PhaseName::Question).await;
    let reply = h.answer("host-1", 0, 1).await.unwrap();
    assert!(
        matches!(&reply, ServerMessage::Error { code, .. } if code == "not_player"),
        "{reply:?}"
    );
    // Extra fields naming another player are ignored: the answer is always the sender's own.
    ann.send_text(&format!(
        r#"{{"type":"answer","answer_id":"a1","question_index":0,"answer":{{"choice":1}},"player_id":"{}"}}"#,
        "someone-else"
    ))
    .await
    .unwrap();
    let ack = ann
        .wait_for(WAIT, "ack", |m| {
            matches!(
                m,
                ServerMessage::AnswerAck { .. } | ServerMessage::Error { .. }
            )
        })
        .await
        .unwrap();
    assert!(matches!(ack, ServerMessage::AnswerAck { .. }), "{ack:?}");
    // Bob's answer slot is still his to use.
    assert!(matches!(
        bob.answer("b1", 0, 2).await.unwrap(),
        ServerMessage::AnswerAck { .. }
    ));
}
