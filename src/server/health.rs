//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::db::{DbError, Outage};
use crate::http::error::ApiError;

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

/// The database answers and, on SQLite, its disk has room for a write.
#[utoipa::path(tag = "health", responses(
    (status = 200, body = Health, description = "The database answers and can be written to"),
    (status = 503, description = "The database does not answer, or its disk is full; `detail` says which", body = crate::http::error::Problem, content_type = "application/problem+json"),
))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    let checked = web::block(move || db.check_ready())
        .await
        .unwrap_or(Err(DbError::Cancelled));
    if let Err(e) = checked {
        tracing::warn!(error = %e, "readiness check failed");
        let detail = match e.outage() {
            Some(Outage::StorageFull) => "the disk under the database is full",
            _ => "the database is not reachable",
        };
        return Err(ApiError::Unavailable {
            detail: detail.into(),
            retry_after: 5,
        });
    }
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        database: Some("ok"),
    }))
}
