//! Kahoot's published scoring rule and the answer streak.

/// Answers this fast earn the full points.
pub const FULL_POINTS_WITHIN_MS: u64 = 500;
pub const STREAK_STEP: u32 = 100;
pub const STREAK_CAP: u32 = 500;

/// Points for one answer: round((1 − (t / T) / 2) × P) when correct, P within 0.5 s, 0 when wrong.
/// `elapsed_ms` is measured by the server from question open; it is clamped to the time limit.
pub fn answer_points(correct: bool, elapsed_ms: u64, time_limit_ms: u64, points: u32) -> u32 {
    if !correct || points == 0 {
        return 0;
    }
    if elapsed_ms <= FULL_POINTS_WITHIN_MS || time_limit_ms == 0 {
        return points;
    }
    let ratio = elapsed_ms.min(time_limit_ms) as f64 / time_limit_ms as f64;
    ((1.0 - ratio / 2.0) * f64::from(points)).round() as u32
}

/// A player's run of consecutive correct answers, as of the last question they were scored on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Streak {
    pub count: u32,
    /// The question the streak was last updated on; a gap (a missed question) resets it.
    pub last_question: Option<u32>,
}

impl Streak {
    /// The streak after answering `question`, and the bonus that answer earns. `previous` is the judged
    /// question before it (polls, word clouds and slides do not count, see `QuestionKind::is_judged`).
    /// From the 2nd consecutive correct answer +100, +100 more per further one, capped at +500.
    pub fn after_answer(
        self,
        question: u32,
        previous: Option<u32>,
        correct: bool,
    ) -> (Streak, u32) {
        let continues = previous.is_some() && self.last_question == previous;
        let count = match (correct, continues) {
            (false, _) => 0,
            (true, true) => self.count + 1,
            (true, false) => 1,
        };
        let bonus = if count >= 2 {
            (STREAK_STEP * (count - 1)).min(STREAK_CAP)
        } else {
            0
        };
        let next = Streak {
            count,
            last_question: Some(question),
        };
        (next, bonus)
    }

    /// The streak as it stands when `current_question` is open (`previous`: the judged question before
    /// it): a missed question means it is 0.
    pub fn current(self, current_question: u32, previous: Option<u32>) -> u32 {
        match self.last_question {
            Some(q) if q >= current_question || Some(q) == previous => self.count,
            _ => 0,
        }
    }
}

/// `points` scaled by `fraction` (partial credit, 0..=1), rounded; 0 stays 0.
pub fn scaled(points: u32, fraction: f64) -> u32 {
    (f64::from(points) * fraction.clamp(0.0, 1.0)).round() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_table() {
        // (correct, elapsed ms, limit ms, P) -> points
        let cases = [
            (true, 0, 20_000, 1000, 1000),
            (true, 500, 20_000, 1000, 1000), // within 0.5 s: full points
            (true, 501, 20_000, 1000, 987),  // 1 - 0.02505/2 → 987.475 → 987
            (true, 10_000, 20_000, 1000, 750), // half time → 3/4
            (true, 20_000, 20_000, 1000, 500), // at the deadline → half
            (true, 25_000, 20_000, 1000, 500), // late receive is clamped
            (true, 10_000, 20_000, 2000, 1500), // double points
            (true, 10_000, 20_000, 0, 0),    // no points
            (false, 100, 20_000, 1000, 0),   // wrong
            (true, 1_000, 5_000, 1000, 900),
            (true, 3_000, 240_000, 1000, 994), // 993.75 rounds up
        ];
        for (correct, t, limit, p, want) in cases {
            assert_eq!(
                answer_points(correct, t, limit, p),
                want,
                "{correct} {t} {limit} {p}"
            );
        }
    }

    #[test]
    fn streak_bonus_rises_and_caps() {
        let mut s = Streak::default();
        let mut bonuses = vec![];
        for q in 0..8 {
            let (next, bonus) = s.after_answer(q, q.checked_sub(1), true);
            s = next;
            bonuses.push(bonus);
        }
        assert_eq!(bonuses, [0, 100, 200, 300, 400, 500, 500, 500]);
        assert_eq!(s.count, 8);
    }

    #[test]
    fn wrong_answer_resets_streak() {
        let (s, _) = Streak::default().after_answer(0, None, true);
        let (s, _) = s.after_answer(1, Some(0), true);
        let (s, bonus) = s.after_answer(2, Some(1), false);
        assert_eq!((s.count, bonus), (0, 0));
        let (s, bonus) = s.after_answer(3, Some(2), true);
        assert_eq!((s.count, bonus), (1, 0));
    }

    #[test]
    fn missed_question_resets_streak() {
        let (s, _) = Streak::default().after_answer(0, None, true);
        let (s, _) = s.after_answer(1, Some(0), true);
        assert_eq!(s.current(2, Some(1)), 2);
        assert_eq!(s.current(3, Some(2)), 0);
        let (s, bonus) = s.after_answer(3, Some(2), true); // question 2 was missed
        assert_eq!((s.count, bonus), (1, 0));
    }

    #[test]
    fn unjudged_questions_in_between_do_not_break_the_streak() {
        // Question 1 is a poll: question 2's previous judged question is 0.
        let (s, _) = Streak::default().after_answer(0, None, true);
        assert_eq!(s.current(2, Some(0)), 1);
        let (s, bonus) = s.after_answer(2, Some(0), true);
        assert_eq!((s.count, bonus), (2, 100));
    }

    #[test]
    fn partial_points_scale_and_round() {
        assert_eq!(scaled(1000, 0.5), 500);
        assert_eq!(scaled(987, 1.0 / 3.0), 329);
        assert_eq!(scaled(1000, -1.0), 0);
        assert_eq!(scaled(1000, 2.0), 1000);
    }
}
