//! Queries of `bookmarks` (index `bookmarks_user_idx` (user_id, id), unique partial indexes
//! per member and thread or post, `bookmarks_due_idx` for the reminders), and of the posts
//! the bookmarks point at.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::content::PostStatus;
use crate::auth::model::Role;
use crate::db::AnyConnection;
use crate::db::schema::{bookmarks, posts, threads, users};

/// A new bookmark.
pub struct NewBookmark<'a> {
    pub user_id: i64,
    pub thread_id: i64,
    pub post_id: Option<i64>,
    pub note: Option<&'a str>,
    pub remind_at: Option<NaiveDateTime>,
    pub now: NaiveDateTime,
}

/// Inserts a bookmark unless the member has one of the same thing (the unique indexes decide,
/// so two at once make one); its id, or `None` when it existed.
pub fn insert(conn: &mut AnyConnection, b: &NewBookmark<'_>) -> QueryResult<Option<i64>> {
    let inserted = crate::db::concurrency::insert_ignoring_conflicts(
        conn,
        diesel::insert_into(bookmarks::table).values((
            bookmarks::user_id.eq(b.user_id),
            bookmarks::thread_id.eq(b.thread_id),
            bookmarks::post_id.eq(b.post_id),
            bookmarks::note.eq(b.note),
            bookmarks::remind_at.eq(b.remind_at),
            bookmarks::created_at.eq(b.now),
        )),
    )?;
    if !inserted {
        return Ok(None);
    }
    let mut query = bookmarks::table
        .filter(bookmarks::user_id.eq(b.user_id))
        .filter(bookmarks::thread_id.eq(b.thread_id))
        .select(bookmarks::id)
        .into_boxed();
    query = match b.post_id {
        Some(post_id) => query.filter(bookmarks::post_id.eq(post_id)),
        None => query.filter(bookmarks::post_id.is_null()),
    };
    query.first(conn).map(Some)
}

/// Whether `user_id` owns the bookmark `id`.
pub fn owns(conn: &mut AnyConnection, user_id: i64, id: i64) -> QueryResult<bool> {
    bookmarks::table
        .find(id)
        .filter(bookmarks::user_id.eq(user_id))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

pub fn set_note(conn: &mut AnyConnection, id: i64, note: Option<&str>) -> QueryResult<()> {
    diesel::update(bookmarks::table.find(id))
        .set(bookmarks::note.eq(note))
        .execute(conn)
        .map(|_| ())
}

/// A new reminder (or none): it has not gone out yet.
pub fn set_reminder(
    conn: &mut AnyConnection,
    id: i64,
    remind_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    diesel::update(bookmarks::table.find(id))
        .set((
            bookmarks::remind_at.eq(remind_at),
            bookmarks::reminded_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Deletes the member's bookmark `id`; whether there was one.
pub fn delete(conn: &mut AnyConnection, user_id: i64, id: i64) -> QueryResult<bool> {
    diesel::delete(
        bookmarks::table
            .find(id)
            .filter(bookmarks::user_id.eq(user_id)),
    )
    .execute(conn)
    .map(|n| n > 0)
}

/// A bookmark with the thread it points into.
#[derive(Debug, Queryable)]
pub struct BookmarkRow {
    pub id: i64,
    pub thread_id: i64,
    pub post_id: Option<i64>,
    pub note: Option<String>,
    pub remind_at: Option<NaiveDateTime>,
    pub reminded_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub thread_title: String,
    pub thread_author_id: i64,
    pub thread_status: PostStatus,
    pub thread_first_post_id: Option<i64>,
}

/// One page of the member's bookmarks, newest first (`bookmarks_user_idx`), or with `only` the
/// one bookmark of hers with that id.
pub fn page(
    conn: &mut AnyConnection,
    user_id: i64,
    after: Option<i64>,
    only: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<BookmarkRow>> {
    let mut query = bookmarks::table
        .inner_join(threads::table.on(threads::id.eq(bookmarks::thread_id)))
        .filter(bookmarks::user_id.eq(user_id))
        .select((
            bookmarks::id,
            bookmarks::thread_id,
            bookmarks::post_id,
            bookmarks::note,
            bookmarks::remind_at,
            bookmarks::reminded_at,
            bookmarks::created_at,
            threads::title,
            threads::author_id,
            threads::status,
            threads::first_post_id,
        ))
        .order(bookmarks::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(bookmarks::id.lt(after));
    }
    if let Some(id) = only {
        query = query.filter(bookmarks::id.eq(id));
    }
    query.load(conn)
}

/// A bookmarked post (or a bookmarked thread's first post) with its author.
#[derive(Debug, Queryable)]
pub struct PostFacts {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub author_role: Role,
    pub anonymous: bool,
    pub status: PostStatus,
    pub body: String,
}

/// The posts `ids` with their authors (primary keys).
pub fn posts(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<PostFacts>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    posts::table
        .inner_join(users::table.on(users::id.eq(posts::author_id)))
        .filter(posts::id.eq_any(ids))
        .select((
            posts::id,
            posts::author_id,
            users::display_name,
            users::role,
            posts::anonymous,
            posts::status,
            posts::body,
        ))
        .load(conn)
}

/// A reminder that is due, as the worker sends it.
#[derive(Debug, Queryable)]
pub struct DueReminder {
    pub user_id: i64,
    pub thread_id: i64,
    pub post_id: Option<i64>,
    pub note: Option<String>,
    pub thread_author_id: i64,
    pub thread_status: PostStatus,
}

/// The ids of up to `limit` due reminders, locked for this transaction and skipping those
/// another server holds (`bookmarks_due_idx`).
pub fn claim_due(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    crate::db::concurrency::claim_ids(
        conn,
        bookmarks::table
            .filter(bookmarks::reminded_at.is_null())
            .filter(bookmarks::remind_at.le(now))
            .order(bookmarks::remind_at.asc())
            .limit(limit)
            .select(bookmarks::id),
    )
}

/// Marks the reminder of `id` sent, if it is still due (the conditional update decides who
/// sends it); then the reminder to send.
pub fn take_due(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<DueReminder>> {
    let taken = diesel::update(
        bookmarks::table
            .find(id)
            .filter(bookmarks::reminded_at.is_null())
            .filter(bookmarks::remind_at.le(now)),
    )
    .set(bookmarks::reminded_at.eq(now))
    .execute(conn)?;
    if taken == 0 {
        return Ok(None);
    }
    bookmarks::table
        .inner_join(threads::table.on(threads::id.eq(bookmarks::thread_id)))
        .filter(bookmarks::id.eq(id))
        .select((
            bookmarks::user_id,
            bookmarks::thread_id,
            bookmarks::post_id,
            bookmarks::note,
            threads::author_id,
            threads::status,
        ))
        .first(conn)
        .optional()
}

/// A post's author and status (primary key).
pub fn post_author_and_status(
    conn: &mut AnyConnection,
    post_id: i64,
) -> QueryResult<Option<(i64, PostStatus)>> {
    posts::table
        .find(post_id)
        .select((posts::author_id, posts::status))
        .first(conn)
        .optional()
}

/// One bookmark as the data export shows it.
pub type ExportRow = (
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    NaiveDateTime,
);

/// Every bookmark of the member, oldest first (`bookmarks_user_idx`).
pub fn of_member(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Vec<ExportRow>> {
    bookmarks::table
        .filter(bookmarks::user_id.eq(user_id))
        .order(bookmarks::id.asc())
        .select((
            bookmarks::id,
            bookmarks::thread_id,
            bookmarks::post_id,
            bookmarks::note,
            bookmarks::remind_at,
            bookmarks::reminded_at,
            bookmarks::created_at,
        ))
        .load(conn)
}

/// Erasure: every bookmark of the member.
pub fn erase(conn: &mut AnyConnection, user_id: i64) -> QueryResult<()> {
    diesel::delete(bookmarks::table.filter(bookmarks::user_id.eq(user_id)))
        .execute(conn)
        .map(|_| ())
}
