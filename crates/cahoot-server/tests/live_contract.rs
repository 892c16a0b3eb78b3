//! The live-store contract: one suite, run against every `LiveStore` implementation.
//! Adding a backend = one more `live_contract!` line at the bottom.

use cahoot_game::AnswerValue::{self, Choice};
use cahoot_game::{Command, Context, GamePin, GameState, Nickname, QuizInput, apply, sample_quiz};
use cahoot_protocol::{GameId, PlayerId};
use cahoot_server::live::{
    GameMeta, GameStore, Joined, LiveError, LiveMessage, LiveStore, PinLookup, Presence,
};
use cahoot_testkit::stores::RedisServer;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

const T0: u64 = 1_700_000_000_000;

const fn game(n: u128) -> GameId {
    GameId::from_uuid(Uuid::from_u128(n))
}

const fn player(n: u128) -> PlayerId {
    PlayerId::from_uuid(Uuid::from_u128(0x1000 + n))
}

const G: GameId = game(1);
const G1: GameId = game(2);
const G2: GameId = game(3);
const MISSING: GameId = game(4);
const P1: PlayerId = player(1);
const P2: PlayerId = player(2);
const P3: PlayerId = player(3);

fn meta(id: GameId, pin: u32) -> GameMeta {
    meta_with(id, pin, sample_quiz())
}

fn meta_with(id: GameId, pin: u32, quiz: QuizInput) -> GameMeta {
    GameMeta {
        id,
        pin: GamePin::from_random(pin),
        owner_id: Uuid::from_u128(7),
        quiz_id: Uuid::from_u128(8),
        quiz,
        created_at_ms: T0,
        lead_in_ms: 0,
        require_pupil_id: false,
    }
}

fn nick(s: &str) -> Nickname {
    Nickname::parse(s).unwrap()
}

/// Applies a command through the store's CAS the way the command layer does.
async fn step(live: &dyn LiveStore, game: GameId, cmd: Command, now_ms: u64) -> GameState {
    step_with(live, game, cmd, now_ms, false).await
}

/// [`step`] with the command layer's `extra_time` (some player has it) in the context.
async fn step_with(
    live: &dyn LiveStore,
    game: GameId,
    cmd: Command,
    now_ms: u64,
    extra_time: bool,
) -> GameState {
    let current = live.state(game).await.unwrap().unwrap();
    let quiz = live.meta(game).await.unwrap().unwrap().quiz;
    let players = live.player_total(game).await.unwrap();
    let ctx = Context {
        now_ms,
        player_count: players as usize,
        quiz: &quiz,
        lead_in_ms: 0,
        extra_time,
    };
    let (next, _) = apply(&current, cmd, &ctx).unwrap();
    assert!(
        live.cas_state(game, current.version, &next)
            .await
            .unwrap()
            .is_some()
    );
    next
}

/// A game with two players and question 0 open at T0.
async fn game_in_question(live: &dyn LiveStore, id: GameId, pin: u32) {
    live.create_game(meta(id, pin)).await.unwrap();
    live.join(id, P1, &nick("Ada")).await.unwrap();
    live.join(id, P2, &nick("Bob")).await.unwrap();
    step(live, id, Command::Start, T0).await;
}

pub async fn pins_are_unique_and_freed_when_finished(live: &dyn LiveStore) {
    live.create_game(meta(G1, 1)).await.unwrap();
    assert!(matches!(
        live.create_game(meta(G2, 1)).await,
        Err(LiveError::PinTaken)
    ));
    let pin = GamePin::from_random(1);
    assert_eq!(live.find_pin(pin).await.unwrap(), PinLookup::Live(G1));
    assert_eq!(
        live.find_pin(GamePin::from_random(99)).await.unwrap(),
        PinLookup::Unknown
    );
    live.finish_game(G1, Duration::from_secs(60)).await.unwrap();
    // Not a live game any more, but a late join learns it has finished (410, not 404).
    assert_eq!(live.find_pin(pin).await.unwrap(), PinLookup::Finished);
    assert!(
        live.meta(G1).await.unwrap().is_some(),
        "finished game stays readable until expiry"
    );
    live.create_game(meta(G2, 1)).await.unwrap();
    assert_eq!(live.find_pin(pin).await.unwrap(), PinLookup::Live(G2));
}

pub async fn cas_rejects_a_stale_version(live: &dyn LiveStore) {
    live.create_game(meta(G, 2)).await.unwrap();
    let s0 = live.state(G).await.unwrap().unwrap();
    let mut s1 = s0.clone();
    s1.locked = true;
    s1.version = 1;
    assert!(live.cas_state(G, 0, &s1).await.unwrap().is_some());
    let mut stale = s0.clone();
    stale.version = 1;
    assert_eq!(live.cas_state(G, 0, &stale).await.unwrap(), None);
    assert_eq!(live.state(G).await.unwrap().unwrap(), s1);
    assert!(matches!(live.state(MISSING).await, Ok(None)));
}

pub async fn nicknames_are_unique_ignoring_case_and_kicked_players_stay_out(live: &dyn LiveStore) {
    live.create_game(meta(G, 3)).await.unwrap();
    live.join(G, P1, &nick("Ada")).await.unwrap();
    assert!(matches!(
        live.join(G, P2, &nick("ADA")).await,
        Err(LiveError::NicknameTaken)
    ));
    live.set_connected(G, P1, true).await.unwrap();
    assert_eq!(live.player_counts(G).await.unwrap(), (1, 1));
    assert!(live.kick(G, P1).await.unwrap());
    // The kicked player's socket closing afterwards must not count anyone else out.
    live.set_connected(G, P1, false).await.ok();
    assert!(!live.kick(G, P1).await.unwrap());
    assert!(live.is_kicked(G, P1).await.unwrap());
    assert!(matches!(
        live.join(G, P1, &nick("Ada2")).await,
        Err(LiveError::Kicked)
    ));
    // The nickname is free again for someone else.
    live.join(G, P3, &nick("ada")).await.unwrap();
    assert_eq!(live.player_counts(G).await.unwrap(), (1, 0));
    live.set_connected(G, P3, true).await.unwrap();
    assert_eq!(live.player_counts(G).await.unwrap(), (1, 1));
}

pub async fn pupil_ids_are_kept_with_their_players(live: &dyn LiveStore) {
    live.create_game(meta(G, 5)).await.unwrap();
    let ada = cahoot_game::PupilId::parse("Lovelace Ada").unwrap();
    let bob = cahoot_game::PupilId::parse("Brown Bob").unwrap();
    live.join_as(G, P1, &nick("Ada"), Some(&ada)).await.unwrap();
    live.join_as(G, P2, &nick("Bob"), Some(&bob)).await.unwrap();
    live.join(G, P3, &nick("Cy")).await.unwrap();
    // A refused join keeps nothing.
    assert!(matches!(
        live.join_as(G, player(9), &nick("ADA"), Some(&bob)).await,
        Err(LiveError::NicknameTaken)
    ));
    let ids = live.pupil_ids(G).await.unwrap();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert_eq!(ids[&P1.to_string()], "Lovelace Ada");
    assert_eq!(ids[&P2.to_string()], "Brown Bob");
    // Nicknames and players read as before; a kicked player's identifier goes with them.
    assert_eq!(live.player(G, P1).await.unwrap().unwrap().nickname, "Ada");
    assert!(live.kick(G, P2).await.unwrap());
    let ids = live.pupil_ids(G).await.unwrap();
    assert_eq!(ids.keys().collect::<Vec<_>>(), [&P1.to_string()]);
    assert!(matches!(
        live.pupil_ids(MISSING).await,
        Err(LiveError::GameNotFound)
    ));
}

pub async fn connection_counts_survive_a_reload_overlap(live: &dyn LiveStore) {
    live.create_game(meta(G, 4)).await.unwrap();
    live.join(G, P1, &nick("Ada")).await.unwrap();
    live.set_connected(G, P1, true).await.unwrap();
    live.set_connected(G, P1, true).await.unwrap(); // new tab opens before the old socket closes
    live.set_connected(G, P1, false).await.unwrap();
    assert_eq!(live.player_counts(G).await.unwrap(), (1, 1));
    live.set_connected(G, P1, false).await.unwrap();
    assert_eq!(live.player_counts(G).await.unwrap(), (1, 0));
}

pub async fn an_answer_is_recorded_once_and_a_resend_gets_the_original(live: &dyn LiveStore) {
    game_in_question(live, G, 5).await;
    let first = live
        .record_answer(G, P1, "a1", 0, Choice(1), T0 + 200)
        .await
        .unwrap();
    assert!(first.newly_recorded);
    assert_eq!(first.answer.points, 1000);
    let again = live
        .record_answer(G, P1, "a1", 0, Choice(1), T0 + 9_000)
        .await
        .unwrap();
    assert!(!again.newly_recorded);
    assert_eq!(again.answer, first.answer);
    assert!(matches!(
        live.record_answer(G, P1, "a2", 0, Choice(0), T0 + 9_000)
            .await,
        Err(LiveError::Answer(cahoot_game::AnswerError::AlreadyAnswered))
    ));
    assert_eq!(live.answered_count(G, 0).await.unwrap(), 1);
    assert_eq!(live.player(G, P1).await.unwrap().unwrap().score, 1000);
    let answers = live.answers(G, 0).await.unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].0, P1.to_string());
}

pub async fn closed_future_and_late_answers_are_refused(live: &dyn LiveStore) {
    use cahoot_game::AnswerError::*;
    game_in_question(live, G, 6).await;
    let refused =
        |r: Result<_, LiveError>, want| matches!(r, Err(LiveError::Answer(e)) if e == want);
    assert!(refused(
        live.record_answer(G, P1, "a", 1, Choice(0), T0 + 1).await,
        QuestionClosed
    ));
    assert!(refused(
        live.record_answer(G, P1, "a", 0, Choice(9), T0 + 1).await,
        InvalidChoice
    ));
    assert!(refused(
        live.record_answer(G, P1, "a", 0, Choice(1), T0 + 20_001)
            .await,
        QuestionClosed
    ));
    step(live, G, Command::Close { question: 0 }, T0 + 5_000).await;
    assert!(refused(
        live.record_answer(G, P2, "b", 0, Choice(1), T0 + 5_001)
            .await,
        QuestionClosed
    ));
    assert_eq!(live.answered_count(G, 0).await.unwrap(), 0);
    assert_eq!(live.player(G, P1).await.unwrap().unwrap().score, 0);
}

pub async fn concurrent_answers_are_each_counted_exactly_once(live: Arc<dyn LiveStore>) {
    live.create_game(meta(G, 7)).await.unwrap();
    let n: u128 = 200;
    for i in 0..n {
        live.join(G, player(100 + i), &nick(&format!("P{i}")))
            .await
            .unwrap();
    }
    step(live.as_ref(), G, Command::Start, T0).await;
    let mut tasks = Vec::new();
    for i in 0..n {
        for attempt in 0..3 {
            let live = live.clone();
            tasks.push(tokio::spawn(async move {
                let answer_id = format!("ans-{i}");
                let r = live
                    .record_answer(
                        G,
                        player(100 + i),
                        &answer_id,
                        0,
                        Choice(1),
                        T0 + 100 + attempt,
                    )
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
    assert_eq!(live.answered_count(G, 0).await.unwrap(), n as u64);
    let players = live.players(G).await.unwrap();
    assert!(players.iter().all(|(_, p)| p.score == 1000));
}

pub async fn streak_bonus_accumulates_across_questions(live: &dyn LiveStore) {
    game_in_question(live, G, 8).await;
    live.record_answer(G, P1, "q0", 0, Choice(1), T0 + 100)
        .await
        .unwrap();
    step(live, G, Command::Close { question: 0 }, T0 + 1_000).await;
    step(live, G, Command::Next, T0 + 2_000).await; // leaderboard
    let s = step(live, G, Command::Next, T0 + 3_000).await; // question 1 opens
    let a = live
        .record_answer(G, P1, "q1", 1, Choice(0), s.opened_at_ms + 100)
        .await
        .unwrap();
    assert_eq!(
        a.answer.points, 1100,
        "second correct answer in a row earns +100"
    );
    let p = live.player(G, P1).await.unwrap().unwrap();
    assert_eq!((p.score, p.streak.count), (2100, 2));
}

/// Every store operation that changes what clients see publishes its own event, with a growing `seq`.
pub async fn every_change_publishes_its_event_in_seq_order(live: &dyn LiveStore) {
    live.create_game(meta(G, 9)).await.unwrap();
    let mut sub = live.subscribe(G).await.unwrap();
    let wait = Duration::from_secs(5);
    let mut next = async || {
        tokio::time::timeout(wait, sub.next())
            .await
            .unwrap()
            .unwrap()
    };
    let Joined {
        seq: s1,
        player_count,
    } = live.join(G, P1, &nick("Ada")).await.unwrap();
    assert_eq!(player_count, 1);
    assert_eq!(
        next().await,
        LiveMessage::PlayerJoined {
            seq: s1,
            player_id: P1,
            nickname: "Ada".into(),
            player_count: 1
        }
    );
    live.set_connected(G, P1, true).await.unwrap();
    assert_eq!(
        next().await,
        LiveMessage::Presence {
            player_id: P1,
            connected: true
        }
    );
    let current = live.state(G).await.unwrap().unwrap();
    let mut locked = current.clone();
    locked.locked = true;
    locked.version += 1;
    let s2 = live
        .cas_state(G, current.version, &locked)
        .await
        .unwrap()
        .unwrap();
    assert!(s2 > s1);
    assert_eq!(
        next().await,
        LiveMessage::StateChanged {
            seq: s2,
            version: locked.version
        }
    );
    // A lost CAS publishes nothing; the next message is the kick's.
    assert_eq!(
        live.cas_state(G, current.version, &locked).await.unwrap(),
        None
    );
    assert!(live.kick(G, P1).await.unwrap());
    let LiveMessage::Kicked { seq: s3, player_id } = next().await else {
        panic!("expected the kick");
    };
    assert_eq!(player_id, P1);
    assert!(s3 > s2);
    assert_eq!(live.current_seq(G).await.unwrap(), s3);
}

/// Joining is refused, and changes nothing, once the game is locked or finished.
pub async fn locked_and_finished_games_refuse_joins(live: &dyn LiveStore) {
    live.create_game(meta(G, 15)).await.unwrap();
    live.join(G, P1, &nick("Ada")).await.unwrap();
    step(live, G, Command::Lock, T0).await;
    assert!(matches!(
        live.join(G, P2, &nick("Bob")).await,
        Err(LiveError::GameLocked)
    ));
    step(live, G, Command::Unlock, T0).await;
    step(live, G, Command::End, T0).await;
    assert!(matches!(
        live.join(G, P2, &nick("Bob")).await,
        Err(LiveError::GameFinished)
    ));
    assert_eq!(live.player_total(G).await.unwrap(), 1);
    assert!(live.player(G, P2).await.unwrap().is_none());
}

/// Recording a new answer announces it on the game channel (hosts' counts depend on it); a resend does not.
pub async fn a_new_answer_is_announced_once(live: &dyn LiveStore) {
    game_in_question(live, G, 12).await;
    let mut sub = live.subscribe(G).await.unwrap();
    live.record_answer(G, P1, "a1", 0, Choice(1), T0 + 100)
        .await
        .unwrap();
    live.record_answer(G, P1, "a1", 0, Choice(1), T0 + 200)
        .await
        .unwrap();
    // A marker after the resend: the next two messages show whether the resend was announced too.
    live.set_connected(G, P2, true).await.unwrap();
    let wait = Duration::from_secs(5);
    let first = tokio::time::timeout(wait, sub.next()).await.unwrap();
    assert_eq!(first, Some(LiveMessage::Answered { question: 0 }));
    let second = tokio::time::timeout(wait, sub.next()).await.unwrap();
    assert_eq!(
        second,
        Some(LiveMessage::Presence {
            player_id: P2,
            connected: true
        })
    );
}

/// The streak bonus grows by `STREAK_STEP` per consecutive correct answer and stops at `STREAK_CAP`, in
/// every store (the Valkey script gets both constants from `cahoot-game`).
pub async fn the_streak_bonus_is_capped(live: &dyn LiveStore) {
    use cahoot_game::scoring::{STREAK_CAP, STREAK_STEP};
    let question = sample_quiz().questions[0].clone();
    let correct = question.correct as u32;
    let quiz = QuizInput {
        title: "streaks".into(),
        questions: vec![question; 8],
        show_on_devices: false,
    };
    live.create_game(meta_with(G, 16, quiz)).await.unwrap();
    live.join(G, P1, &nick("Ada")).await.unwrap();
    let mut now = T0;
    let mut s = step(live, G, Command::Start, now).await;
    let mut bonuses = Vec::new();
    for q in 0..8u32 {
        let a = live
            .record_answer(
                G,
                P1,
                &format!("q{q}"),
                q,
                Choice(correct),
                s.opened_at_ms + 100,
            )
            .await
            .unwrap();
        bonuses.push(a.answer.points - 1000);
        now += 1_000;
        step(live, G, Command::Close { question: q }, now).await;
        if q < 7 {
            step(live, G, Command::Next, now).await; // leaderboard
            s = step(live, G, Command::Next, now).await; // next question opens
        }
    }
    let expected: Vec<u32> = (0..8).map(|k| (STREAK_STEP * k).min(STREAK_CAP)).collect();
    assert_eq!(bonuses, expected);
    assert_eq!(bonuses[7], STREAK_CAP, "the cap is reached and held");
    let p = live.player(G, P1).await.unwrap().unwrap();
    assert_eq!(p.streak.count, 8);
    assert_eq!(p.score, 8 * 1000 + u64::from(expected.iter().sum::<u32>()));
}

/// Every kind of question through the store's one atomic record: each answer once, scored by its kind's
/// rules (partial credit, no points for opinions), polls and word clouds invisible to the streak, wrong
/// shapes refused with nothing recorded, resends answered with the stored (normalised) answer.
pub async fn every_kind_is_recorded_once_and_scored_by_its_rules(live: &dyn LiveStore) {
    use cahoot_game::AnswerError;
    use cahoot_game::AnswerValue::{Choices, Number, Order, Text};
    let quiz = cahoot_game::every_kind_quiz().validate().unwrap();
    let kinds = quiz.questions.len() as u32;
    live.create_game(meta_with(G, 21, quiz)).await.unwrap();
    live.join(G, P1, &nick("Ada")).await.unwrap();
    live.join(G, P2, &nick("Bob")).await.unwrap();
    let wrong_shape = |r: Result<_, LiveError>| {
        matches!(
            r,
            Err(LiveError::Answer(
                AnswerError::InvalidAnswer(_) | AnswerError::InvalidChoice
            ))
        )
    };
    // (Ada's right answer, her points with the streak bonus, Bob's answer, his points, a wrong shape)
    type Play = (
        Option<AnswerValue>,
        u32,
        Option<AnswerValue>,
        u32,
        AnswerValue,
    );
    let plays: Vec<Play> = vec![
        (
            Some(Choice(2)),
            1000,
            Some(Choice(0)),
            0,
            Text("Jupiter".into()),
        ),
        (Some(Choice(0)), 1100, Some(Choice(1)), 0, Choice(2)),
        (
            Some(Choices(vec![2, 0])),
            1200,
            Some(Choices(vec![0])),
            0,
            Choices(vec![0, 0]),
        ),
        (
            Some(Text("  BERNE ".into())),
            1300,
            Some(Text("Zurich".into())),
            0,
            Number(1.0),
        ),
        // Bob is 25 away: 2 inside the tolerance, then 23 of the 25-year fall-off → 8 % of 1000.
        (
            Some(Number(1970.0)),
            1400,
            Some(Number(1944.0)),
            80,
            Number(1969.5),
        ),
        (
            Some(Order(vec![0, 1, 2, 3])),
            1500,
            Some(Order(vec![1, 0, 2, 3])),
            0,
            Order(vec![0, 1, 2]),
        ),
        (Some(Choice(1)), 0, Some(Choice(2)), 0, Choice(3)),
        (
            Some(Text("fun".into())),
            0,
            Some(Text("long".into())),
            0,
            Text("x".repeat(21)),
        ),
        (None, 0, None, 0, Choice(0)),
    ];
    assert_eq!(plays.len() as u32, kinds);
    let mut s = step(live, G, Command::Start, T0).await;
    let (mut ada, mut bob) = (0u64, 0u64);
    for (q, (a, a_points, b, b_points, bad)) in plays.into_iter().enumerate() {
        let q = q as u32;
        let at = s.opened_at_ms + 100;
        let expected = u64::from(a.is_some() as u8 + b.is_some() as u8);
        assert!(
            wrong_shape(
                live.record_answer(G, P1, &format!("bad{q}"), q, bad, at)
                    .await
            ),
            "q{q}"
        );
        if let Some(a) = a {
            let first = live
                .record_answer(G, P1, &format!("a{q}"), q, a.clone(), at)
                .await
                .unwrap();
            assert!(first.newly_recorded, "q{q}");
            assert_eq!(first.answer.points, a_points, "Ada q{q}");
            let again = live
                .record_answer(G, P1, &format!("a{q}"), q, a, at + 50)
                .await
                .unwrap();
            assert!(!again.newly_recorded);
            assert_eq!(again.answer, first.answer);
            ada += u64::from(a_points);
        }
        if let Some(b) = b {
            let got = live
                .record_answer(G, P2, &format!("b{q}"), q, b, at)
                .await
                .unwrap();
            assert_eq!(got.answer.points, b_points, "Bob q{q}");
            bob += u64::from(b_points);
        }
        assert_eq!(live.answered_count(G, q).await.unwrap(), expected, "q{q}");
        let closed = T0 + 1_000 * (u64::from(q) + 1) * 100;
        step(live, G, Command::Close { question: q }, closed).await;
        if q + 1 < kinds {
            step(live, G, Command::Next, closed).await;
            s = step(live, G, Command::Next, closed).await;
        }
    }
    // The stored answers are normalised: picks sorted, typed text cleaned.
    let typed = live.answer_of(G, 3, P1).await.unwrap().unwrap();
    assert_eq!(typed.value, Text("BERNE".into()));
    assert!(typed.correct);
    let picks = live.answer_of(G, 2, P1).await.unwrap().unwrap();
    assert_eq!(picks.value, Choices(vec![0, 2]));
    assert_eq!(live.player(G, P1).await.unwrap().unwrap().score, ada);
    assert_eq!(live.player(G, P2).await.unwrap().unwrap().score, bob);
    // The streak ran through the judged kinds; the poll and the word cloud left it at 6.
    assert_eq!(live.player(G, P1).await.unwrap().unwrap().streak.count, 6);
}

pub async fn one_players_answer_reads_like_the_whole_list(live: &dyn LiveStore) {
    game_in_question(live, G, 12).await;
    assert_eq!(live.answer_of(G, 0, P1).await.unwrap(), None);
    live.record_answer(G, P1, "a1", 0, Choice(2), T0 + 100)
        .await
        .unwrap();
    let one = live.answer_of(G, 0, P1).await.unwrap().unwrap();
    let all = live.answers(G, 0).await.unwrap();
    assert_eq!(all, vec![(P1.to_string(), one.clone())]);
    assert_eq!((one.answer_id.as_str(), &one.value), ("a1", &Choice(2)));
    assert_eq!(live.answer_of(G, 0, P2).await.unwrap(), None);
    assert_eq!(live.answer_of(G, 1, P1).await.unwrap(), None);
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

pub async fn extra_time_lets_only_its_players_answer_after_the_deadline(live: &dyn LiveStore) {
    live.create_game(meta(G1, 1)).await.unwrap();
    live.join(G1, P1, &nick("Ada")).await.unwrap();
    live.join(G1, P2, &nick("Bob")).await.unwrap();
    assert!(live.set_extra_time(G1, P1, true).await.unwrap());
    assert!(
        !live.set_extra_time(G1, P3, true).await.unwrap(),
        "a player not in the game"
    );
    let granted: Vec<String> = live.extra_time(G1).await.unwrap().into_iter().collect();
    assert_eq!(granted, [P1.to_string()]);

    let s = step_with(live, G1, Command::Start, T0, true).await;
    assert_eq!(s.extra_deadline_ms - s.deadline_ms, 10_000, "half of 20 s");
    let late = s.deadline_ms + 1;
    assert!(matches!(
        live.record_answer(G1, P2, "b", 0, Choice(1), late).await,
        Err(LiveError::Answer(cahoot_game::AnswerError::QuestionClosed))
    ));
    let ada = live
        .record_answer(G1, P1, "a", 0, Choice(1), late)
        .await
        .unwrap();
    assert!(ada.newly_recorded);
    assert_eq!(
        ada.answer.points, 500,
        "the slowest right answer earns half"
    );
    assert!(matches!(
        live.record_answer(G1, P2, "c", 0, Choice(1), s.extra_deadline_ms + 1)
            .await,
        Err(LiveError::Answer(cahoot_game::AnswerError::QuestionClosed))
    ));
    assert_eq!(live.answered_count(G1, 0).await.unwrap(), 1);

    assert!(live.set_extra_time(G1, P1, false).await.unwrap());
    assert!(live.extra_time(G1).await.unwrap().is_empty());
}

pub async fn unknown_games_are_reported_not_invented(live: &dyn LiveStore) {
    assert!(matches!(
        live.join(MISSING, P1, &nick("x")).await,
        Err(LiveError::GameNotFound)
    ));
    assert!(matches!(
        live.record_answer(MISSING, P1, "a", 0, Choice(0), T0).await,
        Err(LiveError::GameNotFound)
    ));
    assert!(live.meta(MISSING).await.unwrap().is_none());
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
            case!(pupil_ids_are_kept_with_their_players);
            case!(an_answer_is_recorded_once_and_a_resend_gets_the_original);
            case!(closed_future_and_late_answers_are_refused);
            case!(streak_bonus_accumulates_across_questions);
            case!(every_change_publishes_its_event_in_seq_order);
            case!(locked_and_finished_games_refuse_joins);
            case!(the_streak_bonus_is_capped);
            case!(a_new_answer_is_announced_once);
            case!(one_players_answer_reads_like_the_whole_list);
            case!(every_kind_is_recorded_once_and_scored_by_its_rules);
            case!(counters_count_within_a_window_and_reset);
            case!(denied_tokens_stay_denied_until_their_ttl);
            case!(unknown_games_are_reported_not_invented);
            case!(extra_time_lets_only_its_players_answer_after_the_deadline);

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
    a.create_game(meta(G, 11)).await.unwrap();
    a.join(G, P1, &nick("Ada")).await.unwrap();
    a.join(G, P2, &nick("Bob")).await.unwrap();
    a.set_connected(G, P1, true).await.unwrap();
    b.set_connected(G, P2, true).await.unwrap();
    assert_eq!(a.player_counts(G).await.unwrap(), (2, 2));
    // "a" is killed: no more heartbeats. "b" keeps beating. The liveness window itself is under test.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    loop {
        b.heartbeat(G).await.unwrap();
        if b.player_counts(G).await.unwrap() == (2, 1) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "dead instance still counted"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(!b.player(G, P1).await.unwrap().unwrap().connected);
    assert!(b.player(G, P2).await.unwrap().unwrap().connected);
    // Ada reconnects through "b": counted again.
    b.set_connected(G, P1, true).await.unwrap();
    assert_eq!(b.player_counts(G).await.unwrap(), (2, 2));
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
    game_in_question(&a, G, 13).await;
    // "a" remembers question 0, opened at T0.
    a.record_answer(G, P1, "q0", 0, Choice(1), T0 + 100)
        .await
        .unwrap();
    // "b" closes question 0 and opens question 1 at T0 + 60 s.
    let later = T0 + 60_000;
    for cmd in [Command::Close { question: 0 }, Command::Next, Command::Next] {
        step(&b, G, cmd, later).await;
    }
    assert!(matches!(
        b.state(G).await.unwrap().unwrap().phase,
        cahoot_game::Phase::Question(1)
    ));
    // Judged against "a"'s memory, question 1 would not be open (and its time would count from T0).
    let q1 = sample_quiz().questions[1].correct as u32;
    let answer = a
        .record_answer(G, P1, "q1", 1, Choice(q1), later + 200)
        .await
        .unwrap();
    assert!(answer.newly_recorded);
    assert_eq!(answer.answer.elapsed_ms, 200);
    assert!(answer.answer.correct);
    // And an answer to question 0 from "a" is refused as closed, even though "a" saw it open.
    assert!(matches!(
        a.record_answer(G, P2, "late", 0, Choice(1), later + 300)
            .await,
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
    game_in_question(&a, G, 14).await;
    let label = |id: &str| match id {
        _ if id == P1.to_string() => "p1",
        _ if id == P2.to_string() => "p2",
        _ if id == P3.to_string() => "p3",
        _ => "?",
    };
    let names = |players: Vec<(String, cahoot_game::model::PlayerRecord)>| {
        players
            .into_iter()
            .map(|(id, p)| format!("{}={}", label(&id), p.nickname))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(a.players(G).await.unwrap()), ["p1=Ada", "p2=Bob"]);
    b.join(G, P3, &nick("Cy")).await.unwrap();
    assert!(b.kick(G, P1).await.unwrap());
    assert_eq!(names(a.players(G).await.unwrap()), ["p2=Bob", "p3=Cy"]);
    assert_eq!(names(b.players(G).await.unwrap()), ["p2=Bob", "p3=Cy"]);
}
