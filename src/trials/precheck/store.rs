//! Diesel queries of the pre-check: her health profile (`health_profiles`, primary key
//! `user_id`), the structured criteria of notices (`trial_criteria`, primary key
//! `trial_id`), and the pre-check attached to an answer (`trial_interests.pre_check`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Condition, ProfileRow, StructuredCriteria, Treatment, read_names, write_names};
use crate::db::AnyConnection;
use crate::db::schema::{health_profiles, trial_criteria, trial_interests};

pub fn profile(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Option<ProfileRow>> {
    health_profiles::table
        .find(user_id)
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()
}

/// Where a member lives, as her profile says: (member, country, city).
pub type Place = (i64, Option<String>, Option<String>);

/// The places of the members among `user_ids` who keep a profile (primary key).
pub fn places(conn: &mut AnyConnection, user_ids: &[i64]) -> QueryResult<Vec<Place>> {
    health_profiles::table
        .filter(health_profiles::user_id.eq_any(user_ids))
        .select((
            health_profiles::user_id,
            health_profiles::country,
            health_profiles::city,
        ))
        .load(conn)
}

/// Writes the whole profile: the first insert, or an update of the row (its `created_at`
/// kept). Two saves at once are an insert and an update, never a unique violation.
pub fn put_profile(conn: &mut AnyConnection, row: &ProfileRow) -> QueryResult<()> {
    crate::db::concurrency::insert_or_update(
        conn,
        diesel::insert_into(health_profiles::table).values(row),
        |conn| {
            diesel::update(health_profiles::table.find(row.user_id))
                .set((
                    health_profiles::birth_year.eq(row.birth_year),
                    health_profiles::sex.eq(row.sex),
                    health_profiles::diagnosis_year.eq(row.diagnosis_year),
                    health_profiles::lupus_nephritis.eq(row.lupus_nephritis),
                    health_profiles::nephritis_class.eq(row.nephritis_class),
                    health_profiles::current_treatments.eq(&row.current_treatments),
                    health_profiles::past_treatments.eq(&row.past_treatments),
                    health_profiles::pregnancy_plans.eq(row.pregnancy_plans),
                    health_profiles::country.eq(&row.country),
                    health_profiles::city.eq(&row.city),
                    health_profiles::updated_at.eq(row.updated_at),
                ))
                .execute(conn)
        },
    )
}

/// Deletes her profile; whether there was one.
pub fn delete_profile(conn: &mut AnyConnection, user_id: i64) -> QueryResult<bool> {
    diesel::delete(health_profiles::table.find(user_id))
        .execute(conn)
        .map(|n| n > 0)
}

/// A notice's structured criteria and whether they are confirmed: none and confirmed when it
/// has no row.
pub fn criteria(
    conn: &mut AnyConnection,
    trial_id: i64,
) -> QueryResult<(StructuredCriteria, bool)> {
    Ok(criteria_of(conn, &[trial_id])?
        .pop()
        .map(|(_, c)| c)
        .unwrap_or((StructuredCriteria::default(), true)))
}

type CriteriaColumns = (String, String, String, String, bool);

fn read(c: CriteriaColumns) -> (StructuredCriteria, bool) {
    (
        StructuredCriteria {
            required_conditions: read_names(&c.0, Condition::parse),
            excluded_conditions: read_names(&c.1, Condition::parse),
            required_treatments: read_names(&c.2, Treatment::parse),
            excluded_treatments: read_names(&c.3, Treatment::parse),
        },
        c.4,
    )
}

/// The structured criteria of those of these notices that have any (primary key).
pub fn criteria_of(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, (StructuredCriteria, bool))>> {
    let rows: Vec<(i64, CriteriaColumns)> = trial_criteria::table
        .filter(trial_criteria::trial_id.eq_any(ids))
        .select((
            trial_criteria::trial_id,
            (
                trial_criteria::required_conditions,
                trial_criteria::excluded_conditions,
                trial_criteria::required_treatments,
                trial_criteria::excluded_treatments,
                trial_criteria::confirmed,
            ),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, c)| (id, read(c))).collect())
}

/// Writes a notice's structured criteria: a row when there are any or they wait for
/// confirmation, none otherwise.
pub fn write_criteria(
    conn: &mut AnyConnection,
    trial_id: i64,
    c: &StructuredCriteria,
    confirmed: bool,
) -> QueryResult<()> {
    diesel::delete(trial_criteria::table.find(trial_id)).execute(conn)?;
    if c.is_empty() && confirmed {
        return Ok(());
    }
    diesel::insert_into(trial_criteria::table)
        .values((
            trial_criteria::trial_id.eq(trial_id),
            trial_criteria::required_conditions
                .eq(write_names(&c.required_conditions, Condition::as_str)),
            trial_criteria::excluded_conditions
                .eq(write_names(&c.excluded_conditions, Condition::as_str)),
            trial_criteria::required_treatments
                .eq(write_names(&c.required_treatments, Treatment::as_str)),
            trial_criteria::excluded_treatments
                .eq(write_names(&c.excluded_treatments, Treatment::as_str)),
            trial_criteria::confirmed.eq(confirmed),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Sets (or clears) the pre-check attached to an answer.
pub fn attach(
    conn: &mut AnyConnection,
    interest_id: i64,
    pre_check: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(trial_interests::table.find(interest_id))
        .set((
            trial_interests::pre_check.eq(pre_check),
            trial_interests::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Erasure: her profile goes (the answers carrying a pre-check go with her answers).
pub fn erase(conn: &mut AnyConnection, user_id: i64) -> QueryResult<()> {
    delete_profile(conn, user_id).map(|_| ())
}
