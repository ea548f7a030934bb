//! Identity and access: password hashing, access and one-time tokens, the authenticated
//! caller, and the permission policy.

pub mod password;
pub mod policy;
pub mod token;

use chrono::NaiveDateTime;

use crate::accounts::model::{AccountState, Role};

/// The authenticated user behind a request, as the database knows them right now.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: i64,
    pub session_id: i64,
    pub role: Role,
    pub state: AccountState,
    pub state_until: Option<NaiveDateTime>,
}
