//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::startup::AppState;

/// A probe's answer.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    status: &'static str,
    /// `ok`: the database answered (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<&'static str>,
}

/// The process is up.
#[utoipa::path(tag = "health", responses((status = 200, body = Health, description = "The process is up")))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        database: None,
    })
}

/// The database answers.
#[utoipa::path(tag = "health", responses(
    (status = 200, body = Health, description = "The database answers"),
    (status = 503, description = "The database does not answer", body = crate::http::error::Problem, content_type = "application/problem+json"),
))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .db
        .read(|conn| conn.batch_execute("SELECT 1").map_err(ApiError::from))
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "readiness check failed");
            ApiError::Unavailable {
                detail: "the database is not reachable".into(),
                retry_after: 5,
            }
        })?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        database: Some("ok"),
    }))
}
