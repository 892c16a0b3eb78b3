//! Writes `tests/fixtures/kahoot-template.xlsx`, a stand-in for Kahoot!'s quiz spreadsheet template filled in
//! by a host: the template's title block, its header row, its numbered rows, five good questions and two bad
//! ones. Run once; the file is committed and the tests read it (they do not regenerate it, so the fixture
//! stays a fixed input, like an upload):
//!
//! ```sh
//! cargo run -p cahoot-formats --example make_kahoot_fixture [OUT.xlsx]
//! ```

use rust_xlsxwriter::{Format, Workbook, XlsxError};

fn main() -> Result<(), XlsxError> {
    let out = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/kahoot-template.xlsx"
        )
        .to_owned()
    });
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Sheet1")?;
    let big = Format::new().set_bold().set_font_size(20);
    let bold = Format::new().set_bold().set_text_wrap();

    // The title block of the template: instructions, no quiz title.
    sheet.write_string_with_format(0, 1, "Quiz template", &big)?;
    sheet.write_string(
        1,
        1,
        "Add questions, at least two answer alternatives, time limit and choose correct answers (at \
         least one). Have fun creating your awesome quiz!",
    )?;
    sheet.write_string(
        2,
        1,
        "Remember: questions can have a maximum of 120 characters and answers can have a maximum of 75 \
         characters.",
    )?;
    sheet.write_string(
        4,
        1,
        "Tip: the Question column decides the order of the questions in your kahoot.",
    )?;

    // The header row (row 8).
    let header = [
        "Question - max 120 characters",
        "Answer 1 - max 75 characters",
        "Answer 2 - max 75 characters",
        "Answer 3 - max 75 characters",
        "Answer 4 - max 75 characters",
        "Time limit (sec) \u{2013} 5, 10, 20, 30, 60, 90, 120, or 240 secs",
        "Correct answer(s) - choose at least one",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(7, c as u16 + 1, *h, &bold)?;
    }
    // The template numbers its rows in column A, filled in or not.
    for n in 1..=20u32 {
        sheet.write_number(7 + n, 0, n)?;
    }

    // Row 9: multiple choice, numbers as numbers.
    sheet.write_string(8, 1, "What is the capital of Australia?")?;
    for (c, a) in ["Sydney", "Canberra", "Melbourne", "Perth"]
        .iter()
        .enumerate()
    {
        sheet.write_string(8, c as u16 + 2, *a)?;
    }
    sheet.write_number(8, 6, 20)?;
    sheet.write_number(8, 7, 2)?;

    // Row 10: two correct answers; the answers are numeric cells.
    sheet.write_string(9, 1, "Which of these are prime numbers?")?;
    for (c, a) in [2, 4, 7, 9].iter().enumerate() {
        sheet.write_number(9, c as u16 + 2, *a)?;
    }
    sheet.write_number(9, 6, 30)?;
    sheet.write_string(9, 7, "1,3")?;

    // Row 11: Excel turns a typed True/False into booleans.
    sheet.write_string(
        10,
        1,
        "Light from the Sun reaches Earth in about 8 minutes.",
    )?;
    sheet.write_boolean(10, 2, true)?;
    sheet.write_boolean(10, 3, false)?;
    sheet.write_number(10, 6, 10)?;
    sheet.write_number(10, 7, 1)?;

    // Row 12: two answers, the correct answer typed as text.
    sheet.write_string(11, 1, "Who painted the Mona Lisa?")?;
    sheet.write_string(11, 2, "Michelangelo")?;
    sheet.write_string(11, 3, "Leonardo da Vinci")?;
    sheet.write_number(11, 6, 60)?;
    sheet.write_string(11, 7, "2")?;

    // Row 13: only its number (skipped).

    // Row 14: a line break inside the question (Alt+Enter), no time limit.
    sheet.write_string(13, 1, "Which planet is known\nas the Red Planet?")?;
    for (c, a) in ["Venus", "Mars", "Jupiter", "Saturn"].iter().enumerate() {
        sheet.write_string(13, c as u16 + 2, *a)?;
    }
    sheet.write_number(13, 7, 2)?;

    // Row 15: bad, no correct answer.
    sheet.write_string(14, 1, "How many continents are there?")?;
    for (c, a) in [5, 6, 7, 8].iter().enumerate() {
        sheet.write_number(14, c as u16 + 2, *a)?;
    }
    sheet.write_number(14, 6, 20)?;

    // Row 16: bad, the correct answer is the empty Answer 3.
    sheet.write_string(15, 1, "Which gas do plants take in from the air?")?;
    sheet.write_string(15, 2, "Oxygen")?;
    sheet.write_string(15, 3, "Carbon dioxide")?;
    sheet.write_string(15, 5, "Nitrogen")?;
    sheet.write_number(15, 6, 20)?;
    sheet.write_number(15, 7, 3)?;

    sheet.set_column_width(0, 4)?;
    sheet.set_column_width(1, 50)?;
    for c in 2..=5 {
        sheet.set_column_width(c, 22)?;
    }
    sheet.set_column_width(6, 18)?;
    sheet.set_column_width(7, 18)?;
    workbook.save(&out)?;
    println!("wrote {out}");
    Ok(())
}
