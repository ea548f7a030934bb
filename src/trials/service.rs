//! The rules of trial notices: the lifecycle (draft → pending review → published → closed),
//! who may see and change a notice, publication and expiry. What a notice may contain is
//! `content`; the search is `search`.
//!
//! A recruitment status of `completed`, `terminated` or `withdrawn` closes a published notice;
//! so does the end of its recruitment date (at once for readers, written down by the worker).

use chrono::{NaiveDate, Utc};
use diesel::QueryResult;

use super::content::{
    NoticeData, apply_patch, chars, check, check_complete, clean, columns, needs_review,
    stored_request,
};
use super::details;
use super::disclaimer::{disclaimer, locale_from_accept_language};
use super::model::{
    CloseRequest, CoordinatorSummary, Eligibility, MinePageQuery, MyInterest, Notice, NoticePatch,
    NoticeRequest, NoticeState, NoticeSummary, RegistryIdView, TrialRow, effective_state,
    months_to_years,
};
use super::registry;
use super::store;
use super::{alerts, interest, precheck};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::model::Locale;
use crate::auth::policy::{self, Action, authorize};
use crate::db::utc;
use crate::db::{self, AnyConnection};
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor, IdCursor, Page};
use crate::modlog::{self as modlog, Entry, LogAction, LogTargetKind};
use crate::queue::{self, ItemKind};

const REASON_MAX: usize = 500;

pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such trial notice".into())
}

/// Writes a notice's content, children and search index (also used by the registry sync).
pub(super) fn write_content(
    conn: &mut AnyConnection,
    trial_id: i64,
    data: &NoticeData,
) -> Result<(), ApiError> {
    let (content, (conditions, interventions, sites)) = columns(data);
    store::update_content(conn, trial_id, &content, db::now())?;
    store::replace_children(conn, trial_id, &conditions, &interventions, &sites)?;
    write_details(conn, trial_id, data)?;
    precheck::service::save_criteria(conn, trial_id, data)?;
    crate::db::search::index_trial(conn, trial_id, &content.search_text)?;
    Ok(())
}

/// Writes a notice's registry ids (its main one first) and practical details.
fn write_details(conn: &mut AnyConnection, trial_id: i64, data: &NoticeData) -> QueryResult<()> {
    let ids: Vec<&str> = std::iter::once(&data.registry)
        .chain(&data.other_registry_ids)
        .map(|r| r.id.as_str())
        .collect();
    store::replace_registry_ids(conn, trial_id, &ids)?;
    store::write_practical(conn, trial_id, &data.practical)
}

/// Publishes a notice of demo data at once (`butterfly seed --demo`, and the benchmark data of
/// `butterfly seed --scale`): inserted as a draft marked `demo`, taken through review and
/// published in one go. Returns its id.
pub fn publish_demo(
    conn: &mut AnyConnection,
    coordinator_id: i64,
    data: &NoticeData,
) -> Result<i64, ApiError> {
    let id = insert_draft(conn, coordinator_id, data, true)?;
    let now = db::now();
    store::change_state(
        conn,
        id,
        NoticeState::Draft,
        NoticeState::PendingReview,
        now,
    )?;
    store::publish(conn, id, now)?;
    Ok(id)
}

/// Inserts a new draft (also used by the import and the demo seed).
pub fn insert_draft(
    conn: &mut AnyConnection,
    coordinator_id: i64,
    data: &NoticeData,
    demo: bool,
) -> Result<i64, ApiError> {
    store::lock_member(conn, coordinator_id)?;
    if let Some(existing) = store::open_notice_for(conn, coordinator_id, &data.registry.id, None)? {
        return Err(ApiError::Conflict(format!(
            "you have a notice for {} already (notice {existing}); edit that one",
            data.registry.id
        )));
    }
    let (content, (conditions, interventions, sites)) = columns(data);
    let id = store::insert_trial(conn, &content, coordinator_id, demo, db::now())?;
    store::replace_children(conn, id, &conditions, &interventions, &sites)?;
    write_details(conn, id, data)?;
    precheck::service::save_criteria(conn, id, data)?;
    crate::db::search::index_trial(conn, id, &content.search_text)?;
    Ok(id)
}

fn log(
    conn: &mut AnyConnection,
    actor_id: Option<i64>,
    action: LogAction,
    trial_id: i64,
    reason: Option<&str>,
) -> Result<(), ApiError> {
    modlog::append(
        conn,
        &Entry {
            actor_id,
            action,
            target_kind: LogTargetKind::TrialNotice,
            target_id: trial_id,
            reason,
            before: None,
            after: None,
        },
    )?;
    Ok(())
}

/// Puts a notice (back) under review: a `trial_notice` queue item, opened or bumped.
pub fn open_review(conn: &mut AnyConnection, trial_id: i64, reason: &str) -> Result<(), ApiError> {
    queue::open_item(
        conn,
        ItemKind::TrialNotice,
        trial_id,
        Some(reason),
        queue::severity(ItemKind::TrialNotice, None),
    )?;
    Ok(())
}

// ---- access -------------------------------------------------------------------------------

/// Loads a notice the caller wants to change: 404 when they may not see it, 403 when they may
/// see it but it is not theirs.
fn load_managed(
    conn: &mut AnyConnection,
    caller: &Caller,
    trial_id: i64,
) -> Result<TrialRow, ApiError> {
    // Every caller goes on to change the notice from what it reads here.
    store::lock_trial(conn, trial_id)?;
    let row = store::trial(conn, trial_id)?.ok_or_else(not_found)?;
    if policy::may_manage_trial(caller, row.coordinator_id) {
        return Ok(row);
    }
    if policy::may_see_trial(Some(caller), row.coordinator_id, row.state) {
        Err(ApiError::Forbidden(
            "only the notice's coordinator and administrators may change it".into(),
        ))
    } else {
        Err(not_found())
    }
}

// ---- endpoints ----------------------------------------------------------------------------

/// `POST /trials`: a new draft.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    req: NoticeRequest,
) -> Result<Notice, ApiError> {
    authorize(caller, Action::PublishTrials)?;
    let data = check(req)?;
    let owner = caller.user_id;
    let id = state
        .db
        .write(move |conn| insert_draft(conn, owner, &data, false))
        .await?;
    get(state, Some(caller), id, None).await
}

/// `POST /trials/import`: a draft from a registry record, unless a notice holds one of the
/// record's registry ids already (any coordinator's, in any state): then 409 naming it, or,
/// when it is another coordinator's unpublished draft, saying only that one is being
/// prepared. Imports of one trial take turns on its ids, so two at once make one notice.
/// The draft remembers the study it came from, so that it follows its record once published
/// (`sync`).
pub async fn import(
    state: &AppState,
    caller: &Caller,
    req: NoticeRequest,
) -> Result<Notice, ApiError> {
    authorize(caller, Action::PublishTrials)?;
    let data = check(req)?;
    let who = caller.clone();
    let id = state
        .db
        .write(move |conn| {
            let mut ids: Vec<String> = std::iter::once(&data.registry)
                .chain(&data.other_registry_ids)
                .map(|r| r.id.clone())
                .collect();
            ids.sort();
            for id in &ids {
                db::concurrency::lock_key(conn, &format!("trial registry id {id}"))?;
            }
            if let Some((trial, coordinator, notice_state, shared)) =
                store::notices_with_registry_ids(conn, &ids)?
                    .into_iter()
                    .next()
            {
                return Err(ApiError::Conflict(
                    if policy::may_see_trial(Some(&who), coordinator, notice_state) {
                        format!(
                            "this trial has a notice already: notice {trial} ({shared}); \
                             edit or follow that one instead of importing it again"
                        )
                    } else {
                        format!(
                            "another coordinator is preparing a notice for this trial \
                             ({shared}); ask an administrator to put you in touch"
                        )
                    },
                ));
            }
            let id = insert_draft(conn, who.user_id, &data, false)?;
            super::sync::remember_source(conn, id, &data)?;
            Ok(id)
        })
        .await?;
    get(state, Some(caller), id, None).await
}

/// The stored content of a notice as a request, its structured criteria included (for edits,
/// which are checked whole again, for the registry sync and for showing it).
pub(super) fn stored_notice(
    conn: &mut AnyConnection,
    row: &TrialRow,
) -> QueryResult<NoticeRequest> {
    let mut req = stored_request(conn, row)?;
    precheck::service::load_into(conn, row.id, &mut req)?;
    Ok(req)
}

/// `GET /trials/{id}`.
pub async fn get(
    state: &AppState,
    caller: Option<&Caller>,
    trial_id: i64,
    accept_language: Option<String>,
) -> Result<Notice, ApiError> {
    let viewer = caller.cloned();
    let today = today();
    state
        .db
        .read(move |conn| {
            let (row, coordinator_name) =
                store::trial_with_coordinator(conn, trial_id)?.ok_or_else(not_found)?;
            let shown = effective_state(row.state, row.recruitment_ends.as_deref(), today);
            if !policy::may_see_trial(viewer.as_ref(), row.coordinator_id, shown) {
                return Err(not_found());
            }
            let locale = match &viewer {
                Some(v) => interest::locale_of(conn, v.user_id)?,
                None => None,
            }
            .or_else(|| locale_from_accept_language(accept_language.as_deref()))
            .unwrap_or_default();
            let my_interest = match &viewer {
                Some(v) => interest::mine(conn, trial_id, v.user_id)?,
                None => None,
            };
            let reveal_note = viewer.as_ref().is_some_and(|v| {
                policy::is_moderator(v) || policy::may_manage_trial(v, row.coordinator_id)
            });
            let req = stored_notice(conn, &row)?;
            Ok(view(
                row,
                coordinator_name,
                req,
                shown,
                locale,
                my_interest,
                reveal_note,
            ))
        })
        .await
}

#[allow(clippy::too_many_arguments)]
fn view(
    row: TrialRow,
    coordinator_name: String,
    req: NoticeRequest,
    shown: NoticeState,
    locale: Locale,
    my_interest: Option<MyInterest>,
    reveal_note: bool,
) -> Notice {
    let registry_of = |id: &str| {
        registry::parse(id)
            .map(|r| r.registry)
            .unwrap_or(registry::Registry::ClinicalTrialsGov)
    };
    let registry_ids = std::iter::once(&row.registry_id)
        .chain(&req.other_registry_ids)
        .map(|id| RegistryIdView {
            registry: registry_of(id),
            id: id.clone(),
        })
        .collect();
    Notice {
        id: row.id,
        registry: registry_of(&row.registry_id),
        registry_id: row.registry_id,
        registry_ids,
        title: row.title,
        summary: row.summary,
        summary_html: row.summary_html,
        conditions: req.conditions,
        interventions: req.interventions,
        phase: req.phase,
        recruitment_status: req.recruitment_status,
        state: shown,
        eligibility: Eligibility {
            min_age_years: months_to_years(row.min_age_months),
            max_age_years: months_to_years(row.max_age_months),
            ..req.eligibility
        },
        sites: req.sites,
        contact: req.contact,
        sponsor: row.sponsor,
        start_date: req.start_date,
        recruitment_ends: req.recruitment_ends,
        source_url: row.source_url,
        practical_summary: details::summary(&req.practical, locale),
        practical: req.practical,
        criteria_confirmed: !req.criteria_proposed,
        structured_criteria: req.structured_criteria,
        coordinator: CoordinatorSummary {
            id: row.coordinator_id,
            display_name: coordinator_name,
        },
        demo: row.demo,
        review_note: if reveal_note { row.review_note } else { None },
        closed_reason: match (shown, row.closed_reason) {
            (NoticeState::Closed, None) => Some("recruitment has ended".into()),
            (_, reason) => reason,
        },
        published_at: row.published_at.map(utc),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
        my_interest,
        disclaimer: disclaimer(locale).to_owned(),
        disclaimer_locale: locale,
    }
}

/// `PATCH /trials/{id}`.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    trial_id: i64,
    patch: NoticePatch,
) -> Result<Notice, ApiError> {
    authorize(caller, Action::PublishTrials)?;
    let who = caller.clone();
    let app = state.clone();
    let today = today();
    state
        .db
        .write(move |conn| {
            let row = load_managed(conn, &who, trial_id)?;
            let shown = effective_state(row.state, row.recruitment_ends.as_deref(), today);
            if shown == NoticeState::Closed {
                return Err(ApiError::Conflict(
                    "this notice is closed and can no longer be changed".into(),
                ));
            }
            let mut req = stored_notice(conn, &row)?;
            let old = check(req.clone())?;
            apply_patch(&mut req, patch);
            let new = check(req)?;
            if new.registry.id != old.registry.id {
                store::lock_member(conn, row.coordinator_id)?;
            }
            if new.registry.id != old.registry.id
                && let Some(other) = store::open_notice_for(
                    conn,
                    row.coordinator_id,
                    &new.registry.id,
                    Some(trial_id),
                )?
            {
                return Err(ApiError::Conflict(format!(
                    "notice {other} is about {} already",
                    new.registry.id
                )));
            }
            write_content(conn, trial_id, &new)?;
            let now = db::now();
            match shown {
                NoticeState::Published if new.recruitment_status.is_final() => {
                    let reason = format!("the trial is {}", new.recruitment_status.as_str());
                    store::close(conn, trial_id, &reason, now)?;
                    log(
                        conn,
                        Some(who.user_id),
                        LogAction::TrialNoticeClosed,
                        trial_id,
                        Some(&reason),
                    )?;
                }
                NoticeState::Published if needs_review(&old, &new) => {
                    store::change_state(
                        conn,
                        trial_id,
                        NoticeState::Published,
                        NoticeState::PendingReview,
                        now,
                    )?;
                    open_review(conn, trial_id, "edited after publication")?;
                    log(
                        conn,
                        Some(who.user_id),
                        LogAction::TrialNoticeResubmitted,
                        trial_id,
                        None,
                    )?;
                }
                NoticeState::PendingReview => {
                    // The reviewer must see the latest version: bump the item's version.
                    open_review(conn, trial_id, "edited while under review")?;
                }
                _ => {}
            }
            // Its followers hear of a change of recruitment (the notice row is locked, so one
            // change is told once).
            if shown == NoticeState::Published && new.recruitment_status != old.recruitment_status {
                let detail = if new.recruitment_status.is_final() {
                    format!("closed: the trial is {}", new.recruitment_status.as_str())
                } else {
                    format!("recruitment status: {}", new.recruitment_status.as_str())
                };
                super::notify::notice_updated(&app, conn, trial_id, &detail)?;
            }
            // Members living where a site opened or closed hear of it (an edit that only
            // changes sites' statuses stays published).
            if shown == NoticeState::Published && !new.recruitment_status.is_final() {
                let (opened, closed) = super::sync::site_changes(&old.sites, &new.sites);
                super::notify::sites_changed(&app, conn, trial_id, &opened, &closed)?;
            }
            Ok(())
        })
        .await?;
    get(state, Some(caller), trial_id, None).await
}

/// `POST /trials/{id}/submit`: a complete draft goes to the moderators.
pub async fn submit(state: &AppState, caller: &Caller, trial_id: i64) -> Result<Notice, ApiError> {
    authorize(caller, Action::PublishTrials)?;
    let who = caller.clone();
    let today = today();
    state
        .db
        .write(move |conn| {
            let row = load_managed(conn, &who, trial_id)?;
            match row.state {
                NoticeState::Draft => {}
                NoticeState::PendingReview => {
                    return Err(ApiError::Conflict(
                        "this notice is under review already".into(),
                    ));
                }
                NoticeState::Published | NoticeState::Closed => {
                    return Err(ApiError::Conflict(format!(
                        "this notice is {} and cannot be submitted",
                        row.state
                    )));
                }
            }
            let data = check(stored_notice(conn, &row)?)?;
            check_complete(&data, today)?;
            if !store::change_state(
                conn,
                trial_id,
                NoticeState::Draft,
                NoticeState::PendingReview,
                db::now(),
            )? {
                return Err(ApiError::Conflict(
                    "this notice is under review already".into(),
                ));
            }
            open_review(
                conn,
                trial_id,
                if row.published_at.is_some() {
                    "resubmitted"
                } else {
                    "new notice"
                },
            )?;
            log(
                conn,
                Some(who.user_id),
                LogAction::TrialNoticeSubmitted,
                trial_id,
                None,
            )?;
            Ok(())
        })
        .await?;
    get(state, Some(caller), trial_id, None).await
}

/// `POST /trials/{id}/close`.
pub async fn close(
    state: &AppState,
    caller: &Caller,
    trial_id: i64,
    req: CloseRequest,
) -> Result<Notice, ApiError> {
    authorize(caller, Action::PublishTrials)?;
    let reason = clean(req.reason).unwrap_or_else(|| "closed by the coordinator".into());
    if chars(&reason) > REASON_MAX {
        return Err(ApiError::invalid(
            "reason",
            format!("must be at most {REASON_MAX} characters"),
        ));
    }
    let who = caller.clone();
    let app = state.clone();
    let today = today();
    state
        .db
        .write(move |conn| {
            let row = load_managed(conn, &who, trial_id)?;
            if effective_state(row.state, row.recruitment_ends.as_deref(), today)
                != NoticeState::Published
            {
                return Err(ApiError::Conflict(format!(
                    "only published notices can be closed; this one is {}",
                    effective_state(row.state, row.recruitment_ends.as_deref(), today)
                )));
            }
            if store::close(conn, trial_id, &reason, db::now())? {
                super::notify::notice_updated(&app, conn, trial_id, &format!("closed: {reason}"))?;
            }
            log(
                conn,
                Some(who.user_id),
                LogAction::TrialNoticeClosed,
                trial_id,
                Some(&reason),
            )?;
            Ok(())
        })
        .await?;
    get(state, Some(caller), trial_id, None).await
}

/// `DELETE /trials/{id}`: only a draft that was never published.
pub async fn delete(state: &AppState, caller: &Caller, trial_id: i64) -> Result<(), ApiError> {
    authorize(caller, Action::PublishTrials)?;
    let who = caller.clone();
    state
        .db
        .write(move |conn| {
            let row = load_managed(conn, &who, trial_id)?;
            if row.state != NoticeState::Draft || row.published_at.is_some() {
                return Err(ApiError::Conflict(
                    "only drafts that were never published can be deleted; close it instead".into(),
                ));
            }
            store::delete_trial(conn, trial_id)?;
            Ok(())
        })
        .await
}

/// `GET /me/trials`: the caller's own notices, newest first, every state.
pub async fn mine(
    state: &AppState,
    caller: &Caller,
    query: MinePageQuery,
) -> Result<Page<NoticeSummary>, ApiError> {
    authorize(caller, Action::PublishTrials)?;
    let limit = pagination::limit(query.limit)?;
    let before = pagination::after_id(query.cursor.as_deref())?;
    let owner = caller.user_id;
    let rows = state
        .db
        .read(move |conn| Ok::<_, ApiError>(store::mine_page(conn, owner, before, limit)?))
        .await?;
    let today = today();
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.id }.encode(),
        |r| NoticeSummary::from_row(r, today, None),
    ))
}

/// Publication: called by the review in the moderator's transaction.
pub fn publish(
    state: &AppState,
    conn: &mut AnyConnection,
    trial_id: i64,
    actor_id: i64,
) -> Result<(), ApiError> {
    let now = db::now();
    if !store::publish(conn, trial_id, now)? {
        return Err(ApiError::Conflict(
            "this notice is not waiting for review".into(),
        ));
    }
    log(
        conn,
        Some(actor_id),
        LogAction::TrialNoticePublished,
        trial_id,
        None,
    )?;
    let row = store::trial(conn, trial_id)?.ok_or_else(not_found)?;
    alerts::fire(state, conn, &row, now)
}

/// Closes the published notices whose recruitment ended, telling their coordinators; returns
/// how many were closed. Run by the background worker.
pub fn close_expired(
    state: &AppState,
    conn: &mut AnyConnection,
    today: NaiveDate,
) -> Result<usize, ApiError> {
    let mut closed = 0;
    for (id, coordinator_id) in store::expired(conn, today, 100)? {
        if store::close(conn, id, "recruitment has ended", db::now())? {
            log(
                conn,
                None,
                LogAction::TrialNoticeExpired,
                id,
                Some("recruitment has ended"),
            )?;
            super::notify::tell(
                conn,
                coordinator_id,
                crate::notify::inapp::NotificationKind::TrialReview,
                id,
                None,
                "closed automatically: its recruitment end date has passed",
            )?;
            super::notify::notice_updated(state, conn, id, "closed: recruitment has ended")?;
            closed += 1;
        }
    }
    Ok(closed)
}
