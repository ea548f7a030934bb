//! HTTP handlers of in-app notifications.

use actix_web::{HttpResponse, get, post, web};

use super::inapp::{self, MarkReadRequest, Notification, NotificationQuery};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::policy::{Action, authorize};
use crate::http::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::http::pagination::Page;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(mark_read);
}

/// The caller's notifications, newest first.
#[utoipa::path(tag = "notifications", security(("bearer" = [])), params(NotificationQuery), responses(
    (status = 200, body = Page<Notification>),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
))]
#[get("/api/v1/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<NotificationQuery>,
) -> Result<web::Json<Page<Notification>>, ApiError> {
    authorize(&caller, Action::ReadOwnAccount)?;
    Ok(web::Json(
        inapp::list(&state, caller.user_id, query.into_inner()).await?,
    ))
}

/// Mark notifications read: `{"ids": [..]}` or `{"all": true}`.
#[utoipa::path(tag = "notifications", security(("bearer" = [])), request_body = MarkReadRequest, responses(
    (status = 204, description = "Marked read"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Neither ids nor all given"),
))]
#[post("/api/v1/notifications/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<MarkReadRequest>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, Action::ReadOwnAccount)?;
    inapp::mark_read(&state, caller.user_id, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
