//! Quizzes in and out of Cahoot: export as a versioned JSON file with its pictures
//! (`GET /api/quizzes/{id}/export`), and import (`POST /api/quizzes/import`) of such a file or of a
//! Kahoot! quiz spreadsheet. The formats themselves are `cahoot-formats`' (docs/import-export.md); this
//! module reads the upload, re-checks every embedded picture like an upload, and stores the result.

use crate::AppState;
use crate::auth::AuthUser;
use crate::durable::{ImageQuota, NewImage, PutImage, Quiz};
use crate::error::{ApiError, ErrorBody, FieldProblem};
use crate::http::Json;
use crate::images::{self, process};
use crate::quizzes::{not_found_as_quiz, quiz_id, validated};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cahoot_formats::{kahoot, quiz_json};
use cahoot_game::QuizInput;
use cahoot_protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_quiz))
        .routes(routes!(import_quiz))
}

/// Every picture a quiz refers to, once each, in order of appearance.
fn image_ids(quiz: &QuizInput) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for q in &quiz.questions {
        for id in q.image.iter().chain(q.answer_images.iter().flatten()) {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
    }
    ids
}

/// Download one of your quizzes as a Cahoot quiz file (JSON, format `cahoot-quiz`, its pictures embedded).
#[utoipa::path(get, path = "/api/quizzes/{id}/export", tag = "quizzes",
    params(("id" = Uuid, Path, description = "quiz id")),
    responses(
        (status = 200, body = Object, description = "the quiz file (docs/import-export.md)"),
        (status = 404, body = ErrorBody, description = "`quiz_not_found`")),
    security(("bearer" = [])))]
pub async fn export_quiz(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let quiz = state
        .durable
        .get_quiz(user.user_id, quiz_id(&id)?)
        .await
        .map_err(not_found_as_quiz)?;
    let input = quiz.input();
    let mut pictures = Vec::new();
    for id in image_ids(&input) {
        // A picture deleted after it was attached is left out; the import then reports the question.
        if let Ok(image) = state.durable.get_image(&id).await {
            pictures.push((id, image.content_type, image.bytes));
        }
    }
    let file = quiz_json::export(&input, pictures);
    let mut response = file.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let disposition = format!("attachment; filename=\"cahoot-quiz-{}.json\"", quiz.id);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportParams {
    /// The uploaded file's name: a spreadsheet's quiz is titled after it (`My quiz.xlsx` → "My quiz").
    pub title: Option<String>,
}

/// A spreadsheet row that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportRowError {
    /// 1-based, as the spreadsheet numbers it.
    pub row: u32,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportedQuiz {
    pub quiz: Quiz,
    /// Kahoot! spreadsheets: the rows left out; empty for a Cahoot quiz file.
    pub errors: Vec<ImportRowError>,
}

/// The biggest file import reads: a Cahoot quiz file with its pictures.
pub const MAX_IMPORT_BYTES: usize = quiz_json::MAX_BYTES;

fn invalid_import(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidImport, message)
}

fn import_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        format!("import files may be at most {MAX_IMPORT_BYTES} bytes"),
    )
}

/// Import a quiz: the body is the file itself, either a Cahoot quiz file (JSON, as exported) or a Kahoot!
/// quiz spreadsheet (.xlsx, their public template), told apart by its bytes. Spreadsheet rows that cannot
/// be imported are skipped and listed in `errors`; a file that yields no valid quiz changes nothing.
#[utoipa::path(post, path = "/api/quizzes/import", tag = "quizzes",
    params(ImportParams),
    request_body(description = "the file's bytes",
        content(("application/json"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("application/octet-stream"))),
    responses(
        (status = 201, body = ImportedQuiz),
        (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`image_quota_exceeded`"),
        (status = 413, body = ErrorBody, description = "`payload_too_large`"),
        (status = 422, body = ErrorBody,
            description = "`invalid_import` (not a quiz file or spreadsheet, damaged, newer format, no valid row), `invalid_quiz` (the file's quiz breaks a rule; `errors` lists each), `invalid_image`")),
    security(("bearer" = [])))]
pub async fn import_quiz(
    State(state): State<AppState>,
    user: AuthUser,
    Query(params): Query<ImportParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<ImportedQuiz>), ApiError> {
    let bytes = images::read_limited(&headers, body, MAX_IMPORT_BYTES, import_too_large).await?;
    // Both formats parse and validate without touching a store: nothing is written for a bad file.
    let (input, pictures, errors) = if bytes.starts_with(b"PK\x03\x04") {
        let title = kahoot::title_from_file_name(params.title.as_deref().unwrap_or(""));
        let imported = tokio::task::spawn_blocking(move || kahoot::import(&bytes, &title))
            .await
            .map_err(ApiError::internal)?
            .map_err(kahoot_error)?;
        let errors = imported
            .errors
            .into_iter()
            .map(|e| ImportRowError {
                row: e.row,
                message: e.message,
            })
            .collect();
        (imported.quiz, Vec::new(), errors)
    } else {
        let imported = quiz_json::import(&bytes).map_err(quiz_file_error)?;
        // Every picture is checked and re-encoded exactly like an upload; its id may change with that.
        let pictures = tokio::task::spawn_blocking(move || {
            imported
                .images
                .into_iter()
                .map(|(id, _, bytes)| Ok((id, process::process(&bytes)?)))
                .collect::<Result<Vec<_>, process::ImageError>>()
        })
        .await
        .map_err(ApiError::internal)??;
        (imported.quiz, pictures, Vec::new())
    };
    let renamed: HashMap<&str, &str> = pictures
        .iter()
        .map(|(old, p)| (old.as_str(), p.id.as_str()))
        .collect();
    let mut input = input;
    for q in &mut input.questions {
        for id in q
            .image
            .iter_mut()
            .chain(q.answer_images.iter_mut().flatten())
        {
            if let Some(new) = renamed.get(id.as_str()) {
                *id = (*new).to_owned();
            }
        }
    }
    let input = validated(input)?;
    let quota = ImageQuota {
        max_count: state.config.image_quota_count,
        max_bytes: state.config.image_quota_bytes,
    };
    let now = OffsetDateTime::now_utc();
    for (_, picture) in &pictures {
        let stored = state
            .durable
            .put_image(
                NewImage {
                    owner_id: user.user_id,
                    id: &picture.id,
                    content_type: picture.content_type,
                    bytes: &picture.bytes,
                    width: picture.width,
                    height: picture.height,
                    now,
                },
                quota,
            )
            .await?;
        if let PutImage::OverQuota(_) = stored {
            return Err(ApiError::conflict(
                ErrorCode::ImageQuotaExceeded,
                "the quiz's pictures do not fit in your image quota; delete some pictures first",
            ));
        }
    }
    let quiz = state.durable.create_quiz(user.user_id, &input, now).await?;
    Ok((StatusCode::CREATED, Json(ImportedQuiz { quiz, errors })))
}

fn quiz_file_error(err: quiz_json::ImportError) -> ApiError {
    match &err {
        quiz_json::ImportError::TooLarge { .. } => import_too_large(),
        // Like every JSON endpoint: a body that does not parse is `invalid_json`, with line and column.
        quiz_json::ImportError::Malformed { .. } => {
            ApiError::bad_request(ErrorCode::InvalidJson, err.to_string())
        }
        quiz_json::ImportError::Invalid(problems) => {
            let problems: Vec<FieldProblem> = problems
                .iter()
                .map(|e| FieldProblem {
                    field: e.field.clone(),
                    message: e.message.clone(),
                })
                .collect();
            let field = problems
                .first()
                .map(|p| p.field.clone())
                .unwrap_or_default();
            ApiError::unprocessable(ErrorCode::InvalidQuiz, err.to_string())
                .with_field(field)
                .with_problems(problems)
        }
        _ => invalid_import(err.to_string()),
    }
}

fn kahoot_error(err: kahoot::KahootError) -> ApiError {
    if let kahoot::KahootError::TooLarge { .. } = err {
        return import_too_large();
    }
    let problems: Vec<FieldProblem> = err
        .row_errors()
        .iter()
        .map(|e| FieldProblem {
            field: format!("row {}", e.row),
            message: e.message.clone(),
        })
        .collect();
    invalid_import(err.to_string()).with_problems(problems)
}
