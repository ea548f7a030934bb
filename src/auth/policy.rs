//! The permission policy: the one place that answers "may this caller do this?". Handlers
//! name the action; the policy decides, with the reason a refused caller sees.

use chrono::{DateTime, Utc};

use crate::accounts::model::{AccountState, Role};
use crate::auth::Caller;
use crate::http::error::ApiError;

/// Something a caller wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read one's own account (`GET /me`), log out.
    ReadOwnAccount,
    /// Change one's own profile (`PATCH /me`).
    EditOwnProfile,
    /// Change one's own password.
    ChangeOwnPassword,
    /// Write community content (posts, reactions, flags, applications…).
    Contribute,
    /// Administer accounts and roles.
    Administer,
}

/// Allows or refuses `action` for `caller`.
pub fn authorize(caller: &Caller, action: Action) -> Result<(), ApiError> {
    match action {
        Action::ReadOwnAccount | Action::ChangeOwnPassword => Ok(()),
        Action::EditOwnProfile | Action::Contribute => require_writer(caller),
        Action::Administer => {
            if caller.role == Role::Admin {
                Ok(())
            } else {
                Err(ApiError::Forbidden(
                    "only administrators may do this".into(),
                ))
            }
        }
    }
}

fn require_writer(caller: &Caller) -> Result<(), ApiError> {
    match caller.state {
        AccountState::Active => Ok(()),
        AccountState::Unverified => Err(ApiError::Forbidden(
            "confirm your email address first; we sent you a link when you registered".into(),
        )),
        AccountState::Silenced => Err(ApiError::Forbidden(match caller.state_until {
            Some(until) => format!(
                "your account is read-only until {}",
                DateTime::<Utc>::from_naive_utc_and_offset(until, Utc).to_rfc3339()
            ),
            None => "your account is read-only".into(),
        })),
        AccountState::Suspended | AccountState::Banned | AccountState::Deleted => {
            Err(ApiError::Forbidden("this account cannot write".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, state: AccountState) -> Caller {
        Caller {
            user_id: 1,
            session_id: 1,
            role,
            state,
            state_until: None,
        }
    }

    #[test]
    fn the_whole_matrix_of_roles_and_states() {
        let roles = [
            Role::Member,
            Role::Coordinator,
            Role::Moderator,
            Role::Admin,
        ];
        let states = [
            AccountState::Unverified,
            AccountState::Active,
            AccountState::Silenced,
        ];
        for role in roles {
            for state in states {
                let c = caller(role, state);
                assert!(authorize(&c, Action::ReadOwnAccount).is_ok());
                assert!(authorize(&c, Action::ChangeOwnPassword).is_ok());
                let writes = authorize(&c, Action::Contribute).is_ok();
                assert_eq!(writes, state == AccountState::Active, "{role:?} {state:?}");
                assert_eq!(
                    authorize(&c, Action::EditOwnProfile).is_ok(),
                    state == AccountState::Active
                );
                assert_eq!(
                    authorize(&c, Action::Administer).is_ok(),
                    role == Role::Admin
                );
            }
        }
    }
}
