//! Diesel queries of trial notices: rows and their conditions, interventions and sites, the
//! search index, the search itself and the expiry sweep. Every list is one query with keyset
//! pagination; the index serving it is named beside it. Interests, alerts and coordinator
//! applications have their queries in the submodules.
//!
//! Full-text search follows `db::search` (a space around every CJK character, terms searched
//! as phrases): on SQLite the FTS5 table `trial_search` (rowid = `trials.id`) holds a copy of
//! `trials.search_text`, kept in step by `db::search::index_trial` in the transaction that
//! writes the notice; on PostgreSQL the GIN index `trials_search_idx` on
//! `to_tsvector('simple', search_text)` follows the column by itself. The search SQL that
//! differs by backend lives in `db::search` (`trial_text_conditions`).

pub mod alerts;
pub mod applications;
pub mod interests;
pub mod sync;
pub mod watches;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use serde::{Deserialize, Serialize};

use super::details::PracticalNeed;
use super::filters::{Criteria, age_months};
use super::model::{
    InterventionType, NoticeState, Phase, PracticalDetails, RecruitmentStatus, Sex, SummaryRow,
    TrialRow,
};
use crate::db::AnyConnection;
use crate::db::schema::{
    trial_conditions, trial_interventions, trial_practical, trial_registry_ids, trial_sites,
    trials, users,
};
use crate::db::search::{self, TextCondition};
use crate::http::pagination::Cursor;

/// The content columns of a notice, written on creation and on every edit.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = trials, treat_none_as_null = true)]
pub struct TrialContent {
    pub registry_id: String,
    pub title: String,
    pub summary: String,
    pub summary_html: String,
    pub conditions: String,
    pub search_text: String,
    pub phase: Phase,
    pub recruitment_status: RecruitmentStatus,
    pub status_rank: i32,
    pub min_age_months: Option<i32>,
    pub max_age_months: Option<i32>,
    pub sex: Sex,
    pub healthy_volunteers: bool,
    pub criteria: String,
    pub sponsor: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub start_date: Option<String>,
    pub recruitment_ends: Option<String>,
    pub source_url: Option<String>,
}

/// A site row to write.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteColumns {
    pub facility: String,
    pub city: String,
    pub region: Option<String>,
    pub country: String,
    pub country_key: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub status: Option<RecruitmentStatus>,
}

/// A site as read back.
pub type SiteRow = (
    String,
    String,
    Option<String>,
    String,
    String,
    Option<f64>,
    Option<f64>,
    Option<RecruitmentStatus>,
);

// ---- notices ------------------------------------------------------------------------------

pub fn insert_trial(
    conn: &mut AnyConnection,
    content: &TrialContent,
    coordinator_id: i64,
    demo: bool,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(trials::table)
        .values((
            content,
            trials::coordinator_id.eq(coordinator_id),
            trials::state.eq(NoticeState::Draft),
            trials::demo.eq(demo),
            trials::created_at.eq(now),
            trials::updated_at.eq(now),
        ))
        .returning(trials::id)
        .get_result(conn)
}

pub fn update_content(
    conn: &mut AnyConnection,
    trial_id: i64,
    content: &TrialContent,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(trials::table.find(trial_id))
        .set((content, trials::updated_at.eq(now)))
        .execute(conn)
        .map(|_| ())
}

/// Replaces the conditions, interventions and sites of a notice (one row at a time: batch
/// inserts are not portable across the connection enum).
pub fn replace_children(
    conn: &mut AnyConnection,
    trial_id: i64,
    conditions: &[(String, String)],
    interventions: &[(InterventionType, String)],
    sites: &[SiteColumns],
) -> QueryResult<()> {
    diesel::delete(trial_conditions::table.filter(trial_conditions::trial_id.eq(trial_id)))
        .execute(conn)?;
    diesel::delete(trial_interventions::table.filter(trial_interventions::trial_id.eq(trial_id)))
        .execute(conn)?;
    diesel::delete(trial_sites::table.filter(trial_sites::trial_id.eq(trial_id))).execute(conn)?;
    for (position, (name, key)) in (0..).zip(conditions) {
        diesel::insert_into(trial_conditions::table)
            .values((
                trial_conditions::trial_id.eq(trial_id),
                trial_conditions::position.eq(position),
                trial_conditions::name.eq(name),
                trial_conditions::name_key.eq(key),
            ))
            .execute(conn)?;
    }
    for (position, (kind, name)) in (0..).zip(interventions) {
        diesel::insert_into(trial_interventions::table)
            .values((
                trial_interventions::trial_id.eq(trial_id),
                trial_interventions::position.eq(position),
                trial_interventions::kind.eq(kind),
                trial_interventions::name.eq(name),
            ))
            .execute(conn)?;
    }
    for (position, s) in (0..).zip(sites) {
        diesel::insert_into(trial_sites::table)
            .values((
                trial_sites::trial_id.eq(trial_id),
                trial_sites::position.eq(position),
                trial_sites::facility.eq(&s.facility),
                trial_sites::city.eq(&s.city),
                trial_sites::region.eq(&s.region),
                trial_sites::country.eq(&s.country),
                trial_sites::country_key.eq(&s.country_key),
                trial_sites::lat.eq(s.lat),
                trial_sites::lon.eq(s.lon),
                trial_sites::status.eq(s.status),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces every registry id of a notice, its main one first.
pub fn replace_registry_ids(
    conn: &mut AnyConnection,
    trial_id: i64,
    ids: &[&str],
) -> QueryResult<()> {
    diesel::delete(trial_registry_ids::table.filter(trial_registry_ids::trial_id.eq(trial_id)))
        .execute(conn)?;
    for (position, id) in (0..).zip(ids) {
        diesel::insert_into(trial_registry_ids::table)
            .values((
                trial_registry_ids::trial_id.eq(trial_id),
                trial_registry_ids::position.eq(position),
                trial_registry_ids::registry_id.eq(id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The registry ids of a notice beside its main one, in order (primary key).
pub fn other_registry_ids(conn: &mut AnyConnection, trial_id: i64) -> QueryResult<Vec<String>> {
    trial_registry_ids::table
        .filter(trial_registry_ids::trial_id.eq(trial_id))
        .filter(trial_registry_ids::position.gt(0))
        .order(trial_registry_ids::position.asc())
        .select(trial_registry_ids::registry_id)
        .load(conn)
}

/// (notice, its coordinator, its state, the id it shares) of every notice holding one of
/// `ids` (index `trial_registry_ids_id_idx`), oldest notice first.
pub fn notices_with_registry_ids(
    conn: &mut AnyConnection,
    ids: &[String],
) -> QueryResult<Vec<(i64, i64, NoticeState, String)>> {
    trial_registry_ids::table
        .inner_join(trials::table.on(trials::id.eq(trial_registry_ids::trial_id)))
        .filter(trial_registry_ids::registry_id.eq_any(ids))
        .order((trials::id.asc(), trial_registry_ids::position.asc()))
        .select((
            trials::id,
            trials::coordinator_id,
            trials::state,
            trial_registry_ids::registry_id,
        ))
        .load(conn)
}

/// Writes a notice's practical details: a row only when something is stated.
pub fn write_practical(
    conn: &mut AnyConnection,
    trial_id: i64,
    p: &PracticalDetails,
) -> QueryResult<()> {
    diesel::delete(trial_practical::table.find(trial_id)).execute(conn)?;
    if *p == PracticalDetails::default() {
        return Ok(());
    }
    diesel::insert_into(trial_practical::table)
        .values((
            trial_practical::trial_id.eq(trial_id),
            trial_practical::visits.eq(p.visits),
            trial_practical::visit_minutes.eq(p.visit_minutes),
            trial_practical::remote_visits.eq(p.remote_visits),
            trial_practical::travel_support.eq(p.travel_support),
            trial_practical::accommodation_support.eq(p.accommodation_support),
            trial_practical::compensation.eq(p.compensation),
            trial_practical::placebo_possible.eq(p.placebo_possible),
            trial_practical::treatment_weeks.eq(p.treatment_weeks),
            trial_practical::notes.eq(&p.notes),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A notice's practical details (primary key); all unstated without a row.
pub fn practical(conn: &mut AnyConnection, trial_id: i64) -> QueryResult<PracticalDetails> {
    let row = trial_practical::table
        .find(trial_id)
        .select((
            trial_practical::visits,
            trial_practical::visit_minutes,
            trial_practical::remote_visits,
            trial_practical::travel_support,
            trial_practical::accommodation_support,
            trial_practical::compensation,
            trial_practical::placebo_possible,
            trial_practical::treatment_weeks,
            trial_practical::notes,
        ))
        .first::<(
            Option<i32>,
            Option<i32>,
            Option<bool>,
            Option<bool>,
            Option<bool>,
            Option<bool>,
            Option<bool>,
            Option<i32>,
            Option<String>,
        )>(conn)
        .optional()?;
    Ok(
        row.map_or_else(PracticalDetails::default, |r| PracticalDetails {
            visits: r.0,
            visit_minutes: r.1,
            remote_visits: r.2,
            travel_support: r.3,
            accommodation_support: r.4,
            compensation: r.5,
            placebo_possible: r.6,
            treatment_weeks: r.7,
            notes: r.8,
        }),
    )
}

/// Deletes a notice that was never published, with everything hanging off it.
pub fn delete_trial(conn: &mut AnyConnection, trial_id: i64) -> QueryResult<()> {
    replace_children(conn, trial_id, &[], &[], &[])?;
    replace_registry_ids(conn, trial_id, &[])?;
    write_practical(conn, trial_id, &PracticalDetails::default())?;
    search::unindex_trial(conn, trial_id)?;
    diesel::delete(trials::table.find(trial_id))
        .execute(conn)
        .map(|_| ())
}

/// Locks a notice until the transaction ends: changes to one notice (edits, submission,
/// answers) take turns.
pub fn lock_trial(conn: &mut AnyConnection, trial_id: i64) -> QueryResult<()> {
    crate::db::concurrency::lock_row(conn, "trials", trial_id)
}

/// Locks a member's account row until the transaction ends: rules counted over everything the
/// member has (one notice per registry id, at most so many saved searches, one alert email a
/// day) take turns.
pub fn lock_member(conn: &mut AnyConnection, user_id: i64) -> QueryResult<()> {
    crate::db::concurrency::lock_row(conn, "users", user_id)
}

pub fn trial(conn: &mut AnyConnection, trial_id: i64) -> QueryResult<Option<TrialRow>> {
    trials::table
        .find(trial_id)
        .select(TrialRow::as_select())
        .first(conn)
        .optional()
}

/// A notice with its coordinator's display name (primary keys).
pub fn trial_with_coordinator(
    conn: &mut AnyConnection,
    trial_id: i64,
) -> QueryResult<Option<(TrialRow, String)>> {
    trials::table
        .inner_join(users::table.on(users::id.eq(trials::coordinator_id)))
        .filter(trials::id.eq(trial_id))
        .select((TrialRow::as_select(), users::display_name))
        .first(conn)
        .optional()
}

/// Notices with their coordinators' display names, by id (primary key), for the moderation
/// queue's page.
pub fn trials_with_coordinators(
    conn: &mut AnyConnection,
    trial_ids: &[i64],
) -> QueryResult<Vec<(TrialRow, String)>> {
    trials::table
        .inner_join(users::table.on(users::id.eq(trials::coordinator_id)))
        .filter(trials::id.eq_any(trial_ids))
        .select((TrialRow::as_select(), users::display_name))
        .load(conn)
}

/// (type, name) of a notice's interventions, in order (primary key).
pub fn interventions(
    conn: &mut AnyConnection,
    trial_id: i64,
) -> QueryResult<Vec<(InterventionType, String)>> {
    trial_interventions::table
        .filter(trial_interventions::trial_id.eq(trial_id))
        .order(trial_interventions::position.asc())
        .select((trial_interventions::kind, trial_interventions::name))
        .load(conn)
}

/// Condition keys of a notice (primary key).
pub fn condition_keys(conn: &mut AnyConnection, trial_id: i64) -> QueryResult<Vec<String>> {
    trial_conditions::table
        .filter(trial_conditions::trial_id.eq(trial_id))
        .order(trial_conditions::position.asc())
        .select(trial_conditions::name_key)
        .load(conn)
}

/// A notice's sites, in order (primary key).
pub fn sites(conn: &mut AnyConnection, trial_id: i64) -> QueryResult<Vec<SiteRow>> {
    trial_sites::table
        .filter(trial_sites::trial_id.eq(trial_id))
        .order(trial_sites::position.asc())
        .select((
            trial_sites::facility,
            trial_sites::city,
            trial_sites::region,
            trial_sites::country,
            trial_sites::country_key,
            trial_sites::lat,
            trial_sites::lon,
            trial_sites::status,
        ))
        .load(conn)
}

/// Moves a notice to another state, only if it is in `from` still; returns whether it moved.
pub fn change_state(
    conn: &mut AnyConnection,
    trial_id: i64,
    from: NoticeState,
    to: NoticeState,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(trials::table.find(trial_id).filter(trials::state.eq(from)))
        .set((trials::state.eq(to), trials::updated_at.eq(now)))
        .execute(conn)
        .map(|n| n == 1)
}

/// Publishes a notice under review: first publication time kept, review note cleared.
pub fn publish(conn: &mut AnyConnection, trial_id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let first: Option<NaiveDateTime> = trials::table
        .find(trial_id)
        .select(trials::published_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten();
    diesel::update(
        trials::table
            .find(trial_id)
            .filter(trials::state.eq(NoticeState::PendingReview)),
    )
    .set((
        trials::state.eq(NoticeState::Published),
        trials::published_at.eq(first.unwrap_or(now)),
        trials::review_note.eq(None::<String>),
        trials::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Returns a notice under review to draft with the reviewer's reason.
pub fn return_to_draft(
    conn: &mut AnyConnection,
    trial_id: i64,
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        trials::table
            .find(trial_id)
            .filter(trials::state.eq(NoticeState::PendingReview)),
    )
    .set((
        trials::state.eq(NoticeState::Draft),
        trials::review_note.eq(note),
        trials::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Closes a published notice; returns whether it was published until now.
pub fn close(
    conn: &mut AnyConnection,
    trial_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        trials::table
            .find(trial_id)
            .filter(trials::state.eq(NoticeState::Published)),
    )
    .set((
        trials::state.eq(NoticeState::Closed),
        trials::closed_reason.eq(reason),
        trials::closed_at.eq(now),
        trials::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Published notices whose recruitment ended before `today`, with their coordinators, oldest
/// end first (index `trials_expiry_idx` (state, recruitment_ends)).
pub fn expired(
    conn: &mut AnyConnection,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    trials::table
        .filter(trials::state.eq(NoticeState::Published))
        .filter(trials::recruitment_ends.lt(date_text(today)))
        .order((trials::recruitment_ends.asc(), trials::id.asc()))
        .select((trials::id, trials::coordinator_id))
        .limit(limit)
        .load(conn)
}

/// A coordinator's own notices, newest first, after id `before` (index
/// `trials_coordinator_idx` (coordinator_id, id)).
pub fn mine_page(
    conn: &mut AnyConnection,
    coordinator_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<SummaryRow>> {
    let mut query = trials::table
        .filter(trials::coordinator_id.eq(coordinator_id))
        .select(SummaryRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(trials::id.lt(before));
    }
    query.order(trials::id.desc()).limit(limit + 1).load(conn)
}

/// Whether the coordinator has another notice for this registry id that is not closed.
pub fn open_notice_for(
    conn: &mut AnyConnection,
    coordinator_id: i64,
    registry_id: &str,
    except: Option<i64>,
) -> QueryResult<Option<i64>> {
    let mut query = trials::table
        .filter(trials::registry_id.eq(registry_id))
        .filter(trials::coordinator_id.eq(coordinator_id))
        .filter(trials::state.ne(NoticeState::Closed))
        .select(trials::id)
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(trials::id.ne(id));
    }
    query.first(conn).optional()
}

// ---- search -------------------------------------------------------------------------------

/// An ISO date as stored.
pub fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// `LIKE` pattern for a part of a condition name, with `\` as the escape character.
fn contains_pattern(part: &str) -> String {
    let escaped = part
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Adds the criteria (except distance) and the "published and not past its end date" rule to
/// a boxed query over `trials` (possibly joined with `trial_sites`).
macro_rules! filter_published {
    ($query:expr, $criteria:expr, $today:expr, $text:expr) => {{
        let c: &Criteria = $criteria;
        let mut q = $query
            .filter(trials::state.eq(NoticeState::Published))
            .filter(
                trials::recruitment_ends
                    .is_null()
                    .or(trials::recruitment_ends.ge(date_text($today))),
            );
        for (before, value, after) in $text {
            q = q.filter(sql::<Bool>(before).bind::<Text, _>(value).sql(after));
        }
        if let Some(part) = &c.condition {
            q = q.filter(
                trials::id.eq_any(
                    trial_conditions::table
                        .filter(
                            trial_conditions::name_key
                                .like(contains_pattern(part))
                                .escape('\\'),
                        )
                        .select(trial_conditions::trial_id),
                ),
            );
        }
        if !c.phases.is_empty() {
            q = q.filter(trials::phase.eq_any(c.phases.clone()));
        }
        if !c.statuses.is_empty() {
            q = q.filter(trials::recruitment_status.eq_any(c.statuses.clone()));
        }
        if let Some(country) = &c.country {
            // An alias: the distance search joins `trial_sites` already.
            let other = diesel::alias!(trial_sites as sites_by_country);
            q = q.filter(
                trials::id.eq_any(
                    other
                        .filter(other.field(trial_sites::country_key).eq(country.clone()))
                        .select(other.field(trial_sites::trial_id)),
                ),
            );
        }
        if let Some(age) = c.age {
            let (low, high) = age_months(age);
            q = q
                .filter(
                    trials::min_age_months
                        .is_null()
                        .or(trials::min_age_months.le(high)),
                )
                .filter(
                    trials::max_age_months
                        .is_null()
                        .or(trials::max_age_months.ge(low)),
                );
        }
        if let Some(sex) = c.sex {
            q = q.filter(trials::sex.eq_any([Sex::All, sex]));
        }
        // `trial_practical` holds a row for each notice that states anything.
        for need in &c.practical {
            let stating = trial_practical::table.select(trial_practical::trial_id);
            q = match need {
                PracticalNeed::TravelSupport => q.filter(
                    trials::id.eq_any(stating.filter(trial_practical::travel_support.eq(true))),
                ),
                PracticalNeed::AccommodationSupport => q.filter(
                    trials::id
                        .eq_any(stating.filter(trial_practical::accommodation_support.eq(true))),
                ),
                PracticalNeed::Compensation => q.filter(
                    trials::id.eq_any(stating.filter(trial_practical::compensation.eq(true))),
                ),
                PracticalNeed::RemoteVisits => q.filter(
                    trials::id.eq_any(stating.filter(trial_practical::remote_visits.eq(true))),
                ),
                PracticalNeed::NoPlacebo => q.filter(
                    trials::id.eq_any(stating.filter(trial_practical::placebo_possible.eq(false))),
                ),
            };
        }
        q
    }};
}

/// Keyset position in the default order, and the cursor clients pass back for it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListKey {
    pub rank: i32,
    pub published_at: NaiveDateTime,
    pub id: i64,
}

impl Cursor for ListKey {}

/// One page of published notices matching the criteria: recruiting first, then newest
/// published first (index `trials_listing_idx` (state, status_rank, published_at DESC,
/// id DESC)). Distance is not used here (see [`near_candidates`]).
pub fn search_page(
    conn: &mut AnyConnection,
    criteria: &Criteria,
    today: NaiveDate,
    after: Option<ListKey>,
    limit: i64,
) -> QueryResult<Vec<SummaryRow>> {
    let text: Vec<TextCondition> = search::trial_text_conditions(conn, &criteria.phrases);
    let mut query = filter_published!(
        trials::table.select(SummaryRow::as_select()).into_boxed(),
        criteria,
        today,
        text
    );
    if let Some(k) = after {
        query = query.filter(
            trials::status_rank
                .gt(k.rank)
                .or(trials::status_rank.eq(k.rank).and(
                    trials::published_at
                        .lt(k.published_at)
                        .or(trials::published_at
                            .eq(k.published_at)
                            .and(trials::id.lt(k.id))),
                )),
        );
    }
    query
        .order((
            trials::status_rank.asc(),
            trials::published_at.desc(),
            trials::id.desc(),
        ))
        .limit(limit + 1)
        .load(conn)
}

/// A candidate of a distance search: a published notice matching the criteria and one of its
/// sites inside the bounding box.
pub type NearRow = (SummaryRow, String, String, String, Option<f64>, Option<f64>);

/// Published notices matching the criteria with their sites inside the bounding box (index
/// `trial_sites_geo_idx` (lat, lon)), at most `cap` rows; the caller computes the exact
/// distances, keeps the sites in range and orders by the nearest.
pub fn near_candidates(
    conn: &mut AnyConnection,
    criteria: &Criteria,
    today: NaiveDate,
    bbox: &super::geo::BoundingBox,
    cap: i64,
) -> QueryResult<Vec<NearRow>> {
    let text: Vec<TextCondition> = search::trial_text_conditions(conn, &criteria.phrases);
    let mut query = filter_published!(
        trials::table
            .inner_join(trial_sites::table.on(trial_sites::trial_id.eq(trials::id)))
            .select((
                SummaryRow::as_select(),
                trial_sites::facility,
                trial_sites::city,
                trial_sites::country,
                trial_sites::lat,
                trial_sites::lon,
            ))
            .into_boxed(),
        criteria,
        today,
        text
    )
    .filter(trial_sites::lat.between(bbox.min_lat, bbox.max_lat));
    match bbox.lon_ranges.as_slice() {
        [] => {}
        [(w, e)] => query = query.filter(trial_sites::lon.between(*w, *e)),
        [(w1, e1), (w2, e2), ..] => {
            query = query.filter(
                trial_sites::lon
                    .between(*w1, *e1)
                    .or(trial_sites::lon.between(*w2, *e2)),
            )
        }
    }
    query.limit(cap).load(conn)
}
