//! HTTP handlers of privacy rights: one's export and erasure, administrators' reads of a
//! member's private data, and the access log. The services ask `auth::policy`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, web};

use super::model::{AccessLogEntry, AccessLogQuery, DataExport, EraseRequest};
use crate::accounts::model::Me;
use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::http::pagination::Page;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(export)
        .service(erase)
        .service(admin_user)
        .service(admin_export)
        .service(access_log);
}

/// The export as a JSON download.
fn download(document: &DataExport, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .json(document)
}

/// Everything Butterfly holds about you, as one JSON document: account and profile, posts in
/// every status with their earlier versions, reactions, flags, notifications, trial interests
/// and saved searches, coordinator applications and notices, sanctions and appeals, what
/// moderators noted about you, and when administrators read your data. Other people are not
/// in it: no reporters, no moderators' names, no authors of notifications.
#[utoipa::path(tag = "privacy", security(("bearer" = [])), responses(
    (status = 200, body = DataExport, description = "The export (sent as an attachment)"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
))]
#[get("/api/v1/me/export")]
pub async fn export(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let document = super::export_mine(&state, &caller).await?;
    Ok(download(&document, "butterfly-export.json"))
}

/// Erase your account, for good. Every session ends; the email address, display name, bio and
/// password go; so do your notifications, trial interests and saved searches, coordinator
/// applications, and what moderators noted about you. Your posts are removed (`remove`) or
/// stay signed "Former member" (`keep_anonymous`). The address can register again.
/// Wrong passwords count like failed logins (429 with `Retry-After` when too many).
#[utoipa::path(tag = "privacy", security(("bearer" = [])), request_body = EraseRequest, responses(
    (status = 204, description = "Erased; the tokens of every session stop working"),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "Malformed JSON"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Wrong `password`, or `content` not `remove` or `keep_anonymous`"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many wrong passwords"),
    (status = 503, body = Problem, content_type = "application/problem+json", description = "Server busy checking passwords; retry"),
))]
#[delete("/api/v1/me")]
pub async fn erase(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<EraseRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = crate::http::ratelimit::client_ip(&req);
    super::erase_me(&state, &caller, body.into_inner(), client).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A member's private profile (email address, state, role), for administrators. Each read is
/// written to the access log first.
#[utoipa::path(tag = "privacy", security(("bearer" = [])), params(("id" = i64, Path, description = "User id")), responses(
    (status = 200, body = Me),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an administrator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such member"),
))]
#[get("/api/v1/admin/users/{id}")]
pub async fn admin_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<Me>, ApiError> {
    Ok(web::Json(
        super::admin_profile(&state, &caller, id.into_inner()).await?,
    ))
}

/// A member's whole export (the same document as `GET /api/v1/me/export`), for
/// administrators. Each read is written to the access log first.
#[utoipa::path(tag = "privacy", security(("bearer" = [])), params(("id" = i64, Path, description = "User id")), responses(
    (status = 200, body = DataExport, description = "The export (sent as an attachment)"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an administrator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such member"),
))]
#[get("/api/v1/admin/users/{id}/export")]
pub async fn admin_export(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let document = super::admin_export(&state, &caller, id).await?;
    Ok(download(&document, &format!("butterfly-export-{id}.json")))
}

/// Administrators' reads of members' private data, newest first (administrators). The log is
/// insert-only: no endpoint changes or deletes it.
#[utoipa::path(tag = "privacy", security(("bearer" = [])), params(AccessLogQuery), responses(
    (status = 200, body = Page<AccessLogEntry>),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "Invalid cursor"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an administrator"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid limit"),
))]
#[get("/api/v1/admin/access-log")]
pub async fn access_log(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AccessLogQuery>,
) -> Result<web::Json<Page<AccessLogEntry>>, ApiError> {
    Ok(web::Json(
        super::access_log_page(&state, &caller, query.into_inner()).await?,
    ))
}
