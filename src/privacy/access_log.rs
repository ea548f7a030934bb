//! The access log: one row each time an administrator reads a member's private data. Rows are
//! only ever inserted; no code path updates or deletes them, erasure included.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::AccessKind;
use crate::db::schema::access_log;
use crate::db::{self, AnyConnection};

/// Appends a row, in the caller's transaction (before the data is read).
pub fn record(
    conn: &mut AnyConnection,
    actor_id: i64,
    subject_user_id: i64,
    what: AccessKind,
) -> QueryResult<()> {
    diesel::insert_into(access_log::table)
        .values((
            access_log::actor_id.eq(actor_id),
            access_log::subject_user_id.eq(subject_user_id),
            access_log::what.eq(what),
            access_log::created_at.eq(db::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// (id, actor, subject, what, when).
pub type Row = (i64, i64, i64, AccessKind, NaiveDateTime);

/// One page, newest first, before id `before`: the primary key serves the whole log, index
/// `access_log_subject_idx` (subject_user_id, id) one member's.
pub fn page(
    conn: &mut AnyConnection,
    subject_user_id: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Row>> {
    let mut query = access_log::table
        .select((
            access_log::id,
            access_log::actor_id,
            access_log::subject_user_id,
            access_log::what,
            access_log::created_at,
        ))
        .into_boxed();
    if let Some(subject) = subject_user_id {
        query = query.filter(access_log::subject_user_id.eq(subject));
    }
    if let Some(before) = before {
        query = query.filter(access_log::id.lt(before));
    }
    query
        .order(access_log::id.desc())
        .limit(limit + 1)
        .load(conn)
}
