//! `ApiError`, the one error type of every handler and service, and its explicit mapping to
//! RFC 9457 `application/problem+json` responses.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{DbError, Outage};

/// Field name → message, for 422 answers.
pub type FieldErrors = BTreeMap<String, String>;

/// Everything a request can fail with. Each variant maps to exactly one status code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be read (malformed JSON, bad query string).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: authenticated, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 403: a moderator or administrator must turn on two-factor authentication before using
    /// staff powers (`auth.require_2fa_for_staff`).
    #[error("{0}")]
    TwoFactorRequired(String),
    /// 404: the thing does not exist, or the caller may not know it does.
    #[error("{0}")]
    NotFound(String),
    /// 405, with the methods the resource does allow.
    #[error("this method is not allowed here; allowed: {allowed}")]
    MethodNotAllowed { allowed: String },
    /// 409: the request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// 413.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: the request was read but its values are invalid.
    #[error("the request has invalid fields")]
    Validation(FieldErrors),
    /// 422 without a field map (for example an expired token).
    #[error("{0}")]
    Unprocessable(String),
    /// 429, with the seconds to wait.
    #[error("too many requests; try again in {retry_after} seconds")]
    TooManyRequests { retry_after: u64 },
    /// 503, with the seconds to wait.
    #[error("{detail}")]
    Unavailable { detail: String, retry_after: u64 },
    /// 507: the disk under the database is full, so nothing can be stored. The message is
    /// logged, never sent.
    #[error("the disk is full: {0}")]
    StorageFull(String),
    /// 500: a bug or an outage. The message is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_owned(), message.into());
        Self::Validation(errors)
    }

    /// Stable machine-readable code; also the last segment of the problem `type`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::TwoFactorRequired(_) => "two_factor_required",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Validation(_) => "validation_failed",
            Self::Unprocessable(_) => "unprocessable",
            Self::TooManyRequests { .. } => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::StorageFull(_) => "insufficient_storage",
            Self::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "Malformed request",
            Self::Unauthorized(_) => "Authentication required",
            Self::Forbidden(_) => "Not allowed",
            Self::TwoFactorRequired(_) => "Two-factor authentication required",
            Self::NotFound(_) => "Not found",
            Self::MethodNotAllowed { .. } => "Method not allowed",
            Self::Conflict(_) => "Conflict",
            Self::PayloadTooLarge(_) => "Request body too large",
            Self::UnsupportedMediaType(_) => "Unsupported content type",
            Self::Validation(_) => "Invalid request",
            Self::Unprocessable(_) => "Request cannot be processed",
            Self::TooManyRequests { .. } => "Too many requests",
            Self::Unavailable { .. } => "Service unavailable",
            Self::StorageFull(_) => "Insufficient storage",
            Self::Internal(_) => "Internal server error",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Internal(_) => "something went wrong on our side; please try again".into(),
            Self::StorageFull(_) => {
                "the server has no room left to store this; please try again later".into()
            }
            other => other.to_string(),
        }
    }
}

/// The problem document (RFC 9457) every error response carries.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation_failed",
    "title": "Invalid request",
    "status": 422,
    "detail": "the request has invalid fields",
    "code": "validation_failed",
    "errors": {"password": "must be at least 10 characters"}
}))]
pub struct Problem {
    /// URI reference identifying the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code (the last segment of `type`).
    pub code: String,
    /// Field name → message, on validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldErrors>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::TwoFactorRequired(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) | Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::StorageFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(message) => tracing::error!(error = %message, "internal error"),
            Self::StorageFull(message) => tracing::error!(error = %message, "the disk is full"),
            _ => {}
        }
        let status = self.status_code();
        let problem = Problem {
            kind: format!("/problems/{}", self.code()),
            title: self.title().into(),
            status: status.as_u16(),
            detail: self.detail(),
            code: self.code().into(),
            errors: match self {
                Self::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
        };
        let mut response = HttpResponse::build(status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match self {
            Self::TooManyRequests { retry_after } | Self::Unavailable { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::StorageFull(_) => {
                response.insert_header((header::RETRY_AFTER, STORAGE_RETRY_AFTER.to_string()));
            }
            Self::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::MethodNotAllowed { allowed } => {
                response.insert_header((header::ALLOW, allowed.as_str()));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&problem).unwrap_or_default())
    }
}

/// Seconds a client is asked to wait when the database is unreachable.
const DATABASE_RETRY_AFTER: u64 = 2;
/// Seconds a client is asked to wait when the disk is full (someone has to free space).
const STORAGE_RETRY_AFTER: u64 = 60;

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match (e.outage(), e) {
            (_, DbError::PoolTimeout) => Self::Unavailable {
                detail: "the database is busy; please try again".into(),
                retry_after: 1,
            },
            (Some(Outage::Unavailable), e) => {
                tracing::warn!(error = %e, "the database is unavailable");
                Self::Unavailable {
                    detail: "the database is unavailable; please try again shortly".into(),
                    retry_after: DATABASE_RETRY_AFTER,
                }
            }
            (Some(Outage::StorageFull), e) => Self::StorageFull(e.to_string()),
            (None, other) => Self::Internal(other.to_string()),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        Self::from(DbError::from(e))
    }
}
