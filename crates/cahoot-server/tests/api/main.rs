//! API integration tests: the real server on a free port, a fresh SQLite database per test.

mod attacks;
mod auth;
mod contracts;
mod errors;
mod game;
mod images;
mod quizzes;
mod reports;
mod results;
mod transfer;
