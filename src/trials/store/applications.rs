//! Queries of coordinator applications, and the role change an approval makes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::model::Role;
use crate::db::AnyConnection;
use crate::db::schema::{coordinator_applications, users};
use crate::trials::model::ApplicationStatus;

/// A `coordinator_applications` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = coordinator_applications)]
pub struct ApplicationRow {
    pub id: i64,
    pub user_id: i64,
    pub organization: String,
    pub job_title: String,
    pub evidence: String,
    pub registry_ids: String,
    pub status: ApplicationStatus,
    pub reason: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub struct NewApplication<'a> {
    pub user_id: i64,
    pub organization: &'a str,
    pub job_title: &'a str,
    pub evidence: &'a str,
    pub registry_ids: &'a str,
    pub now: NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, a: &NewApplication<'_>) -> QueryResult<i64> {
    diesel::insert_into(coordinator_applications::table)
        .values((
            coordinator_applications::user_id.eq(a.user_id),
            coordinator_applications::organization.eq(a.organization),
            coordinator_applications::job_title.eq(a.job_title),
            coordinator_applications::evidence.eq(a.evidence),
            coordinator_applications::registry_ids.eq(a.registry_ids),
            coordinator_applications::status.eq(ApplicationStatus::Pending),
            coordinator_applications::created_at.eq(a.now),
        ))
        .returning(coordinator_applications::id)
        .get_result(conn)
}

/// The member's pending application, if any (index `coordinator_applications_pending_key`).
pub fn pending_of(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Option<i64>> {
    coordinator_applications::table
        .filter(coordinator_applications::user_id.eq(user_id))
        .filter(coordinator_applications::status.eq(ApplicationStatus::Pending))
        .select(coordinator_applications::id)
        .first(conn)
        .optional()
}

/// An application with its applicant's display name and role.
pub type ApplicationListRow = (ApplicationRow, String, Role);

pub fn by_id(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<ApplicationListRow>> {
    coordinator_applications::table
        .inner_join(users::table.on(users::id.eq(coordinator_applications::user_id)))
        .filter(coordinator_applications::id.eq(id))
        .select((
            ApplicationRow::as_select(),
            users::display_name,
            users::role,
        ))
        .first(conn)
        .optional()
}

/// Applications with their applicants' display names and roles, by id (primary key).
pub fn by_ids(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<ApplicationListRow>> {
    coordinator_applications::table
        .inner_join(users::table.on(users::id.eq(coordinator_applications::user_id)))
        .filter(coordinator_applications::id.eq_any(ids))
        .select((
            ApplicationRow::as_select(),
            users::display_name,
            users::role,
        ))
        .load(conn)
}

/// One page of applications in a status, oldest first (index
/// `coordinator_applications_status_idx` (status, id)).
pub fn page(
    conn: &mut AnyConnection,
    status: ApplicationStatus,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ApplicationListRow>> {
    coordinator_applications::table
        .inner_join(users::table.on(users::id.eq(coordinator_applications::user_id)))
        .filter(coordinator_applications::status.eq(status))
        .filter(coordinator_applications::id.gt(after.unwrap_or(0)))
        .order(coordinator_applications::id.asc())
        .limit(limit + 1)
        .select((
            ApplicationRow::as_select(),
            users::display_name,
            users::role,
        ))
        .load(conn)
}

/// Records the decision on a pending application; `false` if it was decided already.
pub fn decide(
    conn: &mut AnyConnection,
    id: i64,
    status: ApplicationStatus,
    reason: &str,
    decided_by: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        coordinator_applications::table
            .find(id)
            .filter(coordinator_applications::status.eq(ApplicationStatus::Pending)),
    )
    .set((
        coordinator_applications::status.eq(status),
        coordinator_applications::reason.eq(reason),
        coordinator_applications::decided_by.eq(decided_by),
        coordinator_applications::decided_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// The organisations of several coordinators (each one's latest approved application), in one
/// query (index `coordinator_applications_user_idx` (user_id, id)).
pub fn organizations_of(
    conn: &mut AnyConnection,
    user_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, String>> {
    let rows: Vec<(i64, i64, String)> = coordinator_applications::table
        .filter(coordinator_applications::user_id.eq_any(user_ids))
        .filter(coordinator_applications::status.eq(ApplicationStatus::Approved))
        .select((
            coordinator_applications::user_id,
            coordinator_applications::id,
            coordinator_applications::organization,
        ))
        .load(conn)?;
    let mut latest: std::collections::HashMap<i64, (i64, String)> = Default::default();
    for (user_id, id, organization) in rows {
        match latest.get(&user_id) {
            Some((newer, _)) if *newer > id => {}
            _ => {
                latest.insert(user_id, (id, organization));
            }
        }
    }
    Ok(latest.into_iter().map(|(u, (_, o))| (u, o)).collect())
}

/// Grants a role (the approval of an application), in the caller's transaction.
pub fn set_role(
    conn: &mut AnyConnection,
    user_id: i64,
    role: Role,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((users::role.eq(role), users::updated_at.eq(now)))
        .execute(conn)
        .map(|_| ())
}
