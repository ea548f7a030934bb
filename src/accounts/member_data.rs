//! The account's part of a member's privacy rights: the password check before an erasure (and
//! before turning two-factor authentication on or off), the account row, the signed-in devices
//! and whether two-factor authentication is on in the data export, and the scrubbing of the
//! account when it is erased.

use std::net::IpAddr;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::model::UserRow;
use super::service::wrong_password;
use super::store;
use crate::app::AppState;
use crate::auth::model::{Role, erased_display_name};
use crate::auth::names;
use crate::db::schema::{session_families, sessions, two_factor, user_tokens, users};
use crate::db::{self, AnyConnection, utc, utc_opt};
use crate::http::error::ApiError;

/// Checks `password` before the account is erased (or two-factor authentication changes). Wrong ones count like failed logins from
/// `client` (the same throttle, the same warning to the owner), so that erasure is no way
/// around the login throttle: 429 when there were too many, 422 when it is wrong.
pub async fn confirm_password(
    state: &AppState,
    user: &UserRow,
    password: String,
    client: Option<IpAddr>,
) -> Result<(), ApiError> {
    let attempt = state
        .login_throttle
        .attempt(&crate::auth::email_key(&user.email), client)
        .await?;
    if !state
        .hasher
        .verify(password, Some(user.password_hash.clone()))
        .await?
    {
        wrong_password(state, attempt, Some(user)).await;
        return Err(ApiError::invalid("password", "is wrong"));
    }
    attempt.succeeded().await;
    Ok(())
}

/// The account `id`, in whatever state.
pub fn account(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<UserRow>> {
    store::user_by_id(conn, id)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportSession {
    /// When its latest refresh token was issued.
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Set once the session was logged out or revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The client it signed in from (from its `User-Agent`); `null` for sessions older than
    /// this record.
    pub client: Option<String>,
    /// The network it signed in from (an IPv4 /24, an IPv6 /48; the full address is never
    /// kept).
    pub network: Option<String>,
    /// When it signed in.
    pub signed_in_at: Option<DateTime<Utc>>,
}

type SessionExportRow = (
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
);

/// The latest row of each session family, with the client it signed in from (index
/// `sessions_user_id_idx`, then `session_families_family_id_key`).
pub fn sessions_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportSession>> {
    let rows: Vec<SessionExportRow> = sessions::table
        .left_join(session_families::table.on(session_families::family_id.eq(sessions::family_id)))
        .filter(sessions::user_id.eq(id))
        .filter(sessions::replaced_by.is_null())
        .order(sessions::id.asc())
        .select((
            sessions::created_at,
            sessions::expires_at,
            sessions::revoked_at,
            session_families::client.nullable(),
            session_families::network.nullable(),
            session_families::created_at.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(created, expires, revoked, client, network, signed_in)| ExportSession {
                created_at: utc(created),
                expires_at: utc(expires),
                revoked_at: utc_opt(revoked),
                client,
                network,
                signed_in_at: utc_opt(signed_in),
            },
        )
        .collect())
}

/// Whether two-factor authentication is on, in the export (never its secret or codes).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportTwoFactor {
    pub enabled: bool,
    pub enabled_at: Option<DateTime<Utc>>,
}

pub fn two_factor_of(conn: &mut AnyConnection, id: i64) -> QueryResult<ExportTwoFactor> {
    let enabled_at: Option<Option<NaiveDateTime>> = two_factor::table
        .find(id)
        .select(two_factor::enabled_at)
        .first(conn)
        .optional()?;
    let enabled_at = enabled_at.flatten();
    Ok(ExportTwoFactor {
        enabled: enabled_at.is_some(),
        enabled_at: utc_opt(enabled_at),
    })
}

/// Forgets the account in the caller's transaction: sessions revoked (old access and refresh
/// tokens get 401) and their clients and networks deleted, one-time tokens, the two-factor
/// secret, recovery codes and sign-in challenges deleted, and the row scrubbed.
pub fn forget(conn: &mut AnyConnection, user: &UserRow) -> QueryResult<()> {
    let now = db::now();
    store::revoke_user_sessions(conn, user.id, None, now)?;
    super::security::store::forget_user(conn, user.id)?;
    diesel::delete(user_tokens::table.filter(user_tokens::user_id.eq(user.id))).execute(conn)?;
    let tag = format!("{:016x}", rand::random::<u64>());
    let email = format!("deleted-{tag}@invalid");
    let name = erased_display_name(&tag);
    diesel::update(users::table.find(user.id))
        .set((
            users::email.eq(&email),
            users::email_lower.eq(&email),
            // Not a hash of anything: no password ever matches it.
            users::password_hash.eq("erased"),
            users::display_name.eq(&name),
            users::display_name_lower.eq(name.to_lowercase()),
            users::bio.eq(""),
            users::role.eq(Role::Member),
            users::display_name_skeleton.eq(names::skeleton(&name)),
            users::deleted_at.eq(now),
            users::trust_level.eq(0),
            users::email_verified_at.eq(None::<chrono::NaiveDateTime>),
            users::notify_email_replies.eq(false),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
