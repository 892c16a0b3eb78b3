//! Teachers' reports: pupil identifiers at join, the nickname word filter, the game and quiz reports with
//! numbers from games of known answers, and what other hosts and bad ids get.

use cahoot_client::GameClient;
use cahoot_protocol::{ClientMessage, PhaseName, ServerMessage, StateView};
use cahoot_server::durable::{FinishedGame, PlayerAnswer, PlayerResult, QuestionStats};
use cahoot_server::reports::{GameReport, QuizReport};
use cahoot_testkit::game::{Game, host, player, wait_for_stored_game};
use cahoot_testkit::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(10);

/// Three multiple-choice questions; the right answers are 1, 0 and 2.
async fn three_questions(app: &TestApp, token: &str) -> Uuid {
    let quiz = json!({
        "title": "Report quiz",
        "questions": [
            {"text": "2 + 2?", "answers": ["3", "4", "5"], "correct": 1, "time_limit_secs": 30},
            {"text": "First letter?", "answers": ["A", "B", "C"], "correct": 0, "time_limit_secs": 30},
            {"text": "Largest?", "answers": ["1", "2", "3"], "correct": 2, "time_limit_secs": 30}
        ]
    });
    app.create_quiz_id(token, &quiz).await
}

async fn start(app: &TestApp, token: &str, quiz: Uuid, require_pupil_id: bool) -> Game {
    let res = app
        .post(
            "/api/games",
            Some(token),
            &json!({ "quiz_id": quiz, "require_pupil_id": require_pupil_id }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    Game {
        id: body["game_id"].as_str().unwrap().to_owned(),
        pin: body["pin"].as_str().unwrap().to_owned(),
    }
}

async fn join_with(app: &TestApp, body: Value) -> reqwest::Response {
    app.post("/api/play/join", None, &body).await
}

async fn phase(c: &mut GameClient, want: PhaseName, index: u32) -> StateView {
    c.wait_state(WAIT, "phase", |v| {
        v.phase == want && (v.question.as_ref().map(|q| q.index) == Some(index))
    })
    .await
    .unwrap_or_else(|e| panic!("waiting for {want:?} {index}: {e}"))
}

#[tokio::test]
async fn a_game_with_pupil_ids_reports_the_known_answers() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = three_questions(&app, &token).await;
    let game = start(&app, &token, quiz, true).await;

    // The game asks for a pupil identifier: none, blank or too long is refused, nothing joins.
    for (body, code) in [
        (
            json!({"pin": game.pin, "nickname": "Ada"}),
            "pupil_id_required",
        ),
        (
            json!({"pin": game.pin, "nickname": "Ada", "pupil_id": "   "}),
            "pupil_id_required",
        ),
        (
            json!({"pin": game.pin, "nickname": "Ada", "pupil_id": "x".repeat(41)}),
            "invalid_pupil_id",
        ),
        (
            json!({"pin": game.pin, "nickname": "Ada", "pupil_id": "a\u{7}b"}),
            "invalid_pupil_id",
        ),
    ] {
        let body = assert_error(
            join_with(&app, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
        )
        .await;
        assert_eq!(body["field"], "pupil_id");
    }
    let mut tokens = Vec::new();
    for (nick, pupil) in [
        ("Ada", "  Lovelace   Ada "),
        ("Bob", "Brown Bob"),
        ("Cy", "Young Cy"),
    ] {
        let res = join_with(
            &app,
            json!({"pin": game.pin, "nickname": nick, "pupil_id": pupil}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK, "join {nick}");
        let body: Value = res.json().await.unwrap();
        tokens.push(body["player_token"].as_str().unwrap().to_owned());
    }
    let mut h = host(&app, &token, &game).await;
    assert_eq!(h.state.as_ref().unwrap().player_count, 3);
    let mut players = Vec::new();
    for t in &tokens {
        players.push(player(&app, t).await);
    }
    // Nobody but the host sees pupil identifiers: not in a player's snapshot.
    let snapshot = serde_json::to_string(players[0].state.as_ref().unwrap()).unwrap();
    assert!(!snapshot.contains("Lovelace"), "{snapshot}");

    // Ada: right, right, right. Bob: right, right, wrong. Cy: right, wrong, wrong.
    let picks = [[1, 0, 2], [1, 0, 0], [1, 1, 0]];
    h.send(&ClientMessage::Start).await.unwrap();
    for q in 0..3u32 {
        phase(&mut h, PhaseName::Question, q).await;
        for (i, p) in players.iter_mut().enumerate() {
            phase(p, PhaseName::Question, q).await;
            let reply = p
                .answer(&format!("p{i}-q{q}"), q, picks[i][q as usize])
                .await
                .unwrap();
            assert!(
                matches!(reply, ServerMessage::AnswerAck { .. }),
                "{reply:?}"
            );
        }
        phase(&mut h, PhaseName::Reveal, q).await;
        if q < 2 {
            h.send(&ClientMessage::Next).await.unwrap();
            h.send(&ClientMessage::Next).await.unwrap();
        }
    }
    h.send(&ClientMessage::End).await.unwrap();
    let game_id: Uuid = game.id.parse().unwrap();
    let stored = wait_for_stored_game(&app, &token, game_id).await;
    assert_eq!(stored["players"][0]["pupil_id"], "Lovelace Ada");

    let res = app
        .get(&format!("/api/games/{game_id}/report"), Some(&token))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let report: GameReport = res.json().await.unwrap();
    assert_eq!(report.player_count, 3);
    assert!(report.pupil_ids);
    let percents: Vec<Option<f64>> = report.questions.iter().map(|q| q.correct_percent).collect();
    assert_eq!(percents, [Some(100.0), Some(66.7), Some(33.3)]);
    assert_eq!(report.hardest, [2, 1, 0]);
    assert_eq!(report.correct_percent, Some(66.7));
    for q in &report.questions {
        let avg = q.average_time_ms.expect("everyone answered");
        assert!((0.0..30_000.0).contains(&avg), "{avg}");
    }
    let rows: Vec<(&str, Option<&str>, u32, Option<f64>)> = report
        .players
        .iter()
        .map(|p| {
            (
                p.nickname.as_str(),
                p.pupil_id.as_deref(),
                p.correct_count,
                p.correct_percent,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Ada", Some("Lovelace Ada"), 3, Some(100.0)),
            ("Bob", Some("Brown Bob"), 2, Some(66.7)),
            ("Cy", Some("Young Cy"), 1, Some(33.3)),
        ]
    );
    let cy = &report.players[2];
    let cy_answers: Vec<(Option<&str>, Option<bool>)> = cy
        .answers
        .iter()
        .map(|a| (a.answer.as_deref(), a.correct))
        .collect();
    assert_eq!(
        cy_answers,
        [
            (Some("4"), Some(true)),
            (Some("B"), Some(false)),
            (Some("1"), Some(false))
        ]
    );
    assert_eq!(cy.answers[1].points, 0);
    assert!(cy.answers[0].points > 0);
    let mean = report.players.iter().map(|p| p.score).sum::<u64>() as f64 / 3.0;
    assert_eq!(report.average_score, (mean * 10.0).round() / 10.0);

    // The quiz report over this one game: the same numbers, pupils by identifier.
    let quiz_report: QuizReport = app
        .get(&format!("/api/quizzes/{quiz}/report"), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(quiz_report.games.len(), 1);
    assert_eq!(quiz_report.games[0].correct_percent, Some(66.7));
    assert_eq!(quiz_report.questions[2].correct_percent, [Some(33.3)]);
    let labels: Vec<&str> = quiz_report
        .pupils
        .iter()
        .map(|p| p.label.as_str())
        .collect();
    assert_eq!(labels, ["Brown Bob", "Lovelace Ada", "Young Cy"]);
    assert!(quiz_report.pupils.iter().all(|p| p.by_pupil_id));
}

#[tokio::test]
async fn a_game_without_pupil_ids_ignores_one_given() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = three_questions(&app, &token).await;
    let game = start(&app, &token, quiz, false).await;
    let res = join_with(
        &app,
        json!({"pin": game.pin, "nickname": "Ada", "pupil_id": "Lovelace Ada"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = join_with(&app, json!({"pin": game.pin, "nickname": "Bob"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut h = host(&app, &token, &game).await;
    h.send(&ClientMessage::End).await.unwrap();
    let stored = wait_for_stored_game(&app, &token, game.id.parse().unwrap()).await;
    for p in stored["players"].as_array().unwrap() {
        assert!(p.get("pupil_id").is_none(), "{p}");
    }
}

#[tokio::test]
async fn nicknames_are_filtered_in_four_languages() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = three_questions(&app, &token).await;
    let game = start(&app, &token, quiz, false).await;
    for nick in [
        "fuck",
        "Sh1t",
        "Arschloch",
        "Scheisse",
        "Hurensohn",
        "Merde",
        "Connard",
        "Putain",
        "Cazzo",
        "Stronzo",
        "Vaffanculo",
    ] {
        let body = assert_error(
            join_with(&app, json!({"pin": game.pin, "nickname": nick})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_nickname",
        )
        .await;
        assert_eq!(body["field"], "nickname", "{nick}");
    }
    // Nothing was stored: the lobby is empty and a refused name's clean neighbours still join.
    let h = host(&app, &token, &game).await;
    assert_eq!(h.state.as_ref().unwrap().player_count, 0);
    for nick in [
        "Cassandra",
        "Scunthorpe",
        "Constance",
        "Marsch",
        "Montenegro",
        "Assunta",
    ] {
        let res = join_with(&app, json!({"pin": game.pin, "nickname": nick})).await;
        assert_eq!(res.status(), StatusCode::OK, "{nick}");
    }
}

// ---- reports of stored games with exact numbers ----

fn answer(player: &str, answer: &str, correct: bool, ms: u64, points: u32) -> PlayerAnswer {
    PlayerAnswer {
        player_id: player.into(),
        answer: answer.into(),
        correct,
        elapsed_ms: ms,
        points,
    }
}

fn player_result(id: &str, nick: &str, pupil: Option<&str>, rank: u32, score: u64) -> PlayerResult {
    PlayerResult {
        player_id: id.into(),
        nickname: nick.into(),
        rank,
        score,
        correct_count: 0,
        pupil_id: pupil.map(str::to_owned),
    }
}

/// A stored game of `quiz`: two multiple-choice questions and a poll.
fn stored_game(
    owner: Uuid,
    quiz: Uuid,
    started_at: OffsetDateTime,
    players: Vec<PlayerResult>,
    answers: [Vec<PlayerAnswer>; 3],
) -> FinishedGame {
    let [a0, a1, a2] = answers;
    let stats = |index: u32, kind, text: &str, answers: Vec<PlayerAnswer>| QuestionStats {
        index,
        kind,
        text: text.into(),
        answers: vec!["A".into(), "B".into()],
        correct: 0,
        counts: vec![0, 0],
        answered: answers.len() as u32,
        correct_count: if kind == cahoot_game::QuestionKind::Poll {
            0
        } else {
            answers.iter().filter(|a| a.correct).count() as u32
        },
        player_answers: answers,
        ..Default::default()
    };
    use cahoot_game::QuestionKind::{MultipleChoice, Poll};
    FinishedGame {
        id: Uuid::new_v4(),
        owner_id: owner,
        quiz_id: quiz,
        quiz_title: "Stored quiz".into(),
        pin: "123456".into(),
        started_at,
        finished_at: started_at + time::Duration::minutes(5),
        questions: vec![
            stats(0, MultipleChoice, "Q one", a0),
            stats(1, MultipleChoice, "Q two", a1),
            stats(2, Poll, "Favourite?", a2),
        ],
        players,
    }
}

#[tokio::test]
async fn game_and_quiz_reports_compute_the_stored_numbers() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let owner = app.user_id(&token).await;
    let quiz = app.create_sample_quiz(&token).await;
    let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    // Game 1: Ada (pupil "Lovelace Ada") 2/2 right, Bob (no pupil id) 1/2, Cy 0/2 and no answer to Q two.
    let first = stored_game(
        owner,
        quiz,
        t0,
        vec![
            player_result("a", "Ada", Some("Lovelace Ada"), 1, 1800),
            player_result("b", "Bob", None, 2, 900),
            player_result("c", "Cy", None, 3, 0),
        ],
        [
            vec![
                answer("a", "A", true, 2000, 900),
                answer("b", "A", true, 4000, 900),
                answer("c", "B", false, 6000, 0),
            ],
            vec![
                answer("a", "A", true, 1000, 900),
                answer("b", "B", false, 3000, 0),
            ],
            vec![answer("a", "B", false, 500, 0)],
        ],
    );
    // Game 2, an hour later: Ada again under a new nickname (same pupil id, other case), Bob again.
    let second = stored_game(
        owner,
        quiz,
        t0 + time::Duration::hours(1),
        vec![
            player_result("b2", "Bob", None, 1, 1000),
            player_result("a2", "Ada L", Some("LOVELACE ADA"), 2, 500),
        ],
        [
            vec![
                answer("a2", "B", false, 1500, 0),
                answer("b2", "A", true, 2500, 1000),
            ],
            vec![
                answer("a2", "A", true, 1000, 500),
                answer("b2", "B", false, 1000, 0),
            ],
            vec![],
        ],
    );
    for g in [&second, &first] {
        assert!(app.state.durable.save_finished_game(g).await.unwrap());
    }

    let report: GameReport = app
        .get_json(&format!("/api/games/{}/report", first.id), Some(&token))
        .await
        .pipe(serde_json::from_value)
        .unwrap();
    let q: Vec<(Option<f64>, Option<f64>, bool)> = report
        .questions
        .iter()
        .map(|q| (q.correct_percent, q.average_time_ms, q.judged))
        .collect();
    assert_eq!(
        q,
        [
            (Some(66.7), Some(4000.0), true),
            (Some(33.3), Some(2000.0), true),
            (None, Some(500.0), false),
        ]
    );
    assert_eq!(report.hardest, [1, 0]);
    assert_eq!(report.average_score, 900.0);
    assert_eq!(report.correct_percent, Some(50.0));
    let cy = &report.players[2];
    assert_eq!(cy.correct_percent, Some(0.0));
    assert_eq!(cy.answers[1].answer, None);
    assert_eq!(cy.answers[1].correct, Some(false));
    assert_eq!(cy.answers[2].correct, None, "a poll has no right answer");
    assert_eq!(report.players[0].pupil_id.as_deref(), Some("Lovelace Ada"));
    assert_eq!(report.players[1].pupil_id, None);

    let quiz_report: QuizReport = app
        .get_json(&format!("/api/quizzes/{quiz}/report"), Some(&token))
        .await
        .pipe(serde_json::from_value)
        .unwrap();
    assert_eq!(quiz_report.quiz_title, "Sample quiz: world trivia");
    let games: Vec<(Uuid, u32, f64, Option<f64>)> = quiz_report
        .games
        .iter()
        .map(|g| {
            (
                g.game_id,
                g.player_count,
                g.average_score,
                g.correct_percent,
            )
        })
        .collect();
    assert_eq!(
        games,
        [
            (first.id, 3, 900.0, Some(50.0)),
            (second.id, 2, 750.0, Some(50.0))
        ]
    );
    let over_time: Vec<&[Option<f64>]> = quiz_report
        .questions
        .iter()
        .map(|q| q.correct_percent.as_slice())
        .collect();
    assert_eq!(
        over_time,
        [
            &[Some(66.7), Some(50.0)][..],
            &[Some(33.3), Some(50.0)][..],
            &[None, None][..]
        ]
    );
    /// Score and correct percentage per game.
    type Cells = Vec<Option<(u64, Option<f64>)>>;
    let pupils: Vec<(&str, bool, Cells)> = quiz_report
        .pupils
        .iter()
        .map(|p| {
            (
                p.label.as_str(),
                p.by_pupil_id,
                p.games
                    .iter()
                    .map(|g| g.as_ref().map(|g| (g.score, g.correct_percent)))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        pupils,
        [
            (
                "Bob",
                false,
                vec![Some((900, Some(50.0))), Some((1000, Some(50.0)))]
            ),
            ("Cy", false, vec![Some((0, Some(0.0))), None]),
            (
                "Lovelace Ada",
                true,
                vec![Some((1800, Some(100.0))), Some((500, Some(50.0)))]
            ),
        ]
    );

    // A quiz without finished games has an empty report.
    let fresh = app.create_sample_quiz(&token).await;
    let empty = app
        .get_json(&format!("/api/quizzes/{fresh}/report"), Some(&token))
        .await;
    assert_eq!(empty["games"], json!([]));
    assert_eq!(empty["pupils"], json!([]));
}

#[tokio::test]
async fn reports_are_the_owners_only_and_bad_ids_are_not_found() {
    let app = spawn_app().await;
    let ada = app.register_and_login("ada").await;
    let grace = app.register_and_login("grace").await;
    let owner = app.user_id(&ada).await;
    let quiz = app.create_sample_quiz(&ada).await;
    let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let game = stored_game(
        owner,
        quiz,
        t0,
        vec![player_result("a", "Ada", Some("Secret Name"), 1, 10)],
        [vec![], vec![], vec![]],
    );
    app.state.durable.save_finished_game(&game).await.unwrap();
    let game_path = format!("/api/games/{}/report", game.id);
    let quiz_path = format!("/api/quizzes/{quiz}/report");
    assert_eq!(
        app.get(&game_path, Some(&ada)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&quiz_path, Some(&ada)).await.status(),
        StatusCode::OK
    );
    for (path, code) in [
        (game_path.clone(), "game_not_found"),
        (
            format!("/api/games/{}/report", Uuid::new_v4()),
            "game_not_found",
        ),
        ("/api/games/not-a-uuid/report".to_owned(), "game_not_found"),
        ("/api/games/%00/report".to_owned(), "game_not_found"),
        (quiz_path.clone(), "quiz_not_found"),
        (
            format!("/api/quizzes/{}/report", Uuid::new_v4()),
            "quiz_not_found",
        ),
        ("/api/quizzes/1e100/report".to_owned(), "quiz_not_found"),
        (format!("/api/quizzes/{}/report", game.id), "quiz_not_found"),
    ] {
        let body = assert_error_in(
            app.get(&path, Some(&grace)).await,
            StatusCode::NOT_FOUND,
            code,
            &path,
        )
        .await;
        assert!(!body.to_string().contains("Secret"), "{body}");
    }
    for path in [&game_path, &quiz_path] {
        let res = app.get(path, None).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
        let res = app.get(path, Some("not-a-token")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    // A long or odd id is never a server error.
    for id in ["x".repeat(5000), "..%2F..".into(), "%E2%80%AE".into()] {
        for path in [
            format!("/api/games/{id}/report"),
            format!("/api/quizzes/{id}/report"),
        ] {
            let status = app.get(&path, Some(&ada)).await.status();
            assert!(!status.is_server_error(), "{path}: {status}");
        }
    }
}

/// `value.pipe(f)` = `f(value)`: reads test chains top to bottom.
trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}
