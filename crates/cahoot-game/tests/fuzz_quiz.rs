//! Fuzzing `QuizInput::validate` on stable Rust with proptest: arbitrary quizzes (hostile texts, any
//! counts and numbers) and arbitrary JSON shaped like a quiz. Properties: it never panics; a valid result
//! re-validates to itself and satisfies every documented rule; every error names a field path that exists
//! in the input.
//!
//! `make fuzz` runs the same properties with many more cases: `PROPTEST_CASES=200000`.

use cahoot_game::quiz::{
    ANSWER_TEXT_MAX, QUESTION_TEXT_MAX, QUESTIONS_MAX, TIME_LIMIT_MAX, TIME_LIMIT_MIN, TITLE_MAX,
    TRUE_FALSE_ANSWERS,
};
use cahoot_game::{PointsMode, Question, QuestionKind, QuizInput, SliderSpec};
use proptest::prelude::*;
use serde_json::{Value, json};

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// Texts around every boundary: empty, blank, control characters, markup, long, multi-byte.
fn text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 ?]{1,30}",
        1 => Just(String::new()),
        1 => "[ \t\n\u{00a0}\u{2003}]{1,5}",
        1 => ".{0,20}",
        1 => "[a-z]{0,5}[\u{0000}-\u{001f}\u{007f}-\u{009f}][a-z]{0,5}",
        1 => Just("<script>alert(1)</script>".to_owned()),
        1 => (max - 2..max + 3).prop_map(|n| "é".repeat(n)),
        1 => (max - 2..max + 3).prop_map(|n| format!("  {}  ", "x".repeat(n))),
        1 => Just("True".to_owned()),
        1 => Just("False".to_owned()),
    ]
}

fn question() -> impl Strategy<Value = Question> {
    (
        prop_oneof![
            4 => Just(QuestionKind::MultipleChoice),
            2 => Just(QuestionKind::TrueFalse),
            1 => Just(QuestionKind::MultiSelect),
            1 => Just(QuestionKind::TypeAnswer),
            1 => Just(QuestionKind::Slider),
            1 => Just(QuestionKind::Puzzle),
            1 => Just(QuestionKind::Poll),
            1 => Just(QuestionKind::WordCloud),
            1 => Just(QuestionKind::Slide),
        ],
        text(QUESTION_TEXT_MAX),
        prop_oneof![
            3 => proptest::collection::vec(text(ANSWER_TEXT_MAX), 0..6),
            1 => Just(TRUE_FALSE_ANSWERS.iter().map(|s| s.to_string()).collect()),
            1 => Just(vec![" True ".to_owned(), "False".to_owned()]),
        ],
        prop_oneof![3 => 0usize..5, 1 => any::<usize>()],
        prop_oneof![3 => TIME_LIMIT_MIN - 1..TIME_LIMIT_MAX + 2, 1 => any::<u32>()],
        prop_oneof![
            Just(PointsMode::Standard),
            Just(PointsMode::Double),
            Just(PointsMode::None)
        ],
        proptest::collection::vec(0u32..7, 0..7),
        proptest::option::of(slider()),
    )
        .prop_map(
            |(kind, text, answers, correct, time_limit_secs, points, correct_answers, slider)| {
                Question {
                    answers,
                    correct,
                    time_limit_secs,
                    points,
                    correct_answers,
                    slider,
                    ..Question::new(kind, text)
                }
            },
        )
}

fn slider() -> impl Strategy<Value = SliderSpec> {
    let number = || prop_oneof![4 => -100i32..100, 1 => any::<i32>()].prop_map(f64::from);
    (
        number(),
        number(),
        prop_oneof![Just(1.0), Just(0.5), Just(0.0), Just(-1.0)],
        number(),
        number(),
    )
        .prop_map(|(min, max, step, correct, tolerance)| SliderSpec {
            min,
            max,
            step,
            correct,
            tolerance,
        })
}

fn quiz() -> impl Strategy<Value = QuizInput> {
    (
        text(TITLE_MAX),
        prop_oneof![
            10 => proptest::collection::vec(question(), 0..6),
            1 => proptest::collection::vec(question(), QUESTIONS_MAX - 1..QUESTIONS_MAX + 2),
        ],
    )
        .prop_map(|(title, questions)| QuizInput {
            title,
            questions,
            show_on_devices: false,
        })
}

/// Resolves a field path like `questions[2].answers[1]` in the JSON of the input.
fn resolve<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut node = root;
    for segment in path.split('.') {
        let (name, indexes) = match segment.find('[') {
            Some(at) => (&segment[..at], &segment[at..]),
            None => (segment, ""),
        };
        node = node.get(name)?;
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            let i: usize = index.strip_suffix(']')?.parse().ok()?;
            node = node.get(i)?;
        }
    }
    Some(node)
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Every rule of docs/protocol.md holds for a quiz that passed validation.
fn assert_playable(q: &QuizInput) -> Result<(), TestCaseError> {
    let text_ok = |s: &str, max: usize| {
        s == s.trim() && !s.is_empty() && chars(s) <= max && !s.chars().any(char::is_control)
    };
    prop_assert!(text_ok(&q.title, TITLE_MAX), "title {:?}", q.title);
    prop_assert!((1..=QUESTIONS_MAX).contains(&q.questions.len()));
    for question in &q.questions {
        prop_assert!(text_ok(&question.text, QUESTION_TEXT_MAX), "{question:?}");
        match question.kind {
            QuestionKind::MultipleChoice => {
                prop_assert!((2..=4).contains(&question.answers.len()));
                for a in &question.answers {
                    prop_assert!(text_ok(a, ANSWER_TEXT_MAX), "answer {a:?}");
                }
            }
            QuestionKind::TrueFalse => prop_assert_eq!(&question.answers, &TRUE_FALSE_ANSWERS),
            QuestionKind::MultiSelect | QuestionKind::Poll | QuestionKind::Puzzle => {
                prop_assert!((2..=6).contains(&question.answers.len()));
                for a in &question.answers {
                    prop_assert!(text_ok(a, ANSWER_TEXT_MAX), "answer {a:?}");
                }
            }
            QuestionKind::TypeAnswer => {
                prop_assert!((1..=10).contains(&question.answers.len()));
                for a in &question.answers {
                    prop_assert!(text_ok(a, 20), "accepted answer {a:?}");
                }
            }
            QuestionKind::Slider => {
                let s = question.slider.expect("a slider has its spec");
                prop_assert!(
                    s.min < s.max && s.step > 0.0 && s.accepts(s.correct),
                    "{s:?}"
                );
            }
            QuestionKind::WordCloud | QuestionKind::Slide => {
                prop_assert!(question.answers.is_empty())
            }
        }
        match question.kind {
            QuestionKind::MultiSelect => {
                prop_assert!(!question.correct_answers.is_empty());
                prop_assert!(
                    question
                        .correct_answers
                        .iter()
                        .all(|&c| (c as usize) < question.answers.len())
                );
            }
            QuestionKind::Puzzle => {
                prop_assert!(cahoot_game::quiz::is_permutation(
                    &question.correct_answers,
                    question.answers.len()
                ));
            }
            QuestionKind::MultipleChoice | QuestionKind::TrueFalse => {
                prop_assert!(question.correct < question.answers.len());
            }
            _ => prop_assert!(question.correct_answers.is_empty()),
        }
        prop_assert!((TIME_LIMIT_MIN..=TIME_LIMIT_MAX).contains(&question.time_limit_secs));
    }
    Ok(())
}

fn check(input: QuizInput) -> Result<(), TestCaseError> {
    let json = serde_json::to_value(&input).unwrap();
    match input.validate() {
        Ok(valid) => {
            assert_playable(&valid)?;
            prop_assert_eq!(valid.clone().validate(), Ok(valid));
        }
        Err(errors) => {
            prop_assert!(!errors.is_empty());
            for e in &errors {
                // A missing slider is reported on the field the editor must fill in.
                let missing_slider = e.field.ends_with("].slider") && e.message.contains("needs");
                prop_assert!(
                    missing_slider || resolve(&json, &e.field).is_some(),
                    "error names a field that does not exist: {} in {}",
                    e.field,
                    json
                );
                prop_assert!(!e.message.is_empty());
            }
        }
    }
    Ok(())
}

/// JSON that looks like a quiz but may have any shape: wrong types, missing and extra fields.
fn json_quizish() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
        Just(json!(2.5)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("multiple_choice"),
            Just("true_false"),
            Just("standard"),
            Just("double"),
            Just("none")
        ]
        .prop_map(|s| json!(s)),
    ];
    let value = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("kind".to_owned()),
                    Just("text".to_owned()),
                    Just("answers".to_owned()),
                    Just("correct".to_owned()),
                    Just("time_limit_secs".to_owned()),
                    Just("points".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..7,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    (value.clone(), proptest::collection::vec(value, 0..4))
        .prop_map(|(title, questions)| json!({"title": title, "questions": questions}))
}

proptest! {
    #![proptest_config(config(1_000))]

    #[test]
    fn validation_never_panics_and_is_consistent(input in quiz()) {
        check(input)?;
    }

    #[test]
    fn any_json_that_deserialises_validates_without_panicking(value in json_quizish()) {
        if let Ok(input) = serde_json::from_value::<QuizInput>(value) {
            check(input)?;
        }
    }

    #[test]
    fn a_valid_quiz_with_one_field_broken_is_refused_naming_that_field(
        broken in 0usize..6,
        index in 0usize..4,
    ) {
        let mut q = cahoot_game::sample_quiz();
        let i = index % q.questions.len();
        let want = match broken {
            0 => { q.title = " \t ".into(); "title".to_owned() }
            1 => { q.questions[i].text = "x".repeat(QUESTION_TEXT_MAX + 1); format!("questions[{i}].text") }
            2 => { q.questions[i].time_limit_secs = TIME_LIMIT_MAX + 1; format!("questions[{i}].time_limit_secs") }
            3 => { q.questions[i].correct = 9; format!("questions[{i}].correct") }
            4 => { q.questions[i].text = "bell\u{7}".into(); format!("questions[{i}].text") }
            _ => { q.questions.clear(); "questions".to_owned() }
        };
        let errors = q.validate().unwrap_err();
        prop_assert!(errors.iter().any(|e| e.field == want), "{errors:?} lacks {want}");
    }
}
