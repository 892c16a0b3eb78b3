use cahoot_testkit::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn created(app: &TestApp, token: &str, quiz: &Value) -> Value {
    let response = app.create_quiz(token, quiz).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_host_creates_lists_reads_and_deletes_a_quiz() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let quiz = created(&app, &token, &sample_quiz_json()).await;
    let id = quiz["id"].as_str().unwrap();
    assert_eq!(quiz["title"], "Sample quiz: world trivia");
    assert_eq!(quiz["questions"].as_array().unwrap().len(), 4);

    let list = app.get_json("/api/quizzes", Some(&token)).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["question_count"], 4);
    assert_eq!(list[0]["updated_at"], quiz["updated_at"]);

    let read = app
        .get_json(&format!("/api/quizzes/{id}"), Some(&token))
        .await;
    assert_eq!(read, quiz);

    let deleted = app.delete(&format!("/api/quizzes/{id}"), &token).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_error(
        app.get(&format!("/api/quizzes/{id}"), Some(&token)).await,
        StatusCode::NOT_FOUND,
        "quiz_not_found",
    )
    .await;
    let list = app.get_json("/api/quizzes", Some(&token)).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn an_invalid_quiz_is_rejected_naming_the_field() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let mut quiz = sample_quiz_json();
    quiz["questions"][1]["time_limit_secs"] = json!(999);
    quiz["questions"][2]["answers"] = json!(["only one"]);
    let body = assert_error(
        app.create_quiz(&token, &quiz).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_quiz",
    )
    .await;
    assert_eq!(body["field"], "questions[1].time_limit_secs");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("questions[1].time_limit_secs"),
        "{message}"
    );
    assert!(message.contains("questions[2].answers"), "{message}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"questions[2].answers"), "{fields:?}");

    let empty = assert_error(
        app.create_quiz(&token, &json!({"title": " ", "questions": []}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_quiz",
    )
    .await;
    assert_eq!(empty["field"], "title");
}

#[tokio::test]
async fn replacing_a_quiz_reorders_its_questions() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let quiz = created(&app, &token, &sample_quiz_json()).await;
    let id = quiz["id"].as_str().unwrap();
    let mut questions = quiz["questions"].as_array().unwrap().clone();
    questions.reverse();
    let response = app
        .put(
            &format!("/api/quizzes/{id}"),
            &token,
            &json!({"title": "  Reversed  ", "questions": questions}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let replaced: Value = response.json().await.unwrap();
    assert_eq!(replaced["title"], "Reversed");
    assert_eq!(replaced["questions"], json!(questions));
    assert_eq!(replaced["created_at"], quiz["created_at"]);
    let read = app
        .get_json(&format!("/api/quizzes/{id}"), Some(&token))
        .await;
    assert_eq!(read, replaced);

    let mut bad = read.clone();
    bad["questions"][0]["correct"] = json!(7);
    assert_error(
        app.put(&format!("/api/quizzes/{id}"), &token, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_quiz",
    )
    .await;
}

#[tokio::test]
async fn duplicating_a_quiz_copies_it_under_a_suffixed_title() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let quiz = created(&app, &token, &sample_quiz_json()).await;
    let id = quiz["id"].as_str().unwrap();
    let response = app
        .post(
            &format!("/api/quizzes/{id}/duplicate"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let copy: Value = response.json().await.unwrap();
    assert_ne!(copy["id"], quiz["id"]);
    assert_eq!(copy["title"], "Sample quiz: world trivia (copy)");
    assert_eq!(copy["questions"], quiz["questions"]);
    let list = app.get_json("/api/quizzes", Some(&token)).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn another_hosts_quiz_is_not_found() {
    let app = spawn_app().await;
    let ada = app.register_and_login("ada").await;
    let grace = app.register_and_login("grace").await;
    let id = app.create_sample_quiz(&ada).await;
    let path = format!("/api/quizzes/{id}");
    assert_error(
        app.get(&path, Some(&grace)).await,
        StatusCode::NOT_FOUND,
        "quiz_not_found",
    )
    .await;
    assert_error(
        app.put(&path, &grace, &sample_quiz_json()).await,
        StatusCode::NOT_FOUND,
        "quiz_not_found",
    )
    .await;
    assert_error(
        app.post(&format!("{path}/duplicate"), Some(&grace), &json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "quiz_not_found",
    )
    .await;
    assert_error(
        app.delete(&path, &grace).await,
        StatusCode::NOT_FOUND,
        "quiz_not_found",
    )
    .await;
    let list = app.get_json("/api/quizzes", Some(&grace)).await;
    assert_eq!(list, json!([]));
    // still there for its owner
    assert_eq!(app.get(&path, Some(&ada)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_malformed_quiz_id_is_a_json_not_found() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    for path in [
        "/api/quizzes/not-a-uuid",
        "/api/quizzes/%00",
        "/api/quizzes/123/duplicate",
    ] {
        let response = if path.ends_with("duplicate") {
            app.post(path, Some(&token), &json!({})).await
        } else {
            app.get(path, Some(&token)).await
        };
        assert_error(response, StatusCode::NOT_FOUND, "quiz_not_found").await;
    }
}

#[tokio::test]
async fn the_sample_quiz_is_ready_to_play() {
    let app = spawn_app().await;
    let token = app.register_and_login("ada").await;
    let id = app.create_sample_quiz(&token).await;
    let quiz = app
        .get_json(&format!("/api/quizzes/{id}"), Some(&token))
        .await;
    assert!(quiz["questions"].as_array().unwrap().len() >= 3);
    assert_eq!(quiz["questions"][1]["kind"], "true_false");
}

#[tokio::test]
async fn quizzes_need_a_signed_in_host() {
    let app = spawn_app().await;
    assert_error(
        app.get("/api/quizzes", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_error(
        app.post("/api/quizzes", None, &sample_quiz_json()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}
