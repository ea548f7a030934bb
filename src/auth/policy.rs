//! The permission policy: the one place that answers "may this caller do this?". Handlers
//! name the action; the policy decides, with the reason a refused caller sees.

use chrono::{DateTime, Utc};

use crate::auth::Caller;
use crate::auth::content::{NoticeState, PostStatus};
use crate::auth::model::{AccountState, Role};
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
    /// Keep oneself safe and choose what reaches oneself: ignore members; watch, track or mute
    /// threads and boards; mark threads read. Every account that may sign in, silenced ones
    /// too (safety does not depend on standing).
    ProtectOneself,
    /// Keep private bookmarks of threads and posts, with notes and reminders: every account
    /// that may sign in, silenced ones too (bookmarks are private, not community content).
    KeepBookmarks,
    /// Write community content (posts, reactions, flags, applications…).
    Contribute,
    /// Administer accounts, roles and boards.
    Administer,
    /// See held, hidden and removed content and the authors behind anonymous posts.
    Moderate,
    /// Create, import, edit, submit and close clinical-trial notices: verified coordinators
    /// and administrators whose account may write.
    PublishTrials,
    /// Save trial searches that send alerts by email: accounts that may sign in (silenced
    /// members too: alerts are not community content).
    SaveSearches,
    /// Take a copy of everything Butterfly holds about oneself (`GET /me/export`), and erase
    /// one's account (`DELETE /me`): every account that may sign in, silenced ones too
    /// (privacy rights do not depend on standing).
    ExerciseOwnPrivacyRights,
    /// Read a member's private data (email address, export): administrators only, and every
    /// read is written to the access log.
    ReadPrivateData,
    /// Read one's own conversations, mark them read, leave them, and set who may write to
    /// oneself: every account that may sign in, silenced ones too. Nobody else reads them:
    /// reading private messages is no staff power.
    ReadOwnMessages,
    /// Keep one's own private health profile and pre-check trial notices against it: every
    /// account that may sign in, silenced ones too. Nobody else reads a member's health
    /// profile: it is no staff power, and no route takes another member's.
    KeepHealthProfile,
    /// Send private messages and answer message requests: accounts that may write. Starting
    /// a conversation also needs [`may_start_conversations`].
    SendMessages,
}

/// Allows or refuses `action` for `caller`.
pub fn authorize(caller: &Caller, action: Action) -> Result<(), ApiError> {
    match action {
        Action::ReadOwnAccount
        | Action::ChangeOwnPassword
        | Action::ProtectOneself
        | Action::KeepBookmarks
        | Action::ExerciseOwnPrivacyRights
        | Action::KeepHealthProfile
        | Action::ReadOwnMessages => Ok(()),
        Action::EditOwnProfile | Action::Contribute | Action::SendMessages => {
            require_writer(caller)
        }
        Action::Administer | Action::ReadPrivateData | Action::Moderate
            if caller.needs_two_factor && is_staff(caller.role) =>
        {
            Err(two_factor_required())
        }
        Action::Administer => {
            if caller.role == Role::Admin {
                Ok(())
            } else {
                Err(ApiError::Forbidden(
                    "only administrators may do this".into(),
                ))
            }
        }
        Action::ReadPrivateData => {
            if caller.role == Role::Admin {
                Ok(())
            } else {
                Err(ApiError::Forbidden(
                    "only administrators may read members' private data".into(),
                ))
            }
        }
        Action::Moderate => {
            if is_moderator(caller) {
                Ok(())
            } else {
                Err(ApiError::Forbidden("only moderators may do this".into()))
            }
        }
        Action::PublishTrials => {
            if caller.role == Role::Admin && caller.needs_two_factor {
                Err(two_factor_required())
            } else if matches!(caller.role, Role::Coordinator | Role::Admin) {
                require_writer(caller)
            } else {
                Err(ApiError::Forbidden(
                    "only verified trial coordinators may publish trial notices; members can \
                     apply at /api/v1/coordinator-applications"
                        .into(),
                ))
            }
        }
        Action::SaveSearches => {
            if caller.state.may_sign_in() {
                Ok(())
            } else {
                Err(ApiError::Forbidden(
                    "this account cannot save searches".into(),
                ))
            }
        }
    }
}

/// Whether `caller`, at `trust_level`, may start a conversation: accounts that may write, past
/// trust level 0 (a new member cannot write to strangers; she can answer those who write to
/// her), or staff.
pub fn may_start_conversations(caller: &Caller, trust_level: i32) -> Result<(), ApiError> {
    authorize(caller, Action::SendMessages)?;
    if trust_level > 0 || is_moderator(caller) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "new members cannot start conversations yet: take part in the forum for a while \
             first (you can already answer members who write to you)"
                .into(),
        ))
    }
}

/// Whether `viewer` may see a trial notice in `state`: published and closed notices are
/// public; notices under review only to their coordinator and to moderators and
/// administrators (who review them); drafts only to their coordinator and administrators.
/// Everyone else gets 404.
pub fn may_see_trial(viewer: Option<&Caller>, coordinator_id: i64, state: NoticeState) -> bool {
    match state {
        NoticeState::Published | NoticeState::Closed => true,
        NoticeState::PendingReview => {
            viewer.is_some_and(|v| is_moderator(v) || v.user_id == coordinator_id)
        }
        NoticeState::Draft => viewer.is_some_and(|v| is_admin(v) || v.user_id == coordinator_id),
    }
}

/// Whether `caller` may change a notice: its own coordinator while still a coordinator, and
/// administrators. (Whether the account may write at all is `Action::PublishTrials`.)
pub fn may_manage_trial(caller: &Caller, coordinator_id: i64) -> bool {
    is_admin(caller) || (caller.role == Role::Coordinator && caller.user_id == coordinator_id)
}

/// Whether `caller` may read the answers to a notice: its own coordinator only. Members
/// consented to share their contact with that coordinator, not with the staff.
pub fn may_read_trial_interests(caller: &Caller, coordinator_id: i64) -> bool {
    caller.user_id == coordinator_id && matches!(caller.role, Role::Coordinator | Role::Admin)
}

/// Moderators and administrators (with two-factor authentication when the settings require
/// it: until then they see what members see).
pub fn is_moderator(caller: &Caller) -> bool {
    is_staff(caller.role) && !caller.needs_two_factor
}

/// Administrators (with two-factor authentication when the settings require it).
fn is_admin(caller: &Caller) -> bool {
    caller.role == Role::Admin && !caller.needs_two_factor
}

fn is_staff(role: Role) -> bool {
    matches!(role, Role::Moderator | Role::Admin)
}

/// The refusal of a staff power to a moderator or administrator without two-factor
/// authentication.
fn two_factor_required() -> ApiError {
    ApiError::TwoFactorRequired(
        "staff accounts must turn on two-factor authentication before using staff powers: \
         enrol at POST /api/v1/me/two-factor, then confirm with a code"
            .into(),
    )
}

/// Whether `viewer` may see content by `author_id` in `status`: published and deleted
/// (as a placeholder) content is public; held, hidden and removed content only to its author
/// and to moderators. Everyone else gets 404, never learning it exists.
pub fn may_see(viewer: Option<&Caller>, author_id: i64, status: PostStatus) -> bool {
    match status {
        PostStatus::Published | PostStatus::Deleted => true,
        PostStatus::Held | PostStatus::Hidden | PostStatus::Removed => {
            viewer.is_some_and(|v| is_moderator(v) || v.user_id == author_id)
        }
    }
}

/// Whether `viewer` may read the threads of a board: those of a members-only board only
/// signed-in accounts may (visitors and search engines are told to sign in).
pub fn may_read_board(viewer: Option<&Caller>, members_only: bool) -> Result<(), ApiError> {
    if members_only && viewer.is_none() {
        Err(ApiError::Unauthorized(
            "this board is for members only: sign in to read it".into(),
        ))
    } else {
        Ok(())
    }
}

/// Whether `viewer` sees who wrote an anonymous post: its author and moderators do.
pub fn sees_anonymous_author(viewer: Option<&Caller>, author_id: i64) -> bool {
    viewer.is_some_and(|v| is_moderator(v) || v.user_id == author_id)
}

fn require_writer(caller: &Caller) -> Result<(), ApiError> {
    match caller.state {
        AccountState::Active => Ok(()),
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

    #[test]
    fn visitors_see_only_public_content() {
        assert!(may_see(None, 1, PostStatus::Published));
        assert!(!may_see(None, 1, PostStatus::Held));
        assert!(!sees_anonymous_author(None, 1));
        assert!(may_read_board(None, false).is_ok());
        assert!(matches!(
            may_read_board(None, true),
            Err(ApiError::Unauthorized(_))
        ));
    }

    fn caller(role: Role, state: AccountState) -> Caller {
        Caller {
            user_id: 1,
            session_id: 1,
            role,
            state,
            state_until: None,
            needs_two_factor: false,
        }
    }

    #[test]
    fn staff_without_two_factor_are_told_to_enrol_and_see_what_members_see() {
        for role in [Role::Moderator, Role::Admin] {
            let c = Caller {
                needs_two_factor: true,
                ..caller(role, AccountState::Active)
            };
            for action in [
                Action::Moderate,
                Action::Administer,
                Action::ReadPrivateData,
            ] {
                assert!(
                    matches!(authorize(&c, action), Err(ApiError::TwoFactorRequired(_))),
                    "{role:?} {action:?}"
                );
            }
            assert!(authorize(&c, Action::Contribute).is_ok());
            assert!(!is_moderator(&c));
            assert!(!may_see(Some(&c), 99, PostStatus::Held));
        }
    }

    fn moderates_now(role: Role) -> bool {
        matches!(role, Role::Moderator | Role::Admin)
    }

    #[test]
    fn the_whole_matrix_of_roles_and_states() {
        let roles = [
            Role::Member,
            Role::Coordinator,
            Role::Moderator,
            Role::Admin,
        ];
        let states = [AccountState::Active, AccountState::Silenced];
        for role in roles {
            for state in states {
                let c = caller(role, state);
                assert!(authorize(&c, Action::ReadOwnAccount).is_ok());
                assert!(authorize(&c, Action::ChangeOwnPassword).is_ok());
                assert!(authorize(&c, Action::ExerciseOwnPrivacyRights).is_ok());
                assert!(authorize(&c, Action::ProtectOneself).is_ok());
                assert!(authorize(&c, Action::ReadOwnMessages).is_ok());
                assert_eq!(
                    authorize(&c, Action::SendMessages).is_ok(),
                    state == AccountState::Active
                );
                assert_eq!(
                    may_start_conversations(&c, 1).is_ok(),
                    state == AccountState::Active
                );
                assert_eq!(
                    may_start_conversations(&c, 0).is_ok(),
                    state == AccountState::Active && moderates_now(role),
                    "{role:?} {state:?}: new members cannot start conversations"
                );
                assert_eq!(
                    authorize(&c, Action::ReadPrivateData).is_ok(),
                    role == Role::Admin,
                    "{role:?} {state:?}"
                );
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
                let moderates = matches!(role, Role::Moderator | Role::Admin);
                assert_eq!(authorize(&c, Action::Moderate).is_ok(), moderates);
                assert!(may_read_board(Some(&c), true).is_ok());
                assert!(may_see(Some(&c), 99, PostStatus::Published));
                assert!(may_see(Some(&c), 99, PostStatus::Deleted));
                assert!(
                    may_see(Some(&c), 1, PostStatus::Held),
                    "authors see their own held posts"
                );
                for hidden in [PostStatus::Held, PostStatus::Hidden, PostStatus::Removed] {
                    assert_eq!(may_see(Some(&c), 99, hidden), moderates);
                }
                assert_eq!(sees_anonymous_author(Some(&c), 99), moderates);
                assert!(sees_anonymous_author(Some(&c), 1));

                // Clinical trials.
                let publishes = matches!(role, Role::Coordinator | Role::Admin);
                assert_eq!(
                    authorize(&c, Action::PublishTrials).is_ok(),
                    publishes && state == AccountState::Active,
                    "{role:?} {state:?}"
                );
                assert!(authorize(&c, Action::SaveSearches).is_ok());
                for public in [NoticeState::Published, NoticeState::Closed] {
                    assert!(may_see_trial(Some(&c), 99, public));
                    assert!(may_see_trial(None, 99, public));
                }
                for private in [NoticeState::Draft, NoticeState::PendingReview] {
                    let sees = if private == NoticeState::Draft {
                        role == Role::Admin
                    } else {
                        moderates
                    };
                    assert_eq!(
                        may_see_trial(Some(&c), 99, private),
                        sees,
                        "{role:?} {private:?}"
                    );
                    assert!(may_see_trial(Some(&c), 1, private), "own notice");
                    assert!(!may_see_trial(None, 99, private));
                }
                assert_eq!(may_manage_trial(&c, 99), role == Role::Admin);
                assert_eq!(may_manage_trial(&c, 1), publishes);
                assert!(
                    !may_read_trial_interests(&c, 99),
                    "nobody reads others' answers"
                );
                assert_eq!(may_read_trial_interests(&c, 1), publishes);
            }
        }
    }
}
