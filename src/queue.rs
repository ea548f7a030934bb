//! The moderation queue's storage and scoring: one open item per subject, ordered by a
//! priority score. Other features open and resolve items through [`open_item`] and
//! [`resolve_subject`] inside their own write transactions.
//!
//! # Priority score
//! `score = severity + 10 × (distinct reporters − 1) + 10 × Σ reporter accuracy + age in hours
//! (at most 48)`, where severity is 1,000,000 for crisis items (they always come first), then
//! 60 personal_info, 50 harassment, 40 misinformation, 35 held posts, 30 spam, 20 other,
//! 15 off_topic, 30 trial notices, appeals and coordinator applications, 35 held messages
//! (reported messages by their report's reason, as flags); a reporter's accuracy
//! is (flags that led to action + 1) / (resolved flags + 2). Age grows equally for every item,
//! so the order is stored once as `sort_key = score without age − creation time in hours`,
//! which keeps the queue one indexed query (`mod_items_queue_idx`).
//!
//! The open items by kind are a metric, read when scraped ([`register_open_items`]).

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::db::schema::mod_items;
use crate::db::{self, AnyConnection};

crate::db::text_enum! {
    /// Kinds of queue items.
    pub enum ItemKind {
        FlaggedPost = "flagged_post",
        HeldPost = "held_post",
        Crisis = "crisis",
        TrialNotice = "trial_notice",
        CoordinatorApplication = "coordinator_application",
        Appeal = "appeal",
        /// A private message held by screening (a watched word with the `hold` action).
        HeldMessage = "held_message",
        /// A private message reported by a participant.
        ReportedMessage = "reported_message",
    }
}

impl ItemKind {
    /// Whether the subject is a post.
    pub fn is_post(self) -> bool {
        matches!(self, Self::FlaggedPost | Self::HeldPost | Self::Crisis)
    }
}

crate::db::text_enum! {
    /// Whether an item waits for a decision (a claim is not a status: it lapses by itself).
    pub enum ItemStatus {
        Open = "open",
        Resolved = "resolved",
    }
}

crate::db::text_enum! {
    /// How an item was resolved: a moderator's decision, or what made it moot.
    pub enum Resolution {
        Approve = "approve",
        Dismiss = "dismiss",
        Hide = "hide",
        Remove = "remove",
        Edit = "edit",
        LockThread = "lock_thread",
        /// The author erased their account.
        AccountErased = "account_erased",
        /// The author edited the personal information out of a held post, which went up.
        ReleasedAfterEdit = "released_after_edit",
    }
}

impl Resolution {
    /// Whether the decision acted against the content (what an author may appeal).
    pub fn took_action(self) -> bool {
        matches!(
            self,
            Self::Hide | Self::Remove | Self::Edit | Self::LockThread
        )
    }
}

pub const CRISIS_SEVERITY: f64 = 1_000_000.0;
const AGE_CAP_HOURS: f64 = 48.0;

/// Severity of an item's reason (flag reasons, or why a post was held).
pub fn severity(kind: ItemKind, reason: Option<&str>) -> f64 {
    if kind == ItemKind::Crisis {
        return CRISIS_SEVERITY;
    }
    match reason {
        Some("self_harm") => CRISIS_SEVERITY,
        Some("personal_info") => 60.0,
        Some("harassment") => 50.0,
        Some("misinformation") => 40.0,
        Some("spam") => 30.0,
        Some("other") => 20.0,
        Some("off_topic") => 15.0,
        _ if matches!(kind, ItemKind::HeldPost | ItemKind::HeldMessage) => 35.0,
        _ => 30.0,
    }
}

fn hours(t: NaiveDateTime) -> f64 {
    t.and_utc().timestamp() as f64 / 3600.0
}

/// The stored ordering key for a score without age, created at `created_at`.
pub fn sort_key(base_score: f64, created_at: NaiveDateTime) -> f64 {
    base_score - hours(created_at)
}

/// The score shown to moderators now: base score plus age (capped).
pub fn score_now(base_score: f64, created_at: NaiveDateTime, now: NaiveDateTime) -> f64 {
    base_score + (hours(now) - hours(created_at)).clamp(0.0, AGE_CAP_HOURS)
}

/// The table that holds the subjects of items of `kind`.
fn subject_table(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::FlaggedPost | ItemKind::HeldPost | ItemKind::Crisis => "posts",
        ItemKind::TrialNotice => "trials",
        ItemKind::CoordinatorApplication => "coordinator_applications",
        ItemKind::Appeal => "appeals",
        ItemKind::HeldMessage | ItemKind::ReportedMessage => "private_messages",
    }
}

/// Locks the subject of items of `kind` until the transaction ends, so that decisions that
/// depend on it (counting a post's reporters, deciding its item) take turns. Lock the subject
/// before writing its items, everywhere, so two transactions never wait for each other.
pub fn lock_subject(conn: &mut AnyConnection, kind: ItemKind, subject_id: i64) -> QueryResult<()> {
    db::concurrency::lock_row(conn, subject_table(kind), subject_id)
}

/// How many times [`open_item`] starts over when another transaction changed the item
/// between its read and its write. Each retry reads what that transaction committed, so a
/// second retry is already rare.
const OPEN_ATTEMPTS: usize = 8;

/// Opens an item for a subject, or, when one is open already, raises its score to
/// `base_score` if higher and bumps its version. Returns the item id.
///
/// Safe when called at the same moment for the same subject: the update only applies to the
/// item at the version read and still open, and the insert gives way to an item another
/// transaction opened first (`mod_items_open_subject_key`); either way it starts over and reads
/// again.
pub fn open_item(
    conn: &mut AnyConnection,
    kind: ItemKind,
    subject_id: i64,
    reason: Option<&str>,
    base_score: f64,
) -> QueryResult<i64> {
    for _ in 0..OPEN_ATTEMPTS {
        if let Some(id) = try_open(conn, kind, subject_id, reason, base_score)? {
            return Ok(id);
        }
    }
    Err(diesel::result::Error::DatabaseError(
        diesel::result::DatabaseErrorKind::SerializationFailure,
        Box::new(format!(
            "the {} item of subject {subject_id} kept changing; gave up after {OPEN_ATTEMPTS} tries",
            kind.as_str()
        )),
    ))
}

/// One attempt of [`open_item`]: `None` when another transaction got in between.
fn try_open(
    conn: &mut AnyConnection,
    kind: ItemKind,
    subject_id: i64,
    reason: Option<&str>,
    base_score: f64,
) -> QueryResult<Option<i64>> {
    let open_of_subject = mod_items::table
        .filter(mod_items::kind.eq(kind))
        .filter(mod_items::subject_id.eq(subject_id))
        .filter(mod_items::status.eq(ItemStatus::Open));
    let existing: Option<(i64, f64, NaiveDateTime, i32, Option<String>)> = open_of_subject
        .select((
            mod_items::id,
            mod_items::base_score,
            mod_items::created_at,
            mod_items::version,
            mod_items::reason,
        ))
        .first(conn)
        .optional()?;
    if let Some((id, old, created_at, version, old_reason)) = existing {
        let base = old.max(base_score);
        let reason = match reason {
            Some(reason) if base_score >= old => Some(reason.to_owned()),
            _ => old_reason,
        };
        let updated = diesel::update(
            mod_items::table
                .find(id)
                .filter(mod_items::status.eq(ItemStatus::Open))
                .filter(mod_items::version.eq(version)),
        )
        .set((
            mod_items::base_score.eq(base),
            mod_items::sort_key.eq(sort_key(base, created_at)),
            mod_items::reason.eq(reason),
            mod_items::version.eq(version + 1),
        ))
        .execute(conn)?;
        return Ok((updated == 1).then_some(id));
    }
    let now = db::now();
    let inserted = db::concurrency::insert_ignoring_conflicts(
        conn,
        diesel::insert_into(mod_items::table).values((
            mod_items::kind.eq(kind),
            mod_items::subject_id.eq(subject_id),
            mod_items::status.eq(ItemStatus::Open),
            mod_items::reason.eq(reason),
            mod_items::base_score.eq(base_score),
            mod_items::sort_key.eq(sort_key(base_score, now)),
            mod_items::created_at.eq(now),
        )),
    )?;
    if !inserted {
        return Ok(None);
    }
    open_of_subject.select(mod_items::id).first(conn).optional()
}

/// The reason of a subject's open item of `kind`, if one is open.
pub fn open_reason(
    conn: &mut AnyConnection,
    kind: ItemKind,
    subject_id: i64,
) -> QueryResult<Option<String>> {
    Ok(mod_items::table
        .filter(mod_items::kind.eq(kind))
        .filter(mod_items::subject_id.eq(subject_id))
        .filter(mod_items::status.eq(ItemStatus::Open))
        .select(mod_items::reason)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Resolves the open item of a subject, if any (for decisions taken outside the queue, such as
/// an admin deciding a coordinator application). Returns the item id.
pub fn resolve_subject(
    conn: &mut AnyConnection,
    kind: ItemKind,
    subject_id: i64,
    actor_id: i64,
    resolution: Resolution,
) -> QueryResult<Option<i64>> {
    let open: Option<(i64, i32)> = mod_items::table
        .filter(mod_items::kind.eq(kind))
        .filter(mod_items::subject_id.eq(subject_id))
        .filter(mod_items::status.eq(ItemStatus::Open))
        .select((mod_items::id, mod_items::version))
        .first(conn)
        .optional()?;
    if let Some((id, version)) = open {
        resolve_at_version(conn, id, version, actor_id, resolution)?;
    }
    Ok(open.map(|(id, _)| id))
}

/// Resolves every open item of these kinds about these subjects (for instance all the flags,
/// holds and crisis items about a member's posts), as `resolution`.
pub fn resolve_open_about(
    conn: &mut AnyConnection,
    kinds: &[ItemKind],
    subject_ids: &[i64],
    actor_id: i64,
    resolution: Resolution,
) -> QueryResult<()> {
    // In chunks, well below the bound-parameter limits of both backends.
    for chunk in subject_ids.chunks(500) {
        let open: Vec<(i64, i32)> = mod_items::table
            .filter(mod_items::status.eq(ItemStatus::Open))
            .filter(mod_items::kind.eq_any(kinds))
            .filter(mod_items::subject_id.eq_any(chunk))
            .select((mod_items::id, mod_items::version))
            .load(conn)?;
        for (id, version) in open {
            resolve_at_version(conn, id, version, actor_id, resolution)?;
        }
    }
    Ok(())
}

/// Lets go of the open items `moderator_id` had claimed (when that account is erased).
pub fn release_claims_of(conn: &mut AnyConnection, moderator_id: i64) -> QueryResult<()> {
    diesel::update(
        mod_items::table
            .filter(mod_items::claimed_by.eq(moderator_id))
            .filter(mod_items::status.eq(ItemStatus::Open)),
    )
    .set((
        mod_items::claimed_by.eq(None::<i64>),
        mod_items::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Resolves an open item only if it is still at `version`; returns whether it did.
pub fn resolve_at_version(
    conn: &mut AnyConnection,
    item_id: i64,
    version: i32,
    actor_id: i64,
    resolution: Resolution,
) -> QueryResult<bool> {
    diesel::update(
        mod_items::table
            .find(item_id)
            .filter(mod_items::status.eq(ItemStatus::Open))
            .filter(mod_items::version.eq(version)),
    )
    .set((
        mod_items::status.eq(ItemStatus::Resolved),
        mod_items::resolution.eq(resolution),
        mod_items::resolved_by.eq(actor_id),
        mod_items::resolved_at.eq(db::now()),
        mod_items::claimed_by.eq(None::<i64>),
        mod_items::claimed_until.eq(None::<NaiveDateTime>),
        mod_items::version.eq(mod_items::version + 1),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Registers the open items by kind, read now, in a scrape's registry (a
/// [`TableGauges`](crate::db::metrics::TableGauges)): every kind, 0 when none is open. One
/// grouped count, served by the partial index `mod_items_open_subject_key` (kind, subject_id)
/// WHERE status = 'open'.
pub fn register_open_items(conn: &mut AnyConnection, registry: &mut Registry) -> QueryResult<()> {
    let open = mod_items::table
        .filter(mod_items::status.eq(ItemStatus::Open))
        .group_by(mod_items::kind)
        .select((mod_items::kind, count_star()))
        .load::<(ItemKind, i64)>(conn)?;
    let items = Family::<[(&str, String); 1], Gauge>::default();
    for kind in ItemKind::ALL {
        let _ = items.get_or_create(&[("kind", kind.as_str().to_owned())]);
    }
    for (kind, n) in open {
        items
            .get_or_create(&[("kind", kind.as_str().to_owned())])
            .set(n);
    }
    registry.register(
        "butterfly_moderation_queue_open_items",
        "Open moderation queue items by kind",
        items,
    );
    Ok(())
}
