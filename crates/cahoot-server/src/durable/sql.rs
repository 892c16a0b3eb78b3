//! The SQL durable store, one implementation for both backends through sqlx's `Any` driver:
//! SQLite (embedded mode: one file, WAL journal) and PostgreSQL (distributed mode). The schema uses only
//! portable types — UUIDs as text, instants as Unix milliseconds (BIGINT), blobs — and `$N` placeholders,
//! which both dialects accept. Each backend has its own migrations folder; on PostgreSQL sqlx's migrator
//! holds an advisory lock while migrating, so instances starting together do not race.

use super::{
    DurableStore, FinishedGame, GameSummary, ImageInfo, ImageQuota, ImageUsage, NewImage, NewUser,
    PlayerResult, PutImage, Quiz, QuizSummary, RefreshFamily, Rotation, StoreError, StoredImage,
    User, copy_title,
};
use async_trait::async_trait;
use cahoot_game::QuizInput;
use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, Executor, Row, Transaction};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

impl SqlStore {
    /// Opens and migrates the database at `url` (`sqlite://PATH` — file and directory created when
    /// missing — or `postgres://…`).
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(5));
        let pool = match backend {
            Backend::Sqlite => {
                let path = url
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                let path = path.split('?').next().unwrap_or_default();
                if let Some(dir) = std::path::Path::new(path).parent()
                    && !dir.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(dir)?;
                }
                let url = if url.contains('?') {
                    url.to_owned()
                } else {
                    format!("{url}?mode=rwc")
                };
                options
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                            )
                            .await
                            .map(drop)
                        })
                    })
                    .connect(&url)
                    .await?
            }
            Backend::Postgres => {
                options
                    .max_connections(postgres_pool_size())
                    .connect(url)
                    .await?
            }
        };
        match backend {
            Backend::Sqlite => SQLITE_MIGRATOR.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATOR.run(&pool).await?,
        }
        Ok(Self { pool, backend })
    }

    /// A write transaction. On SQLite it takes the write lock up front, so two writers never deadlock
    /// upgrading a read lock.
    async fn write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(StoreError::from)
    }
}

/// Connections per instance: twice this machine's cores, 4 to 16. More backends than cores only add
/// context switches: on the 2-core load machine 16 connections per instance served 2 100 authenticated
/// reads/s and 4 served 2 700 (docs/load-testing.md).
fn postgres_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
    (2 * cores).clamp(4, 16)
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> StoreError {
        match err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            // the referenced row (owner, family) does not exist (e.g. deleted meanwhile)
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(err.to_string())
            }
            other => StoreError::Other(Box::new(other)),
        }
    }
}

fn other(err: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Other(Box::new(err))
}

fn ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn instant(ms: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).map_err(other)
}

/// `t` as the store returns it (millisecond precision).
fn truncate(t: OffsetDateTime) -> Result<OffsetDateTime, StoreError> {
    instant(ms(t))
}

fn uuid(row: &AnyRow, column: &str) -> Result<Uuid, StoreError> {
    let text: String = row.try_get(column)?;
    Uuid::parse_str(&text).map_err(other)
}

fn time_col(row: &AnyRow, column: &str) -> Result<OffsetDateTime, StoreError> {
    instant(row.try_get(column)?)
}

fn u32_col(row: &AnyRow, column: &str) -> Result<u32, StoreError> {
    let value: i64 = row.try_get(column)?;
    u32::try_from(value).map_err(other)
}

fn user_from(row: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: uuid(row, "id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        created_at: time_col(row, "created_at")?,
        valid_after: time_col(row, "valid_after")?,
    })
}

fn quiz_from(row: &AnyRow) -> Result<Quiz, StoreError> {
    let questions: String = row.try_get("questions")?;
    Ok(Quiz {
        id: uuid(row, "id")?,
        owner_id: uuid(row, "owner_id")?,
        title: row.try_get("title")?,
        questions: serde_json::from_str(&questions).map_err(other)?,
        show_on_devices: row.try_get::<i64, _>("show_on_devices")? != 0,
        created_at: time_col(row, "created_at")?,
        updated_at: time_col(row, "updated_at")?,
    })
}

#[async_trait]
impl DurableStore for SqlStore {
    fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(StoreError::from)
    }

    async fn create_user(&self, user: NewUser<'_>) -> Result<User, StoreError> {
        let now = truncate(user.now)?;
        sqlx::query(
            "INSERT INTO users (id, username, username_key, password_hash, created_at, valid_after)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user.id.to_string())
        .bind(user.username)
        .bind(user.username.to_lowercase())
        .bind(user.password_hash)
        .bind(ms(now))
        .bind(ms(now))
        .execute(&self.pool)
        .await?;
        Ok(User {
            id: user.id,
            username: user.username.to_owned(),
            password_hash: user.password_hash.to_owned(),
            created_at: now,
            valid_after: now,
        })
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT id, username, password_hash, created_at, valid_after
             FROM users WHERE username_key = $1",
        )
        .bind(username.to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from).transpose()
    }

    async fn user_by_id(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT id, username, password_hash, created_at, valid_after FROM users WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from).transpose()
    }

    async fn set_password(
        &self,
        user_id: Uuid,
        password_hash: &str,
        valid_after: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let done =
            sqlx::query("UPDATE users SET password_hash = $1, valid_after = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(ms(valid_after))
                .bind(user_id.to_string())
                .execute(&self.pool)
                .await?;
        found(done.rows_affected())
    }

    async fn delete_user(&self, user_id: Uuid) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM games WHERE owner_id = $1")
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await?;
        found(done.rows_affected())?;
        tx.commit().await.map_err(StoreError::from)
    }

    async fn create_refresh_family(
        &self,
        family: &RefreshFamily,
        token_hash: &[u8],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO refresh_families (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(family.id.to_string())
        .bind(family.user_id.to_string())
        .bind(ms(family.created_at))
        .bind(ms(family.expires_at))
        .execute(&mut *tx)
        .await
        ?;
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, family_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(token_hash)
        .bind(family.id.to_string())
        .bind(ms(family.created_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await.map_err(StoreError::from)
    }

    async fn rotate_refresh_token(
        &self,
        old_hash: &[u8],
        new_hash: &[u8],
        now: OffsetDateTime,
        idle: Duration,
    ) -> Result<Rotation, StoreError> {
        let mut tx = self.write().await?;
        // Claim the token first, atomically: of two concurrent refreshes with the same token exactly one
        // changes the row (PostgreSQL re-checks `used_at IS NULL` after the other commits), and the other
        // sees a used token, i.e. reuse. A plain read-then-update let both rotate.
        let claimed = sqlx::query(
            "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(ms(now))
        .bind(old_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let row = sqlx::query(
            "SELECT t.created_at AS token_created_at, f.id, f.user_id, f.created_at,
                    f.expires_at, f.revoked_at, u.valid_after
             FROM refresh_tokens t
             JOIN refresh_families f ON f.id = t.family_id
             JOIN users u ON u.id = f.user_id
             WHERE t.token_hash = $1",
        )
        .bind(old_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(Rotation::Unknown);
        };
        let family = RefreshFamily {
            id: uuid(&row, "id")?,
            user_id: uuid(&row, "user_id")?,
            created_at: time_col(&row, "created_at")?,
            expires_at: time_col(&row, "expires_at")?,
        };
        let revoked: Option<i64> = row.try_get("revoked_at")?;
        let token_created = time_col(&row, "token_created_at")?;
        let valid_after = time_col(&row, "valid_after")?;
        let outcome = if revoked.is_some() || family.created_at < valid_after {
            Rotation::Revoked
        } else if !claimed {
            Rotation::Reused {
                family_id: family.id,
                user_id: family.user_id,
            }
        } else if now >= family.expires_at || now - token_created >= idle {
            Rotation::Expired
        } else {
            Rotation::Rotated(family.clone())
        };
        match &outcome {
            Rotation::Rotated(_) => {
                sqlx::query(
                    "INSERT INTO refresh_tokens (token_hash, family_id, created_at) VALUES ($1, $2, $3)",
                )
                .bind(new_hash)
                .bind(family.id.to_string())
                .bind(ms(now))
                .execute(&mut *tx)
                .await
                ?;
            }
            Rotation::Reused { .. } | Rotation::Expired => {
                revoke_family(&mut tx, family.id, now).await?;
            }
            Rotation::Revoked | Rotation::Unknown => {}
        }
        tx.commit().await?;
        Ok(outcome)
    }

    async fn revoke_refresh_family_of(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<Uuid>, StoreError> {
        let mut tx = self.write().await?;
        let row = sqlx::query("SELECT family_id FROM refresh_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let family_id = uuid(&row, "family_id")?;
        revoke_family(&mut tx, family_id, OffsetDateTime::now_utc()).await?;
        tx.commit().await?;
        Ok(Some(family_id))
    }

    async fn revoke_refresh_family(&self, family_id: Uuid) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        revoke_family(&mut tx, family_id, OffsetDateTime::now_utc()).await?;
        tx.commit().await.map_err(StoreError::from)
    }

    async fn revoke_all_refresh_families(&self, user_id: Uuid) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE refresh_families SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(ms(OffsetDateTime::now_utc()))
        .bind(user_id.to_string())
        .execute(&self.pool)
        .await
        .map(drop)
        .map_err(StoreError::from)
    }

    async fn create_quiz(
        &self,
        owner_id: Uuid,
        input: &QuizInput,
        now: OffsetDateTime,
    ) -> Result<Quiz, StoreError> {
        let now = truncate(now)?;
        let quiz = Quiz {
            id: Uuid::new_v4(),
            owner_id,
            title: input.title.clone(),
            questions: input.questions.clone(),
            show_on_devices: input.show_on_devices,
            created_at: now,
            updated_at: now,
        };
        insert_quiz(&self.pool, &quiz).await?;
        Ok(quiz)
    }

    async fn get_quiz(&self, owner_id: Uuid, id: Uuid) -> Result<Quiz, StoreError> {
        let row = sqlx::query(
            "SELECT id, owner_id, title, questions, show_on_devices, created_at, updated_at
             FROM quizzes WHERE id = $1 AND owner_id = $2",
        )
        .bind(id.to_string())
        .bind(owner_id.to_string())
        .fetch_one(&self.pool)
        .await?;
        quiz_from(&row)
    }

    async fn list_quizzes(&self, owner_id: Uuid) -> Result<Vec<QuizSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, title, question_count, updated_at FROM quizzes WHERE owner_id = $1
             ORDER BY updated_at DESC, title",
        )
        .bind(owner_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(QuizSummary {
                    id: uuid(row, "id")?,
                    title: row.try_get("title")?,
                    question_count: u32_col(row, "question_count")?,
                    updated_at: time_col(row, "updated_at")?,
                })
            })
            .collect()
    }

    async fn replace_quiz(
        &self,
        owner_id: Uuid,
        id: Uuid,
        input: &QuizInput,
        now: OffsetDateTime,
    ) -> Result<Quiz, StoreError> {
        let now = truncate(now)?;
        let questions = serde_json::to_string(&input.questions).map_err(other)?;
        let row = sqlx::query(
            "UPDATE quizzes SET title = $1, questions = $2, question_count = $3, updated_at = $4,
                 show_on_devices = $7
             WHERE id = $5 AND owner_id = $6
             RETURNING id, owner_id, title, questions, show_on_devices, created_at, updated_at",
        )
        .bind(&input.title)
        .bind(questions)
        .bind(count(input.questions.len()))
        .bind(ms(now))
        .bind(id.to_string())
        .bind(owner_id.to_string())
        .bind(i64::from(input.show_on_devices))
        .fetch_one(&self.pool)
        .await?;
        quiz_from(&row)
    }

    async fn duplicate_quiz(
        &self,
        owner_id: Uuid,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<Quiz, StoreError> {
        let original = self.get_quiz(owner_id, id).await?;
        let input = QuizInput {
            title: copy_title(&original.title),
            questions: original.questions,
            show_on_devices: original.show_on_devices,
        };
        self.create_quiz(owner_id, &input, now).await
    }

    async fn delete_quiz(&self, owner_id: Uuid, id: Uuid) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM quizzes WHERE id = $1 AND owner_id = $2")
            .bind(id.to_string())
            .bind(owner_id.to_string())
            .execute(&self.pool)
            .await?;
        found(done.rows_affected())
    }

    async fn save_finished_game(&self, game: &FinishedGame) -> Result<bool, StoreError> {
        let stats = serde_json::to_string(&game.questions).map_err(other)?;
        let mut tx = self.write().await?;
        let inserted = sqlx::query(
            "INSERT INTO games (id, owner_id, quiz_id, quiz_title, pin, started_at, finished_at,
                                question_stats, player_count)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(game.id.to_string())
        .bind(game.owner_id.to_string())
        .bind(game.quiz_id.to_string())
        .bind(&game.quiz_title)
        .bind(&game.pin)
        .bind(ms(game.started_at))
        .bind(ms(game.finished_at))
        .bind(stats)
        .bind(count(game.players.len()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        for player in &game.players {
            sqlx::query(
                "INSERT INTO game_players (game_id, player_id, nickname, standing, score, correct_count,
                                           pupil_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(game.id.to_string())
            .bind(&player.player_id)
            .bind(&player.nickname)
            .bind(i64::from(player.rank))
            .bind(i64::try_from(player.score).unwrap_or(i64::MAX))
            .bind(i64::from(player.correct_count))
            .bind(player.pupil_id.as_deref())
            .execute(&mut *tx)
            .await
            ?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn list_games(&self, owner_id: Uuid) -> Result<Vec<GameSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, quiz_title, started_at, finished_at, player_count FROM games
             WHERE owner_id = $1 ORDER BY finished_at DESC",
        )
        .bind(owner_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(GameSummary {
                    id: uuid(row, "id")?,
                    quiz_title: row.try_get("quiz_title")?,
                    started_at: time_col(row, "started_at")?,
                    finished_at: time_col(row, "finished_at")?,
                    player_count: u32_col(row, "player_count")?,
                })
            })
            .collect()
    }

    async fn list_quiz_games(
        &self,
        owner_id: Uuid,
        quiz_id: Uuid,
        limit: u32,
    ) -> Result<Vec<FinishedGame>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM games WHERE owner_id = $1 AND quiz_id = $2
             ORDER BY started_at DESC, id LIMIT $3",
        )
        .bind(owner_id.to_string())
        .bind(quiz_id.to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut games = Vec::with_capacity(rows.len());
        for row in rows.iter().rev() {
            match self.get_game(owner_id, uuid(row, "id")?).await {
                Ok(game) => games.push(game),
                // Deleted in between (the host's account went away): left out.
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(games)
    }

    async fn has_game(&self, id: Uuid) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM games WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn get_game(&self, owner_id: Uuid, id: Uuid) -> Result<FinishedGame, StoreError> {
        let row = sqlx::query(
            "SELECT id, owner_id, quiz_id, quiz_title, pin, started_at, finished_at, question_stats
             FROM games WHERE id = $1 AND owner_id = $2",
        )
        .bind(id.to_string())
        .bind(owner_id.to_string())
        .fetch_one(&self.pool)
        .await?;
        let players = sqlx::query(
            "SELECT player_id, nickname, standing, score, correct_count, pupil_id FROM game_players
             WHERE game_id = $1 ORDER BY standing, nickname",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let stats: String = row.try_get("question_stats")?;
        Ok(FinishedGame {
            id: uuid(&row, "id")?,
            owner_id: uuid(&row, "owner_id")?,
            quiz_id: uuid(&row, "quiz_id")?,
            quiz_title: row.try_get("quiz_title")?,
            pin: row.try_get("pin")?,
            started_at: time_col(&row, "started_at")?,
            finished_at: time_col(&row, "finished_at")?,
            questions: serde_json::from_str(&stats).map_err(other)?,
            players: players
                .iter()
                .map(|p| {
                    let score: i64 = p.try_get("score")?;
                    Ok(PlayerResult {
                        player_id: p.try_get("player_id")?,
                        nickname: p.try_get("nickname")?,
                        rank: u32_col(p, "standing")?,
                        score: u64::try_from(score).map_err(other)?,
                        correct_count: u32_col(p, "correct_count")?,
                        pupil_id: p.try_get("pupil_id")?,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
        })
    }

    async fn put_image(
        &self,
        image: NewImage<'_>,
        quota: ImageQuota,
    ) -> Result<PutImage, StoreError> {
        let owner = image.owner_id.to_string();
        let mut tx = self.write().await?;
        // Serialises one owner's uploads, so the quota check below sees every earlier insert. SQLite's
        // `BEGIN IMMEDIATE` already holds the write lock; PostgreSQL locks the owner's row.
        let lock_owner = match self.backend {
            Backend::Sqlite => "SELECT id FROM users WHERE id = $1",
            Backend::Postgres => "SELECT id FROM users WHERE id = $1 FOR UPDATE",
        };
        sqlx::query(lock_owner)
            .bind(&owner)
            .fetch_one(&mut *tx)
            .await?;
        let existing = sqlx::query("SELECT 1 FROM images WHERE owner_id = $1 AND id = $2")
            .bind(&owner)
            .bind(image.id)
            .fetch_optional(&mut *tx)
            .await?;
        if existing.is_some() {
            return Ok(PutImage::AlreadyStored);
        }
        let usage = image_usage_in(&mut tx, &owner).await?;
        let size = image.bytes.len() as u64;
        if usage.count >= quota.max_count || usage.bytes.saturating_add(size) > quota.max_bytes {
            return Ok(PutImage::OverQuota(usage));
        }
        sqlx::query(
            "INSERT INTO images (owner_id, id, content_type, bytes, byte_count, width, height, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&owner)
        .bind(image.id)
        .bind(image.content_type)
        .bind(image.bytes)
        .bind(count(image.bytes.len()))
        .bind(i64::from(image.width))
        .bind(i64::from(image.height))
        .bind(ms(image.now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(PutImage::Stored)
    }

    async fn get_image(&self, id: &str) -> Result<StoredImage, StoreError> {
        let row = sqlx::query("SELECT content_type, bytes FROM images WHERE id = $1 LIMIT 1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(StoredImage {
            content_type: row.try_get("content_type")?,
            bytes: row.try_get("bytes")?,
        })
    }

    async fn list_images(&self, owner_id: Uuid) -> Result<Vec<ImageInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, content_type, byte_count, width, height, created_at FROM images
             WHERE owner_id = $1 ORDER BY created_at DESC, id",
        )
        .bind(owner_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let bytes: i64 = row.try_get("byte_count")?;
                Ok(ImageInfo {
                    id: row.try_get("id")?,
                    content_type: row.try_get("content_type")?,
                    width: u32_col(row, "width")?,
                    height: u32_col(row, "height")?,
                    bytes: u64::try_from(bytes).map_err(other)?,
                    created_at: time_col(row, "created_at")?,
                })
            })
            .collect()
    }

    async fn delete_image(&self, owner_id: Uuid, id: &str) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM images WHERE owner_id = $1 AND id = $2")
            .bind(owner_id.to_string())
            .bind(id)
            .execute(&self.pool)
            .await?;
        found(done.rows_affected())
    }

    async fn image_usage(&self, owner_id: Uuid) -> Result<ImageUsage, StoreError> {
        let mut tx = self.pool.begin().await?;
        let usage = image_usage_in(&mut tx, &owner_id.to_string()).await?;
        tx.commit().await?;
        Ok(usage)
    }
}

/// Count and total size of an owner's images. The sum is cast because PostgreSQL's `SUM(BIGINT)` is a
/// NUMERIC, which the `Any` driver cannot decode.
async fn image_usage_in(
    tx: &mut Transaction<'static, Any>,
    owner_id: &str,
) -> Result<ImageUsage, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(byte_count), 0) AS BIGINT) AS total
         FROM images WHERE owner_id = $1",
    )
    .bind(owner_id)
    .fetch_one(&mut **tx)
    .await?;
    let n: i64 = row.try_get("n")?;
    let total: i64 = row.try_get("total")?;
    Ok(ImageUsage {
        count: u64::try_from(n).map_err(other)?,
        bytes: u64::try_from(total).map_err(other)?,
    })
}

async fn insert_quiz(pool: &AnyPool, quiz: &Quiz) -> Result<(), StoreError> {
    let questions = serde_json::to_string(&quiz.questions).map_err(other)?;
    sqlx::query(
        "INSERT INTO quizzes (id, owner_id, title, questions, question_count, created_at, updated_at,
             show_on_devices)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(quiz.id.to_string())
    .bind(quiz.owner_id.to_string())
    .bind(&quiz.title)
    .bind(questions)
    .bind(count(quiz.questions.len()))
    .bind(ms(quiz.created_at))
    .bind(ms(quiz.updated_at))
    .bind(i64::from(quiz.show_on_devices))
    .execute(pool)
    .await
    .map(drop)
    .map_err(StoreError::from)
}

async fn revoke_family(
    tx: &mut Transaction<'static, Any>,
    family_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE refresh_families SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(ms(now))
        .bind(family_id.to_string())
        .execute(&mut **tx)
        .await
        .map(drop)
        .map_err(StoreError::from)
}

fn found(rows: u64) -> Result<(), StoreError> {
    if rows == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
