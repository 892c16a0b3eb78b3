//! A minimal Cahoot game client: connect to `/ws`, say hello, send commands and answers, read typed server
//! messages. Used by the server's integration tests and by the load tool.

pub mod bot;

use cahoot_protocol::{AnswerValue, ClientMessage, PROTOCOL_VERSION, ServerMessage, StateView};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("websocket: {0}")]
    Socket(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("the server closed the connection")]
    Closed,
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    #[error("unexpected frame: {0}")]
    Unexpected(String),
}

/// How [`GameClient::connect_with`] opens a socket.
#[derive(Debug, Clone, Copy)]
pub struct ConnectOptions {
    /// The WebSocket buffers; `None` is tungstenite's defaults.
    pub ws_config: Option<WebSocketConfig>,
    /// For the TCP/WebSocket handshake and again for the `welcome`.
    pub timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            ws_config: None,
            timeout: Duration::from_secs(10),
        }
    }
}

impl ConnectOptions {
    /// Small buffers (4 KiB read, unbuffered writes), so that 10 000 clients fit in one load-generator
    /// process; 15 s timeouts, as a loaded server is slow to accept.
    pub fn lean() -> Self {
        ConnectOptions {
            ws_config: Some(
                WebSocketConfig::default()
                    .read_buffer_size(4096)
                    .write_buffer_size(0)
                    .max_message_size(Some(16 << 20)),
            ),
            timeout: Duration::from_secs(15),
        }
    }
}

pub struct GameClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The last full state received.
    pub state: Option<StateView>,
}

impl GameClient {
    /// Connects to `ws_url` (e.g. `ws://127.0.0.1:8080/ws`) without saying hello.
    pub async fn connect_raw(ws_url: &str) -> Result<Self, ClientError> {
        Self::connect_raw_with(ws_url, &ConnectOptions::default()).await
    }

    async fn connect_raw_with(ws_url: &str, options: &ConnectOptions) -> Result<Self, ClientError> {
        let (socket, _) = tokio::time::timeout(
            options.timeout,
            connect_async_with_config(ws_url, options.ws_config, true),
        )
        .await
        .map_err(|_| ClientError::Timeout("the WebSocket handshake"))??;
        Ok(GameClient {
            socket,
            state: None,
        })
    }

    /// Connects and authenticates: a host passes its access token and the game id, a player its player token.
    /// Returns after the `welcome` message.
    pub async fn connect(
        ws_url: &str,
        token: &str,
        game_id: Option<&str>,
    ) -> Result<(Self, ServerMessage), ClientError> {
        Self::connect_with(ws_url, token, game_id, &ConnectOptions::default()).await
    }

    /// [`GameClient::connect`] with explicit buffers and timeouts.
    pub async fn connect_with(
        ws_url: &str,
        token: &str,
        game_id: Option<&str>,
        options: &ConnectOptions,
    ) -> Result<(Self, ServerMessage), ClientError> {
        let mut client = Self::connect_raw_with(ws_url, options).await?;
        client
            .send(&ClientMessage::Hello {
                v: PROTOCOL_VERSION,
                token: token.to_owned(),
                game_id: game_id.map(str::to_owned),
            })
            .await?;
        let welcome = client.next(options.timeout).await?;
        match welcome {
            ServerMessage::Welcome { .. } => Ok((client, welcome)),
            other => Err(ClientError::Unexpected(format!("{other:?}"))),
        }
    }

    pub async fn send(&mut self, msg: &ClientMessage) -> Result<(), ClientError> {
        let text =
            serde_json::to_string(msg).map_err(|e| ClientError::Unexpected(e.to_string()))?;
        self.send_text(&text).await
    }

    pub async fn send_text(&mut self, text: &str) -> Result<(), ClientError> {
        self.socket.send(Message::text(text)).await?;
        Ok(())
    }

    /// Next server message (pings are skipped; a close frame is `Closed`).
    pub async fn next(&mut self, within: Duration) -> Result<ServerMessage, ClientError> {
        loop {
            let frame = tokio::time::timeout(within, self.socket.next())
                .await
                .map_err(|_| ClientError::Timeout("a message"))?;
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let msg: ServerMessage = serde_json::from_str(text.as_str())
                        .map_err(|e| ClientError::Unexpected(format!("{e}: {text}")))?;
                    if let ServerMessage::State(view) = &msg {
                        self.state = Some((**view).clone());
                    }
                    return Ok(msg);
                }
                Some(Ok(Message::Close(_))) | None => return Err(ClientError::Closed),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
            }
        }
    }

    /// The next text frame, unparsed, for callers that read only part of it (pings are skipped; a close
    /// frame is `Closed`). `state` is not updated.
    pub async fn next_text(&mut self) -> Result<Utf8Bytes, ClientError> {
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(text))) => return Ok(text),
                Some(Ok(Message::Close(_))) | None => return Err(ClientError::Closed),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
            }
        }
    }

    /// Reads messages until one matches, returning it; fails after `within`.
    pub async fn wait_for<F>(
        &mut self,
        within: Duration,
        what: &'static str,
        mut matches: F,
    ) -> Result<ServerMessage, ClientError>
    where
        F: FnMut(&ServerMessage) -> bool,
    {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return Err(ClientError::Timeout(what));
            }
            let msg = self.next(left).await.map_err(|e| match e {
                ClientError::Timeout(_) => ClientError::Timeout(what),
                other => other,
            })?;
            if matches(&msg) {
                return Ok(msg);
            }
        }
    }

    /// Waits for a `state` whose view satisfies `matches` and returns that view.
    pub async fn wait_state<F>(
        &mut self,
        within: Duration,
        what: &'static str,
        mut matches: F,
    ) -> Result<StateView, ClientError>
    where
        F: FnMut(&StateView) -> bool,
    {
        match self
            .wait_for(
                within,
                what,
                |m| matches!(m, ServerMessage::State(v) if matches(v)),
            )
            .await?
        {
            ServerMessage::State(v) => Ok(*v),
            _ => Err(ClientError::Unexpected(what.into())),
        }
    }

    /// Picks option `choice` (multiple choice, true/false, poll) and waits for the acknowledgement.
    pub async fn answer(
        &mut self,
        answer_id: &str,
        question_index: u32,
        choice: u32,
    ) -> Result<ServerMessage, ClientError> {
        self.answer_with(answer_id, question_index, AnswerValue::Choice(choice))
            .await
    }

    /// Sends an answer of any shape and waits for its acknowledgement (or the error that refuses it).
    pub async fn answer_with(
        &mut self,
        answer_id: &str,
        question_index: u32,
        answer: AnswerValue,
    ) -> Result<ServerMessage, ClientError> {
        self.send(&ClientMessage::Answer {
            answer_id: answer_id.to_owned(),
            question_index,
            answer,
        })
        .await?;
        self.wait_for(Duration::from_secs(10), "answer_ack", |m| {
            matches!(m, ServerMessage::AnswerAck { answer_id: id, .. } if id == answer_id)
                || matches!(m, ServerMessage::Error { .. })
        })
        .await
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}
