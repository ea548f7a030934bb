//! Account rows and the request/response bodies of the account endpoints.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::model::{AccountState, Locale, Role, Sanction};
use crate::db::schema::users;
use crate::db::utc;

/// A `users` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub locale: Locale,
    pub bio: String,
    pub role: Role,
    pub sanction: Sanction,
    pub sanction_until: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub trust_level: i32,
    pub created_at: NaiveDateTime,
    pub notify_email_replies: bool,
    pub profile_hidden: bool,
}

impl UserRow {
    /// The state in force now.
    pub fn state(&self) -> AccountState {
        AccountState::derive(
            self.deleted_at.is_some(),
            self.sanction,
            self.sanction_until,
            crate::db::now(),
        )
    }

    /// When the silence or suspension in force ends (`None` when none is in force or it does
    /// not end).
    pub fn state_until(&self) -> Option<NaiveDateTime> {
        match self.state() {
            AccountState::Silenced | AccountState::Suspended => self.sanction_until,
            _ => None,
        }
    }
}

/// A new `users` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub email_lower: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub display_name_lower: &'a str,
    pub locale: Locale,
    pub bio: &'a str,
    pub role: Role,
    pub display_name_skeleton: &'a str,
    pub trust_level: i32,
    pub email_verified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"email": "ana@example.org", "password": "a long passphrase 42", "display_name": "Ana_L", "locale": "en"}))]
pub struct RegisterRequest {
    pub email: String,
    /// 10–128 characters, not a common password.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    /// 2–32 letters of one script (CJK included), digits, `_` or `-`; unique ignoring case and
    /// look-alike characters (Unicode confusables).
    #[schema(min_length = 2, max_length = 32)]
    pub display_name: String,
    /// `en` (default) or `zh-CN`.
    #[schema(value_type = Option<Locale>)]
    pub locale: Option<String>,
}

/// The answer to registration, the same whether or not the address already had an account.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "verification_sent"}))]
pub struct StatusResponse {
    pub status: &'static str,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// The token from the emailed link.
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailRequest {
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"email": "ana@example.org", "password": "a long passphrase 42"}))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetConfirmRequest {
    pub token: String,
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

/// The account behind a session, as the login answer shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUser {
    pub id: i64,
    pub display_name: String,
    pub role: Role,
    pub state: AccountState,
}

/// Tokens of a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT for `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single-use token for `POST /api/v1/sessions/refresh`.
    pub refresh_token: String,
    pub user: SessionUser,
}

/// One's own account, private fields included.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub locale: Locale,
    pub bio: String,
    pub role: Role,
    pub state: AccountState,
    /// Set while the account is silenced or suspended.
    pub state_until: Option<DateTime<Utc>>,
    pub trust_level: i32,
    pub created_at: DateTime<Utc>,
    /// Whether replies to the member are also emailed (at most one email per thread per hour).
    pub notify_email_replies: bool,
    /// Whether her profile page is hidden from visitors (members still see it).
    pub profile_hidden: bool,
}

impl From<UserRow> for Me {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            locale: row.locale,
            role: row.role,
            state: row.state(),
            state_until: row.state_until().map(utc),
            email: row.email,
            display_name: row.display_name,
            bio: row.bio,
            trust_level: row.trust_level,
            created_at: utc(row.created_at),
            notify_email_replies: row.notify_email_replies,
            profile_hidden: row.profile_hidden,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateMeRequest {
    #[schema(min_length = 2, max_length = 32)]
    pub display_name: Option<String>,
    /// `en` or `zh-CN`.
    #[schema(value_type = Option<Locale>)]
    pub locale: Option<String>,
    /// At most 500 characters.
    #[schema(max_length = 500)]
    pub bio: Option<String>,
    /// Email me about replies (opt-in).
    pub notify_email_replies: Option<bool>,
    /// Hide my profile page from visitors (members still see it).
    pub profile_hidden: Option<bool>,
}

/// What anyone may see of an account: never the email.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicProfile {
    pub id: i64,
    pub display_name: String,
    pub role: Role,
    pub bio: String,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for PublicProfile {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            role: row.role,
            display_name: row.display_name,
            bio: row.bio,
            created_at: utc(row.created_at),
        }
    }
}
