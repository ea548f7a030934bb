//! Queries of members' answers to notices (`trial_interests`), and the few facts about
//! accounts the trial rules need (locale, where to email them).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::model::{Locale, may_sign_in_sql};
use crate::db::AnyConnection;
use crate::db::schema::{trial_interests, users};
use crate::trials::model::{InterestStatus, NoticeState, RecruitmentStatus};

/// A `trial_interests` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = trial_interests)]
pub struct InterestRow {
    pub id: i64,
    pub trial_id: i64,
    pub user_id: i64,
    pub message: Option<String>,
    pub share_email: bool,
    pub share_phone: Option<String>,
    pub status: InterestStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub email_updates: bool,
    /// The pre-check she attached (JSON), if she did.
    pub pre_check: Option<String>,
}

/// A member's answer to a notice (index `trial_interests_member_key`).
pub fn by_member(
    conn: &mut AnyConnection,
    trial_id: i64,
    user_id: i64,
) -> QueryResult<Option<InterestRow>> {
    trial_interests::table
        .filter(trial_interests::trial_id.eq(trial_id))
        .filter(trial_interests::user_id.eq(user_id))
        .select(InterestRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<InterestRow>> {
    trial_interests::table
        .find(id)
        .select(InterestRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut AnyConnection,
    trial_id: i64,
    user_id: i64,
    message: Option<&str>,
    share_email: bool,
    share_phone: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(trial_interests::table)
        .values((
            trial_interests::trial_id.eq(trial_id),
            trial_interests::user_id.eq(user_id),
            trial_interests::message.eq(message),
            trial_interests::share_email.eq(share_email),
            trial_interests::share_phone.eq(share_phone),
            trial_interests::status.eq(InterestStatus::New),
            trial_interests::created_at.eq(now),
            trial_interests::updated_at.eq(now),
        ))
        .returning(trial_interests::id)
        .get_result(conn)
}

/// Answers again after a withdrawal: new details, status `new`.
pub fn renew(
    conn: &mut AnyConnection,
    id: i64,
    message: Option<&str>,
    share_email: bool,
    share_phone: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(trial_interests::table.find(id))
        .set((
            trial_interests::message.eq(message),
            trial_interests::share_email.eq(share_email),
            trial_interests::share_phone.eq(share_phone),
            trial_interests::status.eq(InterestStatus::New),
            trial_interests::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Withdraws an answer: the details the member shared are erased.
pub fn withdraw(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(trial_interests::table.find(id))
        .set((
            trial_interests::message.eq(None::<String>),
            trial_interests::share_email.eq(false),
            trial_interests::share_phone.eq(None::<String>),
            trial_interests::pre_check.eq(None::<String>),
            trial_interests::status.eq(InterestStatus::Withdrawn),
            trial_interests::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Whether the member also hears of her answer and its notice by email.
pub fn set_email_updates(conn: &mut AnyConnection, id: i64, email: bool) -> QueryResult<()> {
    diesel::update(trial_interests::table.find(id))
        .set(trial_interests::email_updates.eq(email))
        .execute(conn)
        .map(|_| ())
}

/// An answer with its notice's title, recruitment status, state and recruitment end.
pub type AnswerRow = (
    InterestRow,
    String,
    RecruitmentStatus,
    NoticeState,
    Option<String>,
);

/// Her answers, newest first, with their notices (index `trial_interests_member_key`).
pub fn of_member_page(
    conn: &mut AnyConnection,
    user_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AnswerRow>> {
    use crate::db::schema::trials;
    let mut query = trial_interests::table
        .inner_join(trials::table.on(trials::id.eq(trial_interests::trial_id)))
        .filter(trial_interests::user_id.eq(user_id))
        .select((
            InterestRow::as_select(),
            trials::title,
            trials::recruitment_status,
            trials::state,
            trials::recruitment_ends,
        ))
        .order(trial_interests::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(trial_interests::id.lt(before));
    }
    query.load(conn)
}

/// Who follows a notice: members whose answer stands (not withdrawn) and members watching
/// it, once each, with whether they want email too.
pub fn followers(conn: &mut AnyConnection, trial_id: i64) -> QueryResult<Vec<(i64, bool)>> {
    use crate::db::schema::trial_watches;
    let mut found: std::collections::BTreeMap<i64, bool> = trial_interests::table
        .filter(trial_interests::trial_id.eq(trial_id))
        .filter(trial_interests::status.ne(InterestStatus::Withdrawn))
        .select((trial_interests::user_id, trial_interests::email_updates))
        .load::<(i64, bool)>(conn)?
        .into_iter()
        .collect();
    for (user, email) in trial_watches::table
        .filter(trial_watches::trial_id.eq(trial_id))
        .select((trial_watches::user_id, trial_watches::email))
        .load::<(i64, bool)>(conn)?
    {
        let wants = found.entry(user).or_default();
        *wants = *wants || email;
    }
    Ok(found.into_iter().collect())
}

/// Sets an answer's status; whether it changed (a status set twice, or by two coordinators at
/// once, changes it once).
pub fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    status: InterestStatus,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        trial_interests::table
            .find(id)
            .filter(trial_interests::status.ne(status)),
    )
    .set((
        trial_interests::status.eq(status),
        trial_interests::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// An answer with the member's display name and address, as the coordinator's list loads it.
pub type InterestListRow = (InterestRow, String, String);

/// One page of a notice's answers, oldest first, after id `after`, optionally of one status
/// (index `trial_interests_trial_idx` (trial_id, id)).
pub fn page(
    conn: &mut AnyConnection,
    trial_id: i64,
    status: Option<InterestStatus>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<InterestListRow>> {
    let mut query = trial_interests::table
        .inner_join(users::table.on(users::id.eq(trial_interests::user_id)))
        .filter(trial_interests::trial_id.eq(trial_id))
        .filter(trial_interests::id.gt(after.unwrap_or(0)))
        .select((InterestRow::as_select(), users::display_name, users::email))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(trial_interests::status.eq(status));
    }
    query
        .order(trial_interests::id.asc())
        .limit(limit + 1)
        .load(conn)
}

/// Whether another member answered the notice since `since` (index
/// `trial_interests_trial_idx`): the coordinator was emailed then, and is not again.
pub fn answered_since(
    conn: &mut AnyConnection,
    trial_id: i64,
    except_id: i64,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    let n: i64 = trial_interests::table
        .filter(trial_interests::trial_id.eq(trial_id))
        .filter(trial_interests::id.ne(except_id))
        .filter(trial_interests::created_at.gt(since))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Where to email a member who can still sign in: (email, locale, display name).
pub fn reachable_account(
    conn: &mut AnyConnection,
    user_id: i64,
) -> QueryResult<Option<(String, Locale, String)>> {
    users::table
        .find(user_id)
        .filter(may_sign_in_sql(crate::db::now()))
        .select((users::email, users::locale, users::display_name))
        .first(conn)
        .optional()
}
