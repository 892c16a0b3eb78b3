//! Quizzes in and out: the Cahoot quiz file round-trips a quiz with its picture, Kahoot!'s spreadsheet
//! template imports with a row-by-row report, bad files change nothing, and a finished game of every kind
//! exports every player's answer as a spreadsheet.

use cahoot_client::GameClient;
use cahoot_protocol::{AnswerValue, ClientMessage, PhaseName, ServerMessage};
use cahoot_testkit::game::{host, join, player, start_game, wait_for_stored_game, wait_phase};
use cahoot_testkit::prelude::*;
use calamine::{Data, Reader, Xlsx};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::io::Cursor;
use std::time::Duration;
use uuid::Uuid;

const KAHOOT_TEMPLATE: &[u8] =
    include_bytes!("../../../cahoot-formats/tests/fixtures/kahoot-template.xlsx");

fn png() -> Vec<u8> {
    let picture = DynamicImage::ImageRgb8(RgbImage::from_fn(40, 30, |x, y| {
        Rgb([(x * 6) as u8, (y * 8) as u8, 128])
    }));
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn post_raw(app: &TestApp, path: &str, token: Option<&str>, body: Vec<u8>) -> Response {
    let mut req = app
        .client
        .post(app.url(path))
        .header(CONTENT_TYPE, "application/octet-stream")
        .body(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("POST")
}

async fn created(response: Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn quiz_count(app: &TestApp, token: &str) -> usize {
    app.get_json("/api/quizzes", Some(token))
        .await
        .as_array()
        .unwrap()
        .len()
}

/// The editable part of a stored quiz.
fn editable(quiz: &Value) -> Value {
    json!({"title": quiz["title"], "questions": quiz["questions"],
           "show_on_devices": quiz["show_on_devices"]})
}

#[tokio::test]
async fn a_quiz_exported_with_its_picture_imports_as_the_same_quiz() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let image = created(post_raw(&app, "/api/images", Some(&token), png()).await).await;
    let id = image["id"].as_str().unwrap();
    let mut quiz = serde_json::to_value(cahoot_game::every_kind_quiz()).unwrap();
    quiz["questions"][0]["image"] = json!(id);
    quiz["questions"][0]["answer_images"] = json!([null, id, null, null]);
    let original = created(app.create_quiz(&token, &quiz).await).await;

    let export = app
        .get(
            &format!("/api/quizzes/{}/export", original["id"].as_str().unwrap()),
            Some(&token),
        )
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    assert!(
        export.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let file = export.bytes().await.unwrap().to_vec();
    let doc: Value = serde_json::from_slice(&file).unwrap();
    assert_eq!(
        (doc["format"].as_str(), doc["version"].as_u64()),
        (Some("cahoot-quiz"), Some(1))
    );
    assert_eq!(
        doc["images"].as_array().unwrap().len(),
        1,
        "the picture is embedded once"
    );

    // Imported by another host: the same quiz, and the picture is theirs now.
    let bob = app.register_and_login("bob").await;
    let imported = created(post_raw(&app, "/api/quizzes/import", Some(&bob), file).await).await;
    assert_eq!(imported["errors"], json!([]));
    assert_eq!(editable(&imported["quiz"]), editable(&original));
    let images = app.get_json("/api/images", Some(&bob)).await;
    assert_eq!(images["images"][0]["id"], json!(id));
    let served = app.get(&format!("/api/images/{id}"), None).await;
    let original_bytes = app.get(image["url"].as_str().unwrap(), None).await;
    assert_eq!(
        served.bytes().await.unwrap(),
        original_bytes.bytes().await.unwrap()
    );
}

#[tokio::test]
async fn the_kahoot_template_imports_its_good_rows_and_reports_the_bad_ones() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let path = "/api/quizzes/import?title=Geography%20quiz.xlsx";
    let imported =
        created(post_raw(&app, path, Some(&token), KAHOOT_TEMPLATE.to_vec()).await).await;
    let quiz = &imported["quiz"];
    assert_eq!(quiz["title"], "Geography quiz");
    let kinds: Vec<&str> = quiz["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 5, "{quiz}");
    assert!(
        kinds.contains(&"multi_select") && kinds.contains(&"true_false"),
        "{kinds:?}"
    );
    let rows: Vec<u64> = imported["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [15, 16]);
    assert_eq!(quiz_count(&app, &token).await, 1);
}

#[tokio::test]
async fn bad_import_files_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let import = "/api/quizzes/import";
    let refused = |body: Vec<u8>, status: StatusCode, code: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let response = post_raw(app, import, Some(&token), body).await;
            assert_error(response, status, code).await
        }
    };
    refused(
        b"{\"format\": \"cahoot-quiz\",".to_vec(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    refused(
        b"\x00\x01garbage".to_vec(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    refused(
        KAHOOT_TEMPLATE[..KAHOOT_TEMPLATE.len() / 2].to_vec(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_import",
    )
    .await;
    let newer = json!({"format": "cahoot-quiz", "version": 99, "quiz": {}, "images": []});
    let body = refused(
        serde_json::to_vec(&newer).unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_import",
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("newer"),
        "{body}"
    );
    let invalid = json!({"format": "cahoot-quiz", "version": 1, "images": [],
        "quiz": {"title": "t", "questions": [{"kind": "slider", "text": "?"}]}});
    refused(
        serde_json::to_vec(&invalid).unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_quiz",
    )
    .await;
    let not_a_picture = json!({"format": "cahoot-quiz", "version": 1,
        "images": [{"id": "a".repeat(64), "content_type": "image/png", "data": "bm90IGEgcGljdHVyZQ=="}],
        "quiz": {"title": "t", "questions": [{"text": "?", "answers": ["a", "b"], "image": "a".repeat(64)}]}});
    refused(
        serde_json::to_vec(&not_a_picture).unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_image",
    )
    .await;
    refused(
        vec![b' '; 17 * 1024 * 1024],
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    let anonymous = post_raw(&app, import, None, KAHOOT_TEMPLATE.to_vec()).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(quiz_count(&app, &token).await, 0, "nothing was stored");
    assert_eq!(
        app.get_json("/api/images", Some(&token)).await["images"],
        json!([])
    );
}

/// Waits for the question `index` to be open and returns its shown options or items.
async fn open_question(c: &mut GameClient, index: u32) -> Vec<String> {
    let view = c
        .wait_state(Duration::from_secs(10), "question", |v| {
            v.phase == PhaseName::Question && v.question.as_ref().is_some_and(|q| q.index == index)
        })
        .await
        .unwrap();
    view.question.unwrap().answers
}

async fn answer(c: &mut GameClient, id: &str, q: u32, value: AnswerValue) {
    let reply = c.answer_with(id, q, value).await.unwrap();
    assert!(
        matches!(reply, ServerMessage::AnswerAck { .. }),
        "{id}: {reply:?}"
    );
}

fn cell(sheet: &calamine::Range<Data>, row: u32, col: u32) -> String {
    sheet
        .get_value((row, col))
        .map(ToString::to_string)
        .unwrap_or_default()
}

#[tokio::test]
async fn a_game_of_every_kind_is_scored_tallied_and_exported_as_a_spreadsheet() {
    use AnswerValue::*;
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz: Uuid = app
        .create_quiz_id(
            &token,
            &serde_json::to_value(cahoot_game::every_kind_quiz()).unwrap(),
        )
        .await;
    let game = start_game(&app, &token, quiz).await;
    let (_, t1) = join(&app, &game.pin, "Ann").await;
    let (_, t2) = join(&app, &game.pin, "Ben").await;
    let mut h = host(&app, &token, &game).await;
    let mut ann = player(&app, &t1).await;
    let mut ben = player(&app, &t2).await;
    h.send(&ClientMessage::Start).await.unwrap();
    let kinds = 9;
    for q in 0..kinds {
        let shown = open_question(&mut ann, q).await;
        open_question(&mut ben, q).await;
        // Ann answers right, Ben wrong or partly right (the puzzle: two items swapped).
        let puzzle = |swap: bool| {
            let mut order: Vec<u32> = ["Atom", "Cell", "Mouse", "Elephant"]
                .iter()
                .map(|c| shown.iter().position(|s| s == c).unwrap() as u32)
                .collect();
            if swap {
                order.swap(0, 1);
            }
            Order(order)
        };
        let plays = match q {
            0 => Some((Choice(2), Choice(0))),
            1 => Some((Choice(0), Choice(1))),
            2 => Some((Choices(vec![2, 0]), Choices(vec![0, 1]))),
            3 => Some((Text("berne".into()), Text("Zürich".into()))),
            4 => Some((Number(1970.0), Number(1950.0))),
            5 => Some((puzzle(false), puzzle(true))),
            6 => Some((Choice(1), Choice(1))),
            7 => Some((Text("Fun".into()), Text("fun ".into()))),
            _ => None,
        };
        match plays {
            Some((a, b)) => {
                // A wrong shape first: refused, nothing recorded, the real answer still accepted.
                let wrong = ann
                    .answer_with(&format!("x{q}"), q, Number(f64::from(q) + 0.5))
                    .await
                    .unwrap();
                assert!(
                    matches!(&wrong, ServerMessage::Error { code, .. } if code == "invalid_answer" || code == "invalid_choice"),
                    "q{q}: {wrong:?}"
                );
                answer(&mut ann, &format!("a{q}"), q, a).await;
                answer(&mut ben, &format!("b{q}"), q, b).await;
            }
            None => h
                .send(&ClientMessage::Skip {
                    question_index: Some(q),
                })
                .await
                .unwrap(),
        }
        let reveal = h
            .wait_state(Duration::from_secs(10), "reveal", |v| {
                v.phase == PhaseName::Reveal
            })
            .await
            .unwrap();
        let tally = reveal.reveal.unwrap().tally;
        match q {
            2 => assert_eq!(tally.counts, [2, 1, 1, 0]),
            3 => {
                // Every accepted answer is listed; Ann's "berne" counts for "Berne".
                assert!(
                    tally
                        .texts
                        .iter()
                        .any(|t| t.correct && t.text == "Berne" && t.count == 1),
                    "{tally:?}"
                );
                assert!(
                    tally
                        .texts
                        .iter()
                        .any(|t| t.text == "Zürich" && !t.correct && t.count == 1),
                    "{tally:?}"
                );
            }
            4 => {
                assert_eq!(tally.histogram.iter().sum::<u32>(), 2);
                assert_eq!(tally.average, Some(1960.0));
            }
            5 => assert_eq!(tally.counts.iter().sum::<u32>(), 4 + 2),
            7 => assert_eq!(
                (tally.texts[0].text.to_lowercase(), tally.texts[0].count),
                ("fun".into(), 2)
            ),
            _ => {}
        }
        if q + 1 < kinds {
            h.send(&ClientMessage::Next).await.unwrap();
            wait_phase(&mut h, PhaseName::Leaderboard).await;
            h.send(&ClientMessage::Next).await.unwrap();
        }
    }
    h.send(&ClientMessage::End).await.unwrap();
    wait_phase(&mut h, PhaseName::Podium).await;
    let stored = wait_for_stored_game(&app, &token, game.id.parse().unwrap()).await;
    let players = stored["players"].as_array().unwrap();
    assert_eq!(players[0]["nickname"], "Ann");
    // Ann: six judged answers in a row, each at once: 1000 + the streak bonus 0, 100, … 500.
    assert_eq!(players[0]["score"], 6000 + 1500);
    assert_eq!(players[0]["correct_count"], 6);
    let questions = stored["questions"].as_array().unwrap();
    assert_eq!(questions.len(), kinds as usize);
    assert_eq!(questions[4]["slider"]["correct"], 1969.0);
    for q in &questions[..8] {
        assert_eq!(q["player_answers"].as_array().unwrap().len(), 2, "{q}");
    }

    let xlsx = app
        .get(
            &format!("/api/games/{}/results.xlsx", game.id),
            Some(&token),
        )
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(
        xlsx.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    assert_eq!(names.len(), 1 + kinds as usize, "{names:?}");
    let q1 = book.worksheet_range("Q1").unwrap();
    let q4 = book.worksheet_range("Q4").unwrap();
    let rows = |sheet: &calamine::Range<Data>| {
        (0..sheet.height() as u32)
            .map(|r| (0..5).map(|c| cell(sheet, r, c)).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    let q1 = rows(&q1);
    assert!(
        q1.iter()
            .any(|r| r[0] == "Ann" && r[1] == "Jupiter" && r[4] == "1000"),
        "{q1:?}"
    );
    assert!(
        q1.iter()
            .any(|r| r[0] == "Ben" && r[1] == "Saturn" && r[4] == "0"),
        "{q1:?}"
    );
    let q4 = rows(&q4);
    assert!(
        q4.iter().any(|r| r[0] == "Ann" && r[1] == "berne"),
        "{q4:?}"
    );
    let csv = app
        .get(&format!("/api/games/{}/results.csv", game.id), Some(&token))
        .await;
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("1,Ann,7500,6"), "{csv}");
}
