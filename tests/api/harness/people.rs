//! The people stories are told about: accounts ([`Member`]) and their sessions ([`Tokens`]),
//! the requests that make and use them, a signed-in account ([`Person`]) made with a role or
//! through the sign-up a newcomer goes through, and what they are told in-app.
//!
//! Staff and established members are created directly (as `butterfly admin create-user` does),
//! at trust level 2, so that no new-member limit gets in the way of a story about something
//! else; a [`newcomer`] registers and confirms her address, and starts at trust level 0.

use awc::http::Method;
use butterfly::auth::model::Role;
use serde_json::{Value, json};

use super::json::items;
use super::{PASSWORD, Reply, TestApp};

impl TestApp {
    /// `POST /api/v1/accounts` in English.
    pub async fn register(&self, email: &str, password: &str, display_name: &str) -> Reply {
        self.post_json(
            "/api/v1/accounts",
            &json!({"email": email, "password": password, "display_name": display_name}),
        )
        .await
    }

    /// `POST /api/v1/accounts/verify`.
    pub async fn verify_email(&self, token: &str) -> Reply {
        self.post_json("/api/v1/accounts/verify", &json!({"token": token}))
            .await
    }

    /// `POST /api/v1/sessions`.
    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post_json(
            "/api/v1/sessions",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// Logs in and returns the session's tokens, completing the second step with the account's
    /// authenticator when two-factor authentication is on; fails the test unless the login
    /// succeeds.
    pub async fn sign_in(&self, email: &str, password: &str) -> Tokens {
        let reply = self.login(email, password).await;
        if reply.status != 202 {
            return Tokens::from_body(reply.expect(200));
        }
        let challenge = reply.expect(202)["challenge_token"]
            .as_str()
            .expect("a challenge token")
            .to_owned();
        let factor = self.second_factor(email).await;
        Tokens::from_body(self.complete_sign_in(&challenge, &factor).await.expect(200))
    }

    /// `POST /api/v1/sessions/refresh`.
    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        self.post_json(
            "/api/v1/sessions/refresh",
            &json!({"refresh_token": refresh_token}),
        )
        .await
    }

    /// `GET /api/v1/me`.
    pub async fn me(&self, access_token: &str) -> Reply {
        self.get("/api/v1/me", Some(access_token)).await
    }

    /// The whole sign-up story: register, read the verification email, verify, log in.
    pub async fn verified_member(&self, email: &str, display_name: &str) -> (Member, Tokens) {
        self.register(email, PASSWORD, display_name)
            .await
            .expect(202);
        let token = self.wait_for_email(email).await.token();
        self.verify_email(&token).await.expect(200);
        let tokens = self.sign_in(email, PASSWORD).await;
        let member = Member {
            id: tokens.user_id(),
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
            display_name: display_name.to_owned(),
        };
        (member, tokens)
    }

    /// An active, verified account made directly (as `butterfly admin create-user` does),
    /// without the email round trip, for stories that are not about signing up. Moderators and
    /// administrators turn on two-factor authentication at once (staff powers need it), in a
    /// session of their own.
    pub async fn member_with_role(&self, email: &str, display_name: &str, role: Role) -> Member {
        let member = self.account_with_role(email, display_name, role).await;
        if matches!(role, Role::Moderator | Role::Admin) {
            let tokens = self.sign_in(email, PASSWORD).await;
            self.enrol_two_factor(email, PASSWORD, &tokens.access).await;
        }
        member
    }

    /// An account made as [`TestApp::member_with_role`] does, without two-factor
    /// authentication whatever its role.
    pub async fn account_with_role(&self, email: &str, display_name: &str, role: Role) -> Member {
        let id = butterfly::accounts::service::create_user(
            &self.db,
            email,
            display_name,
            PASSWORD,
            role,
        )
        .await
        .unwrap_or_else(|e| panic!("cannot create the account {email}: {e:?}"));
        Member {
            id,
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
            display_name: display_name.to_owned(),
        }
    }

    /// An active member (see [`TestApp::member_with_role`]).
    pub async fn member(&self, email: &str, display_name: &str) -> Member {
        self.member_with_role(email, display_name, Role::Member)
            .await
    }

    /// An active member, logged in.
    pub async fn signed_in_member(&self, email: &str, display_name: &str) -> (Member, Tokens) {
        let member = self.member(email, display_name).await;
        let tokens = self.sign_in(email, PASSWORD).await;
        (member, tokens)
    }
}

/// An account a test created, with the password it was created with.
#[derive(Clone, Debug)]
pub struct Member {
    pub id: i64,
    pub email: String,
    pub password: String,
    pub display_name: String,
}

/// The tokens of one session, and the whole answer that carried them.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub body: Value,
}

impl Tokens {
    /// Reads a login or refresh answer, checking its shape.
    #[track_caller]
    pub fn from_body(body: Value) -> Self {
        let access = body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access_token in {body}"))
            .to_owned();
        let refresh = body["refresh_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no refresh_token in {body}"))
            .to_owned();
        assert_eq!(body["token_type"], "Bearer", "token_type in {body}");
        assert!(
            body["expires_in"].as_i64().is_some_and(|s| s > 0),
            "expires_in must be a positive number of seconds: {body}"
        );
        for field in ["id", "display_name", "role", "state"] {
            assert!(!body["user"][field].is_null(), "no user.{field} in {body}");
        }
        Self {
            access,
            refresh,
            body,
        }
    }

    #[track_caller]
    pub fn user_id(&self) -> i64 {
        self.body["user"]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("user.id is not an integer in {}", self.body))
    }
}

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
