//! Cahoot's own quiz file: one JSON document holding a quiz and the images it shows.
//!
//! ```json
//! { "format": "cahoot-quiz", "version": 1, "quiz": { "title": "…", "questions": [ … ] },
//!   "images": [ { "id": "<64 hex>", "content_type": "image/png", "data": "<base64>" } ] }
//! ```
//!
//! The quiz is the same shape the REST API takes (`QuizInput`), so the file never drifts from the editor.
//! Images travel inside the file (base64) because a quiz file must stand alone: a backup that points at
//! another server's image store is useless once that server is gone.
//!
//! Versioning: a reader accepts every version up to its own [`VERSION`] and refuses newer ones with a clear
//! message, because a newer writer may have added something this reader would silently drop. Additions that
//! an older reader can ignore safely do not bump the version (unknown fields are ignored).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cahoot_game::{FieldError, QuizInput};
use serde::{Deserialize, Serialize};

/// The `format` of every Cahoot quiz file; anything else is some other JSON file.
pub const FORMAT: &str = "cahoot-quiz";
/// The version this crate writes, and the newest it reads.
pub const VERSION: u32 = 1;
/// The largest quiz file accepted, checked before parsing: a quiz is at most 100 questions and a handful of
/// images, so anything bigger is a mistake or an attack, and parsing it would cost memory for nothing.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// The file as stored. Public so other tools (and tests) can build or inspect one directly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizDocument {
    pub format: String,
    pub version: u32,
    pub quiz: QuizInput,
    #[serde(default)]
    pub images: Vec<EmbeddedImage>,
}

/// One image of the quiz. `id` is the id the questions refer to (`image`, `answer_images`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddedImage {
    pub id: String,
    pub content_type: String,
    /// The image's bytes, standard base64 with padding.
    pub data: String,
}

/// An image as the caller has it: `(id, content_type, bytes)`.
pub type ImageFile = (String, String, Vec<u8>);

/// A quiz file that passed every check: the quiz is validated and normalised (as `QuizInput::validate`
/// leaves it), and `images` holds exactly the images its questions refer to, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedQuiz {
    pub quiz: QuizInput,
    pub images: Vec<ImageFile>,
}

/// Why a quiz file was refused. The message says what to do; [`ImportError::field_errors`] lists the
/// problems of a file whose quiz is invalid, for a form to show next to each field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is {size} bytes; a quiz file is at most {max} bytes")]
    TooLarge { size: usize, max: usize },
    /// Not JSON, or JSON of the wrong shape. `message` is serde's and ends with the line and column.
    #[error("the quiz file is malformed: {message}")]
    Malformed {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("this is not a Cahoot quiz file: {reason}")]
    NotAQuizFile { reason: String },
    #[error(
        "this quiz file was made by a newer Cahoot (file format version {found}; this Cahoot reads up to \
         version {VERSION}): update Cahoot to import it"
    )]
    NewerVersion { found: u64 },
    #[error("the quiz file has an invalid version: {reason}")]
    BadVersion { reason: String },
    #[error("the image {id:?} in the quiz file is damaged: {reason}")]
    BadImage { id: String, reason: String },
    #[error("the quiz in this file is not valid: {}", summary(.0))]
    Invalid(Vec<FieldError>),
}

impl ImportError {
    /// The problems of an invalid quiz, naming the field like `questions[2].image`; empty for other errors.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            ImportError::Invalid(errors) => errors,
            _ => &[],
        }
    }
}

/// The first few field errors, so a message stays readable when a file has hundreds.
fn summary(errors: &[FieldError]) -> String {
    const SHOWN: usize = 5;
    let mut text = errors
        .iter()
        .take(SHOWN)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if errors.len() > SHOWN {
        text.push_str(&format!(" (and {} more)", errors.len() - SHOWN));
    }
    text
}

/// The quiz file of `quiz` with `images` embedded, as pretty-printed JSON (people do open these files).
/// The caller passes the images the quiz refers to; any others are written too and dropped on import.
pub fn export(quiz: &QuizInput, images: Vec<ImageFile>) -> Vec<u8> {
    let document = QuizDocument {
        format: FORMAT.to_owned(),
        version: VERSION,
        quiz: quiz.clone(),
        images: images
            .into_iter()
            .map(|(id, content_type, bytes)| EmbeddedImage {
                id,
                content_type,
                data: STANDARD.encode(bytes),
            })
            .collect(),
    };
    // Serialising plain structs of strings, numbers and vectors into memory cannot fail (serde_json only
    // fails on non-string map keys or a failing writer; neither exists here).
    serde_json::to_vec_pretty(&document).expect("a quiz document always serialises")
}

/// Just the two fields that say whether the rest can be read, so a newer file is refused with a clear
/// message before its (possibly different) quiz shape produces a confusing parse error.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    format: Option<serde_json::Value>,
    #[serde(default)]
    version: Option<serde_json::Value>,
}

fn malformed(e: &serde_json::Error) -> ImportError {
    ImportError::Malformed {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

/// Reads a quiz file: size, JSON, format and version, images, then the quiz's own validation.
pub fn import(bytes: &[u8]) -> Result<ImportedQuiz, ImportError> {
    if bytes.len() > MAX_BYTES {
        return Err(ImportError::TooLarge {
            size: bytes.len(),
            max: MAX_BYTES,
        });
    }
    // Editors on Windows like to start UTF-8 files with a byte order mark; JSON parsers do not.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // A struct also deserialises from a JSON array; only an object is a quiz file.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        // Still let serde name the syntax error of something that is not JSON at all.
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            return Err(malformed(&e));
        }
        return Err(ImportError::NotAQuizFile {
            reason: "it is not a JSON object".into(),
        });
    }
    let header: Header = serde_json::from_slice(bytes).map_err(|e| malformed(&e))?;
    check_header(&header)?;
    let document: QuizDocument = serde_json::from_slice(bytes).map_err(|e| malformed(&e))?;

    let mut errors = Vec::new();
    let mut images: Vec<ImageFile> = Vec::with_capacity(document.images.len());
    for (k, image) in document.images.into_iter().enumerate() {
        let bytes = STANDARD
            .decode(image.data.as_bytes())
            .map_err(|e| ImportError::BadImage {
                id: image.id.clone(),
                reason: format!("its data is not valid base64 ({e})"),
            })?;
        if bytes.is_empty() {
            return Err(ImportError::BadImage {
                id: image.id,
                reason: "its data is empty".into(),
            });
        }
        if !image.content_type.starts_with("image/") {
            errors.push(FieldError {
                field: format!("images[{k}].content_type"),
                message: format!("must be an image type, not {:?}", image.content_type),
            });
        }
        if images.iter().any(|(id, _, _)| *id == image.id) {
            errors.push(FieldError {
                field: format!("images[{k}].id"),
                message: format!("the image {:?} appears twice", image.id),
            });
        }
        images.push((image.id, image.content_type, bytes));
    }

    // Every image a question shows must travel with it; an image no question shows is dropped.
    let mut used: Vec<&str> = Vec::new();
    for (i, q) in document.quiz.questions.iter().enumerate() {
        let references = q
            .image
            .iter()
            .map(|id| (format!("questions[{i}].image"), id))
            .chain(q.answer_images.iter().enumerate().filter_map(|(j, id)| {
                id.as_ref()
                    .map(|id| (format!("questions[{i}].answer_images[{j}]"), id))
            }));
        for (field, id) in references {
            if images.iter().any(|(have, _, _)| have == id) {
                used.push(id);
            } else {
                errors.push(FieldError {
                    field,
                    message: format!("the image {id:?} is not in the file's images"),
                });
            }
        }
    }
    images.retain(|(id, _, _)| used.contains(&id.as_str()));

    match document.quiz.clone().validate() {
        Ok(quiz) if errors.is_empty() => Ok(ImportedQuiz { quiz, images }),
        Ok(_) => Err(ImportError::Invalid(errors)),
        Err(mut invalid) => {
            invalid.extend(errors);
            Err(ImportError::Invalid(invalid))
        }
    }
}

fn check_header(header: &Header) -> Result<(), ImportError> {
    match &header.format {
        Some(serde_json::Value::String(f)) if f == FORMAT => {}
        Some(other) => {
            return Err(ImportError::NotAQuizFile {
                reason: format!("its \"format\" is {other}, not \"{FORMAT}\""),
            });
        }
        None => {
            return Err(ImportError::NotAQuizFile {
                reason: format!("it has no \"format\": \"{FORMAT}\""),
            });
        }
    }
    let version = match &header.version {
        None => {
            return Err(ImportError::BadVersion {
                reason: "the \"version\" field is missing".into(),
            });
        }
        Some(v) => v.as_u64().ok_or_else(|| ImportError::BadVersion {
            reason: format!("\"version\" must be a whole number, not {v}"),
        })?,
    };
    if version == 0 {
        return Err(ImportError::BadVersion {
            reason: "version 0 does not exist (versions start at 1)".into(),
        });
    }
    if version > u64::from(VERSION) {
        return Err(ImportError::NewerVersion { found: version });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cahoot_game::every_kind_quiz;

    const IMAGE_ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const OTHER_ID: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    /// A PNG signature and some bytes: any bytes do, images are opaque here.
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\x00";

    fn quiz_with_image() -> QuizInput {
        let mut quiz = every_kind_quiz();
        quiz.questions[0].image = Some(IMAGE_ID.into());
        quiz.questions[0].answer_images = vec![None, Some(IMAGE_ID.into())];
        quiz
    }

    fn image() -> ImageFile {
        (IMAGE_ID.into(), "image/png".into(), PNG.to_vec())
    }

    fn document() -> serde_json::Value {
        serde_json::from_slice(&export(&quiz_with_image(), vec![image()])).unwrap()
    }

    fn import_value(v: &serde_json::Value) -> Result<ImportedQuiz, ImportError> {
        import(&serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn every_kind_round_trips_with_its_image() {
        let quiz = quiz_with_image();
        let bytes = export(&quiz, vec![image()]);
        let imported = import(&bytes).unwrap();
        let normalised = quiz.validate().unwrap();
        assert_eq!(imported.quiz, normalised);
        assert_eq!(imported.images, vec![image()]);
        // A normalised quiz survives export and import unchanged.
        let again = import(&export(&normalised, imported.images)).unwrap();
        assert_eq!(again.quiz, normalised);
        assert_eq!(again.images, vec![image()]);
    }

    #[test]
    fn export_is_pretty_and_versioned() {
        let text = String::from_utf8(export(&every_kind_quiz(), vec![])).unwrap();
        assert!(text.starts_with("{\n  \"format\": \"cahoot-quiz\",\n  \"version\": 1,"));
        assert!(import(text.as_bytes()).unwrap().images.is_empty());
    }

    #[test]
    fn unreferenced_images_are_dropped() {
        let other = (OTHER_ID.to_owned(), "image/jpeg".to_owned(), vec![1, 2, 3]);
        let bytes = export(&quiz_with_image(), vec![other, image()]);
        assert_eq!(import(&bytes).unwrap().images, vec![image()]);
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let bytes = vec![b' '; MAX_BYTES + 1];
        assert_eq!(
            import(&bytes).unwrap_err(),
            ImportError::TooLarge {
                size: MAX_BYTES + 1,
                max: MAX_BYTES
            }
        );
    }

    #[test]
    fn wrong_format_is_refused() {
        let mut doc = document();
        doc["format"] = "kahoot".into();
        let err = import_value(&doc).unwrap_err();
        assert!(matches!(err, ImportError::NotAQuizFile { .. }), "{err}");
        assert!(err.to_string().contains("\"kahoot\""), "{err}");
        doc.as_object_mut().unwrap().remove("format");
        assert!(matches!(
            import_value(&doc).unwrap_err(),
            ImportError::NotAQuizFile { .. }
        ));
        assert!(matches!(
            import(b"[1, 2]").unwrap_err(),
            ImportError::NotAQuizFile { .. }
        ));
    }

    #[test]
    fn newer_versions_are_refused_clearly() {
        let mut doc = document();
        doc["version"] = 2.into();
        // A newer file may have a different quiz shape: the version is checked before the quiz is read.
        doc["quiz"] = serde_json::json!({"something": "new"});
        let err = import_value(&doc).unwrap_err();
        assert_eq!(err, ImportError::NewerVersion { found: 2 });
        assert!(err.to_string().contains("made by a newer Cahoot"), "{err}");
    }

    #[test]
    fn missing_or_zero_version_is_refused() {
        let mut doc = document();
        doc["version"] = 0.into();
        assert!(matches!(
            import_value(&doc).unwrap_err(),
            ImportError::BadVersion { .. }
        ));
        doc["version"] = "1".into();
        assert!(matches!(
            import_value(&doc).unwrap_err(),
            ImportError::BadVersion { .. }
        ));
        doc.as_object_mut().unwrap().remove("version");
        let err = import_value(&doc).unwrap_err();
        assert!(
            err.to_string().contains("\"version\" field is missing"),
            "{err}"
        );
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let err = import(b"{\n  \"format\": \"cahoot-quiz\",\n  \"version\": 1,,\n}").unwrap_err();
        match &err {
            ImportError::Malformed { line, column, .. } => assert_eq!((*line, *column), (3, 16)),
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("line 3 column 16"), "{err}");
        assert!(matches!(
            import(b"not json").unwrap_err(),
            ImportError::Malformed { line: 1, .. }
        ));
        assert!(matches!(
            import(b"").unwrap_err(),
            ImportError::Malformed { .. }
        ));
    }

    #[test]
    fn wrong_shape_is_malformed_with_position() {
        let mut doc = document();
        doc["quiz"]["questions"][1]["kind"] = "quiz".into();
        let err = import(&serde_json::to_vec_pretty(&doc).unwrap()).unwrap_err();
        assert!(matches!(err, ImportError::Malformed { .. }), "{err}");
        assert!(err.to_string().contains("unknown variant `quiz`"), "{err}");
    }

    #[test]
    fn bad_base64_names_the_image() {
        let mut doc = document();
        doc["images"][0]["data"] = "not base64!".into();
        let err = import_value(&doc).unwrap_err();
        assert!(
            matches!(&err, ImportError::BadImage { id, .. } if id == IMAGE_ID),
            "{err}"
        );
        assert!(err.to_string().contains(IMAGE_ID), "{err}");
    }

    #[test]
    fn missing_images_name_the_question_field() {
        let mut doc = document();
        doc["images"] = serde_json::json!([]);
        let err = import_value(&doc).unwrap_err();
        let fields: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(
            fields,
            ["questions[0].image", "questions[0].answer_images[1]"]
        );
        assert!(err.to_string().contains("questions[0].image"), "{err}");
    }

    #[test]
    fn duplicate_and_non_image_entries_are_field_errors() {
        let mut doc = document();
        let mut second = doc["images"][0].clone();
        second["content_type"] = "text/html".into();
        doc["images"].as_array_mut().unwrap().push(second);
        let err = import_value(&doc).unwrap_err();
        let fields: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(fields, ["images[1].content_type", "images[1].id"]);
    }

    #[test]
    fn the_quiz_is_validated() {
        let mut doc = document();
        doc["quiz"]["title"] = "".into();
        doc["quiz"]["questions"][0]["correct"] = 9.into();
        let err = import_value(&doc).unwrap_err();
        let fields: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(fields, ["title", "questions[0].correct"]);
        assert!(
            err.to_string()
                .starts_with("the quiz in this file is not valid: title:")
        );
    }

    #[test]
    fn older_or_equal_versions_and_a_bom_are_accepted() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(export(&every_kind_quiz(), vec![]));
        assert!(import(&bytes).is_ok());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Any texts that make a valid quiz survive the file unchanged: quotes, backslashes, emoji,
        /// right-to-left text and whatever else JSON has to escape.
        #[test]
        fn valid_texts_round_trip(
            title in "\\PC{1,100}",
            text in "\\PC{1,250}",
            answers in proptest::collection::vec("\\PC{1,100}", 2..=4),
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
        ) {
            let quiz = QuizInput {
                title,
                show_on_devices: true,
                questions: vec![cahoot_game::Question {
                    image: Some(IMAGE_ID.into()),
                    ..cahoot_game::Question::new(cahoot_game::QuestionKind::MultipleChoice, text)
                        .with_answers(answers)
                }],
            };
            let Ok(quiz) = quiz.validate() else { return Ok(()) };
            let image = (IMAGE_ID.to_owned(), "image/webp".to_owned(), bytes);
            let imported = import(&export(&quiz, vec![image.clone()])).unwrap();
            proptest::prop_assert_eq!(imported.quiz, quiz);
            proptest::prop_assert_eq!(imported.images, vec![image]);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = import(&bytes);
        }
    }

    #[test]
    fn mutated_files_never_panic() {
        // A cheap fuzz: flip, drop and duplicate bytes of a real file; every result must be Ok or Err.
        let bytes = export(&quiz_with_image(), vec![image()]);
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..2000 {
            let mut mutated = bytes.clone();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() % mutated.len() as u64) as usize;
                match next() % 3 {
                    0 => mutated[at] = next() as u8,
                    1 => {
                        mutated.remove(at);
                    }
                    _ => mutated.insert(at, mutated[at]),
                }
            }
            let _ = import(&mutated);
        }
    }
}
