//! A simulated player that behaves like the web client: it reconnects by itself (first retry at once,
//! then backoff with jitter, trying the next URL when there are several), resends an unacknowledged answer
//! with its original id after every reconnect, and answers each question once as its `Strategy` says.
//!
//! One bot serves the failover tests and the load tool. The load tool runs thousands of them on the cores
//! of the server it measures, so a bot reads only the few fields it uses from `state` messages (see
//! [`LeanState`]), keeps small WebSocket buffers, and reports timings through [`BotEvents`] instead of
//! storing them itself.

use crate::{ConnectOptions, GameClient};
use cahoot_protocol::{AnswerValue, ClientMessage, ErrorCode, PhaseName, ServerMessage};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Decides the answer to question `index`, given the options or puzzle items as this game shows them:
/// `Some((answer, delay after the question is seen))` or no answer.
pub type Strategy = Arc<dyn Fn(u32, &[String]) -> Option<(AnswerValue, Duration)> + Send + Sync>;

/// What a bot has done so far; observed through a `watch` channel (tests await it, the load tool reads it
/// after the game for verification).
#[derive(Debug, Clone, Default)]
pub struct BotStatus {
    /// The nickname; also the prefix of every answer id (`<name>-q<index>`).
    pub name: String,
    pub connected: bool,
    /// The `instance` of the server process the bot is connected to.
    pub instance: Option<String>,
    pub phase: Option<PhaseName>,
    pub question: Option<u32>,
    /// Answers sent: question → (answer id, answer).
    pub sent: BTreeMap<u32, (String, AnswerValue)>,
    /// Acknowledged answers: question → (answer id, the answer as the server stored it).
    pub acks: BTreeMap<u32, (String, AnswerValue)>,
    /// Time from losing the connection to the next `welcome`, one entry per reconnect.
    pub reconnects: Vec<Duration>,
    /// At the podium (or kicked): the bot is done.
    pub finished: bool,
    pub kicked: bool,
    /// No connection for [`GIVE_UP_AFTER`]: the bot stopped trying.
    pub gave_up: bool,
    /// The bot's own score as the podium showed it.
    pub final_score: Option<u64>,
    /// Server errors received (code), for assertions.
    pub errors: Vec<ErrorCode>,
}

/// Hooks for aggregate measurements across many bots (the load tool's counters and latency series). Every
/// method has an empty default; they are called on the bot's task, so they must be quick.
pub trait BotEvents: Send + Sync + 'static {
    /// A `welcome` arrived; `first` on the bot's very first connection.
    fn connected(&self, _first: bool) {}
    /// The connection was lost or closed.
    fn disconnected(&self) {}
    /// Back after `after` without a connection.
    fn reconnected(&self, _after: Duration) {}
    /// A `state` with a `seq` this bot had not seen arrived at `at`.
    fn state(&self, _seq: u64, _at: Instant) {}
    /// An answer to `question` was sent for the first time (resends are not counted).
    fn answer_sent(&self, _question: u32) {}
    /// The answer pending for `question` was acknowledged `latency` after it was (last) sent.
    fn acked(&self, _question: u32, _latency: Duration, _at: Instant) {}
    /// The server sent an `error` frame.
    fn server_error(&self, _code: &ErrorCode) {}
    /// Something went wrong on the bot's side (unparseable frame, gave up connecting).
    fn failure(&self, _what: &str) {}
    /// The bot reached the podium.
    fn finished(&self) {}
}

/// No measurements: what tests use.
struct NoEvents;
impl BotEvents for NoEvents {}

const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// A bot gives up after this long without a connection (the test then fails on its status).
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(60);

pub struct PlayerBot {
    /// Tried in turn from `first_url` on; a failed connect moves on to the next one.
    urls: Vec<String>,
    first_url: usize,
    token: String,
    name: String,
    strategy: Strategy,
    status: watch::Sender<BotStatus>,
    events: Arc<dyn BotEvents>,
    linger_at_podium: bool,
    connect: ConnectOptions,
    /// The answer sent but not acknowledged yet: (question, answer id, answer, last sent at).
    pending: Option<(u32, String, AnswerValue, Instant)>,
    /// When to send the answer to the open question.
    scheduled: Option<(Instant, u32, AnswerValue)>,
    last_seq: u64,
}

impl PlayerBot {
    /// Starts a bot with the defaults tests want; the returned receiver shows its progress. It stops at
    /// the podium or when kicked.
    pub fn spawn(
        ws_url: &str,
        token: &str,
        name: &str,
        strategy: Strategy,
    ) -> (watch::Receiver<BotStatus>, tokio::task::JoinHandle<()>) {
        let bot = PlayerBot::new(vec![ws_url.to_owned()], token, name, strategy);
        let rx = bot.subscribe();
        (rx, bot.start())
    }

    /// A bot that connects to `urls[0]` first; see the builder methods for the rest.
    pub fn new(urls: Vec<String>, token: &str, name: &str, strategy: Strategy) -> PlayerBot {
        assert!(!urls.is_empty(), "a bot needs a URL");
        let (status, _) = watch::channel(BotStatus {
            name: name.to_owned(),
            ..BotStatus::default()
        });
        PlayerBot {
            urls,
            first_url: 0,
            token: token.to_owned(),
            name: name.to_owned(),
            strategy,
            status,
            events: Arc::new(NoEvents),
            linger_at_podium: false,
            connect: ConnectOptions::default(),
            pending: None,
            scheduled: None,
            last_seq: 0,
        }
    }

    /// Connect to `urls[index % len]` first (spreads bots over instances).
    pub fn first_url(mut self, index: usize) -> Self {
        self.first_url = index % self.urls.len();
        self
    }

    /// Report into a channel the caller made (e.g. before the player had a token).
    pub fn status(mut self, status: watch::Sender<BotStatus>) -> Self {
        status.send_modify(|s| s.name.clone_from(&self.name));
        self.status = status;
        self
    }

    pub fn events(mut self, events: Arc<dyn BotEvents>) -> Self {
        self.events = events;
        self
    }

    /// Stay connected at the podium until the server closes, like a phone showing it: thousands of sockets
    /// closing in the same millisecond would measure a disconnect storm, not the fan-out.
    pub fn linger_at_podium(mut self) -> Self {
        self.linger_at_podium = true;
        self
    }

    pub fn connect_options(mut self, options: ConnectOptions) -> Self {
        self.connect = options;
        self
    }

    pub fn subscribe(&self) -> watch::Receiver<BotStatus> {
        self.status.subscribe()
    }

    pub fn start(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run())
    }

    async fn run(mut self) {
        let mut lost_at: Option<Instant> = None;
        let mut backoff = Duration::ZERO;
        let mut attempt = 0usize;
        let mut first = true;
        loop {
            let url = &self.urls[(self.first_url + attempt) % self.urls.len()];
            match GameClient::connect_with(url, &self.token, None, &self.connect).await {
                Ok((client, welcome)) => {
                    let instance = match welcome {
                        ServerMessage::Welcome { instance, .. } => instance,
                        _ => None,
                    };
                    let back_after = lost_at.take().map(|at| at.elapsed());
                    self.status.send_modify(|s| {
                        s.connected = true;
                        s.instance = instance;
                        s.reconnects.extend(back_after);
                    });
                    if let Some(after) = back_after {
                        self.events.reconnected(after);
                    }
                    self.events.connected(first);
                    first = false;
                    backoff = Duration::ZERO;
                    let done = self.play(client).await;
                    self.events.disconnected();
                    self.status.send_modify(|s| s.connected = false);
                    if done {
                        return;
                    }
                    lost_at = Some(Instant::now());
                }
                Err(e) => {
                    attempt += 1;
                    let since = *lost_at.get_or_insert_with(Instant::now);
                    if since.elapsed() > GIVE_UP_AFTER {
                        self.events.failure(&format!("gave up connecting: {e}"));
                        self.status.send_modify(|s| s.gave_up = true);
                        return;
                    }
                    // First retry at once, then exponential backoff with full jitter.
                    let jitter =
                        Duration::from_millis(rand::random_range(0..=backoff.as_millis() as u64));
                    tokio::time::sleep(jitter).await;
                    backoff = (backoff * 2).clamp(Duration::from_millis(50), MAX_BACKOFF);
                }
            }
        }
    }

    async fn send_answer(
        &mut self,
        client: &mut GameClient,
        q: u32,
        id: String,
        answer: AnswerValue,
    ) -> bool {
        let msg = ClientMessage::Answer {
            answer_id: id.clone(),
            question_index: q,
            answer: answer.clone(),
        };
        self.pending = Some((q, id, answer, Instant::now()));
        client.send(&msg).await.is_ok()
    }

    /// Plays on one connection. Returns true when the game is over for this bot.
    async fn play(&mut self, mut client: GameClient) -> bool {
        if let Some((q, id, answer, _)) = self.pending.clone()
            && !self.send_answer(&mut client, q, id, answer).await
        {
            return false;
        }
        loop {
            let wake = self.scheduled.as_ref().map(|(at, _, _)| *at);
            let text = tokio::select! {
                text = client.next_text() => text,
                () = sleep_until(wake) => {
                    if let Some((_, q, answer)) = self.scheduled.take() {
                        let id = format!("{}-q{q}", self.name);
                        self.status.send_modify(|s| {
                            s.sent.insert(q, (id.clone(), answer.clone()));
                        });
                        self.events.answer_sent(q);
                        if !self.send_answer(&mut client, q, id, answer).await {
                            return false;
                        }
                    }
                    continue;
                }
            };
            let Ok(text) = text else {
                // Closed, a socket error or a frame that is not UTF-8: reconnect.
                return false;
            };
            let now = Instant::now();
            if text.as_str().starts_with(STATE_PREFIX) {
                match serde_json::from_str::<LeanState>(text.as_str()) {
                    Ok(view) => {
                        if self.on_state(view, now) {
                            return self.at_podium(client).await;
                        }
                    }
                    Err(_) => self.events.failure("unparseable message"),
                }
                continue;
            }
            let Ok(msg) = serde_json::from_str::<ServerMessage>(text.as_str()) else {
                self.events.failure("unparseable message");
                continue;
            };
            match msg {
                ServerMessage::AnswerAck {
                    answer_id,
                    question_index,
                    answer,
                } => {
                    if let Some((q, id, _, sent_at)) = &self.pending
                        && *id == answer_id
                    {
                        self.events.acked(*q, now - *sent_at, now);
                        self.pending = None;
                    }
                    self.status.send_modify(|s| {
                        s.acks.insert(question_index, (answer_id, answer));
                    });
                }
                ServerMessage::Error { code, .. } => {
                    self.events.server_error(&code);
                    // A resent answer to a question that closed meanwhile is settled: it never counted.
                    if code == ErrorCode::QuestionClosed || code == ErrorCode::AlreadyAnswered {
                        self.pending = None;
                    }
                    // The server could not reach its live store (e.g. Valkey restarting): reconnect, which
                    // retries with backoff and resends the pending answer with its original id.
                    let reconnect = code == ErrorCode::LiveStoreUnavailable;
                    self.status.send_modify(|s| s.errors.push(code));
                    if reconnect {
                        return false;
                    }
                }
                ServerMessage::Kicked => {
                    self.status.send_modify(|s| {
                        s.kicked = true;
                        s.finished = true;
                    });
                    return true;
                }
                ServerMessage::Reconnect { .. } => return false,
                _ => {}
            }
        }
    }

    /// Records the state; schedules an answer for a newly seen question. Returns true at the podium.
    fn on_state(&mut self, view: LeanState, now: Instant) -> bool {
        if view.seq > self.last_seq {
            self.last_seq = view.seq;
            self.events.state(view.seq, now);
        }
        let question = view.question.as_ref().map(|q| q.index);
        let shown = view.question.as_ref().map_or(&[][..], |q| &q.answers[..]);
        if view.phase == PhaseName::Question
            && let Some(q) = question
        {
            let answered = view.me.as_ref().is_some_and(|m| m.answer.is_some())
                || self.pending.as_ref().is_some_and(|p| p.0 == q)
                || self.scheduled.as_ref().is_some_and(|s| s.1 == q)
                || {
                    let s = self.status.borrow();
                    s.sent.contains_key(&q) || s.acks.contains_key(&q)
                };
            if !answered && let Some((answer, delay)) = (self.strategy)(q, shown) {
                // Think time starts when the answers open, after the "get ready" countdown.
                let opens_in = view.question.as_ref().map_or(0, |q| q.opens_in_ms);
                self.scheduled = Some((now + Duration::from_millis(opens_in) + delay, q, answer));
            }
        } else {
            self.scheduled = None;
        }
        let finished = view.phase == PhaseName::Podium;
        let score = view.me.as_ref().map(|m| m.score);
        // Only a change wakes the watchers: most states of a question change neither.
        self.status.send_if_modified(|s| {
            let changed = s.phase != Some(view.phase) || s.question != question || finished;
            s.phase = Some(view.phase);
            s.question = question;
            if finished {
                s.finished = true;
                s.final_score = score;
            }
            changed
        });
        if finished {
            self.events.finished();
        }
        finished
    }

    /// The game is over for this bot; with `linger_at_podium` it reads on until the server closes.
    async fn at_podium(&self, mut client: GameClient) -> bool {
        if self.linger_at_podium {
            while client.next_text().await.is_ok() {}
        }
        true
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

/// What a bot reads from a `state` message. serde skips every other field without building it, so a load
/// generator on the same cores as the server spends little on the thousands of copies of a fan-out it is
/// measuring; every other message is parsed whole.
#[derive(serde::Deserialize)]
struct LeanState {
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
    /// The options or puzzle items in this game's (possibly shuffled) order.
    #[serde(default)]
    answers: Vec<String>,
    /// Until the answers open ("get ready"); answering earlier is refused.
    #[serde(default)]
    opens_in_ms: u64,
}

#[derive(serde::Deserialize)]
struct OwnRow {
    score: u64,
    /// Only whether it is there matters; its content is skipped unparsed.
    #[serde(default)]
    answer: Option<serde::de::IgnoredAny>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use cahoot_protocol::{MeView, QuestionView, StateView};

    /// The lean view must keep reading what the full one says: a field renamed in the protocol would
    /// otherwise silently read as absent.
    #[test]
    fn the_lean_state_reads_the_fields_of_a_full_state() {
        let view = StateView {
            seq: 7,
            game_id: "g".into(),
            pin: "123456".into(),
            quiz_title: "Quiz".into(),
            phase: PhaseName::Question,
            locked: false,
            question_count: 3,
            player_count: 2,
            players: None,
            question: Some(QuestionView {
                index: 2,
                kind: Default::default(),
                text: "?".into(),
                answers: vec!["a".into(), "b".into()],
                image: None,
                answer_images: None,
                slider: None,
                max_chars: None,
                time_limit_secs: 20,
                points: Default::default(),
                remaining_ms: 1000,
                opens_in_ms: 0,
                extra_ms: 0,
                answered: 0,
            }),
            reveal: None,
            me: Some(MeView {
                player_id: "p".into(),
                nickname: "Ada".into(),
                score: 1500,
                rank: 1,
                streak: 2,
                answer: Some(AnswerValue::Order(vec![1, 0])),
                last_result: None,
                extra_time: false,
            }),
            leaderboard: None,
            standings: None,
        };
        let text = serde_json::to_string(&ServerMessage::State(Box::new(view))).unwrap();
        assert!(text.starts_with(STATE_PREFIX), "{text}");
        let lean: LeanState = serde_json::from_str(&text).unwrap();
        assert_eq!(lean.seq, 7);
        assert_eq!(lean.phase, PhaseName::Question);
        assert_eq!(lean.question.map(|q| q.index), Some(2));
        let me = lean.me.unwrap();
        assert_eq!((me.score, me.answer.is_some()), (1500, true));
    }
}
