//! A finished game's results as an Excel workbook: a "Summary" sheet with the standings, then one sheet per
//! question ("Q1", "Q2", …) with every player's answer.
//!
//! The caller assembles the rows (who did not answer, how an answer reads); this module only lays them out.
//! Everything a player or host typed is written as a string cell, never as a formula, so a nickname like
//! `=HYPERLINK(…)` stays text when the host opens the file (spreadsheet formula injection).

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// The results of one game, ready to write.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResultsWorkbook {
    pub quiz_title: String,
    /// When the game was played, as the caller wants it shown (e.g. "2025-03-14 10:30 UTC").
    pub played_at: String,
    pub standings: Vec<StandingRow>,
    pub questions: Vec<QuestionSheet>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StandingRow {
    pub rank: u32,
    pub nickname: String,
    pub score: u64,
}

/// One question's sheet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QuestionSheet {
    /// The question's 0-based index in the quiz; the sheet is named `Q{index + 1}`.
    pub index: u32,
    /// The kind as shown to the host ("Multiple choice", "Poll", …).
    pub kind: String,
    pub text: String,
    pub rows: Vec<AnswerRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnswerRow {
    pub nickname: String,
    /// The answer as it reads (see `AnswerValue::describe`); empty when the player did not answer.
    pub answer: String,
    /// `None` for kinds without a right answer (poll, word cloud, slide): the cell stays empty.
    pub correct: Option<bool>,
    /// How long the player took; `None` when they did not answer.
    pub time_ms: Option<u64>,
    pub points: u32,
}

/// The workbook could not be produced (in practice: more rows than a sheet holds).
#[derive(Debug, thiserror::Error)]
#[error("could not write the results workbook: {0}")]
pub struct WriteError(#[from] XlsxError);

/// Excel's limit on one cell's text; longer text is cut rather than failing the whole export.
const CELL_CHARS_MAX: usize = 32_767;
/// Excel's limit on a sheet name.
const SHEET_NAME_MAX: usize = 31;

/// The workbook as `.xlsx` bytes.
pub fn write(book: &ResultsWorkbook) -> Result<Vec<u8>, WriteError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(16);
    let seconds = Format::new().set_num_format("0.00");

    let summary = workbook.add_worksheet();
    summary.set_name("Summary")?;
    text(summary, 0, 0, &book.quiz_title, Some(&title))?;
    text(summary, 1, 0, "Played", Some(&bold))?;
    text(summary, 1, 1, &book.played_at, None)?;
    text(summary, 2, 0, "Players", Some(&bold))?;
    summary.write_number(2, 1, book.standings.len() as f64)?;
    let header = 4;
    for (c, name) in ["Rank", "Player", "Score"].into_iter().enumerate() {
        text(summary, header, c as u16, name, Some(&bold))?;
    }
    for (i, s) in book.standings.iter().enumerate() {
        let r = header + 1 + row_number(i)?;
        summary.write_number(r, 0, s.rank)?;
        text(summary, r, 1, &s.nickname, None)?;
        summary.write_number(r, 2, s.score as f64)?;
    }
    summary.set_column_width(0, 10)?;
    summary.set_column_width(1, 30)?;
    summary.set_column_width(2, 12)?;
    summary.set_freeze_panes(header + 1, 0)?;

    let mut used: Vec<String> = vec!["Summary".into()];
    for q in &book.questions {
        let name = sheet_name(q.index, &used);
        used.push(name.clone());
        let sheet = workbook.add_worksheet();
        sheet.set_name(&name)?;
        let number = u64::from(q.index) + 1;
        text(sheet, 0, 0, &format!("Question {number}"), Some(&title))?;
        text(sheet, 0, 1, &q.kind, None)?;
        text(sheet, 1, 0, &q.text, None)?;
        let header = 3;
        let columns = ["Player", "Answer", "Correct", "Time (s)", "Points"];
        for (c, name) in columns.into_iter().enumerate() {
            text(sheet, header, c as u16, name, Some(&bold))?;
        }
        for (i, a) in q.rows.iter().enumerate() {
            let r = header + 1 + row_number(i)?;
            text(sheet, r, 0, &a.nickname, None)?;
            text(sheet, r, 1, &a.answer, None)?;
            if let Some(correct) = a.correct {
                text(sheet, r, 2, if correct { "Yes" } else { "No" }, None)?;
            }
            if let Some(ms) = a.time_ms {
                sheet.write_number_with_format(r, 3, ms as f64 / 1000.0, &seconds)?;
            }
            sheet.write_number(r, 4, a.points)?;
        }
        for (c, width) in [(0, 24), (1, 40), (2, 10), (3, 10), (4, 10)] {
            sheet.set_column_width(c, width)?;
        }
        sheet.set_freeze_panes(header + 1, 0)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// `Q{index + 1}`, made unique should the caller pass the same index twice ("Q3", "Q3 (2)"). At most 16
/// characters, well inside Excel's 31.
fn sheet_name(index: u32, used: &[String]) -> String {
    let base = format!("Q{}", u64::from(index) + 1);
    let mut name = base.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        name = format!("{base} ({n})");
        n += 1;
    }
    debug_assert!(name.chars().count() <= SHEET_NAME_MAX);
    name
}

fn row_number(i: usize) -> Result<u32, XlsxError> {
    u32::try_from(i).map_err(|_| XlsxError::RowColumnLimitError)
}

/// User text always goes through `write_string`: a string cell, never parsed as a formula.
fn text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &str,
    format: Option<&Format>,
) -> Result<(), XlsxError> {
    let value: String = value.chars().take(CELL_CHARS_MAX).collect();
    match format {
        Some(f) => sheet.write_string_with_format(row, col, value, f)?,
        None => sheet.write_string(row, col, value)?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    const INJECTION: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";

    fn book() -> ResultsWorkbook {
        ResultsWorkbook {
            quiz_title: "Space quiz".into(),
            played_at: "2025-03-14 10:30 UTC".into(),
            standings: vec![
                StandingRow {
                    rank: 1,
                    nickname: "Ada".into(),
                    score: 1950,
                },
                StandingRow {
                    rank: 2,
                    nickname: INJECTION.into(),
                    score: 0,
                },
            ],
            questions: vec![
                QuestionSheet {
                    index: 0,
                    kind: "Multiple choice".into(),
                    text: "Which planet is the largest?".into(),
                    rows: vec![
                        AnswerRow {
                            nickname: "Ada".into(),
                            answer: "Jupiter".into(),
                            correct: Some(true),
                            time_ms: Some(2500),
                            points: 950,
                        },
                        AnswerRow {
                            nickname: INJECTION.into(),
                            answer: String::new(),
                            correct: Some(false),
                            time_ms: None,
                            points: 0,
                        },
                    ],
                },
                QuestionSheet {
                    index: 1,
                    kind: "Poll".into(),
                    text: "+1 or -1?".into(),
                    rows: vec![AnswerRow {
                        nickname: "Ada".into(),
                        answer: "@SUM(A1:A9)".into(),
                        correct: None,
                        time_ms: Some(1000),
                        points: 0,
                    }],
                },
            ],
        }
    }

    fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        Xlsx::new(Cursor::new(bytes)).unwrap()
    }

    fn s(v: &str) -> Data {
        Data::String(v.into())
    }

    #[test]
    fn sheets_are_summary_then_one_per_question() {
        let wb = open(write(&book()).unwrap());
        assert_eq!(wb.sheet_names(), ["Summary", "Q1", "Q2"]);
    }

    #[test]
    fn summary_holds_title_date_and_standings() {
        let mut wb = open(write(&book()).unwrap());
        let r = wb.worksheet_range("Summary").unwrap();
        let at = |row, col| r.get_value((row, col)).cloned().unwrap_or(Data::Empty);
        assert_eq!(at(0, 0), s("Space quiz"));
        assert_eq!(at(1, 1), s("2025-03-14 10:30 UTC"));
        assert_eq!(at(2, 1), Data::Float(2.0));
        assert_eq!(
            [at(4, 0), at(4, 1), at(4, 2)],
            [s("Rank"), s("Player"), s("Score")]
        );
        assert_eq!(
            [at(5, 0), at(5, 1), at(5, 2)],
            [Data::Float(1.0), s("Ada"), Data::Float(1950.0)]
        );
        assert_eq!(at(6, 1), s(INJECTION));
    }

    #[test]
    fn question_sheets_hold_one_row_per_player() {
        let mut wb = open(write(&book()).unwrap());
        let r = wb.worksheet_range("Q1").unwrap();
        let at = |row, col| r.get_value((row, col)).cloned().unwrap_or(Data::Empty);
        assert_eq!(at(0, 0), s("Question 1"));
        assert_eq!(at(0, 1), s("Multiple choice"));
        assert_eq!(at(1, 0), s("Which planet is the largest?"));
        let header: Vec<Data> = (0..5).map(|c| at(3, c)).collect();
        assert_eq!(
            header,
            ["Player", "Answer", "Correct", "Time (s)", "Points"].map(s)
        );
        let ada: Vec<Data> = (0..5).map(|c| at(4, c)).collect();
        assert_eq!(
            ada,
            [
                s("Ada"),
                s("Jupiter"),
                s("Yes"),
                Data::Float(2.5),
                Data::Float(950.0)
            ]
        );
        let silent: Vec<Data> = (0..5).map(|c| at(5, c)).collect();
        assert_eq!(
            silent,
            [
                s(INJECTION),
                Data::Empty,
                s("No"),
                Data::Empty,
                Data::Float(0.0)
            ]
        );

        let r = wb.worksheet_range("Q2").unwrap();
        let at = |row, col| r.get_value((row, col)).cloned().unwrap_or(Data::Empty);
        assert_eq!(at(1, 0), s("+1 or -1?"));
        assert_eq!(at(4, 1), s("@SUM(A1:A9)"));
        assert_eq!(
            at(4, 2),
            Data::Empty,
            "an unjudged kind has no Correct cell"
        );
    }

    #[test]
    fn user_text_is_never_a_formula() {
        let mut wb = open(write(&book()).unwrap());
        for sheet in ["Summary", "Q1", "Q2"] {
            let formulas = wb.worksheet_formula(sheet).unwrap();
            assert!(
                formulas.used_cells().all(|(_, _, f)| f.is_empty()),
                "{sheet} has a formula"
            );
        }
    }

    #[test]
    fn sheet_names_are_unique_and_short() {
        let mut b = book();
        b.questions[1].index = 0;
        b.questions.push(QuestionSheet {
            index: u32::MAX,
            ..QuestionSheet::default()
        });
        let wb = open(write(&b).unwrap());
        assert_eq!(wb.sheet_names(), ["Summary", "Q1", "Q1 (2)", "Q4294967296"]);
    }

    #[test]
    fn an_empty_game_still_writes() {
        let wb = open(write(&ResultsWorkbook::default()).unwrap());
        assert_eq!(wb.sheet_names(), ["Summary"]);
    }

    #[test]
    fn overlong_text_is_cut_not_fatal() {
        let mut b = book();
        b.questions[0].text = "x".repeat(40_000);
        let mut wb = open(write(&b).unwrap());
        let r = wb.worksheet_range("Q1").unwrap();
        match r.get_value((1, 0)) {
            Some(Data::String(t)) => assert_eq!(t.chars().count(), CELL_CHARS_MAX),
            other => panic!("{other:?}"),
        }
    }
}
