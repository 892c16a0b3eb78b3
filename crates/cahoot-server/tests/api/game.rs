//! A full live game over real WebSockets: host + players, reconnects, exactly-once answers, results stored.
//! Plus every way a client can get the game protocol wrong.

use cahoot_client::{ClientError, GameClient};
use cahoot_protocol::{AnswerValue, ClientMessage, PhaseName, ServerMessage, StateView};
use cahoot_testkit::game::{host, join, player, start_game, wait_for_stored_game, ws_url};
use cahoot_testkit::prelude::{TestApp, assert_error, next_error_code, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(10);

/// A quiz of three quick questions: correct answers are 1, 0 (true/false), 2.
async fn three_question_quiz(app: &TestApp, token: &str) -> Uuid {
    let quiz = json!({
        "title": "Three questions",
        "questions": [
            {"text": "2 + 2?", "answers": ["3", "4", "5"], "correct": 1, "time_limit_secs": 30},
            {"kind": "true_false", "text": "Rust is memory safe", "answers": ["True", "False"], "correct": 0, "time_limit_secs": 30},
            {"text": "Largest?", "answers": ["1", "2", "3", "4"], "correct": 2, "time_limit_secs": 30, "points": "double"}
        ]
    });
    created_quiz(app, token, &quiz).await
}

/// Creates `quiz` for the host and returns its id.
async fn created_quiz(app: &TestApp, token: &str, quiz: &Value) -> Uuid {
    let res = app.create_quiz(token, quiz).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().parse().unwrap()
}

async fn phase(c: &mut GameClient, want: PhaseName, index: Option<u32>) -> StateView {
    c.wait_state(WAIT, "phase", |v| {
        v.phase == want
            && (index.is_none()
                || v.question.as_ref().map(|q| q.index) == index
                || want == PhaseName::Leaderboard)
    })
    .await
    .unwrap_or_else(|e| panic!("waiting for {want:?}: {e}"))
}

async fn send(c: &mut GameClient, msg: ClientMessage) {
    c.send(&msg).await.unwrap();
}

fn acked(msg: &ServerMessage) -> bool {
    matches!(msg, ServerMessage::AnswerAck { .. })
}

#[tokio::test]
async fn a_full_game_with_a_reconnecting_player_scores_every_answer_exactly_once() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = three_question_quiz(&app, &token).await;
    let game = start_game(&app, &token, quiz).await;

    let (_, ada_token) = join(&app, &game.pin, "Ada").await;
    let (_, bob_token) = join(&app, &game.pin, "Bob").await;
    let (_, cy_token) = join(&app, &game.pin, "Cy").await;
    let mut h = host(&app, &token, &game).await;
    let lobby = h.state.clone().unwrap();
    assert_eq!(lobby.phase, PhaseName::Lobby);
    assert_eq!(lobby.pin, game.pin);
    assert_eq!(lobby.player_count, 3);
    let mut ada = player(&app, &ada_token).await;
    let mut bob = player(&app, &bob_token).await;
    let mut cy = player(&app, &cy_token).await;

    // Question 1: Ada right, Bob wrong; Cy's socket drops, reconnects, answers, then resends the same answer.
    send(&mut h, ClientMessage::Start).await;
    let q0 = phase(&mut h, PhaseName::Question, Some(0)).await;
    assert_eq!(q0.question.as_ref().unwrap().answers, ["3", "4", "5"]);
    for p in [&mut ada, &mut bob, &mut cy] {
        phase(p, PhaseName::Question, Some(0)).await;
    }
    assert!(acked(&ada.answer("ada-0", 0, 1).await.unwrap()));
    assert!(acked(&bob.answer("bob-0", 0, 0).await.unwrap()));
    let count = h
        .wait_for(WAIT, "answer count", |m| {
            matches!(m, ServerMessage::AnswerCount { answered: 2, .. })
        })
        .await
        .unwrap();
    assert!(matches!(
        count,
        ServerMessage::AnswerCount {
            total: 3,
            question_index: 0,
            ..
        }
    ));
    cy.close().await;
    let mut cy = player(&app, &cy_token).await;
    assert_eq!(cy.state.as_ref().unwrap().phase, PhaseName::Question);
    assert!(acked(&cy.answer("cy-0", 0, 1).await.unwrap()));
    // The resend after a lost ack gets the same ack; a different second answer is refused.
    assert!(acked(&cy.answer("cy-0", 0, 1).await.unwrap()));
    let second = cy.answer("cy-0b", 0, 2).await.unwrap();
    assert!(
        matches!(&second, ServerMessage::Error { code, .. } if code == "already_answered" || code == "question_closed")
    );

    // Everyone connected answered: the question closes without waiting for the deadline.
    let reveal = phase(&mut h, PhaseName::Reveal, Some(0)).await;
    assert_eq!(reveal.reveal.as_ref().unwrap().tally.counts, [1, 2, 0]);
    assert_eq!(reveal.reveal.as_ref().unwrap().correct, [1]);
    let ada_reveal = phase(&mut ada, PhaseName::Reveal, Some(0)).await;
    let me = ada_reveal.me.unwrap();
    assert!(me.last_result.as_ref().unwrap().correct);
    assert!(
        me.score > 500 && me.score <= 1000,
        "time-discounted points: {}",
        me.score
    );
    let bob_reveal = phase(&mut bob, PhaseName::Reveal, Some(0)).await;
    let bob_me = bob_reveal.me.unwrap();
    assert_eq!(
        (bob_me.score, bob_me.last_result.unwrap().correct),
        (0, false)
    );
    let cy_before = phase(&mut cy, PhaseName::Reveal, Some(0)).await.me.unwrap();
    assert!(cy_before.score > 0);

    // Leaderboard, then question 2. Cy drops again and must come back with the same score.
    send(&mut h, ClientMessage::Next).await;
    let board = phase(&mut h, PhaseName::Leaderboard, None).await;
    assert_eq!(board.leaderboard.as_ref().unwrap().len(), 3);
    assert_eq!(
        board.leaderboard.as_ref().unwrap().last().unwrap().nickname,
        "Bob"
    );
    cy.close().await;
    let mut cy = player(&app, &cy_token).await;
    let cy_after = cy.state.clone().unwrap().me.unwrap();
    assert_eq!(
        (cy_after.score, cy_after.rank),
        (cy_before.score, cy_before.rank)
    );

    send(&mut h, ClientMessage::Next).await;
    phase(&mut h, PhaseName::Question, Some(1)).await;
    for p in [&mut ada, &mut bob, &mut cy] {
        phase(p, PhaseName::Question, Some(1)).await;
    }
    assert!(acked(&ada.answer("ada-1", 1, 0).await.unwrap()));
    // Bob answers a future question and a non-existent option: both refused, nothing recorded.
    let future = bob.answer("bob-x", 2, 0).await.unwrap();
    assert!(matches!(&future, ServerMessage::Error { code, .. } if code == "question_closed"));
    let invalid = bob.answer("bob-y", 1, 7).await.unwrap();
    assert!(matches!(&invalid, ServerMessage::Error { code, .. } if code == "invalid_choice"));
    // The host skips: the question closes with two answers missing.
    send(
        &mut h,
        ClientMessage::Skip {
            question_index: Some(1),
        },
    )
    .await;
    let reveal1 = phase(&mut h, PhaseName::Reveal, Some(1)).await;
    assert_eq!(reveal1.reveal.unwrap().tally.counts, [1, 0]);
    let late = bob.answer("bob-1", 1, 0).await.unwrap();
    assert!(matches!(&late, ServerMessage::Error { code, .. } if code == "question_closed"));

    // Skip from the reveal goes straight to question 3; then the host ends the game.
    send(
        &mut h,
        ClientMessage::Skip {
            question_index: None,
        },
    )
    .await;
    phase(&mut h, PhaseName::Question, Some(2)).await;
    phase(&mut ada, PhaseName::Question, Some(2)).await;
    assert!(acked(&ada.answer("ada-2", 2, 2).await.unwrap()));
    send(&mut h, ClientMessage::End).await;
    let podium = phase(&mut h, PhaseName::Podium, None).await;
    let standings = podium.standings.unwrap();
    assert_eq!(standings.len(), 3);
    assert_eq!(standings[0].nickname, "Ada");
    let ada_final = phase(&mut ada, PhaseName::Podium, None).await.me.unwrap();
    assert_eq!(ada_final.rank, 1);
    assert_eq!(ada_final.score, standings[0].score);
    // Ada: three correct in a row → streak bonus +100 on Q2 and +200 on Q3 (double points).
    assert_eq!(ada_final.streak, 3);
    let gained = ada_final.score - me.score;
    assert!(
        (600 + 1200..=1100 + 2200).contains(&gained),
        "streak bonuses counted: {gained}"
    );

    // Operators see the answers by result: new ones, resends after a lost ack, refused ones.
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    for result in ["accepted", "resent", "refused"] {
        let line = format!("cahoot_answers_total{{result=\"{result}\"}} ");
        assert!(metrics.contains(&line), "{line} in {metrics}");
    }

    // The finished game is stored once with the same standings.
    let game_uuid: Uuid = game.id.parse().unwrap();
    let stored = wait_for_stored_game(&app, &token, game_uuid).await;
    let players = stored["players"].as_array().unwrap();
    assert_eq!(players.len(), 3);
    assert_eq!(players[0]["nickname"], "Ada");
    assert_eq!(players[0]["score"].as_u64().unwrap(), standings[0].score);
    let list: Value = app
        .get("/api/games", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Joining a finished game is refused.
    let res = app
        .post(
            "/api/play/join",
            None,
            &json!({"pin": game.pin, "nickname": "Late"}),
        )
        .await;
    assert!(res.status() == StatusCode::GONE || res.status() == StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_question_closes_at_its_deadline_without_the_host() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = json!({"title": "Quick", "questions": [
        {"text": "Fast?", "answers": ["yes", "no"], "correct": 0, "time_limit_secs": 5}]});
    let quiz_id = created_quiz(&app, &token, &quiz).await;
    let game = start_game(&app, &token, quiz_id).await;
    let (_, t1) = join(&app, &game.pin, "Ann").await;
    let (_, t2) = join(&app, &game.pin, "Ben").await;
    let mut h = host(&app, &token, &game).await;
    let mut ann = player(&app, &t1).await;
    let _ben = player(&app, &t2).await;
    send(&mut h, ClientMessage::Start).await;
    phase(&mut ann, PhaseName::Question, Some(0)).await;
    assert!(acked(&ann.answer("a", 0, 0).await.unwrap()));
    let reveal = h
        .wait_state(Duration::from_secs(8), "reveal at deadline", |v| {
            v.phase == PhaseName::Reveal
        })
        .await
        .unwrap();
    assert_eq!(reveal.reveal.unwrap().tally.counts, [1, 0]);
}

/// With a "get ready" lead-in the question is shown first: answers before it ends are refused with
/// `question_not_open` (nothing recorded), the clock starts when it ends, and speed counts from then.
#[tokio::test]
async fn answers_open_after_the_get_ready_countdown() {
    const LEAD_IN_MS: u64 = 1_500;
    let app = cahoot_testkit::spawn_app_with(|c| c.question_lead_in_ms = LEAD_IN_MS).await;
    let token = app.register_and_login("teacher").await;
    let quiz = json!({"title": "Ready?", "questions": [
        {"text": "Now?", "answers": ["yes", "no"], "correct": 0, "time_limit_secs": 5}]});
    let quiz_id = created_quiz(&app, &token, &quiz).await;
    let game = start_game(&app, &token, quiz_id).await;
    let (_, t1) = join(&app, &game.pin, "Ann").await;
    let mut h = host(&app, &token, &game).await;
    let mut ann = player(&app, &t1).await;
    send(&mut h, ClientMessage::Start).await;
    let shown = phase(&mut ann, PhaseName::Question, Some(0)).await;
    let q = shown.question.expect("question view");
    assert!(
        q.opens_in_ms > 0 && q.opens_in_ms <= LEAD_IN_MS,
        "opens in {} ms",
        q.opens_in_ms
    );
    assert_eq!(q.remaining_ms, 5_000, "the clock waits for the countdown");

    match ann.answer("early", 0, 0).await.unwrap() {
        ServerMessage::Error { code, .. } => assert_eq!(code.as_str(), "question_not_open"),
        other => panic!("an early answer must be refused, got {other:?}"),
    }
    // What is under test is the server clock: wait out the countdown it announced.
    tokio::time::sleep(Duration::from_millis(q.opens_in_ms + 50)).await;
    assert!(acked(&ann.answer("on-time", 0, 0).await.unwrap()));

    let reveal = phase(&mut ann, PhaseName::Reveal, Some(0)).await;
    let score = reveal.me.expect("own row").score;
    // Counted from the moment the question was shown, 1.5 s of 5 s would cost 15 % (850 points).
    assert!(
        score >= 950,
        "speed counts from the opening: {score} points"
    );
}

/// Extra time: the host grants it to one player, who may then answer for half the time limit after the
/// deadline; everyone else is refused from the deadline on, and the question closes when the extra time
/// is over. Players cannot grant it; an unknown player is a clear error.
#[tokio::test]
async fn a_player_granted_extra_time_answers_after_the_deadline_and_no_one_else() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = json!({"title": "Take your time", "questions": [
        {"text": "Sure?", "answers": ["yes", "no"], "correct": 0, "time_limit_secs": 5}]});
    let quiz_id = created_quiz(&app, &token, &quiz).await;
    let game = start_game(&app, &token, quiz_id).await;
    let (ann_id, t1) = join(&app, &game.pin, "Ann").await;
    let (_, t2) = join(&app, &game.pin, "Ben").await;
    let mut h = host(&app, &token, &game).await;
    let mut ann = player(&app, &t1).await;
    let mut ben = player(&app, &t2).await;

    send(
        &mut ann,
        ClientMessage::ExtraTime {
            player_id: ann_id.clone(),
            on: true,
        },
    )
    .await;
    assert_eq!(next_error_code(&mut ann).await, "not_host");
    send(
        &mut h,
        ClientMessage::ExtraTime {
            player_id: Uuid::new_v4().to_string(),
            on: true,
        },
    )
    .await;
    assert_eq!(next_error_code(&mut h).await, "player_not_found");
    send(
        &mut h,
        ClientMessage::ExtraTime {
            player_id: ann_id.clone(),
            on: true,
        },
    )
    .await;
    let granted = h
        .wait_state(WAIT, "extra time shown to the host", |v| {
            v.players
                .as_ref()
                .is_some_and(|ps| ps.iter().any(|p| p.id == ann_id && p.extra_time))
        })
        .await
        .unwrap();
    assert!(
        granted
            .players
            .unwrap()
            .iter()
            .filter(|p| p.extra_time)
            .count()
            == 1
    );

    send(&mut h, ClientMessage::Start).await;
    let shown = phase(&mut ann, PhaseName::Question, Some(0)).await;
    assert!(
        shown.me.as_ref().unwrap().extra_time,
        "Ann sees she has extra time"
    );
    assert_eq!(
        shown.question.as_ref().unwrap().extra_ms,
        2_500,
        "half of 5 s"
    );
    let bens = phase(&mut ben, PhaseName::Question, Some(0)).await;
    assert!(!bens.me.unwrap().extra_time);

    // What is under test is the server clock: wait until the regular time is over.
    let regular = Duration::from_millis(shown.question.unwrap().remaining_ms + 300);
    tokio::time::sleep(regular).await;
    match ben.answer("late", 0, 0).await.unwrap() {
        ServerMessage::Error { code, .. } => assert_eq!(code.as_str(), "question_closed"),
        other => panic!("Ben has no extra time, got {other:?}"),
    }
    assert!(acked(&ann.answer("in-extra-time", 0, 0).await.unwrap()));
    let reveal = h
        .wait_state(Duration::from_secs(8), "reveal", |v| {
            v.phase == PhaseName::Reveal
        })
        .await
        .unwrap();
    assert_eq!(
        reveal.reveal.unwrap().tally.counts,
        [1, 0],
        "only Ann's answer counts"
    );
}

/// A player who reconnects mid-question starts from the snapshot this instance fanned out when the
/// question opened (no full reload per reconnect); their own answer, recorded after it, must still show.
#[tokio::test]
async fn a_player_reconnecting_after_answering_sees_their_answer_and_score() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz_id = three_question_quiz(&app, &token).await;
    let game = start_game(&app, &token, quiz_id).await;
    let (_, t1) = join(&app, &game.pin, "Ann").await;
    let (_, t2) = join(&app, &game.pin, "Ben").await;
    let mut h = host(&app, &token, &game).await;
    let mut ann = player(&app, &t1).await;
    let mut ben = player(&app, &t2).await;
    send(&mut h, ClientMessage::Start).await;
    phase(&mut ann, PhaseName::Question, Some(0)).await;
    phase(&mut ben, PhaseName::Question, Some(0)).await;
    assert!(acked(&ann.answer("ann-0", 0, 1).await.unwrap()));
    ann.close().await;
    let mut ann = player(&app, &t1).await;
    let view = ann.state.clone().unwrap();
    assert_eq!(view.phase, PhaseName::Question);
    assert_eq!(view.me.unwrap().answer, Some(AnswerValue::Choice(1)));
    // Ben never answered: his reconnect shows no answer.
    ben.close().await;
    let mut ben = player(&app, &t2).await;
    assert_eq!(ben.state.clone().unwrap().me.unwrap().answer, None);

    // After the reveal, a reconnect shows the points of the cached snapshot.
    assert!(acked(&ben.answer("ben-0", 0, 0).await.unwrap()));
    let ann_reveal = phase(&mut ann, PhaseName::Reveal, Some(0))
        .await
        .me
        .unwrap();
    phase(&mut ben, PhaseName::Reveal, Some(0)).await;
    assert!(ann_reveal.score > 0);
    ann.close().await;
    let ann = player(&app, &t1).await;
    let again = ann.state.clone().unwrap();
    assert_eq!(again.phase, PhaseName::Reveal);
    let me = again.me.unwrap();
    assert_eq!(
        (me.score, me.rank, me.answer),
        (ann_reveal.score, 1, Some(AnswerValue::Choice(1)))
    );
    assert!(me.last_result.unwrap().correct);
}

/// The host clicks "skip" just as the question closes by itself (everyone answered, or the deadline): the
/// click names the question it was meant for, so it is refused instead of also skipping the reveal and the
/// leaderboard.
#[tokio::test]
async fn a_skip_racing_the_questions_own_close_does_not_skip_the_reveal() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz_id = three_question_quiz(&app, &token).await;
    let game = start_game(&app, &token, quiz_id).await;
    let (_, t1) = join(&app, &game.pin, "Ann").await;
    let mut h = host(&app, &token, &game).await;
    let mut ann = player(&app, &t1).await;
    send(&mut h, ClientMessage::Start).await;
    phase(&mut ann, PhaseName::Question, Some(0)).await;
    assert!(acked(&ann.answer("a", 0, 1).await.unwrap()));
    phase(&mut h, PhaseName::Reveal, Some(0)).await;

    send(
        &mut h,
        ClientMessage::Skip {
            question_index: Some(0),
        },
    )
    .await;
    assert_eq!(next_error_code(&mut h).await, "question_closed");
    // Still on the reveal: the next step is the leaderboard, not question 2.
    send(&mut h, ClientMessage::Next).await;
    let board = h
        .wait_state(WAIT, "after next", |v| v.phase != PhaseName::Reveal)
        .await
        .unwrap();
    assert_eq!(board.phase, PhaseName::Leaderboard);
}

#[tokio::test]
async fn host_controls_lock_kick_and_refuse_commands_from_players() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let (ann_id, ann_token) = join(&app, &game.pin, "Ann").await;
    let mut h = host(&app, &token, &game).await;
    let mut ann = player(&app, &ann_token).await;

    // Players cannot send host commands; hosts cannot answer.
    send(&mut ann, ClientMessage::Start).await;
    assert_eq!(next_error_code(&mut ann).await, "not_host");
    send(
        &mut ann,
        ClientMessage::Kick {
            player_id: ann_id.clone(),
        },
    )
    .await;
    assert_eq!(next_error_code(&mut ann).await, "not_host");
    send(&mut h, ClientMessage::Next).await;
    assert_eq!(next_error_code(&mut h).await, "invalid_command");

    // Lock: new joins are refused; unlock lets them in again; nicknames are unique ignoring case.
    send(&mut h, ClientMessage::Lock).await;
    h.wait_state(WAIT, "locked", |v| v.locked).await.unwrap();
    let res = app
        .post(
            "/api/play/join",
            None,
            &json!({"pin": game.pin, "nickname": "Zed"}),
        )
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "game_locked").await;
    send(&mut h, ClientMessage::Unlock).await;
    h.wait_state(WAIT, "unlocked", |v| !v.locked).await.unwrap();
    let res = app
        .post(
            "/api/play/join",
            None,
            &json!({"pin": game.pin, "nickname": " ANN "}),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "nickname_taken").await;

    // Kick: the player's socket is told and closed; the old token cannot come back.
    send(
        &mut h,
        ClientMessage::Kick {
            player_id: ann_id.clone(),
        },
    )
    .await;
    ann.wait_for(WAIT, "kicked", |m| matches!(m, ServerMessage::Kicked))
        .await
        .unwrap();
    let lobby = h
        .wait_state(WAIT, "player removed", |v| v.player_count == 0)
        .await
        .unwrap();
    assert!(lobby.players.unwrap().is_empty());
    let mut again = GameClient::connect_raw(&ws_url(&app)).await.unwrap();
    again
        .send(&ClientMessage::Hello {
            v: cahoot_protocol::PROTOCOL_VERSION,
            token: ann_token.clone(),
            game_id: None,
        })
        .await
        .unwrap();
    let refused = again.next(WAIT).await.unwrap();
    assert!(matches!(refused, ServerMessage::Error { code, .. } if code == "kicked"));

    // Start with nobody in the lobby is refused.
    send(&mut h, ClientMessage::Start).await;
    assert_eq!(next_error_code(&mut h).await, "no_players");
}

async fn hello_error(app: &TestApp, first_frame: &str) -> String {
    let mut c = GameClient::connect_raw(&ws_url(app)).await.unwrap();
    c.send_text(first_frame).await.unwrap();
    match c.next(WAIT).await.unwrap() {
        ServerMessage::Error { code, .. } => code.to_string(),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_hellos_are_refused_with_a_clear_code() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    assert_eq!(hello_error(&app, "not json").await, "bad_message");
    assert_eq!(
        hello_error(&app, r#"{"type":"start"}"#).await,
        "unauthorized"
    );
    assert_eq!(
        hello_error(&app, r#"{"type":"hello","v":9,"token":"x"}"#).await,
        "unsupported_version"
    );
    assert_eq!(
        hello_error(&app, r#"{"type":"hello","v":2,"token":"forged.jwt.token"}"#).await,
        "unauthorized"
    );
    // A host token used as a player token, and a player token used as a host token.
    assert_eq!(
        hello_error(
            &app,
            &format!(r#"{{"type":"hello","v":2,"token":"{token}"}}"#)
        )
        .await,
        "unauthorized"
    );
    let (_, player_token) = join(&app, &game.pin, "Pat").await;
    let as_host = format!(
        r#"{{"type":"hello","v":2,"token":"{player_token}","game_id":"{}"}}"#,
        game.id
    );
    assert_eq!(hello_error(&app, &as_host).await, "unauthorized");
    // Another host cannot take over this game.
    let other = app.register_and_login("intruder").await;
    let steal = format!(
        r#"{{"type":"hello","v":2,"token":"{other}","game_id":"{}"}}"#,
        game.id
    );
    assert_eq!(hello_error(&app, &steal).await, "game_not_found");
}

#[tokio::test]
async fn malformed_and_unknown_messages_get_errors_without_disconnecting() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let (_, pt) = join(&app, &game.pin, "Pat").await;
    let mut p = player(&app, &pt).await;
    for bad in [
        "{",
        r#"{"type":"self_destruct"}"#,
        r#"{"type":"answer","choice":"x"}"#,
        "[]",
    ] {
        p.send_text(bad).await.unwrap();
        assert_eq!(next_error_code(&mut p).await, "bad_message", "{bad}");
    }
    // Still connected and usable: an answer in the lobby is refused as not open.
    let r = p.answer("early", 0, 0).await.unwrap();
    assert!(matches!(r, ServerMessage::Error { code, .. } if code == "question_closed"));
    // An oversized frame closes the connection (the limit is 4 KiB).
    p.send_text(&format!(
        r#"{{"type":"kick","player_id":"{}"}}"#,
        "x".repeat(10_000)
    ))
    .await
    .ok();
    let end = loop {
        match p.next(WAIT).await {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert!(
        matches!(end, ClientError::Closed | ClientError::Socket(_)),
        "{end:?}"
    );
}

#[tokio::test]
async fn a_flooding_client_is_rate_limited_then_disconnected() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let (_, pt) = join(&app, &game.pin, "Spam").await;
    let mut p = player(&app, &pt).await;
    // Every message gets a reply (an error: no question is open). Read each reply before the next send;
    // the server refuses messages over the rate, then disconnects the client.
    let mut limited = 0;
    let mut closed = None;
    for i in 0..500 {
        let frame = format!(
            r#"{{"type":"answer","answer_id":"f{i}","question_index":0,"answer":{{"choice":0}}}}"#
        );
        if let Err(e) = p.send_text(&frame).await {
            closed = Some(e);
            break;
        }
        match p.next(WAIT).await {
            Ok(ServerMessage::Error { code, .. }) if code == "rate_limited" => limited += 1,
            Ok(_) => {}
            Err(e) => {
                closed = Some(e);
                break;
            }
        }
    }
    assert!(limited > 0, "flood was never rate limited");
    let closed = closed.expect("the flooding client was never disconnected");
    assert!(
        matches!(closed, ClientError::Closed | ClientError::Socket(_)),
        "{closed:?}"
    );
}

#[tokio::test]
async fn joining_rejects_bad_pins_nicknames_and_other_hosts_quizzes() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let unknown_pin = if game.pin == "999999" {
        "999998"
    } else {
        "999999"
    };
    let cases = [
        (
            json!({"pin": "12ab56", "nickname": "Ann"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_pin",
        ),
        (
            json!({"pin": unknown_pin, "nickname": "Ann"}),
            StatusCode::NOT_FOUND,
            "game_not_found",
        ),
        (
            json!({"pin": game.pin, "nickname": "   "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_nickname",
        ),
        (
            json!({"pin": game.pin, "nickname": "x".repeat(21)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_nickname",
        ),
    ];
    for (body, status, code) in cases {
        assert_error(app.post("/api/play/join", None, &body).await, status, code).await;
    }
    // Another host's quiz id looks like a missing one.
    let other = app.register_and_login("other").await;
    let res = app
        .post("/api/games", Some(&other), &json!({ "quiz_id": quiz }))
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "quiz_not_found").await;
    let res = app
        .post("/api/games", None, &json!({ "quiz_id": quiz }))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn pin_guessing_is_throttled_per_address() {
    let app = spawn_app().await;
    let mut last = StatusCode::OK;
    for i in 0..40 {
        let pin = format!("{}", 100_000 + i);
        last = app
            .post(
                "/api/play/join",
                None,
                &json!({"pin": pin, "nickname": "Guess"}),
            )
            .await
            .status();
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_host_can_reconnect_and_resume_control() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let (_, pt) = join(&app, &game.pin, "Ann").await;
    let mut ann = player(&app, &pt).await;
    let h = host(&app, &token, &game).await;
    h.close().await;
    let mut h = host(&app, &token, &game).await;
    assert_eq!(h.state.as_ref().unwrap().players.as_ref().unwrap().len(), 1);
    send(&mut h, ClientMessage::Start).await;
    phase(&mut ann, PhaseName::Question, Some(0)).await;
}

#[tokio::test]
async fn draining_tells_connected_clients_to_reconnect_elsewhere() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let (_, pt) = join(&app, &game.pin, "Ann").await;
    let mut ann = player(&app, &pt).await;
    let mut h = host(&app, &token, &game).await;
    app.state.set_draining();
    for c in [&mut ann, &mut h] {
        let msg = c
            .wait_for(WAIT, "reconnect", |m| {
                matches!(m, ServerMessage::Reconnect { .. })
            })
            .await
            .unwrap();
        assert!(matches!(msg, ServerMessage::Reconnect { .. }));
    }
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
}

/// The instance that applies the podium stores the results at once; if it dies before it could, every
/// instance still serving the game stores them after a short delay. Simulated here: the game is driven to
/// the podium straight in the live store, as by another instance that then died without storing anything,
/// while a player is connected to this one.
#[tokio::test]
async fn results_are_stored_even_when_the_instance_that_ended_the_game_died_first() {
    use cahoot_game::{Command, Context, Phase, apply};
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz_id = three_question_quiz(&app, &token).await;
    let game = start_game(&app, &token, quiz_id).await;
    let (_, player_token) = join(&app, &game.pin, "Ada").await;
    let mut ada = player(&app, &player_token).await;
    let live = app.state.live.clone();
    let game_id: cahoot_protocol::GameId = game.id.parse().unwrap();
    let quiz = live.meta(game_id).await.unwrap().unwrap().quiz;
    loop {
        let current = live.state(game_id).await.unwrap().unwrap();
        let command = match current.phase {
            Phase::Podium => break,
            Phase::Lobby => Command::Start,
            Phase::Question(question) => Command::Close { question },
            _ => Command::Next,
        };
        let ctx = Context {
            now_ms: current.opened_at_ms + 1_000,
            player_count: 1,
            quiz: &quiz,
            lead_in_ms: 0,
            extra_time: false,
        };
        let (next, _) = apply(&current, command, &ctx).unwrap();
        // The store's CAS announces the change itself, as for any instance.
        assert!(
            live.cas_state(game_id, current.version, &next)
                .await
                .unwrap()
                .is_some()
        );
    }
    ada.wait_state(WAIT, "podium", |v| v.phase == PhaseName::Podium)
        .await
        .unwrap();
    let stored = wait_for_stored_game(&app, &token, game.id.parse().unwrap()).await;
    let players = stored["players"].as_array().unwrap();
    assert_eq!(players.len(), 1);
    assert_eq!(players[0]["nickname"], "Ada");
}
