//! Properties of the game state machine and answer recording, driven by random command/answer sequences.

use cahoot_game::model::{GameModel, PlayerRecord};
use cahoot_game::{Command, Event, Streak, sample_quiz};
use proptest::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone)]
enum Op {
    Host(Command),
    Answer {
        player: usize,
        question: u32,
        choice: u32,
        answer_id: u8,
    },
    Wait(u64),
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        Just(Command::Start),
        Just(Command::Next),
        Just(Command::Skip),
        Just(Command::End),
        Just(Command::Lock),
        Just(Command::Unlock),
        (0u32..5).prop_map(|question| Command::Close { question }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => command().prop_map(Op::Host),
        6 => (0usize..4, 0u32..5, 0u32..5, 0u8..3).prop_map(|(player, question, choice, answer_id)| {
            Op::Answer { player, question, choice, answer_id }
        }),
        2 => (0u64..30_000).prop_map(Op::Wait),
    ]
}

const PLAYERS: [&str; 4] = ["p0", "p1", "p2", "p3"];

fn new_game() -> GameModel {
    let mut g = GameModel::new(sample_quiz());
    for (i, id) in PLAYERS.iter().enumerate() {
        g.players.insert(
            (*id).to_owned(),
            PlayerRecord {
                nickname: format!("N{i}"),
                score: 0,
                streak: Streak::default(),
                connected: true,
            },
        );
    }
    g
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn invariants_hold_for_any_sequence(ops in proptest::collection::vec(op(), 1..120)) {
        let mut g = new_game();
        let mut now = 1_000_000u64;
        let mut closed: HashMap<u32, u32> = HashMap::new();
        let mut recorded: HashMap<(u32, String), u32> = HashMap::new();
        for op in ops {
            let before_scores: Vec<u64> = g.players.values().map(|p| p.score).collect();
            let before_phase = g.state.phase;
            let before_version = g.state.version;
            match op {
                Op::Wait(ms) => now += ms,
                Op::Host(cmd) => {
                    if let Ok(events) = g.transition(cmd, now) {
                        prop_assert_eq!(g.state.version, before_version + 1);
                        prop_assert!(g.state.phase.ordinal() >= before_phase.ordinal(), "phase went back");
                        if !matches!(cmd, Command::Lock | Command::Unlock) {
                            prop_assert!(g.state.phase.ordinal() > before_phase.ordinal(), "no progress");
                        }
                        for e in events {
                            if let Event::QuestionClosed { index } = e {
                                *closed.entry(index).or_default() += 1;
                            }
                        }
                    } else {
                        prop_assert_eq!(g.state.phase, before_phase);
                        prop_assert_eq!(g.state.version, before_version);
                    }
                }
                Op::Answer { player, question, choice, answer_id } => {
                    let pid = PLAYERS[player];
                    let id = format!("a{answer_id}");
                    if let Ok(out) = g.record_answer(pid, &id, question, choice, now)
                        && out.newly_recorded
                    {
                        *recorded.entry((question, pid.to_owned())).or_default() += 1;
                    }
                }
            }
            let after: Vec<u64> = g.players.values().map(|p| p.score).collect();
            for (b, a) in before_scores.iter().zip(&after) {
                prop_assert!(a >= b, "a score decreased");
            }
        }
        prop_assert!(closed.values().all(|&n| n == 1), "a question closed more than once: {closed:?}");
        prop_assert!(recorded.values().all(|&n| n == 1), "an answer was accepted twice");
        // Scores are exactly the sum of accepted answers' points.
        for (id, p) in &g.players {
            let sum: u64 = g.answers.iter().filter(|((_, pid), _)| pid == id).map(|(_, a)| u64::from(a.points)).sum();
            prop_assert_eq!(p.score, sum);
        }
    }

    #[test]
    fn points_never_exceed_base_plus_cap(elapsed in 0u64..300_000, limit_s in 5u32..=240, mode in 0u8..3) {
        let points = [1000u32, 2000, 0][mode as usize];
        let p = cahoot_game::answer_points(true, elapsed, u64::from(limit_s) * 1000, points);
        prop_assert!(p <= points);
        prop_assert!(p >= points / 2);
    }
}
