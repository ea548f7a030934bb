//! Queries of saved trial searches (`trial_alerts`), the alerts that fired
//! (`trial_alert_hits`) and the daily email ledger (`trial_alert_ledger`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::model::may_sign_in_sql;
use crate::db::AnyConnection;
use crate::db::schema::{trial_alert_hits, trial_alert_ledger, trial_alerts, users};

/// A `trial_alerts` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = trial_alerts)]
pub struct AlertRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub filters: String,
    pub created_at: NaiveDateTime,
}

/// Saved searches of a member (index `trial_alerts_user_idx`).
pub fn count_for(conn: &mut AnyConnection, user_id: i64) -> QueryResult<i64> {
    trial_alerts::table
        .filter(trial_alerts::user_id.eq(user_id))
        .count()
        .get_result(conn)
}

pub fn insert(
    conn: &mut AnyConnection,
    user_id: i64,
    name: &str,
    filters: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(trial_alerts::table)
        .values((
            trial_alerts::user_id.eq(user_id),
            trial_alerts::name.eq(name),
            trial_alerts::filters.eq(filters),
            trial_alerts::created_at.eq(now),
        ))
        .returning(trial_alerts::id)
        .get_result(conn)
}

pub fn by_id(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<AlertRow>> {
    trial_alerts::table
        .find(id)
        .select(AlertRow::as_select())
        .first(conn)
        .optional()
}

/// One page of a member's saved searches, oldest first (index `trial_alerts_user_idx`
/// (user_id, id)).
pub fn page(
    conn: &mut AnyConnection,
    user_id: i64,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AlertRow>> {
    trial_alerts::table
        .filter(trial_alerts::user_id.eq(user_id))
        .filter(trial_alerts::id.gt(after.unwrap_or(0)))
        .order(trial_alerts::id.asc())
        .limit(limit + 1)
        .select(AlertRow::as_select())
        .load(conn)
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    diesel::delete(trial_alert_hits::table.filter(trial_alert_hits::alert_id.eq(id)))
        .execute(conn)?;
    diesel::delete(trial_alerts::table.find(id))
        .execute(conn)
        .map(|_| ())
}

/// Every saved search whose owner can still be alerted (active or silenced accounts).
pub fn all_alertable(conn: &mut AnyConnection) -> QueryResult<Vec<AlertRow>> {
    trial_alerts::table
        .inner_join(users::table.on(users::id.eq(trial_alerts::user_id)))
        .filter(may_sign_in_sql(crate::db::now()))
        .order(trial_alerts::id.asc())
        .select(AlertRow::as_select())
        .load(conn)
}

/// Records that an alert fired for a notice; `false` when it had already (primary key), also
/// when another transaction records the same hit at the same moment.
pub fn insert_hit(
    conn: &mut AnyConnection,
    alert_id: i64,
    trial_id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    crate::db::concurrency::insert_ignoring_conflicts(
        conn,
        diesel::insert_into(trial_alert_hits::table).values((
            trial_alert_hits::alert_id.eq(alert_id),
            trial_alert_hits::trial_id.eq(trial_id),
            trial_alert_hits::user_id.eq(user_id),
            trial_alert_hits::created_at.eq(now),
        )),
    )
}

/// Marks a member's hits that have not gone out by email as sent; returns how many there were
/// (index `trial_alert_hits_pending_idx`). A second server doing the same at once finds none.
pub fn mark_emailed(
    conn: &mut AnyConnection,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        trial_alert_hits::table
            .filter(trial_alert_hits::user_id.eq(user_id))
            .filter(trial_alert_hits::emailed_at.is_null()),
    )
    .set(trial_alert_hits::emailed_at.eq(now))
    .execute(conn)
}

/// When the member last got an alert email (primary key).
pub fn last_email(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Option<NaiveDateTime>> {
    trial_alert_ledger::table
        .find(user_id)
        .select(trial_alert_ledger::last_sent_at)
        .first(conn)
        .optional()
}

pub fn record_email(
    conn: &mut AnyConnection,
    user_id: i64,
    existed: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    if existed {
        diesel::update(trial_alert_ledger::table.find(user_id))
            .set(trial_alert_ledger::last_sent_at.eq(now))
            .execute(conn)?;
    } else {
        diesel::insert_into(trial_alert_ledger::table)
            .values((
                trial_alert_ledger::user_id.eq(user_id),
                trial_alert_ledger::last_sent_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Members with hits waiting for an email whose last alert email is older than `cutoff`
/// (index `trial_alert_hits_pending_idx`, the ledger by primary key).
pub fn due_digests(
    conn: &mut AnyConnection,
    cutoff: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    trial_alert_hits::table
        .left_join(
            trial_alert_ledger::table.on(trial_alert_ledger::user_id.eq(trial_alert_hits::user_id)),
        )
        .filter(trial_alert_hits::emailed_at.is_null())
        .filter(
            trial_alert_ledger::last_sent_at
                .nullable()
                .is_null()
                .or(trial_alert_ledger::last_sent_at.nullable().le(cutoff)),
        )
        .select(trial_alert_hits::user_id)
        .distinct()
        .limit(limit)
        .load(conn)
}
