//! Kahoot! spreadsheet import against the committed fixture (`examples/make_kahoot_fixture.rs` made it) and
//! against files that are not what they claim to be.

use cahoot_formats::kahoot::{self, KahootError, RowError};
use cahoot_game::quiz::QUESTIONS_MAX;
use cahoot_game::{Question, QuestionKind, QuizInput};
use rust_xlsxwriter::Workbook;
use std::io::{Cursor, Read, Write};

const FIXTURE: &[u8] = include_bytes!("fixtures/kahoot-template.xlsx");

fn mc(text: &str, answers: &[&str], correct: usize, time: u32) -> Question {
    Question {
        correct,
        time_limit_secs: time,
        ..Question::new(QuestionKind::MultipleChoice, text).with_answers(answers.iter().copied())
    }
}

#[test]
fn the_template_imports_question_by_question() {
    let imported = kahoot::import(FIXTURE, "Mixed bag").unwrap();
    let expected = vec![
        mc(
            "What is the capital of Australia?",
            &["Sydney", "Canberra", "Melbourne", "Perth"],
            1,
            20,
        ),
        Question {
            correct_answers: vec![0, 2],
            time_limit_secs: 30,
            ..Question::new(
                QuestionKind::MultiSelect,
                "Which of these are prime numbers?",
            )
            .with_answers(["2", "4", "7", "9"])
        },
        Question {
            correct: 0,
            time_limit_secs: 10,
            ..Question::new(
                QuestionKind::TrueFalse,
                "Light from the Sun reaches Earth in about 8 minutes.",
            )
            .with_answers(["True", "False"])
        },
        mc(
            "Who painted the Mona Lisa?",
            &["Michelangelo", "Leonardo da Vinci"],
            1,
            60,
        ),
        mc(
            "Which planet is known as the Red Planet?",
            &["Venus", "Mars", "Jupiter", "Saturn"],
            1,
            20,
        ),
    ];
    assert_eq!(imported.quiz.title, "Mixed bag");
    assert_eq!(imported.quiz.questions, expected);
    assert_eq!(
        imported.errors,
        vec![
            RowError {
                row: 15,
                message: "no correct answer: put the number of the right answer (1–4) in \
                          \"Correct answer(s)\""
                    .into()
            },
            RowError {
                row: 16,
                message: "the correct answer 3 points at Answer 3, which is empty".into()
            },
        ]
    );
    // Valid as it is: validation changes nothing.
    assert_eq!(imported.quiz.clone().validate().unwrap(), imported.quiz);
}

#[test]
fn the_title_comes_from_the_caller() {
    let title = kahoot::title_from_file_name("My Kahoot.xlsx");
    assert_eq!(
        kahoot::import(FIXTURE, &title).unwrap().quiz.title,
        "My Kahoot"
    );
    assert_eq!(
        kahoot::import(FIXTURE, "").unwrap().quiz.title,
        kahoot::DEFAULT_TITLE
    );
}

/// A one-sheet workbook whose rows are given as text cells (`""` leaves a cell empty).
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r as u32, c as u16, *cell).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

const HEADER: &[&str] = &[
    "Question",
    "Answer 1",
    "Answer 2",
    "Answer 3",
    "Answer 4",
    "Time limit",
    "Correct answer(s)",
];

#[test]
fn header_detection_is_tolerant() {
    // No number column, header on the first row, upper case, columns in another order.
    let bytes = workbook(&[
        &[
            "CORRECT",
            "answer 2",
            "QUESTION",
            "Answer 1",
            "time limit (sec)",
        ],
        &["2", "No", "Is this tolerant?", "Yes", "240"],
    ]);
    let imported = kahoot::import(&bytes, "t").unwrap();
    assert_eq!(
        imported.quiz.questions,
        [mc("Is this tolerant?", &["Yes", "No"], 1, 240)]
    );
}

#[test]
fn every_kind_of_bad_row_is_reported() {
    let long = "x".repeat(251);
    let bytes = workbook(&[
        HEADER,
        &["", "a", "b", "", "", "", "1"],
        &["One answer", "a", "", "", "", "", "1"],
        &["Letter", "a", "b", "", "", "", "B"],
        &["Five", "a", "b", "c", "d", "", "5"],
        &["Slow", "a", "b", "", "", "soon", "1"],
        &[&long, "a", "b", "", "", "", "1"],
        &["Fine", "a", "b", "", "", "3", "1"],
        &["Two problems", "a", "", "", "", "", ""],
    ]);
    let imported = kahoot::import(&bytes, "t").unwrap();
    assert_eq!(imported.quiz.questions, [mc("Fine", &["a", "b"], 0, 5)]);
    let report: Vec<String> = imported.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        report,
        [
            "row 2: the question is empty",
            "row 3: a question needs at least 2 answers, this row has 1",
            "row 4: the correct answer \"B\" is not a number 1–4 (several are written \"1,3\")",
            "row 5: the correct answer 5 is not between 1 and 4",
            "row 6: the time limit \"soon\" is not a whole number of seconds (5, 10, 20, 30, 60, 90, \
             120 or 240)",
            "row 7: the question is 251 characters long; at most 250 fit",
            "row 9: a question needs at least 2 answers, this row has 1; no correct answer: put the \
             number of the right answer (1–4) in \"Correct answer(s)\"",
        ]
    );
}

#[test]
fn true_false_in_any_case_and_order() {
    let bytes = workbook(&[
        HEADER,
        &["Upside down?", "false", "TRUE", "", "", "", "1"],
        &["Both right?", "True", "False", "", "", "", "1,2"],
    ]);
    let q = kahoot::import(&bytes, "t").unwrap().quiz.questions;
    assert_eq!(q[0].kind, QuestionKind::TrueFalse);
    assert_eq!(q[0].answers, ["True", "False"]);
    assert_eq!(q[0].correct, 1, "the correct answer was \"false\"");
    assert_eq!(q[1].kind, QuestionKind::MultiSelect);
    assert_eq!(q[1].correct_answers, [0, 1]);
}

#[test]
fn gaps_between_answers_close_up() {
    let bytes = workbook(&[HEADER, &["Gap", "a", "", "c", "", "", "3"]]);
    let q = &kahoot::import(&bytes, "t").unwrap().quiz.questions[0];
    assert_eq!(
        (q.answers.clone(), q.correct),
        (vec!["a".into(), "c".into()], 1)
    );
}

#[test]
fn rows_past_the_question_limit_are_reported_once() {
    let mut rows: Vec<Vec<String>> = vec![HEADER.iter().map(|s| s.to_string()).collect()];
    for i in 0..QUESTIONS_MAX + 5 {
        rows.push(
            [&format!("Q{i}"), "a", "b", "", "", "", "1"]
                .map(ToString::to_string)
                .to_vec(),
        );
    }
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    let imported = kahoot::import(&workbook(&rows), "t").unwrap();
    assert_eq!(imported.quiz.questions.len(), QUESTIONS_MAX);
    assert_eq!(imported.errors.len(), 1);
    assert_eq!(imported.errors[0].row, QUESTIONS_MAX as u32 + 2);
    assert!(
        imported.errors[0].message.contains("the 4 rows below it"),
        "{}",
        imported.errors[0]
    );
}

#[test]
fn a_file_without_good_rows_is_refused_with_the_report() {
    let err = kahoot::import(&workbook(&[HEADER, &["Lonely", "a"]]), "t").unwrap_err();
    assert_eq!(err.row_errors().len(), 1);
    assert!(
        err.to_string()
            .starts_with("no question could be imported: row 2:"),
        "{err}"
    );
    let err = kahoot::import(&workbook(&[HEADER]), "t").unwrap_err();
    assert!(matches!(err, KahootError::NoQuestions { ref errors } if errors.is_empty()));
}

#[test]
fn a_sheet_without_the_template_header_is_refused() {
    let err = kahoot::import(&workbook(&[&["Name", "Score"], &["Ada", "3"]]), "t").unwrap_err();
    assert_eq!(err, KahootError::NoHeader);
    let err = kahoot::import(&workbook(&[&["Question", "Answer 1", "Answer 2"]]), "t").unwrap_err();
    assert_eq!(
        err,
        KahootError::MissingColumn {
            row: 1,
            column: "Correct answer(s)"
        }
    );
}

#[test]
fn a_far_away_cell_is_neither_read_nor_allocated() {
    // Building a dense grid up to XFD1048576 would need billions of cells; the importer streams cells.
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["Far?", "a", "b", "", "", "", "1"].iter().enumerate() {
        if !v.is_empty() {
            sheet.write_string(1, c as u16, *v).unwrap();
        }
    }
    sheet.write_string(1_048_575, 16_383, "far away").unwrap();
    sheet.write_string(5_000, 2, "below").unwrap();
    let imported = kahoot::import(&wb.save_to_buffer().unwrap(), "t").unwrap();
    assert_eq!(imported.quiz.questions.len(), 1);
    assert_eq!(imported.errors.len(), 1);
    assert_eq!(imported.errors[0].row, 5_001);
}

#[test]
fn random_bytes_are_not_xlsx() {
    let mut seed = 7u64;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u8
        })
        .collect();
    let err = kahoot::import(&bytes, "t").unwrap_err();
    assert!(matches!(err, KahootError::NotXlsx { .. }), "{err}");
    assert!(matches!(
        kahoot::import(b"", "t").unwrap_err(),
        KahootError::NotXlsx { .. }
    ));
    assert!(matches!(
        kahoot::import(b"Question,Answer 1\n", "t").unwrap_err(),
        KahootError::NotXlsx { .. }
    ));
}

#[test]
fn an_old_xls_file_gets_advice() {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(512, 0);
    let err = kahoot::import(&bytes, "t").unwrap_err();
    assert!(
        err.to_string()
            .contains("save it as \"Excel Workbook (.xlsx)\""),
        "{err}"
    );
}

#[test]
fn a_truncated_xlsx_is_refused() {
    for cut in [10, FIXTURE.len() / 2, FIXTURE.len() - 10] {
        let err = kahoot::import(&FIXTURE[..cut], "t").unwrap_err();
        assert!(
            matches!(
                err,
                KahootError::NotXlsx { .. } | KahootError::Corrupt { .. }
            ),
            "{cut}: {err}"
        );
    }
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn a_zip_that_is_not_a_workbook_is_refused() {
    let bytes = zip_of(&[("notes.txt", b"hello"), ("word/document.xml", b"<w/>")]);
    let err = kahoot::import(&bytes, "t").unwrap_err();
    assert!(err.to_string().contains("not an Excel workbook"), "{err}");
}

#[test]
fn a_workbook_with_broken_xml_is_corrupt() {
    let bytes = zip_of(&[
        ("[Content_Types].xml", b"<Types"),
        ("xl/workbook.xml", b"<workbook><sheets><sheet"),
    ]);
    let err = kahoot::import(&bytes, "t").unwrap_err();
    assert!(matches!(err, KahootError::Corrupt { .. }), "{err}");
}

#[test]
fn oversized_files_are_refused() {
    let err = kahoot::import(&vec![0; kahoot::MAX_BYTES + 1], "t").unwrap_err();
    assert!(matches!(err, KahootError::TooLarge { .. }), "{err}");
}

#[test]
fn a_zip_bomb_is_refused_before_unpacking() {
    // A real bomb (gigabytes of spaces in a few KiB) is slow to build in a debug test; what the importer
    // checks is the unpacked size the archive declares (the zip reader refuses to unpack past it), so a
    // small archive whose declared sizes say 4 GiB stands in for one.
    let mut bytes = zip_of(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/sharedStrings.xml", b"<sst/>"),
    ]);
    let mut patched = 0;
    for at in 0..bytes.len().saturating_sub(4) {
        let (offset, signature) = match &bytes[at..at + 4] {
            b"PK\x03\x04" => (22, true),
            b"PK\x01\x02" => (24, true),
            _ => (0, false),
        };
        if signature {
            bytes[at + offset..at + offset + 4].copy_from_slice(&0xFFFF_0000u32.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 4, "two local and two central headers");
    let err = kahoot::import(&bytes, "t").unwrap_err();
    assert!(matches!(err, KahootError::TooLargeUnpacked { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&kahoot::MAX_UNPACKED_BYTES.to_string()),
        "{err}"
    );
}

/// A tiny xorshift, so the fuzz loops are the same on every run.
fn rng(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

fn mutate(bytes: &mut Vec<u8>, next: &mut impl FnMut() -> u64) {
    for _ in 0..(next() % 4 + 1) {
        if bytes.is_empty() {
            return;
        }
        let at = (next() % bytes.len() as u64) as usize;
        match next() % 3 {
            0 => bytes[at] = next() as u8,
            1 => {
                bytes.remove(at);
            }
            _ => bytes.insert(at, bytes[at]),
        }
    }
}

#[test]
fn mutated_files_never_panic() {
    let mut next = rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..300 {
        let mut bytes = FIXTURE.to_vec();
        mutate(&mut bytes, &mut next);
        let _ = kahoot::import(&bytes, "t");
    }
}

#[test]
fn mutated_xml_inside_a_valid_zip_never_panics() {
    // Raw mutations mostly stop at the zip's checksums; these reach calamine's XML parsing.
    let mut archive = zip::ZipArchive::new(Cursor::new(FIXTURE)).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        entries.push((file.name().unwrap().to_string(), data));
    }
    let targets: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| name.starts_with("xl/"))
        .map(|(i, _)| i)
        .collect();
    let mut next = rng(0x2545_f491_4f6c_dd1d);
    for _ in 0..300 {
        let mut mutated = entries.clone();
        let target = targets[(next() % targets.len() as u64) as usize];
        mutate(&mut mutated[target].1, &mut next);
        let refs: Vec<(&str, &[u8])> = mutated
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let _ = kahoot::import(&zip_of(&refs), "t");
    }
}

#[test]
fn an_imported_quiz_is_a_valid_quiz_input() {
    let quiz: QuizInput = kahoot::import(FIXTURE, "t").unwrap().quiz;
    assert!(quiz.validate().is_ok());
}
