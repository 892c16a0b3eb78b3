-- Cahoot durable store, PostgreSQL dialect. Ids are UUID text, instants are Unix milliseconds (BIGINT).
-- Mirrors migrations/sqlite with the same portable types (one SQL implementation serves both).

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL,
    -- lower-cased username: uniqueness is case-insensitive
    username_key  TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    -- tokens and refresh families issued before this instant are void
    valid_after   BIGINT NOT NULL
);

CREATE TABLE refresh_families (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX refresh_families_by_user ON refresh_families (user_id);

-- Only SHA-256 hashes of refresh tokens are stored.
CREATE TABLE refresh_tokens (
    token_hash  BYTEA PRIMARY KEY NOT NULL,
    family_id   TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

CREATE TABLE quizzes (
    id             TEXT PRIMARY KEY NOT NULL,
    owner_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title          TEXT NOT NULL,
    -- JSON array of questions (cahoot_game::Question)
    questions      TEXT NOT NULL,
    question_count BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX quizzes_by_owner ON quizzes (owner_id, updated_at);

-- Finished games keep the quiz title and statistics: the quiz may be edited or deleted afterwards.
-- No foreign key to users: a finished game copied after its host was deleted must not fail for ever.
CREATE TABLE games (
    id             TEXT PRIMARY KEY NOT NULL,
    owner_id       TEXT NOT NULL,
    quiz_id        TEXT NOT NULL,
    quiz_title     TEXT NOT NULL,
    pin            TEXT NOT NULL,
    started_at     BIGINT NOT NULL,
    finished_at    BIGINT NOT NULL,
    -- JSON array of per-question statistics
    question_stats TEXT NOT NULL,
    player_count   BIGINT NOT NULL
);
CREATE INDEX games_by_owner ON games (owner_id, finished_at);

CREATE TABLE game_players (
    game_id       TEXT NOT NULL REFERENCES games (id) ON DELETE CASCADE,
    player_id     TEXT NOT NULL,
    nickname      TEXT NOT NULL,
    standing      BIGINT NOT NULL,
    score         BIGINT NOT NULL,
    correct_count BIGINT NOT NULL,
    PRIMARY KEY (game_id, player_id)
);
