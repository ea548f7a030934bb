//! The forum's part of a member's privacy rights: what the data export shows of the
//! member's threads, posts (every status, with earlier versions), reactions, bookmarks and the
//! threads and boards she follows, and what erasing the account does to them. `privacy`
//! composes these with the other features' parts; no other module reads the forum's tables
//! for it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{
    DELETED_PLACEHOLDER, DigestFrequency, ReactionKind, StatusChange, TrackingLevel,
};
use super::review as forum;
use crate::app::AppState;
use crate::auth::content::PostStatus;
use crate::db::schema::{
    board_tracking, boards, post_revisions, posts, reactions, reply_email_ledger, thread_tags,
    thread_tracking, threads,
};
use crate::db::{AnyConnection, utc, utc_opt};
use crate::http::error::ApiError;
use crate::queue::{self, ItemKind, Resolution};

/// What a removed post and a removed thread title say instead.
pub const REMOVED_PLACEHOLDER: &str = "[removed]";

/// The forum sections of a member's export.
pub struct ForumRecords {
    pub threads: Vec<ExportThread>,
    pub posts: Vec<ExportPost>,
    pub reactions: Vec<ExportReaction>,
    pub followed_threads: Vec<ExportFollowedThread>,
    pub followed_boards: Vec<ExportFollowedBoard>,
    pub digest: DigestFrequency,
    pub bookmarks: Vec<ExportBookmark>,
}

/// The member's threads, posts, reactions and bookmarks.
pub fn export(conn: &mut AnyConnection, id: i64) -> QueryResult<ForumRecords> {
    Ok(ForumRecords {
        threads: threads_of(conn, id)?,
        posts: posts_of(conn, id)?,
        reactions: reactions_of(conn, id)?,
        followed_threads: followed_threads_of(conn, id)?,
        followed_boards: followed_boards_of(conn, id)?,
        digest: super::digest::frequency_of(conn, id)?,
        bookmarks: bookmarks_of(conn, id)?,
    })
}

/// Erases the member's forum data in the caller's transaction: with `remove_posts`, every
/// post is removed (see [`remove_posts`]); whatever the choice, the text of posts the member
/// had deleted and the reply-email ledger go. Open queue items about removed posts are
/// resolved as `resolution`. Her bookmarks go.
pub fn erase(
    state: &AppState,
    conn: &mut AnyConnection,
    id: i64,
    remove: bool,
    resolution: Resolution,
) -> Result<(), ApiError> {
    if remove {
        remove_posts(state, conn, id, resolution)?;
    }
    erase_deleted_posts(conn, id)?;
    super::bookmarks::erase(conn, id)?;
    diesel::delete(reply_email_ledger::table.filter(reply_email_ledger::user_id.eq(id)))
        .execute(conn)?;
    diesel::delete(thread_tracking::table.filter(thread_tracking::user_id.eq(id))).execute(conn)?;
    diesel::delete(board_tracking::table.filter(board_tracking::user_id.eq(id))).execute(conn)?;
    super::digest::erase(conn, id)?;
    Ok(())
}

/// A thread the member follows, or has read.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportFollowedThread {
    pub thread_id: i64,
    /// Her own level for it; absent when it takes its board's.
    pub level: Option<TrackingLevel>,
    pub last_read_post_id: i64,
}

/// A board the member chose a level for.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportFollowedBoard {
    /// Slug of the board.
    pub board: String,
    pub level: TrackingLevel,
}

/// Primary key (user_id, thread_id).
fn followed_threads_of(
    conn: &mut AnyConnection,
    id: i64,
) -> QueryResult<Vec<ExportFollowedThread>> {
    let rows: Vec<(i64, Option<TrackingLevel>, i64)> = thread_tracking::table
        .filter(thread_tracking::user_id.eq(id))
        .order(thread_tracking::thread_id.asc())
        .select((
            thread_tracking::thread_id,
            thread_tracking::level,
            thread_tracking::last_read_post_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(thread_id, level, last_read_post_id)| ExportFollowedThread {
                thread_id,
                level,
                last_read_post_id,
            },
        )
        .collect())
}

/// Primary key (user_id, board_id).
fn followed_boards_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportFollowedBoard>> {
    let rows: Vec<(String, TrackingLevel)> = board_tracking::table
        .inner_join(boards::table.on(boards::id.eq(board_tracking::board_id)))
        .filter(board_tracking::user_id.eq(id))
        .order(boards::slug.asc())
        .select((boards::slug, board_tracking::level))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(board, level)| ExportFollowedBoard { board, level })
        .collect())
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

/// Index `threads_author_idx` (author_id, created_at).
fn threads_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportThread>> {
    type Row = (
        i64,
        String,
        String,
        String,
        bool,
        Option<String>,
        PostStatus,
        NaiveDateTime,
    );
    let rows: Vec<Row> = threads::table
        .inner_join(boards::table)
        .filter(threads::author_id.eq(id))
        .order(threads::id.asc())
        .select((
            threads::id,
            boards::slug,
            threads::title,
            threads::tags,
            threads::anonymous,
            threads::content_warning,
            threads::status,
            threads::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportThread {
            id: r.0,
            board: r.1,
            title: r.2,
            tags: r.3.split_whitespace().map(str::to_owned).collect(),
            anonymous: r.4,
            content_warning: r.5,
            status: r.6,
            created_at: utc(r.7),
        })
        .collect())
}

/// Posts (index `posts_author_idx`) and their revisions (`post_revisions_post_idx`), two
/// queries.
fn posts_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportPost>> {
    type Row = (
        i64,
        i64,
        String,
        bool,
        Option<i64>,
        bool,
        PostStatus,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = posts::table
        .inner_join(threads::table)
        .filter(posts::author_id.eq(id))
        .order(posts::id.asc())
        .select((
            posts::id,
            posts::thread_id,
            threads::title,
            posts::is_first,
            posts::reply_to,
            posts::anonymous,
            posts::status,
            posts::body,
            posts::created_at,
            posts::edited_at,
        ))
        .load(conn)?;
    let revisions: Vec<(i64, Option<String>, String, NaiveDateTime, i64)> = post_revisions::table
        .inner_join(posts::table)
        .filter(posts::author_id.eq(id))
        .order(post_revisions::id.asc())
        .select((
            post_revisions::post_id,
            post_revisions::title,
            post_revisions::body,
            post_revisions::created_at,
            post_revisions::edited_by,
        ))
        .load(conn)?;
    let mut by_post: BTreeMap<i64, Vec<ExportRevision>> = BTreeMap::new();
    for (post_id, title, body, at, edited_by) in revisions {
        by_post.entry(post_id).or_default().push(ExportRevision {
            title,
            body,
            replaced_at: utc(at),
            replaced_by_moderator: edited_by != id,
        });
    }
    Ok(rows
        .into_iter()
        .map(|r| ExportPost {
            revisions: by_post.remove(&r.0).unwrap_or_default(),
            id: r.0,
            thread_id: r.1,
            thread_title: r.2,
            is_first: r.3,
            reply_to: r.4,
            anonymous: r.5,
            status: r.6,
            body: r.7,
            created_at: utc(r.8),
            edited_at: utc_opt(r.9),
        })
        .collect())
}

/// A bookmark the member keeps (what it points at is shown by id only).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportBookmark {
    pub id: i64,
    pub thread_id: i64,
    /// `null` for a bookmark of a thread.
    pub post_id: Option<i64>,
    pub note: Option<String>,
    pub remind_at: Option<DateTime<Utc>>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

fn bookmarks_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportBookmark>> {
    Ok(super::bookmarks::of_member(conn, id)?
        .into_iter()
        .map(|r| ExportBookmark {
            id: r.0,
            thread_id: r.1,
            post_id: r.2,
            note: r.3,
            remind_at: utc_opt(r.4),
            reminded_at: utc_opt(r.5),
            created_at: utc(r.6),
        })
        .collect())
}

/// Index `reactions_user_idx` (user_id, post_id).
fn reactions_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportReaction>> {
    let rows: Vec<(i64, ReactionKind, NaiveDateTime)> = reactions::table
        .filter(reactions::user_id.eq(id))
        .order((reactions::post_id.asc(), reactions::kind.asc()))
        .select((reactions::post_id, reactions::kind, reactions::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(post_id, kind, at)| ExportReaction {
            post_id,
            kind,
            created_at: utc(at),
        })
        .collect())
}

/// `remove`: every live post leaves through the forum's own rule (counters, search index); then
/// every post's text, its earlier versions and the titles of the member's threads are erased.
/// A thread she started that others answered stays, its first post a "[deleted]" placeholder,
/// so their replies are not lost with it; her other posts are removed.
fn remove_posts(
    state: &AppState,
    conn: &mut AnyConnection,
    id: i64,
    resolution: Resolution,
) -> Result<(), ApiError> {
    for post in forum::lock_posts_of(conn, id)? {
        let answered = post.is_first
            && threads::table
                .find(post.thread_id)
                .select(threads::reply_count)
                .first::<i32>(conn)?
                > 0;
        let change = if answered {
            StatusChange::Delete
        } else {
            StatusChange::Remove
        };
        forum::change_status(state, conn, &post, change)?;
    }
    let mine = || {
        posts::table
            .filter(posts::author_id.eq(id))
            .select(posts::id)
    };
    let ids: Vec<i64> = mine().load(conn)?;
    queue::resolve_open_about(
        conn,
        &[ItemKind::FlaggedPost, ItemKind::HeldPost, ItemKind::Crisis],
        &ids,
        id,
        resolution,
    )?;
    diesel::update(post_revisions::table.filter(post_revisions::post_id.eq_any(mine())))
        .set((
            post_revisions::title.eq(None::<String>),
            post_revisions::body.eq(""),
        ))
        .execute(conn)?;
    diesel::update(posts::table.filter(posts::author_id.eq(id)))
        .set((
            posts::body.eq(REMOVED_PLACEHOLDER),
            posts::body_html.eq(format!("<p>{REMOVED_PLACEHOLDER}</p>")),
            posts::search_text.eq(""),
        ))
        .execute(conn)?;
    let started = threads::table
        .filter(threads::author_id.eq(id))
        .select(threads::id);
    diesel::delete(thread_tags::table.filter(thread_tags::thread_id.eq_any(started)))
        .execute(conn)?;
    diesel::update(threads::table.filter(threads::author_id.eq(id)))
        .set((
            threads::title.eq(REMOVED_PLACEHOLDER),
            threads::tags.eq(""),
            threads::content_warning.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Posts the member deleted show a placeholder already: their text and versions go, whatever
/// the choice.
fn erase_deleted_posts(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    let deleted = posts::table
        .filter(posts::author_id.eq(id))
        .filter(posts::status.eq(PostStatus::Deleted))
        .select(posts::id);
    diesel::update(post_revisions::table.filter(post_revisions::post_id.eq_any(deleted)))
        .set((
            post_revisions::title.eq(None::<String>),
            post_revisions::body.eq(""),
        ))
        .execute(conn)?;
    diesel::update(
        posts::table
            .filter(posts::author_id.eq(id))
            .filter(posts::status.eq(PostStatus::Deleted)),
    )
    .set((
        posts::body.eq(DELETED_PLACEHOLDER),
        posts::body_html.eq(format!("<p>{DELETED_PLACEHOLDER}</p>")),
        posts::search_text.eq(""),
    ))
    .execute(conn)?;
    Ok(())
}
