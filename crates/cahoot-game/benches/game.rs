//! Microbenchmarks of the pure game model: scoring, the state machine, and recording answers into a
//! 10 000-player game (what the in-process live store does under its lock). `cargo bench -p cahoot-game`.

use cahoot_game::model::{GameModel, PlayerRecord, standings};
use cahoot_game::{
    AnswerValue, Command, Context, GameState, Streak, accept, answer_points, apply, judge,
    sample_quiz,
};
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

const PLAYERS: usize = 10_000;

#[divan::bench]
fn score_one_answer() -> u32 {
    answer_points(
        black_box(true),
        black_box(7_321),
        black_box(20_000),
        black_box(1000),
    )
}

#[divan::bench]
fn streak_after_answer() -> (Streak, u32) {
    let s = Streak {
        count: 3,
        last_question: Some(4),
    };
    black_box(s).after_answer(black_box(5), black_box(Some(4)), black_box(true))
}

#[divan::bench]
fn judge_and_accept(bencher: Bencher) {
    let quiz = sample_quiz();
    let ctx = Context {
        now_ms: 1_000,
        player_count: 1,
        quiz: &quiz,
        lead_in_ms: 0,
        extra_time: false,
    };
    let (state, _) = apply(&GameState::new(4), Command::Start, &ctx).expect("start");
    bencher.bench(|| {
        let j = judge(
            black_box(&state),
            &quiz,
            0,
            AnswerValue::Choice(1),
            black_box(5_000),
        )
        .expect("open");
        accept("answer-id", j, Streak::default())
    });
}

/// One round of the state machine: start → close → reveal → leaderboard → next question.
#[divan::bench]
fn transitions_one_question(bencher: Bencher) {
    let quiz = sample_quiz();
    let ctx = Context {
        now_ms: 1_000,
        player_count: PLAYERS,
        quiz: &quiz,
        lead_in_ms: 0,
        extra_time: false,
    };
    bencher.bench(|| {
        let s = GameState::new(4);
        let (s, _) = apply(&s, Command::Start, &ctx).expect("start");
        let (s, _) = apply(&s, Command::Close { question: 0 }, &ctx).expect("close");
        let (s, _) = apply(&s, Command::Next, &ctx).expect("leaderboard");
        let (s, e) = apply(&s, Command::Next, &ctx).expect("next question");
        black_box((s, e))
    });
}

fn model_with_players(n: usize) -> GameModel {
    let mut g = GameModel::new(sample_quiz());
    for i in 0..n {
        g.players.insert(
            format!("player-{i:05}"),
            PlayerRecord {
                nickname: format!("p{i:05}"),
                score: 0,
                streak: Streak::default(),
                connected: true,
            },
        );
    }
    g.transition(Command::Start, 1_000).expect("start");
    g
}

/// Recording all 10 000 answers to one question (per answer: divide the time by 10 000).
#[divan::bench(sample_count = 20)]
fn record_10k_answers(bencher: Bencher) {
    bencher
        .with_inputs(|| model_with_players(PLAYERS))
        .bench_local_values(|mut g| {
            for i in 0..PLAYERS {
                let id = format!("player-{i:05}");
                g.record_answer(
                    &id,
                    &id,
                    0,
                    AnswerValue::Choice((i % 4) as u32),
                    2_000 + i as u64,
                )
                .expect("recorded");
            }
            g
        });
}

/// Final standings of 10 000 players (sorted, competition ranking).
#[divan::bench(sample_count = 20)]
fn standings_10k(bencher: Bencher) {
    let rows: Vec<(String, String, u64)> = (0..PLAYERS)
        .map(|i| {
            (
                format!("player-{i:05}"),
                format!("p{i:05}"),
                (i as u64 * 7919) % 5000,
            )
        })
        .collect();
    bencher.bench(|| standings(rows.iter().map(|(a, b, s)| (a.as_str(), b.as_str(), *s))));
}
