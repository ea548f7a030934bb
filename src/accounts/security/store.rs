//! Diesel queries of sessions as their owner sees them (`session_families`) and of two-factor
//! authentication (`two_factor`, `recovery_codes`, `sign_in_challenges`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::client::ClientInfo;
use crate::db::AnyConnection;
use crate::db::schema::{
    recovery_codes, session_families, sessions, sign_in_challenges, two_factor,
};

// ----- sessions as their owner sees them -----

/// Records the client of a new session family.
pub fn insert_family(
    conn: &mut AnyConnection,
    user_id: i64,
    family_id: &str,
    client: &ClientInfo,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(session_families::table)
        .values((
            session_families::user_id.eq(user_id),
            session_families::family_id.eq(family_id),
            session_families::client.eq(&client.name),
            session_families::network.eq(client.network.as_deref()),
            session_families::created_at.eq(now),
            session_families::last_used_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A refresh used the family (index `session_families_family_id_key`).
pub fn touch_family(
    conn: &mut AnyConnection,
    family_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(session_families::table.filter(session_families::family_id.eq(family_id)))
        .set(session_families::last_used_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

/// An open family: its newest refresh token is neither rotated, revoked nor expired.
pub type FamilyRow = (
    i64,
    String,
    String,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
);

/// The open families of a user, newest sign-in first, `limit` of them below the id `before`
/// (index `session_families_user_id_idx`, then `sessions_family_id_idx` for each).
pub fn open_families(
    conn: &mut AnyConnection,
    user_id: i64,
    before: Option<i64>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<FamilyRow>> {
    let mut query = session_families::table
        .inner_join(sessions::table.on(sessions::family_id.eq(session_families::family_id)))
        .filter(session_families::user_id.eq(user_id))
        .filter(sessions::replaced_by.is_null())
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select((
            session_families::id,
            session_families::family_id,
            session_families::client,
            session_families::network,
            session_families::created_at,
            session_families::last_used_at,
        ))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(session_families::id.lt(before));
    }
    query
        .order(session_families::id.desc())
        .limit(limit)
        .load(conn)
}

/// The family id of the user's open session `id`; `None` when it is not hers or not open.
pub fn open_family(
    conn: &mut AnyConnection,
    user_id: i64,
    id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    session_families::table
        .inner_join(sessions::table.on(sessions::family_id.eq(session_families::family_id)))
        .filter(session_families::id.eq(id))
        .filter(session_families::user_id.eq(user_id))
        .filter(sessions::replaced_by.is_null())
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(session_families::family_id)
        .first(conn)
        .optional()
}

// ----- two-factor authentication -----

/// What the rules read of a `two_factor` row (`last_step` is only compared in SQL).
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = two_factor)]
pub struct TwoFactorRow {
    pub secret: String,
    pub enabled_at: Option<NaiveDateTime>,
}

pub fn two_factor_of(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Option<TwoFactorRow>> {
    two_factor::table
        .find(user_id)
        .select(TwoFactorRow::as_select())
        .first(conn)
        .optional()
}

/// Starts an enrolment with this secret, replacing one that was waiting for its first code.
/// Fails with a unique violation when another enrolment of the user was written meanwhile.
pub fn start_enrolment(
    conn: &mut AnyConnection,
    user_id: i64,
    secret: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        two_factor::table
            .filter(two_factor::user_id.eq(user_id))
            .filter(two_factor::enabled_at.is_null()),
    )
    .execute(conn)?;
    diesel::insert_into(two_factor::table)
        .values((
            two_factor::user_id.eq(user_id),
            two_factor::secret.eq(secret),
            two_factor::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Turns a waiting enrolment on, its first code's step recorded; `false` when none waits (the
/// `enabled_at IS NULL` guard makes a second confirmation at the same moment change nothing).
pub fn enable(
    conn: &mut AnyConnection,
    user_id: i64,
    step: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        two_factor::table
            .filter(two_factor::user_id.eq(user_id))
            .filter(two_factor::enabled_at.is_null()),
    )
    .set((
        two_factor::enabled_at.eq(now),
        two_factor::last_step.eq(step),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Accepts a code of time step `step`: only when no code of this step or a later one was
/// accepted before. One statement decides, so of two requests with one code at the same
/// moment one updates the row and the other, once the first commits, finds nothing to update
/// (PostgreSQL re-reads the row under READ COMMITTED; SQLite writes one at a time).
pub fn accept_step(conn: &mut AnyConnection, user_id: i64, step: i64) -> QueryResult<bool> {
    diesel::update(
        two_factor::table
            .filter(two_factor::user_id.eq(user_id))
            .filter(two_factor::enabled_at.is_not_null())
            .filter(
                two_factor::last_step
                    .is_null()
                    .or(two_factor::last_step.lt(step)),
            ),
    )
    .set(two_factor::last_step.eq(step))
    .execute(conn)
    .map(|n| n == 1)
}

/// Forgets the user's two-factor authentication: secret, recovery codes and challenges.
/// Returns whether it was on.
pub fn remove_two_factor(conn: &mut AnyConnection, user_id: i64) -> QueryResult<bool> {
    let enabled = diesel::delete(
        two_factor::table
            .filter(two_factor::user_id.eq(user_id))
            .filter(two_factor::enabled_at.is_not_null()),
    )
    .execute(conn)?;
    diesel::delete(two_factor::table.filter(two_factor::user_id.eq(user_id))).execute(conn)?;
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(sign_in_challenges::table.filter(sign_in_challenges::user_id.eq(user_id)))
        .execute(conn)?;
    Ok(enabled > 0)
}

/// Replaces the user's recovery codes with these hashes.
pub fn replace_recovery_codes(
    conn: &mut AnyConnection,
    user_id: i64,
    hashes: &[String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    // One statement per code: a multi-row insert does not compile for both backends at once.
    for hash in hashes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(hash),
                recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Uses a recovery code (index `recovery_codes_user_id_code_hash_key`); `false` when it is not
/// one of the user's or was used already. The `used_at IS NULL` guard makes a second use at the
/// same moment update nothing.
pub fn use_recovery_code(
    conn: &mut AnyConnection,
    user_id: i64,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}

/// Recovery codes of the user not used yet.
pub fn recovery_codes_left(conn: &mut AnyConnection, user_id: i64) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

// ----- the second step of signing in -----

/// Stores a challenge, and forgets the user's expired ones (index
/// `sign_in_challenges_user_id_idx`).
pub fn insert_challenge(
    conn: &mut AnyConnection,
    user_id: i64,
    token_hash: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        sign_in_challenges::table
            .filter(sign_in_challenges::user_id.eq(user_id))
            .filter(sign_in_challenges::expires_at.le(now)),
    )
    .execute(conn)?;
    diesel::insert_into(sign_in_challenges::table)
        .values((
            sign_in_challenges::user_id.eq(user_id),
            sign_in_challenges::token_hash.eq(token_hash),
            sign_in_challenges::expires_at.eq(expires_at),
            sign_in_challenges::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The live challenge with this hash: its id and user (index
/// `sign_in_challenges_token_hash_key`).
pub fn live_challenge(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(i64, i64)>> {
    sign_in_challenges::table
        .filter(sign_in_challenges::token_hash.eq(token_hash))
        .filter(sign_in_challenges::expires_at.gt(now))
        .select((sign_in_challenges::id, sign_in_challenges::user_id))
        .first(conn)
        .optional()
}

/// Takes a challenge out of the table; `false` when another request took it first.
pub fn take_challenge(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    diesel::delete(sign_in_challenges::table.find(id))
        .execute(conn)
        .map(|n| n == 1)
}

/// Forgets everything of this sub-feature about a user (erasure): her sessions' clients and
/// networks, and her two-factor authentication.
pub fn forget_user(conn: &mut AnyConnection, user_id: i64) -> QueryResult<()> {
    diesel::delete(session_families::table.filter(session_families::user_id.eq(user_id)))
        .execute(conn)?;
    remove_two_factor(conn, user_id).map(|_| ())
}
