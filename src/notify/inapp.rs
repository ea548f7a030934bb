//! In-app notifications: the kinds, how features record them (inside their own write
//! transaction), and the member's list and read marks. Later features add their kinds here.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::content::PostStatus;
use crate::auth::model::{AuthorSummary, Role};
use crate::db::schema::{member_ignores, notifications, posts, threads, users};
use crate::db::utc;
use crate::db::{self, AnyConnection};
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor, IdCursor, Page};

crate::db::text_enum! {
    /// What a notification is about.
    pub enum NotificationKind {
        /// Someone replied in a thread you started.
        ReplyToThread = "reply_to_thread",
        /// Someone answered one of your posts.
        ReplyToPost = "reply_to_post",
        /// Someone mentioned you with `@display_name`.
        Mention = "mention",
        /// A moderator decided about your post (`detail` says what and why).
        ModerationOutcome = "moderation_outcome",
        /// Your flag of a post or report of a message was looked at: `detail` is "action
        /// taken" or "no action".
        FlagOutcome = "flag_outcome",
        /// Your post was hidden pending review (`detail` says why).
        PostHidden = "post_hidden",
        /// A sanction was placed on your account or lifted (`detail` says which).
        Sanction = "sanction",
        /// Your appeal was decided (`detail` says how).
        AppealOutcome = "appeal_outcome",
        /// Your coordinator application was decided (`detail` says how).
        CoordinatorApplication = "coordinator_application",
        /// Your trial notice was reviewed (`detail` says how).
        TrialReview = "trial_review",
        /// A member answered your trial notice.
        TrialInterest = "trial_interest",
        /// A newly published trial notice matches one of your saved searches.
        TrialAlert = "trial_alert",
        /// The coordinator changed the status of your answer to a trial notice (`detail`: the
        /// new status; the subject is the notice).
        TrialAnswerUpdate = "trial_answer_update",
        /// A notice you answered or watch changed its recruitment status or closed (`detail`
        /// says which; the subject is the notice).
        TrialNoticeUpdate = "trial_notice_update",
        /// A new post in a thread you watch.
        WatchedThreadPost = "watched_thread_post",
        /// A new thread on a board you watch (the subject is its first post).
        WatchedBoardThread = "watched_board_thread",
        /// A reminder you set on a bookmark is due: `subject_id` is the bookmarked post, or
        /// the thread for a bookmark of a thread; `detail` is the bookmark's note.
        BookmarkReminder = "bookmark_reminder",
        /// A new private message in one of your conversations (`subject_id` is the
        /// conversation).
        Message = "message",
        /// A member asks to start a conversation with you (`subject_id` is the conversation).
        MessageRequest = "message_request",
    }
}

impl NotificationKind {
    /// Kinds about another member's published post: they are listed only while the post is
    /// published, so none reveals a post the recipient may not see.
    pub const ABOUT_PUBLISHED_POSTS: [NotificationKind; 5] = [
        Self::ReplyToThread,
        Self::ReplyToPost,
        Self::Mention,
        Self::WatchedThreadPost,
        Self::WatchedBoardThread,
    ];
}

/// A notification to record.
pub struct NewNotification<'a> {
    pub user_id: i64,
    pub kind: NotificationKind,
    /// The post, trial notice, application, appeal, sanction or conversation it is about.
    pub subject_id: i64,
    pub thread_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub detail: Option<&'a str>,
}

/// Records a notification about a post of a thread by `actor_id`; call inside the write
/// transaction of the event.
pub fn record(
    conn: &mut AnyConnection,
    user_id: i64,
    kind: NotificationKind,
    post_id: i64,
    thread_id: i64,
    actor_id: i64,
) -> QueryResult<()> {
    record_event(
        conn,
        &NewNotification {
            user_id,
            kind,
            subject_id: post_id,
            thread_id: Some(thread_id),
            actor_id: Some(actor_id),
            detail: None,
        },
    )
}

/// Records any notification; call inside the write transaction of the event. Nothing is
/// recorded when the recipient ignores the member who caused it.
pub fn record_event(conn: &mut AnyConnection, n: &NewNotification<'_>) -> QueryResult<()> {
    if let Some(actor) = n.actor_id
        && crate::relations::store::ignores(conn, n.user_id, actor)?
    {
        return Ok(());
    }
    diesel::insert_into(notifications::table)
        .values((
            notifications::user_id.eq(n.user_id),
            notifications::kind.eq(n.kind),
            notifications::subject_id.eq(n.subject_id),
            notifications::thread_id.eq(n.thread_id),
            notifications::actor_id.eq(n.actor_id),
            notifications::detail.eq(n.detail),
            notifications::created_at.eq(db::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// How many notifications of `kinds` recorded for `user_id` after `since` are still unread
/// (index `notifications_user_idx`).
pub fn unread_since(
    conn: &mut AnyConnection,
    user_id: i64,
    since: NaiveDateTime,
    kinds: &[NotificationKind],
) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::created_at.gt(since))
        .filter(notifications::read_at.is_null())
        .filter(notifications::kind.eq_any(kinds))
        .count()
        .get_result(conn)
}

/// A notification as its recipient sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    /// The post, trial notice, application, appeal or sanction it is about.
    pub subject_id: i64,
    /// What happened, for moderation, sanction, appeal and review outcomes.
    pub detail: Option<String>,
    pub thread_id: Option<i64>,
    pub thread_title: Option<String>,
    /// Who caused it; the anonymous form when they posted anonymously.
    pub actor: Option<AuthorSummary>,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NotificationQuery {
    /// Only unread notifications.
    #[serde(default)]
    pub unread: bool,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Marks notifications read: some by id, or all.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkReadRequest {
    #[serde(default)]
    pub ids: Vec<i64>,
    #[serde(default)]
    pub all: bool,
}

type Row = (
    i64,
    NotificationKind,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<Role>,
    Option<bool>,
    Option<NaiveDateTime>,
    NaiveDateTime,
);

/// The caller's notifications, newest first, one query (index `notifications_user_idx`).
/// Notifications about posts that are no longer published are left out, so none reveals a
/// post the recipient may not see.
pub async fn list(
    state: &AppState,
    user_id: i64,
    query: NotificationQuery,
) -> Result<Page<Notification>, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let before = pagination::after_id(query.cursor.as_deref())?;
    let unread = query.unread;
    let rows: Vec<Row> = state
        .db
        .read(move |conn| {
            let mut q = notifications::table
                .left_join(
                    posts::table.on(posts::id
                        .eq(notifications::subject_id)
                        .and(notifications::kind.eq_any(NotificationKind::ABOUT_PUBLISHED_POSTS))),
                )
                .left_join(threads::table.on(threads::id.nullable().eq(notifications::thread_id)))
                .left_join(users::table.on(users::id.nullable().eq(notifications::actor_id)))
                .filter(notifications::user_id.eq(user_id))
                // Nothing from a member she ignores, even from before she did (primary key).
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    member_ignores::table
                        .filter(member_ignores::user_id.eq(user_id))
                        .filter(
                            member_ignores::ignored_id
                                .nullable()
                                .eq(notifications::actor_id),
                        ),
                )))
                .filter(
                    posts::status
                        .nullable()
                        .eq(PostStatus::Published)
                        .or(notifications::kind.ne_all(NotificationKind::ABOUT_PUBLISHED_POSTS)),
                )
                .select((
                    notifications::id,
                    notifications::kind,
                    notifications::subject_id,
                    notifications::detail,
                    notifications::thread_id,
                    threads::title.nullable(),
                    notifications::actor_id,
                    users::display_name.nullable(),
                    users::role.nullable(),
                    posts::anonymous.nullable(),
                    notifications::read_at,
                    notifications::created_at,
                ))
                .into_boxed();
            if unread {
                q = q.filter(notifications::read_at.is_null());
            }
            if let Some(before) = before {
                q = q.filter(notifications::id.lt(before));
            }
            Ok::<_, ApiError>(
                q.order(notifications::id.desc())
                    .limit(limit + 1)
                    .load(conn)?,
            )
        })
        .await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.0 }.encode(),
        |r| Notification {
            id: r.0,
            kind: r.1,
            subject_id: r.2,
            detail: r.3,
            thread_id: r.4,
            thread_title: r.5,
            actor: match (r.6, r.7) {
                (Some(id), Some(name)) => Some(AuthorSummary::new(
                    id,
                    name,
                    r.8.unwrap_or(Role::Member),
                    r.9.unwrap_or(false),
                    false,
                )),
                _ => None,
            },
            read: r.10.is_some(),
            created_at: utc(r.11),
        },
    ))
}

/// Marks the caller's notifications read.
pub async fn mark_read(
    state: &AppState,
    user_id: i64,
    req: MarkReadRequest,
) -> Result<(), ApiError> {
    if !req.all && req.ids.is_empty() {
        return Err(ApiError::invalid(
            "ids",
            "give notification ids, or `all: true`",
        ));
    }
    if req.ids.len() > 500 {
        return Err(ApiError::invalid("ids", "at most 500 at once"));
    }
    state
        .db
        .write(move |conn| {
            let mine = notifications::table
                .filter(notifications::user_id.eq(user_id))
                .filter(notifications::read_at.is_null());
            let now = db::now();
            if req.all {
                diesel::update(mine)
                    .set(notifications::read_at.eq(now))
                    .execute(conn)?;
            } else {
                diesel::update(mine.filter(notifications::id.eq_any(req.ids)))
                    .set(notifications::read_at.eq(now))
                    .execute(conn)?;
            }
            Ok(())
        })
        .await
}
