//! The response envelope every endpoint answers with, and the error envelope with its
//! stable codes.

use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Object, Union};
use sea_orm::DbErr;

/// Offset pagination: which page of how many, out of how many rows.
#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PageMeta {
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    /// When `total` was counted, where totals are cached (`api.count_cache_secs`).
    #[oai(skip_serializing_if_is_none)]
    pub total_as_of: Option<chrono::DateTime<chrono::Utc>>,
}

impl PageMeta {
    /// A page with a total counted just now.
    pub fn new(page: u64, per_page: u64, total: u64) -> Self {
        Self { page, per_page, total, total_as_of: None }
    }
}

/// Cursor pagination: the token of the next page (null on the last) and the page size.
#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CursorMeta {
    pub next_cursor: Option<String>,
    pub limit: u64,
}

#[derive(Clone, Debug, Union)]
pub enum Meta {
    Page(PageMeta),
    Cursor(CursorMeta),
}

/// `{"success":true,"data":…,"meta":…}`.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Envelope<T: ParseFromJSON + ToJSON> {
    pub success: bool,
    pub data: T,
    #[oai(skip_serializing_if_is_none)]
    pub meta: Option<Meta>,
}

/// A successful answer with its data and optional pagination.
pub fn ok<T: ParseFromJSON + ToJSON>(data: T, meta: Option<Meta>) -> Json<Envelope<T>> {
    Json(Envelope { success: true, data, meta })
}

/// A stable machine-readable code, a human message and structured details.
#[derive(Debug, Object)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub details: serde_json::Value,
}

/// `{"success":false,"error":{…}}`.
#[derive(Debug, Object)]
pub struct ErrorEnvelope {
    pub success: bool,
    pub error: ErrorBody,
}

/// Why a request failed, before it becomes a response.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid `{field}`: {message}")]
    Validation { field: String, message: String },
    #[error("{0} not found")]
    NotFound(String),
    /// No credentials where they are needed, or credentials that do not verify.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Valid credentials whose role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The request clashes with the current state (a duplicate, a finished item).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A dependency this endpoint needs is not configured (no queue, no schedules).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The queue backend failed.
    #[error("queue: {0}")]
    Queue(#[from] jobs::QueueError),
    #[error("database: {0}")]
    Database(#[from] DbErr),
}

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation { field: field.to_owned(), message: message.into() }
    }
}

/// The error responses every endpoint may give.
#[derive(Debug, ApiResponse)]
pub enum ErrorResponse {
    /// Bad input: `VALIDATION_ERROR`, naming the field.
    #[oai(status = 400)]
    BadRequest(Json<ErrorEnvelope>),
    /// `UNAUTHORIZED`: credentials missing or invalid.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorEnvelope>),
    /// `FORBIDDEN`: the caller's role may not do this.
    #[oai(status = 403)]
    Forbidden(Json<ErrorEnvelope>),
    /// `NOT_FOUND`.
    #[oai(status = 404)]
    NotFound(Json<ErrorEnvelope>),
    /// `CONFLICT`.
    #[oai(status = 409)]
    Conflict(Json<ErrorEnvelope>),
    /// `VALIDATION_ERROR` on `body`: a request body over 1 MiB.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorEnvelope>),
    /// `VALIDATION_ERROR` on `body`: a request body that is not `application/json`.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorEnvelope>),
    /// `RATE_LIMITED`, with `Retry-After` in seconds.
    #[oai(status = 429)]
    RateLimited(Json<ErrorEnvelope>, #[oai(header = "Retry-After")] u64),
    /// `UNAVAILABLE`: the server runs without what this endpoint needs.
    #[oai(status = 503)]
    Unavailable(Json<ErrorEnvelope>),
    /// `INTERNAL`, with a generic message.
    #[oai(status = 500)]
    Internal(Json<ErrorEnvelope>),
}

pub(crate) fn body(code: &str, message: String, details: serde_json::Value) -> Json<ErrorEnvelope> {
    Json(ErrorEnvelope { success: false, error: ErrorBody { code: code.to_owned(), message, details } })
}

/// A 400 naming the field that was wrong.
pub fn validation_body(field: &str, message: &str) -> Json<ErrorEnvelope> {
    body(
        "VALIDATION_ERROR",
        format!("invalid `{field}`: {message}"),
        serde_json::json!({ "field": field, "reason": message }),
    )
}

/// A 500 that says nothing about the cause; the cause goes to the log only.
pub fn internal_body() -> Json<ErrorEnvelope> {
    body("INTERNAL", "internal server error".to_owned(), serde_json::Value::Null)
}

impl From<ApiError> for ErrorResponse {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Validation { field, message } => Self::BadRequest(validation_body(&field, &message)),
            ApiError::NotFound(what) => {
                Self::NotFound(body("NOT_FOUND", format!("{what} not found"), serde_json::Value::Null))
            }
            ApiError::Unauthorized(why) => Self::Unauthorized(body(
                "UNAUTHORIZED",
                "authentication required".to_owned(),
                serde_json::json!({ "reason": why }),
            )),
            ApiError::Forbidden(why) => Self::Forbidden(body("FORBIDDEN", why, serde_json::Value::Null)),
            ApiError::Unavailable(why) => {
                Self::Unavailable(body("UNAVAILABLE", why, serde_json::Value::Null))
            }
            ApiError::Conflict(why) => Self::Conflict(body("CONFLICT", why, serde_json::Value::Null)),
            ApiError::Database(err) => {
                tracing::error!(error = %err, "database error while answering a request");
                Self::Internal(internal_body())
            }
            ApiError::Queue(err) => {
                tracing::error!(error = %err, "queue error while answering a request");
                Self::Internal(internal_body())
            }
        }
    }
}

impl From<jobs::QueueError> for ErrorResponse {
    fn from(e: jobs::QueueError) -> Self {
        ApiError::Queue(e).into()
    }
}

impl From<DbErr> for ErrorResponse {
    fn from(e: DbErr) -> Self {
        ApiError::Database(e).into()
    }
}

/// What an endpoint returns.
pub type ApiResult<T> = Result<Json<Envelope<T>>, ErrorResponse>;

/// poem-openapi reports path parameters by position (`param0`, `param1`, …), not by
/// name; every path of this API has exactly one, `{id}`.
fn path_param_name(positional: &str) -> &str {
    match positional {
        "param0" => "id",
        other => other,
    }
}

/// Turns every error poem or poem-openapi raises on its own (a parameter that does not
/// parse, an unknown route, a panic-free failure) into the error envelope, so clients
/// see one error format.
pub async fn render_error(err: poem::Error) -> Response {
    if err.is_from_response() {
        return err.into_response();
    }
    if let Some(p) = err.downcast_ref::<poem_openapi::error::ParseParamError>() {
        return ErrorResponse::BadRequest(validation_body(p.name, &p.reason)).into_response();
    }
    if let Some(p) = err.downcast_ref::<poem_openapi::error::ParsePathError>() {
        return ErrorResponse::BadRequest(validation_body(path_param_name(p.name), &p.reason))
            .into_response();
    }
    let status = err.status();
    if status == poem::http::StatusCode::UNAUTHORIZED {
        return ErrorResponse::from(ApiError::Unauthorized("credentials required".to_owned()))
            .into_response();
    }
    if status == poem::http::StatusCode::UNSUPPORTED_MEDIA_TYPE {
        let b = validation_body("body", "must be application/json");
        return ErrorResponse::UnsupportedMediaType(b).into_response();
    }
    if status == poem::http::StatusCode::NOT_FOUND {
        let b = body("NOT_FOUND", "no such resource".to_owned(), serde_json::Value::Null);
        return ErrorResponse::NotFound(b).into_response();
    }
    if status.is_client_error() {
        let b = body("VALIDATION_ERROR", err.to_string(), serde_json::Value::Null);
        return (status, b).into_response();
    }
    tracing::error!(error = %err, %status, "request failed");
    ErrorResponse::Internal(internal_body()).into_response()
}
