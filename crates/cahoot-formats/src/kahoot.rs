//! Import of Kahoot!'s quiz spreadsheet template (`.xlsx`), so hosts can bring the quizzes they already have.
//!
//! The template is a title block on top, then a header row, then one question per row:
//!
//! | (number) | Question - max 120 characters | Answer 1 … Answer 4 - max 75 characters | Time limit (sec) – 5, 10, 20, 30, 60, 90, 120, or 240 secs | Correct answer(s) - choose at least one |
//!
//! People edit these files by hand, so the reader is tolerant where tolerance is safe: the header row is
//! found by its text (not by its position), columns are matched by the start of their header, rows that are
//! empty (or hold only the template's row number) are skipped, numbers, booleans and text are all read as
//! text where text is expected. Where a row cannot become a question it is reported by its spreadsheet row
//! number and skipped, so one typo does not cost the host the other 99 questions.
//!
//! An upload is untrusted: the file size, the zip's unpacked size and the part of the sheet that is read are
//! all capped before anything large is allocated, and no input makes this module panic.

use cahoot_game::quiz::{ANSWER_TEXT_MAX, QUESTION_TEXT_MAX, QUESTIONS_MAX, TITLE_MAX};
use cahoot_game::quiz::{TIME_LIMIT_DEFAULT, TIME_LIMIT_MAX, TIME_LIMIT_MIN, TRUE_FALSE_ANSWERS};
use cahoot_game::{Question, QuestionKind, QuizInput};
use calamine::{DataRef, Reader, SheetType, Xlsx};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Cursor;

/// The largest upload read. Kahoot!'s template with 100 questions is about 30 KiB.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most the zip may unpack to. XML compresses very well, so a small file can unpack to gigabytes (a
/// "zip bomb"); the zip reader refuses to unpack an entry past the size it declares, so the declared sizes
/// are what is checked.
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// A workbook is a few dozen zip entries; thousands are not a spreadsheet.
const MAX_ZIP_ENTRIES: usize = 1000;
/// The part of a sheet that is read: enough for the title block, the header and 100 questions with blank
/// rows between them; anything below is reported, not read.
const MAX_ROWS: u32 = 2000;
/// The template's columns are A–H; a little room for a shifted or extended copy.
const MAX_COLUMNS: u32 = 26;
/// A cell's text is kept up to this many characters: far above every limit, so a longer text is still
/// reported as too long, while a huge string repeated in every cell cannot exhaust memory.
const CELL_CHARS_MAX: usize = 1000;
/// Sheets looked at for the header row, in workbook order.
const MAX_SHEETS: usize = 10;
/// The time limits Kahoot! offers, in seconds (documentation; any whole number is clamped into Cahoot's
/// range rather than refused, since Cahoot has no such steps).
pub const KAHOOT_TIME_LIMITS: [u32; 8] = [5, 10, 20, 30, 60, 90, 120, 240];
/// The title used when the caller has none (a file named only ".xlsx").
pub const DEFAULT_TITLE: &str = "Imported from Kahoot!";

/// The questions that could be imported, and a report of the rows that could not.
#[derive(Debug, Clone, PartialEq)]
pub struct KahootImport {
    /// Valid as it is (`QuizInput::validate` passes and changes nothing).
    pub quiz: QuizInput,
    /// The rows that were skipped, in row order.
    pub errors: Vec<RowError>,
}

/// A row of the spreadsheet that did not become a question, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The row number as the spreadsheet program shows it (1-based).
    pub row: u32,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}: {}", self.row, self.message)
    }
}

/// Why a file was refused as a whole.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KahootError {
    #[error("the file is {size} bytes; a Kahoot! spreadsheet is at most {max} bytes")]
    TooLarge { size: usize, max: usize },
    /// The file is small but would unpack to more than [`MAX_UNPACKED_BYTES`] (a "zip bomb", or a
    /// spreadsheet far larger than any quiz).
    #[error("the spreadsheet unpacks to {size} bytes; at most {max} bytes are read")]
    TooLargeUnpacked { size: u64, max: u64 },
    #[error("this is not an Excel .xlsx file: {reason}")]
    NotXlsx { reason: String },
    #[error("the spreadsheet is damaged and could not be read: {reason}")]
    Corrupt { reason: String },
    #[error(
        "no header row found: Kahoot!'s quiz template has a row with the column titles \"Question\", \
         \"Answer 1\" … \"Answer 4\", \"Time limit\" and \"Correct answer(s)\""
    )]
    NoHeader,
    #[error("the header row (row {row}) has no \"{column}\" column")]
    MissingColumn { row: u32, column: &'static str },
    #[error("no question could be imported{}", row_summary(.errors))]
    NoQuestions { errors: Vec<RowError> },
}

impl KahootError {
    /// The row report of a file none of whose rows could be imported; empty for other errors.
    pub fn row_errors(&self) -> &[RowError] {
        match self {
            KahootError::NoQuestions { errors } => errors,
            _ => &[],
        }
    }
}

fn row_summary(errors: &[RowError]) -> String {
    const SHOWN: usize = 5;
    if errors.is_empty() {
        return ": the sheet has no question rows below the header".into();
    }
    let mut text = format!(
        ": {}",
        errors
            .iter()
            .take(SHOWN)
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    );
    if errors.len() > SHOWN {
        text.push_str(&format!(" (and {} more rows)", errors.len() - SHOWN));
    }
    text
}

/// A quiz title from an uploaded file's name: the last path component without its extension
/// ("C:\\quizzes\\Space.xlsx" → "Space"). The template has no title cell, so this is the best guess.
pub fn title_from_file_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rfind('.') {
        Some(dot) if dot > 0 => base[..dot].to_owned(),
        _ => base.to_owned(),
    }
}

/// Imports a Kahoot! quiz spreadsheet. `title` becomes the quiz's title (see [`title_from_file_name`]);
/// it is cleaned and shortened to fit. Good rows become questions, bad rows are reported in `errors`.
pub fn import(bytes: &[u8], title: &str) -> Result<KahootImport, KahootError> {
    if bytes.len() > MAX_BYTES {
        return Err(KahootError::TooLarge {
            size: bytes.len(),
            max: MAX_BYTES,
        });
    }
    check_container(bytes)?;
    // calamine is a large parser of untrusted input; should it ever panic on a malformed file, that is one
    // refused upload, not a crashed request.
    let sheet = std::panic::catch_unwind(|| read_sheet(bytes)).unwrap_or_else(|_| {
        Err(KahootError::Corrupt {
            reason: "its contents could not be read".into(),
        })
    })?;
    let title = clean_title(title);
    let mut questions = Vec::new();
    let mut errors = Vec::new();
    let rows: Vec<(u32, &Row)> = sheet
        .cells
        .range(sheet.header_row + 1..)
        .map(|(&r, row)| (r, row))
        .filter(|(_, row)| !sheet.columns.is_blank(row))
        .collect();
    for (n, &(r, row)) in rows.iter().enumerate() {
        if questions.len() == QUESTIONS_MAX {
            let more = rows.len() - n - 1;
            errors.push(RowError {
                row: r + 1,
                message: format!(
                    "a quiz has at most {QUESTIONS_MAX} questions: this row and the {more} rows below it \
                     were not imported"
                ),
            });
            break;
        }
        match sheet.columns.question(row, &title) {
            Ok(q) => questions.push(q),
            Err(problems) => errors.push(RowError {
                row: r + 1,
                message: problems.join("; "),
            }),
        }
    }
    if let Some(r) = sheet.rows_beyond {
        errors.push(RowError {
            row: r + 1,
            message: format!(
                "only the first {MAX_ROWS} rows are read; this row and those below were not"
            ),
        });
    }
    if questions.is_empty() {
        return Err(KahootError::NoQuestions { errors });
    }
    Ok(KahootImport {
        quiz: QuizInput {
            title,
            questions,
            show_on_devices: false,
        },
        errors,
    })
}

/// Refuses what is not an xlsx before calamine sees it, with a message that says what the file is.
fn check_container(bytes: &[u8]) -> Result<(), KahootError> {
    let not = |reason: &str| KahootError::NotXlsx {
        reason: reason.into(),
    };
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(not(
            "it is an old-style Excel .xls file; open it and save it as \"Excel Workbook (.xlsx)\"",
        ));
    }
    if !bytes.starts_with(b"PK") {
        return Err(not(
            "an .xlsx file is a zip archive, and this file is not one",
        ));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| not(&format!("it is not a readable zip archive ({e})")))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(not(&format!(
            "it holds {} files; a spreadsheet holds far fewer",
            zip.len()
        )));
    }
    let mut unpacked = 0u64;
    let mut has_workbook = false;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| KahootError::Corrupt {
            reason: e.to_string(),
        })?;
        unpacked = unpacked.saturating_add(entry.size());
        has_workbook |= entry
            .name()
            .is_ok_and(|n| n.eq_ignore_ascii_case("xl/workbook.xml"));
    }
    if unpacked > MAX_UNPACKED_BYTES {
        return Err(KahootError::TooLargeUnpacked {
            size: unpacked,
            max: MAX_UNPACKED_BYTES,
        });
    }
    if !has_workbook {
        return Err(not(
            "it is a zip archive but not an Excel workbook (no xl/workbook.xml)",
        ));
    }
    Ok(())
}

/// One cell's value as far as the import cares.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Number(f64),
    Bool(bool),
    /// A formula error such as `#N/A`.
    Error(String),
}

impl Cell {
    fn from_data(value: &DataRef<'_>) -> Option<Cell> {
        let text = |s: &str| {
            let kept: String = s.chars().take(CELL_CHARS_MAX).collect();
            (!kept.trim().is_empty()).then_some(Cell::Text(kept))
        };
        match value {
            DataRef::Empty => None,
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text(s),
            DataRef::SharedString(s) => text(s),
            DataRef::Int(i) => Some(Cell::Number(*i as f64)),
            DataRef::Float(f) => Some(Cell::Number(*f)),
            DataRef::DateTime(d) => Some(Cell::Number(d.as_f64())),
            DataRef::Bool(b) => Some(Cell::Bool(*b)),
            DataRef::Error(e) => Some(Cell::Error(e.to_string())),
        }
    }

    /// The cell as text: what a person sees. Line breaks inside a cell (Alt+Enter) become spaces, since
    /// questions and answers are one line.
    fn text(&self) -> Result<String, String> {
        match self {
            Cell::Text(s) => Ok(one_line(s)),
            Cell::Number(n) => Ok(number_text(*n)),
            // Excel turns a typed "True" into a boolean; it still reads "True" to the host.
            Cell::Bool(b) => Ok(TRUE_FALSE_ANSWERS[usize::from(!*b)].to_owned()),
            Cell::Error(e) => Err(format!("shows the error {e}")),
        }
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Control characters dropped, runs of whitespace (line breaks included) collapsed to one space.
fn one_line(s: &str) -> String {
    s.split_whitespace()
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn clean_title(title: &str) -> String {
    let title: String = one_line(title).chars().take(TITLE_MAX).collect();
    let title = title.trim();
    if title.is_empty() {
        DEFAULT_TITLE.to_owned()
    } else {
        title.to_owned()
    }
}

type Row = BTreeMap<u32, Cell>;

/// The part of the quiz sheet that matters.
struct Sheet {
    /// Non-empty cells by 0-based row, then 0-based column.
    cells: BTreeMap<u32, Row>,
    /// 0-based.
    header_row: u32,
    columns: Columns,
    /// The first row below the read area that has something in it.
    rows_beyond: Option<u32>,
}

/// Finds the first worksheet with a header row and reads it.
fn read_sheet(bytes: &[u8]) -> Result<Sheet, KahootError> {
    let corrupt = |e: calamine::XlsxError| KahootError::Corrupt {
        reason: e.to_string(),
    };
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(corrupt)?;
    let names: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .take(MAX_SHEETS)
        .map(|s| s.name.clone())
        .collect();
    for name in names {
        let mut cells: BTreeMap<u32, Row> = BTreeMap::new();
        let mut rows_beyond: Option<u32> = None;
        let mut reader = workbook.worksheet_cells_reader(&name).map_err(corrupt)?;
        while let Some(cell) = reader.next_cell().map_err(corrupt)? {
            let (r, c) = cell.get_position();
            if c >= MAX_COLUMNS {
                continue;
            }
            let Some(value) = Cell::from_data(cell.get_value()) else {
                continue;
            };
            if r >= MAX_ROWS {
                rows_beyond = Some(rows_beyond.map_or(r, |b| b.min(r)));
                continue;
            }
            cells.entry(r).or_default().insert(c, value);
        }
        drop(reader);
        if let Some((header_row, columns)) = find_header(&cells)? {
            return Ok(Sheet {
                cells,
                header_row,
                columns,
                rows_beyond,
            });
        }
    }
    Err(KahootError::NoHeader)
}

/// Lower case, single spaces, and the en/em dashes of the template's headers as plain hyphens.
fn header_key(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => one_line(s)
            .to_lowercase()
            .replace(['\u{2013}', '\u{2014}'], "-"),
        _ => String::new(),
    }
}

/// Whether `key` is `name` followed by nothing, or by something that is not a digit ("answer 1 - max 75"
/// but not "answer 10").
fn names(key: &str, name: &str) -> bool {
    key.strip_prefix(name)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// The header row: the first row with a cell starting "Question" and one starting "Answer 1" (both, so a
/// title block that mentions questions is not taken for the header).
fn find_header(cells: &BTreeMap<u32, Row>) -> Result<Option<(u32, Columns)>, KahootError> {
    for (&r, row) in cells {
        let keys: Vec<(u32, String)> = row.iter().map(|(&c, cell)| (c, header_key(cell))).collect();
        let find = |name: &str| keys.iter().find(|(_, k)| names(k, name)).map(|&(c, _)| c);
        let (Some(question), Some(answer1)) = (find("question"), find("answer 1")) else {
            continue;
        };
        let missing = |column| KahootError::MissingColumn { row: r + 1, column };
        let columns = Columns {
            question,
            answers: [
                Some(answer1),
                Some(find("answer 2").ok_or_else(|| missing("Answer 2"))?),
                find("answer 3"),
                find("answer 4"),
            ],
            time: find("time limit"),
            correct: find("correct").ok_or_else(|| missing("Correct answer(s)"))?,
        };
        return Ok(Some((r, columns)));
    }
    Ok(None)
}

/// Where each field of a question is (0-based columns).
struct Columns {
    question: u32,
    answers: [Option<u32>; 4],
    time: Option<u32>,
    correct: u32,
}

impl Columns {
    /// A row with none of the quiz's columns filled: a spacer, or a template row with only its number.
    fn is_blank(&self, row: &Row) -> bool {
        let mut used = [Some(self.question), self.time, Some(self.correct)]
            .into_iter()
            .chain(self.answers)
            .flatten();
        !used.any(|c| row.contains_key(&c))
    }

    /// The row as a question, or every problem found in it.
    fn question(&self, row: &Row, title: &str) -> Result<Question, Vec<String>> {
        let mut problems = Vec::new();
        let text = match row.get(&self.question).map(Cell::text) {
            None => {
                problems.push("the question is empty".to_owned());
                String::new()
            }
            Some(Ok(t)) => {
                let len = t.chars().count();
                if len > QUESTION_TEXT_MAX {
                    problems.push(format!(
                        "the question is {len} characters long; at most {QUESTION_TEXT_MAX} fit"
                    ));
                }
                t
            }
            Some(Err(e)) => {
                problems.push(format!("the question {e}"));
                String::new()
            }
        };

        // (column number 1–4, text) of the filled answers; gaps close up ("Answer 3" with "Answer 2" empty
        // becomes the second answer).
        let mut answers: Vec<(usize, String)> = Vec::new();
        for (k, column) in self.answers.iter().enumerate() {
            let Some(cell) = column.and_then(|c| row.get(&c)) else {
                continue;
            };
            match cell.text() {
                Ok(t) if t.is_empty() => {}
                Ok(t) => {
                    let len = t.chars().count();
                    if len > ANSWER_TEXT_MAX {
                        problems.push(format!(
                            "Answer {} is {len} characters long; at most {ANSWER_TEXT_MAX} fit",
                            k + 1
                        ));
                    }
                    answers.push((k + 1, t));
                }
                Err(e) => problems.push(format!("Answer {} {e}", k + 1)),
            }
        }
        if answers.len() < 2 {
            problems.push(format!(
                "a question needs at least 2 answers, this row has {}",
                answers.len()
            ));
        }

        let time_limit_secs = match self.time.and_then(|c| row.get(&c)) {
            None => TIME_LIMIT_DEFAULT,
            Some(cell) => time_limit(cell).unwrap_or_else(|e| {
                problems.push(e);
                TIME_LIMIT_DEFAULT
            }),
        };

        let mut correct: Vec<usize> = Vec::new();
        match row.get(&self.correct).map(correct_numbers) {
            None => problems.push(
                "no correct answer: put the number of the right answer (1–4) in \"Correct answer(s)\""
                    .to_owned(),
            ),
            Some(Err(e)) => problems.push(e),
            Some(Ok(numbers)) => {
                for n in numbers {
                    match answers.iter().position(|(k, _)| *k == n) {
                        Some(i) => correct.push(i),
                        None => problems.push(format!(
                            "the correct answer {n} points at Answer {n}, which is empty"
                        )),
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }

        let texts: Vec<String> = answers.into_iter().map(|(_, t)| t).collect();
        correct.sort_unstable();
        correct.dedup();
        let is_true_false = texts.len() == 2
            && correct.len() == 1
            && texts[0].eq_ignore_ascii_case(TRUE_FALSE_ANSWERS[0])
                != texts[1].eq_ignore_ascii_case(TRUE_FALSE_ANSWERS[0])
            && texts
                .iter()
                .all(|t| TRUE_FALSE_ANSWERS.iter().any(|a| t.eq_ignore_ascii_case(a)));
        let question = if is_true_false {
            let says_true = texts[correct[0]].eq_ignore_ascii_case(TRUE_FALSE_ANSWERS[0]);
            Question {
                correct: usize::from(!says_true),
                ..Question::new(QuestionKind::TrueFalse, text).with_answers(TRUE_FALSE_ANSWERS)
            }
        } else if let [only] = correct[..] {
            Question {
                correct: only,
                ..Question::new(QuestionKind::MultipleChoice, text).with_answers(texts)
            }
        } else {
            Question {
                correct_answers: correct.iter().map(|&c| c as u32).collect(),
                ..Question::new(QuestionKind::MultiSelect, text).with_answers(texts)
            }
        };
        let question = Question {
            time_limit_secs,
            ..question
        };
        // Cahoot's own rules have the last word, so an imported question is exactly as valid as an edited one.
        let quiz = QuizInput {
            title: title.to_owned(),
            questions: vec![question],
            show_on_devices: false,
        }
        .validate()
        .map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let field = e.field.strip_prefix("questions[0].").unwrap_or(&e.field);
                    format!("{field} {}", e.message)
                })
                .collect::<Vec<_>>()
        })?;
        quiz.questions
            .into_iter()
            .next()
            .ok_or_else(|| vec!["the question was lost in validation".to_owned()])
    }
}

/// "1", 1, "1,3", "2, 4" → the answer numbers (1–4).
fn correct_numbers(cell: &Cell) -> Result<Vec<usize>, String> {
    let parse = |part: &str| -> Result<usize, String> {
        match part.parse::<usize>() {
            Ok(n @ 1..=4) => Ok(n),
            Ok(n) => Err(format!("the correct answer {n} is not between 1 and 4")),
            Err(_) => Err(format!(
                "the correct answer \"{part}\" is not a number 1–4 (several are written \"1,3\")"
            )),
        }
    };
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n < 1e15 => {
            parse(&number_text(*n)).map(|n| vec![n])
        }
        Cell::Text(s) => {
            let parts: Vec<&str> = s
                .split([',', ';'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            if parts.is_empty() {
                return Err("no correct answer: put the number of the right answer (1–4) in \"Correct answer(s)\"".into());
            }
            parts.into_iter().map(parse).collect()
        }
        Cell::Number(n) => Err(format!(
            "the correct answer {} is not a number 1–4",
            number_text(*n)
        )),
        Cell::Bool(b) => Err(format!("the correct answer {b} is not a number 1–4")),
        Cell::Error(e) => Err(format!("the correct answer shows the error {e}")),
    }
}

/// Seconds from a number or a text like "20", "20 sec"; clamped into Cahoot's range.
fn time_limit(cell: &Cell) -> Result<u32, String> {
    let not_a_number = |shown: &str| {
        format!(
            "the time limit \"{shown}\" is not a whole number of seconds (5, 10, 20, 30, 60, 90, 120 or 240)"
        )
    };
    let seconds = match cell {
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 => *n,
        Cell::Number(n) => return Err(not_a_number(&number_text(*n))),
        Cell::Text(s) => {
            let lower = s.trim().to_lowercase();
            let digits = ["seconds", "second", "secs", "sec", "s"]
                .iter()
                .find_map(|unit| lower.strip_suffix(unit))
                .unwrap_or(&lower)
                .trim();
            digits.parse::<u32>().map_err(|_| not_a_number(s.trim()))? as f64
        }
        Cell::Bool(b) => return Err(not_a_number(&b.to_string())),
        Cell::Error(e) => return Err(format!("the time limit shows the error {e}")),
    };
    let clamped = seconds.clamp(f64::from(TIME_LIMIT_MIN), f64::from(TIME_LIMIT_MAX));
    Ok(clamped as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_file_names() {
        assert_eq!(title_from_file_name("Space quiz.xlsx"), "Space quiz");
        assert_eq!(
            title_from_file_name("C:\\quizzes\\v1.2 final.xlsx"),
            "v1.2 final"
        );
        assert_eq!(title_from_file_name("/tmp/no-extension"), "no-extension");
        assert_eq!(title_from_file_name(".xlsx"), ".xlsx");
        assert_eq!(clean_title("  \t "), DEFAULT_TITLE);
        assert_eq!(clean_title("a\nb"), "a b");
        assert_eq!(clean_title(&"x".repeat(500)).chars().count(), TITLE_MAX);
    }

    #[test]
    fn correct_answers_parse() {
        let text = |s: &str| Cell::Text(s.into());
        assert_eq!(correct_numbers(&Cell::Number(2.0)), Ok(vec![2]));
        assert_eq!(correct_numbers(&text("1,3")), Ok(vec![1, 3]));
        assert_eq!(correct_numbers(&text(" 2 , 4 ")), Ok(vec![2, 4]));
        assert!(
            correct_numbers(&text("5"))
                .unwrap_err()
                .contains("between 1 and 4")
        );
        assert!(
            correct_numbers(&text("B"))
                .unwrap_err()
                .contains("not a number")
        );
        assert!(correct_numbers(&Cell::Number(1.5)).is_err());
        assert!(
            correct_numbers(&text(" , "))
                .unwrap_err()
                .contains("no correct answer")
        );
    }

    #[test]
    fn time_limits_parse_and_clamp() {
        assert_eq!(time_limit(&Cell::Number(30.0)), Ok(30));
        assert_eq!(time_limit(&Cell::Text("20 sec".into())), Ok(20));
        assert_eq!(time_limit(&Cell::Text("90s".into())), Ok(90));
        assert_eq!(time_limit(&Cell::Number(1.0)), Ok(TIME_LIMIT_MIN));
        assert_eq!(time_limit(&Cell::Number(600.0)), Ok(TIME_LIMIT_MAX));
        assert!(time_limit(&Cell::Text("soon".into())).is_err());
        assert!(time_limit(&Cell::Number(7.5)).is_err());
        assert!(time_limit(&Cell::Number(-5.0)).is_err());
    }

    #[test]
    fn header_names_match_by_prefix() {
        let key = |s: &str| header_key(&Cell::Text(s.into()));
        assert!(names(&key("Answer 1 - max 75 characters"), "answer 1"));
        assert!(!names(&key("Answer 10"), "answer 1"));
        assert!(names(
            &key("Time limit (sec) \u{2013} 5, 10, 20, 30, 60, 90, 120, or 240 secs"),
            "time limit"
        ));
        assert!(names(&key("  QUESTION\n- max 120 characters"), "question"));
    }
}
