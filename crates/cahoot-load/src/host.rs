//! The host of a load run: a `cahoot_client::GameClient` that reconnects like the web UI (rotating over
//! the WebSocket URLs, so a killed instance is avoided in direct mode) and sends each command until its
//! effect is visible, never twice once it is.

use anyhow::bail;
use cahoot_client::GameClient;
use cahoot_protocol::{ClientMessage, PhaseName, ServerMessage, StateView};
use std::time::Duration;
use tokio::time::Instant;

pub struct Host {
    pub urls: Vec<String>,
    pub token: String,
    pub game_id: String,
    client: Option<GameClient>,
    pub instance: Option<String>,
    pub state: Option<StateView>,
    pub reconnects: Vec<Duration>,
    attempt: usize,
    pub messages: u64,
}

/// A predicate on the host's view.
pub fn phase(p: PhaseName, q: Option<u32>) -> impl Fn(&StateView) -> bool + Copy {
    move |s: &StateView| {
        s.phase == p
            && (q.is_none()
                || s.question.as_ref().map(|x| x.index) == q
                || p == PhaseName::Leaderboard)
    }
}

impl Host {
    pub fn new(urls: Vec<String>, token: String, game_id: String) -> Host {
        Host {
            urls,
            token,
            game_id,
            client: None,
            instance: None,
            state: None,
            reconnects: Vec::new(),
            attempt: 0,
            messages: 0,
        }
    }

    pub async fn connect(&mut self) -> anyhow::Result<()> {
        let lost_at = Instant::now();
        let had = self.state.is_some();
        let deadline = lost_at + Duration::from_secs(60);
        loop {
            let url = self.urls[self.attempt % self.urls.len()].clone();
            if let Ok((mut client, ServerMessage::Welcome { instance, .. })) =
                GameClient::connect(&url, &self.token, Some(&self.game_id)).await
                && let Ok(view) = client
                    .wait_state(Duration::from_secs(30), "host snapshot", |_| true)
                    .await
            {
                self.instance = instance;
                self.state = Some(view);
                self.client = Some(client);
                if had {
                    self.reconnects.push(lost_at.elapsed());
                }
                return Ok(());
            }
            self.attempt += 1;
            if Instant::now() > deadline {
                bail!("the host could not reconnect within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Reads one message (or times out); reconnects when the connection is gone.
    async fn read(&mut self, within: Duration) -> anyhow::Result<Option<ServerMessage>> {
        if self.client.is_none() {
            self.connect().await?;
        }
        let Some(client) = self.client.as_mut() else {
            return Ok(None);
        };
        match client.next(within).await {
            Ok(msg) => {
                self.messages += 1;
                if let ServerMessage::State(v) = &msg {
                    self.state = Some((**v).clone());
                }
                if matches!(msg, ServerMessage::Reconnect { .. }) {
                    self.client = None;
                }
                Ok(Some(msg))
            }
            Err(cahoot_client::ClientError::Timeout(_)) => Ok(None),
            Err(_) => {
                self.client = None;
                self.attempt += 1;
                Ok(None)
            }
        }
    }

    /// Keeps reading (hosts receive joins and answer counts continuously) for `d`.
    pub async fn pump(&mut self, d: Duration) -> anyhow::Result<()> {
        let until = Instant::now() + d;
        while Instant::now() < until {
            let left = until.saturating_duration_since(Instant::now());
            self.read(left.max(Duration::from_millis(1))).await?;
        }
        Ok(())
    }

    pub fn drop_connection(&mut self) {
        self.client = None;
    }

    pub async fn wait_state(
        &mut self,
        what: &str,
        within: Duration,
        want: impl Fn(&StateView) -> bool,
    ) -> anyhow::Result<StateView> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(s) = &self.state
                && want(s)
            {
                return Ok(s.clone());
            }
            if Instant::now() > deadline {
                bail!("the host never saw {what}");
            }
            self.read(Duration::from_millis(200)).await?;
        }
    }

    /// Sends `cmd` until the game reaches `want`. Returns when the command was (last) sent and the seq of
    /// the state that showed its effect.
    pub async fn advance(
        &mut self,
        cmd: ClientMessage,
        what: &str,
        want: impl Fn(&StateView) -> bool + Copy,
    ) -> anyhow::Result<(Instant, u64)> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut sent_at = Instant::now();
        loop {
            if let Some(s) = &self.state
                && want(s)
            {
                return Ok((sent_at, s.seq));
            }
            if Instant::now() > deadline {
                bail!("the host could not reach {what}");
            }
            if self.client.is_none() {
                self.connect().await?;
                continue;
            }
            sent_at = Instant::now();
            let sent = match self.client.as_mut() {
                Some(c) => c.send(&cmd).await.is_ok(),
                None => false,
            };
            if !sent {
                self.client = None;
                continue;
            }
            let step = Instant::now() + Duration::from_secs(10);
            while Instant::now() < step && self.client.is_some() {
                match self.read(Duration::from_millis(500)).await? {
                    Some(ServerMessage::State(v)) if want(&v) => return Ok((sent_at, v.seq)),
                    // `question_closed`: a skip raced the question's own close; the state shows which.
                    Some(ServerMessage::Error { code, message })
                        if code != "invalid_command" && code != "question_closed" =>
                    {
                        bail!("host command {what} refused: {code}: {message}")
                    }
                    _ => {}
                }
            }
        }
    }
}
