// GENERATED from the Rust types of crates/cahoot-protocol by ts-rs. Do not edit by hand:
// regenerate with `make contracts`; `make contracts-check` fails while this file is stale.

export const PROTOCOL_VERSION = 1;

export type ClientMessage = { "type": "hello", v: number, token: string, game_id?: string, } | { "type": "answer", answer_id: string, question_index: number, choice: number, } | { "type": "start" } | { "type": "next" } | { "type": "skip", question_index?: number, } | { "type": "end" } | { "type": "lock" } | { "type": "unlock" } | { "type": "kick", player_id: string, };

/**
 * A stable, snake_case error code: the `code` of REST error bodies and of WebSocket `error` messages.
 */
export type ErrorCode = "invalid_json" | "invalid_body" | "bad_request" | "unsupported_media_type" | "payload_too_large" | "method_not_allowed" | "not_found" | "conflict" | "too_many_requests" | "forbidden" | "csrf_rejected" | "origin_rejected" | "internal" | "live_store_unavailable" | "durable_store_unavailable" | "draining" | "unavailable" | "unauthorized" | "invalid_token" | "token_expired" | "token_revoked" | "invalid_credentials" | "invalid_username" | "invalid_password" | "wrong_password" | "username_unavailable" | "missing_refresh_token" | "invalid_refresh_token" | "refresh_token_reused" | "too_many_attempts" | "invalid_quiz" | "quiz_not_found" | "image_too_large" | "unsupported_image" | "invalid_image" | "image_dimensions_too_large" | "image_quota_exceeded" | "image_not_found" | "game_not_found" | "game_finished" | "game_locked" | "pin_taken" | "no_free_pin" | "invalid_pin" | "invalid_nickname" | "nickname_taken" | "player_not_found" | "kicked" | "no_players" | "invalid_command" | "question_closed" | "invalid_choice" | "already_answered" | "bad_message" | "frame_too_large" | "unsupported_version" | "not_host" | "not_player" | "rate_limited";

export type LastResult = { correct: boolean, points: number, };

export type MeView = { player_id: string, nickname: string, score: number, rank: number, streak: number, answered_choice?: number, last_result?: LastResult, };

export type PhaseName = "lobby" | "question" | "reveal" | "leaderboard" | "podium";

export type PlayerSummary = { id: string, nickname: string, connected: boolean, };

/**
 * How many points a correct answer is worth before the time discount.
 */
export type PointsMode = "standard" | "double" | "none";

export type QuestionKind = "multiple_choice" | "true_false";

export type QuestionView = { index: number, kind: QuestionKind, text: string, answers: Array<string>, time_limit_secs: number, points: PointsMode, remaining_ms: number, answered: number, };

export type RankRow = { rank: number, nickname: string, score: number, };

export type RevealView = { index: number, correct: number, counts: Array<number>, };

export type Role = "host" | "player";

export type ServerMessage = { "type": "welcome", role: Role, game_id: string, player_id?: string, nickname?: string, 
/**
 * Which server process answered (for operators and failover tests); opaque.
 */
instance?: string, } | { "type": "state" } & StateView | { "type": "player_joined", player: PlayerSummary, player_count: number, } | { "type": "player_left", player_id: string, player_count: number, } | { "type": "answer_count", question_index: number, answered: number, total: number, } | { "type": "answer_ack", answer_id: string, question_index: number, choice: number, } | { "type": "kicked" } | { "type": "error", code: ErrorCode, message: string, } | { "type": "reconnect", reason: string, };

/**
 * A full view of the game for one client: sent on connect and after every phase change.
 */
export type StateView = { seq: number, game_id: string, pin: string, quiz_title: string, phase: PhaseName, locked: boolean, question_count: number, player_count: number, players?: Array<PlayerSummary>, question?: QuestionView, reveal?: RevealView, me?: MeView, leaderboard?: Array<RankRow>, standings?: Array<RankRow>, };
