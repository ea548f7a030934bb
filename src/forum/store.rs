//! Diesel queries of the forum. Every list is one query with keyset pagination; the index that
//! serves it is named beside it.

use chrono::NaiveDateTime;
use diesel::dsl::{AsExprOf, exists};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Nullable, Text};

use super::model::{
    BoardRow, PostListRow, PostRef, ReactionKind, ThreadListRow, ThreadRef, ThreadSort,
};
use crate::auth::content::PostStatus;
use crate::auth::model::{Locale, may_sign_in_sql};
use crate::db::schema::{
    board_tracking, boards, member_ignores, post_revisions, posts, reactions, reply_email_ledger,
    thread_tags, thread_tracking, threads, users,
};
use crate::db::{self, AnyConnection};

/// Who is looking, for visibility filters: `None` for visitors.
#[derive(Clone, Copy, Debug)]
pub struct Viewer {
    pub user_id: Option<i64>,
    pub moderator: bool,
}

impl Viewer {
    fn id(self) -> i64 {
        self.user_id.unwrap_or(-1)
    }
}

// ---- boards -------------------------------------------------------------------------------

pub fn boards(conn: &mut AnyConnection) -> QueryResult<Vec<BoardRow>> {
    boards::table
        .order((boards::position.asc(), boards::id.asc()))
        .select(BoardRow::as_select())
        .load(conn)
}

/// By slug (index `boards_slug_key`).
pub fn board_by_slug(conn: &mut AnyConnection, slug: &str) -> QueryResult<Option<BoardRow>> {
    boards::table
        .filter(boards::slug.eq(slug))
        .select(BoardRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_board(
    conn: &mut AnyConnection,
    slug: &str,
    name: &str,
    description: &str,
    position: Option<i32>,
    members_only: bool,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let position = match position {
        Some(p) => p,
        None => {
            let max: Option<i32> = boards::table
                .select(diesel::dsl::max(boards::position))
                .first(conn)?;
            max.unwrap_or(0) + 1
        }
    };
    diesel::insert_into(boards::table)
        .values((
            boards::slug.eq(slug),
            boards::name.eq(name),
            boards::description.eq(description),
            boards::position.eq(position),
            boards::members_only.eq(members_only),
            boards::created_at.eq(now),
        ))
        .returning(boards::id)
        .get_result(conn)
}

/// A board's settings, as administrators change them.
pub struct BoardSettings<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub position: i32,
    pub archived: bool,
    pub members_only: bool,
}

pub fn update_board(
    conn: &mut AnyConnection,
    id: i64,
    settings: &BoardSettings<'_>,
) -> QueryResult<()> {
    diesel::update(boards::table.find(id))
        .set((
            boards::name.eq(settings.name),
            boards::description.eq(settings.description),
            boards::position.eq(settings.position),
            boards::archived.eq(settings.archived),
            boards::members_only.eq(settings.members_only),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn board_archived(conn: &mut AnyConnection, board_id: i64) -> QueryResult<bool> {
    boards::table
        .find(board_id)
        .select(boards::archived)
        .first(conn)
}

// ---- threads ------------------------------------------------------------------------------

/// Nothing of a visitor's own: the constant `false` for the columns a signed-in viewer gets
/// from subqueries. Bound, not written into the SQL: diesel does not keep a statement with
/// literal SQL (`dsl::sql`) prepared.
fn none_of_hers() -> AsExprOf<bool, Bool> {
    false.into_sql::<Bool>()
}

/// A visitor's tracking of a thread or board: none (bound, as `none_of_hers`).
fn no_level() -> AsExprOf<Option<String>, Nullable<Text>> {
    None::<String>.into_sql::<Nullable<Text>>()
}

/// Whether member `$me` gave post `$post` a reaction of `$kind` (primary key of `reactions`).
macro_rules! reacted {
    ($post:expr, $me:expr, $kind:ident) => {
        exists(
            reactions::table
                .filter(reactions::post_id.nullable().eq($post))
                .filter(reactions::user_id.eq($me))
                .filter(reactions::kind.eq(ReactionKind::$kind)),
        )
    };
}

/// Whether member `$me` ignores member `$author` (primary key of `member_ignores`,
/// `relations`' table).
macro_rules! ignores {
    ($me:expr, $author:expr) => {
        exists(
            member_ignores::table
                .filter(member_ignores::user_id.eq($me))
                .filter(member_ignores::ignored_id.eq($author)),
        )
    };
}

/// The columns of a `ThreadListRow`, with the viewer's own reactions on the first post and
/// whether the viewer ignores the author as `EXISTS` subqueries, so a page is one query; for a
/// visitor (`anonymous`) those are constants, and no subquery runs. The viewer's tracking comes
/// from the joins of `thread_source!`; a visitor's query has no such joins, and NULLs instead.
macro_rules! thread_columns {
    (anonymous) => {
        thread_columns!(@ none_of_hers(), none_of_hers(), none_of_hers(), none_of_hers(),
            no_level(),
            None::<i32>.into_sql::<Nullable<Integer>>(),
            no_level())
    };
    ($me:expr) => {
        thread_columns!(@
            reacted!(threads::first_post_id, $me, Support),
            reacted!(threads::first_post_id, $me, Helpful),
            reacted!(threads::first_post_id, $me, Hug),
            ignores!($me, threads::author_id),
            thread_tracking::level.nullable(),
            thread_tracking::read_count.nullable(),
            board_tracking::level.nullable()
        )
    };
    (@ $support:expr, $helpful:expr, $hug:expr, $ignored:expr,
        $level:expr, $read:expr, $board_level:expr) => {
        (
            threads::id,
            boards::slug,
            boards::members_only,
            threads::author_id,
            users::display_name,
            users::role,
            threads::title,
            threads::tags,
            threads::anonymous,
            threads::content_warning,
            threads::status,
            threads::locked,
            threads::pinned,
            threads::first_post_id,
            threads::reply_count,
            threads::reaction_count,
            threads::last_activity_at,
            threads::created_at,
            posts::support_count.nullable(),
            posts::helpful_count.nullable(),
            posts::hug_count.nullable(),
            posts::edited_at.nullable(),
            $support,
            $helpful,
            $hug,
            $ignored,
            $level,
            $read,
            $board_level,
        )
    };
}

/// Threads with their board, author and first post, and the viewer's tracking of the thread
/// and of its board (primary keys of `thread_tracking` and `board_tracking`); a visitor
/// (`anonymous`) tracks nothing, and her query joins no tracking: two joins fewer to plan,
/// which on PostgreSQL took about two thirds of a board page's planning time.
macro_rules! thread_source {
    (anonymous) => {
        threads::table
            .inner_join(boards::table.on(boards::id.eq(threads::board_id)))
            .inner_join(users::table.on(users::id.eq(threads::author_id)))
            .left_join(posts::table.on(posts::id.nullable().eq(threads::first_post_id)))
    };
    ($me:expr) => {
        thread_source!(anonymous)
            .left_join(
                thread_tracking::table.on(thread_tracking::thread_id
                    .eq(threads::id)
                    .and(thread_tracking::user_id.eq($me))),
            )
            .left_join(
                board_tracking::table.on(board_tracking::board_id
                    .eq(threads::board_id)
                    .and(board_tracking::user_id.eq($me))),
            )
    };
}

/// Keyset position in a thread list.
#[derive(Clone, Copy, Debug)]
pub enum ThreadKey {
    Time(NaiveDateTime, i64),
    Count(i32, i64),
}

/// One page of a board's threads, newest / most active / most reacted first. Served by
/// `threads_board_new_idx`, `threads_board_active_idx` or `threads_board_top_idx`
/// (board_id, sort key, id), read backwards.
pub fn thread_page(
    conn: &mut AnyConnection,
    board_id: i64,
    sort: ThreadSort,
    tag: Option<&str>,
    after: Option<ThreadKey>,
    viewer: Viewer,
    limit: i64,
) -> QueryResult<Vec<ThreadListRow>> {
    let me = viewer.id();
    // The same filters and order over either shape of query (a member's, a visitor's).
    macro_rules! page {
        ($query:expr) => {{
            let mut query = $query;
            if !viewer.moderator {
                query = query.filter(
                    threads::status
                        .eq(PostStatus::Published)
                        .or(threads::author_id.eq(me)),
                );
            }
            if let Some(tag) = tag {
                query = query.filter(
                    threads::id.eq_any(
                        thread_tags::table
                            .filter(thread_tags::tag.eq(tag.to_owned()))
                            .select(thread_tags::thread_id),
                    ),
                );
            }
            // The redundant `key <= cursor` bound lets both databases start the index range at
            // the cursor instead of reading every newer row first (the OR alone is applied as a
            // filter).
            query = match (sort, after) {
                (ThreadSort::New, Some(ThreadKey::Time(t, id))) => query.filter(
                    threads::created_at.le(t).and(
                        threads::created_at
                            .lt(t)
                            .or(threads::created_at.eq(t).and(threads::id.lt(id))),
                    ),
                ),
                (ThreadSort::Active, Some(ThreadKey::Time(t, id))) => query.filter(
                    threads::last_activity_at.le(t).and(
                        threads::last_activity_at
                            .lt(t)
                            .or(threads::last_activity_at.eq(t).and(threads::id.lt(id))),
                    ),
                ),
                (ThreadSort::Top, Some(ThreadKey::Count(n, id))) => query.filter(
                    threads::reaction_count.le(n).and(
                        threads::reaction_count
                            .lt(n)
                            .or(threads::reaction_count.eq(n).and(threads::id.lt(id))),
                    ),
                ),
                _ => query,
            };
            query = match sort {
                ThreadSort::New => query.order((threads::created_at.desc(), threads::id.desc())),
                ThreadSort::Active => {
                    query.order((threads::last_activity_at.desc(), threads::id.desc()))
                }
                ThreadSort::Top => {
                    query.order((threads::reaction_count.desc(), threads::id.desc()))
                }
            };
            // One plan fits every board and page (the index range read backwards): reuse it
            // rather than plan each request, which at a million posts cost more than the read.
            db::with_generic_plan(conn, |conn| query.limit(limit + 1).load(conn))
        }};
    }
    match viewer.user_id {
        Some(_) => page!(
            thread_source!(me)
                .filter(threads::board_id.eq(board_id))
                .select(thread_columns!(me))
                .into_boxed()
        ),
        None => page!(
            thread_source!(anonymous)
                .filter(threads::board_id.eq(board_id))
                .select(thread_columns!(anonymous))
                .into_boxed()
        ),
    }
}

/// One thread as lists show it (primary key).
pub fn thread_row(
    conn: &mut AnyConnection,
    thread_id: i64,
    viewer: Viewer,
) -> QueryResult<Option<ThreadListRow>> {
    let me = viewer.id();
    match viewer.user_id {
        Some(_) => thread_source!(me)
            .filter(threads::id.eq(thread_id))
            .select(thread_columns!(me))
            .first(conn)
            .optional(),
        None => thread_source!(anonymous)
            .filter(threads::id.eq(thread_id))
            .select(thread_columns!(anonymous))
            .first(conn)
            .optional(),
    }
}

/// A thread and whether its board is for members only (primary keys).
pub fn thread_ref_in_board(
    conn: &mut AnyConnection,
    thread_id: i64,
) -> QueryResult<Option<(ThreadRef, bool)>> {
    threads::table
        .inner_join(boards::table.on(boards::id.eq(threads::board_id)))
        .filter(threads::id.eq(thread_id))
        .select((ThreadRef::as_select(), boards::members_only))
        .first(conn)
        .optional()
}

pub fn thread_ref(conn: &mut AnyConnection, thread_id: i64) -> QueryResult<Option<ThreadRef>> {
    threads::table
        .find(thread_id)
        .select(ThreadRef::as_select())
        .first(conn)
        .optional()
}

/// A new thread row (its first post is inserted next).
pub struct NewThread<'a> {
    pub board_id: i64,
    pub author_id: i64,
    pub title: &'a str,
    pub tags: &'a [String],
    pub anonymous: bool,
    pub content_warning: Option<&'a str>,
    pub status: PostStatus,
    pub now: NaiveDateTime,
}

pub fn insert_thread(conn: &mut AnyConnection, t: &NewThread<'_>) -> QueryResult<i64> {
    let id = diesel::insert_into(threads::table)
        .values((
            threads::board_id.eq(t.board_id),
            threads::author_id.eq(t.author_id),
            threads::title.eq(t.title),
            threads::tags.eq(t.tags.join(" ")),
            threads::anonymous.eq(t.anonymous),
            threads::content_warning.eq(t.content_warning),
            threads::status.eq(t.status),
            threads::last_activity_at.eq(t.now),
            threads::created_at.eq(t.now),
        ))
        .returning(threads::id)
        .get_result(conn)?;
    // One row at a time: batch inserts are not portable across the connection enum.
    for tag in t.tags {
        diesel::insert_into(thread_tags::table)
            .values((thread_tags::thread_id.eq(id), thread_tags::tag.eq(tag)))
            .execute(conn)?;
    }
    Ok(id)
}

pub fn set_first_post(conn: &mut AnyConnection, thread_id: i64, post_id: i64) -> QueryResult<()> {
    diesel::update(threads::table.find(thread_id))
        .set(threads::first_post_id.eq(post_id))
        .execute(conn)
        .map(|_| ())
}

/// Locks a thread until the transaction ends: settings changed from what was read take turns.
pub fn lock_thread(conn: &mut AnyConnection, thread_id: i64) -> QueryResult<()> {
    crate::db::concurrency::lock_row(conn, "threads", thread_id)
}

pub fn set_thread_flags(
    conn: &mut AnyConnection,
    thread_id: i64,
    locked: bool,
    pinned: bool,
) -> QueryResult<()> {
    diesel::update(threads::table.find(thread_id))
        .set((threads::locked.eq(locked), threads::pinned.eq(pinned)))
        .execute(conn)
        .map(|_| ())
}

pub fn set_thread_locked(
    conn: &mut AnyConnection,
    thread_id: i64,
    locked: bool,
) -> QueryResult<bool> {
    diesel::update(threads::table.find(thread_id))
        .set(threads::locked.eq(locked))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn set_thread_status(
    conn: &mut AnyConnection,
    thread_id: i64,
    status: PostStatus,
) -> QueryResult<()> {
    diesel::update(threads::table.find(thread_id))
        .set(threads::status.eq(status))
        .execute(conn)
        .map(|_| ())
}

/// Takes a thread that stops being visible off its board's count.
pub fn uncount_thread(conn: &mut AnyConnection, board_id: i64) -> QueryResult<()> {
    diesel::update(boards::table.find(board_id))
        .set(boards::thread_count.eq(boards::thread_count - 1))
        .execute(conn)
        .map(|_| ())
}

pub fn set_thread_title(conn: &mut AnyConnection, thread_id: i64, title: &str) -> QueryResult<()> {
    diesel::update(threads::table.find(thread_id))
        .set(threads::title.eq(title))
        .execute(conn)
        .map(|_| ())
}

/// Counts a newly visible thread on its board.
pub fn count_new_thread(
    conn: &mut AnyConnection,
    board_id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(boards::table.find(board_id))
        .set((
            boards::thread_count.eq(boards::thread_count + 1),
            boards::last_activity_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Counts a newly visible reply on its thread and board.
pub fn count_new_reply(
    conn: &mut AnyConnection,
    thread: &ThreadRef,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(threads::table.find(thread.id))
        .set((
            threads::reply_count.eq(threads::reply_count + 1),
            threads::last_activity_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(boards::table.find(thread.board_id))
        .set(boards::last_activity_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

/// Takes a reply that stops being visible off its thread's count.
pub fn uncount_reply(conn: &mut AnyConnection, thread_id: i64) -> QueryResult<()> {
    diesel::update(threads::table.find(thread_id))
        .set(threads::reply_count.eq(threads::reply_count - 1))
        .execute(conn)
        .map(|_| ())
}

// ---- posts --------------------------------------------------------------------------------

pub struct NewPost<'a> {
    pub thread_id: i64,
    pub author_id: i64,
    pub body: &'a str,
    pub body_html: &'a str,
    pub search_text: &'a str,
    pub anonymous: bool,
    pub status: PostStatus,
    pub is_first: bool,
    pub reply_to: Option<i64>,
    pub now: NaiveDateTime,
}

pub fn insert_post(conn: &mut AnyConnection, p: &NewPost<'_>) -> QueryResult<i64> {
    diesel::insert_into(posts::table)
        .values((
            posts::thread_id.eq(p.thread_id),
            posts::author_id.eq(p.author_id),
            posts::body.eq(p.body),
            posts::body_html.eq(p.body_html),
            posts::search_text.eq(p.search_text),
            posts::anonymous.eq(p.anonymous),
            posts::status.eq(p.status),
            posts::is_first.eq(p.is_first),
            posts::reply_to.eq(p.reply_to),
            posts::created_at.eq(p.now),
        ))
        .returning(posts::id)
        .get_result(conn)
}

pub fn post_ref(conn: &mut AnyConnection, post_id: i64) -> QueryResult<Option<PostRef>> {
    posts::table
        .find(post_id)
        .select(PostRef::as_select())
        .first(conn)
        .optional()
}

/// The columns of a `PostListRow`: the viewer's own reactions and whether she ignores the
/// author as `EXISTS` subqueries; constants for a visitor (`anonymous`).
macro_rules! post_columns {
    (anonymous) => {
        post_columns!(@ none_of_hers(), none_of_hers(), none_of_hers(), none_of_hers())
    };
    ($me:expr) => {
        post_columns!(@
            reacted!(posts::id.nullable(), $me, Support),
            reacted!(posts::id.nullable(), $me, Helpful),
            reacted!(posts::id.nullable(), $me, Hug),
            ignores!($me, posts::author_id)
        )
    };
    (@ $support:expr, $helpful:expr, $hug:expr, $ignored:expr) => {
        (
            posts::id,
            posts::thread_id,
            posts::author_id,
            users::display_name,
            users::role,
            posts::body,
            posts::body_html,
            posts::anonymous,
            posts::status,
            posts::is_first,
            posts::reply_to,
            posts::support_count,
            posts::helpful_count,
            posts::hug_count,
            posts::edited_at,
            posts::created_at,
            $support,
            $helpful,
            $hug,
            $ignored,
        )
    };
}

/// One post as the thread page shows it (primary key).
pub fn post_row(
    conn: &mut AnyConnection,
    post_id: i64,
    viewer: Viewer,
) -> QueryResult<Option<PostListRow>> {
    let me = viewer.id();
    let source = posts::table
        .inner_join(users::table.on(users::id.eq(posts::author_id)))
        .filter(posts::id.eq(post_id));
    match viewer.user_id {
        Some(_) => source.select(post_columns!(me)).into_boxed(),
        None => source.select(post_columns!(anonymous)).into_boxed(),
    }
    .first(conn)
    .optional()
}

/// One page of a thread's posts, oldest first, after post id `after` (index
/// `posts_thread_idx` (thread_id, id)). Held, hidden and removed posts only for their author
/// and moderators; deleted posts stay as placeholders.
pub fn post_page(
    conn: &mut AnyConnection,
    thread_id: i64,
    after: Option<i64>,
    viewer: Viewer,
    limit: i64,
) -> QueryResult<Vec<PostListRow>> {
    let me = viewer.id();
    let source = posts::table
        .inner_join(users::table.on(users::id.eq(posts::author_id)))
        .filter(posts::thread_id.eq(thread_id))
        .filter(posts::id.gt(after.unwrap_or(0)));
    let mut query = match viewer.user_id {
        Some(_) => source.select(post_columns!(me)).into_boxed(),
        None => source.select(post_columns!(anonymous)).into_boxed(),
    };
    if !viewer.moderator {
        query = query.filter(
            posts::status
                .eq_any([PostStatus::Published, PostStatus::Deleted])
                .or(posts::author_id.eq(me)),
        );
    }
    query.order(posts::id.asc()).limit(limit + 1).load(conn)
}

/// Replaces a post's body (after its old version was saved as a revision).
pub fn update_post_body(
    conn: &mut AnyConnection,
    post_id: i64,
    body: &str,
    body_html: &str,
    search_text: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(posts::table.find(post_id))
        .set((
            posts::body.eq(body),
            posts::body_html.eq(body_html),
            posts::search_text.eq(search_text),
            posts::edited_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Posts of an author that are not removed or deleted (index `posts_author_idx`).
/// A member's posts that are still up, oldest first (index `posts_author_idx`).
pub fn live_posts_of(conn: &mut AnyConnection, author_id: i64) -> QueryResult<Vec<PostRef>> {
    posts::table
        .filter(posts::author_id.eq(author_id))
        .filter(posts::status.ne_all([PostStatus::Removed, PostStatus::Deleted]))
        .order(posts::id.asc())
        .select(PostRef::as_select())
        .load(conn)
}

pub fn post_search_text(conn: &mut AnyConnection, post_id: i64) -> QueryResult<String> {
    posts::table
        .find(post_id)
        .select(posts::search_text)
        .first(conn)
}

pub fn set_post_status(
    conn: &mut AnyConnection,
    post_id: i64,
    status: PostStatus,
) -> QueryResult<()> {
    diesel::update(posts::table.find(post_id))
        .set(posts::status.eq(status))
        .execute(conn)
        .map(|_| ())
}

/// Locks a post until the transaction ends: changes that start from what they read of it take
/// turns.
pub fn lock_post(conn: &mut AnyConnection, post_id: i64) -> QueryResult<()> {
    crate::db::concurrency::lock_row(conn, "posts", post_id)
}

pub fn insert_revision(
    conn: &mut AnyConnection,
    post_id: i64,
    title: Option<&str>,
    body: &str,
    edited_by: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(post_revisions::table)
        .values((
            post_revisions::post_id.eq(post_id),
            post_revisions::title.eq(title),
            post_revisions::body.eq(body),
            post_revisions::edited_by.eq(edited_by),
            post_revisions::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// (id, title, body, edited by, replaced at) of a revision.
pub type RevisionRow = (i64, Option<String>, String, i64, NaiveDateTime);

/// Every earlier version of a post, oldest first (index `post_revisions_post_idx`).
pub fn revisions(conn: &mut AnyConnection, post_id: i64) -> QueryResult<Vec<RevisionRow>> {
    post_revisions::table
        .filter(post_revisions::post_id.eq(post_id))
        .order(post_revisions::id.asc())
        .select((
            post_revisions::id,
            post_revisions::title,
            post_revisions::body,
            post_revisions::edited_by,
            post_revisions::created_at,
        ))
        .load(conn)
}

/// Activity of an author since `since`: (threads started, replies written), and the time of
/// their latest post (index `posts_author_idx`).
pub fn recent_activity(
    conn: &mut AnyConnection,
    author_id: i64,
    since: NaiveDateTime,
) -> QueryResult<(i64, i64, Option<NaiveDateTime>)> {
    let firsts: i64 = posts::table
        .filter(posts::author_id.eq(author_id))
        .filter(posts::created_at.gt(since))
        .filter(posts::is_first.eq(true))
        .count()
        .get_result(conn)?;
    let replies: i64 = posts::table
        .filter(posts::author_id.eq(author_id))
        .filter(posts::created_at.gt(since))
        .filter(posts::is_first.eq(false))
        .count()
        .get_result(conn)?;
    let latest: Option<NaiveDateTime> = posts::table
        .filter(posts::author_id.eq(author_id))
        .select(diesel::dsl::max(posts::created_at))
        .first(conn)?;
    Ok((firsts, replies, latest))
}

/// Published posts by an author (index `posts_author_idx`).
pub fn published_post_count(conn: &mut AnyConnection, author_id: i64) -> QueryResult<i64> {
    posts::table
        .filter(posts::author_id.eq(author_id))
        .filter(posts::status.eq(PostStatus::Published))
        .count()
        .get_result(conn)
}

// ---- reactions ----------------------------------------------------------------------------

fn count_column_delta(
    conn: &mut AnyConnection,
    post_id: i64,
    kind: ReactionKind,
    delta: i32,
) -> QueryResult<()> {
    let target = posts::table.find(post_id);
    match kind {
        ReactionKind::Support => diesel::update(target)
            .set(posts::support_count.eq(posts::support_count + delta))
            .execute(conn),
        ReactionKind::Helpful => diesel::update(target)
            .set(posts::helpful_count.eq(posts::helpful_count + delta))
            .execute(conn),
        ReactionKind::Hug => diesel::update(target)
            .set(posts::hug_count.eq(posts::hug_count + delta))
            .execute(conn),
    }
    .map(|_| ())
}

/// Adds a reaction unless it exists; counts it on the post and thread in the same transaction.
/// Returns whether it was new. The insert decides (primary key), so a double click counts once
/// even when both clicks arrive together.
pub fn add_reaction(
    conn: &mut AnyConnection,
    post: &PostRef,
    user_id: i64,
    kind: ReactionKind,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let added = crate::db::concurrency::insert_ignoring_conflicts(
        conn,
        diesel::insert_into(reactions::table).values((
            reactions::post_id.eq(post.id),
            reactions::user_id.eq(user_id),
            reactions::kind.eq(kind),
            reactions::created_at.eq(now),
        )),
    )?;
    if !added {
        return Ok(false);
    }
    count_column_delta(conn, post.id, kind, 1)?;
    diesel::update(threads::table.find(post.thread_id))
        .set(threads::reaction_count.eq(threads::reaction_count + 1))
        .execute(conn)?;
    Ok(true)
}

/// Removes a reaction if present, uncounting it. Returns whether it existed.
pub fn remove_reaction(
    conn: &mut AnyConnection,
    post: &PostRef,
    user_id: i64,
    kind: ReactionKind,
) -> QueryResult<bool> {
    let removed = diesel::delete(reactions::table.find((post.id, user_id, kind))).execute(conn)?;
    if removed == 0 {
        return Ok(false);
    }
    count_column_delta(conn, post.id, kind, -1)?;
    diesel::update(threads::table.find(post.thread_id))
        .set(threads::reaction_count.eq(threads::reaction_count - 1))
        .execute(conn)?;
    Ok(true)
}

// ---- users --------------------------------------------------------------------------------

/// Ids and display names of the accounts with these names, ignoring case
/// (index `users_display_name_lower_key`).
pub fn users_by_names(
    conn: &mut AnyConnection,
    lower_names: &[String],
) -> QueryResult<Vec<(i64, String)>> {
    if lower_names.is_empty() {
        return Ok(Vec::new());
    }
    users::table
        .filter(users::display_name_lower.eq_any(lower_names))
        .filter(users::deleted_at.is_null())
        .select((users::id, users::display_name))
        .load(conn)
}

/// (account created, trust level) of a user.
pub fn author_facts(
    conn: &mut AnyConnection,
    user_id: i64,
) -> QueryResult<Option<(NaiveDateTime, i32)>> {
    users::table
        .find(user_id)
        .select((users::created_at, users::trust_level))
        .first(conn)
        .optional()
}

pub fn user_locale(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Option<Locale>> {
    users::table
        .find(user_id)
        .select(users::locale)
        .first(conn)
        .optional()
}

pub fn set_trust_level(conn: &mut AnyConnection, user_id: i64, level: i32) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::trust_level.eq(level))
        .execute(conn)
        .map(|_| ())
}

/// Where an email to a member goes.
pub struct EmailRecipient {
    pub email: String,
    pub locale: Locale,
    pub display_name: String,
}

/// Where to email a member who can still sign in; with `replies_only`, only if she asked for
/// reply emails.
pub fn email_recipient(
    conn: &mut AnyConnection,
    user_id: i64,
    replies_only: bool,
) -> QueryResult<Option<EmailRecipient>> {
    let mut query = users::table
        .find(user_id)
        .filter(may_sign_in_sql(crate::db::now()))
        .select((users::email, users::locale, users::display_name))
        .into_boxed();
    if replies_only {
        query = query.filter(users::notify_email_replies.eq(true));
    }
    let row: Option<(String, Locale, String)> = query.first(conn).optional()?;
    Ok(row.map(|(email, locale, display_name)| EmailRecipient {
        email,
        locale,
        display_name,
    }))
}

/// Takes the one reply email an hour a member may get about a thread: records `now` in the
/// ledger unless an email went out after `cutoff`, and tells whether it did (primary key).
/// Two replies at the same moment cannot both take it: the insert gives way to a row another
/// transaction is writing, and the update applies only to a row older than `cutoff`.
pub fn claim_reply_email(
    conn: &mut AnyConnection,
    user_id: i64,
    thread_id: i64,
    now: NaiveDateTime,
    cutoff: NaiveDateTime,
) -> QueryResult<bool> {
    let first = crate::db::concurrency::insert_ignoring_conflicts(
        conn,
        diesel::insert_into(reply_email_ledger::table).values((
            reply_email_ledger::user_id.eq(user_id),
            reply_email_ledger::thread_id.eq(thread_id),
            reply_email_ledger::last_sent_at.eq(now),
        )),
    )?;
    if first {
        return Ok(true);
    }
    let renewed = diesel::update(
        reply_email_ledger::table
            .find((user_id, thread_id))
            .filter(reply_email_ledger::last_sent_at.le(cutoff)),
    )
    .set(reply_email_ledger::last_sent_at.eq(now))
    .execute(conn)?;
    Ok(renewed == 1)
}
