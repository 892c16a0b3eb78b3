//! Judging one answer. Recording it (once, atomically) is the live store's job; this module decides whether
//! an answer may be recorded and what it is worth.

use crate::machine::{GameState, Phase};
use crate::quiz::{Question, QuestionKind, QuizInput, TYPED_ANSWER_MAX, is_permutation};
use crate::scoring::{Streak, answer_points, scaled};
use crate::text;
use serde::{Deserialize, Serialize};

/// The longest answer id a client may choose.
pub const ANSWER_ID_MAX: usize = 64;

/// What a player answers; which shape fits which kind of question is in `docs/question-types.md`.
/// On the wire: `{"choice": 1}`, `{"choices": [0, 2]}`, `{"text": "Bern"}`, `{"number": 1969}`,
/// `{"order": [2, 0, 1]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AnswerValue {
    /// The index of one option: multiple choice, true/false, poll.
    Choice(u32),
    /// The indices of the picked options, any order, no repeats: multi-select. Stored sorted.
    Choices(Vec<u32>),
    /// Typed text: type answer, word cloud. Stored cleaned (see [`text::clean`]).
    Text(String),
    /// A value on the slider.
    Number(f64),
    /// Every item's index, in the order the player put them: puzzle.
    Order(Vec<u32>),
}

impl AnswerValue {
    /// The option index of a single-choice answer (what the reveal counts per option).
    pub fn choice(&self) -> Option<u32> {
        match self {
            AnswerValue::Choice(c) => Some(*c),
            _ => None,
        }
    }

    /// A short human-readable form for result exports ("Canberra", "2, 7", "1969", "Atom > Cell").
    pub fn describe(&self, question: &Question) -> String {
        let option = |i: &u32| {
            question
                .answers
                .get(*i as usize)
                .cloned()
                .unwrap_or_else(|| format!("#{i}"))
        };
        match self {
            AnswerValue::Choice(c) => option(c),
            AnswerValue::Choices(cs) => cs.iter().map(option).collect::<Vec<_>>().join(", "),
            AnswerValue::Text(t) => t.clone(),
            AnswerValue::Number(n) => n.to_string(),
            AnswerValue::Order(o) => o.iter().map(option).collect::<Vec<_>>().join(" > "),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("this question is not open for answers")]
    QuestionClosed,
    /// The question is on screen but its "get ready" countdown has not finished.
    #[error("the answers to this question are not open yet")]
    NotOpenYet,
    #[error("that answer option does not exist")]
    InvalidChoice,
    /// The answer has the wrong shape for the question (text for a multiple choice, a repeated pick, an
    /// incomplete order, a value off the slider, …). The reason says which.
    #[error("that answer does not fit this question: {0}")]
    InvalidAnswer(&'static str),
    #[error("you already answered this question")]
    AlreadyAnswered,
}

/// An answer judged against the open question, before the streak bonus (which the store applies atomically).
#[derive(Debug, Clone, PartialEq)]
pub struct JudgedAnswer {
    pub question: u32,
    /// The answer as it will be stored (normalised: picks sorted, text cleaned).
    pub value: AnswerValue,
    /// Entirely right (the streak continues, the bonus applies).
    pub correct: bool,
    /// The question has a right answer; false for polls and word clouds, which leave the streak alone.
    pub judged: bool,
    /// The judged question before this one, for the streak rule.
    pub previous_judged: Option<u32>,
    pub elapsed_ms: u64,
    /// Time-discounted points before the streak bonus, partial credit included.
    pub base_points: u32,
    /// Sent after the question's deadline, within its extra time: only players granted extra time may
    /// answer now (the store checks who, in the same step as it records).
    pub needs_extra_time: bool,
}

/// Checks `value` against the question's kind and says how right it is: the normalised value, whether it is
/// entirely right, and the share of the points it earns (partial credit).
pub fn grade(q: &Question, value: AnswerValue) -> Result<(AnswerValue, bool, f64), AnswerError> {
    use AnswerValue as V;
    use QuestionKind as K;
    let options = q.answers.len() as u32;
    let right = |ok: bool| if ok { 1.0 } else { 0.0 };
    match (q.kind, value) {
        (K::MultipleChoice | K::TrueFalse, V::Choice(c)) => {
            if c >= options {
                return Err(AnswerError::InvalidChoice);
            }
            let correct = c as usize == q.correct;
            Ok((V::Choice(c), correct, right(correct)))
        }
        (K::Poll, V::Choice(c)) => {
            if c >= options {
                return Err(AnswerError::InvalidChoice);
            }
            Ok((V::Choice(c), false, 0.0))
        }
        (K::MultiSelect, V::Choices(mut picks)) => {
            picks.sort_unstable();
            if picks.is_empty() {
                return Err(AnswerError::InvalidAnswer("pick at least one answer"));
            }
            if picks.windows(2).any(|w| w[0] == w[1]) {
                return Err(AnswerError::InvalidAnswer("each answer can be picked once"));
            }
            if picks.iter().any(|&p| p >= options) {
                return Err(AnswerError::InvalidChoice);
            }
            let correct = picks == q.correct_answers;
            let fraction = if correct {
                1.0
            } else if q.partial {
                // One point share per correct pick, minus one per wrong pick, never below 0.
                let hits = picks
                    .iter()
                    .filter(|p| q.correct_answers.contains(p))
                    .count();
                let misses = picks.len() - hits;
                (hits as f64 - misses as f64).max(0.0) / q.correct_answers.len() as f64
            } else {
                0.0
            };
            Ok((V::Choices(picks), correct, fraction))
        }
        (K::TypeAnswer | K::WordCloud, V::Text(typed)) => {
            let cleaned = text::clean(&typed).ok_or(AnswerError::InvalidAnswer(
                "type an answer (no control characters)",
            ))?;
            if cleaned.chars().count() > TYPED_ANSWER_MAX {
                return Err(AnswerError::InvalidAnswer(
                    "answers are at most 20 characters",
                ));
            }
            if q.kind == K::WordCloud {
                return Ok((V::Text(cleaned), false, 0.0));
            }
            let key = text::key(&cleaned, q.ignore_diacritics);
            let correct = q
                .answers
                .iter()
                .any(|a| text::key(a, q.ignore_diacritics) == key);
            Ok((V::Text(cleaned), correct, right(correct)))
        }
        (K::Slider, V::Number(n)) => {
            let slider = q.slider.ok_or(AnswerError::QuestionClosed)?;
            if !slider.accepts(n) {
                return Err(AnswerError::InvalidAnswer(
                    "the value must be on the slider (between its ends, on a step)",
                ));
            }
            let fraction = slider.fraction(n);
            Ok((V::Number(n), fraction >= 1.0, fraction))
        }
        (K::Puzzle, V::Order(order)) => {
            if !is_permutation(&order, q.answers.len()) {
                return Err(AnswerError::InvalidAnswer(
                    "put every item in the order exactly once",
                ));
            }
            let in_place = order
                .iter()
                .zip(&q.correct_answers)
                .filter(|(a, b)| a == b)
                .count();
            let correct = in_place == order.len();
            let fraction = if correct {
                1.0
            } else if q.partial {
                // The share of items in their right position.
                in_place as f64 / order.len() as f64
            } else {
                0.0
            };
            Ok((V::Order(order), correct, fraction))
        }
        (K::Slide, _) => Err(AnswerError::InvalidAnswer("a slide takes no answer")),
        _ => Err(AnswerError::InvalidAnswer(
            "this kind of answer is for another kind of question",
        )),
    }
}

/// Checks that `question` is open at `now_ms` and `value` fits it; computes the time-discounted points.
pub fn judge(
    state: &GameState,
    quiz: &QuizInput,
    question: u32,
    value: AnswerValue,
    now_ms: u64,
) -> Result<JudgedAnswer, AnswerError> {
    if state.phase != Phase::Question(question)
        || now_ms > state.deadline_ms.max(state.extra_deadline_ms)
    {
        return Err(AnswerError::QuestionClosed);
    }
    if now_ms < state.opened_at_ms {
        return Err(AnswerError::NotOpenYet);
    }
    let q = quiz
        .questions
        .get(question as usize)
        .ok_or(AnswerError::QuestionClosed)?;
    let (value, correct, fraction) = grade(q, value)?;
    let elapsed_ms = now_ms.saturating_sub(state.opened_at_ms);
    let judged = q.kind.is_judged();
    let full = answer_points(
        judged && fraction > 0.0,
        elapsed_ms,
        q.time_limit_ms(),
        q.points.base_points(),
    );
    Ok(JudgedAnswer {
        question,
        value,
        correct,
        judged,
        previous_judged: quiz.previous_judged(question),
        elapsed_ms,
        base_points: scaled(full, fraction),
        needs_extra_time: now_ms > state.deadline_ms,
    })
}

/// An answer as stored: what the player answered and what it earned, streak bonus included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptedAnswer {
    pub answer_id: String,
    pub question: u32,
    pub value: AnswerValue,
    pub correct: bool,
    pub elapsed_ms: u64,
    pub points: u32,
}

/// The per-player part of an atomic record: given the player's streak, the stored answer and the new streak.
/// Unjudged questions leave the streak as it is; a partly right answer earns its points but no bonus and
/// ends the streak.
pub fn accept(answer_id: &str, judged: JudgedAnswer, streak: Streak) -> (AcceptedAnswer, Streak) {
    let (streak, bonus) = if judged.judged {
        streak.after_answer(judged.question, judged.previous_judged, judged.correct)
    } else {
        (streak, 0)
    };
    // `base_points == 0` is a "no points" question (or no credit at all): a correct answer keeps the streak
    // going but earns no bonus either.
    let points = match judged.base_points {
        0 => 0,
        base if judged.correct => base + bonus,
        base => base,
    };
    let accepted = AcceptedAnswer {
        answer_id: answer_id.to_owned(),
        question: judged.question,
        value: judged.value,
        correct: judged.correct,
        elapsed_ms: judged.elapsed_ms,
        points,
    };
    (accepted, streak)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::{Command, Context, apply};
    use crate::quiz::sample_quiz;

    fn open() -> (GameState, QuizInput) {
        let quiz = sample_quiz();
        let ctx = Context {
            now_ms: 10_000,
            player_count: 1,
            quiz: &quiz,
            lead_in_ms: 0,
            extra_time: false,
        };
        let (s, _) = apply(&GameState::new(4), Command::Start, &ctx).unwrap();
        (s, quiz)
    }

    #[test]
    fn correct_answer_is_time_discounted() {
        let (s, quiz) = open();
        let j = judge(&s, &quiz, 0, AnswerValue::Choice(1), 20_000).unwrap();
        assert!(j.correct);
        assert_eq!((j.elapsed_ms, j.base_points), (10_000, 750));
    }

    #[test]
    fn answers_wait_for_the_lead_in_and_count_time_from_the_opening() {
        let quiz = sample_quiz();
        let ctx = Context {
            now_ms: 10_000,
            player_count: 1,
            quiz: &quiz,
            lead_in_ms: 3_000,
            extra_time: false,
        };
        let (s, _) = apply(&GameState::new(4), Command::Start, &ctx).unwrap();
        assert_eq!(
            judge(&s, &quiz, 0, AnswerValue::Choice(1), 12_999),
            Err(AnswerError::NotOpenYet)
        );
        let j = judge(&s, &quiz, 0, AnswerValue::Choice(1), 13_000).unwrap();
        assert_eq!((j.elapsed_ms, j.base_points), (0, 1000));
        // The whole time limit (20 s) follows the lead-in.
        assert!(judge(&s, &quiz, 0, AnswerValue::Choice(1), 33_000).is_ok());
        assert_eq!(
            judge(&s, &quiz, 0, AnswerValue::Choice(1), 33_001),
            Err(AnswerError::QuestionClosed)
        );
    }

    #[test]
    fn closed_future_and_late_answers_are_rejected() {
        let (s, quiz) = open();
        assert_eq!(
            judge(&s, &quiz, 1, AnswerValue::Choice(0), 11_000),
            Err(AnswerError::QuestionClosed)
        );
        assert_eq!(
            judge(&s, &quiz, 0, AnswerValue::Choice(0), 30_001),
            Err(AnswerError::QuestionClosed)
        );
        assert_eq!(
            judge(&s, &quiz, 0, AnswerValue::Choice(4), 11_000),
            Err(AnswerError::InvalidChoice)
        );
    }

    #[test]
    fn accept_adds_the_streak_bonus_to_correct_answers_only() {
        let (s, quiz) = open();
        let j = judge(&s, &quiz, 0, AnswerValue::Choice(1), 10_100).unwrap();
        let streak = Streak {
            count: 3,
            last_question: None,
        };
        let (a, st) = accept("a1", j, streak);
        assert_eq!((a.points, st.count), (1000, 1));
        let _ = st;
        let prior = Streak {
            count: 0,
            last_question: None,
        };
        let (st, _) = prior.after_answer(0, None, true);
        let j1 = JudgedAnswer {
            question: 1,
            value: AnswerValue::Choice(0),
            correct: true,
            judged: true,
            previous_judged: Some(0),
            elapsed_ms: 0,
            base_points: 1000,
            needs_extra_time: false,
        };
        let (a, _) = accept("a2", j1.clone(), st);
        assert_eq!(a.points, 1100);
        let wrong = JudgedAnswer {
            correct: false,
            base_points: 0,
            needs_extra_time: false,
            ..j1.clone()
        };
        assert_eq!(accept("a3", wrong, st).0.points, 0);
    }
}

#[cfg(test)]
mod no_points_tests {
    use super::*;

    #[test]
    fn no_points_questions_award_no_streak_bonus_but_keep_the_streak() {
        let streak = Streak {
            count: 3,
            last_question: Some(1),
        };
        let judged = JudgedAnswer {
            question: 2,
            value: AnswerValue::Choice(0),
            correct: true,
            judged: true,
            previous_judged: Some(1),
            elapsed_ms: 100,
            base_points: 0,
            needs_extra_time: false,
        };
        let (a, s) = accept("a", judged, streak);
        assert_eq!((a.points, s.count), (0, 4));
    }
}

#[cfg(test)]
mod kind_tests {
    use super::*;
    use crate::quiz::every_kind_quiz;
    use AnswerValue as V;

    fn question(kind: QuestionKind) -> Question {
        let quiz = every_kind_quiz().validate().unwrap();
        quiz.questions.into_iter().find(|q| q.kind == kind).unwrap()
    }

    fn fraction(q: &Question, v: AnswerValue) -> f64 {
        grade(q, v).unwrap().2
    }

    #[test]
    fn wrong_shapes_are_refused_for_every_kind() {
        use QuestionKind::*;
        let wrong = [
            (MultipleChoice, V::Text("x".into())),
            (MultipleChoice, V::Choice(4)),
            (TrueFalse, V::Choices(vec![0])),
            (MultiSelect, V::Choices(vec![])),
            (MultiSelect, V::Choices(vec![1, 1])),
            (MultiSelect, V::Choices(vec![9])),
            (TypeAnswer, V::Text("   ".into())),
            (TypeAnswer, V::Text("x".repeat(21))),
            (TypeAnswer, V::Choice(0)),
            (Slider, V::Number(1899.0)),
            (Slider, V::Number(1969.5)),
            (Slider, V::Number(f64::NAN)),
            (Puzzle, V::Order(vec![0, 1, 2])),
            (Puzzle, V::Order(vec![0, 0, 1, 2])),
            (Poll, V::Choice(3)),
            (WordCloud, V::Number(1.0)),
            (Slide, V::Choice(0)),
        ];
        for (kind, value) in wrong {
            assert!(
                grade(&question(kind), value.clone()).is_err(),
                "{kind:?} {value:?}"
            );
        }
    }

    #[test]
    fn multi_select_all_or_nothing_or_partial() {
        let mut q = question(QuestionKind::MultiSelect); // correct: 0 and 2 of 4
        assert_eq!(fraction(&q, V::Choices(vec![2, 0])), 1.0);
        assert_eq!(fraction(&q, V::Choices(vec![0])), 0.0);
        q.partial = true;
        assert_eq!(fraction(&q, V::Choices(vec![0])), 0.5);
        assert_eq!(fraction(&q, V::Choices(vec![0, 1])), 0.0);
        assert_eq!(fraction(&q, V::Choices(vec![0, 1, 2])), 0.5);
        assert_eq!(fraction(&q, V::Choices(vec![1, 3])), 0.0);
    }

    #[test]
    fn slider_full_within_tolerance_then_linear_to_zero() {
        let q = question(QuestionKind::Slider); // 1900..2000, correct 1969 ± 2, falloff 25
        assert_eq!(fraction(&q, V::Number(1971.0)), 1.0);
        assert!(grade(&q, V::Number(1971.0)).unwrap().1);
        assert_eq!(fraction(&q, V::Number(1981.0)), 0.6);
        assert!(!grade(&q, V::Number(1972.0)).unwrap().1);
        assert_eq!(fraction(&q, V::Number(1996.0)), 0.0);
    }

    #[test]
    fn puzzle_partial_counts_items_in_place() {
        let mut q = question(QuestionKind::Puzzle);
        assert_eq!(fraction(&q, V::Order(vec![0, 1, 3, 2])), 0.0);
        q.partial = true;
        assert_eq!(fraction(&q, V::Order(vec![0, 1, 3, 2])), 0.5);
        assert_eq!(fraction(&q, V::Order(vec![0, 1, 2, 3])), 1.0);
    }

    #[test]
    fn typed_answers_are_unicode_safe() {
        let q = question(QuestionKind::TypeAnswer);
        let (stored, correct, _) = grade(&q, V::Text("  BERNE  ".into())).unwrap();
        assert_eq!((stored, correct), (V::Text("BERNE".into()), true));
        assert!(!grade(&q, V::Text("Zürich".into())).unwrap().1);
    }

    #[test]
    fn polls_and_word_clouds_score_nothing_and_leave_the_streak() {
        let quiz = every_kind_quiz().validate().unwrap();
        let streak = Streak {
            count: 2,
            last_question: Some(5),
        };
        let judged = JudgedAnswer {
            question: 6,
            value: V::Choice(0),
            correct: false,
            judged: false,
            previous_judged: quiz.previous_judged(6),
            elapsed_ms: 10,
            base_points: 0,
            needs_extra_time: false,
        };
        let (a, s) = accept("p", judged, streak);
        assert_eq!((a.points, s), (0, streak));
        // After the poll (6), word cloud (7) and slide (8), the previous judged question is still the puzzle.
        assert_eq!(quiz.previous_judged(9), Some(5));
    }

    #[test]
    fn a_game_shuffles_puzzles_and_shuffle_questions_consistently() {
        let mut quiz = every_kind_quiz().validate().unwrap();
        quiz.questions[0].shuffle = true;
        for seed in 0..20 {
            let game = quiz.clone().for_game(seed);
            let (before, after) = (&quiz.questions[0], &game.questions[0]);
            assert_eq!(before.answers[before.correct], after.answers[after.correct]);
            let puzzle = &game.questions[5];
            assert_ne!(
                puzzle.correct_answers,
                [0, 1, 2, 3],
                "seed {seed}: shown solved"
            );
            let solved: Vec<_> = puzzle
                .correct_answers
                .iter()
                .map(|&i| puzzle.answers[i as usize].as_str())
                .collect();
            assert_eq!(solved, ["Atom", "Cell", "Mouse", "Elephant"]);
            assert_eq!(quiz.clone().for_game(seed), game, "deterministic");
        }
    }
}
