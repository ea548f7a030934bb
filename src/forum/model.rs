//! Forum rows and the request/response bodies of boards, threads, posts, reactions and search.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::content::PostStatus;
use crate::auth::model::{AuthorSummary, Role};

use crate::db::schema::{boards, posts, threads};
use crate::db::utc;
use crate::filters::screen::PostNotice;
use crate::http::pagination::Cursor;

crate::db::text_enum! {
    /// A reaction a member can give to someone else's post.
    pub enum ReactionKind {
        Support = "support",
        Helpful = "helpful",
        Hug = "hug",
    }
}

crate::db::text_enum! {
    /// How closely a member follows a thread or a board.
    pub enum TrackingLevel {
        /// A notification for every new post (on a board: every new thread), and unread counts.
        Watching = "watching",
        /// Unread counts; notified only of replies to her and mentions.
        Tracking = "tracking",
        /// Notified only of replies to her and mentions (the default).
        Normal = "normal",
        /// No notifications at all from it.
        Muted = "muted",
    }
}

impl TrackingLevel {
    /// A thread's level for a member: its own, else its board's, else normal.
    pub fn effective(thread: Option<Self>, board: Option<Self>) -> Self {
        thread.or(board).unwrap_or(Self::Normal)
    }

    /// Whether unread counts are kept.
    pub fn counts_unread(self) -> bool {
        matches!(self, Self::Watching | Self::Tracking)
    }
}

crate::db::text_enum! {
    /// How often the digest comes.
    pub enum DigestFrequency {
        /// No digest.
        Off = "off",
        /// At most one a day (UTC).
        Daily = "daily",
        /// At most one an ISO week (UTC).
        Weekly = "weekly",
    }
}

/// `PUT /threads/{id}/tracking` and `PUT /boards/{slug}/tracking`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingRequest {
    pub level: TrackingLevel,
}

/// A member's tracking level of a thread or board.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tracking {
    pub level: TrackingLevel,
}

/// `POST /threads/{id}/read`: she has read up to this post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    pub post_id: i64,
}

crate::db::text_enum! {
    /// Order of a board's thread list.
    #[derive(Default)]
    pub enum ThreadSort {
        /// Newest threads first.
        #[default]
        New = "new",
        /// Most recent activity first.
        Active = "active",
        /// Most reactions first.
        Top = "top",
    }
}

/// The position in a board's threads, newest first (`sort=new`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewThreadsCursor {
    pub created_at: NaiveDateTime,
    pub id: i64,
}

impl Cursor for NewThreadsCursor {}

/// The position in a board's threads, most recently active first (`sort=active`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActiveThreadsCursor {
    pub last_activity_at: NaiveDateTime,
    pub id: i64,
}

impl Cursor for ActiveThreadsCursor {}

/// The position in a board's threads, most reacted first (`sort=top`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopThreadsCursor {
    pub reaction_count: i32,
    pub id: i64,
}

impl Cursor for TopThreadsCursor {}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = boards)]
pub struct BoardRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
    pub archived: bool,
    pub thread_count: i64,
    pub last_activity_at: Option<NaiveDateTime>,
    pub members_only: bool,
}

/// A board as clients see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Board {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
    /// Archived boards are read-only.
    pub archived: bool,
    /// Only signed-in members see its threads: visitors and search engines never do (not in
    /// lists, search or counts), and its answers carry `X-Robots-Tag: noindex`.
    pub members_only: bool,
    pub thread_count: i64,
    pub last_activity_at: Option<DateTime<Utc>>,
    /// The caller's level for the board (signed-in callers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking: Option<TrackingLevel>,
    /// Threads of the board the caller watches or tracks that have posts she has not read
    /// (signed-in callers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread_threads: Option<i64>,
}

impl From<BoardRow> for Board {
    fn from(row: BoardRow) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            description: row.description,
            position: row.position,
            archived: row.archived,
            members_only: row.members_only,
            thread_count: row.thread_count,
            last_activity_at: row.last_activity_at.map(utc),
            tracking: None,
            unread_threads: None,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"slug": "fatigue", "name": "Fatigue", "description": "Living with lupus fatigue", "position": 8}))]
pub struct CreateBoardRequest {
    /// 2–40 characters: lowercase letters, digits and `-`.
    #[schema(min_length = 2, max_length = 40)]
    pub slug: String,
    /// 2–80 characters.
    #[schema(min_length = 2, max_length = 80)]
    pub name: String,
    /// Up to 500 characters.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: String,
    /// Place in the list (ascending); defaults to the end.
    #[schema(minimum = -2147483648, maximum = 2147483647)]
    pub position: Option<i32>,
    /// Only signed-in members see its threads (default false).
    #[serde(default)]
    pub members_only: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateBoardRequest {
    #[schema(min_length = 2, max_length = 80)]
    pub name: Option<String>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    #[schema(minimum = -2147483648, maximum = 2147483647)]
    pub position: Option<i32>,
    pub archived: Option<bool>,
    /// Only signed-in members see its threads.
    pub members_only: Option<bool>,
}

/// Reaction counts of a post.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct ReactionCounts {
    pub support: i32,
    pub helpful: i32,
    pub hug: i32,
}

/// A thread row with its author and first post, as list queries load it.
#[derive(Debug, Queryable)]
pub struct ThreadListRow {
    pub id: i64,
    pub board_slug: String,
    /// The board is for members only.
    pub members_only: bool,
    pub author_id: i64,
    pub author_name: String,
    pub author_role: Role,
    pub title: String,
    pub tags: String,
    pub anonymous: bool,
    pub content_warning: Option<String>,
    pub status: PostStatus,
    pub locked: bool,
    pub pinned: bool,
    pub first_post_id: Option<i64>,
    pub reply_count: i32,
    pub reaction_count: i32,
    pub last_activity_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub support_count: Option<i32>,
    pub helpful_count: Option<i32>,
    pub hug_count: Option<i32>,
    pub edited_at: Option<NaiveDateTime>,
    pub my_support: bool,
    pub my_helpful: bool,
    pub my_hug: bool,
    pub author_ignored: bool,
    pub thread_level: Option<TrackingLevel>,
    pub read_count: Option<i32>,
    pub board_level: Option<TrackingLevel>,
}

/// A thread as lists show it: everything a client needs to draw it without further calls.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadSummary {
    pub id: i64,
    /// Slug of the board.
    pub board: String,
    pub title: String,
    pub author: AuthorSummary,
    pub tags: Vec<String>,
    /// When set, clients hide the body behind this warning until the reader chooses to see it.
    pub content_warning: Option<String>,
    /// `published`, or for its author and moderators `held`, `hidden` or `removed`.
    pub status: PostStatus,
    pub locked: bool,
    pub pinned: bool,
    pub first_post_id: Option<i64>,
    pub reply_count: i32,
    pub reaction_count: i32,
    /// Reactions on the first post.
    pub reactions: ReactionCounts,
    /// The caller's own reactions on the first post (empty when signed out).
    pub my_reactions: Vec<ReactionKind>,
    /// The caller ignores the author: clients collapse the thread. Never set for an anonymous
    /// post whose author the caller does not see.
    pub author_ignored: bool,
    /// The caller's level for the thread: its own, else its board's, else normal (signed-in
    /// callers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking: Option<TrackingLevel>,
    /// Posts the caller has not read, when she watches or tracks the thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread_count: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub last_activity_at: DateTime<Utc>,
}

pub fn my_reactions(support: bool, helpful: bool, hug: bool) -> Vec<ReactionKind> {
    [
        (support, ReactionKind::Support),
        (helpful, ReactionKind::Helpful),
        (hug, ReactionKind::Hug),
    ]
    .into_iter()
    .filter_map(|(mine, kind)| mine.then_some(kind))
    .collect()
}

pub fn split_tags(tags: &str) -> Vec<String> {
    tags.split_whitespace().map(str::to_owned).collect()
}

impl ThreadSummary {
    /// The thread as `viewer` sees it (`None`: a visitor).
    pub fn from_row(row: ThreadListRow, reveal_anonymous: bool, viewer: Option<i64>) -> Self {
        let author_ignored = row.author_ignored && (!row.anonymous || reveal_anonymous);
        let tracking = viewer.map(|_| TrackingLevel::effective(row.thread_level, row.board_level));
        let unread_count = tracking
            .filter(|l| l.counts_unread())
            .map(|_| (row.reply_count + 1 - row.read_count.unwrap_or(0)).max(0));
        Self {
            id: row.id,
            board: row.board_slug,
            title: row.title,
            author: AuthorSummary::new(
                row.author_id,
                row.author_name,
                row.author_role,
                row.anonymous,
                reveal_anonymous,
            ),
            tags: split_tags(&row.tags),
            content_warning: row.content_warning,
            status: row.status,
            locked: row.locked,
            pinned: row.pinned,
            first_post_id: row.first_post_id,
            reply_count: row.reply_count,
            reaction_count: row.reaction_count,
            reactions: ReactionCounts {
                support: row.support_count.unwrap_or(0),
                helpful: row.helpful_count.unwrap_or(0),
                hug: row.hug_count.unwrap_or(0),
            },
            my_reactions: my_reactions(row.my_support, row.my_helpful, row.my_hug),
            author_ignored,
            tracking,
            unread_count,
            created_at: utc(row.created_at),
            edited_at: row.edited_at.map(utc),
            last_activity_at: utc(row.last_activity_at),
        }
    }
}

/// A post row with its author, as the thread page loads it.
#[derive(Debug, Queryable)]
pub struct PostListRow {
    pub id: i64,
    pub thread_id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub author_role: Role,
    pub body: String,
    pub body_html: String,
    pub anonymous: bool,
    pub status: PostStatus,
    pub is_first: bool,
    pub reply_to: Option<i64>,
    pub support_count: i32,
    pub helpful_count: i32,
    pub hug_count: i32,
    pub edited_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub my_support: bool,
    pub my_helpful: bool,
    pub my_hug: bool,
    pub author_ignored: bool,
}

pub const DELETED_PLACEHOLDER: &str = "[deleted]";

/// A post as clients see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostView {
    pub id: i64,
    pub thread_id: i64,
    pub author: AuthorSummary,
    /// Markdown as written; `[deleted]` for a post its author deleted.
    pub body: String,
    /// The body rendered to sanitised HTML.
    pub body_html: String,
    /// `published`, `deleted`, or for its author and moderators `held`, `hidden`, `removed`.
    pub status: PostStatus,
    pub is_first: bool,
    pub reply_to: Option<i64>,
    pub reactions: ReactionCounts,
    pub my_reactions: Vec<ReactionKind>,
    /// The caller ignores the author: clients collapse the post. Never set for an anonymous
    /// post whose author the caller does not see.
    pub author_ignored: bool,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Only in the answer to writing or editing a post: whether it is held and why, and
    /// support contacts when it reads like its author may be in crisis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<PostNotice>,
}

impl PostView {
    pub fn from_row(row: PostListRow, reveal_anonymous: bool) -> Self {
        let deleted = row.status == PostStatus::Deleted;
        let author_ignored = row.author_ignored && (!row.anonymous || reveal_anonymous);
        Self {
            id: row.id,
            thread_id: row.thread_id,
            author: AuthorSummary::new(
                row.author_id,
                row.author_name,
                row.author_role,
                row.anonymous,
                reveal_anonymous,
            ),
            body: if deleted {
                DELETED_PLACEHOLDER.into()
            } else {
                row.body
            },
            body_html: if deleted {
                format!("<p>{DELETED_PLACEHOLDER}</p>")
            } else {
                row.body_html
            },
            status: row.status,
            is_first: row.is_first,
            reply_to: row.reply_to,
            reactions: ReactionCounts {
                support: row.support_count,
                helpful: row.helpful_count,
                hug: row.hug_count,
            },
            my_reactions: my_reactions(row.my_support, row.my_helpful, row.my_hug),
            author_ignored,
            created_at: utc(row.created_at),
            edited_at: row.edited_at.map(utc),
            notice: None,
        }
    }
}

/// A thread with its first post.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadDetail {
    #[serde(flatten)]
    pub thread: ThreadSummary,
    pub first_post: Option<PostView>,
}

/// The minimum about a post that rules need.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = posts)]
pub struct PostRef {
    pub id: i64,
    pub thread_id: i64,
    pub author_id: i64,
    pub status: PostStatus,
    pub is_first: bool,
    pub anonymous: bool,
    pub body: String,
    pub reply_to: Option<i64>,
}

/// A change of a post's status, as moderators and its author make it (through
/// `forum::review::change_status`). Publishing is either a post's first publication, which is
/// announced (notifications, reply emails), or its return after being hidden or removed, which
/// is only counted and indexed again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusChange {
    /// A held post goes up for the first time (approved, or released after an edit).
    Publish,
    /// A hidden or removed post is shown again.
    Restore,
    Hold,
    Hide,
    Remove,
    /// Its author deletes it.
    Delete,
}

impl StatusChange {
    /// The status the post ends in.
    pub fn status(self) -> PostStatus {
        match self {
            Self::Publish | Self::Restore => PostStatus::Published,
            Self::Hold => PostStatus::Held,
            Self::Hide => PostStatus::Hidden,
            Self::Remove => PostStatus::Removed,
            Self::Delete => PostStatus::Deleted,
        }
    }
}

/// The minimum about a thread that rules need.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = threads)]
pub struct ThreadRef {
    pub id: i64,
    pub board_id: i64,
    pub author_id: i64,
    pub title: String,
    pub status: PostStatus,
    pub locked: bool,
    pub pinned: bool,
    pub anonymous: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "title": "Diagnosed at 21, ten years on",
    "body": "I was diagnosed with **SLE** at 21...",
    "tags": ["diagnosis", "nephritis"],
    "anonymous": false,
    "content_warning": "mentions hospital stays"
}))]
pub struct CreateThreadRequest {
    /// 5–150 characters.
    #[schema(min_length = 5, max_length = 150)]
    pub title: String,
    /// Markdown, 1–20,000 characters.
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
    /// At most 5; each 2–30 characters, stored lowercase.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub tags: Vec<String>,
    /// Show the author as "Anonymous member" to everyone but moderators.
    #[serde(default)]
    pub anonymous: bool,
    /// Up to 100 characters; clients hide the body behind it.
    #[schema(max_length = 100)]
    pub content_warning: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreatePostRequest {
    /// Markdown, 1–20,000 characters.
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
    #[serde(default)]
    pub anonymous: bool,
    /// Id of the post this one answers (in the same thread).
    pub reply_to: Option<i64>,
}

/// Moderator settings of a thread.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ModerateThreadRequest {
    /// A locked thread takes no new replies.
    pub locked: Option<bool>,
    /// Pinned threads are marked for clients to show first.
    pub pinned: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditPostRequest {
    /// New markdown body.
    #[schema(min_length = 1, max_length = 20000)]
    pub body: Option<String>,
    /// New thread title; only for the first post of a thread.
    #[schema(min_length = 5, max_length = 150)]
    pub title: Option<String>,
}

crate::db::text_enum! {
    /// Who replaced a version of a post.
    pub enum Editor {
        Author = "author",
        Moderator = "moderator",
    }
}

/// An earlier version of a post.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revision {
    pub id: i64,
    /// The thread title at that time (first posts only).
    pub title: Option<String>,
    pub body: String,
    /// Whether the author or a moderator replaced this version.
    pub editor: Editor,
    /// The account that replaced it: shown to moderators, and to the author for her own
    /// edits; `null` otherwise (an author is told "a moderator", never which one).
    pub edited_by: Option<i64>,
    /// When this version was replaced.
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ThreadListQuery {
    /// `new` (default), `active` or `top`.
    pub sort: Option<ThreadSort>,
    /// Only threads with this tag.
    pub tag: Option<String>,
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Words to find, in English or Chinese; every word must match.
    #[param(min_length = 1, max_length = 200)]
    pub q: String,
    /// Board slug.
    pub board: Option<String>,
    pub tag: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// One search result: a post, with its thread and a highlighted snippet.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub board: String,
    pub author: AuthorSummary,
    /// Plain text around the first match, HTML-escaped, matches wrapped in `<mark>`.
    pub snippet: String,
    pub is_first: bool,
    pub created_at: DateTime<Utc>,
    /// The caller ignores the author (never set for an anonymous post whose author the caller
    /// does not see).
    pub author_ignored: bool,
}
