//! Request and response bodies of moderation: flags, queue items, decisions, sanctions,
//! notes, watched words, the log and appeals.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::content::PostStatus;
use crate::auth::model::Role;
use crate::filters::WordAction;
use crate::modlog::{LogAction, LogTargetKind};
use crate::queue::{ItemKind, Resolution};

crate::db::text_enum! {
    /// Why a member flags a post.
    pub enum FlagReason {
        Spam = "spam",
        Harassment = "harassment",
        Misinformation = "misinformation",
        SelfHarm = "self_harm",
        PersonalInfo = "personal_info",
        OffTopic = "off_topic",
        Other = "other",
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "misinformation", "note": "tells people to stop their medication"}))]
pub struct FlagRequest {
    pub reason: FlagReason,
    /// Required for `other`; at most 1,000 characters.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// A flag as its reporter sees it after flagging.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagReceipt {
    pub id: i64,
    pub post_id: i64,
    pub reason: FlagReason,
    /// Whether the post is now hidden pending review.
    pub post_hidden: bool,
}

crate::db::text_enum! {
    /// A moderator's decision on a queue item.
    pub enum DecisionAction {
        /// Publish a held post, clear flags, accept a notice, application or appeal.
        Approve = "approve",
        /// No action: the flags, notice, application or appeal are turned down.
        Dismiss = "dismiss",
        Hide = "hide",
        Remove = "remove",
        /// Replace the body (`body` required); a revision is kept.
        Edit = "edit",
        LockThread = "lock_thread",
    }
}

impl DecisionAction {
    /// Whether the decision acts against the content (for reporter accuracy and appeals).
    pub fn takes_action(self) -> bool {
        matches!(
            self,
            Self::Hide | Self::Remove | Self::Edit | Self::LockThread
        )
    }
}

impl From<DecisionAction> for Resolution {
    fn from(action: DecisionAction) -> Self {
        match action {
            DecisionAction::Approve => Self::Approve,
            DecisionAction::Dismiss => Self::Dismiss,
            DecisionAction::Hide => Self::Hide,
            DecisionAction::Remove => Self::Remove,
            DecisionAction::Edit => Self::Edit,
            DecisionAction::LockThread => Self::LockThread,
        }
    }
}

impl From<DecisionAction> for LogAction {
    fn from(action: DecisionAction) -> Self {
        match action {
            DecisionAction::Approve => Self::Approve,
            DecisionAction::Dismiss => Self::Dismiss,
            DecisionAction::Hide => Self::Hide,
            DecisionAction::Remove => Self::Remove,
            DecisionAction::Edit => Self::Edit,
            DecisionAction::LockThread => Self::LockThread,
        }
    }
}

crate::db::text_enum! {
    /// Where a flag stands.
    pub enum FlagStatus {
        /// Waiting for a moderator's decision on the post.
        Open = "open",
        /// The decision acted against the post.
        Actioned = "actioned",
        Dismissed = "dismissed",
    }
}

crate::db::text_enum! {
    /// Where a queue item stands, as moderators see it: an open item under a live claim is
    /// `claimed` until the claim lapses. (As a filter, `open` also takes one's own claims.)
    pub enum QueueStatus {
        Open = "open",
        Claimed = "claimed",
        Resolved = "resolved",
    }
}

crate::db::text_enum! {
    /// Where an appeal stands.
    pub enum AppealStatus {
        Open = "open",
        /// The decision or sanction stands.
        Upheld = "upheld",
        /// The decision was undone, or the sanction lifted.
        Overturned = "overturned",
    }
}

/// The actions a kind of item allows.
pub fn allowed_actions(kind: ItemKind) -> &'static [DecisionAction] {
    use DecisionAction::*;
    match kind {
        ItemKind::FlaggedPost | ItemKind::Crisis => {
            &[Approve, Dismiss, Hide, Remove, Edit, LockThread]
        }
        ItemKind::HeldPost => &[Approve, Remove, Edit, LockThread],
        ItemKind::TrialNotice | ItemKind::CoordinatorApplication | ItemKind::Appeal => {
            &[Approve, Dismiss]
        }
        // Release a held message, or remove it.
        ItemKind::HeldMessage => &[Approve, Remove],
        ItemKind::ReportedMessage => &[Dismiss, Remove],
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"action": "remove", "reason": "dangerous medical advice", "version": 3}))]
pub struct DecisionRequest {
    pub action: DecisionAction,
    /// Why; shown to the author and kept in the log.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
    /// The item's `version` as last read; a stale one gives 409.
    #[schema(minimum = -2147483648, maximum = 2147483647)]
    pub version: i32,
    /// Private note for the other moderators.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
    /// The new body, for `edit`.
    #[schema(min_length = 1, max_length = 20000)]
    pub body: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct QueueQuery {
    /// `open` (default: unresolved and not claimed by someone else), `claimed` or `resolved`.
    pub status: Option<String>,
    pub kind: Option<ItemKind>,
    /// Only items with this reason.
    pub reason: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Who did something, as moderators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub id: i64,
    pub display_name: String,
    pub role: Option<Role>,
}

/// How an item's priority score is made (see the `moderation::queue` documentation).
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreParts {
    /// Score without age: severity + reporters + reporter accuracy.
    pub base: f64,
    /// Hours since the item was opened (counted up to 48).
    pub age_hours: f64,
}

/// A post under review.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedPost {
    pub id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub body: String,
    pub body_html: String,
    pub status: PostStatus,
    pub anonymous: bool,
    pub author: Person,
    pub created_at: DateTime<Utc>,
}

/// One flag on a post.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagView {
    pub id: i64,
    pub reason: FlagReason,
    pub note: Option<String>,
    pub status: FlagStatus,
    pub reporter: Person,
    /// Share of the reporter's earlier flags that led to action.
    pub reporter_accuracy: f64,
    pub created_at: DateTime<Utc>,
}

/// A sanction as moderators and the member see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SanctionView {
    pub id: i64,
    pub user_id: i64,
    pub kind: SanctionKind,
    pub reason: String,
    pub until: Option<DateTime<Utc>>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
}

/// A private note moderators keep on a member.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoteView {
    pub id: i64,
    pub author: Person,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// What moderators know of a member's past.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct AuthorHistory {
    pub sanctions: Vec<SanctionView>,
    /// Published posts.
    pub approved_posts: i64,
    /// Posts removed or hidden by moderators.
    pub removed_posts: i64,
    /// How many members ignore this member (who they are is never shown).
    pub ignored_by: i64,
    pub notes: Vec<NoteView>,
}

/// One queue item with everything needed to decide it.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    pub id: i64,
    pub kind: ItemKind,
    pub subject_id: i64,
    pub status: QueueStatus,
    pub reason: Option<String>,
    /// Priority: crisis items first, then by this score, highest first.
    pub score: f64,
    pub score_parts: ScoreParts,
    /// Send it back with a decision; a stale version gives 409.
    pub version: i32,
    pub claimed_by: Option<Person>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub resolution: Option<Resolution>,
    pub allowed_actions: Vec<DecisionAction>,
    /// The post, for post items.
    pub post: Option<QueuedPost>,
    pub flags: Vec<FlagView>,
    /// The post's author's (or applicant's, or appellant's) history.
    pub author_history: Option<AuthorHistory>,
    /// A description of the subject, for trial notices, applications and appeals.
    #[schema(value_type = Option<Object>)]
    pub subject: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

crate::db::text_enum! {
    /// Sanctions a moderator can place.
    pub enum SanctionKind {
        /// A warning: recorded and notified, nothing else.
        Warn = "warn",
        /// Read only until `until` (or until lifted).
        Silence = "silence",
        /// Cannot sign in until `until`; every session ends at once.
        Suspend = "suspend",
        /// Permanent suspension.
        Ban = "ban",
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"kind": "silence", "reason": "repeated harassment", "until": "2026-12-01T00:00:00Z"}))]
pub struct SanctionRequest {
    pub kind: SanctionKind,
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
    /// End of a silence or suspension; absent means until lifted. Ignored for warn and ban.
    pub until: Option<DateTime<Utc>>,
    /// For `ban`: also remove every post of the member.
    #[serde(default)]
    pub remove_content: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NoteRequest {
    /// 1–2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub body: String,
}

/// A watched-word rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchedWordView {
    pub id: i64,
    pub pattern: String,
    pub action: WordAction,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"pattern": "miracle * cure", "action": "hold"}))]
pub struct WatchedWordRequest {
    /// A word or phrase; `*` matches any run of characters. Case-insensitive; no word
    /// boundaries are assumed, so it works for Chinese.
    #[schema(min_length = 2, max_length = 100)]
    pub pattern: String,
    pub action: WordAction,
}

/// A moderation log entry, as moderators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogEntry {
    pub id: i64,
    /// `None` for automatic actions.
    pub actor: Option<Person>,
    pub action: LogAction,
    pub target_kind: LogTargetKind,
    pub target_id: i64,
    pub reason: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A moderation log entry, as everyone sees it: no moderator names, no removed content.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicLogEntry {
    pub id: i64,
    /// "a moderator", or "automatic".
    pub actor: String,
    pub action: LogAction,
    pub target_kind: LogTargetKind,
    pub target_id: i64,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

crate::db::text_enum! {
    /// What an appeal is about.
    pub enum AppealSubjectKind {
        /// A queue decision (the queue item id).
        Decision = "decision",
        /// A sanction (the sanction id).
        Sanction = "sanction",
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AppealSubject {
    pub kind: AppealSubjectKind,
    pub id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"subject": {"kind": "decision", "id": 12}, "text": "My post shared my own experience, not advice."}))]
pub struct AppealRequest {
    #[serde(deserialize_with = "crate::http::json::object")]
    pub subject: AppealSubject,
    /// 10–2,000 characters.
    #[schema(min_length = 10, max_length = 2000)]
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppealView {
    pub id: i64,
    pub subject_kind: AppealSubjectKind,
    pub subject_id: i64,
    pub text: String,
    pub status: AppealStatus,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LogQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}
