//! The trial and moderation sections of the data export (see `export.rs`): interests, saved
//! searches, coordinator applications and notices, sanctions, appeals, moderators' notes and
//! administrators' reads. Each query is filtered by the member's id on the index named
//! beside it.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::export::utc_opt;
use super::model::{
    AccessKind, ExportAccess, ExportAlert, ExportAppeal, ExportApplication, ExportInterest,
    ExportNote, ExportNotice, ExportSanction,
};
use crate::db::AnyConnection;
use crate::db::schema::{
    access_log, appeals, coordinator_applications, member_notes, sanctions, trial_alert_hits,
    trial_alerts, trial_interests, trials,
};
use crate::db::utc;
use crate::moderation::model::{AppealStatus, AppealSubjectKind, SanctionKind};
use crate::trials::model::{ApplicationStatus, InterestStatus, NoticeState, RecruitmentStatus};

/// Index `trial_interests_user_idx` (user_id, id).
pub(super) fn interests_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportInterest>> {
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
            status: r.6,
            created_at: utc(r.7),
            updated_at: utc(r.8),
        })
        .collect())
}

/// Alerts (index `trial_alerts_user_idx`) and their hits (primary key, by alert).
pub(super) fn alerts_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportAlert>> {
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
pub(super) fn applications_of(
    conn: &mut AnyConnection,
    id: i64,
) -> QueryResult<Vec<ExportApplication>> {
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
pub(super) fn notices_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportNotice>> {
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

/// Index `sanctions_user_idx` (user_id, id). Who placed or lifted them is left out.
pub(super) fn sanctions_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportSanction>> {
    type Row = (
        i64,
        SanctionKind,
        String,
        Option<NaiveDateTime>,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = sanctions::table
        .filter(sanctions::user_id.eq(id))
        .order(sanctions::id.asc())
        .select((
            sanctions::id,
            sanctions::kind,
            sanctions::reason,
            sanctions::ends_at,
            sanctions::created_at,
            sanctions::lifted_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportSanction {
            id: r.0,
            kind: r.1,
            reason: r.2,
            ends_at: utc_opt(r.3),
            created_at: utc(r.4),
            lifted_at: utc_opt(r.5),
        })
        .collect())
}

/// Index `appeals_user_idx` (user_id, id).
pub(super) fn appeals_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportAppeal>> {
    type Row = (
        i64,
        AppealSubjectKind,
        i64,
        String,
        AppealStatus,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = appeals::table
        .filter(appeals::user_id.eq(id))
        .order(appeals::id.asc())
        .select((
            appeals::id,
            appeals::subject_kind,
            appeals::subject_id,
            appeals::body,
            appeals::status,
            appeals::created_at,
            appeals::decided_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportAppeal {
            id: r.0,
            subject_kind: r.1,
            subject_id: r.2,
            text: r.3,
            status: r.4,
            created_at: utc(r.5),
            decided_at: utc_opt(r.6),
        })
        .collect())
}

/// Index `member_notes_user_idx` (user_id, id). The note's author is left out.
pub(super) fn notes_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportNote>> {
    let rows: Vec<(String, NaiveDateTime)> = member_notes::table
        .filter(member_notes::user_id.eq(id))
        .order(member_notes::id.asc())
        .select((member_notes::body, member_notes::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(body, at)| ExportNote {
            body,
            created_at: utc(at),
        })
        .collect())
}

/// Index `access_log_subject_idx` (subject_user_id, id). The administrator is left out.
pub(super) fn accesses_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportAccess>> {
    let rows: Vec<(AccessKind, NaiveDateTime)> = access_log::table
        .filter(access_log::subject_user_id.eq(id))
        .order(access_log::id.asc())
        .select((access_log::what, access_log::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(what, at)| ExportAccess {
            what,
            created_at: utc(at),
        })
        .collect())
}
