-- Pupil identifiers (a class-list name the host asked for at join; NULL when not asked) and the quiz report's
-- lookup of a quiz's finished games.
ALTER TABLE game_players ADD COLUMN pupil_id TEXT;
CREATE INDEX games_by_quiz ON games (owner_id, quiz_id, started_at);
