-- Quizzes can show each question's images on players' phones (1) or only on the projector (0).
-- An integer, not BOOLEAN: the store reads both backends through sqlx's `Any` driver with one decoder.
ALTER TABLE quizzes ADD COLUMN show_on_devices BIGINT NOT NULL DEFAULT 0;
