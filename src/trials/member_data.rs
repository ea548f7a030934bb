//! The trials' part of a member's privacy rights: what the data export shows of the member's
//! interests, saved searches, coordinator applications, notices and private health profile,
//! and what erasing the
//! account does to them. `privacy` composes these with the other features' parts; no other
//! module reads the trials' tables for it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::filters::TrialFilters;
use super::model::{ApplicationStatus, InterestStatus, NoticeState, RecruitmentStatus};
/// Her health profile and the pre-checks she attached, as her export shows them.
pub use super::precheck::model::{HealthProfile, PreCheck};
use crate::db::schema::{
    coordinator_applications, trial_alert_hits, trial_alert_ledger, trial_alerts, trial_interests,
    trials,
};
use crate::db::{self, AnyConnection, utc, utc_opt};
use crate::modlog::{self, LogAction, LogTargetKind};
use crate::queue::{self, ItemKind, Resolution};

const CLOSED_REASON: &str = "the coordinator's account was deleted";

/// The trial sections of a member's export.
pub struct TrialRecords {
    pub interests: Vec<ExportInterest>,
    pub alerts: Vec<ExportAlert>,
    pub applications: Vec<ExportApplication>,
    pub notices: Vec<ExportNotice>,
    pub watches: Vec<ExportWatch>,
    /// Her private health profile (her own export only: never an administrator's copy).
    pub health_profile: Option<HealthProfile>,
}

/// A notice the member watches.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportWatch {
    pub trial_id: i64,
    pub email: bool,
    pub since: DateTime<Utc>,
}

/// The member's interests, saved searches, applications and notices.
pub fn export(conn: &mut AnyConnection, id: i64) -> QueryResult<TrialRecords> {
    Ok(TrialRecords {
        interests: interests_of(conn, id)?,
        alerts: alerts_of(conn, id)?,
        applications: applications_of(conn, id)?,
        notices: notices_of(conn, id)?,
        watches: super::store::watches::of_member(conn, id)?
            .into_iter()
            .map(|(trial_id, email, since)| ExportWatch {
                trial_id,
                email,
                since: utc(since),
            })
            .collect(),
        health_profile: super::precheck::service::export(conn, id)?,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportInterest {
    pub id: i64,
    pub trial_id: i64,
    pub trial_title: String,
    pub message: Option<String>,
    /// Whether the member shared the account's email address with the coordinator.
    pub share_email: bool,
    pub share_phone: Option<String>,
    /// The private pre-check she attached to the answer, as it was then (her own export only).
    pub pre_check: Option<PreCheck>,
    pub status: InterestStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportAlert {
    pub id: i64,
    pub name: String,
    pub filters: TrialFilters,
    /// Notices this search matched.
    pub matched_trial_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportApplication {
    pub id: i64,
    pub organization: String,
    pub job_title: String,
    pub evidence: String,
    pub registry_ids: Vec<String>,
    pub status: ApplicationStatus,
    /// The administrator's reason, once decided.
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportNotice {
    pub id: i64,
    pub registry_id: String,
    pub title: String,
    pub state: NoticeState,
    pub recruitment_status: RecruitmentStatus,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Index `trial_interests_user_idx` (user_id, id).
fn interests_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportInterest>> {
    type Row = (
        i64,
        i64,
        String,
        Option<String>,
        bool,
        Option<String>,
        InterestStatus,
        NaiveDateTime,
        NaiveDateTime,
        Option<String>,
    );
    let rows: Vec<Row> = trial_interests::table
        .inner_join(trials::table.on(trials::id.eq(trial_interests::trial_id)))
        .filter(trial_interests::user_id.eq(id))
        .order(trial_interests::id.asc())
        .select((
            trial_interests::id,
            trial_interests::trial_id,
            trials::title,
            trial_interests::message,
            trial_interests::share_email,
            trial_interests::share_phone,
            trial_interests::status,
            trial_interests::created_at,
            trial_interests::updated_at,
            trial_interests::pre_check,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportInterest {
            id: r.0,
            trial_id: r.1,
            trial_title: r.2,
            message: r.3,
            share_email: r.4,
            share_phone: r.5,
            pre_check: super::precheck::service::attached(r.9.as_deref()),
            status: r.6,
            created_at: utc(r.7),
            updated_at: utc(r.8),
        })
        .collect())
}

/// Alerts (index `trial_alerts_user_idx`) and their hits (primary key, by alert).
fn alerts_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportAlert>> {
    let rows: Vec<(i64, String, String, NaiveDateTime)> = trial_alerts::table
        .filter(trial_alerts::user_id.eq(id))
        .order(trial_alerts::id.asc())
        .select((
            trial_alerts::id,
            trial_alerts::name,
            trial_alerts::filters,
            trial_alerts::created_at,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let hits: Vec<(i64, i64)> = trial_alert_hits::table
        .filter(trial_alert_hits::alert_id.eq_any(ids))
        .order((trial_alert_hits::alert_id, trial_alert_hits::trial_id))
        .select((trial_alert_hits::alert_id, trial_alert_hits::trial_id))
        .load(conn)?;
    let mut matched: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (alert_id, trial_id) in hits {
        matched.entry(alert_id).or_default().push(trial_id);
    }
    Ok(rows
        .into_iter()
        .map(|(alert_id, name, filters, at)| ExportAlert {
            id: alert_id,
            name,
            filters: serde_json::from_str(&filters).unwrap_or_default(),
            matched_trial_ids: matched.remove(&alert_id).unwrap_or_default(),
            created_at: utc(at),
        })
        .collect())
}

/// Index `coordinator_applications_user_idx` (user_id, id).
fn applications_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportApplication>> {
    type Row = (
        i64,
        String,
        String,
        String,
        String,
        ApplicationStatus,
        Option<String>,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = coordinator_applications::table
        .filter(coordinator_applications::user_id.eq(id))
        .order(coordinator_applications::id.asc())
        .select((
            coordinator_applications::id,
            coordinator_applications::organization,
            coordinator_applications::job_title,
            coordinator_applications::evidence,
            coordinator_applications::registry_ids,
            coordinator_applications::status,
            coordinator_applications::reason,
            coordinator_applications::created_at,
            coordinator_applications::decided_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportApplication {
            id: r.0,
            organization: r.1,
            job_title: r.2,
            evidence: r.3,
            registry_ids: r.4.split_whitespace().map(str::to_owned).collect(),
            status: r.5,
            reason: r.6,
            created_at: utc(r.7),
            decided_at: utc_opt(r.8),
        })
        .collect())
}

/// Index `trials_coordinator_idx` (coordinator_id, id).
fn notices_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportNotice>> {
    type Row = (
        i64,
        String,
        String,
        NoticeState,
        RecruitmentStatus,
        Option<String>,
        Option<String>,
        Option<String>,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = trials::table
        .filter(trials::coordinator_id.eq(id))
        .order(trials::id.asc())
        .select((
            trials::id,
            trials::registry_id,
            trials::title,
            trials::state,
            trials::recruitment_status,
            trials::contact_name,
            trials::contact_email,
            trials::contact_phone,
            trials::created_at,
            trials::published_at,
            trials::closed_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportNotice {
            id: r.0,
            registry_id: r.1,
            title: r.2,
            state: r.3,
            recruitment_status: r.4,
            contact_name: r.5,
            contact_email: r.6,
            contact_phone: r.7,
            created_at: utc(r.8),
            published_at: utc_opt(r.9),
            closed_at: utc_opt(r.10),
        })
        .collect())
}

/// Erases the member's trial data in the caller's transaction (open queue items closed as
/// `resolution`). Her health profile, interests (with the pre-checks she attached), saved
/// searches and coordinator applications go. A coordinator's notices stay
/// (other members answered them), without contact details: published ones are closed, ones
/// under review go back to draft, drafts stay drafts (only administrators see them).
pub fn erase(conn: &mut AnyConnection, id: i64, resolution: Resolution) -> QueryResult<()> {
    let now = db::now();
    super::precheck::service::erase(conn, id)?;
    diesel::delete(trial_interests::table.filter(trial_interests::user_id.eq(id))).execute(conn)?;
    super::store::watches::erase(conn, id)?;
    diesel::delete(trial_alert_hits::table.filter(trial_alert_hits::user_id.eq(id)))
        .execute(conn)?;
    diesel::delete(trial_alerts::table.filter(trial_alerts::user_id.eq(id))).execute(conn)?;
    diesel::delete(trial_alert_ledger::table.filter(trial_alert_ledger::user_id.eq(id)))
        .execute(conn)?;
    let pending: Vec<i64> = coordinator_applications::table
        .filter(coordinator_applications::user_id.eq(id))
        .filter(coordinator_applications::status.eq(ApplicationStatus::Pending))
        .select(coordinator_applications::id)
        .load(conn)?;
    for application_id in pending {
        queue::resolve_subject(
            conn,
            ItemKind::CoordinatorApplication,
            application_id,
            id,
            resolution,
        )?;
    }
    diesel::delete(
        coordinator_applications::table.filter(coordinator_applications::user_id.eq(id)),
    )
    .execute(conn)?;

    let notices: Vec<(i64, NoticeState)> = trials::table
        .filter(trials::coordinator_id.eq(id))
        .select((trials::id, trials::state))
        .load(conn)?;
    for (trial_id, state) in notices {
        match state {
            NoticeState::Published => {
                diesel::update(trials::table.find(trial_id))
                    .set((
                        trials::state.eq(NoticeState::Closed),
                        trials::closed_reason.eq(CLOSED_REASON),
                        trials::closed_at.eq(now),
                    ))
                    .execute(conn)?;
                modlog::append(
                    conn,
                    &modlog::Entry {
                        actor_id: Some(id),
                        action: LogAction::TrialNoticeClosed,
                        target_kind: LogTargetKind::TrialNotice,
                        target_id: trial_id,
                        reason: Some(CLOSED_REASON),
                        before: None,
                        after: None,
                    },
                )?;
            }
            NoticeState::PendingReview => {
                diesel::update(trials::table.find(trial_id))
                    .set(trials::state.eq(NoticeState::Draft))
                    .execute(conn)?;
                queue::resolve_subject(conn, ItemKind::TrialNotice, trial_id, id, resolution)?;
            }
            NoticeState::Draft | NoticeState::Closed => {}
        }
    }
    diesel::update(trials::table.filter(trials::coordinator_id.eq(id)))
        .set((
            trials::contact_name.eq(None::<String>),
            trials::contact_email.eq(None::<String>),
            trials::contact_phone.eq(None::<String>),
            trials::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
