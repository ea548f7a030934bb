//! The rules of the forum: boards, threads and posts (validation, visibility, anonymity,
//! new-member limits, locks and archives), edits with revisions, soft deletes, reactions, and
//! what happens when a post is published (counters, search index, notifications, reply
//! emails).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};

use super::model::{
    ActiveThreadsCursor, Board, CreateBoardRequest, CreatePostRequest, CreateThreadRequest,
    EditPostRequest, Editor, ModerateThreadRequest, NewThreadsCursor, PageQuery, PostRef, PostView,
    ReactionCounts, ReactionKind, Revision, StatusChange, ThreadDetail, ThreadListQuery, ThreadRef,
    ThreadSort, ThreadSummary, TopThreadsCursor, UpdateBoardRequest,
};
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
use crate::notify::inapp::{self, NotificationKind};
use crate::notify::outbox;
use crate::notify::templates::{Email, MailVars, Template};
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
/// At most one reply email per thread per hour.
const REPLY_EMAIL_INTERVAL: Duration = Duration::hours(1);
const MAX_MENTIONS: usize = 10;

fn viewer(caller: Option<&Caller>) -> Viewer {
    Viewer {
        user_id: caller.map(|c| c.user_id),
        moderator: caller.is_some_and(policy::is_moderator),
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn not_found_thread() -> ApiError {
    ApiError::NotFound("no such thread".into())
}

fn not_found_post() -> ApiError {
    ApiError::NotFound("no such post".into())
}

// ---- boards -------------------------------------------------------------------------------

pub async fn list_boards(state: &AppState) -> Result<Vec<Board>, ApiError> {
    let rows = state
        .db
        .read(|conn| Ok::<_, ApiError>(store::boards(conn)?))
        .await?;
    Ok(rows.into_iter().map(Board::from).collect())
}

pub async fn board(state: &AppState, slug: String) -> Result<Board, ApiError> {
    state
        .db
        .read(move |conn| Ok::<_, ApiError>(store::board_by_slug(conn, &slug)?))
        .await?
        .map(Board::from)
        .ok_or_else(|| ApiError::NotFound("no such board".into()))
}

fn check_board_text(name: &str, description: &str, errors: &mut FieldErrors) {
    if !(2..=80).contains(&chars(name.trim())) {
        errors.insert("name".into(), "must be 2 to 80 characters".into());
    }
    if chars(description) > 500 {
        errors.insert(
            "description".into(),
            "must be at most 500 characters".into(),
        );
    }
}

/// `POST /boards` (admins).
pub async fn create_board(state: &AppState, req: CreateBoardRequest) -> Result<Board, ApiError> {
    let mut errors = FieldErrors::new();
    let slug = req.slug.trim().to_owned();
    let slug_ok = (2..=40).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug_ok {
        errors.insert(
            "slug".into(),
            "must be 2 to 40 lowercase letters, digits or `-`".into(),
        );
    }
    check_board_text(&req.name, &req.description, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let lookup = slug.clone();
    state
        .db
        .write(move |conn| {
            if store::board_by_slug(conn, &slug)?.is_some() {
                return Err(ApiError::Conflict(format!(
                    "a board `{slug}` exists already"
                )));
            }
            // Another admin may create it between the check and this write.
            db::unique_violation(store::insert_board(
                conn,
                &slug,
                req.name.trim(),
                req.description.trim(),
                req.position,
                db::now(),
            ))?
            .ok_or_else(|| ApiError::Conflict(format!("a board `{slug}` exists already")))?;
            Ok(())
        })
        .await?;
    board(state, lookup).await
}

/// `PATCH /boards/{slug}` (admins): rename, describe, reorder, archive or unarchive.
pub async fn update_board(
    state: &AppState,
    slug: String,
    req: UpdateBoardRequest,
) -> Result<Board, ApiError> {
    let lookup = slug.clone();
    state
        .db
        .write(move |conn| {
            let current = store::board_by_slug(conn, &slug)?
                .ok_or_else(|| ApiError::NotFound("no such board".into()))?;
            let name = req.name.unwrap_or(current.name);
            let description = req.description.unwrap_or(current.description);
            let mut errors = FieldErrors::new();
            check_board_text(&name, &description, &mut errors);
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            store::update_board(
                conn,
                current.id,
                name.trim(),
                description.trim(),
                req.position.unwrap_or(current.position),
                req.archived.unwrap_or(current.archived),
            )?;
            Ok(())
        })
        .await?;
    board(state, lookup).await
}

// ---- reading ------------------------------------------------------------------------------

/// `GET /boards/{slug}/threads`.
pub async fn list_threads(
    state: &AppState,
    caller: Option<&Caller>,
    slug: String,
    query: ThreadListQuery,
) -> Result<Page<ThreadSummary>, ApiError> {
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
    let rows = state
        .db
        .read(move |conn| {
            let board = store::board_by_slug(conn, &slug)?
                .ok_or_else(|| ApiError::NotFound("no such board".into()))?;
            Ok::<_, ApiError>(store::thread_page(
                conn,
                board.id,
                sort,
                tag.as_deref(),
                after,
                viewer,
                limit,
            )?)
        })
        .await?;
    Ok(pagination::page(
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
            ThreadSummary::from_row(r, reveal)
        },
    ))
}

/// `GET /threads/{id}`: the thread and its first post.
pub async fn get_thread(
    state: &AppState,
    caller: Option<&Caller>,
    thread_id: i64,
) -> Result<ThreadDetail, ApiError> {
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
    let first_post = first
        .filter(|p| policy::may_see(caller, p.author_id, p.status))
        .map(|p| {
            let reveal = policy::sees_anonymous_author(caller, p.author_id);
            PostView::from_row(p, reveal)
        });
    let reveal = policy::sees_anonymous_author(caller, thread.author_id);
    Ok(ThreadDetail {
        thread: ThreadSummary::from_row(thread, reveal),
        first_post,
    })
}

/// `GET /threads/{id}/posts`: oldest first.
pub async fn list_posts(
    state: &AppState,
    caller: Option<&Caller>,
    thread_id: i64,
    query: PageQuery,
) -> Result<Page<PostView>, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after_id(query.cursor.as_deref())?;
    let viewer = viewer(caller);
    let rows = state
        .db
        .read(move |conn| {
            let thread = store::thread_ref(conn, thread_id)?;
            let Some(thread) = thread else {
                return Ok::<_, ApiError>(None);
            };
            Ok(Some((
                thread,
                store::post_page(conn, thread_id, after, viewer, limit)?,
            )))
        })
        .await?;
    let (thread, rows) = rows.ok_or_else(not_found_thread)?;
    if !policy::may_see(caller, thread.author_id, thread.status) {
        return Err(not_found_thread());
    }
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.id }.encode(),
        |r| {
            let reveal = policy::sees_anonymous_author(caller, r.author_id);
            PostView::from_row(r, reveal)
        },
    ))
}

async fn post_view(state: &AppState, caller: &Caller, post_id: i64) -> Result<PostView, ApiError> {
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

fn check_body(body: &str, errors: &mut FieldErrors) {
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
fn render_body(body: &str) -> Result<String, ApiError> {
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
fn maybe_promote(
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

/// `@names` in a body, lower-cased, at most ten.
fn mentions(body: &str) -> Vec<String> {
    let chars: Vec<char> = body.chars().collect();
    let mut names = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        let starts =
            *c == '@' && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'));
        if !starts {
            continue;
        }
        let name: String = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_alphanumeric() || **c == '_' || **c == '-')
            .collect();
        let name = name.to_lowercase();
        if (3..=32).contains(&name.chars().count()) && !names.contains(&name) {
            names.push(name);
        }
        if names.len() == MAX_MENTIONS {
            break;
        }
    }
    names
}

/// What follows the publication of a post: counters, notifications and reply emails. Called
/// in the transaction that publishes it (when it is written, or when a moderator approves it).
pub fn on_published(
    state: &AppState,
    conn: &mut AnyConnection,
    post: &PostRef,
    thread: &ThreadRef,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let reply_to_author = match post.reply_to {
        Some(id) => store::post_ref(conn, id)?.map(|p| p.author_id),
        None => None,
    };
    if post.is_first {
        store::count_new_thread(conn, thread.board_id, now)?;
    } else {
        store::count_new_reply(conn, thread, now)?;
    }
    maybe_promote(conn, post.author_id, now)?;
    // One notification per recipient: answering you beats a reply in your thread beats a
    // mention. Never to oneself.
    let mut recipients: BTreeMap<i64, NotificationKind> = BTreeMap::new();
    for (id, _) in store::users_by_names(conn, &mentions(&post.body))? {
        recipients.insert(id, NotificationKind::Mention);
    }
    if !post.is_first {
        recipients.insert(thread.author_id, NotificationKind::ReplyToThread);
        if let Some(author) = reply_to_author {
            recipients.insert(author, NotificationKind::ReplyToPost);
        }
    }
    recipients.remove(&post.author_id);
    for (user_id, kind) in recipients {
        inapp::record(conn, user_id, kind, post.id, thread.id, post.author_id)?;
        if kind != NotificationKind::Mention {
            maybe_email_reply(state, conn, user_id, thread.id, now)?;
        }
    }
    Ok(())
}

/// Sends a reply email if the member asked for them and none went out for this thread in the
/// last hour.
fn maybe_email_reply(
    state: &AppState,
    conn: &mut AnyConnection,
    user_id: i64,
    thread_id: i64,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let Some(recipient) = store::reply_email_recipient(conn, user_id)? else {
        return Ok(());
    };
    if !store::claim_reply_email(conn, user_id, thread_id, now, now - REPLY_EMAIL_INTERVAL)? {
        return Ok(());
    }
    outbox::enqueue(
        conn,
        &Email {
            to: recipient.email,
            locale: recipient.locale,
            template: Template::ReplyNotification,
            vars: MailVars {
                display_name: recipient.display_name,
                link: Some(format!(
                    "{}/threads/{thread_id}",
                    state.settings.public_url.trim_end_matches('/')
                )),
            },
        },
    )?;
    Ok(())
}

/// The author's locale, for support resources in their language.
fn author_locale(conn: &mut AnyConnection, user_id: i64) -> Result<Locale, ApiError> {
    Ok(store::user_locale(conn, user_id)?.unwrap_or_default())
}

/// Moves a post to the status of `change`, keeping counters, thread status (for first posts)
/// and the search index in step. [`StatusChange::Publish`] runs [`on_published`] (a held post
/// approved); [`StatusChange::Restore`] only restores counters (a hidden post shown again).
pub fn change_status(
    state: &AppState,
    conn: &mut AnyConnection,
    post: &PostRef,
    change: StatusChange,
) -> Result<(), ApiError> {
    let new_status = change.status();
    // The counters move from the status the post leaves: read it under the post's lock rather
    // than trust the caller's copy, which another transaction may have made stale.
    store::lock_post(conn, post.id)?;
    let Some(current) = store::post_ref(conn, post.id)? else {
        return Err(not_found_post());
    };
    let post = PostRef {
        status: current.status,
        ..post.clone()
    };
    if post.status == new_status {
        return Ok(());
    }
    store::set_post_status(conn, post.id, new_status)?;
    let now = db::now();
    let thread = store::thread_ref(conn, post.thread_id)?.ok_or_else(not_found_thread)?;
    let was_visible = post.status == PostStatus::Published;
    let now_visible = new_status == PostStatus::Published;
    if post.is_first && new_status != PostStatus::Deleted {
        store::set_thread_status(conn, thread.id, new_status)?;
    }
    if was_visible && !now_visible {
        search::unindex_post(conn, post.id)?;
        if post.is_first {
            if new_status != PostStatus::Deleted {
                store::uncount_thread(conn, thread.board_id)?;
            }
        } else {
            store::uncount_reply(conn, thread.id)?;
        }
    } else if !was_visible && now_visible {
        let text = store::post_search_text(conn, post.id)?;
        search::index_post(conn, post.id, &text)?;
        let mut published = post.clone();
        published.status = new_status;
        if change == StatusChange::Publish {
            on_published(state, conn, &published, &thread, now)?;
        } else if post.is_first {
            store::count_new_thread(conn, thread.board_id, now)?;
        } else {
            store::count_new_reply(conn, &thread, now)?;
        }
    }
    Ok(())
}

/// A post, for moderation (`None` if it does not exist).
pub fn load_post(conn: &mut AnyConnection, post_id: i64) -> Result<Option<PostRef>, ApiError> {
    Ok(store::post_ref(conn, post_id)?)
}

/// A moderator's edit (a queue decision): the new body replaces the old, which is kept as a
/// revision; the post is published if it was held or hidden.
pub fn moderator_edit(
    state: &AppState,
    conn: &mut AnyConnection,
    post: &PostRef,
    body: &str,
    actor_id: i64,
) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    check_body(body, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = db::now();
    let thread = store::thread_ref(conn, post.thread_id)?.ok_or_else(not_found_thread)?;
    let old_title = post.is_first.then_some(thread.title.as_str());
    store::insert_revision(conn, post.id, old_title, &post.body, actor_id, now)?;
    let search_text = search::index_text(
        post.is_first.then_some(&thread.title),
        &markdown::plain_text(body),
    );
    store::update_post_body(conn, post.id, body, &render_body(body)?, &search_text, now)?;
    let mut edited = post.clone();
    edited.body = body.to_owned();
    match post.status {
        PostStatus::Published => search::index_post(conn, post.id, &search_text)?,
        PostStatus::Held => change_status(state, conn, &edited, StatusChange::Publish)?,
        PostStatus::Hidden => change_status(state, conn, &edited, StatusChange::Restore)?,
        PostStatus::Removed | PostStatus::Deleted => {}
    }
    Ok(())
}

/// Locks or unlocks a thread (a queue decision or an appeal).
pub fn set_locked(conn: &mut AnyConnection, thread_id: i64, locked: bool) -> Result<(), ApiError> {
    if !store::set_thread_locked(conn, thread_id, locked)? {
        return Err(not_found_thread());
    }
    Ok(())
}

/// Every post of a member that is still up, oldest first, each locked until the transaction
/// ends (for a ban that removes content). Posts are locked before anything that hangs off
/// them, as everywhere, so the ban and a flag or a decision on one of the posts take turns.
pub fn lock_posts_of(conn: &mut AnyConnection, author_id: i64) -> Result<Vec<PostRef>, ApiError> {
    let posts = store::live_posts_of(conn, author_id)?;
    for post in &posts {
        store::lock_post(conn, post.id)?;
    }
    Ok(posts)
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
    let mut detail = get_thread(state, Some(caller), thread_id).await?;
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
    get_thread(state, Some(caller), thread_id).await
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

/// The reactions of a post after a change.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PostReactions {
    pub post_id: i64,
    pub reactions: ReactionCounts,
    pub my_reactions: Vec<ReactionKind>,
}

/// `PUT` / `DELETE /posts/{id}/reactions/{kind}`: idempotent; never on one's own post.
pub async fn set_reaction(
    state: &AppState,
    caller: &Caller,
    post_id: i64,
    kind: &str,
    on: bool,
) -> Result<PostReactions, ApiError> {
    authorize(caller, Action::Contribute)?;
    let kind = ReactionKind::parse(kind)
        .ok_or_else(|| ApiError::NotFound("reactions are support, helpful or hug".into()))?;
    let who = caller.clone();
    state
        .db
        .write(move |conn| {
            let post = store::post_ref(conn, post_id)?
                .filter(|p| policy::may_see(Some(&who), p.author_id, p.status))
                .ok_or_else(not_found_post)?;
            if post.author_id == who.user_id {
                return Err(ApiError::Forbidden(
                    "you cannot react to your own post".into(),
                ));
            }
            if post.status != PostStatus::Published {
                return Err(ApiError::Conflict(format!(
                    "this post is {} and takes no reactions",
                    post.status
                )));
            }
            if on {
                store::add_reaction(conn, &post, who.user_id, kind, db::now())?;
            } else {
                store::remove_reaction(conn, &post, who.user_id, kind)?;
            }
            Ok(())
        })
        .await?;
    let view = post_view(state, caller, post_id).await?;
    Ok(PostReactions {
        post_id,
        reactions: view.reactions,
        my_reactions: view.my_reactions,
    })
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn mentions_are_found_once_and_not_in_email_addresses() {
        assert_eq!(
            mentions("thanks @Ana_L and @小蝶蝶 — @ana_l again, mail me at bo@example.org"),
            vec!["ana_l".to_owned(), "小蝶蝶".to_owned()]
        );
        assert!(mentions("@ab is too short").is_empty());
    }
}
