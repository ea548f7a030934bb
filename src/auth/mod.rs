//! Identity and access: who someone is (locale, role, account state, display names), password
//! hashing, access and one-time tokens, small secrets sealed at rest, the authenticated caller,
//! the permission policy, and the states of content that the policy reads.

pub mod content;
pub mod model;
pub mod names;
pub mod password;
pub mod policy;
pub mod seal;
pub mod token;

use chrono::NaiveDateTime;

use crate::auth::model::{AccountState, Role};

/// The authenticated user behind a request, as the database knows them right now.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: i64,
    pub session_id: i64,
    pub role: Role,
    pub state: AccountState,
    pub state_until: Option<NaiveDateTime>,
    /// A moderator or administrator without two-factor authentication while the settings
    /// require it (`auth.require_2fa_for_staff`): staff powers are refused until she enrols.
    pub needs_two_factor: bool,
}

/// An email address as accounts are looked up by it (`users.email_lower`): the key the rate
/// limits count under, so that both agree.
pub use crate::http::ratelimit::email_key;
