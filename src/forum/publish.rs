//! What follows the publication of a post: counters, the author following the thread,
//! notifications (replies, mentions, watched threads and boards; none where muted), and reply
//! emails at most once an hour per thread.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};

use super::model::{PostRef, ThreadRef, TrackingLevel};
use super::service::maybe_promote;
use super::{store, tracking};
use crate::app::AppState;
use crate::db::AnyConnection;
use crate::http::error::ApiError;
use crate::notify::inapp::{self, NotificationKind};
use crate::notify::outbox;
use crate::notify::templates::{Email, MailVars, Template};

/// At most one reply email per thread per hour.
const REPLY_EMAIL_INTERVAL: Duration = Duration::hours(1);
const MAX_MENTIONS: usize = 10;

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
    // The author watches the thread she starts; a reply tracks it; she has read her own post.
    let follow = if post.is_first {
        TrackingLevel::Watching
    } else {
        TrackingLevel::Tracking
    };
    tracking::follow(conn, post.author_id, thread.id, follow, true, now)?;
    tracking::read_up_to(conn, post.author_id, thread.id, post.id, now)?;
    // One notification per recipient: answering you beats a reply in your (watched) thread
    // beats a mention beats a new post where you watch. Never to oneself, nothing to those
    // who muted the thread or its board.
    let mut recipients: BTreeMap<i64, NotificationKind> = BTreeMap::new();
    let (watchers, watched) = if post.is_first {
        let watchers = tracking::watchers_of_board(conn, thread.board_id)?;
        (watchers, NotificationKind::WatchedBoardThread)
    } else {
        let watchers = tracking::watchers_of_thread(conn, thread.id, thread.board_id)?;
        (watchers, NotificationKind::WatchedThreadPost)
    };
    for id in &watchers {
        recipients.insert(*id, watched);
    }
    for (id, _) in store::users_by_names(conn, &mentions(&post.body))? {
        recipients.insert(id, NotificationKind::Mention);
    }
    if !post.is_first {
        if watchers.contains(&thread.author_id) {
            recipients.insert(thread.author_id, NotificationKind::ReplyToThread);
        }
        if let Some(author) = reply_to_author {
            recipients.insert(author, NotificationKind::ReplyToPost);
        }
    }
    recipients.remove(&post.author_id);
    let candidates: Vec<i64> = recipients.keys().copied().collect();
    let levels = tracking::levels_of(conn, thread.id, thread.board_id, &candidates)?;
    for (user_id, kind) in recipients {
        if levels.get(&user_id) == Some(&TrackingLevel::Muted) {
            continue;
        }
        inapp::record(conn, user_id, kind, post.id, thread.id, post.author_id)?;
        if matches!(
            kind,
            NotificationKind::ReplyToThread | NotificationKind::ReplyToPost
        ) {
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
    let Some(recipient) = store::email_recipient(conn, user_id, true)? else {
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
