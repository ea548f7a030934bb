//! The rules of the private pre-check: her health profile (hers alone: every function here
//! acts on the caller's own profile, and no route takes another member's id), a notice's
//! structured criteria (checked, kept beside the notice), the pre-check of one notice, the
//! search by pre-check, and the attachment to an answer.
//!
//! Nothing of her profile leaves her account but the pre-check she attaches to an answer
//! herself, inside its consent step. A pre-check is computed when asked and never stored
//! otherwise.
//!
//! Without a profile, the pre-check and the search by pre-check answer 409 (the request is
//! right, her account lacks what it needs: she creates her profile first); visitors get 401.

use std::cmp::Reverse;

use chrono::{Datelike, NaiveDateTime};
use diesel::QueryResult;
use serde::{Deserialize, Serialize};

use super::judge::{self, NoticeCriteria};
use super::model::{
    HealthProfile, HealthProfileRequest, Likelihood, PreCheck, ProfileRow, StructuredCriteria,
    Treatment, write_names,
};
use super::store;
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::policy::{Action, authorize};
use crate::db::{self, AnyConnection};
use crate::http::error::{ApiError, FieldErrors};
use crate::http::pagination::{self, Cursor, Page};
use crate::trials::content::{NoticeData, chars};
use crate::trials::disclaimer::pre_check_disclaimer;
use crate::trials::filters::Criteria;
use crate::trials::model::{
    NoticeRequest, NoticeSummary, SummaryRow, TrialRow, TrialSearchQuery, effective_state,
};
use crate::trials::service::today;
use crate::trials::{interest, store as notices};

/// Notices a search by pre-check judges at most: the first ones in the default order that
/// match the other filters.
pub const CANDIDATES_MAX: i64 = 1_000;
const OLDEST_YEARS: i32 = 120;
const PLACE_MAX: usize = 100;

fn no_profile() -> ApiError {
    ApiError::Conflict(
        "you have no health profile yet: create it with PUT /api/v1/me/health-profile (only \
         you can see it)"
            .into(),
    )
}

// ---- structured criteria of notices -------------------------------------------------------

/// Checks a notice's structured criteria: each item once, none both required and excluded.
pub fn check_criteria(errors: &mut FieldErrors, c: StructuredCriteria) -> StructuredCriteria {
    fn dedup<T: PartialEq + Copy>(items: Vec<T>) -> Vec<T> {
        let mut out = Vec::new();
        for i in items {
            if !out.contains(&i) {
                out.push(i);
            }
        }
        out
    }
    let c = StructuredCriteria {
        required_conditions: dedup(c.required_conditions),
        excluded_conditions: dedup(c.excluded_conditions),
        required_treatments: dedup(c.required_treatments),
        excluded_treatments: dedup(c.excluded_treatments),
    };
    if let Some(both) = c
        .required_conditions
        .iter()
        .find(|x| c.excluded_conditions.contains(x))
    {
        errors.insert(
            "structured_criteria.excluded_conditions".into(),
            format!("`{both}` is required too: a condition is either required or excluded"),
        );
    }
    if let Some(both) = c
        .required_treatments
        .iter()
        .find(|x| c.excluded_treatments.contains(x))
    {
        errors.insert(
            "structured_criteria.excluded_treatments".into(),
            format!("`{both}` is required too: a treatment is either required or excluded"),
        );
    }
    c
}

/// Writes a notice's structured criteria with the rest of its content.
pub fn save_criteria(
    conn: &mut AnyConnection,
    trial_id: i64,
    data: &NoticeData,
) -> QueryResult<()> {
    store::write_criteria(conn, trial_id, &data.structured, data.criteria_confirmed)
}

/// A notice's structured criteria and whether they are confirmed.
pub fn load_criteria(
    conn: &mut AnyConnection,
    trial_id: i64,
) -> QueryResult<(StructuredCriteria, bool)> {
    store::criteria(conn, trial_id)
}

/// Where each of these members lives, as her private profile says: (member, country, city),
/// for telling her of a trial site opening or closing in her city. Only this feature reads
/// it, and nothing of it leaves the server.
pub fn places_of(conn: &mut AnyConnection, user_ids: &[i64]) -> QueryResult<Vec<store::Place>> {
    store::places(conn, user_ids)
}

/// Completes a stored notice's request with its structured criteria (for edits).
pub fn load_into(
    conn: &mut AnyConnection,
    trial_id: i64,
    req: &mut NoticeRequest,
) -> QueryResult<()> {
    let (criteria, confirmed) = store::criteria(conn, trial_id)?;
    req.structured_criteria = criteria;
    req.criteria_proposed = !confirmed;
    Ok(())
}

// ---- her health profile -------------------------------------------------------------------

fn place(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    min: usize,
) -> Option<String> {
    let value = value
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|v| !v.is_empty())?;
    let n = chars(&value);
    if n < min || n > PLACE_MAX {
        errors.insert(
            field.into(),
            format!("must be {min} to {PLACE_MAX} characters"),
        );
    }
    Some(value)
}

/// A list of treatments as stored: each once, in her order (naming one twice is no error).
fn treatments(errors: &mut FieldErrors, field: &str, list: &[Treatment]) -> Vec<Treatment> {
    if list.len() > Treatment::ALL.len() {
        errors.insert(
            field.into(),
            format!("at most {} treatments", Treatment::ALL.len()),
        );
    }
    let mut once: Vec<Treatment> = Vec::new();
    for t in list {
        if !once.contains(t) {
            once.push(*t);
        }
    }
    once
}

/// Checks a profile as she wrote it, in `year`.
fn check_profile(
    req: HealthProfileRequest,
    user_id: i64,
    year: i32,
    now: NaiveDateTime,
) -> Result<ProfileRow, ApiError> {
    let mut errors = FieldErrors::new();
    let oldest = year - OLDEST_YEARS;
    if let Some(born) = req.birth_year
        && !(oldest..=year).contains(&born)
    {
        errors.insert(
            "birth_year".into(),
            format!("must be a year from {oldest} to {year}"),
        );
    }
    if let Some(diagnosed) = req.diagnosis_year {
        let from = req.birth_year.unwrap_or(oldest).max(oldest);
        if !(from..=year).contains(&diagnosed) {
            errors.insert(
                "diagnosis_year".into(),
                format!("must be a year from {from} (your year of birth) to {year}"),
            );
        }
    }
    if req.nephritis_class.is_some() && req.lupus_nephritis != Some(true) {
        errors.insert(
            "nephritis_class".into(),
            "give a class only with `lupus_nephritis: true`".into(),
        );
    }
    let current_treatments = treatments(&mut errors, "current_treatments", &req.current_treatments);
    let past_treatments = treatments(&mut errors, "past_treatments", &req.past_treatments);
    let country = place(&mut errors, "country", req.country, 2);
    let city = place(&mut errors, "city", req.city, 1);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(ProfileRow {
        user_id,
        birth_year: req.birth_year,
        sex: req.sex,
        diagnosis_year: req.diagnosis_year,
        lupus_nephritis: req.lupus_nephritis,
        nephritis_class: req.nephritis_class,
        current_treatments: write_names(&current_treatments, Treatment::as_str),
        past_treatments: write_names(&past_treatments, Treatment::as_str),
        pregnancy_plans: req.pregnancy_plans,
        country,
        city,
        created_at: now,
        updated_at: now,
    })
}

/// `GET /me/health-profile`: 404 when she has none.
pub async fn get_profile(state: &AppState, caller: &Caller) -> Result<HealthProfile, ApiError> {
    authorize(caller, Action::KeepHealthProfile)?;
    let me = caller.user_id;
    state
        .db
        .read(move |conn| Ok::<_, ApiError>(store::profile(conn, me)?))
        .await?
        .map(HealthProfile::from)
        .ok_or_else(|| ApiError::NotFound("you have no health profile".into()))
}

/// `PUT /me/health-profile`: the whole profile, created or replaced.
pub async fn put_profile(
    state: &AppState,
    caller: &Caller,
    req: HealthProfileRequest,
) -> Result<HealthProfile, ApiError> {
    authorize(caller, Action::KeepHealthProfile)?;
    let now = db::now();
    let row = check_profile(req, caller.user_id, today().year(), now)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            store::put_profile(conn, &row)?;
            store::profile(conn, me)?
                .map(HealthProfile::from)
                .ok_or_else(|| ApiError::Internal("the profile vanished".into()))
        })
        .await
}

/// `DELETE /me/health-profile`: gone, whether or not there was one.
pub async fn delete_profile(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    authorize(caller, Action::KeepHealthProfile)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| Ok::<_, ApiError>(store::delete_profile(conn, me).map(|_| ())?))
        .await
}

/// Her profile for her own export.
pub fn export(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Option<HealthProfile>> {
    Ok(store::profile(conn, user_id)?.map(HealthProfile::from))
}

/// Erasure: her profile goes.
pub fn erase(conn: &mut AnyConnection, user_id: i64) -> QueryResult<()> {
    store::erase(conn, user_id)
}

// ---- the pre-check ------------------------------------------------------------------------

fn criteria_of_row(
    row: &TrialRow,
    (structured, confirmed): (StructuredCriteria, bool),
) -> NoticeCriteria {
    NoticeCriteria {
        min_age_months: row.min_age_months,
        max_age_months: row.max_age_months,
        sex: row.sex,
        text: row.criteria.clone(),
        structured,
        confirmed,
    }
}

/// Her pre-check of a notice she may see, now; 409 without a profile.
fn compute(conn: &mut AnyConnection, user_id: i64, row: &TrialRow) -> Result<PreCheck, ApiError> {
    let profile: HealthProfile = store::profile(conn, user_id)?
        .map(HealthProfile::from)
        .ok_or_else(no_profile)?;
    let notice = criteria_of_row(row, store::criteria(conn, row.id)?);
    let checks = judge::judge(&notice, &profile, today().year());
    let locale = interest::locale_of(conn, user_id)?.unwrap_or_default();
    Ok(PreCheck {
        trial_id: row.id,
        verdict: judge::overall(&checks),
        criteria: checks,
        disclaimer: pre_check_disclaimer(locale).to_owned(),
        disclaimer_locale: locale,
        checked_at: db::utc(db::now()),
    })
}

/// `GET /trials/{id}/pre-check`.
pub async fn pre_check(
    state: &AppState,
    caller: &Caller,
    trial_id: i64,
) -> Result<PreCheck, ApiError> {
    authorize(caller, Action::KeepHealthProfile)?;
    let who = caller.clone();
    let today = today();
    state
        .db
        .read(move |conn| {
            let row = notices::trial(conn, trial_id)?
                .ok_or_else(|| ApiError::NotFound("no such trial notice".into()))?;
            let shown = effective_state(row.state, row.recruitment_ends.as_deref(), today);
            if !crate::auth::policy::may_see_trial(Some(&who), row.coordinator_id, shown) {
                return Err(ApiError::NotFound("no such trial notice".into()));
            }
            compute(conn, who.user_id, &row)
        })
        .await
}

/// The pre-check she attaches to her answer, as stored (JSON): 422 naming
/// `attach_pre_check` when she has no profile to judge from.
pub fn attachment(
    conn: &mut AnyConnection,
    user_id: i64,
    row: &TrialRow,
) -> Result<String, ApiError> {
    let check = compute(conn, user_id, row).map_err(|e| match e {
        ApiError::Conflict(_) => ApiError::invalid(
            "attach_pre_check",
            "you have no health profile to pre-check this notice with: create it first, or \
             answer without attaching a pre-check",
        ),
        other => other,
    })?;
    serde_json::to_string(&check).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Stores (or clears) the pre-check attached to an answer.
pub fn attach(
    conn: &mut AnyConnection,
    interest_id: i64,
    pre_check: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    store::attach(conn, interest_id, pre_check, now)
}

/// An attached pre-check as stored.
pub fn attached(stored: Option<&str>) -> Option<PreCheck> {
    stored.and_then(|s| serde_json::from_str(s).ok())
}

// ---- the search by pre-check --------------------------------------------------------------

/// The position in a search by pre-check: the verdict's rank when sorting by it (0
/// otherwise), then the default order's key.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PreCheckCursor {
    verdict: i32,
    rank: i32,
    published_at: NaiveDateTime,
    id: i64,
}

impl Cursor for PreCheckCursor {}

type Key = (i32, i32, Reverse<NaiveDateTime>, Reverse<i64>);

impl PreCheckCursor {
    fn key(&self) -> Key {
        (
            self.verdict,
            self.rank,
            Reverse(self.published_at),
            Reverse(self.id),
        )
    }
}

/// Whether the search asks for the pre-check (`pre_check` or `sort` given).
pub fn wanted(query: &TrialSearchQuery) -> bool {
    let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    given(&query.pre_check) || given(&query.sort)
}

/// `GET /trials` with `pre_check` or `sort=pre_check`: the notices matching the other filters
/// (at most [`CANDIDATES_MAX`], in the default order) are judged here against her profile,
/// kept when at least as good as asked, and ordered by verdict when asked.
pub async fn search(
    state: &AppState,
    caller: Option<&Caller>,
    query: TrialSearchQuery,
) -> Result<Page<NoticeSummary>, ApiError> {
    let mut errors = FieldErrors::new();
    let minimum = match query.pre_check.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Likelihood::parse(raw).or_else(|| {
            errors.insert(
                "pre_check".into(),
                "must be `likely`, `unclear` or `unlikely`".into(),
            );
            None
        }),
    };
    let by_verdict = match query.sort.as_deref().map(str::trim) {
        None | Some("") => false,
        Some("pre_check") => true,
        Some(_) => {
            errors.insert("sort".into(), "must be `pre_check`".into());
            false
        }
    };
    if query.near.as_deref().is_some_and(|n| !n.trim().is_empty()) {
        errors.insert(
            "near".into(),
            "cannot be combined with `pre_check` or `sort=pre_check`: choose one".into(),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let criteria = Criteria::parse(&(&query).into(), "")?;
    let limit = pagination::limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(PreCheckCursor::decode)
        .transpose()?;
    let caller = caller.ok_or_else(|| {
        ApiError::Unauthorized(
            "sign in to search by your private pre-check: it reads your own health profile".into(),
        )
    })?;
    authorize(caller, Action::KeepHealthProfile)?;
    let me = caller.user_id;
    let today = today();
    let (profile, rows, judged) = state
        .db
        .read(move |conn| {
            let profile: HealthProfile = store::profile(conn, me)?
                .map(HealthProfile::from)
                .ok_or_else(no_profile)?;
            let rows: Vec<SummaryRow> =
                notices::search_page(conn, &criteria, today, None, CANDIDATES_MAX - 1)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let judged = store::criteria_of(conn, &ids)?;
            Ok::<_, ApiError>((profile, rows, judged))
        })
        .await?;
    if rows.len() as i64 >= CANDIDATES_MAX {
        tracing::warn!(
            "a search by pre-check judged {CANDIDATES_MAX} candidate notices; results may be incomplete"
        );
    }
    let judged: std::collections::HashMap<i64, (StructuredCriteria, bool)> =
        judged.into_iter().collect();
    let year = today.year();
    let mut found: Vec<(Likelihood, SummaryRow)> = rows
        .into_iter()
        .map(|row| {
            let (structured, confirmed) = judged
                .get(&row.id)
                .cloned()
                .unwrap_or((StructuredCriteria::default(), true));
            // The verdict does not depend on the quotes: the text is left out.
            let notice = NoticeCriteria {
                min_age_months: row.min_age_months,
                max_age_months: row.max_age_months,
                sex: row.sex,
                text: String::new(),
                structured,
                confirmed,
            };
            (judge::overall(&judge::judge(&notice, &profile, year)), row)
        })
        .filter(|(v, _)| minimum.is_none_or(|m| v.rank() <= m.rank()))
        .collect();
    let key = |(v, r): &(Likelihood, SummaryRow)| PreCheckCursor {
        verdict: if by_verdict { v.rank() } else { 0 },
        rank: r.status_rank,
        published_at: r.published_at.unwrap_or_default(),
        id: r.id,
    };
    found.sort_by_key(|x| key(x).key());
    if let Some(after) = after {
        found.retain(|x| key(x).key() > after.key());
    }
    found.truncate(limit as usize + 1);
    Ok(pagination::page(
        found,
        limit,
        |x| key(x).encode(),
        |(verdict, row)| {
            let mut summary = NoticeSummary::from_row(row, today, None);
            summary.pre_check = Some(verdict);
            summary
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trials::precheck::model::{Condition, NephritisClass};

    fn at() -> NaiveDateTime {
        db::now()
    }

    #[test]
    fn a_class_without_nephritis_and_too_many_treatments_are_refused() {
        let req: HealthProfileRequest = serde_json::from_value(serde_json::json!({
            "birth_year": 1800, "lupus_nephritis": false, "nephritis_class": "IV",
            "past_treatments": vec!["rituximab"; 10], "country": "C", "city": " "
        }))
        .unwrap();
        let Err(ApiError::Validation(errors)) = check_profile(req, 1, 2026, at()) else {
            panic!("accepted");
        };
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "birth_year",
                "country",
                "nephritis_class",
                "past_treatments"
            ]
        );
    }

    #[test]
    fn a_plausible_profile_is_kept_with_blank_places_left_unsaid() {
        let req: HealthProfileRequest = serde_json::from_value(serde_json::json!({
            "birth_year": 1992, "diagnosis_year": 2019, "lupus_nephritis": true,
            "nephritis_class": "IV", "past_treatments": ["cyclophosphamide", "cyclophosphamide"],
            "city": "  "
        }))
        .unwrap();
        let row = check_profile(req, 1, 2026, at()).unwrap();
        assert_eq!(row.nephritis_class, Some(NephritisClass::ClassIV));
        assert_eq!(
            row.past_treatments, "cyclophosphamide",
            "named twice, kept once"
        );
        assert_eq!(row.city, None);
    }

    #[test]
    fn criteria_are_either_required_or_excluded() {
        let mut errors = FieldErrors::new();
        let c = check_criteria(
            &mut errors,
            StructuredCriteria {
                required_conditions: vec![Condition::LupusNephritis, Condition::LupusNephritis],
                excluded_conditions: vec![Condition::LupusNephritis],
                ..Default::default()
            },
        );
        assert_eq!(c.required_conditions, vec![Condition::LupusNephritis]);
        assert!(errors.contains_key("structured_criteria.excluded_conditions"));
    }
}
