//! One socket's life: handshake, presence, then a loop relaying client frames to `dispatch` and local game
//! events (rendered for the client's role) to the client, until either side closes or the instance drains.

use super::dispatch::{dispatch, live_unavailable};
use super::handshake::{Session, authenticate_hello};
use crate::AppState;
use crate::clock::now_ms;
use crate::play::fanout::LocalEvent;
use crate::play::snapshot_cache::SnapshotCache;
use crate::play::view::Snapshot;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use cahoot_game::Phase;
use cahoot_protocol::{ErrorCode, PlayerSummary, Role, ServerMessage, decode_client};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Messages per second a client may send (burst allowed); beyond it they are refused, and a client that
/// keeps flooding is disconnected.
const MESSAGES_PER_SECOND: u32 = 10;
const MESSAGE_BURST: u32 = 20;
const FLOOD_STRIKES: u32 = 50;
/// The close reason of a frame over the size limit or a protocol violation (close code 1008).
const INVALID_FRAME: &str = "frame_too_large_or_invalid";

/// Resolves once the instance starts draining (never, if the flag's owner is gone).
async fn until_draining(flag: &mut tokio::sync::watch::Receiver<bool>) {
    if flag.wait_for(|d| *d).await.is_ok() {
        return;
    }
    std::future::pending::<()>().await;
}

struct Connection {
    state: AppState,
    socket: WebSocket,
    limiter: DefaultDirectRateLimiter,
    strikes: u32,
}

enum Flow {
    Continue,
    Close,
}

/// Serves one upgraded socket to its end.
pub async fn run(state: AppState, socket: WebSocket) {
    let quota = Quota::per_second(NonZeroU32::new(MESSAGES_PER_SECOND).unwrap_or(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(MESSAGE_BURST).unwrap_or(NonZeroU32::MIN));
    let mut conn = Connection {
        state,
        socket,
        limiter: RateLimiter::direct(quota),
        strikes: 0,
    };
    let Some(session) = conn.handshake().await else {
        return;
    };
    let commands = conn.state.commands.clone();
    let game_id = session.game_id();
    let player_id = session.player.as_ref().map(|(id, _)| *id);
    if let Some(p) = player_id {
        let _ = commands.presence(game_id, p, true).await;
    }
    let role = if player_id.is_some() {
        "player"
    } else {
        "host"
    };
    let open_sockets = conn.state.metrics.ws_connections(role);
    open_sockets.inc();
    conn.serve(&session).await;
    open_sockets.dec();
    if let Some(p) = player_id {
        let _ = commands.presence(game_id, p, false).await;
    }
}

impl Connection {
    async fn send(&mut self, msg: &ServerMessage) -> bool {
        self.send_text(msg.to_json()).await
    }

    async fn send_text(&mut self, json: String) -> bool {
        let text = Utf8Bytes::from(json);
        matches!(
            tokio::time::timeout(SEND_TIMEOUT, self.socket.send(Message::Text(text))).await,
            Ok(Ok(()))
        )
    }

    async fn send_error(&mut self, code: ErrorCode, message: impl Into<String>) -> bool {
        self.send(&ServerMessage::error(code, message)).await
    }

    /// Closes with 1008 (policy violation) and a reason the client can show or act on.
    async fn close(&mut self, reason: &'static str) {
        let frame = CloseFrame {
            code: axum::extract::ws::close_code::POLICY,
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = self.socket.send(Message::Close(Some(frame))).await;
    }

    /// Waits for `hello`, authenticates it, and greets the client. None = the socket is closed.
    async fn handshake(&mut self) -> Option<Session> {
        let frame = match tokio::time::timeout(HELLO_TIMEOUT, self.socket.recv()).await {
            Ok(Some(Ok(Message::Text(text)))) => text,
            Ok(Some(Ok(_))) => {
                self.send_error(
                    ErrorCode::BadMessage,
                    "the first message must be a JSON hello",
                )
                .await;
                self.close_plain().await;
                return None;
            }
            Ok(Some(Err(e))) => {
                // A first frame over the size limit (or not a valid frame at all) ends here, with the
                // same documented close as later in the connection.
                tracing::debug!(error = %e, "websocket handshake read failed");
                self.close(INVALID_FRAME).await;
                return None;
            }
            _ => {
                self.close_plain().await;
                return None;
            }
        };
        let session = match authenticate_hello(&self.state, frame.as_str()).await {
            Ok(session) => session,
            Err((code, message)) => {
                self.send_error(code, message).await;
                self.close_plain().await;
                return None;
            }
        };
        let welcome = ServerMessage::Welcome {
            role: session.role,
            game_id: session.game_id().to_string(),
            player_id: session.player_key().map(str::to_owned),
            nickname: session.player.as_ref().map(|_| session.nickname.clone()),
            instance: Some(std::process::id().to_string()),
        };
        self.send(&welcome).await.then_some(session)
    }

    async fn close_plain(&mut self) {
        let _ = self.socket.send(Message::Close(None)).await;
    }

    async fn serve(&mut self, session: &Session) {
        let joined = self
            .state
            .fanout
            .join(session.meta.clone(), session.role)
            .await;
        let (mut events, cache) = match joined {
            Ok(x) => x,
            Err(e) => {
                self.send(&live_unavailable(&e)).await;
                return;
            }
        };
        if !self.send_first_snapshot(session, &cache).await {
            return;
        }
        let mut draining = self.state.draining_signal();
        loop {
            let flow = tokio::select! {
                // This instance is shutting down: send the client elsewhere (the load balancer has
                // already stopped routing new connections here) before the listener closes.
                () = until_draining(&mut draining) => {
                    let msg = ServerMessage::Reconnect { reason: "server restarting".into() };
                    self.send(&msg).await;
                    self.close("server restarting").await;
                    Flow::Close
                },
                frame = self.socket.recv() => match frame {
                    Some(Ok(Message::Text(text))) => self.on_text(session, text.as_str()).await,
                    Some(Ok(Message::Binary(_))) => {
                        self.send_error(ErrorCode::BadMessage, "binary frames are not supported").await;
                        Flow::Continue
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Flow::Continue,
                    Some(Ok(Message::Close(_))) | None => Flow::Close,
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "websocket read failed");
                        // Protocol violations (e.g. a frame over the size limit) end here.
                        self.close(INVALID_FRAME).await;
                        Flow::Close
                    }
                },
                event = events.recv() => match event {
                    Ok(event) => self.on_event(session, &event).await,
                    Err(RecvError::Lagged(_)) => {
                        if self.send_fresh_snapshot(session).await { Flow::Continue } else { Flow::Close }
                    }
                    Err(RecvError::Closed) => Flow::Close,
                },
            };
            if matches!(flow, Flow::Close) {
                return;
            }
        }
    }

    /// The snapshot a newly connected client starts from. Players share cached snapshots (see
    /// `SnapshotCache`): in the lobby one of at most a second ago, later the newest one plus their own
    /// answer; hosts, and players the cached snapshot does not know yet, get a fresh one.
    async fn send_first_snapshot(&mut self, session: &Session, cache: &SnapshotCache) -> bool {
        let Some((player_id, player_key)) = session.player.as_ref() else {
            return self.send_fresh_snapshot(session).await;
        };
        if let Some(snap) = cache
            .latest()
            .filter(|s| !s.is_lobby() && s.has_player(player_key))
        {
            let message = match snap.state.phase {
                // Answers to an open question keep arriving; after it closed the snapshot has them all.
                Phase::Question(q) => {
                    let answer = self
                        .state
                        .live
                        .answer_of(session.game_id(), q, *player_id)
                        .await;
                    match answer {
                        Ok(answer) => {
                            snap.player_message_with_answer(player_key, answer.as_ref(), now_ms())
                        }
                        Err(e) => return self.send(&live_unavailable(&e)).await,
                    }
                }
                _ => snap.player_message(player_key, now_ms()),
            };
            return self.send_text(message).await;
        }
        let snap = match cache.fresh_lobby() {
            Some(snap) => snap,
            None => match Snapshot::load(self.state.live.as_ref(), session.meta.clone()).await {
                Ok(Some(snap)) => {
                    let snap = Arc::new(snap);
                    cache.offer(&snap);
                    snap
                }
                Ok(None) => {
                    self.send_error(ErrorCode::GameNotFound, "this game no longer exists")
                        .await;
                    return false;
                }
                Err(e) => return self.send(&live_unavailable(&e)).await,
            },
        };
        let message = snap.lobby_player_message(player_key, &session.nickname, now_ms());
        self.send_text(message).await
    }

    async fn send_fresh_snapshot(&mut self, session: &Session) -> bool {
        match Snapshot::load(self.state.live.as_ref(), session.meta.clone()).await {
            Ok(Some(snap)) => self.send_snapshot(session, &snap).await,
            Ok(None) => {
                self.send_error(ErrorCode::GameNotFound, "this game no longer exists")
                    .await;
                false
            }
            Err(e) => self.send(&live_unavailable(&e)).await,
        }
    }

    async fn send_snapshot(&mut self, session: &Session, snap: &Snapshot) -> bool {
        match session.player_key() {
            Some(p) => self.send_text(snap.player_message(p, now_ms())).await,
            None => {
                let view = snap.host_view(now_ms());
                self.send(&ServerMessage::State(Box::new(view))).await
            }
        }
    }

    async fn on_event(&mut self, session: &Session, event: &LocalEvent) -> Flow {
        let sent = match (event, session.role) {
            (LocalEvent::Snapshot(snap), _) => self.send_snapshot(session, snap).await,
            (
                LocalEvent::PlayerJoined {
                    player_id,
                    nickname,
                    player_count,
                },
                Role::Host,
            ) => {
                let msg = ServerMessage::PlayerJoined {
                    player: PlayerSummary {
                        id: player_id.to_string(),
                        nickname: nickname.clone(),
                        connected: true,
                        extra_time: false,
                    },
                    player_count: *player_count,
                };
                self.send(&msg).await
            }
            (
                LocalEvent::AnswerCount {
                    question,
                    answered,
                    total,
                },
                Role::Host,
            ) => {
                let msg = ServerMessage::AnswerCount {
                    question_index: *question,
                    answered: *answered,
                    total: *total,
                };
                self.send(&msg).await
            }
            (LocalEvent::Kicked { player_id }, Role::Player)
                if session.player.as_ref().map(|(id, _)| id) == Some(player_id) =>
            {
                self.send(&ServerMessage::Kicked).await;
                self.close("kicked").await;
                return Flow::Close;
            }
            _ => true,
        };
        if sent { Flow::Continue } else { Flow::Close }
    }

    async fn on_text(&mut self, session: &Session, text: &str) -> Flow {
        if self.limiter.check().is_err() {
            self.strikes += 1;
            if self.strikes >= FLOOD_STRIKES {
                self.send_error(ErrorCode::RateLimited, "too many messages; disconnecting")
                    .await;
                self.close("rate_limited").await;
                return Flow::Close;
            }
            self.send_error(ErrorCode::RateLimited, "too many messages; slow down")
                .await;
            return Flow::Continue;
        }
        let msg = match decode_client(text) {
            Ok(msg) => msg,
            Err(e) => {
                self.send_error(e.code, e.message).await;
                return Flow::Continue;
            }
        };
        match dispatch(&self.state, session, msg).await {
            Some(reply) if !self.send(&reply).await => Flow::Close,
            _ => Flow::Continue,
        }
    }
}
