//! Cahoot's pure domain: quiz model and validation, game state machine, scoring, PIN and nickname rules.
//! No IO, no async, no clock reads: time is always an argument.

pub mod answer;
pub mod machine;
pub mod model;
pub mod names;
pub mod profanity;
pub mod quiz;
pub mod scoring;
pub mod tally;
pub mod text;

pub use answer::{AcceptedAnswer, AnswerError, AnswerValue, JudgedAnswer, accept, grade, judge};
pub use machine::{Command, Context, Event, GameState, Phase, TransitionError, apply};
pub use names::{GamePin, NameError, Nickname, PupilId};
pub use quiz::{
    FieldError, PointsMode, Question, QuestionKind, QuizInput, SliderSpec, every_kind_quiz,
    sample_quiz,
};
pub use scoring::{Streak, answer_points};
pub use tally::{QuestionTally, TextCount};
