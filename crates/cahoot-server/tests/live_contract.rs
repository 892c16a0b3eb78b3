//! The live-store contract: one suite, run against every `LiveStore` implementation.
//! Adding a backend = one more `live_contract!` line at the bottom.

use cahoot_game::{Command, Context, GamePin, GameState, Nickname, apply, sample_quiz};
use cahoot_server::live::{GameMeta, LiveError, LiveMessage, LiveStore};
use cahoot_testkit::stores::RedisServer;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

const T0: u64 = 1_700_000_000_000;

fn meta(id: &str, pin: u32) -> GameMeta {
    GameMeta {
        id: id.to_owned(),
        pin: GamePin::from_random(pin),
        owner_id: "owner".into(),
        quiz_id: "quiz".into(),
        quiz: sample_quiz(),
        created_at_ms: T0,
    }
}

fn nick(s: &str) -> Nickname {
    Nickname::parse(s).unwrap()
}

/// Applies a command through the store's CAS the way the engine does.
async fn step(live: &dyn LiveStore, game: &str, cmd: Command, now_ms: u64) -> GameState {
    let current = live.state(game).await.unwrap().unwrap();
    let quiz = sample_quiz();
    let (players, _) = live.player_counts(game).await.unwrap();
    let ctx = Context {
        now_ms,
        player_count: players as usize,
        quiz: &quiz,
    };
    let (next, _) = apply(&current, cmd, &ctx).unwrap();
    assert!(live.cas_state(game, current.version, &next).await.unwrap());
    next
}

/// A game with two players and question 0 open at T0.
async fn game_in_question(live: &dyn LiveStore, id: &str, pin: u32) {
    live.create_game(meta(id, pin)).await.unwrap();
    live.add_player(id, "p1", &nick("Ada")).await.unwrap();
    live.add_player(id, "p2", &nick("Bob")).await.unwrap();
    step(live, id, Command::Start, T0).await;
}

pub async fn pins_are_unique_and_freed_when_finished(live: &dyn LiveStore) {
    live.create_game(meta("g1", 1)).await.unwrap();
    assert!(matches!(
        live.create_game(meta("g2", 1)).await,
        Err(LiveError::PinTaken)
    ));
    let pin = GamePin::from_random(1);
    assert_eq!(
        live.game_id_by_pin(pin).await.unwrap().as_deref(),
        Some("g1")
    );
    live.finish_game("g1", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(live.game_id_by_pin(pin).await.unwrap(), None);
    assert!(
        live.meta("g1").await.unwrap().is_some(),
        "finished game stays readable until expiry"
    );
    live.create_game(meta("g2", 1)).await.unwrap();
}

pub async fn cas_rejects_a_stale_version(live: &dyn LiveStore) {
    live.create_game(meta("g", 2)).await.unwrap();
    let s0 = live.state("g").await.unwrap().unwrap();
    let mut s1 = s0.clone();
    s1.locked = true;
    s1.version = 1;
    assert!(live.cas_state("g", 0, &s1).await.unwrap());
    let mut stale = s0.clone();
    stale.version = 1;
    assert!(!live.cas_state("g", 0, &stale).await.unwrap());
    assert_eq!(live.state("g").await.unwrap().unwrap(), s1);
    assert!(matches!(live.state("missing").await, Ok(None)));
}

pub async fn nicknames_are_unique_ignoring_case_and_kicked_players_stay_out(live: &dyn LiveStore) {
    live.create_game(meta("g", 3)).await.unwrap();
    live.add_player("g", "p1", &nick("Ada")).await.unwrap();
    assert!(matches!(
        live.add_player("g", "p2", &nick("ADA")).await,
        Err(LiveError::NicknameTaken)
    ));
    live.set_connected("g", "p1", true).await.unwrap();
    assert_eq!(live.player_counts("g").await.unwrap(), (1, 1));
    assert!(live.kick_player("g", "p1").await.unwrap());
    // The kicked player's socket closing afterwards must not count anyone else out.
    live.set_connected("g", "p1", false).await.ok();
    assert!(!live.kick_player("g", "p1").await.unwrap());
    assert!(live.is_kicked("g", "p1").await.unwrap());
    assert!(matches!(
        live.add_player("g", "p1", &nick("Ada2")).await,
        Err(LiveError::Kicked)
    ));
    // The nickname is free again for someone else.
    live.add_player("g", "p3", &nick("ada")).await.unwrap();
    assert_eq!(live.player_counts("g").await.unwrap(), (1, 0));
    live.set_connected("g", "p3", true).await.unwrap();
    assert_eq!(live.player_counts("g").await.unwrap(), (1, 1));
}

pub async fn connection_counts_survive_a_reload_overlap(live: &dyn LiveStore) {
    live.create_game(meta("g", 4)).await.unwrap();
    live.add_player("g", "p1", &nick("Ada")).await.unwrap();
    live.set_connected("g", "p1", true).await.unwrap();
    live.set_connected("g", "p1", true).await.unwrap(); // new tab opens before the old socket closes
    live.set_connected("g", "p1", false).await.unwrap();
    assert_eq!(live.player_counts("g").await.unwrap(), (1, 1));
    live.set_connected("g", "p1", false).await.unwrap();
    assert_eq!(live.player_counts("g").await.unwrap(), (1, 0));
}

pub async fn an_answer_is_recorded_once_and_a_resend_gets_the_original(live: &dyn LiveStore) {
    game_in_question(live, "g", 5).await;
    let first = live
        .record_answer("g", "p1", "a1", 0, 1, T0 + 200)
        .await
        .unwrap();
    assert!(first.newly_recorded);
    assert_eq!(first.answer.points, 1000);
    let again = live
        .record_answer("g", "p1", "a1", 0, 1, T0 + 9_000)
        .await
        .unwrap();
    assert!(!again.newly_recorded);
    assert_eq!(again.answer, first.answer);
    assert!(matches!(
        live.record_answer("g", "p1", "a2", 0, 0, T0 + 9_000).await,
        Err(LiveError::Answer(cahoot_game::AnswerError::AlreadyAnswered))
    ));
    assert_eq!(live.answered_count("g", 0).await.unwrap(), 1);
    assert_eq!(live.player("g", "p1").await.unwrap().unwrap().score, 1000);
    let answers = live.answers("g", 0).await.unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].0, "p1");
}

pub async fn closed_future_and_late_answers_are_refused(live: &dyn LiveStore) {
    use cahoot_game::AnswerError::*;
    game_in_question(live, "g", 6).await;
    let refused =
        |r: Result<_, LiveError>, want| matches!(r, Err(LiveError::Answer(e)) if e == want);
    assert!(refused(
        live.record_answer("g", "p1", "a", 1, 0, T0 + 1).await,
        QuestionClosed
    ));
    assert!(refused(
        live.record_answer("g", "p1", "a", 0, 9, T0 + 1).await,
        InvalidChoice
    ));
    assert!(refused(
        live.record_answer("g", "p1", "a", 0, 1, T0 + 20_001).await,
        QuestionClosed
    ));
    step(live, "g", Command::Close { question: 0 }, T0 + 5_000).await;
    assert!(refused(
        live.record_answer("g", "p2", "b", 0, 1, T0 + 5_001).await,
        QuestionClosed
    ));
    assert_eq!(live.answered_count("g", 0).await.unwrap(), 0);
    assert_eq!(live.player("g", "p1").await.unwrap().unwrap().score, 0);
}

pub async fn concurrent_answers_are_each_counted_exactly_once(live: Arc<dyn LiveStore>) {
    live.create_game(meta("g", 7)).await.unwrap();
    let n = 200;
    for i in 0..n {
        live.add_player("g", &format!("p{i}"), &nick(&format!("P{i}")))
            .await
            .unwrap();
    }
    step(live.as_ref(), "g", Command::Start, T0).await;
    let mut tasks = Vec::new();
    for i in 0..n {
        for attempt in 0..3 {
            let live = live.clone();
            tasks.push(tokio::spawn(async move {
                let answer_id = format!("ans-{i}");
                let r = live
                    .record_answer("g", &format!("p{i}"), &answer_id, 0, 1, T0 + 100 + attempt)
                    .await;
                r.map(|o| o.newly_recorded)
            }));
        }
    }
    let mut newly = 0;
    for t in tasks {
        if t.await.unwrap().unwrap() {
            newly += 1;
        }
    }
    assert_eq!(newly, n);
    assert_eq!(live.answered_count("g", 0).await.unwrap(), n as u64);
    let players = live.players("g").await.unwrap();
    assert!(players.iter().all(|(_, p)| p.score == 1000));
}

pub async fn streak_bonus_accumulates_across_questions(live: &dyn LiveStore) {
    game_in_question(live, "g", 8).await;
    live.record_answer("g", "p1", "q0", 0, 1, T0 + 100)
        .await
        .unwrap();
    step(live, "g", Command::Close { question: 0 }, T0 + 1_000).await;
    step(live, "g", Command::Next, T0 + 2_000).await; // leaderboard
    let s = step(live, "g", Command::Next, T0 + 3_000).await; // question 1 opens
    let a = live
        .record_answer("g", "p1", "q1", 1, 0, s.opened_at_ms + 100)
        .await
        .unwrap();
    assert_eq!(
        a.answer.points, 1100,
        "second correct answer in a row earns +100"
    );
    let p = live.player("g", "p1").await.unwrap().unwrap();
    assert_eq!((p.score, p.streak.count), (2100, 2));
}

pub async fn seq_grows_and_published_messages_arrive(live: &dyn LiveStore) {
    live.create_game(meta("g", 9)).await.unwrap();
    let mut sub = live.subscribe("g").await.unwrap();
    let a = live.next_seq("g").await.unwrap();
    let b = live.next_seq("g").await.unwrap();
    assert!(b > a);
    assert_eq!(live.current_seq("g").await.unwrap(), b);
    let msg = LiveMessage::StateChanged { seq: b, version: 1 };
    live.publish("g", &msg).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .unwrap();
    assert_eq!(got, Some(msg));
}

/// Recording a new answer announces it on the game channel (hosts' counts depend on it); a resend does not.
pub async fn a_new_answer_is_announced_once(live: &dyn LiveStore) {
    game_in_question(live, "g", 12).await;
    let mut sub = live.subscribe("g").await.unwrap();
    live.record_answer("g", "p1", "a1", 0, 1, T0 + 100)
        .await
        .unwrap();
    live.record_answer("g", "p1", "a1", 0, 1, T0 + 200)
        .await
        .unwrap();
    // A marker after the resend: the next two messages show whether the resend was announced too.
    let marker = LiveMessage::StateChanged {
        seq: 99,
        version: 99,
    };
    live.publish("g", &marker).await.unwrap();
    let wait = Duration::from_secs(5);
    let first = tokio::time::timeout(wait, sub.next()).await.unwrap();
    assert_eq!(first, Some(LiveMessage::Answered { question: 0 }));
    let second = tokio::time::timeout(wait, sub.next()).await.unwrap();
    assert_eq!(second, Some(marker));
}

pub async fn one_players_answer_reads_like_the_whole_list(live: &dyn LiveStore) {
    game_in_question(live, "g", 12).await;
    assert_eq!(live.answer_of("g", 0, "p1").await.unwrap(), None);
    live.record_answer("g", "p1", "a1", 0, 2, T0 + 100)
        .await
        .unwrap();
    let one = live.answer_of("g", 0, "p1").await.unwrap().unwrap();
    let all = live.answers("g", 0).await.unwrap();
    assert_eq!(all, vec![("p1".to_owned(), one.clone())]);
    assert_eq!((one.answer_id.as_str(), one.choice), ("a1", 2));
    assert_eq!(live.answer_of("g", 0, "p2").await.unwrap(), None);
    assert_eq!(live.answer_of("g", 1, "p1").await.unwrap(), None);
}

pub async fn counters_count_within_a_window_and_reset(live: &dyn LiveStore) {
    let w = Duration::from_secs(60);
    assert_eq!(live.hit("k", w).await.unwrap(), 1);
    assert_eq!(live.hit("k", w).await.unwrap(), 2);
    assert_eq!(live.peek("k").await.unwrap(), 2);
    assert_eq!(live.peek("never").await.unwrap(), 0);
    live.reset("k").await.unwrap();
    assert_eq!(live.peek("k").await.unwrap(), 0);
    assert_eq!(live.hit("k", w).await.unwrap(), 1);
    let short = Duration::from_millis(300);
    live.hit("s", short).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1_100)).await; // the window itself is what is tested
    assert_eq!(live.hit("s", short).await.unwrap(), 1);
}

pub async fn denied_tokens_stay_denied_until_their_ttl(live: &dyn LiveStore) {
    assert!(!live.is_token_denied("jti-1").await.unwrap());
    live.deny_token("jti-1", Duration::from_secs(60))
        .await
        .unwrap();
    assert!(live.is_token_denied("jti-1").await.unwrap());
    assert!(!live.is_token_denied("jti-2").await.unwrap());
}

pub async fn unknown_games_are_reported_not_invented(live: &dyn LiveStore) {
    assert!(matches!(
        live.add_player("nope", "p", &nick("x")).await,
        Err(LiveError::GameNotFound)
    ));
    assert!(matches!(
        live.record_answer("nope", "p", "a", 0, 0, T0).await,
        Err(LiveError::GameNotFound)
    ));
    assert!(live.meta("nope").await.unwrap().is_none());
}

/// Instantiates the whole suite for one backend. `$make` is an async expression yielding the store and the
/// server it talks to, if any (kept alive until the test ends).
macro_rules! live_contract {
    ($backend:ident, $make:expr) => {
        mod $backend {
            use super::*;
            macro_rules! case {
                ($name:ident) => {
                    #[tokio::test]
                    async fn $name() {
                        let (live, _server): (Arc<dyn LiveStore>, Option<RedisServer>) = $make;
                        super::$name(live.as_ref()).await;
                    }
                };
            }
            case!(pins_are_unique_and_freed_when_finished);
            case!(cas_rejects_a_stale_version);
            case!(nicknames_are_unique_ignoring_case_and_kicked_players_stay_out);
            case!(connection_counts_survive_a_reload_overlap);
            case!(an_answer_is_recorded_once_and_a_resend_gets_the_original);
            case!(closed_future_and_late_answers_are_refused);
            case!(streak_bonus_accumulates_across_questions);
            case!(seq_grows_and_published_messages_arrive);
            case!(a_new_answer_is_announced_once);
            case!(one_players_answer_reads_like_the_whole_list);
            case!(counters_count_within_a_window_and_reset);
            case!(denied_tokens_stay_denied_until_their_ttl);
            case!(unknown_games_are_reported_not_invented);

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_answers_are_each_counted_exactly_once() {
                let (live, _server): (Arc<dyn LiveStore>, Option<RedisServer>) = $make;
                super::concurrent_answers_are_each_counted_exactly_once(live).await;
            }
        }
    };
}

live_contract!(
    memory,
    (
        Arc::new(cahoot_server::live::memory::MemoryLiveStore::new()),
        None
    )
);
live_contract!(valkey, valkey_store().await);

/// Each Valkey test gets its own redis-server (the Valkey protocol stand-in) on a free port, killed when
/// the test ends.
async fn valkey_store() -> (Arc<dyn LiveStore>, Option<RedisServer>) {
    let server = RedisServer::start();
    let store = cahoot_server::live::valkey::ValkeyLiveStore::connect(&server.url())
        .await
        .expect("connect to the test redis-server");
    (Arc::new(store), Some(server))
}

/// Distributed only: an instance that dies without closing its sockets (SIGKILL) stops counting them
/// once its heartbeat is stale, while a live instance's sockets keep counting.
#[tokio::test]
async fn a_dead_instances_sockets_stop_counting_as_connected() {
    use cahoot_server::live::valkey::ValkeyLiveStore;
    let server = RedisServer::start();
    let a = ValkeyLiveStore::connect(&server.url()).await.unwrap();
    let b = ValkeyLiveStore::connect(&server.url()).await.unwrap();
    a.create_game(meta("g", 11)).await.unwrap();
    a.add_player("g", "p1", &nick("Ada")).await.unwrap();
    a.add_player("g", "p2", &nick("Bob")).await.unwrap();
    a.set_connected("g", "p1", true).await.unwrap();
    b.set_connected("g", "p2", true).await.unwrap();
    assert_eq!(a.player_counts("g").await.unwrap(), (2, 2));
    // "a" is killed: no more heartbeats. "b" keeps beating. The liveness window itself is under test.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    loop {
        b.heartbeat("g").await.unwrap();
        if b.player_counts("g").await.unwrap() == (2, 1) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "dead instance still counted"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(!b.player("g", "p1").await.unwrap().unwrap().connected);
    assert!(b.player("g", "p2").await.unwrap().unwrap().connected);
    // Ada reconnects through "b": counted again.
    b.set_connected("g", "p1", true).await.unwrap();
    assert_eq!(b.player_counts("g").await.unwrap(), (2, 2));
}

/// Distributed only: each instance judges answers against the state it last saw (one round trip per answer).
/// When another instance has moved the game on meanwhile, that guess is stale: the answer must be judged
/// against the stored state, never the remembered one.
#[tokio::test]
async fn an_instance_with_an_outdated_state_still_judges_against_the_stored_one() {
    use cahoot_server::live::valkey::ValkeyLiveStore;
    let server = RedisServer::start();
    let a = ValkeyLiveStore::connect(&server.url()).await.unwrap();
    let b = ValkeyLiveStore::connect(&server.url()).await.unwrap();
    game_in_question(&a, "g", 13).await;
    // "a" remembers question 0, opened at T0.
    a.record_answer("g", "p1", "q0", 0, 1, T0 + 100)
        .await
        .unwrap();
    // "b" closes question 0 and opens question 1 at T0 + 60 s.
    let later = T0 + 60_000;
    for cmd in [Command::Close { question: 0 }, Command::Next, Command::Next] {
        step(&b, "g", cmd, later).await;
    }
    assert!(matches!(
        b.state("g").await.unwrap().unwrap().phase,
        cahoot_game::Phase::Question(1)
    ));
    // Judged against "a"'s memory, question 1 would not be open (and its time would count from T0).
    let q1 = sample_quiz().questions[1].correct as u32;
    let answer = a
        .record_answer("g", "p1", "q1", 1, q1, later + 200)
        .await
        .unwrap();
    assert!(answer.newly_recorded);
    assert_eq!(answer.answer.elapsed_ms, 200);
    assert!(answer.answer.correct);
    // And an answer to question 0 from "a" is refused as closed, even though "a" saw it open.
    assert!(matches!(
        a.record_answer("g", "p2", "late", 0, 1, later + 300).await,
        Err(LiveError::Answer(cahoot_game::AnswerError::QuestionClosed))
    ));
}

/// Distributed only: an instance remembers nicknames (they never change) and reads only players it has
/// not seen; players joining or kicked through another instance show up correctly.
#[tokio::test]
async fn an_instance_sees_players_joined_and_kicked_elsewhere() {
    use cahoot_server::live::valkey::ValkeyLiveStore;
    let server = RedisServer::start();
    let a = ValkeyLiveStore::connect(&server.url()).await.unwrap();
    let b = ValkeyLiveStore::connect(&server.url()).await.unwrap();
    game_in_question(&a, "g", 14).await;
    let names = |players: Vec<(String, cahoot_game::model::PlayerRecord)>| {
        players
            .into_iter()
            .map(|(id, p)| format!("{id}={}", p.nickname))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(a.players("g").await.unwrap()), ["p1=Ada", "p2=Bob"]);
    b.add_player("g", "p3", &nick("Cy")).await.unwrap();
    assert!(b.kick_player("g", "p1").await.unwrap());
    assert_eq!(names(a.players("g").await.unwrap()), ["p2=Bob", "p3=Cy"]);
    assert_eq!(names(b.players("g").await.unwrap()), ["p2=Bob", "p3=Cy"]);
}
