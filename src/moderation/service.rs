//! Flags and the queue: flagging a post (hidden after three reporters), reading the queue with
//! everything needed to decide, claiming, and deciding with a reason and a version check.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};

use super::appeals;
use super::model::{
    AuthorHistory, DecisionAction, DecisionRequest, FlagReason, FlagReceipt, FlagRequest,
    FlagStatus, FlagView, NoteView, Person, QueueItem, QueueQuery, QueueStatus, QueuedPost,
    SanctionView, ScoreParts, allowed_actions,
};
use super::store::{self, ItemRow, QueueCursor};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::content::PostStatus;
use crate::auth::model::Role;
use crate::auth::policy::{self, Action, authorize};
use crate::db::utc;
use crate::db::{self, AnyConnection};
use crate::forum::model::{PostRef, StatusChange};
use crate::forum::review as forum;
use crate::http::error::{ApiError, FieldErrors};
use crate::http::pagination::{self, Cursor, Page};
use crate::messages::review as messages;
use crate::modlog::{self, LogAction, LogTargetKind};
use crate::notify::inapp::{self, NewNotification, NotificationKind};
use crate::queue::{self, ItemKind, ItemStatus};

/// Distinct reporters after which a post is hidden pending review.
const HIDE_AFTER_REPORTERS: usize = 3;
const NOTE_MAX: usize = 1_000;
const REASON_MAX: usize = 1_000;
/// How long a claim holds.
const CLAIM_MINUTES: i64 = 30;

fn not_found_post() -> ApiError {
    ApiError::NotFound("no such post".into())
}

fn not_found_item() -> ApiError {
    ApiError::NotFound("no such queue item".into())
}

/// Tells a member something about moderation (no actor: moderators act as "the moderators").
pub fn notify(
    conn: &mut AnyConnection,
    user_id: i64,
    kind: NotificationKind,
    subject_id: i64,
    detail: &str,
) -> Result<(), ApiError> {
    inapp::record_event(
        conn,
        &NewNotification {
            user_id,
            kind,
            subject_id,
            thread_id: None,
            actor_id: None,
            detail: Some(detail),
        },
    )?;
    Ok(())
}

/// Re-scores a post's flag item from its open flags; returns the distinct reporters.
fn rescore_flags(
    conn: &mut AnyConnection,
    post_id: i64,
    kind: ItemKind,
) -> Result<usize, ApiError> {
    let open = store::open_flags(conn, post_id)?;
    let mut reporters: Vec<i64> = open.iter().map(|(r, _)| *r).collect();
    reporters.sort_unstable();
    reporters.dedup();
    let accuracy = store::reporter_accuracy(conn, &reporters)?;
    let (severity, reason) = open
        .iter()
        .map(|(_, reason)| (queue::severity(kind, Some(reason.as_str())), *reason))
        .fold((0.0, None), |(best, why), (s, r)| {
            if s > best { (s, Some(r)) } else { (best, why) }
        });
    let base = severity
        + 10.0 * (reporters.len().saturating_sub(1)) as f64
        + 10.0 * accuracy.values().sum::<f64>();
    queue::open_item(conn, kind, post_id, reason.map(FlagReason::as_str), base)?;
    Ok(reporters.len())
}

/// Records an open flag of a published post and scores its queue item as [`flag_post`] does,
/// without its checks and without hiding the post (benchmark data: `butterfly seed --scale`
/// flags each post by fewer reporters than hide one). Call inside a write transaction.
pub fn seed_flag(
    conn: &mut AnyConnection,
    post_id: i64,
    reporter_id: i64,
    reason: FlagReason,
) -> Result<(), ApiError> {
    store::insert_flag(conn, post_id, reporter_id, reason, None)?;
    rescore_flags(conn, post_id, ItemKind::FlaggedPost)?;
    Ok(())
}

/// `POST /posts/{id}/flags`.
pub async fn flag_post(
    state: &AppState,
    caller: &Caller,
    post_id: i64,
    req: FlagRequest,
) -> Result<FlagReceipt, ApiError> {
    authorize(caller, Action::Contribute)?;
    let note = req
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if req.reason == FlagReason::Other && note.is_none() {
        return Err(ApiError::invalid(
            "note",
            "is required when the reason is `other`",
        ));
    }
    if note.as_ref().is_some_and(|n| n.chars().count() > NOTE_MAX) {
        return Err(ApiError::invalid(
            "note",
            format!("must be at most {NOTE_MAX} characters"),
        ));
    }
    let who = caller.clone();
    let app = state.clone();
    state
        .db
        .write(move |conn| {
            // Flags of one post take turns: whether this one hides the post depends on the
            // reporters before it, committed or not.
            queue::lock_subject(conn, ItemKind::FlaggedPost, post_id)?;
            let post = forum::load_post(conn, post_id)?
                .filter(|p| policy::may_see(Some(&who), p.author_id, p.status))
                .ok_or_else(not_found_post)?;
            if post.author_id == who.user_id {
                return Err(ApiError::Forbidden("you cannot flag your own post".into()));
            }
            if post.status != PostStatus::Published {
                return Err(ApiError::Conflict(format!(
                    "this post is {} and is already out of sight",
                    post.status
                )));
            }
            if store::has_open_flag(conn, post.id, who.user_id)? {
                return Err(ApiError::Conflict(
                    "you have already flagged this post; moderators will look at it".into(),
                ));
            }
            let id = db::unique_violation(store::insert_flag(
                conn,
                post.id,
                who.user_id,
                req.reason,
                note.as_deref(),
            ))?
            .ok_or_else(|| ApiError::Conflict("you have already flagged this post".into()))?;
            let kind = if req.reason == FlagReason::SelfHarm {
                ItemKind::Crisis
            } else {
                ItemKind::FlaggedPost
            };
            let reporters = rescore_flags(conn, post.id, kind)?;
            let hide = reporters >= HIDE_AFTER_REPORTERS || policy::is_moderator(&who);
            if hide && kind != ItemKind::Crisis {
                forum::change_status(&app, conn, &post, StatusChange::Hide)?;
                notify(
                    conn,
                    post.author_id,
                    NotificationKind::PostHidden,
                    post.id,
                    &format!(
                        "Your post is hidden while a moderator reviews reports about it \
                         (reason: {}).",
                        req.reason.as_str()
                    ),
                )?;
                modlog::append(
                    conn,
                    &modlog::Entry {
                        actor_id: None,
                        action: LogAction::AutoHide,
                        target_kind: LogTargetKind::Post,
                        target_id: post.id,
                        reason: Some(req.reason.as_str()),
                        before: None,
                        after: None,
                    },
                )?;
            }
            Ok(FlagReceipt {
                id,
                post_id: post.id,
                reason: req.reason,
                post_hidden: hide && kind != ItemKind::Crisis,
            })
        })
        .await
}

// ---- the queue ----------------------------------------------------------------------------

fn person(people: &HashMap<i64, (String, Role)>, id: i64) -> Person {
    let (name, role) = people
        .get(&id)
        .cloned()
        .unwrap_or_else(|| ("former member".into(), Role::Member));
    Person {
        id,
        display_name: name,
        role: Some(role),
    }
}

pub fn sanction_view(row: &store::SanctionRow) -> SanctionView {
    SanctionView {
        id: row.id,
        user_id: row.user_id,
        kind: row.kind,
        reason: row.reason.clone(),
        until: row.ends_at.map(utc),
        created_by: row.created_by,
        created_at: utc(row.created_at),
        lifted_at: row.lifted_at.map(utc),
    }
}

/// Builds queue views for a page of items: a fixed number of batched queries, never one per
/// item.
fn views(
    conn: &mut AnyConnection,
    items: Vec<ItemRow>,
    now: NaiveDateTime,
) -> Result<Vec<QueueItem>, ApiError> {
    let post_ids: Vec<i64> = items
        .iter()
        .filter(|i| i.kind.is_post())
        .map(|i| i.subject_id)
        .collect();
    let posts: HashMap<i64, store::QueuedPostRow> = store::queued_posts(conn, &post_ids)?
        .into_iter()
        .map(|p| (p.0, p))
        .collect();
    let mut flags: HashMap<i64, Vec<store::FlagRow>> = HashMap::new();
    for (post, flag) in store::flags_of_posts(conn, &post_ids)? {
        flags.entry(post).or_default().push(flag);
    }
    let reporters: Vec<i64> = flags.values().flatten().map(|f| f.1).collect();
    let accuracy = store::reporter_accuracy(conn, &reporters)?;
    let subjects_by_id = subjects_of(conn, &items)?;
    let mut subjects: HashMap<i64, Subject> = items
        .iter()
        .filter_map(|item| {
            let found = subjects_by_id.get(&(item.kind, item.subject_id))?;
            Some((item.id, found.clone()))
        })
        .collect();
    let authors: Vec<i64> = posts
        .values()
        .map(|p| p.7)
        .chain(subjects.values().filter_map(|s| s.1))
        .collect();
    let mut ids: Vec<i64> = authors.clone();
    ids.extend(reporters.iter());
    ids.extend(items.iter().filter_map(|i| i.claimed_by));
    let notes = store::notes_of(conn, &authors)?;
    ids.extend(notes.iter().map(|n| n.2));
    let people: HashMap<i64, (String, Role)> = store::people(conn, &ids)?
        .into_iter()
        .map(|(id, name, role)| (id, (name, role)))
        .collect();
    let mut history: HashMap<i64, AuthorHistory> = authors
        .iter()
        .map(|a| (*a, AuthorHistory::default()))
        .collect();
    for row in store::sanctions_of(conn, &authors)? {
        if let Some(h) = history.get_mut(&row.user_id) {
            h.sanctions.push(sanction_view(&row));
        }
    }
    for (author, status, n) in store::post_counts(conn, &authors)? {
        if let Some(h) = history.get_mut(&author) {
            match status {
                PostStatus::Published => h.approved_posts += n,
                PostStatus::Removed | PostStatus::Hidden => h.removed_posts += n,
                PostStatus::Held | PostStatus::Deleted => {}
            }
        }
    }
    for (author, n) in crate::relations::store::ignored_by_counts(conn, &authors)? {
        if let Some(h) = history.get_mut(&author) {
            h.ignored_by = n;
        }
    }
    for (id, user, author, body, at) in notes {
        if let Some(h) = history.get_mut(&user) {
            h.notes.push(NoteView {
                id,
                author: person(&people, author),
                body,
                created_at: utc(at),
            });
        }
    }
    Ok(items
        .into_iter()
        .map(|item| {
            let kind = item.kind;
            let post = posts.get(&item.subject_id).filter(|_| kind.is_post());
            let subject = subjects.remove(&item.id);
            let author = post.map(|p| p.7).or(subject.as_ref().and_then(|s| s.1));
            let claimed =
                item.claimed_until.is_some_and(|t| t > now) && item.status == ItemStatus::Open;
            QueueItem {
                id: item.id,
                kind,
                subject_id: item.subject_id,
                status: if item.status == ItemStatus::Resolved {
                    QueueStatus::Resolved
                } else if claimed {
                    QueueStatus::Claimed
                } else {
                    QueueStatus::Open
                },
                reason: item.reason.clone(),
                score: queue::score_now(item.base_score, item.created_at, now),
                score_parts: ScoreParts {
                    base: item.base_score,
                    age_hours: ((now - item.created_at).num_minutes() as f64 / 60.0).max(0.0),
                },
                version: item.version,
                claimed_by: item
                    .claimed_by
                    .filter(|_| claimed)
                    .map(|id| person(&people, id)),
                claimed_until: item.claimed_until.filter(|_| claimed).map(utc),
                resolution: item.resolution,
                allowed_actions: if item.status == ItemStatus::Resolved {
                    Vec::new()
                } else {
                    allowed_actions(kind).to_vec()
                },
                post: post.map(|p| QueuedPost {
                    id: p.0,
                    thread_id: p.1,
                    thread_title: p.2.clone(),
                    body: p.3.clone(),
                    body_html: p.4.clone(),
                    status: p.5,
                    anonymous: p.6,
                    author: person(&people, p.7),
                    created_at: utc(p.8),
                }),
                flags: if kind.is_post() {
                    flags
                        .get(&item.subject_id)
                        .map(|all| {
                            all.iter()
                                .map(|f| FlagView {
                                    id: f.0,
                                    reporter: person(&people, f.1),
                                    reporter_accuracy: accuracy.get(&f.1).copied().unwrap_or(0.5),
                                    reason: f.2,
                                    note: f.3.clone(),
                                    status: f.4,
                                    created_at: utc(f.5),
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                } else {
                    Vec::new()
                },
                author_history: author.and_then(|a| history.get(&a).cloned()),
                subject: subject.map(|s| s.0),
                created_at: utc(item.created_at),
            }
        })
        .collect())
}

/// A non-post subject's description, and the member it concerns.
type Subject = (serde_json::Value, Option<i64>);

/// The descriptions of the non-post subjects of a page of items, by (kind, subject id): one
/// batch per kind, never one query per item.
fn subjects_of(
    conn: &mut AnyConnection,
    items: &[ItemRow],
) -> Result<HashMap<(ItemKind, i64), Subject>, ApiError> {
    let ids_of = |kind: ItemKind| -> Vec<i64> {
        items
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| i.subject_id)
            .collect()
    };
    let mut found = HashMap::new();
    for (id, described) in appeals::describe_all(conn, &ids_of(ItemKind::Appeal))? {
        found.insert((ItemKind::Appeal, id), described);
    }
    for kind in [ItemKind::TrialNotice, ItemKind::CoordinatorApplication] {
        for (id, view) in crate::trials::review::queue_subjects(conn, kind, &ids_of(kind))? {
            found.insert((kind, id), (view, None));
        }
    }
    for kind in [ItemKind::HeldMessage, ItemKind::ReportedMessage] {
        for (id, described) in messages::queue_subjects(conn, kind, &ids_of(kind))? {
            found.insert((kind, id), described);
        }
    }
    Ok(found)
}

/// `GET /moderation/queue`.
pub async fn queue_page(
    state: &AppState,
    caller: &Caller,
    query: QueueQuery,
) -> Result<Page<QueueItem>, ApiError> {
    authorize(caller, Action::Moderate)?;
    let limit = pagination::limit(query.limit)?;
    let filter = match query.status.as_deref() {
        None => QueueStatus::Open,
        Some(status) => QueueStatus::parse(status)
            .ok_or_else(|| ApiError::invalid("status", "must be open, claimed or resolved"))?,
    };
    let after = query
        .cursor
        .as_deref()
        .map(QueueCursor::decode)
        .transpose()?;
    let me = caller.user_id;
    let kind = query.kind;
    let reason = query.reason;
    let (rows, views) = state
        .db
        .read(move |conn| {
            let now = db::now();
            let rows = store::queue_page(
                conn,
                &store::QueuePageQuery {
                    filter,
                    kind,
                    reason: reason.as_deref(),
                    after,
                    me,
                    now,
                    limit,
                },
            )?;
            let keys: Vec<QueueCursor> = rows
                .iter()
                .map(|r| QueueCursor {
                    sort_key: r.sort_key,
                    id: r.id,
                })
                .collect();
            Ok::<_, ApiError>((keys, views(conn, rows, now)?))
        })
        .await?;
    let more = rows.len() as i64 > limit;
    let next_cursor = if more {
        rows.get(limit as usize - 1).map(Cursor::encode)
    } else {
        None
    };
    Ok(Page {
        items: views.into_iter().take(limit as usize).collect(),
        next_cursor,
    })
}

/// One queue item.
pub async fn queue_item(state: &AppState, caller: &Caller, id: i64) -> Result<QueueItem, ApiError> {
    authorize(caller, Action::Moderate)?;
    state
        .db
        .read(move |conn| {
            let row = store::item(conn, id)?.ok_or_else(not_found_item)?;
            views(conn, vec![row], db::now())?
                .pop()
                .ok_or_else(not_found_item)
        })
        .await
}

/// `POST /moderation/queue/{id}/claim` and `/release`.
pub async fn claim(
    state: &AppState,
    caller: &Caller,
    id: i64,
    take: bool,
) -> Result<QueueItem, ApiError> {
    authorize(caller, Action::Moderate)?;
    let who = caller.clone();
    state
        .db
        .write(move |conn| {
            let now = db::now();
            let item = store::item(conn, id)?.ok_or_else(not_found_item)?;
            if item.status == ItemStatus::Resolved {
                return Err(ApiError::Conflict("this item is already decided".into()));
            }
            let held_by_other = item.claimed_until.is_some_and(|t| t > now)
                && item.claimed_by.is_some_and(|c| c != who.user_id);
            if take {
                if held_by_other {
                    return Err(ApiError::Conflict(
                        "another moderator is working on this item".into(),
                    ));
                }
                // Conditional on nobody else holding it, so two claims at once cannot both win.
                if !store::claim_if_free(
                    conn,
                    id,
                    who.user_id,
                    now,
                    now + Duration::minutes(CLAIM_MINUTES),
                )? {
                    return Err(ApiError::Conflict(
                        "another moderator is working on this item".into(),
                    ));
                }
            } else {
                if held_by_other && who.role != Role::Admin {
                    return Err(ApiError::Forbidden(
                        "only the moderator who claimed it may release it".into(),
                    ));
                }
                store::release(conn, id)?;
            }
            let row = store::item(conn, id)?.ok_or_else(not_found_item)?;
            views(conn, vec![row], now)?
                .pop()
                .ok_or_else(not_found_item)
        })
        .await
}

/// The outcome of a decision.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DecisionOutcome {
    pub id: i64,
    pub resolution: DecisionAction,
    /// The item's new version.
    pub version: i32,
}

/// `POST /moderation/queue/{id}/decision`.
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: DecisionRequest,
) -> Result<DecisionOutcome, ApiError> {
    authorize(caller, Action::Moderate)?;
    let reason = req.reason.trim().to_owned();
    let mut errors = FieldErrors::new();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        errors.insert(
            "reason".into(),
            format!("is required, at most {REASON_MAX} characters"),
        );
    }
    if req.action == DecisionAction::Edit && req.body.as_deref().is_none_or(|b| b.trim().is_empty())
    {
        errors.insert("body".into(), "is required for an edit".into());
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let who = caller.clone();
    let app = state.clone();
    state
        .db
        .write(move |conn| {
            let now = db::now();
            let item = store::item(conn, id)?.ok_or_else(not_found_item)?;
            let kind = item.kind;
            if kind == ItemKind::CoordinatorApplication {
                authorize(&who, Action::Administer)?;
            }
            // The subject first, then its item, as flags do: a flag arriving now waits for
            // this decision (or this decision for it), never the two for each other.
            queue::lock_subject(conn, kind, item.subject_id)?;
            let item = store::item(conn, id)?.ok_or_else(not_found_item)?;
            if item.status == ItemStatus::Resolved {
                return Err(ApiError::Conflict(
                    "this item has already been decided".into(),
                ));
            }
            if item.version != req.version {
                return Err(ApiError::Conflict(format!(
                    "this item changed since you loaded it (version {} now); reload and decide again",
                    item.version
                )));
            }
            if item.claimed_until.is_some_and(|t| t > now)
                && item.claimed_by.is_some_and(|c| c != who.user_id)
            {
                return Err(ApiError::Conflict(
                    "another moderator has claimed this item".into(),
                ));
            }
            if !allowed_actions(kind).contains(&req.action) {
                return Err(ApiError::invalid(
                    "action",
                    format!("`{}` is not possible on a {} item", req.action.as_str(), kind.as_str()),
                ));
            }
            // Resolve first, on the version read: a concurrent decision on the same version
            // then updates nothing and gets 409, and this row stays locked until commit.
            if !queue::resolve_at_version(conn, item.id, item.version, who.user_id, req.action.into())? {
                return Err(ApiError::Conflict(
                    "another moderator decided this item a moment ago; reload it".into(),
                ));
            }
            let approve = req.action == DecisionAction::Approve;
            match kind {
                ItemKind::FlaggedPost | ItemKind::HeldPost | ItemKind::Crisis => {
                    decide_post(&app, conn, &who, &item, kind, &req, &reason)?
                }
                ItemKind::TrialNotice => crate::trials::review::apply_notice_review(
                    &app,
                    conn,
                    item.subject_id,
                    approve,
                    who.user_id,
                    &reason,
                )?,
                ItemKind::CoordinatorApplication => {
                    crate::trials::review::apply_application_decision(
                        &app,
                        conn,
                        item.subject_id,
                        approve,
                        who.user_id,
                        &reason,
                    )?
                }
                ItemKind::Appeal => {
                    appeals::decide(&app, conn, &who, item.subject_id, approve, &reason)?
                }
                ItemKind::HeldMessage | ItemKind::ReportedMessage => {
                    let remove = req.action == DecisionAction::Remove;
                    let sender =
                        messages::decide(&app, conn, kind, item.subject_id, remove, who.user_id)?;
                    if kind == ItemKind::ReportedMessage {
                        for reporter in messages::reporters(conn, item.subject_id)? {
                            notify(
                                conn,
                                reporter,
                                NotificationKind::FlagOutcome,
                                item.subject_id,
                                if remove { "action taken" } else { "no action" },
                            )?;
                        }
                    }
                    if remove {
                        notify(
                            conn,
                            sender,
                            NotificationKind::ModerationOutcome,
                            item.subject_id,
                            &format!(
                                "A moderator removed one of your private messages (reason: {reason})."
                            ),
                        )?;
                    }
                }
            }
            if kind != ItemKind::Appeal {
                modlog::append(
                    conn,
                    &modlog::Entry {
                        actor_id: Some(who.user_id),
                        action: req.action.into(),
                        target_kind: kind.into(),
                        target_id: item.subject_id,
                        reason: Some(&reason),
                        before: None,
                        after: req.note.as_deref(),
                    },
                )?;
            }
            Ok(DecisionOutcome {
                id: item.id,
                resolution: req.action,
                version: item.version + 1,
            })
        })
        .await
}

/// A decision about a post: its effects, the flags' outcome, and who is told.
fn decide_post(
    state: &AppState,
    conn: &mut AnyConnection,
    who: &Caller,
    item: &ItemRow,
    kind: ItemKind,
    req: &DecisionRequest,
    reason: &str,
) -> Result<(), ApiError> {
    let post: PostRef = forum::load_post(conn, item.subject_id)?.ok_or_else(not_found_post)?;
    let before = post.body.clone();
    match req.action {
        // Approving a held post publishes it; clearing the flags of a post they hid shows it
        // again. A crisis item is only acknowledged: the post keeps the status other items
        // decide.
        DecisionAction::Approve | DecisionAction::Dismiss => match (kind, post.status) {
            (ItemKind::HeldPost, PostStatus::Held) => {
                forum::change_status(state, conn, &post, StatusChange::Publish)?
            }
            (ItemKind::FlaggedPost, PostStatus::Hidden) => {
                forum::change_status(state, conn, &post, StatusChange::Restore)?
            }
            _ => {}
        },
        DecisionAction::Hide => forum::change_status(state, conn, &post, StatusChange::Hide)?,
        DecisionAction::Remove => forum::change_status(state, conn, &post, StatusChange::Remove)?,
        DecisionAction::Edit => forum::moderator_edit(
            state,
            conn,
            &post,
            req.body.as_deref().unwrap_or(""),
            who.user_id,
        )?,
        DecisionAction::LockThread => forum::set_locked(conn, post.thread_id, true)?,
    }
    if matches!(req.action, DecisionAction::Hide | DecisionAction::Remove) {
        // The post is out of sight: its other open items have nothing left to decide.
        for other in [ItemKind::FlaggedPost, ItemKind::HeldPost, ItemKind::Crisis] {
            if other != kind {
                queue::resolve_subject(conn, other, post.id, who.user_id, req.action.into())?;
            }
        }
    }
    let acted = req.action.takes_action();
    let outcome = if acted {
        FlagStatus::Actioned
    } else {
        FlagStatus::Dismissed
    };
    let reporters = store::resolve_flags(conn, post.id, outcome)?;
    for reporter in reporters {
        notify(
            conn,
            reporter,
            NotificationKind::FlagOutcome,
            post.id,
            if acted { "action taken" } else { "no action" },
        )?;
    }
    let told = match req.action {
        DecisionAction::Approve
            if kind == ItemKind::HeldPost && post.status == PostStatus::Held =>
        {
            Some("Your post was approved and is now visible.".to_owned())
        }
        DecisionAction::Approve | DecisionAction::Dismiss
            if kind == ItemKind::FlaggedPost && post.status == PostStatus::Hidden =>
        {
            Some("Your post was reviewed and is visible again.".to_owned())
        }
        DecisionAction::Approve | DecisionAction::Dismiss => None,
        action => Some(format!(
            "A moderator's decision about your post: {} (reason: {reason}). You may appeal it once.",
            action.as_str()
        )),
    };
    if let Some(detail) = told {
        notify(
            conn,
            post.author_id,
            NotificationKind::ModerationOutcome,
            post.id,
            &detail,
        )?;
    }
    if matches!(req.action, DecisionAction::Edit | DecisionAction::Remove) {
        let after = req.body.clone().unwrap_or_default();
        modlog::append(
            conn,
            &modlog::Entry {
                actor_id: Some(who.user_id),
                action: LogAction::ContentChange,
                target_kind: LogTargetKind::Post,
                target_id: post.id,
                reason: Some(reason),
                before: Some(&before),
                after: (req.action == DecisionAction::Edit).then_some(after.as_str()),
            },
        )?;
    }
    Ok(())
}
