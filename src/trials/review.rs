//! What the moderation queue calls about trial items, inside its own write transaction: the
//! review of a notice (publish, or back to draft with the reason), the decision on a
//! coordinator application (grant the role, or refuse with the reason), and a short
//! description of either subject for the queue view. Resolving the queue item itself is the
//! caller's job.

use std::collections::HashMap;

use diesel::QueryResult;
use serde_json::json;

use super::model::{ApplicationStatus, NoticeState};
use super::notify;
use super::service;
use super::store::{self, applications as app_store};
use crate::app::AppState;
use crate::auth::model::Role;
use crate::db::{self, AnyConnection};
use crate::http::error::ApiError;
use crate::modlog::{self as modlog, Entry, LogAction, LogTargetKind};
use crate::notify::inapp::NotificationKind;
use crate::queue::ItemKind;

/// Publishes (approve) or returns to draft with the reason (reject) a notice under review;
/// notifies the coordinator, fires matching alerts on publication, logs.
pub fn apply_notice_review(
    state: &AppState,
    conn: &mut AnyConnection,
    trial_id: i64,
    approve: bool,
    actor_id: i64,
    reason: &str,
) -> Result<(), ApiError> {
    let row = store::trial(conn, trial_id)?
        .ok_or_else(|| ApiError::NotFound("the trial notice no longer exists".into()))?;
    if row.state != NoticeState::PendingReview {
        return Err(ApiError::Conflict(format!(
            "this notice is {} now, not waiting for review",
            row.state
        )));
    }
    if approve {
        service::publish(state, conn, trial_id, actor_id)?;
        notify::tell(
            conn,
            row.coordinator_id,
            NotificationKind::TrialReview,
            trial_id,
            Some(actor_id),
            NoticeState::Published.as_str(),
        )?;
    } else {
        if !store::return_to_draft(conn, trial_id, reason, db::now())? {
            return Err(ApiError::Conflict(
                "this notice is not waiting for review".into(),
            ));
        }
        modlog::append(
            conn,
            &Entry {
                actor_id: Some(actor_id),
                action: LogAction::TrialNoticeReturned,
                target_kind: LogTargetKind::TrialNotice,
                target_id: trial_id,
                reason: Some(reason),
                before: Some(NoticeState::PendingReview.as_str()),
                after: Some(NoticeState::Draft.as_str()),
            },
        )?;
        notify::tell(
            conn,
            row.coordinator_id,
            NotificationKind::TrialReview,
            trial_id,
            Some(actor_id),
            &format!("returned to draft: {reason}"),
        )?;
    }
    Ok(())
}

/// Grants the coordinator role (approve) or refuses with the reason; notifies the applicant;
/// logs the role change.
pub fn apply_application_decision(
    _state: &AppState,
    conn: &mut AnyConnection,
    application_id: i64,
    approve: bool,
    actor_id: i64,
    reason: &str,
) -> Result<(), ApiError> {
    let (application, _, role) = app_store::by_id(conn, application_id)?
        .ok_or_else(|| ApiError::NotFound("no such application".into()))?;
    let now = db::now();
    let status = if approve {
        ApplicationStatus::Approved
    } else {
        ApplicationStatus::Rejected
    };
    if !app_store::decide(conn, application_id, status, reason, actor_id, now)? {
        return Err(ApiError::Conflict(
            "this application has been decided already".into(),
        ));
    }
    modlog::append(
        conn,
        &Entry {
            actor_id: Some(actor_id),
            action: if approve {
                LogAction::CoordinatorApplicationApproved
            } else {
                LogAction::CoordinatorApplicationRejected
            },
            target_kind: LogTargetKind::CoordinatorApplication,
            target_id: application_id,
            reason: Some(reason),
            before: None,
            after: None,
        },
    )?;
    // Only a member becomes a coordinator: staff keep their wider role.
    if approve && role == Role::Member {
        app_store::set_role(conn, application.user_id, Role::Coordinator, now)?;
        modlog::append(
            conn,
            &Entry {
                actor_id: Some(actor_id),
                action: LogAction::RoleChange,
                target_kind: LogTargetKind::User,
                target_id: application.user_id,
                reason: Some(reason),
                before: Some(Role::Member.as_str()),
                after: Some(Role::Coordinator.as_str()),
            },
        )?;
    }
    let detail = if approve {
        "approved: you can now publish trial notices".to_owned()
    } else {
        format!("not approved: {reason}")
    };
    notify::tell(
        conn,
        application.user_id,
        NotificationKind::CoordinatorApplication,
        application_id,
        Some(actor_id),
        &detail,
    )?;
    Ok(())
}

/// Short JSON descriptions of queue items' subjects of one kind for the moderation queue view
/// (title, registry id, coordinator / organisation, applicant…), by subject id; subjects that
/// no longer exist are missing. Two queries for notices, one for applications, whatever the
/// number of items.
pub fn queue_subjects(
    conn: &mut AnyConnection,
    kind: ItemKind,
    subject_ids: &[i64],
) -> QueryResult<HashMap<i64, serde_json::Value>> {
    if subject_ids.is_empty() {
        return Ok(HashMap::new());
    }
    match kind {
        ItemKind::TrialNotice => {
            let rows = store::trials_with_coordinators(conn, subject_ids)?;
            let coordinators: Vec<i64> = rows.iter().map(|(row, _)| row.coordinator_id).collect();
            let organizations = app_store::organizations_of(conn, &coordinators)?;
            Ok(rows
                .into_iter()
                .map(|(row, coordinator_name)| {
                    let organization = organizations.get(&row.coordinator_id);
                    let view = json!({
                        "trial_id": row.id,
                        "title": row.title,
                        "registry_id": row.registry_id,
                        "state": row.state,
                        "phase": row.phase,
                        "recruitment_status": row.recruitment_status,
                        "sponsor": row.sponsor,
                        "coordinator": {"id": row.coordinator_id, "display_name": coordinator_name},
                        "organization": organization,
                        "published_before": row.published_at.is_some(),
                    });
                    (row.id, view)
                })
                .collect())
        }
        ItemKind::CoordinatorApplication => Ok(app_store::by_ids(conn, subject_ids)?
            .into_iter()
            .map(|(a, display_name, role)| {
                let view = json!({
                    "application_id": a.id,
                    "applicant": {"id": a.user_id, "display_name": display_name, "role": role},
                    "organization": a.organization,
                    "job_title": a.job_title,
                    "evidence": a.evidence,
                    "registry_ids": a.registry_ids.split_whitespace().collect::<Vec<_>>(),
                    "status": a.status,
                });
                (a.id, view)
            })
            .collect()),
        _ => Ok(HashMap::new()),
    }
}

/// The member a trial queue item concerns (the notice's coordinator, the applicant), for the
/// queue's member history; None if the subject no longer exists.
pub fn subject_member(
    conn: &mut AnyConnection,
    kind: ItemKind,
    subject_id: i64,
) -> QueryResult<Option<i64>> {
    match kind {
        ItemKind::TrialNotice => Ok(store::trial(conn, subject_id)?.map(|t| t.coordinator_id)),
        ItemKind::CoordinatorApplication => {
            Ok(app_store::by_id(conn, subject_id)?.map(|(a, _, _)| a.user_id))
        }
        _ => Ok(None),
    }
}
