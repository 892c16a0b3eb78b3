-- Quizzes can show each question's images on players' phones (1) or only on the projector (0).
ALTER TABLE quizzes ADD COLUMN show_on_devices INTEGER NOT NULL DEFAULT 0;
