//! The quiz model and its validation. A `Quiz` that passed [`QuizInput::validate`] is playable.

use serde::{Deserialize, Serialize};

pub const TITLE_MAX: usize = 100;
pub const QUESTION_TEXT_MAX: usize = 250;
pub const ANSWER_TEXT_MAX: usize = 100;
pub const QUESTIONS_MAX: usize = 100;
pub const TIME_LIMIT_MIN: u32 = 5;
pub const TIME_LIMIT_MAX: u32 = 240;
pub const TIME_LIMIT_DEFAULT: u32 = 20;
pub const TRUE_FALSE_ANSWERS: [&str; 2] = ["True", "False"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    #[default]
    MultipleChoice,
    TrueFalse,
}

/// How many points a correct answer is worth before the time discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PointsMode {
    #[default]
    Standard,
    Double,
    None,
}

impl PointsMode {
    pub fn base_points(self) -> u32 {
        match self {
            PointsMode::Standard => 1000,
            PointsMode::Double => 2000,
            PointsMode::None => 0,
        }
    }
}

fn default_time_limit() -> u32 {
    TIME_LIMIT_DEFAULT
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    #[serde(default)]
    pub kind: QuestionKind,
    pub text: String,
    pub answers: Vec<String>,
    /// Index into `answers` of the one correct answer.
    pub correct: usize,
    #[serde(default = "default_time_limit")]
    pub time_limit_secs: u32,
    #[serde(default)]
    pub points: PointsMode,
}

impl Question {
    pub fn time_limit_ms(&self) -> u64 {
        u64::from(self.time_limit_secs) * 1000
    }
}

/// Title and questions as a host edits them (create and replace use the same shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuizInput {
    pub title: String,
    pub questions: Vec<Question>,
}

/// One problem with a quiz, naming the field like `questions[2].answers[1]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

fn check_text(field: String, value: &str, max: usize, errors: &mut Vec<FieldError>) {
    let len = value.trim().chars().count();
    if len == 0 {
        errors.push(err(field, "must not be empty"));
    } else if len > max {
        errors.push(err(field, format!("must be at most {max} characters")));
    } else if value.chars().any(char::is_control) {
        errors.push(err(field, "must not contain control characters"));
    }
}

impl QuizInput {
    /// Trims texts, then checks every rule. Returns the normalised quiz or every problem found.
    pub fn validate(mut self) -> Result<QuizInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        self.title = self.title.trim().to_owned();
        check_text("title".into(), &self.title, TITLE_MAX, &mut errors);
        if self.questions.is_empty() {
            errors.push(err("questions", "a quiz needs at least one question"));
        } else if self.questions.len() > QUESTIONS_MAX {
            errors.push(err(
                "questions",
                format!("a quiz has at most {QUESTIONS_MAX} questions"),
            ));
        }
        for (i, q) in self.questions.iter_mut().enumerate() {
            let at = |f: &str| format!("questions[{i}].{f}");
            q.text = q.text.trim().to_owned();
            check_text(at("text"), &q.text, QUESTION_TEXT_MAX, &mut errors);
            for a in q.answers.iter_mut() {
                *a = a.trim().to_owned();
            }
            match q.kind {
                QuestionKind::MultipleChoice => {
                    if !(2..=4).contains(&q.answers.len()) {
                        errors.push(err(at("answers"), "must have 2 to 4 answers"));
                    }
                    for (j, a) in q.answers.iter().enumerate() {
                        check_text(
                            at(&format!("answers[{j}]")),
                            a,
                            ANSWER_TEXT_MAX,
                            &mut errors,
                        );
                    }
                }
                QuestionKind::TrueFalse => {
                    if q.answers.is_empty() {
                        q.answers = TRUE_FALSE_ANSWERS.iter().map(|s| s.to_string()).collect();
                    }
                    if q.answers != TRUE_FALSE_ANSWERS {
                        errors.push(err(at("answers"), "must be [\"True\", \"False\"]"));
                    }
                }
            }
            if q.correct >= q.answers.len() {
                errors.push(err(
                    at("correct"),
                    "must be the index of one of the answers",
                ));
            }
            if !(TIME_LIMIT_MIN..=TIME_LIMIT_MAX).contains(&q.time_limit_secs) {
                errors.push(err(
                    at("time_limit_secs"),
                    format!("must be between {TIME_LIMIT_MIN} and {TIME_LIMIT_MAX} seconds"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// A quiz every new account can create with one click.
pub fn sample_quiz() -> QuizInput {
    let mc = |text: &str, answers: &[&str], correct: usize| Question {
        kind: QuestionKind::MultipleChoice,
        text: text.into(),
        answers: answers.iter().map(|s| s.to_string()).collect(),
        correct,
        time_limit_secs: TIME_LIMIT_DEFAULT,
        points: PointsMode::Standard,
    };
    QuizInput {
        title: "Sample quiz: world trivia".into(),
        questions: vec![
            mc(
                "What is the capital of Australia?",
                &["Sydney", "Canberra", "Melbourne", "Perth"],
                1,
            ),
            Question {
                kind: QuestionKind::TrueFalse,
                text: "Light from the Sun reaches Earth in about 8 minutes.".into(),
                answers: TRUE_FALSE_ANSWERS.iter().map(|s| s.to_string()).collect(),
                correct: 0,
                time_limit_secs: 15,
                points: PointsMode::Standard,
            },
            mc(
                "Which planet is the largest?",
                &["Saturn", "Neptune", "Jupiter"],
                2,
            ),
            Question {
                points: PointsMode::Double,
                ..mc(
                    "How many bones does an adult human have?",
                    &["106", "206", "306", "406"],
                    1,
                )
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(input: QuizInput) -> Vec<String> {
        input
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn sample_quiz_is_valid() {
        assert!(sample_quiz().validate().is_ok());
    }

    #[test]
    fn validation_errors_name_the_field() {
        let mut q = sample_quiz();
        q.title = "  ".into();
        q.questions[0].answers = vec!["only one".into()];
        q.questions[0].correct = 3;
        q.questions[2].time_limit_secs = 241;
        q.questions[3].answers[2] = String::new();
        assert_eq!(
            fields(q),
            [
                "title",
                "questions[0].answers",
                "questions[0].correct",
                "questions[2].time_limit_secs",
                "questions[3].answers[2]"
            ]
        );
    }

    #[test]
    fn empty_quiz_is_rejected() {
        let q = QuizInput {
            title: "t".into(),
            questions: vec![],
        };
        assert_eq!(fields(q), ["questions"]);
    }

    #[test]
    fn true_false_gets_its_answers_and_rejects_others() {
        let mut q = sample_quiz();
        q.questions[1].answers = vec![];
        let ok = q.clone().validate().unwrap();
        assert_eq!(ok.questions[1].answers, TRUE_FALSE_ANSWERS);
        q.questions[1].answers = vec!["Yes".into(), "No".into()];
        assert_eq!(fields(q), ["questions[1].answers"]);
    }

    #[test]
    fn question_defaults_apply_when_omitted() {
        let q: Question =
            serde_json::from_str(r#"{"text":"x","answers":["a","b"],"correct":0}"#).unwrap();
        assert_eq!(q.time_limit_secs, 20);
        assert_eq!(q.points, PointsMode::Standard);
        assert_eq!(q.kind, QuestionKind::MultipleChoice);
    }

    #[test]
    fn texts_are_trimmed() {
        let mut q = sample_quiz();
        q.title = "  Hi  ".into();
        assert_eq!(q.validate().unwrap().title, "Hi");
    }
}
