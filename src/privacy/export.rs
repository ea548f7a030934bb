//! The data export, composed from each feature's part (`member_data` in `accounts`, `forum`,
//! `trials`, `messages`, `moderation`, `relations` and `notify`) and the access log kept here. Every table holding
//! personal data is owned by one of those modules, and each of them has both an export and an
//! erasure step: a new table holding any must get both.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{AccessKind, DataExport, ExportAccess};
use crate::accounts::member_data as accounts;
use crate::accounts::model::UserRow;
use crate::db::schema::access_log;
use crate::db::{self, AnyConnection, utc};
use crate::forum::member_data as forum;
use crate::messages::member_data as messages;
use crate::moderation::member_data as moderation;
use crate::notify::member_data as notify;
use crate::relations::member_data as relations;
use crate::trials::member_data as trials;

/// Everything about `user`, read on one connection.
pub fn collect(conn: &mut AnyConnection, user: UserRow) -> QueryResult<DataExport> {
    let id = user.id;
    let forum = forum::export(conn, id)?;
    let trials = trials::export(conn, id)?;
    let moderation = moderation::export(conn, id)?;
    Ok(DataExport {
        generated_at: utc(db::now()),
        sessions: accounts::sessions_of(conn, id)?,
        two_factor: accounts::two_factor_of(conn, id)?,
        threads: forum.threads,
        posts: forum.posts,
        reactions: forum.reactions,
        followed_threads: forum.followed_threads,
        followed_boards: forum.followed_boards,
        activity_digest: forum.digest,
        bookmarks: forum.bookmarks,
        flags: moderation.flags,
        notifications: notify::notifications_of(conn, id)?,
        ignored_members: relations::export(conn, id)?,
        messages: messages::export(conn, id)?,
        trial_interests: trials.interests,
        trial_alerts: trials.alerts,
        coordinator_applications: trials.applications,
        trial_notices: trials.notices,
        trial_watches: trials.watches,
        health_profile: trials.health_profile,
        sanctions: moderation.sanctions,
        appeals: moderation.appeals,
        moderator_notes: moderation.notes,
        admin_accesses: accesses_of(conn, id)?,
        account: user.into(),
    })
}

/// Index `access_log_subject_idx` (subject_user_id, id). The administrator is left out.
fn accesses_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportAccess>> {
    let rows: Vec<(AccessKind, NaiveDateTime)> = access_log::table
        .filter(access_log::subject_user_id.eq(id))
        .order(access_log::id.asc())
        .select((access_log::what, access_log::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(what, at)| ExportAccess {
            what,
            created_at: utc(at),
        })
        .collect())
}
