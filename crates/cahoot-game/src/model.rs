//! A whole game in one value: the state machine plus players, answers and scores.
//!
//! The in-process live store keeps one `GameModel` per game behind a lock, and the property tests drive it
//! with random commands and answers. A distributed store keeps the same data in separate keys but must give
//! the same results: the live-store contract suite checks that.

use crate::answer::{AcceptedAnswer, AnswerError, AnswerValue, accept, judge};
use crate::machine::{Command, Context, Event, GameState, TransitionError, apply};
use crate::quiz::QuizInput;
use crate::scoring::Streak;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerRecord {
    pub nickname: String,
    pub score: u64,
    pub streak: Streak,
    pub connected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub rank: u32,
    pub player_id: String,
    pub nickname: String,
    pub score: u64,
}

/// Ranks by score, highest first; equal scores share a rank ("1224" ranking); ties listed by nickname.
pub fn standings<'a>(players: impl IntoIterator<Item = (&'a str, &'a str, u64)>) -> Vec<Standing> {
    let mut rows: Vec<_> = players.into_iter().collect();
    // One lowercase key per player, not two per comparison (10 000 players, mostly tied at 0 early on).
    rows.sort_by_cached_key(|(_, nick, score)| (std::cmp::Reverse(*score), nick.to_lowercase()));
    let mut out: Vec<Standing> = Vec::with_capacity(rows.len());
    for (i, (id, nick, score)) in rows.into_iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if prev.score == score => prev.rank,
            _ => i as u32 + 1,
        };
        out.push(Standing {
            rank,
            player_id: id.to_owned(),
            nickname: nick.to_owned(),
            score,
        });
    }
    out
}

/// Result of recording an answer: the stored answer and whether this call stored it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOutcome {
    pub answer: AcceptedAnswer,
    /// False when the same answer id had already been recorded (a resend after reconnect).
    pub newly_recorded: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GameModel {
    pub quiz: QuizInput,
    pub state: GameState,
    pub players: BTreeMap<String, PlayerRecord>,
    pub kicked: Vec<String>,
    /// Players the host granted extra time (see `EXTRA_TIME_SHARE`).
    pub extra_time: BTreeSet<String>,
    /// (question, player id) → the one accepted answer.
    pub answers: HashMap<(u32, String), AcceptedAnswer>,
}

impl GameModel {
    pub fn new(quiz: QuizInput) -> Self {
        let state = GameState::new(quiz.questions.len() as u32);
        GameModel {
            quiz,
            state,
            players: BTreeMap::new(),
            kicked: Vec::new(),
            extra_time: BTreeSet::new(),
            answers: HashMap::new(),
        }
    }

    pub fn transition(
        &mut self,
        command: Command,
        now_ms: u64,
    ) -> Result<Vec<Event>, TransitionError> {
        let ctx = Context {
            now_ms,
            player_count: self.players.len(),
            quiz: &self.quiz,
            lead_in_ms: 0,
            extra_time: !self.extra_time.is_empty(),
        };
        let (state, events) = apply(&self.state, command, &ctx)?;
        self.state = state;
        Ok(events)
    }

    /// Records an answer once. A resend with the same answer id returns the stored answer; any other second
    /// answer to the same question is refused.
    pub fn record_answer(
        &mut self,
        player_id: &str,
        answer_id: &str,
        question: u32,
        value: AnswerValue,
        now_ms: u64,
    ) -> Result<RecordOutcome, AnswerError> {
        let key = (question, player_id.to_owned());
        if let Some(existing) = self.answers.get(&key) {
            return if existing.answer_id == answer_id {
                Ok(RecordOutcome {
                    answer: existing.clone(),
                    newly_recorded: false,
                })
            } else {
                Err(AnswerError::AlreadyAnswered)
            };
        }
        let judged = judge(&self.state, &self.quiz, question, value, now_ms)?;
        if judged.needs_extra_time && !self.extra_time.contains(player_id) {
            return Err(AnswerError::QuestionClosed);
        }
        let player = self
            .players
            .get_mut(player_id)
            .ok_or(AnswerError::QuestionClosed)?;
        let (answer, streak) = accept(answer_id, judged, player.streak);
        player.streak = streak;
        player.score += u64::from(answer.points);
        self.answers.insert(key, answer.clone());
        Ok(RecordOutcome {
            answer,
            newly_recorded: true,
        })
    }

    pub fn answered_count(&self, question: u32) -> usize {
        self.answers.keys().filter(|(q, _)| *q == question).count()
    }

    pub fn standings(&self) -> Vec<Standing> {
        standings(
            self.players
                .iter()
                .map(|(id, p)| (id.as_str(), p.nickname.as_str(), p.score)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::sample_quiz;

    fn player(nick: &str) -> PlayerRecord {
        PlayerRecord {
            nickname: nick.into(),
            score: 0,
            streak: Streak::default(),
            connected: true,
        }
    }

    #[test]
    fn equal_scores_share_a_rank() {
        let s = standings([
            ("a", "Ann", 10),
            ("b", "bob", 30),
            ("c", "Cy", 10),
            ("d", "Di", 5),
        ]);
        let ranks: Vec<_> = s.iter().map(|r| (r.nickname.as_str(), r.rank)).collect();
        assert_eq!(ranks, [("bob", 1), ("Ann", 2), ("Cy", 2), ("Di", 4)]);
    }

    #[test]
    fn only_players_with_extra_time_answer_after_the_deadline() {
        // Question 1 of the sample quiz: 20 s; extra time adds half of it.
        let mut g = GameModel::new(sample_quiz());
        g.players.insert("p1".into(), player("Ada"));
        g.players.insert("p2".into(), player("Bob"));
        g.players.insert("p3".into(), player("Cy"));
        g.extra_time.insert("p1".into());
        g.transition(Command::Start, 0).unwrap();
        assert_eq!(
            (g.state.deadline_ms, g.state.extra_deadline_ms),
            (20_000, 30_000)
        );
        assert_eq!(
            g.record_answer("p2", "b", 0, AnswerValue::Choice(1), 25_000),
            Err(AnswerError::QuestionClosed)
        );
        // The slowest answer with extra time earns what the slowest in time does: half.
        let late = g
            .record_answer("p1", "a", 0, AnswerValue::Choice(1), 25_000)
            .unwrap();
        assert_eq!(late.answer.points, 500);
        assert_eq!(
            g.record_answer("p1", "c", 1, AnswerValue::Choice(1), 25_000),
            Err(AnswerError::QuestionClosed)
        );
        assert_eq!(
            g.record_answer("p3", "c", 0, AnswerValue::Choice(1), 30_001),
            Err(AnswerError::QuestionClosed)
        );
    }

    #[test]
    fn without_extra_time_the_question_closes_at_its_deadline() {
        let mut g = GameModel::new(sample_quiz());
        g.players.insert("p1".into(), player("Ada"));
        g.transition(Command::Start, 0).unwrap();
        assert_eq!(g.state.extra_deadline_ms, g.state.deadline_ms);
        assert_eq!(
            g.record_answer("p1", "a", 0, AnswerValue::Choice(1), 20_001),
            Err(AnswerError::QuestionClosed)
        );
    }

    #[test]
    fn resend_returns_the_original_and_a_second_answer_is_refused() {
        let mut g = GameModel::new(sample_quiz());
        g.players.insert("p1".into(), player("Ada"));
        g.transition(Command::Start, 0).unwrap();
        let first = g
            .record_answer("p1", "x", 0, AnswerValue::Choice(1), 100)
            .unwrap();
        assert!(first.newly_recorded);
        assert_eq!(first.answer.points, 1000);
        let again = g
            .record_answer("p1", "x", 0, AnswerValue::Choice(1), 5_000)
            .unwrap();
        assert!(!again.newly_recorded);
        assert_eq!(again.answer, first.answer);
        assert_eq!(
            g.record_answer("p1", "y", 0, AnswerValue::Choice(0), 5_000),
            Err(AnswerError::AlreadyAnswered)
        );
        assert_eq!(g.players["p1"].score, 1000);
        assert_eq!(g.answered_count(0), 1);
    }
}
