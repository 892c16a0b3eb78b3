use cahoot_server::durable::{FinishedGame, PlayerResult, QuestionStats};
use cahoot_testkit::prelude::*;
use reqwest::StatusCode;
use time::OffsetDateTime;
use uuid::Uuid;

/// Stores a finished game for the host behind `token`, the way the play module does at the podium.
async fn finished_game(app: &TestApp, token: &str, nicknames: &[&str]) -> FinishedGame {
    let owner_id = app.user_id(token).await;
    let quiz_id = app.create_sample_quiz(token).await;
    let finished_at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let game = FinishedGame {
        id: Uuid::new_v4(),
        owner_id,
        quiz_id,
        quiz_title: "Sample quiz: world trivia".into(),
        pin: "123456".into(),
        started_at: finished_at - time::Duration::minutes(10),
        finished_at,
        questions: vec![QuestionStats {
            index: 0,
            text: "What is the capital of Australia?".into(),
            answers: vec!["Sydney".into(), "Canberra".into()],
            correct: 1,
            counts: vec![1, u32::try_from(nicknames.len()).unwrap() - 1],
            answered: u32::try_from(nicknames.len()).unwrap(),
            correct_count: u32::try_from(nicknames.len()).unwrap() - 1,
            ..Default::default()
        }],
        players: nicknames
            .iter()
            .enumerate()
            .map(|(i, nick)| PlayerResult {
                player_id: format!("p{i}"),
                nickname: (*nick).into(),
                rank: u32::try_from(i).unwrap() + 1,
                score: 3000 - 1000 * u64::try_from(i).unwrap(),
                correct_count: 3 - u32::try_from(i).unwrap(),
                pupil_id: None,
            })
            .collect(),
    };
    assert!(app.state.durable.save_finished_game(&game).await.unwrap());
    game
}

#[tokio::test]
async fn a_host_lists_only_their_own_finished_games() {
    let app = spawn_app().await;
    let ada = app.register_and_login("ada").await;
    let grace = app.register_and_login("grace").await;
    let game = finished_game(&app, &ada, &["Alan", "Barbara"]).await;
    let list = app.get_json("/api/games", Some(&ada)).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], game.id.to_string());
    assert_eq!(list[0]["quiz_title"], "Sample quiz: world trivia");
    assert_eq!(list[0]["player_count"], 2);
    assert_eq!(list[0]["finished_at"], "2027-01-15T08:00:00Z");
    let other = app.get_json("/api/games", Some(&grace)).await;
    assert_eq!(other, serde_json::json!([]));
}

#[tokio::test]
async fn a_finished_games_results_have_standings_and_question_statistics() {
    let app = spawn_app().await;
    let ada = app.register_and_login("ada").await;
    let game = finished_game(&app, &ada, &["Alan", "Barbara", "Claude"]).await;
    let response = app
        .get(&format!("/api/games/{}", game.id), Some(&ada))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: FinishedGame = response.json().await.unwrap();
    assert_eq!(body, game);
}

#[tokio::test]
async fn results_csv_is_escaped_and_defuses_formulas() {
    let app = spawn_app().await;
    let ada = app.register_and_login("ada").await;
    let game = finished_game(&app, &ada, &["=HYPERLINK(\"x\")", "Lovelace, Ada", "@boss"]).await;
    let response = app
        .get(&format!("/api/games/{}/results.csv", game.id), Some(&ada))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let csv = response.text().await.unwrap();
    assert_eq!(
        csv,
        "rank,nickname,score,correct_answers\r\n\
         1,\"'=HYPERLINK(\"\"x\"\")\",3000,3\r\n\
         2,\"Lovelace, Ada\",2000,2\r\n\
         3,'@boss,1000,1\r\n"
    );
}

#[tokio::test]
async fn another_hosts_game_is_not_found() {
    let app = spawn_app().await;
    let ada = app.register_and_login("ada").await;
    let grace = app.register_and_login("grace").await;
    let game = finished_game(&app, &ada, &["Alan"]).await;
    for path in [
        format!("/api/games/{}", game.id),
        format!("/api/games/{}/results.csv", game.id),
        "/api/games/not-a-uuid".to_owned(),
    ] {
        assert_error(
            app.get(&path, Some(&grace)).await,
            StatusCode::NOT_FOUND,
            "game_not_found",
        )
        .await;
    }
}
