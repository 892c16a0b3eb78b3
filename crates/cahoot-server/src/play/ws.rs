//! The WebSocket gateway: authenticate with the first frame, then relay local game events to the client
//! (rendered for its role) and client commands to the engine and the live store.

use super::engine::{self, now_ms};
use super::hub::{LocalEvent, SnapshotCache};
use super::view::Snapshot;
use crate::AppState;
use crate::live::{GameMeta, LiveError, LiveMessage};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use cahoot_game::answer::ANSWER_ID_MAX;
use cahoot_game::{Command, Phase};
use cahoot_protocol::ErrorCode;
use cahoot_protocol::{
    ClientMessage, MAX_CLIENT_FRAME_BYTES, PROTOCOL_VERSION, PlayerSummary, Role, ServerMessage,
    decode_client,
};
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
/// Socket buffers: a few KiB each instead of the library defaults (128 KiB). The read buffer is allocated
/// and zero-filled per connection, so it is most of a connection's memory: 4 KiB holds any frame a client
/// may send (`MAX_CLIENT_FRAME_BYTES`) in at most two reads. The write buffer is a flush threshold.
const READ_BUFFER_BYTES: usize = 4 * 1024;
const WRITE_BUFFER_BYTES: usize = 8 * 1024;

pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !same_origin(&headers, &state.config) {
        return crate::error::ApiError::forbidden(
            ErrorCode::OriginRejected,
            "WebSocket connections are only accepted from this site",
        )
        .into_response();
    }
    ws.max_message_size(MAX_CLIENT_FRAME_BYTES)
        .max_frame_size(MAX_CLIENT_FRAME_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| async move {
            Connection::run(state, socket).await;
        })
}

/// Browsers always send `Origin` on a WebSocket upgrade; it must name this host — or exactly the
/// configured `public_origin`, which also shuts out DNS-rebinding pages whose `Host` is their own name.
/// Non-browser clients (tests, the load tool) send none, and have no ambient credentials a cross-site page
/// could abuse.
fn same_origin(headers: &HeaderMap, config: &crate::Config) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if let Some(public) = &config.public_origin {
        return origin.eq_ignore_ascii_case(public.trim_end_matches('/'));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// What a client is told when the live store fails. The cause (addresses, driver messages) is logged,
/// never sent: error texts must not reveal internals.
const LIVE_UNAVAILABLE: &str = "live games are unavailable right now; try again shortly";

fn live_unavailable(cause: &dyn std::fmt::Display) -> ServerMessage {
    tracing::warn!(%cause, "live store unavailable");
    ServerMessage::error(ErrorCode::LiveStoreUnavailable, LIVE_UNAVAILABLE)
}

/// Resolves once the instance starts draining (never, if the flag's owner is gone).
async fn until_draining(flag: &mut tokio::sync::watch::Receiver<bool>) {
    if flag.wait_for(|d| *d).await.is_ok() {
        return;
    }
    std::future::pending::<()>().await;
}

struct Session {
    role: Role,
    meta: Arc<GameMeta>,
    player_id: Option<String>,
    /// The player's nickname (empty for hosts).
    nickname: String,
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

impl Connection {
    async fn run(state: AppState, socket: WebSocket) {
        let quota =
            Quota::per_second(NonZeroU32::new(MESSAGES_PER_SECOND).unwrap_or(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(MESSAGE_BURST).unwrap_or(NonZeroU32::MIN));
        let mut conn = Connection {
            state,
            socket,
            limiter: RateLimiter::direct(quota),
            strikes: 0,
        };
        let Some(session) = conn.handshake().await else {
            let _ = conn.socket.send(Message::Close(None)).await;
            return;
        };
        let player_id = session.player_id.clone();
        let game_id = session.meta.id.clone();
        if let Some(p) = &player_id {
            let _ = conn.state.live.set_connected(&game_id, p, true).await;
            let _ = conn
                .state
                .live
                .publish(
                    &game_id,
                    &LiveMessage::Presence {
                        player_id: p.clone(),
                        connected: true,
                    },
                )
                .await;
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
        if let Some(p) = &player_id {
            let _ = conn.state.live.set_connected(&game_id, p, false).await;
            let _ = conn
                .state
                .live
                .publish(
                    &game_id,
                    &LiveMessage::Presence {
                        player_id: p.clone(),
                        connected: false,
                    },
                )
                .await;
        }
    }

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

    async fn close(&mut self, reason: &'static str) {
        let frame = CloseFrame {
            code: axum::extract::ws::close_code::POLICY,
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = self.socket.send(Message::Close(Some(frame))).await;
    }

    /// Waits for `hello`, authenticates it, and greets the client. None = the socket must close.
    async fn handshake(&mut self) -> Option<Session> {
        let frame = match tokio::time::timeout(HELLO_TIMEOUT, self.socket.recv()).await {
            Ok(Some(Ok(Message::Text(text)))) => text,
            Ok(Some(Ok(_))) => {
                self.send_error(
                    ErrorCode::BadMessage,
                    "the first message must be a JSON hello",
                )
                .await;
                return None;
            }
            _ => return None,
        };
        let (token, game_id) = match decode_client(frame.as_str()) {
            Ok(ClientMessage::Hello { v, token, game_id }) if v == PROTOCOL_VERSION => {
                (token, game_id)
            }
            Ok(ClientMessage::Hello { .. }) => {
                self.send_error(
                    ErrorCode::UnsupportedVersion,
                    "this server speaks protocol version 1",
                )
                .await;
                return None;
            }
            Ok(_) => {
                self.send_error(ErrorCode::Unauthorized, "send hello with a token first")
                    .await;
                return None;
            }
            Err(e) => {
                self.send_error(e.code, e.message).await;
                return None;
            }
        };
        let mut session = match authenticate(&self.state, &token, game_id).await {
            Ok(s) => s,
            Err((code, message)) => {
                self.send_error(code, message).await;
                return None;
            }
        };
        let nickname = match &session.player_id {
            Some(p) => self
                .state
                .live
                .player(&session.meta.id, p)
                .await
                .ok()
                .flatten()
                .map(|r| r.nickname),
            None => None,
        };
        session.nickname = nickname.clone().unwrap_or_default();
        let welcome = ServerMessage::Welcome {
            role: session.role,
            game_id: session.meta.id.clone(),
            player_id: session.player_id.clone(),
            nickname,
            instance: Some(std::process::id().to_string()),
        };
        self.send(&welcome).await.then_some(session)
    }
}

async fn authenticate(
    state: &AppState,
    token: &str,
    game_id: Option<String>,
) -> Result<Session, (ErrorCode, String)> {
    let live = &state.live;
    let unavailable = |e: LiveError| {
        tracing::warn!(cause = %e, "live store unavailable");
        (ErrorCode::LiveStoreUnavailable, LIVE_UNAVAILABLE.to_owned())
    };
    let not_found = || {
        (
            ErrorCode::GameNotFound,
            "no live game with that id".to_owned(),
        )
    };
    match game_id {
        Some(game_id) => {
            let user = crate::auth::verify_access_token(state, token)
                .await
                .map_err(|_| {
                    (
                        ErrorCode::Unauthorized,
                        "invalid or expired token".to_owned(),
                    )
                })?;
            let meta = live
                .meta(&game_id)
                .await
                .map_err(unavailable)?
                .ok_or_else(not_found)?;
            // Another host's game looks exactly like a missing one.
            if meta.owner_id != user.user_id.to_string() {
                return Err(not_found());
            }
            Ok(Session {
                role: Role::Host,
                meta: Arc::new(meta),
                player_id: None,
                nickname: String::new(),
            })
        }
        None => {
            let claims = state.auth.verify_player_token(token).map_err(|_| {
                (
                    ErrorCode::Unauthorized,
                    "invalid or expired player token".to_owned(),
                )
            })?;
            let meta = live
                .meta(&claims.game_id)
                .await
                .map_err(unavailable)?
                .ok_or_else(not_found)?;
            if live
                .is_kicked(&meta.id, &claims.player_id)
                .await
                .map_err(unavailable)?
            {
                return Err((
                    ErrorCode::Kicked,
                    "you were removed from this game".to_owned(),
                ));
            }
            if live
                .player(&meta.id, &claims.player_id)
                .await
                .map_err(unavailable)?
                .is_none()
            {
                return Err(not_found());
            }
            Ok(Session {
                role: Role::Player,
                meta: Arc::new(meta),
                player_id: Some(claims.player_id),
                nickname: String::new(),
            })
        }
    }
}

impl Connection {
    async fn serve(&mut self, session: &Session) {
        let joined = self
            .state
            .hub
            .join(&self.state, session.meta.clone(), session.role)
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
                        self.close("frame_too_large_or_invalid").await;
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
        let Some(player_id) = session.player_id.as_deref() else {
            return self.send_fresh_snapshot(session).await;
        };
        if let Some(snap) = cache
            .latest()
            .filter(|s| !s.is_lobby() && s.has_player(player_id))
        {
            let message = match snap.state.phase {
                // Answers to an open question keep arriving; after it closed the snapshot has them all.
                Phase::Question(q) => {
                    let game_id = session.meta.id.as_str();
                    match self.state.live.answer_of(game_id, q, player_id).await {
                        Ok(answer) => {
                            snap.player_message_with_answer(player_id, answer.as_ref(), now_ms())
                        }
                        Err(e) => return self.send(&live_unavailable(&e)).await,
                    }
                }
                _ => snap.player_message(player_id, now_ms()),
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
        let message = snap.lobby_player_message(player_id, &session.nickname, now_ms());
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
        match &session.player_id {
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
                        id: player_id.clone(),
                        nickname: nickname.clone(),
                        connected: true,
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
                if session.player_id.as_deref() == Some(player_id.as_str()) =>
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
        let state = self.state.clone();
        let reply = match (session.role, msg) {
            (_, ClientMessage::Hello { .. }) => Some(ServerMessage::error(
                ErrorCode::BadMessage,
                "already authenticated",
            )),
            (
                Role::Player,
                ClientMessage::Answer {
                    answer_id,
                    question_index,
                    choice,
                },
            ) => Some(answer(&state, session, answer_id, question_index, choice).await),
            (Role::Host, ClientMessage::Answer { .. }) => Some(ServerMessage::error(
                ErrorCode::NotPlayer,
                "hosts do not answer",
            )),
            (Role::Player, _) => Some(ServerMessage::error(
                ErrorCode::NotHost,
                "only the host can do that",
            )),
            (Role::Host, ClientMessage::Kick { player_id }) => {
                kick(&state, session, &player_id).await
            }
            (Role::Host, command) => host_command(&state, session, command).await,
        };
        match reply {
            Some(reply) if !self.send(&reply).await => Flow::Close,
            _ => Flow::Continue,
        }
    }
}

async fn answer(
    state: &AppState,
    session: &Session,
    answer_id: String,
    question: u32,
    choice: u32,
) -> ServerMessage {
    if answer_id.is_empty() || answer_id.len() > ANSWER_ID_MAX {
        return ServerMessage::error(
            ErrorCode::BadMessage,
            "answer_id must be 1 to 64 characters",
        );
    }
    let game_id = &session.meta.id;
    let player_id = session.player_id.as_deref().unwrap_or_default();
    let live = &state.live;
    match live
        .record_answer(game_id, player_id, &answer_id, question, choice, now_ms())
        .await
    {
        Ok(outcome) => {
            let result = if outcome.newly_recorded {
                "accepted"
            } else {
                "resent"
            };
            state.metrics.answer(result);
            ServerMessage::AnswerAck {
                answer_id,
                question_index: question,
                choice: outcome.answer.choice,
            }
        }
        Err(LiveError::Answer(e)) => {
            state.metrics.answer("refused");
            ServerMessage::error(e.into(), e.to_string())
        }
        Err(LiveError::PlayerNotFound | LiveError::Kicked) => {
            ServerMessage::error(ErrorCode::Kicked, "you are no longer in this game")
        }
        Err(e) => live_unavailable(&e),
    }
}

async fn kick(state: &AppState, session: &Session, player_id: &str) -> Option<ServerMessage> {
    let live = &state.live;
    let game_id = &session.meta.id;
    match live.kick_player(game_id, player_id).await {
        Ok(true) => {
            let seq = live.next_seq(game_id).await.unwrap_or_default();
            let kicked = LiveMessage::Kicked {
                seq,
                player_id: player_id.to_owned(),
            };
            let _ = live.publish(game_id, &kicked).await;
            let version = live
                .state(game_id)
                .await
                .ok()
                .flatten()
                .map_or(0, |s| s.version);
            let _ = live
                .publish(game_id, &LiveMessage::StateChanged { seq, version })
                .await;
            None
        }
        Ok(false) => Some(ServerMessage::error(
            ErrorCode::PlayerNotFound,
            "no such player in this game",
        )),
        Err(e) => Some(live_unavailable(&e)),
    }
}

async fn host_command(
    state: &AppState,
    session: &Session,
    command: ClientMessage,
) -> Option<ServerMessage> {
    let command = match command {
        ClientMessage::Start => Command::Start,
        ClientMessage::Next => Command::Next,
        ClientMessage::Skip {
            question_index: Some(question),
        } => Command::Close { question },
        ClientMessage::Skip {
            question_index: None,
        } => Command::Skip,
        ClientMessage::End => Command::End,
        ClientMessage::Lock => Command::Lock,
        ClientMessage::Unlock => Command::Unlock,
        _ => {
            return Some(ServerMessage::error(
                ErrorCode::BadMessage,
                "unexpected message",
            ));
        }
    };
    match engine::transition(state, &session.meta.id, command).await {
        Ok(_) => None,
        Err(e @ engine::EngineError::Live(LiveError::Unavailable(_))) => Some(live_unavailable(&e)),
        Err(e) => Some(ServerMessage::error(e.code(), e.to_string())),
    }
}
