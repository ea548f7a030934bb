//! Members answering a notice ("I'm interested"): explicit consent, one answer per member and
//! notice, contact details shared only as the member chose (and her private pre-check of the
//! notice when she attaches it), the coordinator's inbox (their own notices only) with a status
//! they set, and withdrawal, which erases the shared details.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::content::valid_phone;
use super::model::{InterestStatus, MyInterest, NoticeState, effective_state};
use super::notify;
use super::precheck::{self, model::PreCheck};
use super::service::today;
use super::store::{self, interests as interest_store};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::model::Locale;
use crate::auth::policy::{self, Action, authorize};
use crate::db::utc;
use crate::db::{self, AnyConnection};
use crate::http::error::{ApiError, FieldErrors};
use crate::http::pagination::{self, Cursor, IdCursor, Page};

const MESSAGE_MAX: usize = 1_000;

/// What the member shares with the coordinator.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ShareChoice {
    /// Always shared: the coordinator sees who answered.
    #[serde(default = "always")]
    pub display_name: bool,
    /// Share the account's email address.
    #[serde(default)]
    pub email: bool,
    /// A phone number to share (6–20 digits).
    pub phone: Option<String>,
}

fn always() -> bool {
    true
}

impl Default for ShareChoice {
    fn default() -> Self {
        Self {
            display_name: true,
            email: false,
            phone: None,
        }
    }
}

/// "I'm interested in this trial".
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"consent": true, "message": "I am 34, diagnosed in 2019, living in Beijing.", "share": {"display_name": true, "email": true}}))]
pub struct InterestRequest {
    /// Must be `true`: the member agrees that the trial's coordinator receives what they share.
    #[serde(default)]
    pub consent: bool,
    /// A note for the coordinator, up to 1,000 characters.
    #[schema(max_length = 1000)]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "crate::http::json::object")]
    pub share: ShareChoice,
    /// Also tell me by email (a link only) when the coordinator updates my answer or the
    /// trial's recruitment changes; in-app I am always told.
    #[serde(default)]
    pub email_updates: bool,
    /// Inside the consent: also share my private pre-check of this notice as it is now (its
    /// verdict and each criterion with its reason, computed from my health profile). Without
    /// it nothing of my health profile leaves my account.
    #[serde(default)]
    pub attach_pre_check: bool,
}

/// The member behind an answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterestMember {
    pub id: i64,
    pub display_name: String,
}

/// An answer as the notice's coordinator sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterestView {
    pub id: i64,
    pub status: InterestStatus,
    /// Absent once the member withdrew.
    pub member: Option<InterestMember>,
    pub message: Option<String>,
    /// Only when the member chose to share it.
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The member's private pre-check of the notice, as it was when she answered; only when
    /// she chose to attach it.
    pub pre_check: Option<PreCheck>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InterestStatusRequest {
    /// `new`, `contacted`, `not_eligible` or `enrolled_elsewhere`.
    pub status: InterestStatus,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct InterestQuery {
    /// Only answers in this status.
    pub status: Option<String>,
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

/// The language of a member's account.
pub fn locale_of(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Option<Locale>> {
    Ok(interest_store::reachable_account(conn, user_id)?.map(|(_, locale, _)| locale))
}

fn my_view(row: interest_store::InterestRow) -> MyInterest {
    MyInterest {
        id: row.id,
        trial_id: row.trial_id,
        status: row.status,
        message: row.message,
        share_email: row.share_email,
        share_phone: row.share_phone,
        email_updates: row.email_updates,
        pre_check: precheck::service::attached(row.pre_check.as_deref()),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// The member's own answer to a notice, if any.
pub fn mine(
    conn: &mut AnyConnection,
    trial_id: i64,
    user_id: i64,
) -> QueryResult<Option<MyInterest>> {
    Ok(interest_store::by_member(conn, trial_id, user_id)?.map(my_view))
}

fn coordinator_view(row: interest_store::InterestListRow) -> InterestView {
    let (row, display_name, email) = row;
    let withdrawn = row.status == InterestStatus::Withdrawn;
    InterestView {
        id: row.id,
        status: row.status,
        member: (!withdrawn).then_some(InterestMember {
            id: row.user_id,
            display_name,
        }),
        message: row.message,
        email: (row.share_email && !withdrawn).then_some(email),
        phone: row.share_phone,
        pre_check: precheck::service::attached(row.pre_check.as_deref()),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such trial notice".into())
}

/// `POST /trials/{id}/interest`.
pub async fn express(
    state: &AppState,
    caller: &Caller,
    trial_id: i64,
    req: InterestRequest,
) -> Result<MyInterest, ApiError> {
    authorize(caller, Action::Contribute)?;
    let mut errors = FieldErrors::new();
    if !req.consent {
        errors.insert(
            "consent".into(),
            "must be true: we share your answer with the trial's coordinator only with your \
             explicit consent"
                .into(),
        );
    }
    if !req.share.display_name {
        errors.insert(
            "share.display_name".into(),
            "is always shared: the coordinator needs to know who answered".into(),
        );
    }
    let phone = req
        .share
        .phone
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty());
    if phone.as_deref().is_some_and(|p| !valid_phone(p)) {
        errors.insert(
            "share.phone".into(),
            "must be a phone number of 6 to 20 digits".into(),
        );
    }
    if !req.share.email && phone.is_none() {
        errors.insert(
            "share".into(),
            "share your email address or a phone number, so the coordinator can reach you".into(),
        );
    }
    let message = req
        .message
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty());
    if message
        .as_ref()
        .is_some_and(|m| m.chars().count() > MESSAGE_MAX)
    {
        errors.insert(
            "message".into(),
            format!("must be at most {MESSAGE_MAX} characters"),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let share_email = req.share.email;
    let email_updates = req.email_updates;
    let attach_pre_check = req.attach_pre_check;
    let who = caller.clone();
    let app = state.clone();
    let today = today();
    state
        .db
        .write(move |conn| {
            // Answers to one notice take turns: one per member, and one email an hour.
            store::lock_trial(conn, trial_id)?;
            let row = store::trial(conn, trial_id)?.ok_or_else(not_found)?;
            let shown = effective_state(row.state, row.recruitment_ends.as_deref(), today);
            if !policy::may_see_trial(Some(&who), row.coordinator_id, shown) {
                return Err(not_found());
            }
            if shown != NoticeState::Published {
                return Err(ApiError::Conflict(format!(
                    "this notice is {} and takes no answers",
                    shown.as_str()
                )));
            }
            let status = row.recruitment_status;
            if !status.takes_interest() {
                return Err(ApiError::Conflict(format!(
                    "this trial is {} and takes no answers",
                    status.as_str()
                )));
            }
            if row.coordinator_id == who.user_id {
                return Err(ApiError::Conflict("you coordinate this trial".into()));
            }
            let pre_check = if attach_pre_check {
                Some(precheck::service::attachment(conn, who.user_id, &row)?)
            } else {
                None
            };
            let now = db::now();
            let id = match interest_store::by_member(conn, trial_id, who.user_id)? {
                Some(existing) if existing.status != InterestStatus::Withdrawn => {
                    return Err(ApiError::Conflict(
                        "you have answered this notice already".into(),
                    ));
                }
                Some(existing) => {
                    interest_store::renew(
                        conn,
                        existing.id,
                        message.as_deref(),
                        share_email,
                        phone.as_deref(),
                        now,
                    )?;
                    existing.id
                }
                None => db::unique_violation(interest_store::insert(
                    conn,
                    trial_id,
                    who.user_id,
                    message.as_deref(),
                    share_email,
                    phone.as_deref(),
                    now,
                ))?
                .ok_or_else(|| {
                    ApiError::Conflict("you have answered this notice already".into())
                })?,
            };
            interest_store::set_email_updates(conn, id, email_updates)?;
            precheck::service::attach(conn, id, pre_check.as_deref(), now)?;
            notify::interest_received(
                &app,
                conn,
                trial_id,
                row.coordinator_id,
                id,
                who.user_id,
                now,
            )?;
            interest_store::by_id(conn, id)?
                .map(my_view)
                .ok_or_else(|| ApiError::Internal("the answer vanished".into()))
        })
        .await
}

/// `DELETE /trials/{id}/interest`: the member withdraws; their details are erased.
pub async fn withdraw(state: &AppState, caller: &Caller, trial_id: i64) -> Result<(), ApiError> {
    authorize(caller, Action::ReadOwnAccount)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            let existing = interest_store::by_member(conn, trial_id, me)?
                .filter(|i| i.status != InterestStatus::Withdrawn)
                .ok_or_else(|| ApiError::NotFound("you have not answered this notice".into()))?;
            interest_store::withdraw(conn, existing.id, db::now())?;
            Ok(())
        })
        .await
}

/// Checks that the caller may read the answers to a notice: 404 when they may not see the
/// notice, 403 when it is not theirs.
fn check_inbox(conn: &mut AnyConnection, caller: &Caller, trial_id: i64) -> Result<(), ApiError> {
    let row = store::trial(conn, trial_id)?.ok_or_else(not_found)?;
    if policy::may_read_trial_interests(caller, row.coordinator_id) {
        return Ok(());
    }
    if policy::may_see_trial(Some(caller), row.coordinator_id, row.state) {
        Err(ApiError::Forbidden(
            "only the notice's coordinator sees the answers to it".into(),
        ))
    } else {
        Err(not_found())
    }
}

/// `GET /trials/{id}/interests`: the coordinator's inbox for one notice, oldest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    trial_id: i64,
    query: InterestQuery,
) -> Result<Page<InterestView>, ApiError> {
    authorize(caller, Action::PublishTrials)?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after_id(query.cursor.as_deref())?;
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            InterestStatus::parse(raw)
                .ok_or_else(|| ApiError::invalid("status", "is not an answer status"))?,
        ),
    };
    let who = caller.clone();
    let rows = state
        .db
        .read(move |conn| {
            check_inbox(conn, &who, trial_id)?;
            Ok::<_, ApiError>(interest_store::page(conn, trial_id, status, after, limit)?)
        })
        .await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.0.id }.encode(),
        coordinator_view,
    ))
}

/// `PATCH /trials/{id}/interests/{interest_id}`: the coordinator records where an answer
/// stands.
pub async fn set_status(
    state: &AppState,
    caller: &Caller,
    trial_id: i64,
    interest_id: i64,
    req: InterestStatusRequest,
) -> Result<InterestView, ApiError> {
    authorize(caller, Action::PublishTrials)?;
    if req.status == InterestStatus::Withdrawn {
        return Err(ApiError::invalid(
            "status",
            "only the member can withdraw their answer",
        ));
    }
    let who = caller.clone();
    let app = state.clone();
    state
        .db
        .write(move |conn| {
            check_inbox(conn, &who, trial_id)?;
            let row = interest_store::by_id(conn, interest_id)?
                .filter(|i| i.trial_id == trial_id)
                .ok_or_else(|| ApiError::NotFound("no such answer to this notice".into()))?;
            if row.status == InterestStatus::Withdrawn {
                return Err(ApiError::Conflict("the member withdrew this answer".into()));
            }
            if interest_store::set_status(conn, row.id, req.status, db::now())? {
                notify::answer_updated(
                    &app,
                    conn,
                    trial_id,
                    row.user_id,
                    req.status,
                    row.email_updates,
                )?;
            }
            let (_, name, email) = interest_store::page(conn, trial_id, None, Some(row.id - 1), 1)?
                .into_iter()
                .next()
                .ok_or_else(|| ApiError::Internal("the answer vanished".into()))?;
            let updated = interest_store::by_id(conn, row.id)?
                .ok_or_else(|| ApiError::Internal("the answer vanished".into()))?;
            Ok(coordinator_view((updated, name, email)))
        })
        .await
}
