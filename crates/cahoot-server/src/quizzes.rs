//! A host's quizzes: list, create, read, replace (reorder = send the questions in the new order), duplicate,
//! delete, and a ready-made sample. Another host's quiz answers exactly like a missing one.

use crate::AppState;
use crate::auth::AuthUser;
use crate::durable::{Quiz, QuizSummary, StoreError};
use crate::error::{ApiError, ErrorBody, FieldProblem};
use crate::http::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cahoot_game::{FieldError, QuizInput};
use cahoot_protocol::ErrorCode;
use time::OffsetDateTime;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_quizzes, create_quiz))
        .routes(routes!(create_sample_quiz))
        .routes(routes!(get_quiz, replace_quiz, delete_quiz))
        .routes(routes!(duplicate_quiz))
}

fn quiz_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::QuizNotFound, "no such quiz")
}

pub(crate) fn not_found_as_quiz(err: StoreError) -> ApiError {
    match err {
        StoreError::NotFound => quiz_not_found(),
        other => other.into(),
    }
}

/// A quiz id from the path; anything that is not a UUID names no quiz.
pub(crate) fn quiz_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| quiz_not_found())
}

/// `QuizInput::validate` as a 422 `invalid_quiz` naming the first field, with every problem listed.
pub(crate) fn validated(input: QuizInput) -> Result<QuizInput, ApiError> {
    input.validate().map_err(|errors: Vec<FieldError>| {
        let message = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        let field = errors.first().map(|e| e.field.clone()).unwrap_or_default();
        let problems = errors
            .into_iter()
            .map(|e| FieldProblem {
                field: e.field,
                message: e.message,
            })
            .collect();
        ApiError::unprocessable(ErrorCode::InvalidQuiz, message)
            .with_field(field)
            .with_problems(problems)
    })
}

/// Your quizzes, most recently edited first.
#[utoipa::path(get, path = "/api/quizzes", tag = "quizzes",
    responses((status = 200, body = Vec<QuizSummary>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_quizzes(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<QuizSummary>>, ApiError> {
    Ok(Json(state.durable.list_quizzes(user.user_id).await?))
}

/// Create a quiz.
#[utoipa::path(post, path = "/api/quizzes", tag = "quizzes",
    request_body = QuizInput,
    responses(
        (status = 201, body = Quiz),
        (status = 422, body = ErrorBody, description = "`invalid_quiz`, `field` names the first problem")),
    security(("bearer" = [])))]
pub async fn create_quiz(
    State(state): State<AppState>,
    user: AuthUser,
    Json(input): Json<QuizInput>,
) -> Result<(StatusCode, Json<Quiz>), ApiError> {
    let input = validated(input)?;
    let quiz = state
        .durable
        .create_quiz(user.user_id, &input, OffsetDateTime::now_utc())
        .await?;
    Ok((StatusCode::CREATED, Json(quiz)))
}

/// Create a ready-to-play sample quiz.
#[utoipa::path(post, path = "/api/quizzes/sample", tag = "quizzes",
    responses((status = 201, body = Quiz)),
    security(("bearer" = [])))]
pub async fn create_sample_quiz(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<(StatusCode, Json<Quiz>), ApiError> {
    let input = validated(cahoot_game::sample_quiz())?;
    let quiz = state
        .durable
        .create_quiz(user.user_id, &input, OffsetDateTime::now_utc())
        .await?;
    Ok((StatusCode::CREATED, Json(quiz)))
}

/// One of your quizzes.
#[utoipa::path(get, path = "/api/quizzes/{id}", tag = "quizzes",
    params(("id" = Uuid, Path, description = "quiz id")),
    responses((status = 200, body = Quiz), (status = 404, body = ErrorBody, description = "`quiz_not_found`")),
    security(("bearer" = [])))]
pub async fn get_quiz(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Quiz>, ApiError> {
    let quiz = state
        .durable
        .get_quiz(user.user_id, quiz_id(&id)?)
        .await
        .map_err(not_found_as_quiz)?;
    Ok(Json(quiz))
}

/// Replace title and questions; reorder by sending the questions in the new order.
#[utoipa::path(put, path = "/api/quizzes/{id}", tag = "quizzes",
    params(("id" = Uuid, Path, description = "quiz id")),
    request_body = QuizInput,
    responses(
        (status = 200, body = Quiz),
        (status = 404, body = ErrorBody, description = "`quiz_not_found`"),
        (status = 422, body = ErrorBody, description = "`invalid_quiz`")),
    security(("bearer" = [])))]
pub async fn replace_quiz(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(input): Json<QuizInput>,
) -> Result<Json<Quiz>, ApiError> {
    let id = quiz_id(&id)?;
    let input = validated(input)?;
    let quiz = state
        .durable
        .replace_quiz(user.user_id, id, &input, OffsetDateTime::now_utc())
        .await
        .map_err(not_found_as_quiz)?;
    Ok(Json(quiz))
}

/// Copy a quiz; the copy's title ends in " (copy)".
#[utoipa::path(post, path = "/api/quizzes/{id}/duplicate", tag = "quizzes",
    params(("id" = Uuid, Path, description = "quiz id")),
    responses((status = 201, body = Quiz), (status = 404, body = ErrorBody, description = "`quiz_not_found`")),
    security(("bearer" = [])))]
pub async fn duplicate_quiz(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Quiz>), ApiError> {
    let quiz = state
        .durable
        .duplicate_quiz(user.user_id, quiz_id(&id)?, OffsetDateTime::now_utc())
        .await
        .map_err(not_found_as_quiz)?;
    Ok((StatusCode::CREATED, Json(quiz)))
}

/// Delete a quiz. Finished games played from it keep their results.
#[utoipa::path(delete, path = "/api/quizzes/{id}", tag = "quizzes",
    params(("id" = Uuid, Path, description = "quiz id")),
    responses((status = 204), (status = 404, body = ErrorBody, description = "`quiz_not_found`")),
    security(("bearer" = [])))]
pub async fn delete_quiz(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .durable
        .delete_quiz(user.user_id, quiz_id(&id)?)
        .await
        .map_err(not_found_as_quiz)?;
    Ok(StatusCode::NO_CONTENT)
}
