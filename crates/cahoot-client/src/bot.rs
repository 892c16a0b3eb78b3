//! A simulated player that behaves like the web client: it reconnects by itself (first retry at once,
//! then backoff with jitter), resends an unacknowledged answer with its original id after every reconnect,
//! and answers each question once as its `Strategy` says. Used by failover tests and the load tool.

use crate::{ClientError, GameClient};
use cahoot_protocol::{ClientMessage, ErrorCode, PhaseName, ServerMessage, StateView};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Decides the answer to question `index`: `Some((choice, delay after the question is seen))` or no answer.
pub type Strategy = Arc<dyn Fn(u32) -> Option<(u32, Duration)> + Send + Sync>;

/// What a bot has seen so far; observed by tests through a `watch` channel.
#[derive(Debug, Clone, Default)]
pub struct BotStatus {
    pub connected: bool,
    /// The `instance` of the server process the bot is connected to.
    pub instance: Option<String>,
    pub phase: Option<PhaseName>,
    pub question: Option<u32>,
    /// Acknowledged answers: question → (answer id, choice).
    pub acks: BTreeMap<u32, (String, u32)>,
    /// Time from losing the connection to the next `welcome`, one entry per reconnect.
    pub reconnects: Vec<Duration>,
    /// The last full state.
    pub last_state: Option<StateView>,
    pub finished: bool,
    /// Server errors received (code), for assertions.
    pub errors: Vec<ErrorCode>,
}

pub struct PlayerBot {
    ws_url: String,
    token: String,
    name: String,
    strategy: Strategy,
    status: watch::Sender<BotStatus>,
    /// The answer sent but not acknowledged yet: (question, answer id, choice).
    pending: Option<(u32, String, u32)>,
    /// When to send the answer to the open question.
    scheduled: Option<(Instant, u32, u32)>,
}

const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// A bot gives up after this long without a connection (the test then fails on its status).
const GIVE_UP_AFTER: Duration = Duration::from_secs(60);

impl PlayerBot {
    /// Starts the bot; the returned receiver shows its progress. It stops at the podium or when kicked.
    pub fn spawn(
        ws_url: &str,
        token: &str,
        name: &str,
        strategy: Strategy,
    ) -> (watch::Receiver<BotStatus>, tokio::task::JoinHandle<()>) {
        let (tx, rx) = watch::channel(BotStatus::default());
        let bot = PlayerBot {
            ws_url: ws_url.to_owned(),
            token: token.to_owned(),
            name: name.to_owned(),
            strategy,
            status: tx,
            pending: None,
            scheduled: None,
        };
        (rx, tokio::spawn(bot.run()))
    }

    async fn run(mut self) {
        let mut lost_at: Option<Instant> = None;
        let mut backoff = Duration::ZERO;
        loop {
            match GameClient::connect(&self.ws_url, &self.token, None).await {
                Ok((client, welcome)) => {
                    let instance = match welcome {
                        ServerMessage::Welcome { instance, .. } => instance,
                        _ => None,
                    };
                    self.status.send_modify(|s| {
                        s.connected = true;
                        s.instance = instance;
                        if let Some(at) = lost_at.take() {
                            s.reconnects.push(at.elapsed());
                        }
                    });
                    backoff = Duration::ZERO;
                    let done = self.play(client).await;
                    self.status.send_modify(|s| s.connected = false);
                    if done {
                        return;
                    }
                    lost_at = Some(Instant::now());
                }
                Err(_) => {
                    let since = lost_at.get_or_insert_with(Instant::now);
                    if since.elapsed() > GIVE_UP_AFTER {
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

    /// Plays on one connection. Returns true when the game is over for this bot.
    async fn play(&mut self, mut client: GameClient) -> bool {
        if let Some((q, id, choice)) = self.pending.clone() {
            let msg = ClientMessage::Answer {
                answer_id: id,
                question_index: q,
                choice,
            };
            if client.send(&msg).await.is_err() {
                return false;
            }
        }
        loop {
            let wake = self.scheduled.map(|(at, _, _)| at);
            let msg = tokio::select! {
                msg = client.next(Duration::from_secs(3600)) => msg,
                () = sleep_until(wake) => {
                    if let Some((_, q, choice)) = self.scheduled.take() {
                        let id = format!("{}-q{q}", self.name);
                        self.pending = Some((q, id.clone(), choice));
                        let msg = ClientMessage::Answer { answer_id: id, question_index: q, choice };
                        if client.send(&msg).await.is_err() {
                            return false;
                        }
                    }
                    continue;
                }
            };
            match msg {
                Ok(ServerMessage::State(view)) => {
                    if self.on_state(&view) {
                        return true;
                    }
                }
                Ok(ServerMessage::AnswerAck {
                    answer_id,
                    question_index,
                    choice,
                }) => {
                    if self.pending.as_ref().is_some_and(|p| p.1 == answer_id) {
                        self.pending = None;
                    }
                    self.status.send_modify(|s| {
                        s.acks.insert(question_index, (answer_id, choice));
                    });
                }
                Ok(ServerMessage::Error { code, .. })
                    if code == ErrorCode::LiveStoreUnavailable =>
                {
                    // The server could not reach its live store (e.g. Valkey restarting): reconnect, which
                    // retries with backoff and resends the pending answer with its original id.
                    self.status.send_modify(|s| s.errors.push(code));
                    return false;
                }
                Ok(ServerMessage::Error { code, .. }) => {
                    // A resent answer to a question that closed meanwhile is settled: it never counted.
                    if code == ErrorCode::QuestionClosed || code == ErrorCode::AlreadyAnswered {
                        self.pending = None;
                    }
                    self.status.send_modify(|s| s.errors.push(code));
                }
                Ok(ServerMessage::Kicked) => {
                    self.status.send_modify(|s| s.finished = true);
                    return true;
                }
                Ok(ServerMessage::Reconnect { .. })
                | Err(ClientError::Closed | ClientError::Socket(_)) => {
                    return false;
                }
                Ok(_) => {}
                Err(_) => return false,
            }
        }
    }

    /// Records the state; schedules an answer for a newly seen question. Returns true at the podium.
    fn on_state(&mut self, view: &StateView) -> bool {
        let question = view.question.as_ref().map(|q| q.index);
        if view.phase == PhaseName::Question
            && let Some(q) = question
        {
            let answered = self.status.borrow().acks.contains_key(&q)
                || view
                    .me
                    .as_ref()
                    .is_some_and(|m| m.answered_choice.is_some())
                || self.pending.as_ref().is_some_and(|p| p.0 == q)
                || self.scheduled.is_some_and(|s| s.1 == q);
            if !answered && let Some((choice, delay)) = (self.strategy)(q) {
                self.scheduled = Some((Instant::now() + delay, q, choice));
            }
        } else {
            self.scheduled = None;
        }
        let finished = view.phase == PhaseName::Podium;
        self.status.send_modify(|s| {
            s.phase = Some(view.phase);
            s.question = question;
            s.last_state = Some(view.clone());
            s.finished = finished;
        });
        finished
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
