//! Bookmarks: a member keeps threads and posts she may read, privately, with an optional note
//! and an optional reminder, which the [`reminders`] worker turns into one in-app notification
//! when it is due. Every account that may sign in keeps bookmarks, silenced ones too
//! (`Action::KeepBookmarks`): they are private, not community content.
//!
//! A bookmark whose post or thread she may no longer see (held, hidden or removed by
//! moderators, deleted by its author, or removed with its author's erased account) stays in
//! her list as `available: false`, with its ids and her note but without title, excerpt or
//! author, so that she can delete it; it shows again if the post comes back.

pub mod reminders;
pub mod routes;
mod store;

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::service::{not_found_post, not_found_thread};
use super::store as forum_store;
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::content::PostStatus;
use crate::auth::model::AuthorSummary;
use crate::auth::policy::{self, Action, authorize};
use crate::db::{self, AnyConnection, utc, utc_opt};
use crate::http::error::{ApiError, FieldErrors};
use crate::http::pagination::{self, Cursor, IdCursor, Page};
use crate::markdown;

pub use store::ExportRow;

/// The longest note, in characters.
pub const NOTE_MAX: usize = 200;
/// How far ahead a reminder may be set.
pub const REMIND_AHEAD_MAX_DAYS: i64 = 365;
/// The longest excerpt of a bookmarked post, in characters.
const EXCERPT_MAX: usize = 200;

/// A new bookmark: exactly one of `post_id` and `thread_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"post_id": 42, "note": "Ask Dr Li about belimumab", "remind_at": "2027-01-10T09:00:00Z"}))]
pub struct CreateBookmarkRequest {
    /// The post to keep.
    pub post_id: Option<i64>,
    /// The thread to keep.
    pub thread_id: Option<i64>,
    /// Up to 200 characters, for oneself only.
    #[schema(max_length = 200)]
    pub note: Option<String>,
    /// When to be reminded: in the future, at most a year ahead.
    pub remind_at: Option<DateTime<Utc>>,
}

/// Changes to a bookmark; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"note": "Asked: she said to wait for the next results", "remind_at": null}))]
pub struct UpdateBookmarkRequest {
    /// Up to 200 characters; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub note: Option<Option<String>>,
    /// A new reminder (in the future, at most a year ahead); `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub remind_at: Option<Option<DateTime<Utc>>>,
}

/// For `PATCH` fields that can be cleared: absent → `None`, `null` → `Some(None)`.
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A bookmark with what a client needs to draw it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Bookmark {
    pub id: i64,
    pub thread_id: i64,
    /// The bookmarked post; `null` for a bookmark of a thread.
    pub post_id: Option<i64>,
    /// Whether the caller may still read what is bookmarked; when not, the title, excerpt and
    /// author are `null`.
    pub available: bool,
    pub thread_title: Option<String>,
    /// The start of the post (for a thread, of its first post) as plain text.
    pub excerpt: Option<String>,
    /// The post's author, anonymous when the post is.
    pub author: Option<AuthorSummary>,
    pub note: Option<String>,
    pub remind_at: Option<DateTime<Utc>>,
    /// When the reminder went out as a notification.
    pub reminded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct BookmarkQuery {
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

fn no_such_bookmark() -> ApiError {
    ApiError::NotFound("no such bookmark".into())
}

/// A note as stored: trimmed, `None` when blank.
fn check_note(note: Option<String>, errors: &mut FieldErrors) -> Option<String> {
    let note = note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())?;
    if note.chars().count() > NOTE_MAX {
        errors.insert(
            "note".into(),
            format!("must be at most {NOTE_MAX} characters"),
        );
    }
    Some(note)
}

/// A reminder time as stored, in the future and at most a year ahead.
fn check_remind_at(
    at: DateTime<Utc>,
    now: NaiveDateTime,
    errors: &mut FieldErrors,
) -> NaiveDateTime {
    let at = at.naive_utc().trunc_subsecs(6);
    if at <= now {
        errors.insert("remind_at".into(), "must be in the future".into());
    } else if at > now + Duration::days(REMIND_AHEAD_MAX_DAYS) {
        errors.insert(
            "remind_at".into(),
            format!("must be at most {REMIND_AHEAD_MAX_DAYS} days ahead"),
        );
    }
    at
}

fn done(errors: FieldErrors) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// What a bookmark points at.
#[derive(Clone, Copy)]
enum Target {
    Post(i64),
    Thread(i64),
}

/// `POST /me/bookmarks`: keep a post or a thread the caller may read (404 otherwise, as for
/// reading it); the same thing twice is 409.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    req: CreateBookmarkRequest,
) -> Result<Bookmark, ApiError> {
    authorize(caller, Action::KeepBookmarks)?;
    let now = db::now();
    let mut errors = FieldErrors::new();
    let target = match (req.post_id, req.thread_id) {
        (Some(post), None) => Some(Target::Post(post)),
        (None, Some(thread)) => Some(Target::Thread(thread)),
        (Some(_), Some(_)) => {
            errors.insert(
                "post_id".into(),
                "give either `post_id` or `thread_id`, not both".into(),
            );
            None
        }
        (None, None) => {
            errors.insert(
                "post_id".into(),
                "give `post_id` or `thread_id`: what to bookmark".into(),
            );
            None
        }
    };
    let note = check_note(req.note, &mut errors);
    let remind_at = req
        .remind_at
        .map(|at| check_remind_at(at, now, &mut errors));
    let target = match target {
        Some(target) if errors.is_empty() => target,
        _ => return Err(ApiError::Validation(errors)),
    };
    let caller = caller.clone();
    state
        .db
        .write(move |conn| {
            let (thread_id, post_id) = readable_target(conn, &caller, target)?;
            let id = store::insert(
                conn,
                &store::NewBookmark {
                    user_id: caller.user_id,
                    thread_id,
                    post_id,
                    note: note.as_deref(),
                    remind_at,
                    now,
                },
            )?
            .ok_or_else(|| ApiError::Conflict("you have bookmarked this already".into()))?;
            one(conn, &caller, id)
        })
        .await
}

/// The thread and post of a target the caller may read.
fn readable_target(
    conn: &mut AnyConnection,
    caller: &Caller,
    target: Target,
) -> Result<(i64, Option<i64>), ApiError> {
    let sees = |author, status| policy::may_see(Some(caller), author, status);
    match target {
        Target::Post(id) => {
            let post = forum_store::post_ref(conn, id)?
                .filter(|p| sees(p.author_id, p.status))
                .ok_or_else(not_found_post)?;
            forum_store::thread_ref(conn, post.thread_id)?
                .filter(|t| sees(t.author_id, t.status))
                .ok_or_else(not_found_post)?;
            Ok((post.thread_id, Some(post.id)))
        }
        Target::Thread(id) => {
            let thread = forum_store::thread_ref(conn, id)?
                .filter(|t| sees(t.author_id, t.status))
                .ok_or_else(not_found_thread)?;
            Ok((thread.id, None))
        }
    }
}

/// `GET /me/bookmarks`: the caller's bookmarks, newest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: BookmarkQuery,
) -> Result<Page<Bookmark>, ApiError> {
    authorize(caller, Action::KeepBookmarks)?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after_id(query.cursor.as_deref())?;
    let me = caller.user_id;
    let (rows, posts) = state
        .db
        .read(move |conn| Ok::<_, ApiError>(load(conn, me, after, None, limit)?))
        .await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.id }.encode(),
        |r| view(caller, r, &posts),
    ))
}

/// `PATCH /me/bookmarks/{id}`: change the note or the reminder (a new reminder goes out
/// again, even if an earlier one did).
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: UpdateBookmarkRequest,
) -> Result<Bookmark, ApiError> {
    authorize(caller, Action::KeepBookmarks)?;
    let now = db::now();
    let mut errors = FieldErrors::new();
    let note = req.note.map(|n| check_note(n, &mut errors));
    let remind_at = req
        .remind_at
        .map(|at| at.map(|at| check_remind_at(at, now, &mut errors)));
    done(errors)?;
    let caller = caller.clone();
    state
        .db
        .write(move |conn| {
            if !store::owns(conn, caller.user_id, id)? {
                return Err(no_such_bookmark());
            }
            if let Some(note) = note {
                store::set_note(conn, id, note.as_deref())?;
            }
            if let Some(remind_at) = remind_at {
                store::set_reminder(conn, id, remind_at)?;
            }
            one(conn, &caller, id)
        })
        .await
}

/// `DELETE /me/bookmarks/{id}`.
pub async fn delete(state: &AppState, caller: &Caller, id: i64) -> Result<(), ApiError> {
    authorize(caller, Action::KeepBookmarks)?;
    let me = caller.user_id;
    let deleted = state
        .db
        .write(move |conn| Ok::<_, ApiError>(store::delete(conn, me, id)?))
        .await?;
    if deleted {
        Ok(())
    } else {
        Err(no_such_bookmark())
    }
}

type Loaded = (Vec<store::BookmarkRow>, HashMap<i64, store::PostFacts>);

/// Bookmarks of `me` and the posts they show, two queries.
fn load(
    conn: &mut AnyConnection,
    me: i64,
    after: Option<i64>,
    only: Option<i64>,
    limit: i64,
) -> diesel::QueryResult<Loaded> {
    let rows = store::page(conn, me, after, only, limit)?;
    let ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.post_id.or(r.thread_first_post_id))
        .collect();
    let posts = store::posts(conn, &ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok((rows, posts))
}

/// The caller's bookmark `id`, as answers show it.
fn one(conn: &mut AnyConnection, caller: &Caller, id: i64) -> Result<Bookmark, ApiError> {
    let (rows, posts) = load(conn, caller.user_id, None, Some(id), 1)?;
    let row = rows.into_iter().next().ok_or_else(no_such_bookmark)?;
    Ok(view(caller, row, &posts))
}

/// Whether `caller` may read content in `status` by `author_id` (a deleted post or thread
/// shows nothing worth keeping).
fn readable(caller: &Caller, author_id: i64, status: PostStatus) -> bool {
    status != PostStatus::Deleted && policy::may_see(Some(caller), author_id, status)
}

fn view(
    caller: &Caller,
    row: store::BookmarkRow,
    posts: &HashMap<i64, store::PostFacts>,
) -> Bookmark {
    let post = row
        .post_id
        .or(row.thread_first_post_id)
        .and_then(|id| posts.get(&id))
        .filter(|p| readable(caller, p.author_id, p.status));
    let available = readable(caller, row.thread_author_id, row.thread_status)
        && (row.post_id.is_none() || post.is_some());
    let post = post.filter(|_| available);
    Bookmark {
        id: row.id,
        thread_id: row.thread_id,
        post_id: row.post_id,
        available,
        thread_title: available.then_some(row.thread_title),
        excerpt: post.map(|p| excerpt(&p.body)),
        author: post.map(|p| {
            AuthorSummary::new(
                p.author_id,
                p.author_name.clone(),
                p.author_role,
                p.anonymous,
                policy::sees_anonymous_author(Some(caller), p.author_id),
            )
        }),
        note: row.note,
        remind_at: utc_opt(row.remind_at),
        reminded_at: utc_opt(row.reminded_at),
        created_at: utc(row.created_at),
    }
}

/// The start of a post as one line of plain text.
fn excerpt(body: &str) -> String {
    let plain = markdown::plain_text(body);
    let words: Vec<&str> = plain.split_whitespace().collect();
    let line = words.join(" ");
    if line.chars().count() <= EXCERPT_MAX {
        return line;
    }
    let cut: String = line.chars().take(EXCERPT_MAX - 1).collect();
    format!("{}…", cut.trim_end())
}

/// The member's bookmarks for her data export, oldest first.
pub fn of_member(conn: &mut AnyConnection, user_id: i64) -> diesel::QueryResult<Vec<ExportRow>> {
    store::of_member(conn, user_id)
}

/// Erasure: every bookmark of the member.
pub fn erase(conn: &mut AnyConnection, user_id: i64) -> diesel::QueryResult<()> {
    store::erase(conn, user_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_one_line_of_plain_text_cut_with_an_ellipsis() {
        assert_eq!(
            excerpt("**Belimumab** helped\n\nmy _fatigue_."),
            "Belimumab helped my fatigue."
        );
        let long = "word ".repeat(100);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_MAX);
        assert!(cut.ends_with('…'));
    }
}
