//! Saved trial searches ("alerts"): a member saves the filters of a search; when a notice is
//! published that the search would find, the member gets one in-app notification per alert
//! and notice, and an email — at most one a day, so later matches wait and go out together as
//! a digest (sent by the background worker). An alert never fires twice for the same notice,
//! even when the notice is reviewed and published again.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::filters::NoticeFacts;
use super::filters::{Criteria, TrialFilters};
use super::model::TrialRow;
use super::notify;
use super::store;
use super::store::alerts as alert_store;
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::policy::{Action, authorize};
use crate::db::utc;
use crate::db::{self, AnyConnection};
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor, IdCursor, Page};
use crate::notify::inapp::NotificationKind;

/// Saved searches per member.
pub const ALERTS_MAX: i64 = 20;
const NAME_MAX: usize = 80;

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "CAR-T near Beijing", "filters": {"q": "CAR-T", "condition": "lupus", "near": "39.90,116.40", "radius_km": 50, "age": 34}}))]
pub struct AlertRequest {
    /// 1–80 characters.
    #[schema(min_length = 1, max_length = 80)]
    pub name: String,
    /// The same filters as `GET /api/v1/trials`.
    #[serde(default, deserialize_with = "crate::http::json::object")]
    pub filters: TrialFilters,
}

/// A saved search.
#[derive(Debug, Serialize, ToSchema)]
pub struct Alert {
    pub id: i64,
    pub name: String,
    pub filters: TrialFilters,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AlertPageQuery {
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

fn view(row: alert_store::AlertRow) -> Alert {
    Alert {
        id: row.id,
        filters: serde_json::from_str(&row.filters).unwrap_or_default(),
        name: row.name,
        created_at: utc(row.created_at),
    }
}

/// `GET /me/trial-alerts`.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: AlertPageQuery,
) -> Result<Page<Alert>, ApiError> {
    authorize(caller, Action::ReadOwnAccount)?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after_id(query.cursor.as_deref())?;
    let me = caller.user_id;
    let rows = state
        .db
        .read(move |conn| Ok::<_, ApiError>(alert_store::page(conn, me, after, limit)?))
        .await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.id }.encode(),
        view,
    ))
}

/// `POST /me/trial-alerts`.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    req: AlertRequest,
) -> Result<Alert, ApiError> {
    authorize(caller, Action::SaveSearches)?;
    let name = req.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(ApiError::invalid(
            "name",
            format!("must be 1 to {NAME_MAX} characters"),
        ));
    }
    Criteria::parse(&req.filters, "filters.")?;
    let filters = serde_json::to_string(&req.filters)
        .map_err(|e| ApiError::Internal(format!("filters do not serialise: {e}")))?;
    let me = caller.user_id;
    let id = state
        .db
        .write(move |conn| {
            store::lock_member(conn, me)?;
            if alert_store::count_for(conn, me)? >= ALERTS_MAX {
                return Err(ApiError::Conflict(format!(
                    "you have {ALERTS_MAX} saved searches already; delete one first"
                )));
            }
            Ok(alert_store::insert(conn, me, &name, &filters, db::now())?)
        })
        .await?;
    let row = state
        .db
        .read(move |conn| Ok::<_, ApiError>(alert_store::by_id(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::Internal("the saved search vanished".into()))?;
    Ok(view(row))
}

/// `DELETE /me/trial-alerts/{id}`.
pub async fn delete(state: &AppState, caller: &Caller, id: i64) -> Result<(), ApiError> {
    authorize(caller, Action::ReadOwnAccount)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            alert_store::by_id(conn, id)?
                .filter(|a| a.user_id == me)
                .ok_or_else(|| ApiError::NotFound("no such saved search".into()))?;
            Ok(alert_store::delete(conn, id)?)
        })
        .await
}

/// Facts of a notice the alerts compare with their filters.
pub fn facts(conn: &mut AnyConnection, row: &TrialRow) -> Result<NoticeFacts, ApiError> {
    let sites = store::sites(conn, row.id)?;
    Ok(NoticeFacts {
        search_text: row.search_text.clone(),
        condition_keys: store::condition_keys(conn, row.id)?,
        phase: row.phase,
        status: row.recruitment_status,
        min_age_months: row.min_age_months,
        max_age_months: row.max_age_months,
        sex: row.sex,
        sites: sites.into_iter().map(|s| (s.4, s.5, s.6)).collect(),
        practical: store::practical(conn, row.id)?,
    })
}

/// Fires the alerts a newly published notice matches, in the publishing transaction: a hit,
/// an in-app notification per (alert, notice), and an email per member unless one went out in
/// the last day (the worker sends those hits later as a digest). The notice's own coordinator
/// is not alerted about it.
pub fn fire(
    state: &AppState,
    conn: &mut AnyConnection,
    row: &TrialRow,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let facts = facts(conn, row)?;
    let mut members: Vec<i64> = Vec::new();
    for alert in alert_store::all_alertable(conn)? {
        if alert.user_id == row.coordinator_id {
            continue;
        }
        let Ok(filters) = serde_json::from_str::<TrialFilters>(&alert.filters) else {
            tracing::warn!(alert = alert.id, "a saved search has unreadable filters");
            continue;
        };
        let Ok(criteria) = Criteria::parse(&filters, "") else {
            continue;
        };
        if !criteria.matches(&facts) {
            continue;
        }
        if !alert_store::insert_hit(conn, alert.id, row.id, alert.user_id, now)? {
            continue;
        }
        notify::tell(
            conn,
            alert.user_id,
            NotificationKind::TrialAlert,
            row.id,
            None,
            &alert.name,
        )?;
        if !members.contains(&alert.user_id) {
            members.push(alert.user_id);
        }
    }
    for member in members {
        notify::alert_digest(state, conn, member, now)?;
    }
    Ok(())
}

/// Sends the digests that waited for the daily limit; returns how many went out. Run by the
/// background worker.
pub fn send_due_digests(state: &AppState, conn: &mut AnyConnection) -> Result<usize, ApiError> {
    let now = db::now();
    let mut sent = 0;
    for member in alert_store::due_digests(conn, now - notify::ALERT_EMAIL_INTERVAL, 100)? {
        if notify::alert_digest(state, conn, member, now)? {
            sent += 1;
        }
    }
    Ok(sent)
}
