//! Notices follow their registry: a notice imported from ClinicalTrials.gov keeps the NCT id of
//! its study, and a sync pass (`butterfly trials sync`, or the background job every
//! `trial_sync.interval_secs`) reads the current record of every open imported notice through
//! [`ctgov`](super::ctgov) and applies what changed.
//!
//! - **What follows the registry**: the recruitment status, the sites (each with its own
//!   status), the eligibility (ages, sex, healthy volunteers, criteria), the start date (and the
//!   recruitment end date when the record gives one) and the contact. The registry is the
//!   source of these facts: its values replace the notice's, without a new review (the title,
//!   summary and everything else a moderator reviewed stay as they are). A part the record
//!   leaves out (no site, no central contact, no criteria, no date) keeps the notice's.
//! - **One change, told once**: a notice is compared and changed in one transaction, under the
//!   lock of its row: the notice is updated, a [`NoticeDiff`] is written as a revision (origin
//!   `registry`) that its coordinator and administrators read at
//!   `GET /api/v1/trials/{id}/revisions`, and everyone who answered or watches it is told once
//!   (`notify::notice_updated`). A record that did not change changes nothing and tells
//!   nobody.
//! - **The end of a trial**: a record that is `COMPLETED`, `TERMINATED` or `WITHDRAWN` closes
//!   the notice, with a reason naming the registry's status; `SUSPENDED` pauses it (its
//!   recruitment status `suspended`: nobody may answer it until the registry recruits again).
//! - **Failures**: a 404, a registry that stays unavailable after its retries, or a record
//!   that cannot be read leaves the notice alone; it is logged and counted as failed.
//! - **Several instances**: a pass claims each notice by a conditional update of its claim
//!   time before reading its record, so two passes never sync one notice at the same time;
//!   and since the comparison is made again under the notice's lock, a change is applied once
//!   even if a claim outlived its lease.
//!
//! The [`NoticeDiff`] names the sites that opened (appeared, or turned `recruiting`) and
//! closed (disappeared, or stopped recruiting), with their coordinates, for telling members
//! who live near a site.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::content::{NoticeData, check};
use super::ctgov::RegistryClient;
use super::model::{
    Contact, Eligibility, NoticeRequest, NoticeState, RecruitmentStatus, Site, effective_state,
    months_to_years,
};
use super::service::{stored_notice, today, write_content};
use super::store::{self, sync as sync_store};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::policy::{self, Action, authorize};
use crate::config::TrialSyncSettings;
use crate::db::{self, AnyConnection, utc};
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor, IdCursor, Page};
use crate::modlog::{self, Entry, LogAction, LogTargetKind};
use crate::notify::inapp::NotificationKind;

/// The registry, as notices and notifications name it.
const REGISTRY: &str = "ClinicalTrials.gov";

crate::db::text_enum! {
    /// Where a revision of a notice came from.
    pub enum RevisionOrigin {
        /// Its study's record on ClinicalTrials.gov, read by the registry sync.
        Registry = "registry",
    }
}

/// A fact of a notice that follows its registry record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncedField {
    RecruitmentStatus,
    Sites,
    Eligibility,
    StartDate,
    RecruitmentEnds,
    Contact,
}

/// One fact that changed, with its value before and after (as the notice shows it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    pub field: SyncedField,
    pub before: Value,
    pub after: Value,
}

/// What one sync changed on one notice.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoticeDiff {
    /// Each fact that changed, once.
    pub changes: Vec<FieldChange>,
    /// Sites that appeared, or whose status turned `recruiting` (as they are now).
    pub opened_sites: Vec<Site>,
    /// Sites that disappeared (as they were), or that stopped recruiting (as they are now).
    pub closed_sites: Vec<Site>,
}

impl NoticeDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// A revision of a notice, as its coordinator reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeRevision {
    pub id: i64,
    pub origin: RevisionOrigin,
    /// Each fact that changed, with its value before and after.
    pub changes: Vec<FieldChange>,
    /// Sites that appeared, or whose status turned `recruiting`.
    pub opened_sites: Vec<Site>,
    /// Sites that disappeared, or that stopped recruiting.
    pub closed_sites: Vec<Site>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RevisionsQuery {
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

/// What a pass did. `checked` counts the notices it held and compared or tried to:
/// `changed + closed + unchanged + failed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncSummary {
    pub checked: usize,
    /// Changed and still open.
    pub changed: usize,
    /// Closed because the registry says the trial is over.
    pub closed: usize,
    pub unchanged: usize,
    /// Not found, unavailable or unreadable records, and notices that could not be written.
    pub failed: usize,
    /// Held by another pass, or no longer open when their turn came.
    pub skipped: usize,
}

impl fmt::Display for SyncSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "checked {}, changed {}, closed {}, unchanged {}, failed {}, skipped {}",
            self.checked, self.changed, self.closed, self.unchanged, self.failed, self.skipped
        )
    }
}

/// What became of one notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Changed,
    Closed,
    Unchanged,
    Failed,
    Skipped,
}

impl SyncSummary {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Changed => self.changed += 1,
            Outcome::Closed => self.closed += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Skipped => {
                self.skipped += 1;
                return;
            }
        }
        self.checked += 1;
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such trial notice".into())
}

/// One sentence for the log about an error.
fn reason(e: &ApiError) -> String {
    match e {
        ApiError::Validation(errors) => errors
            .iter()
            .map(|(field, message)| format!("{field} {message}"))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

// ---- the import source ------------------------------------------------------------------------

/// Remembers the study a notice was imported from (in the import's transaction); notices
/// whose registry id is not an NCT number have none to follow.
pub fn remember_source(
    conn: &mut AnyConnection,
    trial_id: i64,
    data: &NoticeData,
) -> Result<(), ApiError> {
    if data.registry.registry == super::registry::Registry::ClinicalTrialsGov {
        sync_store::record_source(conn, trial_id, &data.registry.id, db::now())?;
    }
    Ok(())
}

// ---- comparing --------------------------------------------------------------------------------

fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn eligibility(d: &NoticeData) -> Eligibility {
    Eligibility {
        min_age_years: months_to_years(d.min_age_months),
        max_age_years: months_to_years(d.max_age_months),
        sex: d.sex,
        healthy_volunteers: d.healthy_volunteers,
        criteria: d.criteria.clone(),
    }
}

/// Sites are the same place when their facility, city and country are.
fn same_place(a: &Site, b: &Site) -> bool {
    a.facility == b.facility && a.city == b.city && a.country == b.country
}

fn recruiting(site: &Site) -> bool {
    site.status == Some(RecruitmentStatus::Recruiting)
}

/// The sites that opened from `old` to `new` (appeared, or turned `recruiting`; as they are
/// now) and those that closed (disappeared, as they were; or stopped recruiting, as they are
/// now). Used by the sync and by a coordinator's edit alike.
pub fn site_changes(old: &[Site], new: &[Site]) -> (Vec<Site>, Vec<Site>) {
    let (mut opened, mut closed) = (Vec::new(), Vec::new());
    for site in new {
        match old.iter().find(|s| same_place(s, site)) {
            None => opened.push(site.clone()),
            Some(before) if recruiting(site) && !recruiting(before) => opened.push(site.clone()),
            Some(before) if recruiting(before) && !recruiting(site) => closed.push(site.clone()),
            Some(_) => {}
        }
    }
    for site in old {
        if !new.iter().any(|s| same_place(s, site)) {
            closed.push(site.clone());
        }
    }
    (opened, closed)
}

/// What changed from `old` to `new`, in the facts that follow the registry.
pub fn diff(old: &NoticeData, new: &NoticeData) -> NoticeDiff {
    let mut d = NoticeDiff::default();
    let mut change = |field, before: Value, after: Value| {
        if before != after {
            d.changes.push(FieldChange {
                field,
                before,
                after,
            });
        }
    };
    change(
        SyncedField::RecruitmentStatus,
        json(&old.recruitment_status),
        json(&new.recruitment_status),
    );
    if old.sites != new.sites {
        change(SyncedField::Sites, json(&old.sites), json(&new.sites));
    }
    change(
        SyncedField::Eligibility,
        json(&eligibility(old)),
        json(&eligibility(new)),
    );
    change(
        SyncedField::StartDate,
        json(&old.start_date),
        json(&new.start_date),
    );
    change(
        SyncedField::RecruitmentEnds,
        json(&old.recruitment_ends),
        json(&new.recruitment_ends),
    );
    change(SyncedField::Contact, json(&old.contact), json(&new.contact));
    (d.opened_sites, d.closed_sites) = site_changes(&old.sites, &new.sites);
    d
}

/// The notice as it stands, with the facts of the registry's record in place of its own (a
/// part the record leaves out keeps the notice's).
fn merged(mut notice: NoticeRequest, record: NoticeRequest) -> NoticeRequest {
    notice.recruitment_status = record.recruitment_status;
    if !record.sites.is_empty() {
        notice.sites = record.sites;
    }
    let criteria = if record.eligibility.criteria.trim().is_empty() {
        std::mem::take(&mut notice.eligibility.criteria)
    } else {
        record.eligibility.criteria
    };
    notice.eligibility = Eligibility {
        criteria,
        ..record.eligibility
    };
    if record.start_date.is_some() {
        notice.start_date = record.start_date;
    }
    if record.recruitment_ends.is_some() {
        notice.recruitment_ends = record.recruitment_ends;
    }
    if record.contact != Contact::default() {
        notice.contact = record.contact;
    }
    notice
}

/// What followers read about a change that leaves the notice open.
fn detail(diff: &NoticeDiff, status: RecruitmentStatus) -> String {
    let parts: Vec<String> = diff
        .changes
        .iter()
        .map(|c| match c.field {
            SyncedField::RecruitmentStatus => format!("recruitment status: {status}"),
            SyncedField::Sites => "sites".into(),
            SyncedField::Eligibility => "eligibility".into(),
            SyncedField::StartDate => "start date".into(),
            SyncedField::RecruitmentEnds => "recruitment end date".into(),
            SyncedField::Contact => "contact".into(),
        })
        .collect();
    format!("updated from {REGISTRY}: {}", parts.join("; "))
}

// ---- one pass ---------------------------------------------------------------------------------

/// How long a pass holds a notice: enough for every attempt and the waits between them (a
/// day at most).
fn lease(settings: &TrialSyncSettings) -> Duration {
    let attempts = u64::from(settings.retries) + 1;
    let per_attempt = settings.timeout_secs.max(1).saturating_add(60);
    let secs = attempts
        .saturating_mul(per_attempt)
        .saturating_add(60)
        .min(24 * 60 * 60);
    Duration::seconds(i64::try_from(secs).unwrap_or(24 * 60 * 60))
}

/// One pass over every open imported notice, one after the other at the registry's pace.
/// Fails only when the notices to sync cannot be listed.
pub async fn run(state: &AppState) -> Result<SyncSummary, ApiError> {
    let client = RegistryClient::new(&state.settings.trial_sync);
    let notices = state
        .db
        .read(|conn| Ok::<_, ApiError>(sync_store::open_imported(conn)?))
        .await?;
    let mut summary = SyncSummary::default();
    for (trial_id, nct) in notices {
        summary.count(sync_notice(state, &client, trial_id, nct).await);
    }
    Ok(summary)
}

/// The background job: one pass, logged.
pub async fn sweep(state: AppState) {
    match run(&state).await {
        Ok(summary) if summary.failed > 0 => {
            tracing::warn!(%summary, "trial registry sync: some notices could not be synced");
        }
        Ok(summary) => tracing::info!(%summary, "trial registry sync"),
        Err(e) => tracing::warn!(error = %e, "trial registry sync could not list the notices"),
    }
}

async fn sync_notice(
    state: &AppState,
    client: &RegistryClient,
    trial_id: i64,
    nct: String,
) -> Outcome {
    let now = db::now();
    let until = now + lease(&state.settings.trial_sync);
    let claimed = state
        .db
        .write(move |conn| Ok::<_, ApiError>(sync_store::claim(conn, trial_id, now, until)?))
        .await;
    match claimed {
        Ok(true) => {}
        Ok(false) => return Outcome::Skipped,
        Err(e) => {
            tracing::warn!(trial_id, nct = %nct, error = %e, "a trial notice could not be claimed for the registry sync");
            return Outcome::Failed;
        }
    }
    match fetch_and_apply(state, client, trial_id, &nct, until).await {
        Ok(outcome) => outcome,
        Err(why) => {
            tracing::warn!(trial_id, nct = %nct, reason = %why, "a trial notice could not be synced with its registry record");
            let released = state
                .db
                .write(move |conn| {
                    Ok::<_, ApiError>(sync_store::release(conn, trial_id, until, None)?)
                })
                .await;
            if let Err(e) = released {
                tracing::warn!(trial_id, error = %e, "a registry sync claim could not be released; it lapses by itself");
            }
            Outcome::Failed
        }
    }
}

async fn fetch_and_apply(
    state: &AppState,
    client: &RegistryClient,
    trial_id: i64,
    nct: &str,
    until: chrono::NaiveDateTime,
) -> Result<Outcome, String> {
    let body = client.study(nct).await.map_err(|e| e.to_string())?;
    let record = super::import::parse_record(&body)
        .map_err(|e| format!("the record cannot be read: {}", reason(&e)))?;
    if !record.registry_id.eq_ignore_ascii_case(nct) {
        return Err(format!(
            "the registry answered with the record of {}",
            record.registry_id
        ));
    }
    let app = state.clone();
    state
        .db
        .write(move |conn| apply(&app, conn, trial_id, until, record))
        .await
        .map_err(|e| reason(&e))
}

/// Compares and changes one notice, in one transaction under the lock of its row.
fn apply(
    state: &AppState,
    conn: &mut AnyConnection,
    trial_id: i64,
    until: chrono::NaiveDateTime,
    record: NoticeRequest,
) -> Result<Outcome, ApiError> {
    store::lock_trial(conn, trial_id)?;
    let Some(row) = store::trial(conn, trial_id)? else {
        return Ok(Outcome::Skipped);
    };
    let now = db::now();
    if effective_state(row.state, row.recruitment_ends.as_deref(), today())
        != NoticeState::Published
    {
        sync_store::release(conn, trial_id, until, None)?;
        return Ok(Outcome::Skipped);
    }
    let current = stored_notice(conn, &row)?;
    let old = check(current.clone())?;
    let new = check(merged(current, record))?;
    let changes = diff(&old, &new);
    if changes.is_empty() {
        sync_store::release(conn, trial_id, until, Some(now))?;
        return Ok(Outcome::Unchanged);
    }
    write_content(conn, trial_id, &new)?;
    let stored = serde_json::to_string(&changes)
        .map_err(|e| ApiError::Internal(format!("a revision cannot be written: {e}")))?;
    sync_store::insert_revision(conn, trial_id, RevisionOrigin::Registry, &stored, now)?;
    let outcome = if new.recruitment_status.is_final() {
        let reason = format!(
            "{REGISTRY} lists the trial as {}",
            new.recruitment_status.as_str()
        );
        store::close(conn, trial_id, &reason, now)?;
        modlog::append(
            conn,
            &Entry {
                actor_id: None,
                action: LogAction::TrialNoticeClosed,
                target_kind: LogTargetKind::TrialNotice,
                target_id: trial_id,
                reason: Some(&reason),
                before: None,
                after: None,
            },
        )?;
        super::notify::tell(
            conn,
            row.coordinator_id,
            NotificationKind::TrialReview,
            trial_id,
            None,
            &format!("closed automatically: {reason}"),
        )?;
        super::notify::notice_updated(state, conn, trial_id, &format!("closed: {reason}"))?;
        Outcome::Closed
    } else {
        super::notify::notice_updated(
            state,
            conn,
            trial_id,
            &detail(&changes, new.recruitment_status),
        )?;
        super::notify::sites_changed(
            state,
            conn,
            trial_id,
            &changes.opened_sites,
            &changes.closed_sites,
        )?;
        Outcome::Changed
    };
    sync_store::release(conn, trial_id, until, Some(now))?;
    Ok(outcome)
}

// ---- revisions --------------------------------------------------------------------------------

/// `GET /trials/{id}/revisions`: what the registry changed on a notice, newest first (its
/// coordinator and administrators; others who may see the notice get 403, the rest 404).
pub async fn revisions(
    state: &AppState,
    caller: &Caller,
    trial_id: i64,
    query: RevisionsQuery,
) -> Result<Page<NoticeRevision>, ApiError> {
    authorize(caller, Action::PublishTrials)?;
    let limit = pagination::limit(query.limit)?;
    let before = pagination::after_id(query.cursor.as_deref())?;
    let who = caller.clone();
    let today = today();
    let rows = state
        .db
        .read(move |conn| {
            let row = store::trial(conn, trial_id)?.ok_or_else(not_found)?;
            if !policy::may_manage_trial(&who, row.coordinator_id) {
                let shown = effective_state(row.state, row.recruitment_ends.as_deref(), today);
                return Err(
                    if policy::may_see_trial(Some(&who), row.coordinator_id, shown) {
                        ApiError::Forbidden(
                            "only the notice's coordinator and administrators may read its revisions"
                                .into(),
                        )
                    } else {
                        not_found()
                    },
                );
            }
            Ok(sync_store::revisions_page(conn, trial_id, before, limit)?)
        })
        .await?;
    let page = pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.0 }.encode(),
        |(id, origin, changes, created_at)| {
            serde_json::from_str::<NoticeDiff>(&changes)
                .map(|d| NoticeRevision {
                    id,
                    origin,
                    changes: d.changes,
                    opened_sites: d.opened_sites,
                    closed_sites: d.closed_sites,
                    created_at: utc(created_at),
                })
                .map_err(|e| ApiError::Internal(format!("revision {id} cannot be read: {e}")))
        },
    );
    Ok(Page {
        items: page.items.into_iter().collect::<Result<_, _>>()?,
        next_cursor: page.next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = include_str!("../../tests/fixtures/clinicaltrials/NCT06323538.json");

    fn data(record: &Value) -> NoticeData {
        let body = serde_json::to_vec(record).unwrap();
        check(super::super::import::parse_record(&body).unwrap()).unwrap()
    }

    fn base() -> Value {
        serde_json::from_str(RECORD).unwrap()
    }

    #[test]
    fn the_same_record_changes_nothing() {
        assert!(diff(&data(&base()), &data(&base())).is_empty());
    }

    #[test]
    fn a_site_that_stops_recruiting_and_one_that_appears_are_named() {
        let before = data(&base());
        let mut changed = base();
        let locations = changed["protocolSection"]["contactsLocationsModule"]["locations"]
            .as_array_mut()
            .unwrap();
        locations[0]["status"] = "COMPLETED".into();
        let mut new_site = locations[1].clone();
        new_site["facility"] = "Charité – Universitätsmedizin Berlin".into();
        new_site["status"] = "RECRUITING".into();
        locations.push(new_site);
        locations.remove(2);
        let d = diff(&before, &data(&changed));
        assert_eq!(
            d.changes.iter().map(|c| c.field).collect::<Vec<_>>(),
            [SyncedField::Sites]
        );
        let names = |sites: &[Site]| sites.iter().map(|s| s.facility.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&d.opened_sites),
            ["Charité – Universitätsmedizin Berlin"]
        );
        assert_eq!(
            names(&d.closed_sites),
            [
                before.sites[0].facility.clone(),
                before.sites[2].facility.clone()
            ]
        );
    }

    #[test]
    fn parts_the_record_leaves_out_keep_the_notices() {
        let before = data(&base());
        let mut bare = base();
        let module = &mut bare["protocolSection"]["contactsLocationsModule"];
        module["locations"] = Value::Array(Vec::new());
        module["centralContacts"] = Value::Array(Vec::new());
        let parse = |record: &Value| {
            super::super::import::parse_record(&serde_json::to_vec(record).unwrap()).unwrap()
        };
        let after = check(merged(parse(&base()), parse(&bare))).unwrap();
        assert!(!before.sites.is_empty() && before.contact.email.is_some());
        assert!(diff(&before, &after).is_empty());
    }
}
