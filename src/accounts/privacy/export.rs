//! The queries of the data export: one per section, each filtered by the member's id on the
//! index named beside it (the trial and moderation sections are in `records.rs`). Reading
//! every feature's tables from here is deliberate: these two files are the one list of where
//! Butterfly keeps personal data, and a new table holding any must get a section here and a
//! step in `erase.rs`.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{
    DataExport, ExportFlag, ExportNotification, ExportPost, ExportReaction, ExportRevision,
    ExportSession, ExportThread,
};
use super::records::{
    accesses_of, alerts_of, appeals_of, applications_of, interests_of, notes_of, notices_of,
    sanctions_of,
};
use crate::accounts::model::UserRow;
use crate::auth::content::PostStatus;
use crate::db::schema::{
    boards, flags, notifications, post_revisions, posts, reactions, sessions, threads,
};
use crate::db::utc;
use crate::db::{self, AnyConnection};
use crate::forum::model::ReactionKind;
use crate::moderation::model::{FlagReason, FlagStatus};
use crate::notify::inapp::NotificationKind;

pub(super) fn utc_opt(t: Option<NaiveDateTime>) -> Option<chrono::DateTime<chrono::Utc>> {
    t.map(utc)
}

/// Everything about `user`, read on one connection.
pub fn collect(conn: &mut AnyConnection, user: UserRow) -> QueryResult<DataExport> {
    let id = user.id;
    Ok(DataExport {
        generated_at: utc(db::now()),
        sessions: sessions_of(conn, id)?,
        threads: threads_of(conn, id)?,
        posts: posts_of(conn, id)?,
        reactions: reactions_of(conn, id)?,
        flags: flags_of(conn, id)?,
        notifications: notifications_of(conn, id)?,
        trial_interests: interests_of(conn, id)?,
        trial_alerts: alerts_of(conn, id)?,
        coordinator_applications: applications_of(conn, id)?,
        trial_notices: notices_of(conn, id)?,
        sanctions: sanctions_of(conn, id)?,
        appeals: appeals_of(conn, id)?,
        moderator_notes: notes_of(conn, id)?,
        admin_accesses: accesses_of(conn, id)?,
        account: user.into(),
    })
}

/// The latest row of each session family (index `sessions_user_id_idx`).
fn sessions_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportSession>> {
    let rows: Vec<(NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>)> = sessions::table
        .filter(sessions::user_id.eq(id))
        .filter(sessions::replaced_by.is_null())
        .order(sessions::id.asc())
        .select((
            sessions::created_at,
            sessions::expires_at,
            sessions::revoked_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(created, expires, revoked)| ExportSession {
            created_at: utc(created),
            expires_at: utc(expires),
            revoked_at: utc_opt(revoked),
        })
        .collect())
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

/// Index `flags_reporter_idx` (reporter_id, status).
fn flags_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportFlag>> {
    type Row = (
        i64,
        i64,
        FlagReason,
        Option<String>,
        FlagStatus,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = flags::table
        .filter(flags::reporter_id.eq(id))
        .order(flags::id.asc())
        .select((
            flags::id,
            flags::post_id,
            flags::reason,
            flags::note,
            flags::status,
            flags::created_at,
            flags::resolved_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportFlag {
            id: r.0,
            post_id: r.1,
            reason: r.2,
            note: r.3,
            status: r.4,
            created_at: utc(r.5),
            resolved_at: utc_opt(r.6),
        })
        .collect())
}

/// Index `notifications_user_idx` (user_id, id). The actor is left out: a reply's author
/// may have posted anonymously.
fn notifications_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportNotification>> {
    type Row = (
        i64,
        NotificationKind,
        i64,
        Option<i64>,
        Option<String>,
        Option<NaiveDateTime>,
        NaiveDateTime,
    );
    let rows: Vec<Row> = notifications::table
        .filter(notifications::user_id.eq(id))
        .order(notifications::id.asc())
        .select((
            notifications::id,
            notifications::kind,
            notifications::subject_id,
            notifications::thread_id,
            notifications::detail,
            notifications::read_at,
            notifications::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportNotification {
            id: r.0,
            kind: r.1,
            subject_id: r.2,
            thread_id: r.3,
            detail: r.4,
            read_at: utc_opt(r.5),
            created_at: utc(r.6),
        })
        .collect())
}
