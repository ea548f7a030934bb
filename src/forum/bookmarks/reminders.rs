//! The bookmark reminders' worker: every due reminder becomes one in-app notification
//! (`bookmark_reminder`) exactly once, even with several servers on one database. Each pass
//! claims due bookmarks (`db::concurrency::claim_ids`, skipping those another server holds)
//! and marks each sent with an update conditional on `reminded_at IS NULL`, in the transaction
//! that records the notification: whichever server's update wins sends it.
//!
//! A reminder about something the member may no longer read (held, hidden, removed or
//! deleted, unless she wrote it) is marked sent without a notification, so that none reveals
//! a title she may not see.

use super::store;
use crate::app::AppState;
use crate::auth::content::PostStatus;
use crate::auth::policy;
use crate::db::{self, AnyConnection, Db};
use crate::http::error::ApiError;
use crate::notify::inapp::{self, NewNotification, NotificationKind};

/// Reminders claimed per transaction.
const BATCH: i64 = 100;

/// Sends every due reminder; how many notifications were recorded.
pub async fn send_due(db: &Db) -> Result<usize, ApiError> {
    let mut sent = 0;
    loop {
        let (claimed, notified) = db.write(send_batch).await?;
        sent += notified;
        if claimed < BATCH as usize {
            return Ok(sent);
        }
    }
}

/// One batch in one transaction: how many reminders were claimed and how many notified.
fn send_batch(conn: &mut AnyConnection) -> Result<(usize, usize), ApiError> {
    let now = db::now();
    let ids = store::claim_due(conn, now, BATCH)?;
    let mut notified = 0;
    for &id in &ids {
        let Some(due) = store::take_due(conn, id, now)? else {
            continue;
        };
        let mut shown = readable(due.user_id, due.thread_author_id, due.thread_status);
        if let Some(post_id) = due.post_id {
            shown &= store::post_author_and_status(conn, post_id)?
                .is_some_and(|(author, status)| readable(due.user_id, author, status));
        }
        if !shown {
            continue;
        }
        inapp::record_event(
            conn,
            &NewNotification {
                user_id: due.user_id,
                kind: NotificationKind::BookmarkReminder,
                subject_id: due.post_id.unwrap_or(due.thread_id),
                thread_id: Some(due.thread_id),
                actor_id: None,
                detail: due.note.as_deref(),
            },
        )?;
        notified += 1;
    }
    Ok((ids.len(), notified))
}

/// Whether the member may read content in `status` by `author_id` as every signed-in member
/// may, or as its author.
fn readable(user_id: i64, author_id: i64, status: PostStatus) -> bool {
    status != PostStatus::Deleted
        && (author_id == user_id || policy::may_see(None, author_id, status))
}

/// One pass of the worker (run by `app::periodic`), logged.
pub async fn sweep(state: AppState) {
    match send_due(&state.db).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(sent = n, "sent bookmark reminders"),
        Err(e) => tracing::warn!(error = %e, "sending bookmark reminders failed"),
    }
}
