//! Who may do what: every operation of the served OpenAPI document, tried by each of ten
//! actors on real things owned by the right people (member A's post, coordinator A's notice…)
//! with valid bodies, so that a 2xx against a 403 is the policy speaking, not a parameter
//! check. An operation of the document without a row in [`EXPECTED`] fails the test, and so
//! does a row for an operation the document does not have. Every answer is also checked
//! against the document (status, media type, body schema).
//!
//! Things an actor changes for good (a post deleted, a queue item decided, a sanction lifted)
//! are made afresh for each actor, so that each sees the same situation.

mod requests;
mod world;

use crate::contract::Contract;
use world::world;

/// The actors, in the order of the columns of [`EXPECTED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Actor {
    Visitor,
    Unconfirmed,
    MemberA,
    MemberB,
    Silenced,
    Suspended,
    CoordinatorA,
    CoordinatorB,
    Moderator,
    Admin,
}

const ACTORS: [Actor; 10] = [
    Actor::Visitor,
    Actor::Unconfirmed,
    Actor::MemberA,
    Actor::MemberB,
    Actor::Silenced,
    Actor::Suspended,
    Actor::CoordinatorA,
    Actor::CoordinatorB,
    Actor::Moderator,
    Actor::Admin,
];

/// The expected status of each operation for each actor, in the order it is tried. Columns:
/// visitor, unconfirmed member (a registration waiting for its link: no account, so no token,
/// and a visitor's answers everywhere), member A, member B, silenced member, suspended member
/// (whose token stopped working), coordinator A, coordinator B, moderator, administrator.
#[rustfmt::skip]
const EXPECTED: &[(&str, [u16; 10])] = &[
    //                                                            vis  unc  mA   mB   sil  sus  cA   cB   mod  adm
    ("GET /health/live",                                         [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /health/ready",                                        [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /metrics",                                             [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    // accounts and sessions: open to all; each actor acts on its own account
    ("POST /api/v1/accounts",                                    [202, 202, 202, 202, 202, 202, 202, 202, 202, 202]),
    ("POST /api/v1/accounts/verify",                             [422, 422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("POST /api/v1/accounts/verify/resend",                      [202, 202, 202, 202, 202, 202, 202, 202, 202, 202]),
    ("POST /api/v1/password-resets",                             [202, 202, 202, 202, 202, 202, 202, 202, 202, 202]),
    ("POST /api/v1/password-resets/confirm",                     [422, 422, 422, 422, 422, 422, 422, 422, 422, 422]),
    // staff have two-factor authentication on (see the harness): their password gives a challenge
    ("POST /api/v1/sessions",                                    [401, 401, 200, 200, 200, 403, 200, 200, 202, 202]),
    ("POST /api/v1/sessions/two-factor",                         [401, 401, 401, 401, 401, 401, 401, 401, 200, 200]),
    ("POST /api/v1/sessions/refresh",                            [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    // one's sessions and two-factor authentication (each on the actor's own account)
    ("GET /api/v1/me/sessions",                                  [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("DELETE /api/v1/me/sessions/{id}",                          [401, 401, 204, 204, 204, 401, 204, 204, 204, 204]),
    ("DELETE /api/v1/me/sessions",                               [401, 401, 204, 204, 204, 401, 204, 204, 204, 204]),
    ("GET /api/v1/me/two-factor",                                [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/me/two-factor",                               [401, 401, 200, 200, 200, 401, 200, 200, 409, 409]),
    ("POST /api/v1/me/two-factor/confirm",                       [401, 401, 422, 422, 422, 401, 422, 422, 409, 409]),
    ("POST /api/v1/me/two-factor/recovery-codes",                [401, 401, 409, 409, 409, 401, 409, 409, 422, 422]),
    ("DELETE /api/v1/me/two-factor",                             [401, 401, 422, 422, 422, 401, 422, 422, 422, 422]),
    ("GET /api/v1/me",                                           [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("PATCH /api/v1/me",                                         [401, 401, 200, 200, 403, 401, 200, 200, 200, 200]),
    ("POST /api/v1/me/password",                                 [401, 401, 422, 422, 422, 401, 422, 422, 422, 422]),
    ("GET /api/v1/me/export",                                    [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("GET /api/v1/users/{id}",                                   [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("GET /api/v1/admin/users/{id}",                             [401, 401, 403, 403, 403, 401, 403, 403, 403, 200]),
    ("GET /api/v1/admin/users/{id}/export",                      [401, 401, 403, 403, 403, 401, 403, 403, 403, 200]),
    ("GET /api/v1/admin/access-log",                             [401, 401, 403, 403, 403, 401, 403, 403, 403, 200]),
    // forum
    ("GET /api/v1/boards",                                       [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/boards",                                      [401, 401, 403, 403, 403, 401, 403, 403, 403, 201]),
    ("GET /api/v1/boards/{slug}",                                [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("PATCH /api/v1/boards/{slug}",                              [401, 401, 403, 403, 403, 401, 403, 403, 403, 200]),
    ("GET /api/v1/boards/{slug}/threads",                        [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/boards/{slug}/threads",                       [401, 401, 201, 201, 403, 401, 201, 201, 201, 201]),
    ("GET /api/v1/threads/{id}",                                 [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("PATCH /api/v1/threads/{id}",                               [401, 401, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("GET /api/v1/threads/{id}/posts",                           [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/threads/{id}/posts",                          [401, 401, 201, 201, 403, 401, 201, 201, 201, 201]),
    ("PATCH /api/v1/posts/{id}",                                 [401, 401, 200, 403, 403, 401, 403, 403, 403, 403]),
    ("GET /api/v1/posts/{id}/revisions",                         [401, 401, 200, 403, 403, 401, 403, 403, 200, 200]),
    ("DELETE /api/v1/posts/{id}",                                [401, 401, 204, 403, 403, 401, 403, 403, 403, 403]),
    ("PUT /api/v1/posts/{id}/reactions/{kind}",                  [401, 401, 403, 200, 403, 401, 200, 200, 200, 200]),
    ("DELETE /api/v1/posts/{id}/reactions/{kind}",               [401, 401, 403, 200, 403, 401, 200, 200, 200, 200]),
    ("POST /api/v1/posts/{id}/flags",                            [401, 401, 403, 201, 403, 401, 201, 201, 201, 201]),
    ("GET /api/v1/search",                                       [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    // following: every account that may sign in, silenced ones too
    ("PUT /api/v1/threads/{id}/tracking",                        [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("PUT /api/v1/boards/{slug}/tracking",                       [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/threads/{id}/read",                           [401, 401, 204, 204, 204, 401, 204, 204, 204, 204]),
    ("GET /api/v1/me/digest",                                    [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("PUT /api/v1/me/digest",                                    [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    // moderation
    ("GET /api/v1/moderation/queue",                             [401, 401, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("GET /api/v1/moderation/queue/{id}",                        [401, 401, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("POST /api/v1/moderation/queue/{id}/claim",                 [401, 401, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("POST /api/v1/moderation/queue/{id}/release",               [401, 401, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("POST /api/v1/moderation/queue/{id}/decision",              [401, 401, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("GET /api/v1/moderation/users/{id}/sanctions",              [401, 401, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("POST /api/v1/moderation/users/{id}/sanctions",             [401, 401, 403, 403, 403, 401, 403, 403, 201, 201]),
    ("DELETE /api/v1/moderation/users/{id}/sanctions/{sid}",     [401, 401, 403, 403, 403, 401, 403, 403, 204, 204]),
    ("GET /api/v1/moderation/users/{id}/notes",                  [401, 401, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("POST /api/v1/moderation/users/{id}/notes",                 [401, 401, 403, 403, 403, 401, 403, 403, 201, 201]),
    ("GET /api/v1/moderation/watched-words",                     [401, 401, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("POST /api/v1/moderation/watched-words",                    [401, 401, 403, 403, 403, 401, 403, 403, 201, 201]),
    ("DELETE /api/v1/moderation/watched-words/{id}",             [401, 401, 403, 403, 403, 401, 403, 403, 204, 204]),
    ("GET /api/v1/moderation/log",                               [401, 401, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("GET /api/v1/modlog",                                       [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST /api/v1/appeals",                                     [401, 401, 201, 404, 404, 401, 404, 404, 404, 404]),
    // notifications
    ("GET /api/v1/notifications",                                [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/notifications/read",                          [401, 401, 204, 204, 204, 401, 204, 204, 204, 204]),
    // ignoring members: every account that may sign in, silenced ones too
    ("GET /api/v1/me/ignored",                                   [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("PUT /api/v1/me/ignored/{user_id}",                         [401, 401, 204, 204, 204, 401, 204, 204, 204, 204]),
    ("DELETE /api/v1/me/ignored/{user_id}",                      [401, 401, 204, 204, 204, 401, 204, 204, 204, 204]),
    // bookmarks: every account that may sign in, silenced ones too; each keeps a fresh post
    ("GET /api/v1/me/bookmarks",                                 [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/me/bookmarks",                                [401, 401, 201, 201, 201, 401, 201, 201, 201, 201]),
    ("PATCH /api/v1/me/bookmarks/{id}",                          [401, 401, 200, 404, 404, 401, 404, 404, 404, 404]),
    ("DELETE /api/v1/me/bookmarks/{id}",                         [401, 401, 204, 404, 404, 401, 404, 404, 404, 404]),
    // private messages: a conversation of member A and member B is theirs alone (404 to anyone
    // else, staff included); silenced members read and answer nothing but may not write
    ("GET /api/v1/me/message-settings",                          [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("PATCH /api/v1/me/message-settings",                        [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("GET /api/v1/conversations",                                [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/conversations",                               [401, 401, 201, 201, 403, 401, 201, 201, 201, 201]),
    ("GET /api/v1/conversations/{id}",                           [401, 401, 200, 200, 404, 401, 404, 404, 404, 404]),
    ("GET /api/v1/conversations/{id}/messages",                  [401, 401, 200, 200, 404, 401, 404, 404, 404, 404]),
    ("POST /api/v1/conversations/{id}/messages",                 [401, 401, 201, 201, 403, 401, 404, 404, 404, 404]),
    ("POST /api/v1/conversations/{id}/read",                     [401, 401, 204, 204, 404, 401, 404, 404, 404, 404]),
    ("POST /api/v1/conversations/{id}/accept",                   [401, 401, 200, 200, 403, 401, 404, 404, 404, 404]),
    ("POST /api/v1/conversations/{id}/decline",                  [401, 401, 409, 204, 404, 401, 404, 404, 404, 404]),
    ("POST /api/v1/conversations/{id}/leave",                    [401, 401, 204, 204, 404, 401, 404, 404, 404, 404]),
    ("POST /api/v1/messages/{id}/report",                        [401, 401, 422, 201, 404, 401, 404, 404, 404, 404]),
    // trials
    ("POST /api/v1/coordinator-applications",                    [401, 401, 201, 201, 403, 401, 409, 409, 409, 409]),
    ("GET /api/v1/admin/coordinator-applications",               [401, 401, 403, 403, 403, 401, 403, 403, 403, 200]),
    ("POST /api/v1/admin/coordinator-applications/{id}/decision",[401, 401, 403, 403, 403, 401, 403, 403, 403, 200]),
    ("GET /api/v1/trials",                                       [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/trials",                                      [401, 401, 403, 403, 403, 401, 201, 201, 403, 201]),
    ("POST /api/v1/trials/import",                               [401, 401, 403, 403, 403, 401, 201, 201, 403, 201]),
    ("GET /api/v1/me/trials",                                    [401, 401, 403, 403, 403, 401, 200, 200, 403, 200]),
    ("GET /api/v1/trials/{id}",                                  [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("PATCH /api/v1/trials/{id}",                                [401, 401, 403, 403, 403, 401, 200, 404, 403, 200]),
    ("POST /api/v1/trials/{id}/submit",                          [401, 401, 403, 403, 403, 401, 200, 404, 403, 200]),
    ("POST /api/v1/trials/{id}/close",                           [401, 401, 403, 403, 403, 401, 200, 403, 403, 200]),
    ("DELETE /api/v1/trials/{id}",                               [401, 401, 403, 403, 403, 401, 204, 404, 403, 204]),
    ("POST /api/v1/trials/{id}/interest",                        [401, 401, 201, 201, 403, 401, 409, 201, 201, 201]),
    ("DELETE /api/v1/trials/{id}/interest",                      [401, 401, 204, 204, 404, 401, 404, 204, 204, 204]),
    ("GET /api/v1/trials/{id}/interests",                        [401, 401, 403, 403, 403, 401, 200, 403, 403, 403]),
    ("PATCH /api/v1/trials/{id}/interests/{interest_id}",        [401, 401, 403, 403, 403, 401, 200, 403, 403, 403]),
    ("GET /api/v1/trials/{id}/revisions",                        [401, 401, 403, 403, 403, 401, 200, 403, 403, 200]),
    ("PUT /api/v1/trials/{id}/watch",                            [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("DELETE /api/v1/trials/{id}/watch",                         [401, 401, 204, 204, 204, 401, 204, 204, 204, 204]),
    ("GET /api/v1/me/trial-interests",                           [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("GET /api/v1/me/trial-alerts",                              [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/me/trial-alerts",                             [401, 401, 201, 201, 201, 401, 201, 201, 201, 201]),
    ("DELETE /api/v1/me/trial-alerts/{id}",                      [401, 401, 204, 404, 404, 401, 404, 404, 404, 404]),
    // the private health profile: each actor only ever reaches its own (no route takes anyone
    // else's, for staff neither); the pre-check reads the caller's own profile
    ("PUT /api/v1/me/health-profile",                            [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("GET /api/v1/me/health-profile",                            [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("GET /api/v1/trials/{id}/pre-check",                        [401, 401, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("DELETE /api/v1/me/health-profile",                         [401, 401, 204, 204, 204, 401, 204, 204, 204, 204]),
    // last: these end the caller's account or sessions (a fresh session is used for them)
    ("DELETE /api/v1/me",                                        [401, 401, 422, 422, 422, 401, 422, 422, 422, 422]),
    ("DELETE /api/v1/sessions/current",                          [401, 401, 204, 204, 204, 401, 204, 204, 204, 204]),
    ("DELETE /api/v1/sessions",                                  [401, 401, 204, 204, 204, 401, 204, 204, 204, 204]),
];

#[actix_web::test]
async fn every_operation_answers_each_actor_as_the_policy_says() {
    let world = world().await;
    let contract = Contract::of(&world.app).await;

    // The table and the document list the same operations.
    let documented: Vec<String> = contract
        .operations()
        .iter()
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    let rows: Vec<&str> = EXPECTED.iter().map(|(op, _)| *op).collect();
    let missing: Vec<&String> = documented
        .iter()
        .filter(|op| !rows.contains(&op.as_str()))
        .collect();
    let extra: Vec<&&str> = rows
        .iter()
        .filter(|op| !documented.iter().any(|d| d == *op))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "operations of the document without a row: {missing:?}; rows the document does not have: {extra:?}"
    );

    let mut wrong = Vec::new();
    for (operation, expected) in EXPECTED {
        let (method, template) = operation.split_once(' ').expect("METHOD path");
        let mut seen = [0u16; 10];
        for (column, actor) in ACTORS.into_iter().enumerate() {
            let req = world
                .request(operation, actor)
                .await
                .unwrap_or_else(|| panic!("{operation} has a row but no request"));
            let reply = world.call(actor, req).await;
            seen[column] = reply.status;
            if let Err(e) = contract.check(method, template, &reply) {
                wrong.push(format!(
                    "{operation} as {actor:?}: the answer breaks the document: {e}"
                ));
            }
        }
        if &seen != expected {
            wrong.push(format!(
                "{operation}: expected {expected:?}\n{:>w$}     got {seen:?}",
                "",
                w = operation.len()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "the permission matrix does not hold:\n{}",
        wrong.join("\n")
    );
}
