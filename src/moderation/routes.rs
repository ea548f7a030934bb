//! HTTP handlers of moderation: flags, the queue, sanctions, notes, watched words, the logs and
//! appeals. Every moderation endpoint asks `auth::policy` for `Moderate` in its service.

use actix_web::{HttpResponse, delete, get, post, web};

use super::model::{
    AppealRequest, AppealView, DecisionRequest, FlagReceipt, FlagRequest, LogEntry, LogQuery,
    NoteRequest, NoteView, PublicLogEntry, QueueItem, QueueQuery, SanctionRequest, SanctionView,
    WatchedWordRequest, WatchedWordView,
};
use super::service::{self, DecisionOutcome};
use super::{appeals, sanctions, words};
use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::http::pagination::Page;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(flag_post)
        .service(queue)
        .service(queue_item)
        .service(claim)
        .service(release)
        .service(decide)
        .service(list_sanctions)
        .service(place_sanction)
        .service(lift_sanction)
        .service(list_notes)
        .service(add_note)
        .service(list_words)
        .service(add_word)
        .service(delete_word)
        .service(log)
        .service(public_log)
        .service(appeal);
}

/// Flag a post for the moderators (`note` required for `other`). Three members' flags hide
/// the post pending review.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = FlagRequest, responses(
    (status = 201, body = FlagReceipt),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Own post, or cannot write"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such post"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Already flagged by you, or not published"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Missing note for `other`, note too long"),
))]
#[post("/api/v1/posts/{id}/flags")]
pub async fn flag_post(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<FlagRequest>,
) -> Result<HttpResponse, ApiError> {
    let receipt = service::flag_post(&state, &caller, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(receipt))
}

/// The moderation queue, highest priority first (crisis items always on top).
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(QueueQuery), responses(
    (status = 200, body = Page<QueueItem>),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Unknown status or kind"),
))]
#[get("/api/v1/moderation/queue")]
pub async fn queue(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<QueueQuery>,
) -> Result<web::Json<Page<QueueItem>>, ApiError> {
    Ok(web::Json(
        service::queue_page(&state, &caller, query.into_inner()).await?,
    ))
}

/// One queue item.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 200, body = QueueItem),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such item"),
))]
#[get("/api/v1/moderation/queue/{id}")]
pub async fn queue_item(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<QueueItem>, ApiError> {
    Ok(web::Json(
        service::queue_item(&state, &caller, id.into_inner()).await?,
    ))
}

/// Claim an item for 30 minutes, so other moderators leave it alone.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 200, body = QueueItem),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such item"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Claimed by another moderator, or decided"),
))]
#[post("/api/v1/moderation/queue/{id}/claim")]
pub async fn claim(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<QueueItem>, ApiError> {
    Ok(web::Json(
        service::claim(&state, &caller, id.into_inner(), true).await?,
    ))
}

/// Release a claimed item.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 200, body = QueueItem),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator, or claimed by another"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such item"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Already decided"),
))]
#[post("/api/v1/moderation/queue/{id}/release")]
pub async fn release(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<QueueItem>, ApiError> {
    Ok(web::Json(
        service::claim(&state, &caller, id.into_inner(), false).await?,
    ))
}

/// Decide an item with a reason and the version you read; the author and reporters are told.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DecisionRequest, responses(
    (status = 200, body = DecisionOutcome),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator; an application needs an admin; an appeal needs another moderator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such item"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Stale version, already decided, or claimed by another"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Action not allowed for this kind, reason or body missing"),
))]
#[post("/api/v1/moderation/queue/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<DecisionRequest>,
) -> Result<web::Json<DecisionOutcome>, ApiError> {
    Ok(web::Json(
        service::decide(&state, &caller, id.into_inner(), body.into_inner()).await?,
    ))
}

/// A member's sanctions, newest first.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<SanctionView>),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such member"),
))]
#[get("/api/v1/moderation/users/{id}/sanctions")]
pub async fn list_sanctions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<SanctionView>>, ApiError> {
    Ok(web::Json(
        sanctions::list(&state, &caller, id.into_inner()).await?,
    ))
}

/// Warn, silence, suspend or ban a member. Suspension and ban end every session at once.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = SanctionRequest, responses(
    (status = 201, body = SanctionView),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator; target is a moderator or admin; self"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such member"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Missing reason, end in the past"),
))]
#[post("/api/v1/moderation/users/{id}/sanctions")]
pub async fn place_sanction(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<SanctionRequest>,
) -> Result<HttpResponse, ApiError> {
    let view = sanctions::place(&state, &caller, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Lift a sanction (never one's own).
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path), ("sid" = i64, Path)), responses(
    (status = 204, description = "Lifted"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator; own sanction; target outranks"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such sanction"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Already lifted"),
))]
#[delete("/api/v1/moderation/users/{id}/sanctions/{sid}")]
pub async fn lift_sanction(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, sid) = path.into_inner();
    sanctions::lift(&state, &caller, id, sid).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Moderators' private notes on a member.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<NoteView>),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such member"),
))]
#[get("/api/v1/moderation/users/{id}/notes")]
pub async fn list_notes(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<NoteView>>, ApiError> {
    Ok(web::Json(
        sanctions::notes(&state, &caller, id.into_inner()).await?,
    ))
}

/// Add a private note on a member; answers with all notes.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = NoteRequest, responses(
    (status = 201, body = Vec<NoteView>),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such member"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Empty or too long"),
))]
#[post("/api/v1/moderation/users/{id}/notes")]
pub async fn add_note(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<NoteRequest>,
) -> Result<HttpResponse, ApiError> {
    let notes = sanctions::add_note(&state, &caller, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(notes))
}

/// Watched-word rules.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), responses(
    (status = 200, body = Vec<WatchedWordView>),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator"),
))]
#[get("/api/v1/moderation/watched-words")]
pub async fn list_words(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<WatchedWordView>>, ApiError> {
    Ok(web::Json(words::list(&state, &caller).await?))
}

/// Add a watched-word rule: `block` refuses posts (422), `hold` holds them for review, `flag`
/// publishes and queues them.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), request_body = WatchedWordRequest, responses(
    (status = 201, body = WatchedWordView),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Pattern exists"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid pattern"),
))]
#[post("/api/v1/moderation/watched-words")]
pub async fn add_word(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<WatchedWordRequest>,
) -> Result<HttpResponse, ApiError> {
    let view = words::create(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Remove a watched-word rule.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 204, description = "Removed"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such rule"),
))]
#[delete("/api/v1/moderation/watched-words/{id}")]
pub async fn delete_word(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    words::delete(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The moderation log, newest first (moderators). It is append-only.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(LogQuery), responses(
    (status = 200, body = Page<LogEntry>),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator"),
))]
#[get("/api/v1/moderation/log")]
pub async fn log(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<LogQuery>,
) -> Result<web::Json<Page<LogEntry>>, ApiError> {
    Ok(web::Json(
        words::log(&state, &caller, query.into_inner()).await?,
    ))
}

/// The public moderation log: decisions about trial notices and about posts and threads shown
/// under their author's name, with moderator names replaced by "a moderator" and no removed
/// content. Decisions about members (sanctions, roles, appeals) and about anonymous posts are
/// never public, so that nothing in it ties an anonymous post to its author.
#[utoipa::path(tag = "moderation", params(LogQuery), responses(
    (status = 200, body = Page<PublicLogEntry>),
))]
#[get("/api/v1/modlog")]
pub async fn public_log(
    state: web::Data<AppState>,
    query: web::Query<LogQuery>,
) -> Result<web::Json<Page<PublicLogEntry>>, ApiError> {
    Ok(web::Json(
        words::public_log(&state, query.into_inner()).await?,
    ))
}

/// Appeal a moderation decision about your post, or a sanction on you, once.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), request_body = AppealRequest, responses(
    (status = 201, body = AppealView),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No decision or sanction of yours with this id"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Already appealed"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Text too short or long"),
))]
#[post("/api/v1/appeals")]
pub async fn appeal(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<AppealRequest>,
) -> Result<HttpResponse, ApiError> {
    let view = appeals::create(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}
