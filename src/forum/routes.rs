//! HTTP handlers of the forum: extract, authorise, call the service, respond.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};

use super::digest::{self, DigestSettings};
use super::model::{
    Board, CreateBoardRequest, CreatePostRequest, CreateThreadRequest, EditPostRequest,
    ModerateThreadRequest, PageQuery, PostView, ReadRequest, Revision, SearchHit, SearchQuery,
    ThreadDetail, ThreadListQuery, ThreadSummary, Tracking, TrackingRequest, UpdateBoardRequest,
};
use super::reactions::{self, PostReactions};
use super::search;
use super::{boards, service, tracking};
use crate::app::AppState;
use crate::app::caller::MaybeCaller;
use crate::auth::Caller;
use crate::auth::policy::{Action, authorize};
use crate::http::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::http::pagination::Page;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_boards)
        .service(create_board)
        .service(get_board)
        .service(update_board)
        .service(list_threads)
        .service(create_thread)
        .service(get_thread)
        .service(moderate_thread)
        .service(list_posts)
        .service(create_post)
        .service(edit_post)
        .service(delete_post)
        .service(revisions)
        .service(add_reaction)
        .service(remove_reaction)
        .service(search_posts)
        .service(track_thread)
        .service(track_board)
        .service(mark_read)
        .service(digest_settings)
        .service(choose_digest)
        .configure(super::bookmarks::routes::configure);
}

/// Every board the caller may read, in display order, with thread count and last activity
/// (visitors do not see the boards for members only).
#[utoipa::path(tag = "forum", responses(
    (status = 200, body = Vec<Board>),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Invalid access token"),
))]
#[get("/api/v1/boards")]
pub async fn list_boards(
    state: web::Data<AppState>,
    caller: MaybeCaller,
) -> Result<web::Json<Vec<Board>>, ApiError> {
    Ok(web::Json(
        boards::list_boards(&state, caller.0.as_ref()).await?,
    ))
}

/// An answer about a board for members only tells search engines not to index it.
fn members_answer(body: impl serde::Serialize, members_only: bool) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if members_only {
        response.insert_header(("X-Robots-Tag", "noindex"));
    }
    response.json(body)
}

/// Create a board (administrators).
#[utoipa::path(tag = "forum", security(("bearer" = [])), request_body = CreateBoardRequest, responses(
    (status = 201, body = Board),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an administrator"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Slug taken"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields"),
))]
#[post("/api/v1/boards")]
pub async fn create_board(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateBoardRequest>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, Action::Administer)?;
    let board = boards::create_board(&state, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(board))
}

/// One board. A board for members only asks visitors to sign in.
#[utoipa::path(tag = "forum", params(("slug" = String, Path)), responses(
    (status = 200, body = Board, headers(("X-Robots-Tag" = String, description = "`noindex` when the board is for members only"))),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Invalid access token, or a board for members only asked by a visitor"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such board"),
))]
#[get("/api/v1/boards/{slug}")]
pub async fn get_board(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let board = boards::board(&state, caller.0.as_ref(), slug.into_inner()).await?;
    let members_only = board.members_only;
    Ok(members_answer(board, members_only))
}

/// Rename, describe, reorder, archive or unarchive a board, or make it members only
/// (administrators).
#[utoipa::path(tag = "forum", security(("bearer" = [])), params(("slug" = String, Path)), request_body = UpdateBoardRequest, responses(
    (status = 200, body = Board),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an administrator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such board"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields"),
))]
#[patch("/api/v1/boards/{slug}")]
pub async fn update_board(
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
    body: Json<UpdateBoardRequest>,
) -> Result<web::Json<Board>, ApiError> {
    authorize(&caller, Action::Administer)?;
    Ok(web::Json(
        boards::update_board(&state, slug.into_inner(), body.into_inner()).await?,
    ))
}

/// A board's threads: `sort=new|active|top`, optional `tag`, keyset pages. The threads of a
/// board for members only are for signed-in members.
#[utoipa::path(tag = "forum", params(("slug" = String, Path), ThreadListQuery), responses(
    (status = 200, body = Page<ThreadSummary>, headers(("X-Robots-Tag" = String, description = "`noindex` when the board is for members only"))),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad cursor or sort"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Invalid access token, or a board for members only read by a visitor"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such board"),
))]
#[get("/api/v1/boards/{slug}/threads")]
pub async fn list_threads(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    slug: web::Path<String>,
    query: web::Query<ThreadListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (page, members_only) = service::list_threads(
        &state,
        caller.0.as_ref(),
        slug.into_inner(),
        query.into_inner(),
    )
    .await?;
    Ok(members_answer(page, members_only))
}

/// Start a thread: title, markdown body, tags, optional anonymity and content warning.
#[utoipa::path(tag = "forum", security(("bearer" = [])), params(("slug" = String, Path)), request_body = CreateThreadRequest, responses(
    (status = 201, body = ThreadDetail),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Silenced, or not allowed to write here"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such board"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Board archived"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields, or too many links for a new member"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "New-member limits reached"),
))]
#[post("/api/v1/boards/{slug}/threads")]
pub async fn create_thread(
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
    body: Json<CreateThreadRequest>,
) -> Result<HttpResponse, ApiError> {
    let thread =
        service::create_thread(&state, &caller, slug.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(thread))
}

/// A thread with its first post.
#[utoipa::path(tag = "forum", params(("id" = i64, Path)), responses(
    (status = 200, body = ThreadDetail, headers(("X-Robots-Tag" = String, description = "`noindex` when the board is for members only"))),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Invalid access token, or a thread of a board for members only read by a visitor"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such thread, or not visible"),
))]
#[get("/api/v1/threads/{id}")]
pub async fn get_thread(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (thread, members_only) =
        service::get_thread(&state, caller.0.as_ref(), id.into_inner()).await?;
    Ok(members_answer(thread, members_only))
}

/// Lock or unlock, pin or unpin a thread (moderators).
#[utoipa::path(tag = "forum", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ModerateThreadRequest, responses(
    (status = 200, body = ThreadDetail),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a moderator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such thread"),
))]
#[patch("/api/v1/threads/{id}")]
pub async fn moderate_thread(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<ModerateThreadRequest>,
) -> Result<web::Json<ThreadDetail>, ApiError> {
    Ok(web::Json(
        service::moderate_thread(&state, &caller, id.into_inner(), body.into_inner()).await?,
    ))
}

/// A thread's posts, oldest first, keyset pages.
#[utoipa::path(tag = "forum", params(("id" = i64, Path), PageQuery), responses(
    (status = 200, body = Page<PostView>, headers(("X-Robots-Tag" = String, description = "`noindex` when the board is for members only"))),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Invalid access token, or a thread of a board for members only read by a visitor"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such thread, or not visible"),
))]
#[get("/api/v1/threads/{id}/posts")]
pub async fn list_posts(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (page, members_only) = service::list_posts(
        &state,
        caller.0.as_ref(),
        id.into_inner(),
        query.into_inner(),
    )
    .await?;
    Ok(members_answer(page, members_only))
}

/// Reply in a thread.
#[utoipa::path(tag = "forum", security(("bearer" = [])), params(("id" = i64, Path)), request_body = CreatePostRequest, responses(
    (status = 201, body = PostView),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Silenced, or not allowed to write here"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such thread"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Thread locked or board archived"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "New-member limits reached"),
))]
#[post("/api/v1/threads/{id}/posts")]
pub async fn create_post(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<CreatePostRequest>,
) -> Result<HttpResponse, ApiError> {
    let post = service::create_post(&state, &caller, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(post))
}

/// Edit one's post (and the title, for a first post); the earlier version is kept.
#[utoipa::path(tag = "forum", security(("bearer" = [])), params(("id" = i64, Path)), request_body = EditPostRequest, responses(
    (status = 200, body = PostView),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not the author"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such post"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Post deleted or removed, or thread locked"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields"),
))]
#[patch("/api/v1/posts/{id}")]
pub async fn edit_post(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<EditPostRequest>,
) -> Result<web::Json<PostView>, ApiError> {
    Ok(web::Json(
        service::edit_post(&state, &caller, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Delete one's post; a "[deleted]" placeholder stays so replies still make sense.
#[utoipa::path(tag = "forum", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 204, description = "Deleted"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not the author"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such post"),
))]
#[delete("/api/v1/posts/{id}")]
pub async fn delete_post(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    service::delete_post(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Earlier versions of a post (its author and moderators).
#[utoipa::path(tag = "forum", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Revision>),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Neither author nor moderator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such post"),
))]
#[get("/api/v1/posts/{id}/revisions")]
pub async fn revisions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<Revision>>, ApiError> {
    Ok(web::Json(
        service::revisions(&state, &caller, id.into_inner()).await?,
    ))
}

/// React to someone else's post (`support`, `helpful` or `hug`); idempotent.
#[utoipa::path(tag = "forum", security(("bearer" = [])), params(("id" = i64, Path), ("kind" = String, Path, description = "support, helpful or hug")), responses(
    (status = 200, body = PostReactions),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Own post, or cannot write"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such post or kind"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Post not published"),
))]
#[put("/api/v1/posts/{id}/reactions/{kind}")]
pub async fn add_reaction(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, String)>,
) -> Result<web::Json<PostReactions>, ApiError> {
    let (id, kind) = path.into_inner();
    Ok(web::Json(
        reactions::set_reaction(&state, &caller, id, &kind, true).await?,
    ))
}

/// Take a reaction back; idempotent.
#[utoipa::path(tag = "forum", security(("bearer" = [])), params(("id" = i64, Path), ("kind" = String, Path, description = "support, helpful or hug")), responses(
    (status = 200, body = PostReactions),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Own post, or cannot write"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such post or kind"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Post not published"),
))]
#[delete("/api/v1/posts/{id}/reactions/{kind}")]
pub async fn remove_reaction(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, String)>,
) -> Result<web::Json<PostReactions>, ApiError> {
    let (id, kind) = path.into_inner();
    Ok(web::Json(
        reactions::set_reaction(&state, &caller, id, &kind, false).await?,
    ))
}

/// Search thread titles and post bodies (English and Chinese), best match first.
#[utoipa::path(tag = "forum", params(SearchQuery), responses(
    (status = 200, body = Page<SearchHit>),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Invalid access token"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Empty or too long query, unknown board"),
))]
#[get("/api/v1/search")]
pub async fn search_posts(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<Page<SearchHit>>, ApiError> {
    Ok(web::Json(
        search::search(&state, caller.0.as_ref(), query.into_inner()).await?,
    ))
}

/// Follow a thread: `watching` (every new post notifies you), `tracking` (unread counts),
/// `normal` (replies to you and mentions) or `muted` (nothing from it). Without a level of
/// its own a thread takes its board's.
#[utoipa::path(tag = "following", security(("bearer" = [])), params(("id" = i64, Path)), request_body = TrackingRequest, responses(
    (status = 200, body = Tracking),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such thread, or not visible"),
))]
#[put("/api/v1/threads/{id}/tracking")]
pub async fn track_thread(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<TrackingRequest>,
) -> Result<web::Json<Tracking>, ApiError> {
    Ok(web::Json(
        tracking::set_thread_level(&state, &caller, id.into_inner(), body.into_inner().level)
            .await?,
    ))
}

/// Follow a board: `watching` (every new thread notifies you), `tracking`, `normal` or
/// `muted`; its threads take this level unless you chose one for them.
#[utoipa::path(tag = "following", security(("bearer" = [])), params(("slug" = String, Path)), request_body = TrackingRequest, responses(
    (status = 200, body = Tracking),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such board"),
))]
#[put("/api/v1/boards/{slug}/tracking")]
pub async fn track_board(
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
    body: Json<TrackingRequest>,
) -> Result<web::Json<Tracking>, ApiError> {
    Ok(web::Json(
        tracking::set_board_level(&state, &caller, slug.into_inner(), body.into_inner().level)
            .await?,
    ))
}

/// Mark a thread read up to one of its posts (a mark never moves backwards): the unread
/// counts of the thread and its board follow.
#[utoipa::path(tag = "following", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReadRequest, responses(
    (status = 204, description = "Marked read"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such thread or post of it, or not visible"),
))]
#[post("/api/v1/threads/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<ReadRequest>,
) -> Result<HttpResponse, ApiError> {
    tracking::mark_read(&state, &caller, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The email digest of followed activity the caller chose: `off`, `daily` or `weekly`.
#[utoipa::path(tag = "following", security(("bearer" = [])), responses(
    (status = 200, body = DigestSettings),
))]
#[get("/api/v1/me/digest")]
pub async fn digest_settings(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<DigestSettings>, ApiError> {
    Ok(web::Json(digest::settings(&state, &caller).await?))
}

/// Choose the email digest of followed activity: `daily` or `weekly` (at most one email a
/// day or an ISO week, in your language, saying there is new activity where you follow,
/// never what was written), or `off`.
#[utoipa::path(tag = "following", security(("bearer" = [])), request_body = DigestSettings, responses(
    (status = 200, body = DigestSettings),
))]
#[put("/api/v1/me/digest")]
pub async fn choose_digest(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<DigestSettings>,
) -> Result<web::Json<DigestSettings>, ApiError> {
    Ok(web::Json(
        digest::choose(&state, &caller, body.into_inner()).await?,
    ))
}
