-- Cahoot durable store, SQLite dialect. Ids are UUID text, instants are Unix milliseconds (INTEGER).
-- The PostgreSQL migrations (migrations/postgres) mirror this schema with native types.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL,
    -- lower-cased username: uniqueness is case-insensitive
    username_key  TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    -- tokens and refresh families issued before this instant are void
    valid_after   INTEGER NOT NULL
);

CREATE TABLE refresh_families (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX refresh_families_by_user ON refresh_families (user_id);

-- Only SHA-256 hashes of refresh tokens are stored.
CREATE TABLE refresh_tokens (
    token_hash  BLOB PRIMARY KEY NOT NULL,
    family_id   TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

CREATE TABLE quizzes (
    id             TEXT PRIMARY KEY NOT NULL,
    owner_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title          TEXT NOT NULL,
    -- JSON array of questions (cahoot_game::Question)
    questions      TEXT NOT NULL,
    question_count INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
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
    started_at     INTEGER NOT NULL,
    finished_at    INTEGER NOT NULL,
    -- JSON array of per-question statistics
    question_stats TEXT NOT NULL,
    player_count   INTEGER NOT NULL
);
CREATE INDEX games_by_owner ON games (owner_id, finished_at);

CREATE TABLE game_players (
    game_id       TEXT NOT NULL REFERENCES games (id) ON DELETE CASCADE,
    player_id     TEXT NOT NULL,
    nickname      TEXT NOT NULL,
    standing      INTEGER NOT NULL,
    score         INTEGER NOT NULL,
    correct_count INTEGER NOT NULL,
    PRIMARY KEY (game_id, player_id)
);
