//! The durable store: users, refresh-token families, quizzes, finished games and uploaded images.
//!
//! One trait, one SQL implementation ([`sql`]) serving SQLite and PostgreSQL, picked once at
//! start from the URL scheme in [`connect`]. Handlers only see `Arc<dyn DurableStore>`. The contract suite in
//! `tests/durable_contract.rs` runs against every backend.
//!
//! Everything owned by a host is owner-scoped: another owner's id behaves exactly like an unknown id
//! (`StoreError::NotFound`), so no handler can leak the existence of someone else's data by forgetting a check.

pub mod sql;

use async_trait::async_trait;
use cahoot_game::{Question, QuestionKind, QuizInput, SliderSpec, TextCount};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated (e.g. the username is taken).
    #[error("conflict")]
    Conflict,
    /// The database cannot be reached right now; the request may succeed later.
    #[error("durable store unavailable: {0}")]
    Unavailable(String),
    #[error("durable store error: {0}")]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub created_at: OffsetDateTime,
    /// Tokens and refresh families issued before this instant are void ("log out everywhere").
    pub valid_after: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub username: &'a str,
    pub password_hash: &'a str,
    pub now: OffsetDateTime,
}

/// A refresh-token family: every refresh token descending from one login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshFamily {
    pub id: Uuid,
    pub user_id: Uuid,
    pub created_at: OffsetDateTime,
    /// The absolute limit: no token of the family is accepted after it.
    pub expires_at: OffsetDateTime,
}

/// What presenting a refresh token led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current: it is now used up and `new_hash` is the family's current token.
    Rotated(RefreshFamily),
    /// No such token (or it was pruned).
    Unknown,
    /// The token had been used already: the whole family is now revoked.
    Reused { family_id: Uuid, user_id: Uuid },
    /// The family was revoked (logout, password change, earlier reuse).
    Revoked,
    /// Idle or absolute limit passed: the family is now revoked.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Quiz {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub title: String,
    pub questions: Vec<Question>,
    /// See `QuizInput::show_on_devices`.
    #[serde(default)]
    pub show_on_devices: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Quiz {
    /// The editable part, as the game engine takes it.
    pub fn input(&self) -> QuizInput {
        QuizInput {
            title: self.title.clone(),
            questions: self.questions.clone(),
            show_on_devices: self.show_on_devices,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuizSummary {
    pub id: Uuid,
    pub title: String,
    pub question_count: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// How one question went. Fields added after the first release are `serde(default)`: games stored before
/// them still read (as multiple-choice questions without per-player answers).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct QuestionStats {
    pub index: u32,
    #[serde(default)]
    pub kind: QuestionKind,
    pub text: String,
    /// The options, the puzzle's items, or a type answer's accepted answers, in this game's order.
    pub answers: Vec<String>,
    /// Index of the correct answer (multiple choice, true/false).
    pub correct: u32,
    /// The correct options (multi-select) or the correct order (puzzle), as in `RevealView::correct`.
    #[serde(default)]
    pub correct_answers: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slider: Option<SliderSpec>,
    /// How many players chose each option (per item in its right place for a puzzle).
    pub counts: Vec<u32>,
    pub answered: u32,
    pub correct_count: u32,
    /// Typed answers with counts, the slider's histogram and average (see `QuestionTally`).
    #[serde(default)]
    pub texts: Vec<TextCount>,
    #[serde(default)]
    pub histogram: Vec<u32>,
    #[serde(default)]
    pub average: Option<f64>,
    /// Every player's answer, in standings order (for the spreadsheet export).
    #[serde(default)]
    pub player_answers: Vec<PlayerAnswer>,
}

/// One player's answer to one question, as the results keep it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlayerAnswer {
    pub player_id: String,
    /// Human-readable ("Canberra", "2, 7", "Atom > Cell", "1969").
    pub answer: String,
    pub correct: bool,
    pub elapsed_ms: u64,
    pub points: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlayerResult {
    pub player_id: String,
    pub nickname: String,
    pub rank: u32,
    pub score: u64,
    pub correct_count: u32,
    /// The pupil identifier given at join, when the host asked for one (host-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pupil_id: Option<String>,
}

/// A game as stored when it reached the podium (or was ended).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FinishedGame {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub quiz_id: Uuid,
    pub quiz_title: String,
    pub pin: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    pub questions: Vec<QuestionStats>,
    /// Standings, best first.
    pub players: Vec<PlayerResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GameSummary {
    pub id: Uuid,
    pub quiz_title: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    pub player_count: u32,
}

/// An uploaded picture to store (already checked and re-encoded by `images::process`).
#[derive(Debug, Clone)]
pub struct NewImage<'a> {
    pub owner_id: Uuid,
    /// Lowercase hex SHA-256 of `bytes`.
    pub id: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    pub width: u32,
    pub height: u32,
    pub now: OffsetDateTime,
}

/// A stored picture as it is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One of a host's pictures, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImageInfo {
    /// Lowercase hex SHA-256 of the stored bytes.
    pub id: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    /// Size of the stored picture.
    pub bytes: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// How much of a host's image quota is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct ImageUsage {
    pub count: u64,
    pub bytes: u64,
}

/// A host's image allowance; [`DurableStore::put_image`] checks it in the same transaction as the insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageQuota {
    pub max_count: u64,
    pub max_bytes: u64,
}

/// What [`DurableStore::put_image`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutImage {
    /// Stored now.
    Stored,
    /// The owner had this picture already; nothing changed and no quota was used.
    AlreadyStored,
    /// Storing it would exceed the quota; nothing was stored.
    OverQuota(ImageUsage),
}

#[async_trait]
pub trait DurableStore: Send + Sync + 'static {
    /// Human-readable backend name for logs.
    fn backend(&self) -> &'static str;
    /// Reachability check for `/readyz`.
    async fn ping(&self) -> Result<(), StoreError>;

    // ---- users ----

    /// Fails with `Conflict` when the username is taken, compared case-insensitively.
    async fn create_user(&self, user: NewUser<'_>) -> Result<User, StoreError>;
    /// Case-insensitive lookup.
    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError>;
    async fn user_by_id(&self, id: Uuid) -> Result<Option<User>, StoreError>;
    /// Replaces the password hash and moves `valid_after`, voiding every earlier token.
    async fn set_password(
        &self,
        user_id: Uuid,
        password_hash: &str,
        valid_after: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Deletes the user with their quizzes, games, images and refresh families.
    async fn delete_user(&self, user_id: Uuid) -> Result<(), StoreError>;

    // ---- refresh tokens (only SHA-256 hashes are stored) ----

    /// Starts a family with its first token.
    async fn create_refresh_family(
        &self,
        family: &RefreshFamily,
        token_hash: &[u8],
    ) -> Result<(), StoreError>;
    /// Single use: a current token is marked used and `new_hash` becomes current; a used one revokes the
    /// family (reuse detection); a token older than `idle` or past the family's absolute limit is refused.
    async fn rotate_refresh_token(
        &self,
        old_hash: &[u8],
        new_hash: &[u8],
        now: OffsetDateTime,
        idle: Duration,
    ) -> Result<Rotation, StoreError>;
    /// Revokes the family `token_hash` belongs to; returns it when there was one.
    async fn revoke_refresh_family_of(&self, token_hash: &[u8])
    -> Result<Option<Uuid>, StoreError>;
    async fn revoke_refresh_family(&self, family_id: Uuid) -> Result<(), StoreError>;
    /// Revokes every family of the user (password change).
    async fn revoke_all_refresh_families(&self, user_id: Uuid) -> Result<(), StoreError>;

    // ---- quizzes (owner-scoped) ----

    async fn create_quiz(
        &self,
        owner_id: Uuid,
        input: &QuizInput,
        now: OffsetDateTime,
    ) -> Result<Quiz, StoreError>;
    async fn get_quiz(&self, owner_id: Uuid, id: Uuid) -> Result<Quiz, StoreError>;
    /// Most recently updated first.
    async fn list_quizzes(&self, owner_id: Uuid) -> Result<Vec<QuizSummary>, StoreError>;
    async fn replace_quiz(
        &self,
        owner_id: Uuid,
        id: Uuid,
        input: &QuizInput,
        now: OffsetDateTime,
    ) -> Result<Quiz, StoreError>;
    /// Copies a quiz under a new id, titled by [`copy_title`].
    async fn duplicate_quiz(
        &self,
        owner_id: Uuid,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<Quiz, StoreError>;
    async fn delete_quiz(&self, owner_id: Uuid, id: Uuid) -> Result<(), StoreError>;

    // ---- finished games ----

    /// Idempotent on the game id: returns `true` when stored now, `false` when it was stored before (the
    /// stored copy is kept unchanged).
    async fn save_finished_game(&self, game: &FinishedGame) -> Result<bool, StoreError>;
    /// Most recently finished first.
    async fn list_games(&self, owner_id: Uuid) -> Result<Vec<GameSummary>, StoreError>;
    async fn get_game(&self, owner_id: Uuid, id: Uuid) -> Result<FinishedGame, StoreError>;
    /// The owner's finished games of one quiz, oldest first: the most recent `limit` of them.
    async fn list_quiz_games(
        &self,
        owner_id: Uuid,
        quiz_id: Uuid,
        limit: u32,
    ) -> Result<Vec<FinishedGame>, StoreError>;
    /// Whether a finished game is stored (without reading it).
    async fn has_game(&self, id: Uuid) -> Result<bool, StoreError>;

    // ---- images (owner-scoped, except `get_image`) ----

    /// Idempotent per owner and id. The quota check and the insert are one transaction, so concurrent
    /// uploads of one owner cannot overshoot it. An unknown owner is `NotFound`.
    async fn put_image(
        &self,
        image: NewImage<'_>,
        quota: ImageQuota,
    ) -> Result<PutImage, StoreError>;
    /// Any owner's copy: images are public by their unguessable hash, so players' phones can load them.
    async fn get_image(&self, id: &str) -> Result<StoredImage, StoreError>;
    /// Newest first.
    async fn list_images(&self, owner_id: Uuid) -> Result<Vec<ImageInfo>, StoreError>;
    /// Removes the owner's copy only; other owners' copies of the same picture stay.
    async fn delete_image(&self, owner_id: Uuid, id: &str) -> Result<(), StoreError>;
    async fn image_usage(&self, owner_id: Uuid) -> Result<ImageUsage, StoreError>;
}

/// The title of a duplicated quiz: `"<title> (copy)"`, shortened so it stays a valid title.
pub fn copy_title(title: &str) -> String {
    const SUFFIX: &str = " (copy)";
    let room = cahoot_game::quiz::TITLE_MAX - SUFFIX.chars().count();
    let base: String = title.chars().take(room).collect();
    format!("{}{SUFFIX}", base.trim_end())
}

/// Opens the durable store named by `url` and applies its migrations. The one place a backend is chosen.
pub async fn connect(url: &str) -> anyhow::Result<Arc<dyn DurableStore>> {
    let scheme = url.split(':').next().unwrap_or_default();
    match scheme {
        "sqlite" | "postgres" | "postgresql" => Ok(Arc::new(sql::SqlStore::connect(url).await?)),
        other => anyhow::bail!(
            "unsupported database URL scheme {other:?} (expected sqlite: or postgres:)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_titles_stay_within_the_title_limit() {
        assert_eq!(copy_title("Capitals"), "Capitals (copy)");
        let long = "x".repeat(cahoot_game::quiz::TITLE_MAX);
        assert_eq!(
            copy_title(&long).chars().count(),
            cahoot_game::quiz::TITLE_MAX
        );
    }
}
