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

use crate::accounts::member_data::{ExportSession, ExportTwoFactor};
use crate::accounts::model::Me;
use crate::forum::member_data::{
    ExportBookmark, ExportFollowedBoard, ExportFollowedThread, ExportPost, ExportReaction,
    ExportThread,
};
use crate::forum::model::DigestFrequency;
use crate::messages::member_data::ExportMessages;
use crate::moderation::member_data::{ExportAppeal, ExportFlag, ExportNote, ExportSanction};
use crate::notify::member_data::ExportNotification;
use crate::relations::member_data::ExportIgnored;
use crate::trials::member_data::{
    ExportAlert, ExportApplication, ExportInterest, ExportNotice, ExportWatch, HealthProfile,
};

/// Everything Butterfly holds about one member.
#[derive(Debug, Serialize, ToSchema)]
pub struct DataExport {
    /// When this copy was made.
    pub generated_at: DateTime<Utc>,
    /// Account and profile, email address included.
    pub account: Me,
    /// Signed-in devices: the latest refresh of each session.
    pub sessions: Vec<ExportSession>,
    /// Whether two-factor authentication is on (its secret and recovery codes are never
    /// exported).
    pub two_factor: ExportTwoFactor,
    /// Threads the member started (their first posts are among `posts`).
    pub threads: Vec<ExportThread>,
    /// Every post the member wrote, in every status (held, hidden, removed and deleted too),
    /// with its earlier versions.
    pub posts: Vec<ExportPost>,
    /// Reactions the member gave.
    pub reactions: Vec<ExportReaction>,
    /// Threads the member follows or has read, with her level and read mark.
    pub followed_threads: Vec<ExportFollowedThread>,
    /// Boards the member chose a level for.
    pub followed_boards: Vec<ExportFollowedBoard>,
    /// The email digest of followed activity she chose.
    pub activity_digest: DigestFrequency,
    /// Threads and posts the member bookmarked, with her notes and reminders.
    pub bookmarks: Vec<ExportBookmark>,
    /// Posts the member reported.
    pub flags: Vec<ExportFlag>,
    pub notifications: Vec<ExportNotification>,
    /// Members the member ignores (who ignores her is never shown).
    pub ignored_members: Vec<ExportIgnored>,
    /// Private messages she sent (never what others wrote to her), and her message settings.
    pub messages: ExportMessages,
    /// Answers to trial notices ("I'm interested").
    pub trial_interests: Vec<ExportInterest>,
    /// Saved trial searches, with the notices they matched.
    pub trial_alerts: Vec<ExportAlert>,
    pub coordinator_applications: Vec<ExportApplication>,
    /// Trial notices the member published or drafted as a coordinator.
    pub trial_notices: Vec<ExportNotice>,
    /// Trial notices the member watches.
    pub trial_watches: Vec<ExportWatch>,
    /// Her private health profile for the trial pre-check. In her own export only: an
    /// administrator's copy leaves it out, and the pre-checks attached to her answers too.
    pub health_profile: Option<HealthProfile>,
    /// Sanctions placed on the member, with their reasons.
    pub sanctions: Vec<ExportSanction>,
    pub appeals: Vec<ExportAppeal>,
    /// What moderators noted about the member (without who wrote it).
    pub moderator_notes: Vec<ExportNote>,
    /// When administrators read the member's private data (without who did).
    pub admin_accesses: Vec<ExportAccess>,
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
