//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::http::error::ApiError;
use crate::startup::AppState;

/// The process is up.
#[utoipa::path(tag = "health", responses((status = 200, description = "The process is up")))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database answers.
#[utoipa::path(tag = "health", responses(
    (status = 200, description = "The database answers"),
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
    Ok(HttpResponse::Ok().json(json!({"status": "ok", "database": "ok"})))
}
