//! Judging one answer. Recording it (once, atomically) is the live store's job; this module decides whether
//! an answer may be recorded and what it is worth.

use crate::machine::{GameState, Phase};
use crate::quiz::QuizInput;
use crate::scoring::{Streak, answer_points};
use serde::{Deserialize, Serialize};

/// The longest answer id a client may choose.
pub const ANSWER_ID_MAX: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("this question is not open for answers")]
    QuestionClosed,
    #[error("that answer option does not exist")]
    InvalidChoice,
    #[error("you already answered this question")]
    AlreadyAnswered,
}

/// An answer judged against the open question, before the streak bonus (which the store applies atomically).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JudgedAnswer {
    pub question: u32,
    pub choice: u32,
    pub correct: bool,
    pub elapsed_ms: u64,
    pub base_points: u32,
}

/// Checks that `question` is open at `now_ms` and `choice` exists; computes the time-discounted points.
pub fn judge(
    state: &GameState,
    quiz: &QuizInput,
    question: u32,
    choice: u32,
    now_ms: u64,
) -> Result<JudgedAnswer, AnswerError> {
    if state.phase != Phase::Question(question) || now_ms > state.deadline_ms {
        return Err(AnswerError::QuestionClosed);
    }
    let q = quiz
        .questions
        .get(question as usize)
        .ok_or(AnswerError::QuestionClosed)?;
    if choice as usize >= q.answers.len() {
        return Err(AnswerError::InvalidChoice);
    }
    let correct = choice as usize == q.correct;
    let elapsed_ms = now_ms.saturating_sub(state.opened_at_ms);
    Ok(JudgedAnswer {
        question,
        choice,
        correct,
        elapsed_ms,
        base_points: answer_points(
            correct,
            elapsed_ms,
            q.time_limit_ms(),
            q.points.base_points(),
        ),
    })
}

/// An answer as stored: what the player chose and what it earned, streak bonus included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedAnswer {
    pub answer_id: String,
    pub question: u32,
    pub choice: u32,
    pub correct: bool,
    pub elapsed_ms: u64,
    pub points: u32,
}

/// The per-player part of an atomic record: given the player's streak, the stored answer and the new streak.
pub fn accept(answer_id: &str, judged: JudgedAnswer, streak: Streak) -> (AcceptedAnswer, Streak) {
    let (streak, bonus) = streak.after_answer(judged.question, judged.correct);
    // A correct answer earns at least half its points, so `base_points == 0` means a "no points"
    // question: it keeps the streak going but awards no bonus either.
    let points = if judged.correct && judged.base_points > 0 {
        judged.base_points + bonus
    } else {
        0
    };
    let accepted = AcceptedAnswer {
        answer_id: answer_id.to_owned(),
        question: judged.question,
        choice: judged.choice,
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
        };
        let (s, _) = apply(&GameState::new(4), Command::Start, &ctx).unwrap();
        (s, quiz)
    }

    #[test]
    fn correct_answer_is_time_discounted() {
        let (s, quiz) = open();
        let j = judge(&s, &quiz, 0, 1, 20_000).unwrap();
        assert!(j.correct);
        assert_eq!((j.elapsed_ms, j.base_points), (10_000, 750));
    }

    #[test]
    fn closed_future_and_late_answers_are_rejected() {
        let (s, quiz) = open();
        assert_eq!(
            judge(&s, &quiz, 1, 0, 11_000),
            Err(AnswerError::QuestionClosed)
        );
        assert_eq!(
            judge(&s, &quiz, 0, 0, 30_001),
            Err(AnswerError::QuestionClosed)
        );
        assert_eq!(
            judge(&s, &quiz, 0, 4, 11_000),
            Err(AnswerError::InvalidChoice)
        );
    }

    #[test]
    fn accept_adds_the_streak_bonus_to_correct_answers_only() {
        let (s, quiz) = open();
        let j = judge(&s, &quiz, 0, 1, 10_100).unwrap();
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
        let (st, _) = prior.after_answer(0, true);
        let j1 = JudgedAnswer {
            question: 1,
            choice: 0,
            correct: true,
            elapsed_ms: 0,
            base_points: 1000,
        };
        let (a, _) = accept("a2", j1, st);
        assert_eq!(a.points, 1100);
        let wrong = JudgedAnswer {
            correct: false,
            base_points: 0,
            ..j1
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
            choice: 0,
            correct: true,
            elapsed_ms: 100,
            base_points: 0,
        };
        let (a, s) = accept("a", judged, streak);
        assert_eq!((a.points, s.count), (0, 4));
    }
}
