//! A simulated player for load runs. It behaves like `cahoot_client::bot::PlayerBot` (reconnects by itself,
//! first retry at once then backoff with jitter, resends an unacknowledged answer with its original id) and
//! additionally records timings: answer sent → `answer_ack`, and when each new `state` (by `seq`) arrived,
//! so the run can compute fan-out latency against the instant the host sent its command.
//! Its WebSocket buffers are small so that 10 000 players fit in one load-generator process.

use crate::stats::Series;
use cahoot_protocol::{ClientMessage, PROTOCOL_VERSION, PhaseName, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
const GIVE_UP_AFTER: Duration = Duration::from_secs(60);

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
}

impl AnswerPlan {
    /// (choice, delay) or None (does not answer).
    fn decide(&self, question: u32) -> Option<(u32, Duration)> {
        if rand::random::<f64>() < self.no_answer_rate {
            return None;
        }
        let correct = crate::api::correct_choice(question);
        let choice = if rand::random::<f64>() < self.correct_rate {
            correct
        } else {
            (correct + 1 + rand::random_range(0..3u32)) % 4
        };
        // Box–Muller: a standard normal from two uniforms.
        let u1: f64 = rand::random::<f64>().max(1e-12);
        let u2: f64 = rand::random();
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        let ms =
            (self.median_ms * (self.sigma * z).exp()).clamp(self.min_ms as f64, self.max_ms as f64);
        Some((choice, Duration::from_millis(ms as u64)))
    }
}

/// What one player did, for verification after the game.
#[derive(Debug, Default)]
pub struct PlayerRecord {
    pub name: String,
    pub instance: Option<String>,
    pub connected: bool,
    /// question → (answer id, choice) sent / acknowledged
    pub sent: BTreeMap<u32, (String, u32)>,
    pub acks: BTreeMap<u32, (String, u32)>,
    pub finished: bool,
    pub gave_up: bool,
    pub final_score: Option<u64>,
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

pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_message_size(Some(16 << 20))
}

/// Connects, says hello and waits for `welcome`; returns the socket and the serving instance.
pub async fn connect(
    url: &str,
    token: &str,
    game_id: Option<&str>,
) -> anyhow::Result<(Ws, Option<String>)> {
    let (mut ws, _) = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio_tungstenite::connect_async_with_config(url, Some(ws_config()), true),
    )
    .await??;
    let hello = ClientMessage::Hello {
        v: PROTOCOL_VERSION,
        token: token.to_owned(),
        game_id: game_id.map(str::to_owned),
    };
    ws.send(Message::text(serde_json::to_string(&hello)?))
        .await?;
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next()).await?;
        match frame {
            Some(Ok(Message::Text(t))) => {
                match serde_json::from_str::<ServerMessage>(t.as_str())? {
                    ServerMessage::Welcome { instance, .. } => return Ok((ws, instance)),
                    ServerMessage::Error { code, message } => anyhow::bail!("{code}: {message}"),
                    _ => {}
                }
            }
            Some(Ok(Message::Close(_))) | None => anyhow::bail!("closed during hello"),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
        }
    }
}

pub struct Player {
    pub urls: Vec<String>,
    pub first_url: usize,
    pub token: String,
    pub shared: Arc<Shared>,
    pub record: Arc<Mutex<PlayerRecord>>,
    /// Told once, at the first `welcome`.
    pub welcomed: Option<tokio::sync::oneshot::Sender<()>>,
    pending: Option<(u32, String, u32, Instant)>,
    scheduled: Option<(Instant, u32, u32)>,
    last_seq: u64,
}

impl Player {
    pub fn new(
        urls: Vec<String>,
        first_url: usize,
        token: String,
        shared: Arc<Shared>,
        record: Arc<Mutex<PlayerRecord>>,
        welcomed: tokio::sync::oneshot::Sender<()>,
    ) -> Player {
        Player {
            urls,
            first_url,
            token,
            shared,
            record,
            welcomed: Some(welcomed),
            pending: None,
            scheduled: None,
            last_seq: 0,
        }
    }

    pub async fn run(mut self) {
        let mut lost_at: Option<Instant> = None;
        let mut backoff = Duration::ZERO;
        let mut attempt = 0usize;
        loop {
            let url = &self.urls[(self.first_url + attempt) % self.urls.len()];
            match connect(url, &self.token, None).await {
                Ok((ws, instance)) => {
                    if let Some(at) = lost_at.take() {
                        lock(&self.shared.reconnects).push(at.elapsed());
                    }
                    {
                        let mut r = lock(&self.record);
                        r.instance = instance;
                        r.connected = true;
                    }
                    self.shared.connected.fetch_add(1, Ordering::Relaxed);
                    if let Some(tx) = self.welcomed.take() {
                        self.shared.welcomed.fetch_add(1, Ordering::Relaxed);
                        let _ = tx.send(());
                    }
                    backoff = Duration::ZERO;
                    let done = self.play(ws).await;
                    self.shared.connected.fetch_sub(1, Ordering::Relaxed);
                    lock(&self.record).connected = false;
                    if done {
                        return;
                    }
                    lost_at = Some(Instant::now());
                }
                Err(e) => {
                    attempt += 1;
                    let since = *lost_at.get_or_insert_with(Instant::now);
                    if since.elapsed() > GIVE_UP_AFTER {
                        self.shared.error(&format!("gave up connecting: {e}"));
                        lock(&self.record).gave_up = true;
                        return;
                    }
                    let jitter =
                        Duration::from_millis(rand::random_range(0..=backoff.as_millis() as u64));
                    tokio::time::sleep(jitter).await;
                    backoff = (backoff * 2).clamp(Duration::from_millis(50), MAX_BACKOFF);
                }
            }
        }
    }

    async fn send_answer(&mut self, ws: &mut Ws, q: u32, id: String, choice: u32) -> bool {
        let msg = ClientMessage::Answer {
            answer_id: id.clone(),
            question_index: q,
            choice,
        };
        let text = serde_json::to_string(&msg).unwrap_or_default();
        self.pending = Some((q, id, choice, Instant::now()));
        ws.send(Message::text(text)).await.is_ok()
    }

    /// Plays on one connection; true when the game is over for this player.
    async fn play(&mut self, mut ws: Ws) -> bool {
        if let Some((q, id, choice, _)) = self.pending.clone()
            && !self.send_answer(&mut ws, q, id, choice).await
        {
            return false;
        }
        loop {
            let wake = self.scheduled.map(|s| s.0);
            let frame = tokio::select! {
                frame = ws.next() => frame,
                () = sleep_until(wake) => {
                    if let Some((_, q, choice)) = self.scheduled.take() {
                        let id = format!("{}-q{q}", lock(&self.record).name);
                        lock(&self.record).sent.insert(q, (id.clone(), choice));
                        self.shared.answers_sent.fetch_add(1, Ordering::Relaxed);
                        if !self.send_answer(&mut ws, q, id, choice).await {
                            return false;
                        }
                    }
                    continue;
                }
            };
            let text = match frame {
                Some(Ok(Message::Text(t))) => t,
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return false,
                Some(Ok(_)) => continue,
            };
            let now = Instant::now();
            if text.as_str().starts_with(STATE_PREFIX) {
                let Ok(view) = serde_json::from_str::<PlayerState>(text.as_str()) else {
                    self.shared.error("unparseable message");
                    continue;
                };
                if view.seq > self.last_seq {
                    self.last_seq = view.seq;
                    lock(&self.shared.deliveries)
                        .entry(view.seq)
                        .or_default()
                        .push(now);
                }
                let question = view.question.as_ref().map(|q| q.index);
                match (view.phase, question) {
                    (PhaseName::Question, Some(q)) => {
                        let answered = view
                            .me
                            .as_ref()
                            .is_some_and(|m| m.answered_choice.is_some())
                            || lock(&self.record).sent.contains_key(&q)
                            || self.pending.as_ref().is_some_and(|p| p.0 == q)
                            || self.scheduled.is_some_and(|s| s.1 == q);
                        if !answered && let Some((choice, delay)) = self.shared.plan.decide(q) {
                            self.scheduled = Some((now + delay, q, choice));
                        }
                    }
                    (PhaseName::Podium, _) => {
                        {
                            let mut r = lock(&self.record);
                            r.finished = true;
                            r.final_score = view.me.as_ref().map(|m| m.score);
                        }
                        self.shared.finished.fetch_add(1, Ordering::Relaxed);
                        // Stay connected like a phone showing the podium: 10 000 sockets closing in
                        // the same millisecond would measure a disconnect storm, not the fan-out.
                        while let Some(Ok(_)) = ws.next().await {}
                        return true;
                    }
                    _ => self.scheduled = None,
                }
                continue;
            }
            let msg = match serde_json::from_str::<ServerMessage>(text.as_str()) {
                Ok(m) => m,
                Err(_) => {
                    self.shared.error("unparseable message");
                    continue;
                }
            };
            match msg {
                ServerMessage::AnswerAck {
                    answer_id,
                    question_index,
                    choice,
                } => {
                    if let Some((q, id, _, sent_at)) = &self.pending
                        && *id == answer_id
                    {
                        lock(&self.shared.ack).record_at(now - *sent_at, now);
                        self.shared.acks.fetch_add(1, Ordering::Relaxed);
                        if let Some(c) = self.shared.acks_by_question.get(*q as usize) {
                            c.fetch_add(1, Ordering::Relaxed);
                        }
                        self.pending = None;
                    }
                    lock(&self.record)
                        .acks
                        .insert(question_index, (answer_id, choice));
                }
                ServerMessage::Error { code, .. } => {
                    if code == "question_closed" || code == "already_answered" {
                        self.pending = None;
                    }
                    self.shared.error(&format!("player: {code}"));
                    if code == "live_store_unavailable" {
                        return false;
                    }
                }
                ServerMessage::Kicked => return true,
                ServerMessage::Reconnect { .. } => return false,
                _ => {}
            }
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// How every `state` message starts (serde writes the tag first).
const STATE_PREFIX: &str = r#"{"type":"state""#;

/// What a simulated player reads from a `state` message. serde skips every other field without building
/// it, so the generator — on the same cores as the server — spends little on the 10 000 copies of a
/// fan-out it is measuring; every other message is parsed whole.
#[derive(serde::Deserialize)]
struct PlayerState {
    seq: u64,
    phase: PhaseName,
    #[serde(default)]
    question: Option<QuestionIndex>,
    #[serde(default)]
    me: Option<OwnRow>,
}

#[derive(serde::Deserialize)]
struct QuestionIndex {
    index: u32,
}

#[derive(serde::Deserialize)]
struct OwnRow {
    score: u64,
    #[serde(default)]
    answered_choice: Option<u32>,
}
