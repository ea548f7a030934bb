//! Who someone is to the system, as every layer sees it: the language she reads, her role,
//! the state of her account (derived from erasure and the sanction in force), how the `users`
//! table answers "may this account still sign in" in SQL, and how an author is shown (named,
//! anonymous, or erased).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::users;

crate::db::text_enum! {
    /// Language of a member's emails and of localised texts.
    #[derive(Default)]
    pub enum Locale {
        #[default]
        En = "en",
        ZhCn = "zh-CN",
    }
}

crate::db::text_enum! {
    /// What an account may do, by rank; see `auth::policy`.
    pub enum Role {
        Member = "member",
        Coordinator = "coordinator",
        Moderator = "moderator",
        Admin = "admin",
    }
}

crate::db::text_enum! {
    /// Where an account stands, derived from the sanction in force and erasure (an account exists
    /// only once its address is confirmed): never stored, so no later event can overwrite it.
    pub enum AccountState {
        Active = "active",
        /// Read only until `state_until`.
        Silenced = "silenced",
        /// Cannot log in until `state_until`.
        Suspended = "suspended",
        Banned = "banned",
        Deleted = "deleted",
    }
}

impl AccountState {
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

crate::db::text_enum! {
    /// The strongest sanction in force on an account, as recorded in `users.sanction` (kept in
    /// line with the sanctions table by the moderation service, under a lock of the account
    /// row).
    pub enum Sanction {
        None = "none",
        Silenced = "silenced",
        Suspended = "suspended",
        Banned = "banned",
    }
}

/// The SQL twin of [`AccountState::may_sign_in`] for queries over `users`: not erased, not
/// banned, and not under a suspension that has not ended.
#[diesel::dsl::auto_type]
pub fn may_sign_in_sql(now: NaiveDateTime) -> _ {
    let banned: Sanction = Sanction::Banned;
    let suspended: Sanction = Sanction::Suspended;
    users::deleted_at
        .is_null()
        .and(users::sanction.ne(banned))
        .and(
            users::sanction
                .ne(suspended)
                .or(users::sanction_until.le(now)),
        )
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

/// Who wrote something, as the viewer may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthorSummary {
    /// Absent when the post is anonymous and the viewer is neither its author nor a moderator,
    /// and when the author erased their account.
    pub id: Option<i64>,
    /// "Anonymous member" for anonymous posts seen by others; "Former member" for an erased
    /// account.
    pub display_name: String,
    pub role: Option<Role>,
    /// Whether the post was written anonymously.
    pub anonymous: bool,
}

pub const ANONYMOUS_NAME: &str = "Anonymous member";

impl AuthorSummary {
    /// The author as the viewer may see them: an erased account is "Former member" without an
    /// id to everyone, moderators included (nothing is left to reveal); an anonymous post is
    /// "Anonymous member" unless `reveal` (its author and moderators).
    pub fn new(id: i64, display_name: String, role: Role, anonymous: bool, reveal: bool) -> Self {
        if is_erased_display_name(&display_name) {
            return Self {
                id: None,
                display_name: FORMER_MEMBER.into(),
                role: None,
                anonymous,
            };
        }
        if anonymous && !reveal {
            return Self {
                id: None,
                display_name: ANONYMOUS_NAME.into(),
                role: None,
                anonymous,
            };
        }
        Self {
            id: Some(id),
            display_name,
            role: Some(role),
            anonymous,
        }
    }
}
