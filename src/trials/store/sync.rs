//! Queries of the registry sync: the import source of a notice and its claim by a sync pass
//! (`trial_registry_sync`, primary key trial_id), and the revisions the registry made
//! (`trial_revisions`, index `trial_revisions_trial_idx` (trial_id, id)).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{trial_registry_sync, trial_revisions, trials};
use crate::trials::model::NoticeState;
use crate::trials::sync::RevisionOrigin;

/// A stored revision: id, origin, the JSON of its changes, when.
pub type RevisionRow = (i64, RevisionOrigin, String, NaiveDateTime);

/// Remembers that a new notice was imported from study `nct`.
pub fn record_source(
    conn: &mut AnyConnection,
    trial_id: i64,
    nct: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(trial_registry_sync::table)
        .values((
            trial_registry_sync::trial_id.eq(trial_id),
            trial_registry_sync::source_nct.eq(nct),
            trial_registry_sync::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The published notices that still name the study they were imported from, with its NCT
/// id, by notice id (primary keys; `trials` by its id).
pub fn open_imported(conn: &mut AnyConnection) -> QueryResult<Vec<(i64, String)>> {
    trial_registry_sync::table
        .inner_join(trials::table.on(trials::id.eq(trial_registry_sync::trial_id)))
        .filter(trials::state.eq(NoticeState::Published))
        .filter(trials::registry_id.eq(trial_registry_sync::source_nct))
        .order(trial_registry_sync::trial_id.asc())
        .select((
            trial_registry_sync::trial_id,
            trial_registry_sync::source_nct,
        ))
        .load(conn)
}

/// Claims a notice for one sync pass until `until`, unless another pass holds it; returns
/// whether this pass has it. One conditional update: of two passes, one wins.
pub fn claim(
    conn: &mut AnyConnection,
    trial_id: i64,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        trial_registry_sync::table.find(trial_id).filter(
            trial_registry_sync::claimed_until
                .is_null()
                .or(trial_registry_sync::claimed_until.lt(now)),
        ),
    )
    .set(trial_registry_sync::claimed_until.eq(until))
    .execute(conn)
    .map(|n| n == 1)
}

/// Gives back a claim made until `until` (if it is still that claim); `synced_at`: the record
/// was read and compared then.
pub fn release(
    conn: &mut AnyConnection,
    trial_id: i64,
    until: NaiveDateTime,
    synced_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    let claim = trial_registry_sync::table
        .find(trial_id)
        .filter(trial_registry_sync::claimed_until.eq(until));
    let released = match synced_at {
        Some(at) => diesel::update(claim)
            .set((
                trial_registry_sync::claimed_until.eq(None::<NaiveDateTime>),
                trial_registry_sync::synced_at.eq(at),
            ))
            .execute(conn),
        None => diesel::update(claim)
            .set(trial_registry_sync::claimed_until.eq(None::<NaiveDateTime>))
            .execute(conn),
    };
    released.map(|_| ())
}

/// Writes a revision.
pub fn insert_revision(
    conn: &mut AnyConnection,
    trial_id: i64,
    origin: RevisionOrigin,
    changes: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(trial_revisions::table)
        .values((
            trial_revisions::trial_id.eq(trial_id),
            trial_revisions::origin.eq(origin),
            trial_revisions::changes.eq(changes),
            trial_revisions::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A notice's revisions, newest first, before id `before` (index `trial_revisions_trial_idx`).
pub fn revisions_page(
    conn: &mut AnyConnection,
    trial_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<RevisionRow>> {
    let mut query = trial_revisions::table
        .filter(trial_revisions::trial_id.eq(trial_id))
        .select((
            trial_revisions::id,
            trial_revisions::origin,
            trial_revisions::changes,
            trial_revisions::created_at,
        ))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(trial_revisions::id.lt(before));
    }
    query
        .order(trial_revisions::id.desc())
        .limit(limit + 1)
        .load(conn)
}
