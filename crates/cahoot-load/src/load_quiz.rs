//! The quiz a load run plays, and how a simulated player answers it rightly or wrongly. Either every
//! question is a four-option multiple choice (the classic run), or `--mixed` cycles through every kind a
//! player answers (multiple choice, true/false, multi-select, type answer, slider, puzzle, poll, word
//! cloud), so the cost of the richer answer shapes is measured against the classic run.

use cahoot_protocol::AnswerValue;
use serde_json::{Value, json};

const OPTIONS: [&str; 4] = ["Alpha", "Bravo", "Charlie", "Delta"];
/// Puzzle items carry their position, so a player can put the game's shuffled items back in order.
const PUZZLE: [&str; 4] = ["Step 1", "Step 2", "Step 3", "Step 4"];
const WORDS: [&str; 6] = ["fun", "hard", "easy", "long", "great", "fast"];

/// The kinds `--mixed` cycles through (slides take no answer, so a load run has none).
const MIXED: [&str; 8] = [
    "multiple_choice",
    "true_false",
    "multi_select",
    "type_answer",
    "slider",
    "puzzle",
    "poll",
    "word_cloud",
];

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct LoadQuiz {
    pub questions: u32,
    pub time_limit_secs: u32,
    pub mixed: bool,
}

impl LoadQuiz {
    pub fn kind(&self, question: u32) -> &'static str {
        if self.mixed {
            MIXED[question as usize % MIXED.len()]
        } else {
            "multiple_choice"
        }
    }

    /// The correct option of a multiple-choice question.
    fn correct_choice(question: u32) -> u32 {
        question % 4
    }

    /// The quiz as `POST /api/quizzes` takes it.
    pub fn to_json(self) -> Value {
        let qs: Vec<Value> = (0..self.questions)
            .map(|i| {
                let mut q = json!({
                    "kind": self.kind(i),
                    "text": format!("Load question {i}"),
                    "time_limit_secs": self.time_limit_secs,
                });
                let fields = match self.kind(i) {
                    "multiple_choice" => json!({"answers": OPTIONS, "correct": Self::correct_choice(i)}),
                    "true_false" => json!({"answers": ["True", "False"], "correct": 0}),
                    "multi_select" => json!({"answers": OPTIONS, "correct_answers": [0, 2]}),
                    "type_answer" => json!({"answers": ["Alpha", "Alfa"]}),
                    "slider" => json!({"slider": {"min": 0, "max": 100, "step": 1, "correct": 50, "tolerance": 5}}),
                    "puzzle" => json!({"answers": PUZZLE}),
                    "poll" => json!({"answers": OPTIONS}),
                    _ => json!({}),
                };
                if let (Some(q), Value::Object(f)) = (q.as_object_mut(), fields) {
                    q.extend(f);
                }
                q
            })
            .collect();
        json!({"title": "Load test quiz", "questions": qs})
    }

    /// A right (`correct`) or wrong answer to `question`, whose options or items are shown as `shown`.
    pub fn answer(&self, question: u32, shown: &[String], correct: bool) -> AnswerValue {
        let pick = |n: u32| rand::random_range(0..n);
        match self.kind(question) {
            "true_false" => AnswerValue::Choice(u32::from(!correct)),
            "multi_select" => AnswerValue::Choices(if correct { vec![0, 2] } else { vec![1] }),
            "type_answer" => AnswerValue::Text(if correct { "alpha" } else { "Bravo" }.into()),
            "slider" => {
                AnswerValue::Number(f64::from(if correct { 45 + pick(11) } else { pick(30) }))
            }
            "puzzle" => {
                let mut order: Vec<u32> = (0..shown.len() as u32).collect();
                order.sort_by_key(|&i| shown[i as usize].clone());
                if !correct {
                    order.reverse();
                }
                AnswerValue::Order(order)
            }
            "poll" => AnswerValue::Choice(pick(4)),
            "word_cloud" => AnswerValue::Text(WORDS[pick(WORDS.len() as u32) as usize].into()),
            _ => {
                let right = Self::correct_choice(question);
                AnswerValue::Choice(if correct {
                    right
                } else {
                    (right + 1 + pick(3)) % 4
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_right_puzzle_answer_undoes_the_shuffle() {
        let quiz = LoadQuiz {
            questions: 8,
            time_limit_secs: 20,
            mixed: true,
        };
        let shown: Vec<String> = ["Step 3", "Step 1", "Step 4", "Step 2"]
            .map(String::from)
            .into();
        assert_eq!(
            quiz.answer(5, &shown, true),
            AnswerValue::Order(vec![1, 3, 0, 2])
        );
        assert_eq!(
            quiz.answer(5, &shown, false),
            AnswerValue::Order(vec![2, 0, 3, 1])
        );
    }

    #[test]
    fn the_mixed_quiz_cycles_through_every_answered_kind() {
        let quiz = LoadQuiz {
            questions: 8,
            time_limit_secs: 20,
            mixed: true,
        };
        let json = quiz.to_json();
        let kinds: Vec<&str> = json["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, MIXED);
    }
}
