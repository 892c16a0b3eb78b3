//! Cahoot's file formats: what a host downloads and uploads.
//!
//! - [`quiz_json`]: Cahoot's own quiz file, a versioned JSON document with the quiz and its images
//!   embedded, for backups and for moving a quiz between accounts or instances.
//! - [`kahoot`]: import of Kahoot!'s public quiz spreadsheet template (`.xlsx`), so a host can bring the
//!   quizzes they already have. Bad rows are reported one by one instead of failing the whole file.
//! - [`results_xlsx`]: a finished game's results as an Excel workbook (standings, then one sheet per
//!   question).
//!
//! Pure like `cahoot-game`: bytes in, values out. No IO, no async, no clock; the server decides where bytes
//! come from, how large an upload may be on the wire, and where images are stored. Every reader here takes
//! untrusted bytes: none panics, each caps its input before parsing, and each error says what to fix.
//!
//! The file formats are described for people in `docs/import-export.md`.

pub mod kahoot;
pub mod quiz_json;
pub mod results_xlsx;

pub use kahoot::{KahootError, KahootImport, RowError};
pub use quiz_json::{ImportError, ImportedQuiz, QuizDocument};

pub use results_xlsx::{AnswerRow, QuestionSheet, ResultsWorkbook, StandingRow, WriteError};
