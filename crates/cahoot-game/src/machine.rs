//! The game state machine: a pure function `(state, command, context) → (state', events)`.
//!
//! The state is deliberately small (no players, no answers): the server stores it as one value and applies
//! transitions with compare-and-set on `version`. Answers are recorded separately (see [`crate::answer`]).

use crate::quiz::{QuestionKind, QuizInput};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", content = "index", rename_all = "snake_case")]
pub enum Phase {
    Lobby,
    Question(u32),
    Reveal(u32),
    Leaderboard(u32),
    Podium,
}

impl Phase {
    /// A total order on phases; a game only ever moves to a larger ordinal.
    pub fn ordinal(self) -> u64 {
        match self {
            Phase::Lobby => 0,
            Phase::Question(i) => 1 + 3 * u64::from(i),
            Phase::Reveal(i) => 2 + 3 * u64::from(i),
            Phase::Leaderboard(i) => 3 + 3 * u64::from(i),
            Phase::Podium => u64::MAX,
        }
    }

    pub fn question_index(self) -> Option<u32> {
        match self {
            Phase::Question(i) | Phase::Reveal(i) | Phase::Leaderboard(i) => Some(i),
            Phase::Lobby | Phase::Podium => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameState {
    pub phase: Phase,
    pub locked: bool,
    pub question_count: u32,
    /// Server clock, ms since the Unix epoch, of the current question's opening and deadline. With a
    /// "get ready" lead-in the question is shown first and `opened_at_ms` lies that far in the future:
    /// answers are taken from then on, and the time limit counts from then.
    pub opened_at_ms: u64,
    pub deadline_ms: u64,
    /// The deadline for players the host granted extra time: `deadline_ms` plus half the time limit when
    /// such a player was in the game as the question opened, else `deadline_ms`. The question closes at it.
    #[serde(default)]
    pub extra_deadline_ms: u64,
    /// Incremented by every transition; the store's compare-and-set key.
    pub version: u64,
}

impl GameState {
    pub fn new(question_count: u32) -> Self {
        GameState {
            phase: Phase::Lobby,
            locked: false,
            question_count,
            opened_at_ms: 0,
            deadline_ms: 0,
            extra_deadline_ms: 0,
            version: 0,
        }
    }

    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Podium
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Start,
    Next,
    Skip,
    End,
    Lock,
    Unlock,
    /// The question's deadline passed or every connected player answered. Any instance may send it.
    Close {
        question: u32,
    },
}

/// What the transition needs to know about the world besides the state.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub now_ms: u64,
    pub player_count: usize,
    pub quiz: &'a QuizInput,
    /// The "get ready" countdown before a question's answers open (0 = none). Slides have none.
    pub lead_in_ms: u64,
    /// Some player has extra time: an opening question gets an `extra_deadline_ms` beyond its deadline.
    pub extra_time: bool,
}

/// How much longer players with extra time may answer: this share of the question's time limit.
pub const EXTRA_TIME_SHARE: f64 = 0.5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    QuestionOpened { index: u32, deadline_ms: u64 },
    QuestionClosed { index: u32 },
    LeaderboardShown { index: u32 },
    GameEnded,
    LockChanged { locked: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("this command is not allowed in the current phase")]
    InvalidCommand,
    #[error("the game needs at least one player to start")]
    NoPlayers,
    #[error("the question is not open (already closed or not yet asked)")]
    QuestionNotOpen,
}

fn open_question(mut s: GameState, index: u32, ctx: &Context) -> (GameState, Vec<Event>) {
    if index >= s.question_count {
        s.phase = Phase::Podium;
        return (s, vec![Event::GameEnded]);
    }
    let question = ctx.quiz.questions.get(index as usize);
    let limit = question.map_or(0, |q| q.time_limit_ms());
    let lead_in = match question {
        Some(q) if q.kind != QuestionKind::Slide => ctx.lead_in_ms,
        _ => 0,
    };
    s.phase = Phase::Question(index);
    s.opened_at_ms = ctx.now_ms + lead_in;
    s.deadline_ms = s.opened_at_ms + limit;
    let extra = if ctx.extra_time {
        (limit as f64 * EXTRA_TIME_SHARE) as u64
    } else {
        0
    };
    s.extra_deadline_ms = s.deadline_ms + extra;
    let deadline_ms = s.extra_deadline_ms;
    (s, vec![Event::QuestionOpened { index, deadline_ms }])
}

/// Applies one command. On success the returned state has `version + 1`.
pub fn apply(
    state: &GameState,
    command: Command,
    ctx: &Context,
) -> Result<(GameState, Vec<Event>), TransitionError> {
    use Phase::*;
    let s = state.clone();
    let (mut next, events) = match (state.phase, command) {
        (Podium, _) => return Err(TransitionError::InvalidCommand),
        (Lobby, Command::Start) if ctx.player_count == 0 => return Err(TransitionError::NoPlayers),
        (Lobby, Command::Start) => open_question(s, 0, ctx),
        (Lobby, Command::Lock | Command::Unlock) => {
            let locked = command == Command::Lock;
            if state.locked == locked {
                return Err(TransitionError::InvalidCommand);
            }
            let mut s = s;
            s.locked = locked;
            (s, vec![Event::LockChanged { locked }])
        }
        (Question(i), Command::Close { question }) if question == i => {
            let mut s = s;
            s.phase = Reveal(i);
            (s, vec![Event::QuestionClosed { index: i }])
        }
        (_, Command::Close { .. }) => return Err(TransitionError::QuestionNotOpen),
        (Question(i), Command::Skip) => {
            let mut s = s;
            s.phase = Reveal(i);
            (s, vec![Event::QuestionClosed { index: i }])
        }
        (Reveal(i), Command::Next) => {
            let mut s = s;
            s.phase = Leaderboard(i);
            (s, vec![Event::LeaderboardShown { index: i }])
        }
        (Reveal(i) | Leaderboard(i), Command::Next | Command::Skip) => open_question(s, i + 1, ctx),
        (_, Command::End) => {
            let mut s = s;
            s.phase = Podium;
            (s, vec![Event::GameEnded])
        }
        _ => return Err(TransitionError::InvalidCommand),
    };
    next.version = state.version + 1;
    Ok((next, events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::sample_quiz;

    fn run(cmds: &[Command]) -> Result<GameState, TransitionError> {
        let quiz = sample_quiz();
        let mut s = GameState::new(quiz.questions.len() as u32);
        for (t, c) in cmds.iter().enumerate() {
            let ctx = Context {
                now_ms: 1000 * t as u64,
                player_count: 1,
                quiz: &quiz,
                lead_in_ms: 0,
                extra_time: false,
            };
            s = apply(&s, *c, &ctx)?.0;
        }
        Ok(s)
    }

    #[test]
    fn a_full_game_reaches_the_podium() {
        use Command::*;
        let s = run(&[
            Start,
            Close { question: 0 },
            Next,
            Next,
            Skip,
            Next,
            Next,
            Skip,
            Skip,
            Close { question: 3 },
            Next,
            Next,
        ])
        .unwrap();
        assert_eq!(s.phase, Phase::Podium);
        assert_eq!(s.version, 12);
    }

    #[test]
    fn opening_a_question_sets_its_deadline() {
        let quiz = sample_quiz();
        let s = GameState::new(4);
        let ctx = Context {
            now_ms: 5_000,
            player_count: 2,
            quiz: &quiz,
            lead_in_ms: 0,
            extra_time: false,
        };
        let (s, ev) = apply(&s, Command::Start, &ctx).unwrap();
        assert_eq!(s.phase, Phase::Question(0));
        assert_eq!((s.opened_at_ms, s.deadline_ms), (5_000, 25_000));
        assert_eq!(
            ev,
            [Event::QuestionOpened {
                index: 0,
                deadline_ms: 25_000
            }]
        );
    }

    #[test]
    fn a_lead_in_shows_the_question_before_its_clock_starts() {
        let quiz = sample_quiz();
        let ctx = Context {
            now_ms: 5_000,
            player_count: 2,
            quiz: &quiz,
            lead_in_ms: 3_000,
            extra_time: false,
        };
        let (s, ev) = apply(&GameState::new(4), Command::Start, &ctx).unwrap();
        assert_eq!((s.opened_at_ms, s.deadline_ms), (8_000, 28_000));
        assert_eq!(
            ev,
            [Event::QuestionOpened {
                index: 0,
                deadline_ms: 28_000
            }]
        );
    }

    #[test]
    fn start_needs_a_player() {
        let quiz = sample_quiz();
        let ctx = Context {
            now_ms: 0,
            player_count: 0,
            quiz: &quiz,
            lead_in_ms: 0,
            extra_time: false,
        };
        assert_eq!(
            apply(&GameState::new(4), Command::Start, &ctx),
            Err(TransitionError::NoPlayers)
        );
    }

    #[test]
    fn a_question_closes_once() {
        use Command::*;
        assert_eq!(
            run(&[Start, Close { question: 0 }, Close { question: 0 }]),
            Err(TransitionError::QuestionNotOpen)
        );
        assert_eq!(
            run(&[Start, Close { question: 1 }]),
            Err(TransitionError::QuestionNotOpen)
        );
    }

    #[test]
    fn lock_only_in_lobby_and_only_when_it_changes() {
        use Command::*;
        assert!(run(&[Lock, Unlock]).is_ok());
        assert_eq!(run(&[Lock, Lock]), Err(TransitionError::InvalidCommand));
        assert_eq!(run(&[Start, Lock]), Err(TransitionError::InvalidCommand));
    }

    #[test]
    fn end_goes_to_podium_and_nothing_follows() {
        use Command::*;
        assert_eq!(run(&[End]).unwrap().phase, Phase::Podium);
        assert_eq!(
            run(&[Start, End, Next]),
            Err(TransitionError::InvalidCommand)
        );
    }

    #[test]
    fn next_is_not_allowed_while_a_question_is_open() {
        assert_eq!(
            run(&[Command::Start, Command::Next]),
            Err(TransitionError::InvalidCommand)
        );
    }
}
