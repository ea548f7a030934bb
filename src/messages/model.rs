//! Rows, states, request and response bodies of private messages.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::model::AuthorSummary;
use crate::config::SupportResource;
use crate::http::pagination::Cursor;

crate::db::text_enum! {
    /// Where a participant stands in a conversation. Others never see `declined`: to them a
    /// declined request stays `requested`.
    pub enum MemberState {
        /// Asked to join (a first message to her); she sees it and may accept or decline.
        Requested = "requested",
        Accepted = "accepted",
        Declined = "declined",
        Left = "left",
    }
}

crate::db::text_enum! {
    /// Where a message stands.
    pub enum MessageStatus {
        Delivered = "delivered",
        /// Held by screening for a moderator; only its sender sees it.
        Held = "held",
        /// Removed by a moderator: a placeholder for the participants.
        Removed = "removed",
        /// Its sender erased her account: a placeholder.
        Deleted = "deleted",
    }
}

crate::db::text_enum! {
    /// Who may start a conversation with a member.
    #[derive(Default)]
    pub enum WhoMayWrite {
        Nobody = "nobody",
        /// Members with whom she already has a conversation she accepted.
        TalkedWith = "talked_with",
        /// Every member past trust level 0 (a first message is a request she may decline).
        #[default]
        Everyone = "everyone",
    }
}

crate::db::text_enum! {
    /// Why a participant reports a message.
    pub enum ReportReason {
        Harassment = "harassment",
        Spam = "spam",
        SelfHarm = "self_harm",
        PersonalInfo = "personal_info",
        Other = "other",
    }
}

/// What the placeholder of a removed message says.
pub const REMOVED_TEXT: &str = "[message removed by the moderators]";
/// What the placeholder of a message whose sender erased her account says.
pub const DELETED_TEXT: &str = "[message deleted]";

// ---- rows ---------------------------------------------------------------------------------

/// One participation.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub conversation_id: i64,
    pub user_id: i64,
    pub state: MemberState,
    pub last_read_message_id: i64,
}

/// One message as stored, with its sender's name and role.
#[derive(Debug, Clone)]
pub struct MessageRow {
    pub id: i64,
    pub conversation_id: i64,
    pub sender_id: i64,
    pub sender_name: String,
    pub sender_role: crate::auth::model::Role,
    pub body: String,
    pub body_html: String,
    pub status: MessageStatus,
    pub created_at: NaiveDateTime,
}

// ---- requests -----------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"recipients": [42], "body": "Hello! I read your post about fatigue."}))]
pub struct StartConversationRequest {
    /// The members to write to (one to nine; the conversation holds at most ten).
    #[schema(min_items = 1, max_items = 9)]
    pub recipients: Vec<i64>,
    /// The first message, in markdown.
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"body": "Thank you, that helps."}))]
pub struct SendMessageRequest {
    /// Markdown.
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateMessageSettings {
    pub who_may_write: Option<WhoMayWrite>,
    /// An email (a link only) when a message arrives, at most one per conversation until she
    /// reads it.
    pub email: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "harassment", "note": "keeps writing after I said no"}))]
pub struct ReportMessageRequest {
    pub reason: ReportReason,
    /// Required for `other`.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

// ---- responses ----------------------------------------------------------------------------

/// Who may write to the member, and whether she gets emails.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageSettings {
    pub who_may_write: WhoMayWrite,
    pub email: bool,
}

/// A participant as the viewer sees her.
#[derive(Debug, Serialize, ToSchema)]
pub struct Participant {
    pub member: AuthorSummary,
    /// Her state; another's declined request shows as `requested`.
    pub state: MemberState,
}

/// A conversation as one participant sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationView {
    pub id: i64,
    pub started_by: AuthorSummary,
    pub participants: Vec<Participant>,
    /// The viewer's own state: `requested` means she may accept or decline.
    pub my_state: MemberState,
    /// Messages she has not read.
    pub unread: i64,
    pub last_activity_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A page of one's conversations, newest activity first, with the unread total.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationPage {
    pub items: Vec<ConversationView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Unread messages in all of one's conversations and requests.
    pub unread_total: i64,
}

/// What the sender learns about her message's screening.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageNotice {
    /// Whether the message waits for a moderator before it is delivered.
    pub held: bool,
    pub message: Option<String>,
    /// Support contacts in her language, when the message reads like she may be in crisis.
    pub support_resources: Vec<SupportResource>,
}

/// A message as a participant sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub conversation_id: i64,
    pub sender: AuthorSummary,
    /// The markdown; a placeholder when removed or deleted.
    pub body: String,
    pub body_html: String,
    pub status: MessageStatus,
    pub created_at: DateTime<Utc>,
    /// Only in the answer to sending it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<MessageNotice>,
}

/// A new conversation and its first message.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewConversation {
    pub conversation: ConversationView,
    pub message: MessageView,
}

/// A report, as its reporter sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportReceipt {
    pub message_id: i64,
    pub reason: ReportReason,
}

/// The position in one's conversation list.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConversationCursor {
    pub last_activity_at: NaiveDateTime,
    pub id: i64,
}

impl Cursor for ConversationCursor {}
