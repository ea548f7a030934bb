//! Coordinator verification: a verified member applies (organisation, job title, evidence,
//! the registry ids they work on); the application waits in the moderation queue as a
//! `coordinator_application` item; an administrator approves — granting the `coordinator`
//! role — or rejects it with a reason, and the applicant is told in-app.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::ApplicationStatus;
use super::registry;
use super::review;
use super::store::applications::{self as app_store, ApplicationListRow, NewApplication};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::model::Role;
use crate::auth::policy::{Action, authorize};
use crate::db::utc;
use crate::db::{self};
use crate::http::error::{ApiError, FieldErrors};
use crate::http::pagination::{self, Cursor, IdCursor, Page};
use crate::queue::{self, ItemKind, Resolution};

const REGISTRY_IDS_MAX: usize = 20;
const REASON_MAX: usize = 1_000;

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "organization": "Peking Union Medical College Hospital, Department of Rheumatology",
    "job_title": "Clinical research coordinator",
    "evidence": "Staff page: https://example.org/staff/li-wei ; institutional email li.wei@example.org",
    "registry_ids": ["NCT06121297"]
}))]
pub struct ApplicationRequest {
    /// 2–200 characters.
    #[schema(min_length = 2, max_length = 200)]
    pub organization: String,
    /// 2–100 characters.
    #[schema(min_length = 2, max_length = 100)]
    pub job_title: String,
    /// How an administrator can check who you are (staff page, institutional address,
    /// ethics approval…): 10–2,000 characters.
    #[schema(min_length = 10, max_length = 2000)]
    pub evidence: String,
    /// Registry ids of trials you coordinate (up to 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub registry_ids: Vec<String>,
}

/// Who applied.
#[derive(Debug, Serialize, ToSchema)]
pub struct Applicant {
    pub id: i64,
    pub display_name: String,
    pub role: Role,
}

/// An application.
#[derive(Debug, Serialize, ToSchema)]
pub struct Application {
    pub id: i64,
    pub applicant: Applicant,
    pub organization: String,
    pub job_title: String,
    pub evidence: String,
    pub registry_ids: Vec<String>,
    pub status: ApplicationStatus,
    /// The administrator's reason, once decided.
    pub reason: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"approve": true, "reason": "Staff page and institutional address checked."}))]
pub struct DecisionRequest {
    pub approve: bool,
    /// Why; shown to the applicant. 1–1,000 characters.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ApplicationQuery {
    /// `pending` (default), `approved` or `rejected`.
    pub status: Option<String>,
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

pub fn view(row: ApplicationListRow) -> Application {
    let (a, display_name, role) = row;
    Application {
        id: a.id,
        applicant: Applicant {
            id: a.user_id,
            display_name,
            role,
        },
        organization: a.organization,
        job_title: a.job_title,
        evidence: a.evidence,
        registry_ids: a
            .registry_ids
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        status: a.status,
        reason: a.reason,
        decided_by: a.decided_by,
        decided_at: a.decided_at.map(utc),
        created_at: utc(a.created_at),
    }
}

fn check_text(errors: &mut FieldErrors, field: &str, value: &str, min: usize, max: usize) {
    let n = value.chars().count();
    if n < min || n > max {
        errors.insert(field.into(), format!("must be {min} to {max} characters"));
    }
}

async fn load(state: &AppState, id: i64) -> Result<Application, ApiError> {
    state
        .db
        .read(move |conn| Ok::<_, ApiError>(app_store::by_id(conn, id)?))
        .await?
        .map(view)
        .ok_or_else(|| ApiError::NotFound("no such application".into()))
}

/// `POST /coordinator-applications`.
pub async fn apply(
    state: &AppState,
    caller: &Caller,
    req: ApplicationRequest,
) -> Result<Application, ApiError> {
    authorize(caller, Action::Contribute)?;
    if caller.role != Role::Member {
        return Err(ApiError::Conflict(format!(
            "your account is a {} account already; only members apply to be coordinators",
            caller.role.as_str()
        )));
    }
    let mut errors = FieldErrors::new();
    let organization = req.organization.trim().to_owned();
    let job_title = req.job_title.trim().to_owned();
    let evidence = req.evidence.trim().to_owned();
    check_text(&mut errors, "organization", &organization, 2, 200);
    check_text(&mut errors, "job_title", &job_title, 2, 100);
    check_text(&mut errors, "evidence", &evidence, 10, 2_000);
    if req.registry_ids.len() > REGISTRY_IDS_MAX {
        errors.insert("registry_ids".into(), format!("at most {REGISTRY_IDS_MAX}"));
    }
    let mut ids: Vec<String> = Vec::new();
    for (i, raw) in req.registry_ids.iter().enumerate() {
        match registry::parse(raw) {
            Ok(id) if !ids.contains(&id.id) => ids.push(id.id),
            Ok(_) => {}
            Err(m) => {
                errors.insert(format!("registry_ids[{i}]"), m);
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let me = caller.user_id;
    let id = state
        .db
        .write(move |conn| {
            if app_store::pending_of(conn, me)?.is_some() {
                return Err(ApiError::Conflict(
                    "your earlier application is still waiting for a decision".into(),
                ));
            }
            let registry_ids = ids.join(" ");
            let id = db::unique_violation(app_store::insert(
                conn,
                &NewApplication {
                    user_id: me,
                    organization: &organization,
                    job_title: &job_title,
                    evidence: &evidence,
                    registry_ids: &registry_ids,
                    now: db::now(),
                },
            ))?
            .ok_or_else(|| {
                ApiError::Conflict(
                    "your earlier application is still waiting for a decision".into(),
                )
            })?;
            queue::open_item(
                conn,
                ItemKind::CoordinatorApplication,
                id,
                Some("coordinator application"),
                queue::severity(ItemKind::CoordinatorApplication, None),
            )?;
            Ok(id)
        })
        .await?;
    load(state, id).await
}

/// `GET /admin/coordinator-applications`.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: ApplicationQuery,
) -> Result<Page<Application>, ApiError> {
    authorize(caller, Action::Administer)?;
    let limit = pagination::limit(query.limit)?;
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") => ApplicationStatus::Pending,
        Some(raw) => ApplicationStatus::parse(raw).ok_or_else(|| {
            ApiError::invalid("status", "must be `pending`, `approved` or `rejected`")
        })?,
    };
    let after = pagination::after_id(query.cursor.as_deref())?;
    let rows = state
        .db
        .read(move |conn| Ok::<_, ApiError>(app_store::page(conn, status, after, limit)?))
        .await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.0.id }.encode(),
        view,
    ))
}

/// `POST /admin/coordinator-applications/{id}/decision`: decides and resolves the queue item.
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: DecisionRequest,
) -> Result<Application, ApiError> {
    authorize(caller, Action::Administer)?;
    let reason = req.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        return Err(ApiError::invalid(
            "reason",
            format!("is required, at most {REASON_MAX} characters"),
        ));
    }
    let admin = caller.user_id;
    let app = state.clone();
    state
        .db
        .write(move |conn| {
            review::apply_application_decision(&app, conn, id, req.approve, admin, &reason)?;
            queue::resolve_subject(
                conn,
                ItemKind::CoordinatorApplication,
                id,
                admin,
                if req.approve {
                    Resolution::Approve
                } else {
                    Resolution::Dismiss
                },
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    load(state, id).await
}
