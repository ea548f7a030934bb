//! Following a notice from the patient's side: watching it without answering (and stopping),
//! and her own answers, each with where it stands and where its notice stands now. Who is
//! told of a change is in `notify` (`answer_updated`, `notice_updated`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{InterestStatus, NoticeState, RecruitmentStatus, effective_state};
use super::service::today;
use super::store::{self, interests as interest_store, watches};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::policy::{self, Action, authorize};
use crate::db::{self, utc};
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor, IdCursor, Page};

/// `PUT /trials/{id}/watch`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchRequest {
    /// Also by email (a link only, never the trial's title); in-app always.
    #[serde(default)]
    pub email: bool,
}

/// She watches a notice.
#[derive(Debug, Serialize, ToSchema)]
pub struct Watch {
    pub trial_id: i64,
    pub email: bool,
}

/// One of her answers, with its notice as it stands now.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyAnswer {
    pub id: i64,
    /// Where the coordinator says her answer stands.
    pub status: InterestStatus,
    pub email_updates: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub trial: AnsweredNotice,
}

/// The notice an answer is about, as it stands now.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnsweredNotice {
    pub id: i64,
    pub title: String,
    pub recruitment_status: RecruitmentStatus,
    /// `published` or `closed` (a notice taken back for review shows as `pending_review`).
    pub state: NoticeState,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MyAnswersQuery {
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such trial notice".into())
}

/// `PUT /trials/{id}/watch`: watch a notice she can see (again: only the email choice
/// changes).
pub async fn watch(
    state: &AppState,
    caller: &Caller,
    trial_id: i64,
    req: WatchRequest,
) -> Result<Watch, ApiError> {
    authorize(caller, Action::SaveSearches)?;
    let who = caller.clone();
    let today = today();
    state
        .db
        .write(move |conn| {
            let row = store::trial(conn, trial_id)?.ok_or_else(not_found)?;
            let shown = effective_state(row.state, row.recruitment_ends.as_deref(), today);
            if !policy::may_see_trial(Some(&who), row.coordinator_id, shown) {
                return Err(not_found());
            }
            watches::watch(conn, who.user_id, trial_id, req.email, db::now())?;
            Ok(Watch {
                trial_id,
                email: req.email,
            })
        })
        .await
}

/// `DELETE /trials/{id}/watch`: stop watching (whether or not she did).
pub async fn unwatch(state: &AppState, caller: &Caller, trial_id: i64) -> Result<(), ApiError> {
    authorize(caller, Action::SaveSearches)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| Ok::<_, ApiError>(watches::unwatch(conn, me, trial_id)?))
        .await
}

/// `GET /me/trial-interests`: her answers, newest first.
pub async fn my_answers(
    state: &AppState,
    caller: &Caller,
    query: MyAnswersQuery,
) -> Result<Page<MyAnswer>, ApiError> {
    authorize(caller, Action::SaveSearches)?;
    let limit = pagination::limit(query.limit)?;
    let before = pagination::after_id(query.cursor.as_deref())?;
    let me = caller.user_id;
    let rows = state
        .db
        .read(move |conn| {
            Ok::<_, ApiError>(interest_store::of_member_page(conn, me, before, limit)?)
        })
        .await?;
    let today = today();
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.0.id }.encode(),
        |(row, title, recruitment_status, state, ends)| MyAnswer {
            id: row.id,
            status: row.status,
            email_updates: row.email_updates,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            trial: AnsweredNotice {
                id: row.trial_id,
                title,
                recruitment_status,
                state: effective_state(state, ends.as_deref(), today),
            },
        },
    ))
}
