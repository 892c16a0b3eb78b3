//! The WebSocket wire format (protocol version 2), documented in `docs/protocol.md`.
//! JSON objects tagged by `type`. Shared by the server, the client library and the load tool.

mod error_code;
mod ids;
#[cfg(any(test, feature = "ts"))]
pub mod typescript;

/// The answer shapes are the game's own type; re-exported so clients need not depend on `cahoot-game`.
pub use cahoot_game::AnswerValue;
pub use error_code::ErrorCode;
pub use ids::{GameId, PlayerId};

use cahoot_game::{PointsMode, QuestionKind, QuestionTally, SliderSpec};
use serde::{Deserialize, Serialize};

// The `ts_rs::TS` derives feed `typescript::render` (the web client's generated types); only tests and the
// `ts` feature compile them. `ts(optional_fields)` renders an `Option` field as `field?: T`: absent values are
// omitted from the JSON (`skip_serializing_if`), never sent as `null`.

/// Version 2: answers carry a typed `answer` (every question kind) instead of a bare `choice`.
pub const PROTOCOL_VERSION: u32 = 2;
/// Largest text frame a client may send.
pub const MAX_CLIENT_FRAME_BYTES: usize = 4096;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS), ts(optional_fields))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    Hello {
        v: u32,
        token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        game_id: Option<String>,
    },
    /// `answer`'s shape depends on the question's kind (`docs/protocol.md`, "Answer shapes").
    Answer {
        answer_id: String,
        question_index: u32,
        answer: AnswerValue,
    },
    Start,
    Next,
    /// With `question_index`: close that question now, and nothing else if it already closed (a click
    /// racing the deadline must not also skip the reveal). Without: close the open question, or from the
    /// reveal or leaderboard open the next one.
    Skip {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        question_index: Option<u32>,
    },
    End,
    Lock,
    Unlock,
    Kick {
        player_id: String,
    },
    /// Grants (`on`) or withdraws a player's extra time: from the next question on they may answer for
    /// half the time limit longer.
    ExtraTime {
        player_id: String,
        on: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Host,
    Player,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
pub struct PlayerSummary {
    pub id: String,
    pub nickname: String,
    pub connected: bool,
    /// The host granted this player extra time.
    #[serde(default)]
    pub extra_time: bool,
}

/// The open (or revealed) question as every screen shows it. Nothing in it gives the answer away: a type
/// answer's accepted answers, a slider's correct value and a puzzle's order only come with the reveal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS), ts(optional_fields))]
pub struct QuestionView {
    pub index: u32,
    pub kind: QuestionKind,
    pub text: String,
    /// The options to pick from (in this game's order), or the puzzle's items (shuffled); empty for the
    /// other kinds.
    pub answers: Vec<String>,
    /// The question's image id (`GET /api/images/{id}`). Players get it only when the quiz shows
    /// questions on devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// One optional image id per option, same rule as `image`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_images: Option<Vec<Option<String>>>,
    /// Slider: the range a player picks from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slider: Option<SliderRange>,
    /// Type answer and word cloud: the longest text accepted, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<u32>,
    pub time_limit_secs: u32,
    pub points: PointsMode,
    pub remaining_ms: u64,
    /// Time until the answers open (the "get ready" countdown; 0 once open). `remaining_ms` starts
    /// counting down only after it.
    #[serde(default)]
    pub opens_in_ms: u64,
    /// How much longer than `remaining_ms` players with extra time may answer (0: nobody has it); the
    /// question closes when that runs out.
    #[serde(default)]
    pub extra_ms: u64,
    pub answered: u64,
}

/// A slider as players see it before the reveal: no correct value, no tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
pub struct SliderRange {
    pub min: f64,
    pub max: f64,
    pub step: f64,
}

impl From<&SliderSpec> for SliderRange {
    fn from(s: &SliderSpec) -> Self {
        SliderRange {
            min: s.min,
            max: s.max,
            step: s.step,
        }
    }
}

/// The answer to a closed question and how the players answered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS), ts(optional_fields))]
pub struct RevealView {
    pub index: u32,
    /// The correct option (multiple choice, true/false: one index), the correct options (multi-select), or
    /// the correct order of the items as indices into the question's `answers` (puzzle); empty otherwise.
    /// Type answer: the accepted answers are the `tally.texts` marked `correct`.
    pub correct: Vec<u32>,
    /// Slider: the correct value and tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slider: Option<SliderSpec>,
    pub tally: QuestionTally,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
pub struct LastResult {
    pub correct: bool,
    pub points: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS), ts(optional_fields))]
pub struct MeView {
    pub player_id: String,
    pub nickname: String,
    pub score: u64,
    pub rank: u32,
    pub streak: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The player's answer to the current question, as stored (normalised).
    pub answer: Option<AnswerValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_result: Option<LastResult>,
    /// The host granted this player extra time: their own time is `remaining_ms + extra_ms`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub extra_time: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
pub struct RankRow {
    pub rank: u32,
    pub nickname: String,
    pub score: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PhaseName {
    Lobby,
    Question,
    Reveal,
    Leaderboard,
    Podium,
}

/// A full view of the game for one client: sent on connect and after every phase change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS), ts(optional_fields))]
pub struct StateView {
    pub seq: u64,
    pub game_id: String,
    pub pin: String,
    pub quiz_title: String,
    pub phase: PhaseName,
    pub locked: bool,
    pub question_count: u32,
    pub player_count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub players: Option<Vec<PlayerSummary>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<QuestionView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reveal: Option<RevealView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub me: Option<MeView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaderboard: Option<Vec<RankRow>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standings: Option<Vec<RankRow>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS), ts(optional_fields))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    Welcome {
        role: Role,
        game_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        player_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nickname: Option<String>,
        /// Which server process answered (for operators and failover tests); opaque.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instance: Option<String>,
    },
    State(Box<StateView>),
    PlayerJoined {
        player: PlayerSummary,
        player_count: u64,
    },
    PlayerLeft {
        player_id: String,
        player_count: u64,
    },
    AnswerCount {
        question_index: u32,
        answered: u64,
        total: u64,
    },
    AnswerAck {
        answer_id: String,
        question_index: u32,
        /// The answer as stored (normalised: picks sorted, text cleaned).
        answer: AnswerValue,
    },
    Kicked,
    Error {
        code: ErrorCode,
        message: String,
    },
    Reconnect {
        reason: String,
    },
}

impl ServerMessage {
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerMessage::Error {
            code,
            message: message.into(),
        }
    }

    pub fn to_json(&self) -> String {
        // Serialising these plain structs cannot fail (no maps with non-string keys, no custom impls).
        serde_json::to_string(self).unwrap_or_else(|_| {
            String::from(r#"{"type":"error","code":"internal","message":"serialisation failed"}"#)
        })
    }
}

/// Why a client frame was refused; the code goes back in an `error` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub code: ErrorCode,
    pub message: String,
}

/// Decodes one client text frame. Never panics; oversized, malformed and unknown messages are errors.
pub fn decode_client(text: &str) -> Result<ClientMessage, DecodeError> {
    if text.len() > MAX_CLIENT_FRAME_BYTES {
        return Err(DecodeError {
            code: ErrorCode::FrameTooLarge,
            message: format!("messages are limited to {MAX_CLIENT_FRAME_BYTES} bytes"),
        });
    }
    serde_json::from_str(text).map_err(|e| DecodeError {
        code: ErrorCode::BadMessage,
        message: format!("malformed or unknown message: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_and_answer_decode() {
        assert_eq!(
            decode_client(r#"{"type":"hello","v":1,"token":"t"}"#).unwrap(),
            ClientMessage::Hello {
                v: 1,
                token: "t".into(),
                game_id: None
            }
        );
        assert_eq!(
            decode_client(
                r#"{"type":"answer","answer_id":"a","question_index":2,"answer":{"choice":1}}"#
            )
            .unwrap(),
            ClientMessage::Answer {
                answer_id: "a".into(),
                question_index: 2,
                answer: AnswerValue::Choice(1)
            }
        );
        assert_eq!(
            decode_client(
                r#"{"type":"answer","answer_id":"b","question_index":0,"answer":{"order":[2,0,1]}}"#
            )
            .unwrap(),
            ClientMessage::Answer {
                answer_id: "b".into(),
                question_index: 0,
                answer: AnswerValue::Order(vec![2, 0, 1])
            }
        );
        assert_eq!(
            decode_client(r#"{"type":"next"}"#).unwrap(),
            ClientMessage::Next
        );
    }

    #[test]
    fn skip_names_its_question_or_not() {
        assert_eq!(
            decode_client(r#"{"type":"skip"}"#).unwrap(),
            ClientMessage::Skip {
                question_index: None
            }
        );
        assert_eq!(
            decode_client(r#"{"type":"skip","question_index":3}"#).unwrap(),
            ClientMessage::Skip {
                question_index: Some(3)
            }
        );
        assert!(decode_client(r#"{"type":"skip","question_index":-1}"#).is_err());
    }

    #[test]
    fn bad_frames_are_errors_not_panics() {
        for bad in [
            "",
            "{",
            "null",
            "[]",
            r#"{"type":"launch_missiles"}"#,
            r#"{"type":"answer"}"#,
            r#"{"type":"answer","answer_id":"a","question_index":-1,"answer":{"choice":0}}"#,
            r#"{"type":"answer","answer_id":"a","question_index":0,"choice":0}"#,
            r#"{"type":"answer","answer_id":"a","question_index":0,"answer":{"colour":"red"}}"#,
            r#"{"type":"answer","answer_id":"a","question_index":0,"answer":{"choice":1,"text":"x"}}"#,
            r#"{"type":"answer","answer_id":"a","question_index":0,"answer":{"number":"1e999"}}"#,
        ] {
            assert_eq!(
                decode_client(bad).unwrap_err().code,
                ErrorCode::BadMessage,
                "{bad}"
            );
        }
        let big = format!(r#"{{"type":"kick","player_id":"{}"}}"#, "x".repeat(5000));
        assert_eq!(
            decode_client(&big).unwrap_err().code,
            ErrorCode::FrameTooLarge
        );
    }

    #[test]
    fn state_is_tagged_and_flat() {
        let view = StateView {
            seq: 3,
            game_id: "g".into(),
            pin: "123456".into(),
            quiz_title: "q".into(),
            phase: PhaseName::Lobby,
            locked: false,
            question_count: 2,
            player_count: 0,
            players: None,
            question: None,
            reveal: None,
            me: None,
            leaderboard: None,
            standings: None,
        };
        let json = ServerMessage::State(Box::new(view.clone())).to_json();
        assert!(json.starts_with(r#"{"type":"state","seq":3,"#), "{json}");
        let back: ServerMessage = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ServerMessage::State(Box::new(view)));
    }
}
