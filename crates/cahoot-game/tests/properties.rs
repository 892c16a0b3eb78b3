//! Properties of the game state machine and answer recording, driven by random command/answer sequences.

use cahoot_game::model::{GameModel, PlayerRecord};
use cahoot_game::{AnswerValue, Command, Event, QuestionKind, Streak, every_kind_quiz, grade};
use proptest::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone)]
enum Op {
    Host(Command),
    Answer {
        player: usize,
        question: u32,
        value: AnswerValue,
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
        6 => (0usize..4, 0u32..10, answer_value(), 0u8..3).prop_map(|(player, question, value, answer_id)| {
            Op::Answer { player, question, value, answer_id }
        }),
        2 => (0u64..30_000).prop_map(Op::Wait),
    ]
}

/// Any answer shape, right and wrong ones (the quiz mixes every kind, so most shapes miss their question).
fn answer_value() -> impl Strategy<Value = AnswerValue> {
    let index = || 0u32..7;
    prop_oneof![
        index().prop_map(AnswerValue::Choice),
        proptest::collection::vec(index(), 0..5).prop_map(AnswerValue::Choices),
        prop_oneof![
            Just("Bern".to_owned()),
            Just(" berne ".to_owned()),
            "\\PC{0,25}"
        ]
        .prop_map(AnswerValue::Text),
        prop_oneof![1890.0..2010.0f64, (1890i32..2010).prop_map(f64::from)]
            .prop_map(AnswerValue::Number),
        Just(vec![0u32, 1, 2, 3])
            .prop_shuffle()
            .prop_map(AnswerValue::Order),
    ]
}

const PLAYERS: [&str; 4] = ["p0", "p1", "p2", "p3"];

fn new_game() -> GameModel {
    let mut g = GameModel::new(every_kind_quiz().validate().unwrap().for_game(7));
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
                Op::Answer { player, question, value, answer_id } => {
                    let pid = PLAYERS[player];
                    let id = format!("a{answer_id}");
                    if let Ok(out) = g.record_answer(pid, &id, question, value, now)
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

    /// Multi-select picks are a set: the order they arrive in changes nothing.
    #[test]
    fn multi_select_is_permutation_invariant(picks in proptest::collection::vec(0u32..4, 1..5), partial: bool) {
        let mut q = question(QuestionKind::MultiSelect);
        q.partial = partial;
        let mut reversed = picks.clone();
        reversed.reverse();
        let a = grade(&q, AnswerValue::Choices(picks));
        let b = grade(&q, AnswerValue::Choices(reversed));
        prop_assert_eq!(&a, &b);
        if let Ok((_, correct, fraction)) = a {
            prop_assert!((0.0..=1.0).contains(&fraction));
            prop_assert_eq!(correct, fraction == 1.0);
        }
    }

    /// A puzzle is right only in the exact order; partial credit stays below full marks otherwise.
    #[test]
    fn puzzle_needs_the_exact_order(order in Just(vec![0u32, 1, 2, 3]).prop_shuffle(), partial: bool) {
        let mut q = question(QuestionKind::Puzzle);
        q.partial = partial;
        let (_, correct, fraction) = grade(&q, AnswerValue::Order(order.clone())).unwrap();
        prop_assert_eq!(correct, order == q.correct_answers);
        prop_assert_eq!(fraction == 1.0, correct);
        prop_assert!(partial || correct || fraction == 0.0);
    }

    /// Slider points never rise as the answer moves away from the correct value.
    #[test]
    fn slider_points_fall_with_distance(a in 1900u32..=2000, b in 1900u32..=2000) {
        let q = question(QuestionKind::Slider);
        let s = q.slider.unwrap();
        let (near, far) = {
            let (da, db) = ((f64::from(a) - s.correct).abs(), (f64::from(b) - s.correct).abs());
            if da <= db { (a, b) } else { (b, a) }
        };
        prop_assert!(s.fraction(f64::from(near)) >= s.fraction(f64::from(far)));
    }

    /// Case, surrounding and repeated spaces never matter for a typed answer.
    #[test]
    fn typed_answers_ignore_case_and_spaces(pre in " {0,3}", post in " {0,3}", upper: bool) {
        let q = question(QuestionKind::TypeAnswer);
        let typed = if upper { "BERN" } else { "bern" };
        let (_, correct, _) = grade(&q, AnswerValue::Text(format!("{pre}{typed}{post}"))).unwrap();
        prop_assert!(correct);
    }
}

fn question(kind: QuestionKind) -> cahoot_game::Question {
    let quiz = every_kind_quiz().validate().unwrap();
    quiz.questions.into_iter().find(|q| q.kind == kind).unwrap()
}
