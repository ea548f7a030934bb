//! The people stories are told about: a signed-in account ([`Person`]) made with a role, or
//! through the sign-up a newcomer goes through; and what they are told in-app.
//!
//! Staff and established members are created directly (as `butterfly admin create-user` does),
//! at trust level 2, so that no new-member limit gets in the way of a story about something
//! else; a [`newcomer`] registers and confirms her address, and starts at trust level 0.

use awc::http::Method;
use butterfly::accounts::model::Role;
use serde_json::{Value, json};

use super::json::items;
use super::{Member, Reply, TestApp, Tokens};

/// A signed-in account.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: i64,
    /// The display name.
    pub name: String,
    pub email: String,
    /// The access token of the session.
    pub access: String,
    /// The refresh token of the session.
    pub refresh: String,
}

impl Person {
    fn signed_in(member: Member, tokens: Tokens) -> Self {
        Self {
            id: member.id,
            name: member.display_name,
            email: member.email,
            access: tokens.access,
            refresh: tokens.refresh,
        }
    }

    /// The access token, as the request helpers take it.
    pub fn token(&self) -> Option<&str> {
        Some(&self.access)
    }
}

/// The address a test gives someone called `name`.
pub fn email_of(name: &str) -> String {
    format!("{}@example.test", name.to_lowercase())
}

/// An active account with this address, name and role (trust level 2), signed in.
pub async fn signed_in(app: &TestApp, email: &str, name: &str, role: Role) -> Person {
    let member = app.member_with_role(email, name, role).await;
    let tokens = app.sign_in(&member.email, &member.password).await;
    Person::signed_in(member, tokens)
}

/// An active account with this role (trust level 2), signed in.
pub async fn with_role(app: &TestApp, name: &str, role: Role) -> Person {
    signed_in(app, &email_of(name), name, role).await
}

/// An established member: no new-member limits or holds.
pub async fn member(app: &TestApp, name: &str) -> Person {
    with_role(app, name, Role::Member).await
}

pub async fn moderator(app: &TestApp, name: &str) -> Person {
    with_role(app, name, Role::Moderator).await
}

pub async fn admin(app: &TestApp, name: &str) -> Person {
    with_role(app, name, Role::Admin).await
}

/// A verified trial coordinator.
pub async fn coordinator(app: &TestApp, name: &str) -> Person {
    with_role(app, name, Role::Coordinator).await
}

/// A member who just signed up at this address (registration and the link in the
/// verification email): trust level 0.
pub async fn signed_up(app: &TestApp, email: &str, name: &str) -> Person {
    let (member, tokens) = app.verified_member(email, name).await;
    Person::signed_in(member, tokens)
}

/// A member who just signed up (see [`signed_up`]).
pub async fn newcomer(app: &TestApp, name: &str) -> Person {
    signed_up(app, &email_of(name), name).await
}

/// `who` chooses the language the service speaks to her in (`en`, `zh-CN`).
pub async fn set_locale(app: &TestApp, who: &Person, locale: &str) {
    let me = app
        .patch_json("/api/v1/me", who.token(), &json!({"locale": locale}))
        .await
        .expect(200);
    assert_eq!(me["locale"], locale, "{me}");
}

/// `DELETE /api/v1/me`: the member leaves (the body carries her password and what becomes of
/// her posts).
pub async fn erase_account(app: &TestApp, token: Option<&str>, body: &Value) -> Reply {
    app.send(Method::DELETE, "/api/v1/me", token, Some(body))
        .await
}

/// `who`'s notifications of this kind (from the first 100), newest first.
pub async fn notifications(app: &TestApp, who: &Person, kind: &str) -> Vec<Value> {
    let page = app
        .get("/api/v1/notifications?limit=100", who.token())
        .await
        .expect(200);
    items(&page)
        .into_iter()
        .filter(|n| n["kind"] == kind)
        .collect()
}
