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

/// The kind of a question; see `docs/question-types.md` for each kind's answer shape and scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// One correct answer among 2–4 (Kahoot's "quiz").
    #[default]
    MultipleChoice,
    TrueFalse,
    /// Several correct answers among 2–6; the player submits a set.
    MultiSelect,
    /// The player types up to 20 characters; any of the accepted answers is correct.
    TypeAnswer,
    /// The player picks a number on a slider; close enough earns points.
    Slider,
    /// The player puts 2–6 items in order.
    Puzzle,
    /// An opinion: no correct answer, no points, the distribution is shown.
    Poll,
    /// Short free text, no points; the host sees the most frequent answers.
    WordCloud,
    /// A content page: no answer at all, the host moves on.
    Slide,
}

impl QuestionKind {
    /// Judged kinds have a right answer: they earn points and count for the streak. Unjudged kinds (poll,
    /// word cloud, slide) are invisible to the streak, so a poll between two questions does not break it.
    pub fn is_judged(self) -> bool {
        !matches!(
            self,
            QuestionKind::Poll | QuestionKind::WordCloud | QuestionKind::Slide
        )
    }

    /// Kinds whose `answers` are options a player picks by index (counted per option at the reveal).
    pub fn has_options(self) -> bool {
        matches!(
            self,
            QuestionKind::MultipleChoice
                | QuestionKind::TrueFalse
                | QuestionKind::MultiSelect
                | QuestionKind::Poll
        )
    }

    /// Kinds answered with free text.
    pub fn takes_text(self) -> bool {
        matches!(self, QuestionKind::TypeAnswer | QuestionKind::WordCloud)
    }
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

fn yes() -> bool {
    true
}

/// The number line of a slider question. The player's value must lie on the `step` grid from `min` to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SliderSpec {
    pub min: f64,
    pub max: f64,
    pub step: f64,
    pub correct: f64,
    /// Answers within this distance of `correct` earn full points.
    #[serde(default)]
    pub tolerance: f64,
}

impl SliderSpec {
    /// Beyond the tolerance, points fall linearly to 0 over this distance: a quarter of the range.
    pub fn falloff(&self) -> f64 {
        (self.max - self.min) / 4.0
    }

    /// The share of the points a value earns: 1 within the tolerance, then linearly down to 0 at
    /// `tolerance + falloff()` from the correct value.
    pub fn fraction(&self, value: f64) -> f64 {
        let distance = (value - self.correct).abs();
        if distance <= self.tolerance + STEP_EPSILON * self.step {
            return 1.0;
        }
        let falloff = self.falloff();
        if falloff <= 0.0 {
            return 0.0;
        }
        (1.0 - (distance - self.tolerance) / falloff).clamp(0.0, 1.0)
    }

    /// Whether `value` is a value the slider can show: finite, in range, on the step grid.
    pub fn accepts(&self, value: f64) -> bool {
        if !value.is_finite() || value < self.min || value > self.max {
            return false;
        }
        let steps = (value - self.min) / self.step;
        (steps - steps.round()).abs() <= STEP_EPSILON
    }
}

/// Tolerance for "on the step grid" (floating point: 0.1 + 0.2 is not 0.3).
const STEP_EPSILON: f64 = 1e-6;
/// A slider has at most this many steps (a phone slider with a million positions is unusable).
pub const SLIDER_STEPS_MAX: f64 = 100_000.0;
/// The longest typed answer (Kahoot's limit).
pub const TYPED_ANSWER_MAX: usize = 20;
/// How many accepted answers a type-answer question may list.
pub const ACCEPTED_ANSWERS_MAX: usize = 10;
pub const OPTIONS_MAX: usize = 6;
pub const PUZZLE_ITEMS_MIN: usize = 2;
pub const PUZZLE_ITEMS_MAX: usize = 6;
/// The longest image id (a lowercase hex SHA-256).
pub const IMAGE_ID_LEN: usize = 64;

/// One question. Which fields matter depends on `kind` (see `docs/question-types.md`):
/// - `answers`: the options (multiple choice, true/false, multi-select, poll), the items in the correct order
///   (puzzle, as authored), or the accepted answers (type answer); empty for slider, word cloud and slide.
/// - `correct`: the correct option (multiple choice, true/false).
/// - `correct_answers`: the correct options (multi-select), or the correct order as indices into `answers`
///   (puzzle; filled in as `0, 1, …` by validation, changed when a game shuffles the items).
/// - `partial`: multi-select and puzzle award partial points (off: only an exact answer scores).
/// - `ignore_diacritics`: type answer compares "Zürich" and "zurich" as equal (on by default).
/// - `slider`: the slider's range, step, correct value and tolerance.
/// - `shuffle`: show the options in a random order (decided once per game, the same on every screen).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    #[serde(default)]
    pub kind: QuestionKind,
    pub text: String,
    #[serde(default)]
    pub answers: Vec<String>,
    #[serde(default)]
    pub correct: usize,
    #[serde(default)]
    pub correct_answers: Vec<u32>,
    #[serde(default)]
    pub partial: bool,
    #[serde(default = "yes")]
    pub ignore_diacritics: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slider: Option<SliderSpec>,
    #[serde(default)]
    pub shuffle: bool,
    /// An uploaded image (its content hash id), shown with the question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// One optional image per answer option (multiple choice, multi-select, poll).
    #[serde(default)]
    pub answer_images: Vec<Option<String>>,
    #[serde(default = "default_time_limit")]
    pub time_limit_secs: u32,
    #[serde(default)]
    pub points: PointsMode,
}

impl Question {
    pub fn time_limit_ms(&self) -> u64 {
        u64::from(self.time_limit_secs) * 1000
    }

    /// A question of `kind` with every optional field at its default.
    pub fn new(kind: QuestionKind, text: impl Into<String>) -> Self {
        Question {
            kind,
            text: text.into(),
            answers: Vec::new(),
            correct: 0,
            correct_answers: Vec::new(),
            partial: false,
            ignore_diacritics: true,
            slider: None,
            shuffle: false,
            image: None,
            answer_images: Vec::new(),
            time_limit_secs: TIME_LIMIT_DEFAULT,
            points: PointsMode::Standard,
        }
    }

    /// The same question with `answers` set.
    pub fn with_answers<S: Into<String>>(mut self, answers: impl IntoIterator<Item = S>) -> Self {
        self.answers = answers.into_iter().map(Into::into).collect();
        self
    }
}

/// Title and questions as a host edits them (create and replace use the same shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuizInput {
    pub title: String,
    pub questions: Vec<Question>,
    /// Players' phones show the question's image and the options' images, not only the answer controls
    /// (Kahoot's "show questions and answers on players' devices"). Off: the projector shows them.
    #[serde(default)]
    pub show_on_devices: bool,
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

fn check_image_id(field: String, id: &str, errors: &mut Vec<FieldError>) {
    let hex = id
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if id.len() != IMAGE_ID_LEN || !hex {
        errors.push(err(field, "must be the id of an uploaded image"));
    }
}

/// Checks one question's kind-specific fields, normalising them (defaults filled in, unused fields cleared).
fn check_question(q: &mut Question, at: &dyn Fn(&str) -> String, errors: &mut Vec<FieldError>) {
    for a in q.answers.iter_mut() {
        *a = a.trim().to_owned();
    }
    let check_answers =
        |q: &Question, min: usize, max: usize, limit: usize, errors: &mut Vec<_>| {
            if !(min..=max).contains(&q.answers.len()) {
                errors.push(err(
                    at("answers"),
                    format!("must have {min} to {max} answers"),
                ));
            }
            for (j, a) in q.answers.iter().enumerate() {
                check_text(at(&format!("answers[{j}]")), a, limit, errors);
            }
        };
    match q.kind {
        QuestionKind::MultipleChoice => check_answers(q, 2, 4, ANSWER_TEXT_MAX, errors),
        QuestionKind::TrueFalse => {
            if q.answers.is_empty() {
                q.answers = TRUE_FALSE_ANSWERS.iter().map(|s| s.to_string()).collect();
            }
            if q.answers != TRUE_FALSE_ANSWERS {
                errors.push(err(at("answers"), "must be [\"True\", \"False\"]"));
            }
        }
        QuestionKind::MultiSelect => {
            check_answers(q, 2, OPTIONS_MAX, ANSWER_TEXT_MAX, errors);
            q.correct_answers.sort_unstable();
            q.correct_answers.dedup();
            if q.correct_answers.is_empty() {
                errors.push(err(
                    at("correct_answers"),
                    "mark at least one correct answer",
                ));
            } else if q
                .correct_answers
                .iter()
                .any(|&c| c as usize >= q.answers.len())
            {
                errors.push(err(at("correct_answers"), "must be indices of the answers"));
            }
        }
        QuestionKind::Poll => check_answers(q, 2, OPTIONS_MAX, ANSWER_TEXT_MAX, errors),
        QuestionKind::TypeAnswer => {
            check_answers(q, 1, ACCEPTED_ANSWERS_MAX, TYPED_ANSWER_MAX, errors);
        }
        QuestionKind::Puzzle => {
            check_answers(
                q,
                PUZZLE_ITEMS_MIN,
                PUZZLE_ITEMS_MAX,
                ANSWER_TEXT_MAX,
                errors,
            );
            if q.correct_answers.is_empty() {
                q.correct_answers = (0..q.answers.len() as u32).collect();
            }
            if !is_permutation(&q.correct_answers, q.answers.len()) {
                errors.push(err(
                    at("correct_answers"),
                    "must be an order of all the items",
                ));
            }
        }
        QuestionKind::Slider => match q.slider {
            None => errors.push(err(
                at("slider"),
                "a slider needs its range and correct value",
            )),
            Some(s) => check_slider(&s, at, errors),
        },
        QuestionKind::WordCloud | QuestionKind::Slide => {
            if !q.answers.is_empty() {
                errors.push(err(at("answers"), "this kind of question has no answers"));
            }
        }
    }
    if q.kind.has_options() {
        let single = matches!(
            q.kind,
            QuestionKind::MultipleChoice | QuestionKind::TrueFalse
        );
        if single && q.correct >= q.answers.len() {
            errors.push(err(
                at("correct"),
                "must be the index of one of the answers",
            ));
        }
        if q.answer_images.len() > q.answers.len() {
            errors.push(err(at("answer_images"), "has more images than answers"));
        }
    } else if !q.answer_images.is_empty() {
        errors.push(err(at("answer_images"), "only options can have images"));
    }
    // Unused fields are cleared so a stored quiz only says what matters for its kind.
    if !matches!(
        q.kind,
        QuestionKind::MultipleChoice | QuestionKind::TrueFalse
    ) {
        q.correct = 0;
    }
    if !matches!(q.kind, QuestionKind::MultiSelect | QuestionKind::Puzzle) {
        q.correct_answers.clear();
        q.partial = false;
    }
    if q.kind != QuestionKind::Slider {
        q.slider = None;
    }
    if !matches!(
        q.kind,
        QuestionKind::MultipleChoice | QuestionKind::MultiSelect | QuestionKind::Poll
    ) {
        q.shuffle = false;
    }
    if !q.kind.is_judged() {
        q.points = PointsMode::None;
    }
    if let Some(id) = &q.image {
        check_image_id(at("image"), id, errors);
    }
    for (j, id) in q.answer_images.iter().enumerate() {
        if let Some(id) = id {
            check_image_id(at(&format!("answer_images[{j}]")), id, errors);
        }
    }
}

fn check_slider(s: &SliderSpec, at: &dyn Fn(&str) -> String, errors: &mut Vec<FieldError>) {
    let finite = [s.min, s.max, s.step, s.correct, s.tolerance]
        .iter()
        .all(|v| v.is_finite());
    if !finite {
        errors.push(err(at("slider"), "every number must be finite"));
    } else if s.min >= s.max {
        errors.push(err(at("slider.max"), "must be greater than min"));
    } else if s.step <= 0.0 || (s.max - s.min) / s.step > SLIDER_STEPS_MAX {
        errors.push(err(
            at("slider.step"),
            format!("must be positive, with at most {SLIDER_STEPS_MAX} steps from min to max"),
        ));
    } else if !s.accepts(s.correct) {
        errors.push(err(
            at("slider.correct"),
            "must be between min and max, on a step",
        ));
    } else if s.tolerance < 0.0 || s.tolerance > s.max - s.min {
        errors.push(err(
            at("slider.tolerance"),
            "must be between 0 and the range",
        ));
    }
}

/// Whether `order` holds each of `0..len` exactly once.
pub fn is_permutation(order: &[u32], len: usize) -> bool {
    let mut seen = vec![false; len];
    order.len() == len
        && order.iter().all(|&i| {
            let fresh = seen.get(i as usize).is_some_and(|s| !s);
            if fresh {
                seen[i as usize] = true;
            }
            fresh
        })
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
            check_question(q, &at, &mut errors);
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

    /// The judged question before `question` (polls, word clouds and slides skipped), for the streak rule.
    pub fn previous_judged(&self, question: u32) -> Option<u32> {
        (0..question).rev().find(|&i| {
            self.questions
                .get(i as usize)
                .is_some_and(|q| q.kind.is_judged())
        })
    }

    /// The quiz as one game plays it: options of `shuffle` questions and every puzzle's items in a random
    /// order drawn from `seed` (the same seed gives the same order, so every instance agrees), with the
    /// correct answers renumbered to match. Done once when the game is created.
    pub fn for_game(mut self, seed: u64) -> QuizInput {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        for q in &mut self.questions {
            let n = q.answers.len();
            let shuffles = q.shuffle || q.kind == QuestionKind::Puzzle;
            if !shuffles || n < 2 {
                continue;
            }
            // display position → original index
            let mut order: Vec<usize> = (0..n).collect();
            order.shuffle(&mut rng);
            if q.kind == QuestionKind::Puzzle {
                // A puzzle shown already solved would be free points.
                let solved = order
                    .iter()
                    .zip(&q.correct_answers)
                    .all(|(&o, &c)| o == c as usize);
                if solved {
                    order.rotate_left(1);
                }
            }
            let mut position = vec![0u32; n];
            for (p, &o) in order.iter().enumerate() {
                position[o] = p as u32;
            }
            q.answers = order.iter().map(|&o| q.answers[o].clone()).collect();
            if !q.answer_images.is_empty() {
                q.answer_images.resize(n, None);
                q.answer_images = order.iter().map(|&o| q.answer_images[o].clone()).collect();
            }
            q.correct = position.get(q.correct).map_or(0, |&p| p as usize);
            for c in &mut q.correct_answers {
                *c = position[*c as usize];
            }
            if q.kind == QuestionKind::MultiSelect {
                q.correct_answers.sort_unstable();
            }
        }
        self
    }
}

/// A quiz every new account can create with one click.
pub fn sample_quiz() -> QuizInput {
    let mc = |text: &str, answers: &[&str], correct: usize| Question {
        correct,
        ..Question::new(QuestionKind::MultipleChoice, text).with_answers(answers.iter().copied())
    };
    QuizInput {
        title: "Sample quiz: world trivia".into(),
        show_on_devices: false,
        questions: vec![
            mc(
                "What is the capital of Australia?",
                &["Sydney", "Canberra", "Melbourne", "Perth"],
                1,
            ),
            Question {
                time_limit_secs: 15,
                ..Question::new(
                    QuestionKind::TrueFalse,
                    "Light from the Sun reaches Earth in about 8 minutes.",
                )
                .with_answers(TRUE_FALSE_ANSWERS)
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

/// One question of every kind, in the order of [`QuestionKind`]'s variants: the fixture of the tests, the load
/// tool and the browser test that play every kind.
pub fn every_kind_quiz() -> QuizInput {
    use QuestionKind::*;
    QuizInput {
        title: "Every kind of question".into(),
        show_on_devices: true,
        questions: vec![
            Question {
                correct: 2,
                ..Question::new(MultipleChoice, "Which planet is the largest?")
                    .with_answers(["Saturn", "Neptune", "Jupiter", "Mars"])
            },
            Question::new(TrueFalse, "Water boils at 100 °C at sea level.")
                .with_answers(TRUE_FALSE_ANSWERS),
            Question {
                correct_answers: vec![0, 2],
                ..Question::new(MultiSelect, "Which of these are prime numbers?")
                    .with_answers(["2", "4", "7", "9"])
            },
            Question::new(TypeAnswer, "What is the capital of Switzerland?")
                .with_answers(["Bern", "Berne"]),
            Question {
                slider: Some(SliderSpec {
                    min: 1900.0,
                    max: 2000.0,
                    step: 1.0,
                    correct: 1969.0,
                    tolerance: 2.0,
                }),
                ..Question::new(Slider, "In which year did people first walk on the Moon?")
            },
            Question::new(Puzzle, "Order these from smallest to largest.")
                .with_answers(["Atom", "Cell", "Mouse", "Elephant"]),
            Question::new(Poll, "Which kind of question do you like best?")
                .with_answers(["Quiz", "Slider", "Puzzle"]),
            Question::new(WordCloud, "One word for today's lesson?"),
            Question::new(Slide, "Well done, that was every kind of question!"),
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
            show_on_devices: false,
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
