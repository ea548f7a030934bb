//! The append-only moderation log: every decision, sanction, lift, watched-word change and
//! role change, with what was done ([`LogAction`]) to what ([`LogTargetKind`]). Rows are only
//! ever inserted; no code path updates or deletes them.

use diesel::prelude::*;

use crate::db::schema::mod_log;
use crate::db::{self, AnyConnection};
use crate::queue::ItemKind;

crate::db::text_enum! {
    /// What a log entry records: a queue decision, by the action taken (`approve` to
    /// `lock_thread`), or another act of moderation.
    pub enum LogAction {
        Approve = "approve",
        Dismiss = "dismiss",
        Hide = "hide",
        Remove = "remove",
        Edit = "edit",
        LockThread = "lock_thread",
        /// A post hidden by its reporters' flags, pending review.
        AutoHide = "auto_hide",
        /// A post's text replaced or removed by a moderator (with the text before).
        ContentChange = "content_change",
        /// A thread locked, unlocked, pinned or unpinned.
        ThreadSettings = "thread_settings",
        Sanction = "sanction",
        LiftSanction = "lift_sanction",
        AppealUpheld = "appeal_upheld",
        AppealOverturned = "appeal_overturned",
        WatchedWordAdded = "watched_word_added",
        WatchedWordRemoved = "watched_word_removed",
        RoleChange = "role_change",
        CoordinatorApplicationApproved = "coordinator_application_approved",
        CoordinatorApplicationRejected = "coordinator_application_rejected",
        TrialNoticeSubmitted = "trial_notice_submitted",
        TrialNoticeResubmitted = "trial_notice_resubmitted",
        TrialNoticePublished = "trial_notice_published",
        TrialNoticeReturned = "trial_notice_returned",
        TrialNoticeClosed = "trial_notice_closed",
        TrialNoticeExpired = "trial_notice_expired",
        AccountErased = "account_erased",
    }
}

crate::db::text_enum! {
    /// What a log entry is about (`target_id` is its id).
    pub enum LogTargetKind {
        Post = "post",
        /// A post decided from the queue, by the kind of its item.
        FlaggedPost = "flagged_post",
        HeldPost = "held_post",
        Crisis = "crisis",
        Thread = "thread",
        User = "user",
        Appeal = "appeal",
        WatchedWord = "watched_word",
        TrialNotice = "trial_notice",
        CoordinatorApplication = "coordinator_application",
        /// A private message decided from the queue (never in the public log).
        HeldMessage = "held_message",
        ReportedMessage = "reported_message",
    }
}

impl From<ItemKind> for LogTargetKind {
    fn from(kind: ItemKind) -> Self {
        match kind {
            ItemKind::FlaggedPost => Self::FlaggedPost,
            ItemKind::HeldPost => Self::HeldPost,
            ItemKind::Crisis => Self::Crisis,
            ItemKind::TrialNotice => Self::TrialNotice,
            ItemKind::CoordinatorApplication => Self::CoordinatorApplication,
            ItemKind::Appeal => Self::Appeal,
            ItemKind::HeldMessage => Self::HeldMessage,
            ItemKind::ReportedMessage => Self::ReportedMessage,
        }
    }
}

/// One entry to append.
pub struct Entry<'a> {
    /// `None` for the system (automatic filters, expiries).
    pub actor_id: Option<i64>,
    pub action: LogAction,
    pub target_kind: LogTargetKind,
    pub target_id: i64,
    pub reason: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// Appends an entry, in the caller's transaction.
pub fn append(conn: &mut AnyConnection, entry: &Entry<'_>) -> QueryResult<()> {
    diesel::insert_into(mod_log::table)
        .values((
            mod_log::actor_id.eq(entry.actor_id),
            mod_log::action.eq(entry.action),
            mod_log::target_kind.eq(entry.target_kind),
            mod_log::target_id.eq(entry.target_id),
            mod_log::reason.eq(entry.reason),
            mod_log::before_text.eq(entry.before),
            mod_log::after_text.eq(entry.after),
            mod_log::created_at.eq(db::now()),
        ))
        .execute(conn)
        .map(|_| ())
}
