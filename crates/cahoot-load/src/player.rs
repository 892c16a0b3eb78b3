//! Simulated players for load runs: `cahoot_client::bot::PlayerBot`, answering as the run's `AnswerPlan`
//! says, with the run's measurements attached through `BotEvents`: answer sent → `answer_ack`, and when
//! each new `state` (by `seq`) arrived, so the run can compute fan-out latency against the instant the host
//! sent its command.

use crate::load_quiz::LoadQuiz;
use crate::stats::Series;
use cahoot_client::ConnectOptions;
use cahoot_client::bot::{BotEvents, BotStatus, PlayerBot, Strategy};
use cahoot_protocol::{AnswerValue, ErrorCode};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How players answer: a log-normal think time (median, spread σ) clamped to [min, max], a share of
/// correct answers and a share of players who never answer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnswerPlan {
    pub median_ms: f64,
    pub sigma: f64,
    pub min_ms: u64,
    pub max_ms: u64,
    pub correct_rate: f64,
    pub no_answer_rate: f64,
    pub quiz: LoadQuiz,
}

impl AnswerPlan {
    /// (answer, delay) or None (does not answer); `shown`: the options or items as the game shows them.
    fn decide(&self, question: u32, shown: &[String]) -> Option<(AnswerValue, Duration)> {
        if rand::random::<f64>() < self.no_answer_rate {
            return None;
        }
        let right = rand::random::<f64>() < self.correct_rate;
        let choice = self.quiz.answer(question, shown, right);
        // Box–Muller: a standard normal from two uniforms.
        let u1: f64 = rand::random::<f64>().max(1e-12);
        let u2: f64 = rand::random();
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        let ms =
            (self.median_ms * (self.sigma * z).exp()).clamp(self.min_ms as f64, self.max_ms as f64);
        Some((choice, Duration::from_millis(ms as u64)))
    }
}

/// Counters and timings shared by every player of a run.
pub struct Shared {
    pub start: Instant,
    pub ack: Mutex<Series>,
    pub join: Mutex<Series>,
    pub reconnects: Mutex<Vec<Duration>>,
    /// seq → arrival instants of that state (one per player, the first time it saw the seq)
    pub deliveries: Mutex<HashMap<u64, Vec<Instant>>>,
    pub connected: AtomicUsize,
    pub welcomed: AtomicUsize,
    pub answers_sent: AtomicU64,
    pub acks: AtomicU64,
    pub acks_by_question: Vec<AtomicU64>,
    pub finished: AtomicUsize,
    pub errors: Mutex<BTreeMap<String, u64>>,
    pub plan: AnswerPlan,
}

impl Shared {
    pub fn new(start: Instant, questions: u32, plan: AnswerPlan) -> Shared {
        Shared {
            start,
            ack: Mutex::new(Series::new(start)),
            join: Mutex::new(Series::new(start)),
            reconnects: Mutex::new(Vec::new()),
            deliveries: Mutex::new(HashMap::new()),
            connected: AtomicUsize::new(0),
            welcomed: AtomicUsize::new(0),
            answers_sent: AtomicU64::new(0),
            acks: AtomicU64::new(0),
            acks_by_question: (0..questions).map(|_| AtomicU64::new(0)).collect(),
            finished: AtomicUsize::new(0),
            errors: Mutex::new(BTreeMap::new()),
            plan,
        }
    }

    pub fn error(&self, code: &str) {
        *lock(&self.errors).entry(code.to_owned()).or_default() += 1;
    }
}

pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The load tool's measurements, fed by every bot of the run.
impl BotEvents for Shared {
    fn connected(&self, first: bool) {
        self.connected.fetch_add(1, Ordering::Relaxed);
        if first {
            self.welcomed.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn disconnected(&self) {
        self.connected.fetch_sub(1, Ordering::Relaxed);
    }

    fn reconnected(&self, after: Duration) {
        lock(&self.reconnects).push(after);
    }

    fn state(&self, seq: u64, at: Instant) {
        lock(&self.deliveries).entry(seq).or_default().push(at);
    }

    fn answer_sent(&self, _question: u32) {
        self.answers_sent.fetch_add(1, Ordering::Relaxed);
    }

    fn acked(&self, question: u32, latency: Duration, at: Instant) {
        lock(&self.ack).record_at(latency, at);
        self.acks.fetch_add(1, Ordering::Relaxed);
        if let Some(c) = self.acks_by_question.get(question as usize) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn server_error(&self, code: &ErrorCode) {
        self.error(&format!("player: {code}"));
    }

    fn failure(&self, what: &str) {
        self.error(what);
    }

    fn finished(&self) {
        self.finished.fetch_add(1, Ordering::Relaxed);
    }
}

/// A load-run player: `cahoot_client`'s bot with small buffers, every instance's URL (a failed connect
/// tries the next one), staying connected at the podium, reporting into `shared`.
pub fn bot(
    urls: Vec<String>,
    first_url: usize,
    token: &str,
    status: watch::Sender<BotStatus>,
    shared: Arc<Shared>,
) -> PlayerBot {
    let name = status.borrow().name.clone();
    let plan = shared.plan.clone();
    let strategy: Strategy = Arc::new(move |q, shown: &[String]| plan.decide(q, shown));
    PlayerBot::new(urls, token, &name, strategy)
        .first_url(first_url)
        .status(status)
        .events(shared)
        .linger_at_podium()
        .connect_options(ConnectOptions::lean())
}
