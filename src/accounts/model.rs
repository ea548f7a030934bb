//! Account rows, domain types (locale, role, state) and the request/response bodies of the
//! account endpoints.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::users;

/// Language of a member's emails and of localised texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
pub enum Locale {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhCn => "zh-CN",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "en" => Some(Self::En),
            "zh-CN" => Some(Self::ZhCn),
            _ => None,
        }
    }
}

/// What an account may do, by rank; see `auth::policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Coordinator,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Coordinator => "coordinator",
            Self::Moderator => "moderator",
            Self::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "member" => Some(Self::Member),
            "coordinator" => Some(Self::Coordinator),
            "moderator" => Some(Self::Moderator),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// Where an account stands, derived from the sanction in force and erasure (an account exists
/// only once its address is confirmed): never stored, so no later event can overwrite it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    Active,
    /// Read only until `state_until`.
    Silenced,
    /// Cannot log in until `state_until`.
    Suspended,
    Banned,
    Deleted,
}

impl AccountState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Silenced => "silenced",
            Self::Suspended => "suspended",
            Self::Banned => "banned",
            Self::Deleted => "deleted",
        }
    }

    /// The state of an account erased or not, under the sanction recorded for it, at `now`: a
    /// silence or suspension whose end has passed is over.
    pub fn derive(
        deleted: bool,
        sanction: Sanction,
        until: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> Self {
        if deleted {
            return Self::Deleted;
        }
        let ended = until.is_some_and(|end| end <= now);
        match sanction {
            Sanction::Banned => Self::Banned,
            Sanction::Suspended if !ended => Self::Suspended,
            Sanction::Silenced if !ended => Self::Silenced,
            _ => Self::Active,
        }
    }

    /// Whether the account may hold a session at all.
    pub fn may_sign_in(self) -> bool {
        matches!(self, Self::Active | Self::Silenced)
    }
}

/// The strongest sanction in force on an account, as recorded in `users.sanction` (kept in
/// line with the sanctions table by the moderation service, under a lock of the account row).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sanction {
    None,
    Silenced,
    Suspended,
    Banned,
}

impl Sanction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Silenced => "silenced",
            Self::Suspended => "suspended",
            Self::Banned => "banned",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "none" => Some(Self::None),
            "silenced" => Some(Self::Silenced),
            "suspended" => Some(Self::Suspended),
            "banned" => Some(Self::Banned),
            _ => None,
        }
    }
}

/// A `users` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub locale: String,
    pub bio: String,
    pub role: String,
    pub sanction: String,
    pub sanction_until: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub trust_level: i32,
    pub created_at: NaiveDateTime,
    pub notify_email_replies: bool,
}

impl UserRow {
    pub fn locale(&self) -> Locale {
        Locale::parse(&self.locale).unwrap_or_default()
    }

    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Member)
    }

    /// The state in force now.
    pub fn state(&self) -> AccountState {
        AccountState::derive(
            self.deleted_at.is_some(),
            Sanction::parse(&self.sanction).unwrap_or(Sanction::Banned),
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

/// The SQL twin of [`AccountState::may_sign_in`] for queries over `users`: not erased, not
/// banned, and not under a suspension that has not ended.
#[diesel::dsl::auto_type]
pub fn may_sign_in_sql(now: NaiveDateTime) -> _ {
    let banned: &'static str = "banned";
    let suspended: &'static str = "suspended";
    users::deleted_at
        .is_null()
        .and(users::sanction.ne(banned))
        .and(
            users::sanction
                .ne(suspended)
                .or(users::sanction_until.le(now)),
        )
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
    pub locale: &'a str,
    pub bio: &'a str,
    pub role: &'a str,
    pub display_name_skeleton: &'a str,
    pub trust_level: i32,
    pub email_verified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What everyone is shown instead of the name of an account its owner erased.
pub const FORMER_MEMBER: &str = "Former member";

/// The display name an erased account is given: `Former member #<tag>`. Unique, as the column
/// must be, and impossible to register or choose (names may not contain spaces or `#`), so a
/// name of this form always means an erased account.
pub fn erased_display_name(tag: &str) -> String {
    format!("{FORMER_MEMBER} #{tag}")
}

/// Whether a display name is that of an erased account (see [`erased_display_name`]).
pub fn is_erased_display_name(name: &str) -> bool {
    name.strip_prefix(FORMER_MEMBER)
        .is_some_and(|rest| rest.starts_with(" #"))
}

/// UTC time as RFC 3339 in responses.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
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
}

impl From<UserRow> for Me {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            locale: row.locale(),
            role: row.role(),
            state: row.state(),
            state_until: row.state_until().map(utc),
            email: row.email,
            display_name: row.display_name,
            bio: row.bio,
            trust_level: row.trust_level,
            created_at: utc(row.created_at),
            notify_email_replies: row.notify_email_replies,
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
            role: row.role(),
            display_name: row.display_name,
            bio: row.bio,
            created_at: utc(row.created_at),
        }
    }
}
