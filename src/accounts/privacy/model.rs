//! The documents of the privacy endpoints: the data export (one object, one field per
//! section), the erasure request, and the access log as administrators read it.
//!
//! What the export leaves out, on purpose: who reported the member's posts, which moderator
//! wrote a note, placed a sanction or decided an appeal, and who caused a notification (the
//! actor of a reply may have posted anonymously). Those are other people's data. Notes that
//! moderators wrote about the member are included, their bodies only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::accounts::model::Me;
use crate::auth::content::PostStatus;
use crate::forum::model::ReactionKind;
use crate::moderation::model::{
    AppealStatus, AppealSubjectKind, FlagReason, FlagStatus, SanctionKind,
};
use crate::notify::inapp::NotificationKind;
use crate::trials::filters::TrialFilters;
use crate::trials::model::{ApplicationStatus, InterestStatus, NoticeState, RecruitmentStatus};

/// Everything Butterfly holds about one member.
#[derive(Debug, Serialize, ToSchema)]
pub struct DataExport {
    /// When this copy was made.
    pub generated_at: DateTime<Utc>,
    /// Account and profile, email address included.
    pub account: Me,
    /// Signed-in devices: the latest refresh of each session.
    pub sessions: Vec<ExportSession>,
    /// Threads the member started (their first posts are among `posts`).
    pub threads: Vec<ExportThread>,
    /// Every post the member wrote, in every status (held, hidden, removed and deleted too),
    /// with its earlier versions.
    pub posts: Vec<ExportPost>,
    /// Reactions the member gave.
    pub reactions: Vec<ExportReaction>,
    /// Posts the member reported.
    pub flags: Vec<ExportFlag>,
    pub notifications: Vec<ExportNotification>,
    /// Answers to trial notices ("I'm interested").
    pub trial_interests: Vec<ExportInterest>,
    /// Saved trial searches, with the notices they matched.
    pub trial_alerts: Vec<ExportAlert>,
    pub coordinator_applications: Vec<ExportApplication>,
    /// Trial notices the member published or drafted as a coordinator.
    pub trial_notices: Vec<ExportNotice>,
    /// Sanctions placed on the member, with their reasons.
    pub sanctions: Vec<ExportSanction>,
    pub appeals: Vec<ExportAppeal>,
    /// What moderators noted about the member (without who wrote it).
    pub moderator_notes: Vec<ExportNote>,
    /// When administrators read the member's private data (without who did).
    pub admin_accesses: Vec<ExportAccess>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportSession {
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Set once the session was logged out or revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportThread {
    pub id: i64,
    /// Slug of the board.
    pub board: String,
    pub title: String,
    pub tags: Vec<String>,
    pub anonymous: bool,
    pub content_warning: Option<String>,
    pub status: PostStatus,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportPost {
    pub id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    /// Whether this post opened its thread.
    pub is_first: bool,
    pub reply_to: Option<i64>,
    pub anonymous: bool,
    pub status: PostStatus,
    /// Markdown as stored.
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Earlier versions, oldest first.
    pub revisions: Vec<ExportRevision>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportRevision {
    /// The thread title at the time (first posts only).
    pub title: Option<String>,
    pub body: String,
    /// When this version was replaced.
    pub replaced_at: DateTime<Utc>,
    /// Whether a moderator made the edit that replaced it (which moderator is not said).
    pub replaced_by_moderator: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportReaction {
    pub post_id: i64,
    pub kind: ReactionKind,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportFlag {
    pub id: i64,
    pub post_id: i64,
    pub reason: FlagReason,
    pub note: Option<String>,
    pub status: FlagStatus,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportNotification {
    pub id: i64,
    pub kind: NotificationKind,
    pub subject_id: i64,
    pub thread_id: Option<i64>,
    pub detail: Option<String>,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportInterest {
    pub id: i64,
    pub trial_id: i64,
    pub trial_title: String,
    pub message: Option<String>,
    /// Whether the member shared the account's email address with the coordinator.
    pub share_email: bool,
    pub share_phone: Option<String>,
    pub status: InterestStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportAlert {
    pub id: i64,
    pub name: String,
    pub filters: TrialFilters,
    /// Notices this search matched.
    pub matched_trial_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportApplication {
    pub id: i64,
    pub organization: String,
    pub job_title: String,
    pub evidence: String,
    pub registry_ids: Vec<String>,
    pub status: ApplicationStatus,
    /// The administrator's reason, once decided.
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportNotice {
    pub id: i64,
    pub registry_id: String,
    pub title: String,
    pub state: NoticeState,
    pub recruitment_status: RecruitmentStatus,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportSanction {
    pub id: i64,
    pub kind: SanctionKind,
    pub reason: String,
    pub ends_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportAppeal {
    pub id: i64,
    pub subject_kind: AppealSubjectKind,
    pub subject_id: i64,
    pub text: String,
    pub status: AppealStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportNote {
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportAccess {
    /// `private_profile` or `export`.
    pub what: AccessKind,
    pub created_at: DateTime<Utc>,
}

crate::db::text_enum! {
    /// What happens to the member's posts when the account is erased.
    pub enum ContentChoice {
        /// Every post is removed and its text erased, earlier versions too; a thread the
        /// member started stays (title erased, first post a "[deleted]" placeholder) when
        /// others answered it, so their replies are not lost, and is removed otherwise.
        Remove = "remove",
        /// Posts stay where they are, signed "Former member" to everyone.
        KeepAnonymous = "keep_anonymous",
    }
}

/// `DELETE /me`: the password again, and what becomes of the member's posts.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"password": "a long passphrase 42", "content": "keep_anonymous"}))]
pub struct EraseRequest {
    pub password: String,
    /// `remove` or `keep_anonymous`.
    #[schema(value_type = ContentChoice)]
    pub content: String,
}

crate::db::text_enum! {
    /// What an administrator read.
    pub enum AccessKind {
        /// The private profile (`GET /admin/users/{id}`): email address, state, role.
        PrivateProfile = "private_profile",
        /// The whole export (`GET /admin/users/{id}/export`).
        Export = "export",
    }
}

/// One administrator read of a member's private data.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogEntry {
    pub id: i64,
    /// The administrator.
    pub actor_id: i64,
    /// The member whose data was read.
    pub subject_user_id: i64,
    pub what: AccessKind,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AccessLogQuery {
    /// Only reads of this member's data.
    pub subject_user_id: Option<i64>,
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_and_kinds_read_back_what_they_write() {
        for choice in [ContentChoice::Remove, ContentChoice::KeepAnonymous] {
            assert_eq!(ContentChoice::parse(choice.as_str()), Some(choice));
        }
        assert_eq!(ContentChoice::parse("delete"), None);
        for kind in [AccessKind::PrivateProfile, AccessKind::Export] {
            assert_eq!(AccessKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn an_erased_account_signs_as_former_member_without_an_id_even_for_moderators() {
        use crate::auth::model::{AuthorSummary, Role};
        use crate::auth::model::{erased_display_name, is_erased_display_name};

        let erased = erased_display_name("00c0ffee00c0ffee");
        assert!(is_erased_display_name(&erased));
        for name in ["Former_member", "Former member", "Formerly #1", "Ana_L"] {
            assert!(!is_erased_display_name(name), "{name}");
        }
        for (anonymous, reveal) in [(false, false), (false, true), (true, true)] {
            let author = AuthorSummary::new(7, erased.clone(), Role::Member, anonymous, reveal);
            assert_eq!(author.id, None);
            assert_eq!(author.display_name, "Former member");
            assert_eq!(author.role, None);
        }
        let kept = AuthorSummary::new(7, "Ana_L".into(), Role::Member, false, false);
        assert_eq!(kept.id, Some(7));
    }
}
