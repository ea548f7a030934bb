//! Diesel queries of moderation: flags, queue items, sanctions, notes, watched words, the log
//! and appeals.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::{
    AppealStatus, AppealSubjectKind, FlagReason, FlagStatus, QueueStatus, SanctionKind,
};
use crate::auth::content::PostStatus;
use crate::auth::model::Role;
use crate::db::schema::{
    appeals, flags, member_notes, mod_items, mod_log, posts, sanctions, threads, users,
    watched_words,
};
use crate::db::{self, AnyConnection};
use crate::filters::WordAction;
use crate::http::pagination::Cursor;
use crate::modlog::{LogAction, LogTargetKind};
use crate::queue::{ItemKind, ItemStatus, Resolution};

// ---- flags --------------------------------------------------------------------------------

/// Whether this member has an open flag on this post (index `flags_open_key`).
pub fn has_open_flag(
    conn: &mut AnyConnection,
    post_id: i64,
    reporter_id: i64,
) -> QueryResult<bool> {
    let n: i64 = flags::table
        .filter(flags::post_id.eq(post_id))
        .filter(flags::reporter_id.eq(reporter_id))
        .filter(flags::status.eq(FlagStatus::Open))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert_flag(
    conn: &mut AnyConnection,
    post_id: i64,
    reporter_id: i64,
    reason: FlagReason,
    note: Option<&str>,
) -> QueryResult<i64> {
    diesel::insert_into(flags::table)
        .values((
            flags::post_id.eq(post_id),
            flags::reporter_id.eq(reporter_id),
            flags::reason.eq(reason),
            flags::note.eq(note),
            flags::status.eq(FlagStatus::Open),
            flags::created_at.eq(db::now()),
        ))
        .returning(flags::id)
        .get_result(conn)
}

/// (flag id, reporter, reason, note, status, created) of a post's flags, open ones first.
pub type FlagRow = (
    i64,
    i64,
    FlagReason,
    Option<String>,
    FlagStatus,
    NaiveDateTime,
);

/// (post, flag id, reporter, reason, note, status, created).
type PostFlagRow = (
    i64,
    i64,
    i64,
    FlagReason,
    Option<String>,
    FlagStatus,
    NaiveDateTime,
);

pub fn flags_of_posts(
    conn: &mut AnyConnection,
    post_ids: &[i64],
) -> QueryResult<Vec<(i64, FlagRow)>> {
    let rows: Vec<PostFlagRow> = flags::table
        .filter(flags::post_id.eq_any(post_ids))
        .order(flags::id.asc())
        .select((
            flags::post_id,
            flags::id,
            flags::reporter_id,
            flags::reason,
            flags::note,
            flags::status,
            flags::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(post, id, reporter, reason, note, status, at)| {
            (post, (id, reporter, reason, note, status, at))
        })
        .collect())
}

/// Open flags of a post: (reporter, reason).
pub fn open_flags(conn: &mut AnyConnection, post_id: i64) -> QueryResult<Vec<(i64, FlagReason)>> {
    flags::table
        .filter(flags::post_id.eq(post_id))
        .filter(flags::status.eq(FlagStatus::Open))
        .select((flags::reporter_id, flags::reason))
        .load(conn)
}

/// Resolves a post's open flags as `actioned` or `dismissed`; returns their reporters.
pub fn resolve_flags(
    conn: &mut AnyConnection,
    post_id: i64,
    status: FlagStatus,
) -> QueryResult<Vec<i64>> {
    let reporters: Vec<i64> = flags::table
        .filter(flags::post_id.eq(post_id))
        .filter(flags::status.eq(FlagStatus::Open))
        .select(flags::reporter_id)
        .load(conn)?;
    diesel::update(
        flags::table
            .filter(flags::post_id.eq(post_id))
            .filter(flags::status.eq(FlagStatus::Open)),
    )
    .set((flags::status.eq(status), flags::resolved_at.eq(db::now())))
    .execute(conn)?;
    Ok(reporters)
}

/// Each reporter's accuracy: (flags that led to action + 1) / (resolved flags + 2)
/// (index `flags_reporter_idx`).
pub fn reporter_accuracy(
    conn: &mut AnyConnection,
    reporters: &[i64],
) -> QueryResult<HashMap<i64, f64>> {
    let rows: Vec<(i64, FlagStatus, i64)> = flags::table
        .filter(flags::reporter_id.eq_any(reporters))
        .filter(flags::status.ne(FlagStatus::Open))
        .group_by((flags::reporter_id, flags::status))
        .select((flags::reporter_id, flags::status, diesel::dsl::count_star()))
        .load(conn)?;
    let mut tally: HashMap<i64, (i64, i64)> = reporters.iter().map(|r| (*r, (0, 0))).collect();
    for (reporter, status, n) in rows {
        let entry = tally.entry(reporter).or_insert((0, 0));
        entry.1 += n;
        if status == FlagStatus::Actioned {
            entry.0 += n;
        }
    }
    Ok(tally
        .into_iter()
        .map(|(r, (actioned, resolved))| (r, (actioned as f64 + 1.0) / (resolved as f64 + 2.0)))
        .collect())
}

// ---- queue items --------------------------------------------------------------------------

/// A `mod_items` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mod_items)]
pub struct ItemRow {
    pub id: i64,
    pub kind: ItemKind,
    pub subject_id: i64,
    pub status: ItemStatus,
    pub reason: Option<String>,
    pub base_score: f64,
    pub sort_key: f64,
    pub claimed_by: Option<i64>,
    pub claimed_until: Option<NaiveDateTime>,
    pub version: i32,
    pub resolution: Option<Resolution>,
    pub resolved_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn item(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<ItemRow>> {
    mod_items::table
        .find(id)
        .select(ItemRow::as_select())
        .first(conn)
        .optional()
}

/// The position in the queue: (sort key, id) of the last item seen.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueCursor {
    pub sort_key: f64,
    pub id: i64,
}

impl Cursor for QueueCursor {}

/// What a queue page asks for.
pub struct QueuePageQuery<'a> {
    /// `Open`: unresolved, and not claimed by someone else right now.
    pub filter: QueueStatus,
    pub kind: Option<ItemKind>,
    pub reason: Option<&'a str>,
    pub after: Option<QueueCursor>,
    /// The moderator asking (their own claims count as open).
    pub me: i64,
    pub now: NaiveDateTime,
    pub limit: i64,
}

/// One page of the queue, highest priority first (index `mod_items_queue_idx`
/// (status, sort_key, id)).
pub fn queue_page(
    conn: &mut AnyConnection,
    page: &QueuePageQuery<'_>,
) -> QueryResult<Vec<ItemRow>> {
    let QueuePageQuery {
        filter,
        kind,
        reason,
        after,
        me,
        now,
        limit,
    } = *page;
    let mut q = mod_items::table.select(ItemRow::as_select()).into_boxed();
    q = match filter {
        QueueStatus::Open => q.filter(mod_items::status.eq(ItemStatus::Open)).filter(
            mod_items::claimed_until
                .is_null()
                .or(mod_items::claimed_until.le(now))
                .or(mod_items::claimed_by.eq(me)),
        ),
        QueueStatus::Claimed => q
            .filter(mod_items::status.eq(ItemStatus::Open))
            .filter(mod_items::claimed_until.gt(now)),
        QueueStatus::Resolved => q.filter(mod_items::status.eq(ItemStatus::Resolved)),
    };
    if let Some(kind) = kind {
        q = q.filter(mod_items::kind.eq(kind));
    }
    if let Some(reason) = reason {
        q = q.filter(mod_items::reason.eq(reason.to_owned()));
    }
    if let Some(QueueCursor { sort_key: key, id }) = after {
        q = q.filter(
            mod_items::sort_key
                .lt(key)
                .or(mod_items::sort_key.eq(key).and(mod_items::id.gt(id))),
        );
    }
    q.order((mod_items::sort_key.desc(), mod_items::id.asc()))
        .limit(limit + 1)
        .load(conn)
}

/// Claims an open item for `me` until `until` unless someone else holds a live claim,
/// bumping its version. Returns whether the claim was taken.
pub fn claim_if_free(
    conn: &mut AnyConnection,
    id: i64,
    me: i64,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        mod_items::table
            .find(id)
            .filter(mod_items::status.eq(ItemStatus::Open))
            .filter(
                mod_items::claimed_until
                    .is_null()
                    .or(mod_items::claimed_until.le(now))
                    .or(mod_items::claimed_by.eq(me)),
            ),
    )
    .set((
        mod_items::claimed_by.eq(me),
        mod_items::claimed_until.eq(until),
        mod_items::version.eq(mod_items::version + 1),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Releases a claim, bumping the version.
pub fn release(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    diesel::update(mod_items::table.find(id))
        .set((
            mod_items::claimed_by.eq(None::<i64>),
            mod_items::claimed_until.eq(None::<NaiveDateTime>),
            mod_items::version.eq(mod_items::version + 1),
        ))
        .execute(conn)
        .map(|_| ())
}

// ---- people and posts for the queue view ---------------------------------------------------

/// (id, display name, role) of users.
pub fn people(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String, Role)>> {
    users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name, users::role))
        .load(conn)
}

/// Posts under review with their thread titles.
pub type QueuedPostRow = (
    i64,
    i64,
    String,
    String,
    String,
    PostStatus,
    bool,
    i64,
    NaiveDateTime,
);

pub fn queued_posts(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<QueuedPostRow>> {
    posts::table
        .inner_join(threads::table.on(threads::id.eq(posts::thread_id)))
        .filter(posts::id.eq_any(ids))
        .select((
            posts::id,
            posts::thread_id,
            threads::title,
            posts::body,
            posts::body_html,
            posts::status,
            posts::anonymous,
            posts::author_id,
            posts::created_at,
        ))
        .load(conn)
}

/// (author, status, count) of these authors' posts, from the index `posts_author_idx` alone (it
/// holds the status).
pub fn post_counts(
    conn: &mut AnyConnection,
    authors: &[i64],
) -> QueryResult<Vec<(i64, PostStatus, i64)>> {
    posts::table
        .filter(posts::author_id.eq_any(authors))
        .group_by((posts::author_id, posts::status))
        .select((posts::author_id, posts::status, diesel::dsl::count_star()))
        .load(conn)
}

// ---- sanctions ----------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sanctions)]
pub struct SanctionRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: SanctionKind,
    pub reason: String,
    pub ends_at: Option<NaiveDateTime>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub lifted_at: Option<NaiveDateTime>,
}

pub fn insert_sanction(
    conn: &mut AnyConnection,
    user_id: i64,
    kind: SanctionKind,
    reason: &str,
    ends_at: Option<NaiveDateTime>,
    created_by: i64,
) -> QueryResult<i64> {
    diesel::insert_into(sanctions::table)
        .values((
            sanctions::user_id.eq(user_id),
            sanctions::kind.eq(kind),
            sanctions::reason.eq(reason),
            sanctions::ends_at.eq(ends_at),
            sanctions::created_by.eq(created_by),
            sanctions::created_at.eq(db::now()),
        ))
        .returning(sanctions::id)
        .get_result(conn)
}

pub fn sanction(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<SanctionRow>> {
    sanctions::table
        .find(id)
        .select(SanctionRow::as_select())
        .first(conn)
        .optional()
}

/// Sanctions of these members, newest first (index `sanctions_user_idx`).
pub fn sanctions_of(conn: &mut AnyConnection, users: &[i64]) -> QueryResult<Vec<SanctionRow>> {
    sanctions::table
        .filter(sanctions::user_id.eq_any(users))
        .order(sanctions::id.desc())
        .select(SanctionRow::as_select())
        .load(conn)
}

pub fn lift_sanction(conn: &mut AnyConnection, id: i64, by: i64) -> QueryResult<()> {
    diesel::update(sanctions::table.find(id))
        .set((
            sanctions::lifted_at.eq(db::now()),
            sanctions::lifted_by.eq(by),
        ))
        .execute(conn)
        .map(|_| ())
}

// ---- notes --------------------------------------------------------------------------------

pub fn insert_note(
    conn: &mut AnyConnection,
    user_id: i64,
    author_id: i64,
    body: &str,
) -> QueryResult<i64> {
    diesel::insert_into(member_notes::table)
        .values((
            member_notes::user_id.eq(user_id),
            member_notes::author_id.eq(author_id),
            member_notes::body.eq(body),
            member_notes::created_at.eq(db::now()),
        ))
        .returning(member_notes::id)
        .get_result(conn)
}

/// (id, member, author, body, created) of a note.
pub type NoteRow = (i64, i64, i64, String, NaiveDateTime);

/// Notes on these members (index `member_notes_user_idx`).
pub fn notes_of(conn: &mut AnyConnection, users: &[i64]) -> QueryResult<Vec<NoteRow>> {
    member_notes::table
        .filter(member_notes::user_id.eq_any(users))
        .order(member_notes::id.asc())
        .select((
            member_notes::id,
            member_notes::user_id,
            member_notes::author_id,
            member_notes::body,
            member_notes::created_at,
        ))
        .load(conn)
}

// ---- watched words ------------------------------------------------------------------------

pub fn watched_words(
    conn: &mut AnyConnection,
) -> QueryResult<Vec<(i64, String, WordAction, NaiveDateTime)>> {
    watched_words::table
        .order(watched_words::id.asc())
        .select((
            watched_words::id,
            watched_words::pattern,
            watched_words::action,
            watched_words::created_at,
        ))
        .load(conn)
}

pub fn insert_watched_word(
    conn: &mut AnyConnection,
    pattern: &str,
    action: WordAction,
    by: i64,
) -> QueryResult<i64> {
    diesel::insert_into(watched_words::table)
        .values((
            watched_words::pattern.eq(pattern),
            watched_words::action.eq(action),
            watched_words::created_by.eq(by),
            watched_words::created_at.eq(db::now()),
        ))
        .returning(watched_words::id)
        .get_result(conn)
}

pub fn watched_word(
    conn: &mut AnyConnection,
    id: i64,
) -> QueryResult<Option<(String, WordAction)>> {
    watched_words::table
        .find(id)
        .select((watched_words::pattern, watched_words::action))
        .first(conn)
        .optional()
}

/// Deletes a rule; returns whether it was still there (a second moderator removing it at the
/// same moment deletes nothing).
pub fn delete_watched_word(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    diesel::delete(watched_words::table.find(id))
        .execute(conn)
        .map(|n| n == 1)
}

// ---- log ----------------------------------------------------------------------------------

pub type LogRow = (
    i64,
    Option<i64>,
    LogAction,
    LogTargetKind,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    NaiveDateTime,
);

/// Who reads a page of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogAudience {
    /// Moderators: everything.
    Staff,
    /// Everyone: decisions about trial notices and about posts and threads shown under their
    /// author's name. Nothing about members (sanctions, roles, appeals, applications,
    /// erasures, crisis posts), watched words or anonymous content is public, so that no id,
    /// time or order in it can tie an anonymous post to its author.
    Public,
}

/// A page of the log, newest first (primary key order).
pub fn log_page(
    conn: &mut AnyConnection,
    audience: LogAudience,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<LogRow>> {
    use diesel::dsl::exists;
    let mut q = mod_log::table
        .select((
            mod_log::id,
            mod_log::actor_id,
            mod_log::action,
            mod_log::target_kind,
            mod_log::target_id,
            mod_log::reason,
            mod_log::before_text,
            mod_log::after_text,
            mod_log::created_at,
        ))
        .into_boxed();
    if audience == LogAudience::Public {
        let named_post = exists(
            posts::table
                .filter(posts::id.eq(mod_log::target_id))
                .filter(posts::anonymous.eq(false)),
        );
        let named_thread = exists(
            threads::table
                .filter(threads::id.eq(mod_log::target_id))
                .filter(threads::anonymous.eq(false)),
        );
        q = q.filter(
            mod_log::target_kind
                .eq(LogTargetKind::TrialNotice)
                .or(mod_log::target_kind
                    .eq_any([
                        LogTargetKind::Post,
                        LogTargetKind::FlaggedPost,
                        LogTargetKind::HeldPost,
                    ])
                    .and(named_post))
                .or(mod_log::target_kind
                    .eq(LogTargetKind::Thread)
                    .and(named_thread)),
        );
    }
    if let Some(before) = before {
        q = q.filter(mod_log::id.lt(before));
    }
    q.order(mod_log::id.desc()).limit(limit + 1).load(conn)
}

// ---- appeals ------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = appeals)]
pub struct AppealRow {
    pub id: i64,
    pub user_id: i64,
    pub subject_kind: AppealSubjectKind,
    pub subject_id: i64,
    pub body: String,
    pub status: AppealStatus,
    pub acted_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn appeal_exists(
    conn: &mut AnyConnection,
    kind: AppealSubjectKind,
    subject_id: i64,
) -> QueryResult<bool> {
    let n: i64 = appeals::table
        .filter(appeals::subject_kind.eq(kind))
        .filter(appeals::subject_id.eq(subject_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert_appeal(
    conn: &mut AnyConnection,
    user_id: i64,
    kind: AppealSubjectKind,
    subject_id: i64,
    body: &str,
    acted_by: Option<i64>,
) -> QueryResult<i64> {
    diesel::insert_into(appeals::table)
        .values((
            appeals::user_id.eq(user_id),
            appeals::subject_kind.eq(kind),
            appeals::subject_id.eq(subject_id),
            appeals::body.eq(body),
            appeals::status.eq(AppealStatus::Open),
            appeals::acted_by.eq(acted_by),
            appeals::created_at.eq(db::now()),
        ))
        .returning(appeals::id)
        .get_result(conn)
}

pub fn appeal(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<AppealRow>> {
    appeals::table
        .find(id)
        .select(AppealRow::as_select())
        .first(conn)
        .optional()
}

/// Appeals by id (primary key), for the moderation queue's page.
pub fn appeals_by_ids(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<AppealRow>> {
    appeals::table
        .filter(appeals::id.eq_any(ids))
        .select(AppealRow::as_select())
        .load(conn)
}

pub fn decide_appeal(
    conn: &mut AnyConnection,
    id: i64,
    status: AppealStatus,
    by: i64,
) -> QueryResult<()> {
    diesel::update(appeals::table.find(id))
        .set((
            appeals::status.eq(status),
            appeals::decided_by.eq(by),
            appeals::decided_at.eq(db::now()),
        ))
        .execute(conn)
        .map(|_| ())
}
