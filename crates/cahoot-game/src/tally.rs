//! What the reveal shows and the results keep about one question: how the answers split.
//! Pure and deterministic (the same answers give the same tally on every instance, in any order).

use crate::answer::{AcceptedAnswer, AnswerValue};
use crate::quiz::{Question, QuestionKind};
use crate::text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most texts a tally lists (a word cloud on a projector; the most frequent wrong typed answers).
pub const TEXTS_SHOWN: usize = 30;
/// How many bars a slider's histogram has at most.
pub const HISTOGRAM_BUCKETS: usize = 20;

/// A typed answer and how many players gave it (answers with the same comparison key count as one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TextCount {
    pub text: String,
    pub count: u32,
    /// One of the accepted answers (type answer); always false in a word cloud.
    pub correct: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QuestionTally {
    pub answered: u32,
    /// Entirely right answers.
    pub correct_count: u32,
    /// Per option: how many players picked it (multiple choice, true/false, multi-select, poll); per item:
    /// how many players put it in its right position (puzzle).
    pub counts: Vec<u32>,
    /// Type answer: every accepted answer, then the most frequent wrong ones; word cloud: the most frequent
    /// answers fit for a classroom (a profanity filter drops the rest). Most frequent first.
    pub texts: Vec<TextCount>,
    /// Slider: how many answers fell in each of up to `HISTOGRAM_BUCKETS` equal slices of the range.
    pub histogram: Vec<u32>,
    /// Slider: the mean of the answers.
    pub average: Option<f64>,
}

impl QuestionTally {
    pub fn of<'a>(q: &Question, answers: impl IntoIterator<Item = &'a AcceptedAnswer>) -> Self {
        let mut t = QuestionTally {
            counts: match q.kind {
                k if k.has_options() || k == QuestionKind::Puzzle => vec![0; q.answers.len()],
                _ => Vec::new(),
            },
            ..Default::default()
        };
        let buckets = histogram_buckets(q);
        t.histogram = vec![0; buckets];
        let mut sum = 0.0;
        // comparison key → (count, smallest spelling seen: deterministic whatever the order of answers)
        let mut texts: BTreeMap<String, (u32, String)> = BTreeMap::new();
        let diacritics = q.kind == QuestionKind::TypeAnswer && q.ignore_diacritics;
        for a in answers {
            t.answered += 1;
            t.correct_count += u32::from(a.correct);
            let mut bump = |i: u32| {
                if let Some(c) = t.counts.get_mut(i as usize) {
                    *c += 1;
                }
            };
            match &a.value {
                AnswerValue::Choice(c) => bump(*c),
                AnswerValue::Choices(cs) => cs.iter().for_each(|c| bump(*c)),
                AnswerValue::Order(order) => {
                    for (position, item) in order.iter().enumerate() {
                        if q.correct_answers.get(position) == Some(item) {
                            bump(*item);
                        }
                    }
                }
                AnswerValue::Number(n) => {
                    sum += n;
                    if let (Some(s), true) = (q.slider, buckets > 0) {
                        let share = ((n - s.min) / (s.max - s.min)).clamp(0.0, 1.0);
                        let i = ((share * buckets as f64) as usize).min(buckets - 1);
                        t.histogram[i] += 1;
                    }
                }
                AnswerValue::Text(typed) => {
                    let entry = texts
                        .entry(text::key(typed, diacritics))
                        .or_insert_with(|| (0, typed.clone()));
                    entry.0 += 1;
                    if *typed < entry.1 {
                        entry.1 = typed.clone();
                    }
                }
            }
        }
        if q.kind == QuestionKind::Slider && t.answered > 0 {
            t.average = Some(sum / f64::from(t.answered));
        }
        t.texts = text_counts(q, texts, diacritics);
        t
    }
}

fn histogram_buckets(q: &Question) -> usize {
    match q.slider {
        Some(s) if q.kind == QuestionKind::Slider => {
            let steps = ((s.max - s.min) / s.step).round() as usize + 1;
            steps.clamp(1, HISTOGRAM_BUCKETS)
        }
        _ => 0,
    }
}

fn text_counts(
    q: &Question,
    mut texts: BTreeMap<String, (u32, String)>,
    diacritics: bool,
) -> Vec<TextCount> {
    let mut out = Vec::new();
    if q.kind == QuestionKind::TypeAnswer {
        for accepted in &q.answers {
            let key = text::key(accepted, diacritics);
            if out
                .iter()
                .any(|t: &TextCount| text::key(&t.text, diacritics) == key)
            {
                continue;
            }
            let count = texts.remove(&key).map_or(0, |(n, _)| n);
            out.push(TextCount {
                text: accepted.clone(),
                count,
                correct: true,
            });
        }
    }
    let mut rest: Vec<(u32, String)> = texts
        .into_values()
        .filter(|(_, t)| q.kind != QuestionKind::WordCloud || text::is_appropriate(t))
        .collect();
    rest.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let room = TEXTS_SHOWN.saturating_sub(out.len());
    out.extend(rest.into_iter().take(room).map(|(count, text)| TextCount {
        text,
        count,
        correct: false,
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::every_kind_quiz;

    fn answer(value: AnswerValue, correct: bool) -> AcceptedAnswer {
        AcceptedAnswer {
            answer_id: "a".into(),
            question: 0,
            value,
            correct,
            elapsed_ms: 0,
            points: 0,
        }
    }

    fn quiz_question(kind: QuestionKind) -> Question {
        let quiz = every_kind_quiz().validate().unwrap();
        quiz.questions.into_iter().find(|q| q.kind == kind).unwrap()
    }

    #[test]
    fn multi_select_counts_every_pick() {
        let q = quiz_question(QuestionKind::MultiSelect);
        let answers = [
            answer(AnswerValue::Choices(vec![0, 2]), true),
            answer(AnswerValue::Choices(vec![0, 1]), false),
        ];
        let t = QuestionTally::of(&q, &answers);
        assert_eq!(
            (t.counts, t.answered, t.correct_count),
            (vec![2, 1, 1, 0], 2, 1)
        );
    }

    #[test]
    fn type_answer_lists_accepted_answers_then_wrong_ones() {
        let q = quiz_question(QuestionKind::TypeAnswer);
        let answers = [
            answer(AnswerValue::Text("bern".into()), true),
            answer(AnswerValue::Text("BERN".into()), true),
            answer(AnswerValue::Text("Zürich".into()), false),
            answer(AnswerValue::Text("zurich".into()), false),
            answer(AnswerValue::Text("Geneva".into()), false),
        ];
        let t = QuestionTally::of(&q, &answers);
        let rows: Vec<_> = t
            .texts
            .iter()
            .map(|t| (t.text.as_str(), t.count, t.correct))
            .collect();
        assert_eq!(
            rows,
            [
                ("Bern", 2, true),
                ("Berne", 0, true),
                ("Zürich", 2, false),
                ("Geneva", 1, false)
            ]
        );
    }

    #[test]
    fn word_cloud_drops_profanity_and_ranks_by_count() {
        let q = quiz_question(QuestionKind::WordCloud);
        let answers = [
            answer(AnswerValue::Text("fun".into()), false),
            answer(AnswerValue::Text("Fun".into()), false),
            answer(AnswerValue::Text("fuck".into()), false),
            answer(AnswerValue::Text("hard".into()), false),
        ];
        let t = QuestionTally::of(&q, &answers);
        let rows: Vec<_> = t.texts.iter().map(|t| (t.text.as_str(), t.count)).collect();
        assert_eq!(rows, [("Fun", 2), ("hard", 1)]);
    }

    #[test]
    fn slider_histogram_and_average() {
        let q = quiz_question(QuestionKind::Slider);
        let answers = [
            answer(AnswerValue::Number(1900.0), false),
            answer(AnswerValue::Number(1969.0), true),
            answer(AnswerValue::Number(2000.0), false),
        ];
        let t = QuestionTally::of(&q, &answers);
        assert_eq!(t.histogram.len(), HISTOGRAM_BUCKETS);
        assert_eq!(
            (t.histogram[0], t.histogram[13], t.histogram[19]),
            (1, 1, 1)
        );
        assert_eq!(t.average, Some((1900.0 + 1969.0 + 2000.0) / 3.0));
    }

    #[test]
    fn puzzle_counts_items_in_their_right_place() {
        let q = quiz_question(QuestionKind::Puzzle);
        let answers = [
            answer(AnswerValue::Order(vec![0, 1, 2, 3]), true),
            answer(AnswerValue::Order(vec![1, 0, 2, 3]), false),
        ];
        let t = QuestionTally::of(&q, &answers);
        assert_eq!(t.counts, [1, 1, 2, 2]);
    }
}
