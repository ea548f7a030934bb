//! Following threads and boards: each member's level per thread and per board (watching,
//! tracking, normal, muted; a thread without its own level takes its board's), what she has
//! read of a thread (for unread counts), and who is told about a new post. A thread's author
//! watches it; replying tracks it.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{BoardRow, ReadRequest, ThreadRef, Tracking, TrackingLevel};
use super::service::{not_found_post, not_found_thread};
use super::store;
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::content::PostStatus;
use crate::auth::policy::{self, Action, authorize};
use crate::db::schema::{board_tracking, boards, posts, thread_tracking, threads};
use crate::db::{self, AnyConnection};
use crate::http::error::ApiError;

// ---- the member's choices -----------------------------------------------------------------

/// `PUT /threads/{id}/tracking`: her level for a thread she can see.
pub async fn set_thread_level(
    state: &AppState,
    caller: &Caller,
    thread_id: i64,
    level: TrackingLevel,
) -> Result<Tracking, ApiError> {
    authorize(caller, Action::ProtectOneself)?;
    let who = caller.clone();
    state
        .db
        .write(move |conn| {
            let thread = visible_thread(conn, &who, thread_id)?;
            follow(conn, who.user_id, thread.id, level, false, db::now())?;
            Ok(Tracking { level })
        })
        .await
}

/// `PUT /boards/{slug}/tracking`: her level for a board, which its threads take unless she
/// chose one for a thread.
pub async fn set_board_level(
    state: &AppState,
    caller: &Caller,
    slug: String,
    level: TrackingLevel,
) -> Result<Tracking, ApiError> {
    authorize(caller, Action::ProtectOneself)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            let board = store::board_by_slug(conn, &slug)?
                .ok_or_else(|| ApiError::NotFound("no such board".into()))?;
            let now = db::now();
            let row = (
                board_tracking::user_id.eq(me),
                board_tracking::board_id.eq(board.id),
                board_tracking::level.eq(level),
                board_tracking::updated_at.eq(now),
            );
            db::concurrency::insert_or_update(
                conn,
                diesel::insert_into(board_tracking::table).values(row),
                |conn| {
                    diesel::update(board_tracking::table.find((me, board.id)))
                        .set((
                            board_tracking::level.eq(level),
                            board_tracking::updated_at.eq(now),
                        ))
                        .execute(conn)
                },
            )?;
            Ok(Tracking { level })
        })
        .await
}

/// `POST /threads/{id}/read`: she has read the thread up to a post of it (never backwards).
pub async fn mark_read(
    state: &AppState,
    caller: &Caller,
    thread_id: i64,
    req: ReadRequest,
) -> Result<(), ApiError> {
    authorize(caller, Action::ProtectOneself)?;
    let who = caller.clone();
    state
        .db
        .write(move |conn| {
            let thread = visible_thread(conn, &who, thread_id)?;
            let post = store::post_ref(conn, req.post_id)?
                .filter(|p| p.thread_id == thread.id)
                .ok_or_else(not_found_post)?;
            read_up_to(conn, who.user_id, thread.id, post.id, db::now())?;
            Ok(())
        })
        .await
}

/// A thread `who` may see, else 404.
fn visible_thread(
    conn: &mut AnyConnection,
    who: &Caller,
    thread_id: i64,
) -> Result<ThreadRef, ApiError> {
    store::thread_ref(conn, thread_id)?
        .filter(|t| policy::may_see(Some(who), t.author_id, t.status))
        .ok_or_else(not_found_thread)
}

// ---- what publishing a post does ----------------------------------------------------------

/// Her own level for a thread, keeping what she read; with `unless_chosen`, only if she has
/// not chosen one (the author watches the thread she starts; a reply tracks it).
pub(super) fn follow(
    conn: &mut AnyConnection,
    user_id: i64,
    thread_id: i64,
    level: TrackingLevel,
    unless_chosen: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    db::concurrency::insert_or_update(
        conn,
        diesel::insert_into(thread_tracking::table).values((
            thread_tracking::user_id.eq(user_id),
            thread_tracking::thread_id.eq(thread_id),
            thread_tracking::level.eq(Some(level)),
            thread_tracking::updated_at.eq(now),
        )),
        |conn| {
            let mine = thread_tracking::table.find((user_id, thread_id));
            let change = (
                thread_tracking::level.eq(Some(level)),
                thread_tracking::updated_at.eq(now),
            );
            if unless_chosen {
                diesel::update(mine.filter(thread_tracking::level.is_null()))
                    .set(change)
                    .execute(conn)
            } else {
                diesel::update(mine).set(change).execute(conn)
            }
        },
    )
}

/// Marks the thread read up to `post_id`: `read_count` becomes the visible posts up to it
/// (index `posts_thread_idx`). A mark never moves backwards.
pub(super) fn read_up_to(
    conn: &mut AnyConnection,
    user_id: i64,
    thread_id: i64,
    post_id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let read: i64 = posts::table
        .filter(posts::thread_id.eq(thread_id))
        .filter(posts::id.le(post_id))
        .filter(posts::status.eq(PostStatus::Published))
        .count()
        .get_result(conn)?;
    let read = i32::try_from(read).unwrap_or(i32::MAX);
    db::concurrency::insert_or_update(
        conn,
        diesel::insert_into(thread_tracking::table).values((
            thread_tracking::user_id.eq(user_id),
            thread_tracking::thread_id.eq(thread_id),
            thread_tracking::last_read_post_id.eq(post_id),
            thread_tracking::read_count.eq(read),
            thread_tracking::updated_at.eq(now),
        )),
        |conn| {
            diesel::update(
                thread_tracking::table
                    .find((user_id, thread_id))
                    .filter(thread_tracking::last_read_post_id.lt(post_id)),
            )
            .set((
                thread_tracking::last_read_post_id.eq(post_id),
                thread_tracking::read_count.eq(read),
                thread_tracking::updated_at.eq(now),
            ))
            .execute(conn)
        },
    )
}

/// The levels that decide what `users` hear of a thread: each one's own, else the board's,
/// else normal (primary keys).
pub(super) fn levels_of(
    conn: &mut AnyConnection,
    thread_id: i64,
    board_id: i64,
    users: &[i64],
) -> QueryResult<HashMap<i64, TrackingLevel>> {
    if users.is_empty() {
        return Ok(HashMap::new());
    }
    let own: HashMap<i64, TrackingLevel> = thread_tracking::table
        .filter(thread_tracking::thread_id.eq(thread_id))
        .filter(thread_tracking::user_id.eq_any(users))
        .select((thread_tracking::user_id, thread_tracking::level))
        .load::<(i64, Option<TrackingLevel>)>(conn)?
        .into_iter()
        .filter_map(|(user, level)| level.map(|l| (user, l)))
        .collect();
    let board: HashMap<i64, TrackingLevel> = board_tracking::table
        .filter(board_tracking::board_id.eq(board_id))
        .filter(board_tracking::user_id.eq_any(users))
        .select((board_tracking::user_id, board_tracking::level))
        .load(conn)?
        .into_iter()
        .collect();
    Ok(users
        .iter()
        .map(|u| {
            let level = TrackingLevel::effective(own.get(u).copied(), board.get(u).copied());
            (*u, level)
        })
        .collect())
}

/// Who watches a thread: her own level says watching, or she watches its board and chose no
/// level for the thread (indexes `thread_tracking_thread_idx`, `board_tracking_board_idx`).
pub(super) fn watchers_of_thread(
    conn: &mut AnyConnection,
    thread_id: i64,
    board_id: i64,
) -> QueryResult<Vec<i64>> {
    let own: Vec<(i64, Option<TrackingLevel>)> = thread_tracking::table
        .filter(thread_tracking::thread_id.eq(thread_id))
        .filter(thread_tracking::level.is_not_null())
        .select((thread_tracking::user_id, thread_tracking::level))
        .load(conn)?;
    let mut watchers: Vec<i64> = own
        .iter()
        .filter(|(_, level)| *level == Some(TrackingLevel::Watching))
        .map(|(user, _)| *user)
        .collect();
    for user in watchers_of_board(conn, board_id)? {
        if !own.iter().any(|(u, _)| *u == user) {
            watchers.push(user);
        }
    }
    Ok(watchers)
}

/// Who watches a board (index `board_tracking_board_idx`).
pub(super) fn watchers_of_board(conn: &mut AnyConnection, board_id: i64) -> QueryResult<Vec<i64>> {
    board_tracking::table
        .filter(board_tracking::board_id.eq(board_id))
        .filter(board_tracking::level.eq(TrackingLevel::Watching))
        .select(board_tracking::user_id)
        .load(conn)
}

// ---- the board list -----------------------------------------------------------------------

/// Every board with the member's level for it and how many threads of it she watches or
/// tracks have posts she has not read, in one query (primary key of `board_tracking`; the
/// count reads her `thread_tracking` rows).
pub(super) fn boards_for(
    conn: &mut AnyConnection,
    user_id: i64,
) -> QueryResult<Vec<(BoardRow, Option<TrackingLevel>, i64)>> {
    let followed = [TrackingLevel::Watching, TrackingLevel::Tracking];
    boards::table
        .left_join(
            board_tracking::table.on(board_tracking::board_id
                .eq(boards::id)
                .and(board_tracking::user_id.eq(user_id))),
        )
        .order((boards::position.asc(), boards::id.asc()))
        .select((
            BoardRow::as_select(),
            board_tracking::level.nullable(),
            thread_tracking::table
                .inner_join(threads::table.on(threads::id.eq(thread_tracking::thread_id)))
                .filter(thread_tracking::user_id.eq(user_id))
                .filter(threads::board_id.eq(boards::id))
                .filter(threads::status.eq(PostStatus::Published))
                .filter((threads::reply_count + 1).gt(thread_tracking::read_count))
                .filter(
                    thread_tracking::level
                        .eq_any(followed)
                        .or(thread_tracking::level
                            .is_null()
                            .and(board_tracking::level.nullable().eq_any(followed))),
                )
                .count()
                .single_value()
                .assume_not_null(),
        ))
        .load(conn)
}
