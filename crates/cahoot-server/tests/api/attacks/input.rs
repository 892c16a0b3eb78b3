//! Hostile input (ASVS V1/V2 encoding and validation, V4 API and WebSocket): oversized bodies and frames,
//! floods, PIN guessing, foreign WebSocket origins, markup and formulas stored as inert text.

use super::*;
use cahoot_testkit::prelude::*;
use futures_util::{SinkExt, StreamExt};
use reqwest::Client;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Sends `size` bytes of JSON whitespace with `Transfer-Encoding: chunked`; returns the status code.
async fn chunked_request(app: &TestApp, method: &str, url: &str, token: &str, size: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let path = url.strip_prefix(&app.base).unwrap();
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("400\r\n{}\r\n", " ".repeat(1024));
    for _ in 0..size / 1024 {
        // The server may answer and close before the whole body is sent.
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn every_endpoint_that_takes_a_body_refuses_one_over_the_limit_with_413() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let quiz = app.create_sample_quiz(&token).await;
    let doc = app.get_json("/api/openapi.json", None).await;
    let big = json!({ "title": "x".repeat(80 * 1024), "username": "y".repeat(80 * 1024) });
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("requestBody").is_none() {
                continue;
            }
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = app.url(&path.replace("{id}", &quiz.to_string()));
            // Image uploads take raw bytes under their own, larger limit (`max_image_bytes`).
            let (body, code, size) = if path == "/api/images" {
                let limit = app.config.max_image_bytes;
                (vec![b' '; limit + 1], "image_too_large", limit + 100 * 1024)
            } else if path == "/api/quizzes/import" {
                // Imported quiz files carry their pictures: their own limit too.
                let limit = cahoot_server::transfer::MAX_IMPORT_BYTES;
                (
                    vec![b' '; limit + 1],
                    "payload_too_large",
                    limit + 100 * 1024,
                )
            } else {
                (
                    serde_json::to_vec(&big).unwrap(),
                    "payload_too_large",
                    100 * 1024,
                )
            };
            let response = Client::new()
                .request(method.clone(), &url)
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_error_in(
                response,
                StatusCode::PAYLOAD_TOO_LARGE,
                code,
                &format!("{method} {path}"),
            )
            .await;
            // The same without a Content-Length (chunked): still refused, not buffered without bound.
            let status = chunked_request(&app, method.as_str(), &url, &token, size).await;
            assert_eq!(status, 413, "{method} {path} chunked");
            checked += 1;
        }
    }
    assert!(checked >= 7, "only {checked} operations take a body");
}

#[tokio::test]
async fn an_oversized_websocket_frame_closes_the_socket_before_and_after_hello() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    assert_closed_without_welcome(&app, &"x".repeat(5 * 1024)).await;
    assert_closed_without_welcome(&app, &"x".repeat(1024 * 1024)).await;
    let (_, pt) = join(&app, &game.pin, "Ann").await;
    let mut p = player(&app, &pt).await;
    // Just under the limit is a normal (refused) message; over it ends the connection.
    let under = format!(r#"{{"type":"kick","player_id":"{}"}}"#, "x".repeat(4000));
    p.send_text(&under).await.unwrap();
    assert_eq!(next_error_code(&mut p).await, "not_host");
    let _ = p.send_text(&"y".repeat(64 * 1024)).await;
    let end = loop {
        match p.next(WAIT).await {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert!(
        !matches!(end, cahoot_client::ClientError::Timeout(_)),
        "the socket stayed open"
    );
    // The game is unaffected: Ann can come straight back.
    player(&app, &pt).await;
}

#[tokio::test]
async fn binary_and_control_frames_do_not_crash_or_authenticate_a_socket() {
    let app = spawn_app().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url(&app))
        .await
        .unwrap();
    ws.send(Message::binary(vec![0u8, 159, 146, 150]))
        .await
        .unwrap();
    let reply = tokio::time::timeout(WAIT, ws.next()).await.unwrap();
    match reply {
        Some(Ok(Message::Text(text))) => assert!(text.contains("bad_message"), "{text}"),
        other => panic!("expected an error frame, got {other:?}"),
    }
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}

/// Upgrades `/ws` with the given `Origin` (and `Host`) and returns the HTTP status.
async fn upgrade_status(app: &TestApp, origin: Option<&str>, host: Option<&str>) -> u16 {
    let mut request = ws_url(app).into_client_request().unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    if let Some(host) = host {
        request.headers_mut().insert("host", host.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("upgrade failed: {e}"),
    }
}

#[tokio::test]
async fn websocket_upgrades_from_a_foreign_origin_are_refused_and_our_own_origin_is_accepted() {
    let app = spawn_app().await;
    let own = app.base.clone();
    let host = app.addr.to_string();
    assert_eq!(upgrade_status(&app, Some(&own), None).await, 101);
    assert_eq!(
        upgrade_status(&app, None, None).await,
        101,
        "non-browser clients send none"
    );
    // The LAN case: the page and the socket share a made-up host name.
    assert_eq!(
        upgrade_status(
            &app,
            Some("http://classroom.test:8080"),
            Some("classroom.test:8080")
        )
        .await,
        101
    );
    let port = app.addr.port();
    for origin in [
        "http://evil.test".to_owned(),
        format!("http://evil.test:{port}"),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
        format!("http://{host}.evil.test"),
        format!("http://evil.test/{host}"),
        "null".to_owned(),
        "file://".to_owned(),
    ] {
        let status = upgrade_status(&app, Some(&origin), None).await;
        assert_eq!(status, 403, "origin {origin}");
    }
    let refused = Client::new()
        .get(app.url("/ws"))
        .header("origin", "http://evil.test")
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_error(refused, StatusCode::FORBIDDEN, "origin_rejected").await;
}

#[tokio::test]
async fn with_a_configured_public_origin_only_that_origin_may_open_a_socket() {
    let app = spawn_app_with(|c| c.public_origin = Some("https://quiz.example.org/".into())).await;
    assert_eq!(
        upgrade_status(&app, Some("https://quiz.example.org"), None).await,
        101
    );
    // A DNS-rebinding page: its Host and Origin agree with each other, but it is not our site.
    assert_eq!(
        upgrade_status(&app, Some("http://evil.test:8080"), Some("evil.test:8080")).await,
        403
    );
    assert_eq!(upgrade_status(&app, Some(&app.base), None).await, 403);
    assert_eq!(
        upgrade_status(&app, Some("http://quiz.example.org"), None).await,
        403
    );
}

#[tokio::test]
async fn pin_guessing_is_throttled_per_address_even_for_the_right_pin() {
    let app = spawn_app_with(|c| c.trust_proxy = true).await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let join_from = |address: &'static str, pin: String, nickname: String| {
        let url = app.url("/api/play/join");
        async move {
            Client::new()
                .post(url)
                .header("x-forwarded-for", address)
                .json(&json!({"pin": pin, "nickname": nickname}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let wrong = |i: u32| {
        let pin = format!("{}", 100_000 + (i * 7919) % 900_000);
        if pin == game.pin {
            "000000".to_owned()
        } else {
            pin
        }
    };
    let mut limited_after = None;
    for i in 0..100 {
        let status = join_from("198.51.100.1", wrong(i), format!("g{i}")).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited_after = Some(i);
            break;
        }
    }
    let limited_after = limited_after.expect("PIN guessing was never throttled");
    assert!(
        limited_after <= 30,
        "{limited_after} guesses allowed in a minute"
    );
    // Now even the right PIN is refused from that address…
    assert_eq!(
        join_from("198.51.100.1", game.pin.clone(), "Real".into()).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // …while a pupil at another address joins normally.
    assert_eq!(
        join_from("198.51.100.2", game.pin.clone(), "Pupil".into()).await,
        StatusCode::OK
    );
}

/// Round trips of a resent, already accepted answer (the server acks it again each time), paced under
/// the per-socket rate limit.
async fn ack_round_trips(c: &mut GameClient, n: usize) -> Vec<Duration> {
    let mut pace = tokio::time::interval(Duration::from_millis(120));
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        pace.tick().await;
        let start = std::time::Instant::now();
        let reply = c.answer("calm-0", 0, 1).await.unwrap();
        out.push(start.elapsed());
        assert!(
            matches!(reply, ServerMessage::AnswerAck { .. }),
            "{reply:?}"
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_client_is_cut_off_without_slowing_another_players_answer_acks() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = app.create_sample_quiz(&token).await;
    let game = start_game(&app, &token, quiz).await;
    let (_, calm_token) = join(&app, &game.pin, "Calm").await;
    let (_, spam_token) = join(&app, &game.pin, "Spam").await;
    let mut h = host(&app, &token, &game).await;
    let mut calm = player(&app, &calm_token).await;
    h.send(&ClientMessage::Start).await.unwrap();
    wait_phase(&mut calm, PhaseName::Question).await;
    assert!(matches!(
        calm.answer("calm-0", 0, 1).await.unwrap(),
        ServerMessage::AnswerAck { .. }
    ));

    let mut baseline = ack_round_trips(&mut calm, 15).await;

    // Two flooders (same player token, as many tabs as they like) reconnect as soon as they are cut off.
    let stop = Arc::new(AtomicBool::new(false));
    let disconnects = Arc::new(AtomicU32::new(0));
    let limited = Arc::new(AtomicU32::new(0));
    let cut_off = Arc::new(tokio::sync::Notify::new());
    let mut flooders = Vec::new();
    for _ in 0..2 {
        let (url, token) = (ws_url(&app), spam_token.clone());
        let (stop, disconnects, limited) = (stop.clone(), disconnects.clone(), limited.clone());
        let cut_off = cut_off.clone();
        flooders.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let Ok((ws, _)) = tokio_tungstenite::connect_async(&url).await else {
                    continue;
                };
                let (mut tx, mut rx) = ws.split();
                if tx.send(Message::text(hello(&token, None))).await.is_err() {
                    continue;
                }
                let frame = r#"{"type":"answer","answer_id":"spam","question_index":0,"answer":{"choice":0}}"#;
                let reader = async {
                    while let Some(Ok(msg)) = rx.next().await {
                        if let Message::Text(t) = msg
                            && t.contains("rate_limited")
                        {
                            limited.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                };
                let writer = async {
                    while !stop.load(Ordering::Relaxed) {
                        if tx.send(Message::text(frame)).await.is_err() {
                            break;
                        }
                    }
                    std::future::pending::<()>().await;
                };
                tokio::select! {
                    () = reader => {
                        disconnects.fetch_add(1, Ordering::Relaxed);
                        cut_off.notify_one();
                    }
                    () = writer => {}
                }
            }
        }));
    }
    // Measure while the flood is certainly going on.
    tokio::time::timeout(WAIT, cut_off.notified())
        .await
        .expect("the flooder was never disconnected");
    let mut under_flood = ack_round_trips(&mut calm, 15).await;
    stop.store(true, Ordering::Relaxed);
    for f in flooders {
        f.abort();
    }
    let (b, f) = (median(&mut baseline), median(&mut under_flood));
    eprintln!(
        "median ack {b:?} without, {f:?} with a flood; {} disconnects",
        disconnects.load(Ordering::Relaxed)
    );
    assert!(
        limited.load(Ordering::Relaxed) > 0,
        "the flood was never rate limited"
    );
    assert!(
        disconnects.load(Ordering::Relaxed) >= 2,
        "flooders kept their sockets"
    );
    // Generous: on two shared cores the flood (and its client, in this process) costs CPU and acks take
    // a few milliseconds instead of one; what must not happen is an ack queued behind the flood.
    let allowed = b.max(Duration::from_millis(5)) * 10;
    assert!(
        f <= allowed,
        "median ack {b:?} without and {f:?} with a flood"
    );
    // The calm player was never limited or cut off and her one answer still counts once.
    assert!(matches!(
        calm.answer("calm-0", 0, 1).await.unwrap(),
        ServerMessage::AnswerAck { .. }
    ));
}

#[tokio::test]
async fn markup_and_formulas_are_stored_and_returned_verbatim_as_inert_json_and_csv() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let payload = r#"<img src=x onerror=alert(1)><script>alert(2)</script>"#;
    let mut quiz = sample_quiz_json();
    quiz["title"] = json!(payload);
    quiz["questions"][0]["text"] = json!(format!("{payload} ' OR 1=1 --"));
    quiz["questions"][0]["answers"][0] = json!("\"><svg onload=alert(3)>");
    let response = app.create_quiz(&token, &quiz).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["title"], payload);
    assert_eq!(
        stored["questions"][0]["answers"][0],
        "\"><svg onload=alert(3)>"
    );

    // A nickname that a spreadsheet would run as a formula is defused in the CSV export.
    let quiz_id: Uuid = stored["id"].as_str().unwrap().parse().unwrap();
    let game = start_game(&app, &token, quiz_id).await;
    let (_, pt) = join(&app, &game.pin, "=HYPERLINK(\"x\")").await;
    let mut h = host(&app, &token, &game).await;
    let mut p = player(&app, &pt).await;
    h.send(&ClientMessage::Start).await.unwrap();
    wait_phase(&mut p, PhaseName::Question).await;
    h.send(&ClientMessage::End).await.unwrap();
    wait_phase(&mut h, PhaseName::Podium).await;
    let id = game.id;
    let deadline = tokio::time::Instant::now() + WAIT;
    let csv = loop {
        let r = app
            .get(&format!("/api/games/{id}/results.csv"), Some(&token))
            .await;
        if r.status() == StatusCode::OK {
            assert_eq!(r.headers()["x-content-type-options"], "nosniff");
            assert!(
                r.headers()["content-disposition"]
                    .to_str()
                    .unwrap()
                    .starts_with("attachment")
            );
            break r.text().await.unwrap();
        }
        assert!(tokio::time::Instant::now() < deadline, "results not stored");
        // storing runs in the background after the podium; poll like a client would
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(!csv.contains(",=HYPERLINK"), "{csv}");
}

/// Every kind of question against a table of wrong answer shapes, sent as raw frames: each is refused with
/// a clear code, nothing is recorded (the host's count stays 0, the player can still answer), and a resend of
/// the accepted answer with its id is acknowledged with the stored answer while a second answer is refused.
#[tokio::test]
async fn every_kind_refuses_wrong_answer_shapes_and_records_nothing() {
    let app = spawn_app().await;
    let token = app.register_and_login("teacher").await;
    let quiz = serde_json::to_value(cahoot_game::every_kind_quiz()).unwrap();
    let quiz = app.create_quiz_id(&token, &quiz).await;
    let game = start_game(&app, &token, quiz).await;
    // One player per question, so the refusals stay under the per-socket message rate limit.
    let mut h = host(&app, &token, &game).await;
    let mut players = Vec::new();
    for i in 0..9 {
        let (_, pt) = join(&app, &game.pin, &format!("P{i}")).await;
        players.push(player(&app, &pt).await);
    }
    h.send(&ClientMessage::Start).await.unwrap();
    let common = [
        json!(null),
        json!(1),
        json!("Jupiter"),
        json!({}),
        json!({"choice": 0, "text": "x"}),
        json!({"colour": "red"}),
    ];
    // (question, wrong shapes specific to its kind, a right answer or none)
    let cases = [
        (
            0,
            vec![
                json!({"choice": 4}),
                json!({"choice": -1}),
                json!({"choices": [2]}),
                json!({"text": "Jupiter"}),
            ],
            Some(json!({"choice": 2})),
        ),
        (
            1,
            vec![json!({"choice": 2}), json!({"number": 0})],
            Some(json!({"choice": 0})),
        ),
        (
            2,
            vec![
                json!({"choices": []}),
                json!({"choices": [0, 0]}),
                json!({"choices": [9]}),
                json!({"choice": 0}),
            ],
            Some(json!({"choices": [2, 0]})),
        ),
        (
            3,
            vec![
                json!({"text": ""}),
                json!({"text": "   "}),
                json!({"text": "x".repeat(21)}),
                json!({"text": "Bern\u{0007}"}),
                json!({"choice": 0}),
            ],
            Some(json!({"text": "Bern"})),
        ),
        (
            4,
            vec![
                json!({"number": 1899}),
                json!({"number": 2001}),
                json!({"number": 1969.5}),
                json!({"number": "1969"}),
                json!({"text": "1969"}),
            ],
            Some(json!({"number": 1969})),
        ),
        (
            5,
            vec![
                json!({"order": [0, 1, 2]}),
                json!({"order": [0, 0, 1, 2]}),
                json!({"order": [0, 1, 2, 4]}),
                json!({"order": [0, 1, 2, 3, 3]}),
                json!({"choices": [0, 1, 2, 3]}),
            ],
            None,
        ),
        (
            6,
            vec![json!({"choice": 3}), json!({"choices": [0]})],
            Some(json!({"choice": 1})),
        ),
        (
            7,
            vec![
                json!({"text": ""}),
                json!({"text": "y".repeat(21)}),
                json!({"choice": 0}),
            ],
            Some(json!({"text": "fun"})),
        ),
        (8, vec![json!({"choice": 0}), json!({"text": "hi"})], None),
    ];
    for (q, wrong, right) in cases {
        let ann = &mut players[q as usize];
        let view = ann
            .wait_state(Duration::from_secs(10), "question", |v| {
                v.phase == PhaseName::Question && v.question.as_ref().is_some_and(|x| x.index == q)
            })
            .await
            .unwrap();
        for (i, shape) in common.iter().chain(&wrong).enumerate() {
            let frame = json!({"type": "answer", "answer_id": format!("w{q}-{i}"), "question_index": q, "answer": shape});
            ann.send_text(&frame.to_string()).await.unwrap();
            let reply = ann
                .wait_for(Duration::from_secs(10), "refusal", |m| {
                    matches!(
                        m,
                        ServerMessage::AnswerAck { .. } | ServerMessage::Error { .. }
                    )
                })
                .await
                .unwrap();
            assert!(
                matches!(&reply, ServerMessage::Error { code, message }
                    if ["invalid_answer", "invalid_choice", "bad_message"].contains(&code.as_str()) && !message.is_empty()),
                "q{q} {shape}: {reply:?}"
            );
        }
        // The puzzle's right order depends on this game's shuffle: put the shown items back in order.
        let right = right.or_else(|| {
            (q == 5).then(|| {
                let shown = view.question.as_ref().unwrap().answers.clone();
                let order: Vec<usize> = ["Atom", "Cell", "Mouse", "Elephant"]
                    .iter()
                    .map(|c| shown.iter().position(|s| s == c).unwrap())
                    .collect();
                json!({"order": order})
            })
        });
        let Some(right) = right else {
            // The slide: nothing was recorded, the host moves on.
            h.send(&ClientMessage::Skip {
                question_index: Some(q),
            })
            .await
            .unwrap();
            let reveal = wait_phase(&mut h, PhaseName::Reveal).await;
            assert_eq!(reveal.reveal.unwrap().tally.answered, 0);
            break;
        };
        let value: cahoot_protocol::AnswerValue = serde_json::from_value(right).unwrap();
        let ack = ann
            .answer_with(&format!("a{q}"), q, value.clone())
            .await
            .unwrap();
        // Acknowledged as stored: picks sorted.
        let stored = match value.clone() {
            cahoot_protocol::AnswerValue::Choices(mut picks) => {
                picks.sort_unstable();
                cahoot_protocol::AnswerValue::Choices(picks)
            }
            other => other,
        };
        assert!(
            matches!(&ack, ServerMessage::AnswerAck { answer, .. } if *answer == stored),
            "q{q}: {ack:?}"
        );
        let again = ann
            .answer_with(&format!("a{q}"), q, value.clone())
            .await
            .unwrap();
        assert!(
            matches!(&again, ServerMessage::AnswerAck { .. }),
            "resend q{q}: {again:?}"
        );
        let second = ann.answer_with(&format!("b{q}"), q, value).await.unwrap();
        assert!(
            matches!(&second, ServerMessage::Error { code, .. } if code == "already_answered"),
            "q{q}: {second:?}"
        );
        // Nobody else answers: close it, and the reveal counts exactly the one accepted answer.
        h.send(&ClientMessage::Skip {
            question_index: Some(q),
        })
        .await
        .unwrap();
        let reveal = wait_phase(&mut h, PhaseName::Reveal).await;
        assert_eq!(reveal.reveal.unwrap().tally.answered, 1, "q{q}");
        // Straight to the next question (two host messages per question keep the host under the rate limit).
        h.send(&ClientMessage::Skip {
            question_index: None,
        })
        .await
        .unwrap();
    }
}
