//! The rules of threads and posts: reading them (visibility, anonymity, pages), writing them
//! (validation, new-member limits, locks and archives, screening), edits with revisions, soft
//! deletes, and moderators locking and pinning threads. Boards, reactions, what follows a
//! publication and moderation's port are beside it (`boards`, `reactions`, `publish`,
//! `review`).

use chrono::{Duration, NaiveDateTime};

use super::model::{
    ActiveThreadsCursor, CreatePostRequest, CreateThreadRequest, EditPostRequest, Editor,
    ModerateThreadRequest, NewThreadsCursor, PageQuery, PostView, Revision, StatusChange,
    ThreadDetail, ThreadListQuery, ThreadSort, ThreadSummary, TopThreadsCursor,
};
use super::publish::on_published;
use super::review::change_status;
use super::store::{self, ThreadKey, Viewer};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::content::PostStatus;
use crate::auth::model::Locale;
use crate::auth::policy::{self, Action, authorize};
use crate::db::search;
use crate::db::utc;
use crate::db::{self, AnyConnection};
use crate::filters::screen::{self, HoldKind};
use crate::http::error::{ApiError, FieldErrors};
use crate::http::pagination::{self, Cursor, IdCursor, Page};
use crate::markdown;
use crate::modlog::{self, LogAction, LogTargetKind};
use crate::queue::{self, ItemKind, Resolution};

pub const BODY_MAX: usize = 20_000;
const TITLE_MIN: usize = 5;
const TITLE_MAX: usize = 150;
const TAGS_MAX: usize = 5;
const WARNING_MAX: usize = 100;
/// New members (trust level 0): limits of their first day and of every post.
const NEW_MEMBER_THREADS_FIRST_DAY: i64 = 3;
const NEW_MEMBER_REPLIES_FIRST_DAY: i64 = 10;
const NEW_MEMBER_POST_INTERVAL_SECS: i64 = 30;
const NEW_MEMBER_LINKS: usize = 2;
/// Trust level 1 comes after a week and this many published posts.
const PROMOTION_POSTS: i64 = 5;
const PROMOTION_AGE_DAYS: i64 = 7;

pub(super) fn viewer(caller: Option<&Caller>) -> Viewer {
    Viewer {
        user_id: caller.map(|c| c.user_id),
        moderator: caller.is_some_and(policy::is_moderator),
    }
}

pub(super) fn chars(s: &str) -> usize {
    s.chars().count()
}

pub(super) fn not_found_thread() -> ApiError {
    ApiError::NotFound("no such thread".into())
}

pub(super) fn not_found_post() -> ApiError {
    ApiError::NotFound("no such post".into())
}

// ---- reading ------------------------------------------------------------------------------

/// `GET /boards/{slug}/threads`, and whether the board is for members only.
pub async fn list_threads(
    state: &AppState,
    caller: Option<&Caller>,
    slug: String,
    query: ThreadListQuery,
) -> Result<(Page<ThreadSummary>, bool), ApiError> {
    let limit = pagination::limit(query.limit)?;
    let sort = query.sort.unwrap_or_default();
    let after = match (sort, query.cursor.as_deref()) {
        (_, None) => None,
        (ThreadSort::New, Some(c)) => {
            let c = NewThreadsCursor::decode(c)?;
            Some(ThreadKey::Time(c.created_at, c.id))
        }
        (ThreadSort::Active, Some(c)) => {
            let c = ActiveThreadsCursor::decode(c)?;
            Some(ThreadKey::Time(c.last_activity_at, c.id))
        }
        (ThreadSort::Top, Some(c)) => {
            let c = TopThreadsCursor::decode(c)?;
            Some(ThreadKey::Count(c.reaction_count, c.id))
        }
    };
    let tag = query.tag.map(|t| t.trim().to_lowercase());
    let viewer = viewer(caller);
    let visitor = caller.is_none();
    let (rows, members_only) = state
        .db
        .read(move |conn| {
            let board = store::board_by_slug(conn, &slug)?
                .ok_or_else(|| ApiError::NotFound("no such board".into()))?;
            if visitor {
                policy::may_read_board(None, board.members_only)?;
            }
            let rows =
                store::thread_page(conn, board.id, sort, tag.as_deref(), after, viewer, limit)?;
            Ok::<_, ApiError>((rows, board.members_only))
        })
        .await?;
    let page = pagination::page(
        rows,
        limit,
        |r| match sort {
            ThreadSort::New => NewThreadsCursor {
                created_at: r.created_at,
                id: r.id,
            }
            .encode(),
            ThreadSort::Active => ActiveThreadsCursor {
                last_activity_at: r.last_activity_at,
                id: r.id,
            }
            .encode(),
            ThreadSort::Top => TopThreadsCursor {
                reaction_count: r.reaction_count,
                id: r.id,
            }
            .encode(),
        },
        |r| {
            let reveal = policy::sees_anonymous_author(caller, r.author_id);
            ThreadSummary::from_row(r, reveal, viewer.user_id)
        },
    );
    Ok((page, members_only))
}

/// `GET /threads/{id}`: the thread and its first post, and whether its board is for members
/// only.
pub async fn get_thread(
    state: &AppState,
    caller: Option<&Caller>,
    thread_id: i64,
) -> Result<(ThreadDetail, bool), ApiError> {
    let viewer = viewer(caller);
    let (thread, first) = state
        .db
        .read(move |conn| {
            let Some(thread) = store::thread_row(conn, thread_id, viewer)? else {
                return Ok::<_, ApiError>((None, None));
            };
            let first = match thread.first_post_id {
                Some(id) => store::post_row(conn, id, viewer)?,
                None => None,
            };
            Ok((Some(thread), first))
        })
        .await?;
    let thread = thread
        .filter(|t| policy::may_see(caller, t.author_id, t.status))
        .ok_or_else(not_found_thread)?;
    let members_only = thread.members_only;
    policy::may_read_board(caller, members_only)?;
    let first_post = first
        .filter(|p| policy::may_see(caller, p.author_id, p.status))
        .map(|p| {
            let reveal = policy::sees_anonymous_author(caller, p.author_id);
            PostView::from_row(p, reveal)
        });
    let reveal = policy::sees_anonymous_author(caller, thread.author_id);
    let detail = ThreadDetail {
        thread: ThreadSummary::from_row(thread, reveal, viewer.user_id),
        first_post,
    };
    Ok((detail, members_only))
}

/// `GET /threads/{id}/posts`: oldest first; and whether the thread's board is for members
/// only.
pub async fn list_posts(
    state: &AppState,
    caller: Option<&Caller>,
    thread_id: i64,
    query: PageQuery,
) -> Result<(Page<PostView>, bool), ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after_id(query.cursor.as_deref())?;
    let viewer = viewer(caller);
    let rows = state
        .db
        .read(move |conn| {
            let thread = store::thread_ref_in_board(conn, thread_id)?;
            let Some((thread, members_only)) = thread else {
                return Ok::<_, ApiError>(None);
            };
            Ok(Some((
                thread,
                members_only,
                store::post_page(conn, thread_id, after, viewer, limit)?,
            )))
        })
        .await?;
    let (thread, members_only, rows) = rows.ok_or_else(not_found_thread)?;
    if !policy::may_see(caller, thread.author_id, thread.status) {
        return Err(not_found_thread());
    }
    policy::may_read_board(caller, members_only)?;
    let page = pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.id }.encode(),
        |r| {
            let reveal = policy::sees_anonymous_author(caller, r.author_id);
            PostView::from_row(r, reveal)
        },
    );
    Ok((page, members_only))
}

pub(super) async fn post_view(
    state: &AppState,
    caller: &Caller,
    post_id: i64,
) -> Result<PostView, ApiError> {
    let viewer = viewer(Some(caller));
    let row = state
        .db
        .read(move |conn| Ok::<_, ApiError>(store::post_row(conn, post_id, viewer)?))
        .await?
        .ok_or_else(not_found_post)?;
    let reveal = policy::sees_anonymous_author(Some(caller), row.author_id);
    Ok(PostView::from_row(row, reveal))
}

// ---- writing ------------------------------------------------------------------------------

pub(super) fn check_body(body: &str, errors: &mut FieldErrors) {
    if body.trim().is_empty() {
        errors.insert("body".into(), "must not be empty".into());
    } else if chars(body) > BODY_MAX {
        errors.insert(
            "body".into(),
            format!("must be at most {BODY_MAX} characters"),
        );
    }
}

/// A body's HTML, or the 422 that says its formatting is too large to display.
pub(super) fn render_body(body: &str) -> Result<String, ApiError> {
    markdown::render(body).map_err(|e| ApiError::invalid("body", e.to_string()))
}

fn check_title(title: &str, errors: &mut FieldErrors) {
    if !(TITLE_MIN..=TITLE_MAX).contains(&chars(title)) {
        errors.insert(
            "title".into(),
            format!("must be {TITLE_MIN} to {TITLE_MAX} characters"),
        );
    }
}

/// Tags trimmed, lower-cased, spaces turned into `-`, duplicates dropped.
fn normalise_tags(raw: &[String], errors: &mut FieldErrors) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag
            .trim()
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-");
        let valid = (2..=30).contains(&chars(&tag))
            && tag
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if !valid {
            errors.insert(
                "tags".into(),
                "each tag must be 2 to 30 letters, digits, `-` or `_`".into(),
            );
        } else if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > TAGS_MAX {
        errors.insert("tags".into(), format!("at most {TAGS_MAX} tags"));
    }
    tags
}

/// The limits on members of trust level 0, checked in the write transaction.
fn check_new_member_limits(
    conn: &mut AnyConnection,
    caller: &Caller,
    starting_thread: bool,
    body: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let (created_at, trust_level) = store::author_facts(conn, caller.user_id)?
        .ok_or_else(|| ApiError::Unauthorized("this account no longer exists".into()))?;
    if trust_level > 0 || policy::is_moderator(caller) {
        return Ok(());
    }
    if markdown::count_links(body) > NEW_MEMBER_LINKS {
        return Err(ApiError::invalid(
            "body",
            format!("new members may include at most {NEW_MEMBER_LINKS} links in a post"),
        ));
    }
    let first_day_ends = created_at + Duration::days(1);
    let (threads, replies, latest) =
        store::recent_activity(conn, caller.user_id, now - Duration::days(1))?;
    if let Some(latest) = latest {
        let next = latest + Duration::seconds(NEW_MEMBER_POST_INTERVAL_SECS);
        if next > now {
            return Err(ApiError::TooManyRequests {
                retry_after: (next - now).num_seconds().max(1) as u64,
            });
        }
    }
    if now < first_day_ends {
        let over = if starting_thread {
            threads >= NEW_MEMBER_THREADS_FIRST_DAY
        } else {
            replies >= NEW_MEMBER_REPLIES_FIRST_DAY
        };
        if over {
            return Err(ApiError::TooManyRequests {
                retry_after: (first_day_ends - now).num_seconds().max(1) as u64,
            });
        }
    }
    Ok(())
}

/// Raises a member to trust level 1 after a week and enough published posts.
pub(super) fn maybe_promote(
    conn: &mut AnyConnection,
    user_id: i64,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let Some((created_at, 0)) = store::author_facts(conn, user_id)? else {
        return Ok(());
    };
    if now - created_at >= Duration::days(PROMOTION_AGE_DAYS)
        && store::published_post_count(conn, user_id)? >= PROMOTION_POSTS
    {
        store::set_trust_level(conn, user_id, 1)?;
    }
    Ok(())
}

/// The author's locale, for support resources in their language.
pub(super) fn author_locale(conn: &mut AnyConnection, user_id: i64) -> Result<Locale, ApiError> {
    Ok(store::user_locale(conn, user_id)?.unwrap_or_default())
}

/// `POST /boards/{slug}/threads`.
pub async fn create_thread(
    state: &AppState,
    caller: &Caller,
    slug: String,
    req: CreateThreadRequest,
) -> Result<ThreadDetail, ApiError> {
    authorize(caller, Action::Contribute)?;
    let mut errors = FieldErrors::new();
    let title = req.title.trim().to_owned();
    check_title(&title, &mut errors);
    check_body(&req.body, &mut errors);
    let tags = normalise_tags(&req.tags, &mut errors);
    let warning = req
        .content_warning
        .map(|w| w.trim().to_owned())
        .filter(|w| !w.is_empty());
    if warning.as_ref().is_some_and(|w| chars(w) > WARNING_MAX) {
        errors.insert(
            "content_warning".into(),
            format!("must be at most {WARNING_MAX} characters"),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let body_html = render_body(&req.body)?;
    let search_text = search::index_text(Some(&title), &markdown::plain_text(&req.body));
    let app = state.clone();
    let who = caller.clone();
    let (thread_id, notice) = state
        .db
        .write(move |conn| {
            let now = db::now();
            let board = store::board_by_slug(conn, &slug)?
                .ok_or_else(|| ApiError::NotFound("no such board".into()))?;
            if board.archived {
                return Err(ApiError::Conflict(
                    "this board is archived and takes no new threads".into(),
                ));
            }
            check_new_member_limits(conn, &who, true, &req.body, now)?;
            let screening =
                screen::screen(conn, who.user_id, &format!("{title}\n{}", req.body), true)?;
            let status = screening.status();
            let thread_id = store::insert_thread(
                conn,
                &store::NewThread {
                    board_id: board.id,
                    author_id: who.user_id,
                    title: &title,
                    tags: &tags,
                    anonymous: req.anonymous,
                    content_warning: warning.as_deref(),
                    status,
                    now,
                },
            )?;
            let post_id = store::insert_post(
                conn,
                &store::NewPost {
                    thread_id,
                    author_id: who.user_id,
                    body: &req.body,
                    body_html: &body_html,
                    search_text: &search_text,
                    anonymous: req.anonymous,
                    status,
                    is_first: true,
                    reply_to: None,
                    now,
                },
            )?;
            store::set_first_post(conn, thread_id, post_id)?;
            let post = store::post_ref(conn, post_id)?.ok_or_else(not_found_post)?;
            let thread = store::thread_ref(conn, thread_id)?.ok_or_else(not_found_thread)?;
            if status == PostStatus::Published {
                search::index_post(conn, post_id, &search_text)?;
                on_published(&app, conn, &post, &thread, now)?;
            }
            let locale = author_locale(conn, who.user_id)?;
            let notice = screen::enqueue_findings(&app, conn, post_id, &screening, locale)?;
            Ok((thread_id, notice))
        })
        .await?;
    let (mut detail, _) = get_thread(state, Some(caller), thread_id).await?;
    if let Some(first) = detail.first_post.as_mut() {
        first.notice = notice;
    }
    Ok(detail)
}

/// `PATCH /threads/{id}` (moderators): lock or unlock, pin or unpin.
pub async fn moderate_thread(
    state: &AppState,
    caller: &Caller,
    thread_id: i64,
    req: ModerateThreadRequest,
) -> Result<ThreadDetail, ApiError> {
    authorize(caller, Action::Moderate)?;
    let actor = caller.user_id;
    state
        .db
        .write(move |conn| {
            // Settings not in the request keep what another moderator set a moment ago.
            store::lock_thread(conn, thread_id)?;
            let thread = store::thread_ref(conn, thread_id)?.ok_or_else(not_found_thread)?;
            let locked = req.locked.unwrap_or(thread.locked);
            let pinned = req.pinned.unwrap_or(thread.pinned);
            store::set_thread_flags(conn, thread.id, locked, pinned)?;
            let before = format!("locked={} pinned={}", thread.locked, thread.pinned);
            let after = format!("locked={locked} pinned={pinned}");
            modlog::append(
                conn,
                &modlog::Entry {
                    actor_id: Some(actor),
                    action: LogAction::ThreadSettings,
                    target_kind: LogTargetKind::Thread,
                    target_id: thread.id,
                    reason: None,
                    before: Some(&before),
                    after: Some(&after),
                },
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(get_thread(state, Some(caller), thread_id).await?.0)
}

/// `POST /threads/{id}/posts`.
pub async fn create_post(
    state: &AppState,
    caller: &Caller,
    thread_id: i64,
    req: CreatePostRequest,
) -> Result<PostView, ApiError> {
    authorize(caller, Action::Contribute)?;
    let mut errors = FieldErrors::new();
    check_body(&req.body, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let body_html = render_body(&req.body)?;
    let search_text = search::index_text(None, &markdown::plain_text(&req.body));
    let app = state.clone();
    let who = caller.clone();
    let (post_id, notice) = state
        .db
        .write(move |conn| {
            let now = db::now();
            let thread = store::thread_ref(conn, thread_id)?
                .filter(|t| policy::may_see(Some(&who), t.author_id, t.status))
                .ok_or_else(not_found_thread)?;
            if thread.locked {
                return Err(ApiError::Conflict(
                    "this thread is locked by the moderators and takes no new replies".into(),
                ));
            }
            if store::board_archived(conn, thread.board_id)? {
                return Err(ApiError::Conflict(
                    "this board is archived and takes no new replies".into(),
                ));
            }
            if let Some(id) = req.reply_to {
                store::post_ref(conn, id)?
                    .filter(|p| p.thread_id == thread.id)
                    .filter(|p| policy::may_see(Some(&who), p.author_id, p.status))
                    .ok_or_else(|| ApiError::invalid("reply_to", "is not a post of this thread"))?;
            }
            check_new_member_limits(conn, &who, false, &req.body, now)?;
            let screening = screen::screen(conn, who.user_id, &req.body, true)?;
            let status = screening.status();
            let post_id = store::insert_post(
                conn,
                &store::NewPost {
                    thread_id: thread.id,
                    author_id: who.user_id,
                    body: &req.body,
                    body_html: &body_html,
                    search_text: &search_text,
                    anonymous: req.anonymous,
                    status,
                    is_first: false,
                    reply_to: req.reply_to,
                    now,
                },
            )?;
            if status == PostStatus::Published {
                search::index_post(conn, post_id, &search_text)?;
                let post = store::post_ref(conn, post_id)?.ok_or_else(not_found_post)?;
                on_published(&app, conn, &post, &thread, now)?;
            }
            let locale = author_locale(conn, who.user_id)?;
            let notice = screen::enqueue_findings(&app, conn, post_id, &screening, locale)?;
            Ok((post_id, notice))
        })
        .await?;
    let mut view = post_view(state, caller, post_id).await?;
    view.notice = notice;
    Ok(view)
}

/// `PATCH /posts/{id}` by its author: new body, and a new title for a first post. The earlier
/// version is kept as a revision. The new text is screened again: a post held for personal
/// information is published once the author has edited it out.
pub async fn edit_post(
    state: &AppState,
    caller: &Caller,
    post_id: i64,
    req: EditPostRequest,
) -> Result<PostView, ApiError> {
    authorize(caller, Action::Contribute)?;
    let mut errors = FieldErrors::new();
    if req.body.is_none() && req.title.is_none() {
        errors.insert("body".into(), "give a new body or title".into());
    }
    if let Some(body) = &req.body {
        check_body(body, &mut errors);
    }
    let title = req.title.map(|t| t.trim().to_owned());
    if let Some(title) = &title {
        check_title(title, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let who = caller.clone();
    let app = state.clone();
    let notice = state
        .db
        .write(move |conn| {
            let now = db::now();
            // Two edits at once each keep the other's text as a revision.
            store::lock_post(conn, post_id)?;
            let post = store::post_ref(conn, post_id)?
                .filter(|p| policy::may_see(Some(&who), p.author_id, p.status))
                .ok_or_else(not_found_post)?;
            if post.author_id != who.user_id {
                return Err(ApiError::Forbidden(
                    "only the author may edit this post".into(),
                ));
            }
            if matches!(post.status, PostStatus::Deleted | PostStatus::Removed) {
                return Err(ApiError::Conflict(format!(
                    "this post is {} and cannot be edited",
                    post.status
                )));
            }
            if title.is_some() && !post.is_first {
                return Err(ApiError::invalid(
                    "title",
                    "only the first post of a thread has a title",
                ));
            }
            let thread = store::thread_ref(conn, post.thread_id)?.ok_or_else(not_found_thread)?;
            if thread.locked {
                return Err(ApiError::Conflict("this thread is locked".into()));
            }
            let body = req.body.unwrap_or_else(|| post.body.clone());
            let new_title = title.unwrap_or_else(|| thread.title.clone());
            let screened_text = if post.is_first {
                format!("{new_title}\n{body}")
            } else {
                body.clone()
            };
            let screening = screen::screen(conn, who.user_id, &screened_text, false)?;
            let old_title = post.is_first.then_some(thread.title.as_str());
            store::insert_revision(conn, post.id, old_title, &post.body, who.user_id, now)?;
            if post.is_first {
                store::set_thread_title(conn, thread.id, &new_title)?;
            }
            let plain = markdown::plain_text(&body);
            let search_text = search::index_text(post.is_first.then_some(&new_title), &plain);
            store::update_post_body(
                conn,
                post.id,
                &body,
                &render_body(&body)?,
                &search_text,
                now,
            )?;
            if post.status == PostStatus::Published {
                search::index_post(conn, post.id, &search_text)?;
            }
            let mut current = post.clone();
            current.body = body;
            // A post held for personal information is released once that is edited out.
            let held_for_pii = post.status == PostStatus::Held
                && queue::open_reason(conn, ItemKind::HeldPost, post.id)?.as_deref()
                    == Some(HoldKind::PersonalInfo.as_str());
            match (&screening.hold, post.status) {
                (Some(_), PostStatus::Published) => {
                    change_status(&app, conn, &current, StatusChange::Hold)?
                }
                (None, PostStatus::Held) if held_for_pii => {
                    change_status(&app, conn, &current, StatusChange::Publish)?;
                    queue::resolve_subject(
                        conn,
                        ItemKind::HeldPost,
                        post.id,
                        who.user_id,
                        Resolution::ReleasedAfterEdit,
                    )?;
                }
                _ => {}
            }
            let locale = author_locale(conn, who.user_id)?;
            screen::enqueue_findings(&app, conn, post.id, &screening, locale)
        })
        .await?;
    let mut view = post_view(state, caller, post_id).await?;
    view.notice = notice;
    Ok(view)
}

/// `DELETE /posts/{id}` by its author: a soft delete that leaves a placeholder.
pub async fn delete_post(state: &AppState, caller: &Caller, post_id: i64) -> Result<(), ApiError> {
    let who = caller.clone();
    let app = state.clone();
    state
        .db
        .write(move |conn| {
            store::lock_post(conn, post_id)?;
            let post = store::post_ref(conn, post_id)?
                .filter(|p| policy::may_see(Some(&who), p.author_id, p.status))
                .ok_or_else(not_found_post)?;
            if post.author_id != who.user_id {
                return Err(ApiError::Forbidden(
                    "only the author may delete this post".into(),
                ));
            }
            change_status(&app, conn, &post, StatusChange::Delete)
        })
        .await
}

/// `GET /posts/{id}/revisions`: for the author and moderators.
pub async fn revisions(
    state: &AppState,
    caller: &Caller,
    post_id: i64,
) -> Result<Vec<Revision>, ApiError> {
    let who = caller.clone();
    let (author_id, rows) = state
        .db
        .read(move |conn| {
            let post = store::post_ref(conn, post_id)?
                .filter(|p| policy::may_see(Some(&who), p.author_id, p.status))
                .ok_or_else(not_found_post)?;
            if post.author_id != who.user_id && !policy::is_moderator(&who) {
                return Err(ApiError::Forbidden(
                    "only the author and moderators see earlier versions".into(),
                ));
            }
            Ok((post.author_id, store::revisions(conn, post.id)?))
        })
        .await?;
    let names_editors = policy::is_moderator(caller);
    Ok(rows
        .into_iter()
        .map(|(id, title, body, edited_by, created_at)| {
            let editor = if edited_by == author_id {
                Editor::Author
            } else {
                Editor::Moderator
            };
            Revision {
                id,
                title,
                body,
                editor,
                edited_by: (names_editors || edited_by == caller.user_id).then_some(edited_by),
                created_at: utc(created_at),
            }
        })
        .collect())
}
