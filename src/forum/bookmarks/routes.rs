//! HTTP handlers of bookmarks, configured from the forum's routes.

use actix_web::{HttpResponse, delete, get, patch, post, web};

use super::{Bookmark, BookmarkQuery, CreateBookmarkRequest, UpdateBookmarkRequest};
use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::http::pagination::Page;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_bookmarks)
        .service(create_bookmark)
        .service(update_bookmark)
        .service(delete_bookmark);
}

/// The caller's bookmarks, newest first. A bookmark of something the caller may no longer
/// read (held, hidden or removed by moderators, deleted) is `available: false`, without
/// title, excerpt or author.
#[utoipa::path(tag = "bookmarks", security(("bearer" = [])), params(BookmarkQuery), responses(
    (status = 200, body = Page<Bookmark>),
))]
#[get("/api/v1/me/bookmarks")]
pub async fn list_bookmarks(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<BookmarkQuery>,
) -> Result<web::Json<Page<Bookmark>>, ApiError> {
    Ok(web::Json(
        super::list(&state, &caller, query.into_inner()).await?,
    ))
}

/// Bookmark a post or a thread you may read (exactly one of `post_id` and `thread_id`), with
/// an optional private note and reminder: when it is due, you get one `bookmark_reminder`
/// notification.
#[utoipa::path(tag = "bookmarks", security(("bearer" = [])), request_body = CreateBookmarkRequest, responses(
    (status = 201, body = Bookmark),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such post or thread, or not one you may read"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "You have bookmarked it already"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Both ids or neither, a note over 200 characters, a reminder in the past or more than a year ahead"),
))]
#[post("/api/v1/me/bookmarks")]
pub async fn create_bookmark(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateBookmarkRequest>,
) -> Result<HttpResponse, ApiError> {
    let bookmark = super::create(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(bookmark))
}

/// Change a bookmark's note or reminder (`null` clears either). A new reminder goes out even
/// if an earlier one did.
#[utoipa::path(tag = "bookmarks", security(("bearer" = [])), params(("id" = i64, Path, description = "The bookmark")), request_body = UpdateBookmarkRequest, responses(
    (status = 200, body = Bookmark),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such bookmark of yours"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "A note over 200 characters, a reminder in the past or more than a year ahead"),
))]
#[patch("/api/v1/me/bookmarks/{id}")]
pub async fn update_bookmark(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<UpdateBookmarkRequest>,
) -> Result<web::Json<Bookmark>, ApiError> {
    Ok(web::Json(
        super::update(&state, &caller, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Delete a bookmark (and its reminder).
#[utoipa::path(tag = "bookmarks", security(("bearer" = [])), params(("id" = i64, Path, description = "The bookmark")), responses(
    (status = 204, description = "Deleted"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such bookmark of yours"),
))]
#[delete("/api/v1/me/bookmarks/{id}")]
pub async fn delete_bookmark(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    super::delete(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
