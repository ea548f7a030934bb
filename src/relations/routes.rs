//! HTTP handlers of ignoring members.

use actix_web::{HttpResponse, delete, get, put, web};

use super::{IgnoredMember, IgnoredQuery};
use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::pagination::Page;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_ignored)
        .service(ignore_member)
        .service(unignore_member);
}

/// The members the caller ignores.
#[utoipa::path(tag = "ignore", security(("bearer" = [])), params(IgnoredQuery), responses(
    (status = 200, body = Page<IgnoredMember>),
))]
#[get("/api/v1/me/ignored")]
pub async fn list_ignored(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<IgnoredQuery>,
) -> Result<web::Json<Page<IgnoredMember>>, ApiError> {
    Ok(web::Json(
        super::list(&state, &caller, query.into_inner()).await?,
    ))
}

/// Ignore a member: her posts are collapsed for you (`author_ignored` in thread and post
/// answers) and none of her replies, mentions or messages reach you. She is not told.
/// Ignoring someone already ignored changes nothing.
#[utoipa::path(tag = "ignore", security(("bearer" = [])), params(("user_id" = i64, Path, description = "The member to ignore")), responses(
    (status = 204, description = "Ignored"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Yourself"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such member"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "1,000 members ignored already"),
))]
#[put("/api/v1/me/ignored/{user_id}")]
pub async fn ignore_member(
    state: web::Data<AppState>,
    caller: Caller,
    user_id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    super::ignore(&state, &caller, user_id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Stop ignoring a member (whether or not you did).
#[utoipa::path(tag = "ignore", security(("bearer" = [])), params(("user_id" = i64, Path, description = "The member to stop ignoring")), responses(
    (status = 204, description = "Not ignored"),
))]
#[delete("/api/v1/me/ignored/{user_id}")]
pub async fn unignore_member(
    state: web::Data<AppState>,
    caller: Caller,
    user_id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    super::unignore(&state, &caller, user_id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
