// GENERATED from the Rust types of crates/cahoot-protocol by ts-rs. Do not edit by hand:
// regenerate with `make contracts`; `make contracts-check` fails while this file is stale.

export const PROTOCOL_VERSION = 2;

/**
 * What a player answers; which shape fits which kind of question is in `docs/question-types.md`.
 * On the wire: `{"choice": 1}`, `{"choices": [0, 2]}`, `{"text": "Bern"}`, `{"number": 1969}`,
 * `{"order": [2, 0, 1]}`.
 */
export type AnswerValue = { "choice": number } | { "choices": Array<number> } | { "text": string } | { "number": number } | { "order": Array<number> };

export type ClientMessage = { "type": "hello", v: number, token: string, game_id?: string, } | { "type": "answer", answer_id: string, question_index: number, answer: AnswerValue, } | { "type": "start" } | { "type": "next" } | { "type": "skip", question_index?: number, } | { "type": "end" } | { "type": "lock" } | { "type": "unlock" } | { "type": "kick", player_id: string, } | { "type": "extra_time", player_id: string, on: boolean, };

/**
 * A stable, snake_case error code: the `code` of REST error bodies and of WebSocket `error` messages.
 */
export type ErrorCode = "invalid_json" | "invalid_body" | "bad_request" | "unsupported_media_type" | "payload_too_large" | "method_not_allowed" | "not_found" | "conflict" | "too_many_requests" | "forbidden" | "csrf_rejected" | "origin_rejected" | "internal" | "live_store_unavailable" | "durable_store_unavailable" | "draining" | "unavailable" | "unauthorized" | "invalid_token" | "token_expired" | "token_revoked" | "invalid_credentials" | "invalid_username" | "invalid_password" | "wrong_password" | "username_unavailable" | "missing_refresh_token" | "invalid_refresh_token" | "refresh_token_reused" | "too_many_attempts" | "invalid_quiz" | "quiz_not_found" | "invalid_import" | "image_too_large" | "unsupported_image" | "invalid_image" | "image_dimensions_too_large" | "image_quota_exceeded" | "image_not_found" | "game_not_found" | "game_finished" | "game_locked" | "pin_taken" | "no_free_pin" | "invalid_pin" | "invalid_nickname" | "nickname_taken" | "pupil_id_required" | "invalid_pupil_id" | "player_not_found" | "kicked" | "no_players" | "invalid_command" | "question_closed" | "question_not_open" | "invalid_choice" | "invalid_answer" | "already_answered" | "bad_message" | "frame_too_large" | "unsupported_version" | "not_host" | "not_player" | "rate_limited";

export type LastResult = { correct: boolean, points: number, };

export type MeView = { player_id: string, nickname: string, score: number, rank: number, streak: number, 
/**
 * The player's answer to the current question, as stored (normalised).
 */
answer?: AnswerValue, last_result?: LastResult, 
/**
 * The host granted this player extra time: their own time is `remaining_ms + extra_ms`.
 */
extra_time: boolean, };

export type PhaseName = "lobby" | "question" | "reveal" | "leaderboard" | "podium";

export type PlayerSummary = { id: string, nickname: string, connected: boolean, 
/**
 * The host granted this player extra time.
 */
extra_time: boolean, };

/**
 * How many points a correct answer is worth before the time discount.
 */
export type PointsMode = "standard" | "double" | "none";

/**
 * The kind of a question; see `docs/question-types.md` for each kind's answer shape and scoring.
 */
export type QuestionKind = "multiple_choice" | "true_false" | "multi_select" | "type_answer" | "slider" | "puzzle" | "poll" | "word_cloud" | "slide";

export type QuestionTally = { answered: number, 
/**
 * Entirely right answers.
 */
correct_count: number, 
/**
 * Per option: how many players picked it (multiple choice, true/false, multi-select, poll); per item:
 * how many players put it in its right position (puzzle).
 */
counts: Array<number>, 
/**
 * Type answer: every accepted answer, then the most frequent wrong ones; word cloud: the most frequent
 * answers fit for a classroom (a profanity filter drops the rest). Most frequent first.
 */
texts: Array<TextCount>, 
/**
 * Slider: how many answers fell in each of up to `HISTOGRAM_BUCKETS` equal slices of the range.
 */
histogram: Array<number>, 
/**
 * Slider: the mean of the answers.
 */
average: number | null, };

/**
 * The open (or revealed) question as every screen shows it. Nothing in it gives the answer away: a type
 * answer's accepted answers, a slider's correct value and a puzzle's order only come with the reveal.
 */
export type QuestionView = { index: number, kind: QuestionKind, text: string, 
/**
 * The options to pick from (in this game's order), or the puzzle's items (shuffled); empty for the
 * other kinds.
 */
answers: Array<string>, 
/**
 * The question's image id (`GET /api/images/{id}`). Players get it only when the quiz shows
 * questions on devices.
 */
image?: string, 
/**
 * One optional image id per option, same rule as `image`.
 */
answer_images?: Array<string | null>, 
/**
 * Slider: the range a player picks from.
 */
slider?: SliderRange, 
/**
 * Type answer and word cloud: the longest text accepted, in characters.
 */
max_chars?: number, time_limit_secs: number, points: PointsMode, remaining_ms: number, 
/**
 * Time until the answers open (the "get ready" countdown; 0 once open). `remaining_ms` starts
 * counting down only after it.
 */
opens_in_ms: number, 
/**
 * How much longer than `remaining_ms` players with extra time may answer (0: nobody has it); the
 * question closes when that runs out.
 */
extra_ms: number, answered: number, };

export type RankRow = { rank: number, nickname: string, score: number, };

/**
 * The answer to a closed question and how the players answered it.
 */
export type RevealView = { index: number, 
/**
 * The correct option (multiple choice, true/false: one index), the correct options (multi-select), or
 * the correct order of the items as indices into the question's `answers` (puzzle); empty otherwise.
 * Type answer: the accepted answers are the `tally.texts` marked `correct`.
 */
correct: Array<number>, 
/**
 * Slider: the correct value and tolerance.
 */
slider?: SliderSpec, tally: QuestionTally, };

export type Role = "host" | "player";

export type ServerMessage = { "type": "welcome", role: Role, game_id: string, player_id?: string, nickname?: string, 
/**
 * Which server process answered (for operators and failover tests); opaque.
 */
instance?: string, } | { "type": "state" } & StateView | { "type": "player_joined", player: PlayerSummary, player_count: number, } | { "type": "player_left", player_id: string, player_count: number, } | { "type": "answer_count", question_index: number, answered: number, total: number, } | { "type": "answer_ack", answer_id: string, question_index: number, 
/**
 * The answer as stored (normalised: picks sorted, text cleaned).
 */
answer: AnswerValue, } | { "type": "kicked" } | { "type": "error", code: ErrorCode, message: string, } | { "type": "reconnect", reason: string, };

/**
 * A slider as players see it before the reveal: no correct value, no tolerance.
 */
export type SliderRange = { min: number, max: number, step: number, };

/**
 * The number line of a slider question. The player's value must lie on the `step` grid from `min` to `max`.
 */
export type SliderSpec = { min: number, max: number, step: number, correct: number, 
/**
 * Answers within this distance of `correct` earn full points.
 */
tolerance: number, };

/**
 * A full view of the game for one client: sent on connect and after every phase change.
 */
export type StateView = { seq: number, game_id: string, pin: string, quiz_title: string, phase: PhaseName, locked: boolean, question_count: number, player_count: number, players?: Array<PlayerSummary>, question?: QuestionView, reveal?: RevealView, me?: MeView, leaderboard?: Array<RankRow>, standings?: Array<RankRow>, };

/**
 * A typed answer and how many players gave it (answers with the same comparison key count as one).
 */
export type TextCount = { text: string, count: number, 
/**
 * One of the accepted answers (type answer); always false in a word cloud.
 */
correct: boolean, };
