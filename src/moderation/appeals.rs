//! Appeals: the member affected by a decision or a sanction may appeal once; the appeal is a
//! queue item that a moderator other than the one who acted decides.

use std::collections::HashMap;

use serde_json::json;

use super::model::{AppealRequest, AppealStatus, AppealSubjectKind, AppealView};
use super::service::notify;
use super::{sanctions, store};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::content::PostStatus;
use crate::auth::policy::{Action, authorize};
use crate::db::AnyConnection;
use crate::db::utc;
use crate::forum::model::StatusChange;
use crate::forum::review as forum;
use crate::http::error::ApiError;
use crate::modlog::{self, LogAction, LogTargetKind};
use crate::notify::inapp::NotificationKind;
use crate::queue::{self, ItemKind, ItemStatus, Resolution};

const TEXT_MIN: usize = 10;
const TEXT_MAX: usize = 2_000;

fn nothing_to_appeal() -> ApiError {
    ApiError::NotFound("there is no decision or sanction of yours with this id".into())
}

/// `POST /appeals`.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    req: AppealRequest,
) -> Result<AppealView, ApiError> {
    authorize(caller, Action::ReadOwnAccount)?;
    let text = req.text.trim().to_owned();
    if !(TEXT_MIN..=TEXT_MAX).contains(&text.chars().count()) {
        return Err(ApiError::invalid(
            "text",
            format!("must be {TEXT_MIN} to {TEXT_MAX} characters"),
        ));
    }
    let me = caller.user_id;
    let kind = req.subject.kind;
    let subject_id = req.subject.id;
    state
        .db
        .write(move |conn| {
            let acted_by = match kind {
                AppealSubjectKind::Decision => {
                    let item = store::item(conn, subject_id)?
                        .filter(|i| i.status == ItemStatus::Resolved)
                        .filter(|i| {
                            i.kind.is_post() && i.resolution.is_some_and(Resolution::took_action)
                        })
                        .ok_or_else(nothing_to_appeal)?;
                    forum::load_post(conn, item.subject_id)?
                        .filter(|p| p.author_id == me)
                        .ok_or_else(nothing_to_appeal)?;
                    item.resolved_by
                }
                AppealSubjectKind::Sanction => {
                    let sanction = store::sanction(conn, subject_id)?
                        .filter(|s| s.user_id == me)
                        .ok_or_else(nothing_to_appeal)?;
                    Some(sanction.created_by)
                }
            };
            if store::appeal_exists(conn, kind, subject_id)? {
                return Err(ApiError::Conflict(
                    "this has been appealed already; each decision can be appealed once".into(),
                ));
            }
            let id = crate::db::unique_violation(store::insert_appeal(
                conn, me, kind, subject_id, &text, acted_by,
            ))?
            .ok_or_else(|| ApiError::Conflict("this has been appealed already".into()))?;
            queue::open_item(
                conn,
                ItemKind::Appeal,
                id,
                Some(kind.as_str()),
                queue::severity(ItemKind::Appeal, None),
            )?;
            let row = store::appeal(conn, id)?
                .ok_or_else(|| ApiError::Internal("new appeal vanished".into()))?;
            Ok(AppealView {
                id: row.id,
                subject_kind: kind,
                subject_id: row.subject_id,
                text: row.body,
                status: row.status,
                created_at: utc(row.created_at),
            })
        })
        .await
}

/// The descriptions of appeals for the queue view, and the members who made them, by appeal
/// id (one query); appeals that no longer exist are missing.
pub fn describe_all(
    conn: &mut AnyConnection,
    appeal_ids: &[i64],
) -> Result<HashMap<i64, (serde_json::Value, Option<i64>)>, ApiError> {
    if appeal_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(store::appeals_by_ids(conn, appeal_ids)?
        .into_iter()
        .map(|appeal| {
            let view = json!({
                "appeal_id": appeal.id,
                "subject_kind": appeal.subject_kind,
                "subject_id": appeal.subject_id,
                "text": appeal.body,
                "status": appeal.status,
                "acted_by": appeal.acted_by,
                "created_at": utc(appeal.created_at),
            });
            (appeal.id, (view, Some(appeal.user_id)))
        })
        .collect())
}

/// Decides an appeal (from the queue): `approve` overturns the decision or lifts the sanction,
/// `dismiss` upholds it. The moderator who acted may not decide.
pub fn decide(
    state: &AppState,
    conn: &mut AnyConnection,
    who: &Caller,
    appeal_id: i64,
    overturn: bool,
    reason: &str,
) -> Result<(), ApiError> {
    let appeal = store::appeal(conn, appeal_id)?
        .ok_or_else(|| ApiError::NotFound("no such appeal".into()))?;
    if appeal.acted_by == Some(who.user_id) {
        return Err(ApiError::Forbidden(
            "a moderator other than the one who acted must decide this appeal".into(),
        ));
    }
    if overturn {
        match appeal.subject_kind {
            AppealSubjectKind::Sanction => sanctions::lift_in(
                conn,
                who,
                appeal.user_id,
                appeal.subject_id,
                "appeal upheld",
            )?,
            AppealSubjectKind::Decision => {
                let item = store::item(conn, appeal.subject_id)?
                    .ok_or_else(|| ApiError::NotFound("the appealed decision is gone".into()))?;
                if let Some(post) = forum::load_post(conn, item.subject_id)? {
                    if item.resolution == Some(Resolution::LockThread) {
                        forum::set_locked(conn, post.thread_id, false)?;
                    } else if matches!(post.status, PostStatus::Hidden | PostStatus::Removed) {
                        forum::change_status(state, conn, &post, StatusChange::Restore)?;
                    }
                }
            }
        }
    }
    let outcome = if overturn {
        AppealStatus::Overturned
    } else {
        AppealStatus::Upheld
    };
    store::decide_appeal(conn, appeal.id, outcome, who.user_id)?;
    notify(
        conn,
        appeal.user_id,
        NotificationKind::AppealOutcome,
        appeal.id,
        &format!("Your appeal was decided: the decision was {outcome} (reason: {reason})."),
    )?;
    modlog::append(
        conn,
        &modlog::Entry {
            actor_id: Some(who.user_id),
            action: if overturn {
                LogAction::AppealOverturned
            } else {
                LogAction::AppealUpheld
            },
            target_kind: LogTargetKind::Appeal,
            target_id: appeal.id,
            reason: Some(reason),
            before: None,
            after: None,
        },
    )?;
    Ok(())
}
