//! Pictures for quiz questions: a host uploads one (`POST /api/images`, the raw bytes as the body), lists
//! and deletes their own, and anyone loads one by its id (`GET /api/images/{id}`): players' phones show the
//! question's picture without an account. The id is the SHA-256 of the stored bytes, so it cannot be
//! guessed and a picture never changes under its id (cached for a year).
//!
//! Every upload is decoded and re-encoded ([`process`]): what is stored and served is never the uploaded
//! file itself. Another host's picture answers a delete exactly like a missing one.

pub mod process;

use crate::AppState;
use crate::auth::AuthUser;
use crate::durable::{ImageInfo, ImageQuota, ImageUsage, NewImage, PutImage, StoreError};
use crate::error::{ApiError, ErrorBody};
use crate::http::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cahoot_protocol::ErrorCode;
use futures_util::StreamExt;
use process::ImageError;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A picture's id never names other bytes, so caches may keep it for good.
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_images, upload_image))
        .routes(routes!(get_image, delete_image))
}

/// A stored picture, as the upload answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UploadedImage {
    /// Lowercase hex SHA-256 of the stored (re-encoded) bytes.
    pub id: String,
    /// Where anyone can load it: `/api/images/{id}`.
    pub url: String,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    /// Size of the stored picture.
    pub bytes: u64,
}

/// One of your pictures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListedImage {
    pub id: String,
    pub url: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What your pictures use of your quota, and the quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImageQuotaUsage {
    /// Total size of your stored pictures.
    pub bytes: u64,
    /// Number of your stored pictures.
    pub count: u64,
    /// The most `bytes` may reach (`image_quota_bytes`).
    pub quota_bytes: u64,
    /// The most `count` may reach (`image_quota_count`).
    pub quota_count: u64,
}

/// Your pictures with what they use of your quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImageList {
    /// Newest first.
    pub images: Vec<ListedImage>,
    pub usage: ImageQuotaUsage,
}

fn url_of(id: &str) -> String {
    format!("/api/images/{id}")
}

fn image_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::ImageNotFound, "no such image")
}

/// An image id from the path: 64 lowercase hex digits, anything else names no image.
fn image_id(raw: &str) -> Result<&str, ApiError> {
    let valid = raw.len() == 64 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    valid.then_some(raw).ok_or_else(image_not_found)
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::ImageTooLarge,
        format!("images may be at most {limit} bytes"),
    )
}

/// The request body, refused as soon as it passes `limit` bytes (whether or not a `Content-Length` said
/// so up front). The app-wide `max_body_bytes` does not apply to a raw `Body`, so this is the only limit.
pub(crate) async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    too_large: impl Fn() -> ApiError,
) -> Result<Vec<u8>, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::bad_request(ErrorCode::BadRequest, "the upload was interrupted")
        })?;
        if bytes.len() + chunk.len() > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

impl From<ImageError> for ApiError {
    fn from(err: ImageError) -> Self {
        let message = err.to_string();
        match err {
            ImageError::Unsupported => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedImage,
                message,
            ),
            ImageError::Invalid => ApiError::unprocessable(ErrorCode::InvalidImage, message),
            ImageError::TooManyPixels => {
                ApiError::unprocessable(ErrorCode::ImageDimensionsTooLarge, message)
            }
            ImageError::Encode(_) => ApiError::internal(err),
        }
    }
}

/// Upload a picture: the body is the image file itself (PNG, JPEG, WebP or GIF, at most `max_image_bytes`).
/// The format is read from the bytes, whatever `Content-Type` says. The picture is scaled down to 1600 px
/// on its longest side and re-encoded without metadata (JPEG stays JPEG, the rest becomes PNG); 200
/// instead of 201 when you had stored the same picture already.
#[utoipa::path(post, path = "/api/images", tag = "images",
    request_body(description = "the image file's bytes",
        content(("image/png"), ("image/jpeg"), ("image/webp"), ("image/gif"), ("application/octet-stream"))),
    responses(
        (status = 201, body = UploadedImage),
        (status = 200, body = UploadedImage, description = "you had uploaded this picture before"),
        (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`image_quota_exceeded`"),
        (status = 413, body = ErrorBody, description = "`image_too_large`: over `max_image_bytes`"),
        (status = 415, body = ErrorBody, description = "`unsupported_image`: not PNG, JPEG, WebP or GIF"),
        (status = 422, body = ErrorBody,
            description = "`invalid_image` (does not decode), `image_dimensions_too_large` (over 8192 × 8192 pixels or 256 MiB decoded)")),
    security(("bearer" = [])))]
pub async fn upload_image(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<UploadedImage>), ApiError> {
    let limit = state.config.max_image_bytes;
    let upload = read_limited(&headers, body, limit, || too_large(limit)).await?;
    // Decoding and encoding are CPU-bound: off the async workers.
    let picture = tokio::task::spawn_blocking(move || process::process(&upload))
        .await
        .map_err(ApiError::internal)??;
    let quota = ImageQuota {
        max_count: state.config.image_quota_count,
        max_bytes: state.config.image_quota_bytes,
    };
    let outcome = state
        .durable
        .put_image(
            NewImage {
                owner_id: user.user_id,
                id: &picture.id,
                content_type: picture.content_type,
                bytes: &picture.bytes,
                width: picture.width,
                height: picture.height,
                now: OffsetDateTime::now_utc(),
            },
            quota,
        )
        .await?;
    let status = match outcome {
        PutImage::Stored => StatusCode::CREATED,
        PutImage::AlreadyStored => StatusCode::OK,
        PutImage::OverQuota(used) => {
            return Err(ApiError::conflict(
                ErrorCode::ImageQuotaExceeded,
                format!(
                    "your images use {} of {} bytes and {} of {} pictures; delete some first",
                    used.bytes, quota.max_bytes, used.count, quota.max_count
                ),
            ));
        }
    };
    Ok((
        status,
        Json(UploadedImage {
            url: url_of(&picture.id),
            id: picture.id,
            content_type: picture.content_type.to_owned(),
            width: picture.width,
            height: picture.height,
            bytes: picture.bytes.len() as u64,
        }),
    ))
}

/// Your pictures, newest first, with your quota.
#[utoipa::path(get, path = "/api/images", tag = "images",
    responses((status = 200, body = ImageList), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_images(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<ImageList>, ApiError> {
    let images = state.durable.list_images(user.user_id).await?;
    let ImageUsage { bytes, count } = state.durable.image_usage(user.user_id).await?;
    Ok(Json(ImageList {
        images: images.into_iter().map(listed).collect(),
        usage: ImageQuotaUsage {
            bytes,
            count,
            quota_bytes: state.config.image_quota_bytes,
            quota_count: state.config.image_quota_count,
        },
    }))
}

fn listed(info: ImageInfo) -> ListedImage {
    ListedImage {
        url: url_of(&info.id),
        id: info.id,
        content_type: info.content_type,
        width: info.width,
        height: info.height,
        bytes: info.bytes,
        created_at: info.created_at,
    }
}

/// A picture, by id; no sign-in needed (players' phones load it). Cached for a year: an id always names the
/// same bytes. `If-None-Match` with its ETag (`"<id>"`) answers 304 without the bytes.
#[utoipa::path(get, path = "/api/images/{id}", tag = "images",
    params(
        ("id" = String, Path, description = "image id: 64 lowercase hex digits"),
        ("If-None-Match" = Option<String>, Header, description = "an ETag you have: `\"<id>\"`")),
    responses(
        (status = 200, description = "the picture", content(("image/png"), ("image/jpeg")),
            headers(
                ("ETag" = String, description = "`\"<id>\"`"),
                ("Cache-Control" = String, description = "`public, max-age=31536000, immutable`"))),
        (status = 304, description = "your copy (`If-None-Match`) is this picture"),
        (status = 404, body = ErrorBody, description = "`image_not_found`")))]
pub async fn get_image(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = image_id(&id)?;
    let image = state
        .durable
        .get_image(id)
        .await
        .map_err(not_found_as_image)?;
    let etag = format!("\"{id}\"");
    let mut response = if matches_etag(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let content_type =
            HeaderValue::from_str(&image.content_type).map_err(ApiError::internal)?;
        let mut response = image.bytes.into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type);
        response
    };
    let out = response.headers_mut();
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_FOREVER),
    );
    out.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).map_err(ApiError::internal)?,
    );
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// Whether `If-None-Match` names `etag` (or is `*`). Weak comparison, as RFC 9110 asks for this header.
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// Delete one of your pictures. Another host's copy of the same picture stays (and stays loadable by its id).
#[utoipa::path(delete, path = "/api/images/{id}", tag = "images",
    params(("id" = String, Path, description = "image id")),
    responses(
        (status = 204),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "`image_not_found`: unknown, or not yours")),
    security(("bearer" = [])))]
pub async fn delete_image(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .durable
        .delete_image(user.user_id, image_id(&id)?)
        .await
        .map_err(not_found_as_image)?;
    Ok(StatusCode::NO_CONTENT)
}

fn not_found_as_image(err: StoreError) -> ApiError {
    match err {
        StoreError::NotFound => image_not_found(),
        other => other.into(),
    }
}
