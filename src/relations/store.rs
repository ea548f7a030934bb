//! Queries of `member_ignores` (primary key (user_id, ignored_id), index on ignored_id).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{member_ignores, users};

/// Whether `user_id` names an account that is not erased.
pub fn is_member(conn: &mut AnyConnection, user_id: i64) -> QueryResult<bool> {
    users::table
        .find(user_id)
        .filter(users::deleted_at.is_null())
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// Whether `by` ignores `whom` (primary key).
pub fn ignores(conn: &mut AnyConnection, by: i64, whom: i64) -> QueryResult<bool> {
    member_ignores::table
        .find((by, whom))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

pub fn count_ignored(conn: &mut AnyConnection, by: i64) -> QueryResult<i64> {
    member_ignores::table
        .filter(member_ignores::user_id.eq(by))
        .count()
        .get_result(conn)
}

/// Records that `by` ignores `whom`; the primary key decides, so twice at once is once.
pub fn ignore(
    conn: &mut AnyConnection,
    by: i64,
    whom: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    crate::db::concurrency::insert_ignoring_conflicts(
        conn,
        diesel::insert_into(member_ignores::table).values((
            member_ignores::user_id.eq(by),
            member_ignores::ignored_id.eq(whom),
            member_ignores::created_at.eq(now),
        )),
    )
}

pub fn unignore(conn: &mut AnyConnection, by: i64, whom: i64) -> QueryResult<()> {
    diesel::delete(member_ignores::table.find((by, whom)))
        .execute(conn)
        .map(|_| ())
}

/// One ignored member as the list shows it.
pub struct IgnoredRow {
    pub user_id: i64,
    pub display_name: String,
    pub created_at: NaiveDateTime,
}

/// One page of the members `by` ignores, by account id, highest first.
pub fn ignored_page(
    conn: &mut AnyConnection,
    by: i64,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<IgnoredRow>> {
    let mut query = member_ignores::table
        .inner_join(users::table.on(users::id.eq(member_ignores::ignored_id)))
        .filter(member_ignores::user_id.eq(by))
        .select((
            member_ignores::ignored_id,
            users::display_name,
            member_ignores::created_at,
        ))
        .order(member_ignores::ignored_id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(member_ignores::ignored_id.lt(after));
    }
    let rows: Vec<(i64, String, NaiveDateTime)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, display_name, created_at)| IgnoredRow {
            user_id,
            display_name,
            created_at,
        })
        .collect())
}

/// How many members ignore each of `ids` (index on `ignored_id`); absent ids are ignored by
/// nobody.
pub fn ignored_by_counts(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<HashMap<i64, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = member_ignores::table
        .filter(member_ignores::ignored_id.eq_any(ids))
        .group_by(member_ignores::ignored_id)
        .select((member_ignores::ignored_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// What a member's data export shows: the ids of the members she ignores, and since when.
pub fn ignored_by_member(
    conn: &mut AnyConnection,
    by: i64,
) -> QueryResult<Vec<(i64, NaiveDateTime)>> {
    member_ignores::table
        .filter(member_ignores::user_id.eq(by))
        .order(member_ignores::ignored_id.asc())
        .select((member_ignores::ignored_id, member_ignores::created_at))
        .load(conn)
}

/// Erasure: every relation the member is part of, on either side.
pub fn erase(conn: &mut AnyConnection, user_id: i64) -> QueryResult<()> {
    diesel::delete(
        member_ignores::table.filter(
            member_ignores::user_id
                .eq(user_id)
                .or(member_ignores::ignored_id.eq(user_id)),
        ),
    )
    .execute(conn)
    .map(|_| ())
}
