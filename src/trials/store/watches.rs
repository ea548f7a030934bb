//! Queries of members watching notices (`trial_watches`, primary key (user_id, trial_id)).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::trial_watches;
use crate::db::{self, AnyConnection};

/// Watches a notice, or changes whether by email.
pub fn watch(
    conn: &mut AnyConnection,
    user_id: i64,
    trial_id: i64,
    email: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    db::concurrency::insert_or_update(
        conn,
        diesel::insert_into(trial_watches::table).values((
            trial_watches::user_id.eq(user_id),
            trial_watches::trial_id.eq(trial_id),
            trial_watches::email.eq(email),
            trial_watches::created_at.eq(now),
        )),
        |conn| {
            diesel::update(trial_watches::table.find((user_id, trial_id)))
                .set(trial_watches::email.eq(email))
                .execute(conn)
        },
    )
}

pub fn unwatch(conn: &mut AnyConnection, user_id: i64, trial_id: i64) -> QueryResult<()> {
    diesel::delete(trial_watches::table.find((user_id, trial_id)))
        .execute(conn)
        .map(|_| ())
}

/// Every notice she watches, for her export.
pub fn of_member(
    conn: &mut AnyConnection,
    user_id: i64,
) -> QueryResult<Vec<(i64, bool, NaiveDateTime)>> {
    trial_watches::table
        .filter(trial_watches::user_id.eq(user_id))
        .order(trial_watches::trial_id.asc())
        .select((
            trial_watches::trial_id,
            trial_watches::email,
            trial_watches::created_at,
        ))
        .load(conn)
}

/// Erasure: every notice she watched.
pub fn erase(conn: &mut AnyConnection, user_id: i64) -> QueryResult<()> {
    diesel::delete(trial_watches::table.filter(trial_watches::user_id.eq(user_id)))
        .execute(conn)
        .map(|_| ())
}
