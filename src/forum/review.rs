//! What moderation needs to act on the forum (its port): load a post, move it between
//! states with everything that follows (counters, thread status, search index, publication),
//! edit it as a moderator, lock a thread, and lock a member's live posts for a ban.

use super::model::{PostRef, StatusChange};
use super::publish::on_published;
use super::service::{check_body, not_found_post, not_found_thread, render_body};
use super::store;
use crate::app::AppState;
use crate::auth::content::PostStatus;
use crate::db::search;
use crate::db::{self, AnyConnection};
use crate::http::error::{ApiError, FieldErrors};
use crate::markdown;

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
