//! Every error code a client can receive, over REST (`{code, message}` bodies) and over the WebSocket
//! (`error` messages). One enum, so a code is spelled once and the OpenAPI document and the generated
//! TypeScript list them all. Codes are stable, snake_case; messages may change.

use cahoot_game::{AnswerError, TransitionError};
use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)+) => {
        /// A stable, snake_case error code: the `code` of REST error bodies and of WebSocket `error` messages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)+
        }

        impl ErrorCode {
            /// Every code, in declaration order (for docs and drift checks).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The wire spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)+
                }
            }
        }
    };
}

error_codes! {
    // ---- requests ----
    /// The body is not valid JSON.
    InvalidJson = "invalid_json",
    /// Valid JSON of the wrong shape.
    InvalidBody = "invalid_body",
    BadRequest = "bad_request",
    UnsupportedMediaType = "unsupported_media_type",
    PayloadTooLarge = "payload_too_large",
    MethodNotAllowed = "method_not_allowed",
    NotFound = "not_found",
    Conflict = "conflict",
    TooManyRequests = "too_many_requests",
    Forbidden = "forbidden",
    CsrfRejected = "csrf_rejected",
    OriginRejected = "origin_rejected",
    Internal = "internal",
    // ---- availability ----
    LiveStoreUnavailable = "live_store_unavailable",
    DurableStoreUnavailable = "durable_store_unavailable",
    Draining = "draining",
    /// A 503 from the HTTP stack itself (e.g. a load-shedding layer).
    Unavailable = "unavailable",
    // ---- accounts and tokens ----
    Unauthorized = "unauthorized",
    InvalidToken = "invalid_token",
    TokenExpired = "token_expired",
    TokenRevoked = "token_revoked",
    InvalidCredentials = "invalid_credentials",
    InvalidUsername = "invalid_username",
    InvalidPassword = "invalid_password",
    WrongPassword = "wrong_password",
    UsernameUnavailable = "username_unavailable",
    MissingRefreshToken = "missing_refresh_token",
    InvalidRefreshToken = "invalid_refresh_token",
    RefreshTokenReused = "refresh_token_reused",
    TooManyAttempts = "too_many_attempts",
    // ---- quizzes and results ----
    InvalidQuiz = "invalid_quiz",
    QuizNotFound = "quiz_not_found",
    /// An imported file is not a Cahoot quiz file or a Kahoot! spreadsheet, is damaged, comes from a newer
    /// Cahoot, or holds no valid question; the message (and `errors`, per spreadsheet row) says why.
    InvalidImport = "invalid_import",
    // ---- images ----
    /// An upload over `max_image_bytes`.
    ImageTooLarge = "image_too_large",
    /// The bytes are not a PNG, JPEG, WebP or GIF image.
    UnsupportedImage = "unsupported_image",
    /// A PNG, JPEG, WebP or GIF that does not decode (damaged, truncated).
    InvalidImage = "invalid_image",
    /// More pixels than the decoder accepts (e.g. a decompression bomb).
    ImageDimensionsTooLarge = "image_dimensions_too_large",
    /// The host's image quota (count or total size) is used up.
    ImageQuotaExceeded = "image_quota_exceeded",
    ImageNotFound = "image_not_found",
    // ---- live games ----
    GameNotFound = "game_not_found",
    GameFinished = "game_finished",
    GameLocked = "game_locked",
    PinTaken = "pin_taken",
    NoFreePin = "no_free_pin",
    InvalidPin = "invalid_pin",
    InvalidNickname = "invalid_nickname",
    NicknameTaken = "nickname_taken",
    /// The game asks every player for a pupil identifier and the join carried none.
    PupilIdRequired = "pupil_id_required",
    /// The pupil identifier is empty after trimming, longer than 40 characters or has control characters.
    InvalidPupilId = "invalid_pupil_id",
    PlayerNotFound = "player_not_found",
    Kicked = "kicked",
    NoPlayers = "no_players",
    InvalidCommand = "invalid_command",
    QuestionClosed = "question_closed",
    /// The question is shown but its "get ready" countdown is still running.
    QuestionNotOpen = "question_not_open",
    InvalidChoice = "invalid_choice",
    /// The answer's shape does not fit the question (text for a multiple choice, a repeated pick, an
    /// incomplete order, a value off the slider, …); the message says which.
    InvalidAnswer = "invalid_answer",
    AlreadyAnswered = "already_answered",
    // ---- WebSocket frames ----
    BadMessage = "bad_message",
    FrameTooLarge = "frame_too_large",
    UnsupportedVersion = "unsupported_version",
    NotHost = "not_host",
    NotPlayer = "not_player",
    RateLimited = "rate_limited",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the wire spelling (tests and clients that read codes from JSON).
impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl From<AnswerError> for ErrorCode {
    fn from(e: AnswerError) -> Self {
        match e {
            AnswerError::QuestionClosed => ErrorCode::QuestionClosed,
            AnswerError::NotOpenYet => ErrorCode::QuestionNotOpen,
            AnswerError::InvalidChoice => ErrorCode::InvalidChoice,
            AnswerError::InvalidAnswer(_) => ErrorCode::InvalidAnswer,
            AnswerError::AlreadyAnswered => ErrorCode::AlreadyAnswered,
        }
    }
}

impl From<TransitionError> for ErrorCode {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::InvalidCommand => ErrorCode::InvalidCommand,
            TransitionError::NoPlayers => ErrorCode::NoPlayers,
            TransitionError::QuestionNotOpen => ErrorCode::QuestionClosed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_spelling_is_the_wire_spelling() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, *code);
        }
    }

    #[test]
    fn codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
        }
    }
}
