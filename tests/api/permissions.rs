//! Who may do what: every operation of the served OpenAPI document, tried by each of ten
//! actors on real things owned by the right people (member A's post, coordinator A's notice…)
//! with valid bodies, so that a 2xx against a 403 is the policy speaking, not a parameter
//! check. An operation of the document without a row in [`EXPECTED`] fails the test, and so
//! does a row for an operation the document does not have. Every answer is also checked
//! against the document (status, media type, body schema).
//!
//! Things an actor changes for good (a post deleted, a queue item decided, a sanction lifted)
//! are made afresh for each actor, so that each sees the same situation.

use awc::http::Method;
use butterfly::accounts::model::Role;
use serde_json::{Value, json};

use crate::contract::Contract;
use crate::harness::{Member, PASSWORD, Reply, TestApp};

/// The actors, in the order of the columns of [`EXPECTED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Actor {
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
/// visitor, unconfirmed member, member A, member B, silenced member, suspended member
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
    ("POST /api/v1/sessions",                                    [401, 200, 200, 200, 200, 403, 200, 200, 200, 200]),
    ("POST /api/v1/sessions/refresh",                            [401, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("GET /api/v1/me",                                           [401, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("PATCH /api/v1/me",                                         [401, 403, 200, 200, 403, 401, 200, 200, 200, 200]),
    ("POST /api/v1/me/password",                                 [401, 422, 422, 422, 422, 401, 422, 422, 422, 422]),
    ("GET /api/v1/me/export",                                    [401, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("GET /api/v1/users/{id}",                                   [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /api/v1/admin/users/{id}",                             [401, 403, 403, 403, 403, 401, 403, 403, 403, 200]),
    ("GET /api/v1/admin/users/{id}/export",                      [401, 403, 403, 403, 403, 401, 403, 403, 403, 200]),
    ("GET /api/v1/admin/access-log",                             [401, 403, 403, 403, 403, 401, 403, 403, 403, 200]),
    // forum
    ("GET /api/v1/boards",                                       [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST /api/v1/boards",                                      [401, 403, 403, 403, 403, 401, 403, 403, 403, 201]),
    ("GET /api/v1/boards/{slug}",                                [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("PATCH /api/v1/boards/{slug}",                              [401, 403, 403, 403, 403, 401, 403, 403, 403, 200]),
    ("GET /api/v1/boards/{slug}/threads",                        [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/boards/{slug}/threads",                       [401, 403, 201, 201, 403, 401, 201, 201, 201, 201]),
    ("GET /api/v1/threads/{id}",                                 [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("PATCH /api/v1/threads/{id}",                               [401, 403, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("GET /api/v1/threads/{id}/posts",                           [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/threads/{id}/posts",                          [401, 403, 201, 201, 403, 401, 201, 201, 201, 201]),
    ("PATCH /api/v1/posts/{id}",                                 [401, 403, 200, 403, 403, 401, 403, 403, 403, 403]),
    ("GET /api/v1/posts/{id}/revisions",                         [401, 403, 200, 403, 403, 401, 403, 403, 200, 200]),
    ("DELETE /api/v1/posts/{id}",                                [401, 403, 204, 403, 403, 401, 403, 403, 403, 403]),
    ("PUT /api/v1/posts/{id}/reactions/{kind}",                  [401, 403, 403, 200, 403, 401, 200, 200, 200, 200]),
    ("DELETE /api/v1/posts/{id}/reactions/{kind}",               [401, 403, 403, 200, 403, 401, 200, 200, 200, 200]),
    ("POST /api/v1/posts/{id}/flags",                            [401, 403, 403, 201, 403, 401, 201, 201, 201, 201]),
    ("GET /api/v1/search",                                       [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    // moderation
    ("GET /api/v1/moderation/queue",                             [401, 403, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("GET /api/v1/moderation/queue/{id}",                        [401, 403, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("POST /api/v1/moderation/queue/{id}/claim",                 [401, 403, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("POST /api/v1/moderation/queue/{id}/release",               [401, 403, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("POST /api/v1/moderation/queue/{id}/decision",              [401, 403, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("GET /api/v1/moderation/users/{id}/sanctions",              [401, 403, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("POST /api/v1/moderation/users/{id}/sanctions",             [401, 403, 403, 403, 403, 401, 403, 403, 201, 201]),
    ("DELETE /api/v1/moderation/users/{id}/sanctions/{sid}",     [401, 403, 403, 403, 403, 401, 403, 403, 204, 204]),
    ("GET /api/v1/moderation/users/{id}/notes",                  [401, 403, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("POST /api/v1/moderation/users/{id}/notes",                 [401, 403, 403, 403, 403, 401, 403, 403, 201, 201]),
    ("GET /api/v1/moderation/watched-words",                     [401, 403, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("POST /api/v1/moderation/watched-words",                    [401, 403, 403, 403, 403, 401, 403, 403, 201, 201]),
    ("DELETE /api/v1/moderation/watched-words/{id}",             [401, 403, 403, 403, 403, 401, 403, 403, 204, 204]),
    ("GET /api/v1/moderation/log",                               [401, 403, 403, 403, 403, 401, 403, 403, 200, 200]),
    ("GET /api/v1/modlog",                                       [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST /api/v1/appeals",                                     [401, 404, 201, 404, 404, 401, 404, 404, 404, 404]),
    // notifications
    ("GET /api/v1/notifications",                                [401, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/notifications/read",                          [401, 204, 204, 204, 204, 401, 204, 204, 204, 204]),
    // trials
    ("POST /api/v1/coordinator-applications",                    [401, 403, 201, 201, 403, 401, 409, 409, 409, 409]),
    ("GET /api/v1/admin/coordinator-applications",               [401, 403, 403, 403, 403, 401, 403, 403, 403, 200]),
    ("POST /api/v1/admin/coordinator-applications/{id}/decision",[401, 403, 403, 403, 403, 401, 403, 403, 403, 200]),
    ("GET /api/v1/trials",                                       [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/trials",                                      [401, 403, 403, 403, 403, 401, 201, 201, 403, 201]),
    ("POST /api/v1/trials/import",                               [401, 403, 403, 403, 403, 401, 201, 201, 403, 201]),
    ("GET /api/v1/me/trials",                                    [401, 403, 403, 403, 403, 401, 200, 200, 403, 200]),
    ("GET /api/v1/trials/{id}",                                  [200, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("PATCH /api/v1/trials/{id}",                                [401, 403, 403, 403, 403, 401, 200, 404, 403, 200]),
    ("POST /api/v1/trials/{id}/submit",                          [401, 403, 403, 403, 403, 401, 200, 404, 403, 200]),
    ("POST /api/v1/trials/{id}/close",                           [401, 403, 403, 403, 403, 401, 200, 403, 403, 200]),
    ("DELETE /api/v1/trials/{id}",                               [401, 403, 403, 403, 403, 401, 204, 404, 403, 204]),
    ("POST /api/v1/trials/{id}/interest",                        [401, 403, 201, 201, 403, 401, 409, 201, 201, 201]),
    ("DELETE /api/v1/trials/{id}/interest",                      [401, 404, 204, 204, 404, 401, 404, 204, 204, 204]),
    ("GET /api/v1/trials/{id}/interests",                        [401, 403, 403, 403, 403, 401, 200, 403, 403, 403]),
    ("PATCH /api/v1/trials/{id}/interests/{interest_id}",        [401, 403, 403, 403, 403, 401, 200, 403, 403, 403]),
    ("GET /api/v1/me/trial-alerts",                              [401, 200, 200, 200, 200, 401, 200, 200, 200, 200]),
    ("POST /api/v1/me/trial-alerts",                             [401, 403, 201, 201, 201, 401, 201, 201, 201, 201]),
    ("DELETE /api/v1/me/trial-alerts/{id}",                      [401, 404, 204, 404, 404, 401, 404, 404, 404, 404]),
    // last: these end the caller's account or sessions (a fresh session is used for them)
    ("DELETE /api/v1/me",                                        [401, 422, 422, 422, 422, 401, 422, 422, 422, 422]),
    ("DELETE /api/v1/sessions/current",                          [401, 204, 204, 204, 204, 401, 204, 204, 204, 204]),
    ("DELETE /api/v1/sessions",                                  [401, 204, 204, 204, 204, 401, 204, 204, 204, 204]),
];

/// One signed-up person of the story.
struct Person {
    account: Member,
    /// The access token the matrix uses.
    token: String,
}

/// Everyone and everything the rows act on.
struct World {
    app: TestApp,
    people: Vec<Option<Person>>,
    board: String,
    /// Member A's thread, its first post, a coordinator A notice that is published, and member
    /// A's answer to a second one.
    thread: i64,
    post: i64,
    notice: i64,
    answered_notice: i64,
    answer: i64,
    /// A sanction on member A (for the appeal).
    warning_on_a: i64,
    counter: std::cell::Cell<u32>,
}

/// A request of a row.
struct Req {
    method: Method,
    path: String,
    body: Option<Value>,
    /// `None`: the actor's token; `Some(t)`: this token (or none) instead.
    token: Option<Option<String>>,
}

impl Req {
    fn new(method: Method, path: impl Into<String>, body: Option<Value>) -> Self {
        Self {
            method,
            path: path.into(),
            body,
            token: None,
        }
    }
}

fn get(path: impl Into<String>) -> Req {
    Req::new(Method::GET, path, None)
}

fn post(path: impl Into<String>, body: Value) -> Req {
    Req::new(Method::POST, path, Some(body))
}

fn patch(path: impl Into<String>, body: Value) -> Req {
    Req::new(Method::PATCH, path, Some(body))
}

fn delete(path: impl Into<String>) -> Req {
    Req::new(Method::DELETE, path, None)
}

fn id(body: &Value) -> i64 {
    body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {body}"))
}

fn notice_body(registry_id: &str) -> Value {
    json!({
        "registry_id": registry_id,
        "title": "CD19 CAR-T cell therapy for refractory lupus nephritis",
        "summary": "An open-label study.",
        "conditions": ["Lupus Nephritis"],
        "interventions": [{"type": "biological", "name": "CD19 CAR-T cells"}],
        "phase": "phase1_2",
        "recruitment_status": "recruiting",
        "eligibility": {"min_age_years": 18, "max_age_years": 65, "sex": "all", "criteria": "Active lupus nephritis."},
        "sites": [{"facility": "Peking Union Medical College Hospital", "city": "Beijing", "country": "China", "latitude": 39.91, "longitude": 116.41}],
        "contact": {"name": "Study team", "email": "study@hospital.example.org"},
        "sponsor": "PUMCH",
        "recruitment_ends": "2099-12-31"
    })
}

impl World {
    fn person(&self, actor: Actor) -> Option<&Person> {
        self.people[actor as usize].as_ref()
    }

    fn token(&self, actor: Actor) -> Option<&str> {
        self.person(actor).map(|p| p.token.as_str())
    }

    fn user_id(&self, actor: Actor) -> i64 {
        self.person(actor).expect("an account").account.id
    }

    fn unique(&self) -> u32 {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        n
    }

    async fn call(&self, who: Actor, req: Req) -> Reply {
        let token = match req.token {
            Some(token) => token,
            None => self.token(who).map(str::to_owned),
        };
        let body = req.body.map(|b| serde_json::to_vec(&b).expect("JSON"));
        let headers: &[(&str, &str)] = if body.is_some() {
            &[("content-type", "application/json")]
        } else {
            &[]
        };
        self.app
            .request(req.method, &req.path, token.as_deref(), headers, body)
            .await
    }

    /// A request that must succeed, made by `who` for the story's set-up.
    async fn must(&self, who: Actor, req: Req, status: u16) -> Value {
        let label = format!("{} {}", req.method, req.path);
        let reply = self.call(who, req).await;
        assert_eq!(
            reply.status, status,
            "set-up {label} by {who:?}: {}",
            reply.body
        );
        reply.json()
    }

    async fn fresh_post(&self) -> i64 {
        let body = json!({"body": format!("Day {} of the new treatment: steady.", self.unique())});
        id(&self
            .must(
                Actor::MemberA,
                post(format!("/api/v1/threads/{}/posts", self.thread), body),
                201,
            )
            .await)
    }

    async fn fresh_thread(&self) -> i64 {
        let body = json!({"title": format!("Fatigue diary {}", self.unique()), "body": "How do you pace your days?"});
        id(&self
            .must(
                Actor::MemberA,
                post(format!("/api/v1/boards/{}/threads", self.board), body),
                201,
            )
            .await)
    }

    /// A queue item for a fresh post of member A that member B flagged: (id, version).
    async fn fresh_item(&self) -> (i64, i64) {
        let post_id = self.fresh_post().await;
        self.must(
            Actor::MemberB,
            post(
                format!("/api/v1/posts/{post_id}/flags"),
                json!({"reason": "spam"}),
            ),
            201,
        )
        .await;
        let page = self
            .must(
                Actor::Moderator,
                get("/api/v1/moderation/queue?kind=flagged_post&limit=100"),
                200,
            )
            .await;
        let item = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["subject_id"] == post_id)
            .unwrap_or_else(|| panic!("no queue item for post {post_id}: {page}"))
            .clone();
        (id(&item), item["version"].as_i64().expect("a version"))
    }

    async fn fresh_draft(&self) -> i64 {
        let registry = format!("NCT{:08}", 10_000_000 + self.unique());
        id(&self
            .must(
                Actor::CoordinatorA,
                post("/api/v1/trials", notice_body(&registry)),
                201,
            )
            .await)
    }

    async fn fresh_published(&self) -> i64 {
        let trial = self.fresh_draft().await;
        self.must(
            Actor::CoordinatorA,
            post(format!("/api/v1/trials/{trial}/submit"), json!({})),
            200,
        )
        .await;
        let page = self
            .must(
                Actor::Moderator,
                get("/api/v1/moderation/queue?kind=trial_notice&limit=100"),
                200,
            )
            .await;
        let item = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["subject_id"] == trial)
            .unwrap_or_else(|| panic!("no queue item for notice {trial}: {page}"))
            .clone();
        self.must(
            Actor::Moderator,
            post(
                format!("/api/v1/moderation/queue/{}/decision", id(&item)),
                json!({"action": "approve", "reason": "complete", "version": item["version"]}),
            ),
            200,
        )
        .await;
        trial
    }

    async fn fresh_sanction_on_b(&self) -> i64 {
        let target = self.user_id(Actor::MemberB);
        id(&self
            .must(
                Actor::Moderator,
                post(
                    format!("/api/v1/moderation/users/{target}/sanctions"),
                    json!({"kind": "warn", "reason": "tone"}),
                ),
                201,
            )
            .await)
    }

    async fn fresh_application(&self) -> i64 {
        let n = self.unique();
        let applicant = self
            .app
            .member(
                &format!("applicant{n}@example.org"),
                &format!("Applicant_{n}"),
            )
            .await;
        let tokens = self
            .app
            .sign_in(&applicant.email, &applicant.password)
            .await;
        let reply = self
            .app
            .post_json_as(
                "/api/v1/coordinator-applications",
                &tokens.access,
                &application_body(),
            )
            .await;
        id(&reply.expect(201))
    }

    async fn fresh_word(&self) -> i64 {
        let pattern = format!("miracle cure {}", self.unique());
        id(&self
            .must(
                Actor::Admin,
                post(
                    "/api/v1/moderation/watched-words",
                    json!({"pattern": pattern, "action": "flag"}),
                ),
                201,
            )
            .await)
    }

    async fn fresh_alert_of_a(&self) -> i64 {
        id(&self
            .must(
                Actor::MemberA,
                post(
                    "/api/v1/me/trial-alerts",
                    json!({"name": format!("Lupus {}", self.unique()), "filters": {"condition": "lupus"}}),
                ),
                201,
            )
            .await)
    }

    /// A new session of the actor's (for operations that end sessions); the stale token of the
    /// suspended member, and none for the visitor.
    async fn fresh_session(&self, who: Actor) -> (Option<String>, Option<String>) {
        match (who, self.person(who)) {
            (Actor::Visitor, _) | (_, None) => (None, None),
            (Actor::Suspended, Some(p)) => (Some(p.token.clone()), None),
            (_, Some(p)) => {
                let tokens = self
                    .app
                    .sign_in(&p.account.email, &p.account.password)
                    .await;
                (Some(tokens.access), Some(tokens.refresh))
            }
        }
    }

    /// The request of a row for one actor; `None` for an operation without a row.
    async fn request(&self, operation: &str, who: Actor) -> Option<Req> {
        let n = self.unique();
        let (thread, post_id, notice) = (self.thread, self.post, self.notice);
        let a = self.user_id(Actor::MemberA);
        let b = self.user_id(Actor::MemberB);
        let email = self
            .person(who)
            .map(|p| p.account.email.clone())
            .unwrap_or_else(|| "nobody@example.org".into());
        Some(match operation {
            "GET /health/live" => get("/health/live"),
            "GET /health/ready" => get("/health/ready"),
            "GET /metrics" => get("/metrics"),
            "POST /api/v1/accounts" => post(
                "/api/v1/accounts",
                json!({"email": format!("new{n}@example.org"), "password": PASSWORD, "display_name": format!("Newcomer_{n}")}),
            ),
            "POST /api/v1/accounts/verify" => post(
                "/api/v1/accounts/verify",
                json!({"token": "not-a-real-token"}),
            ),
            "POST /api/v1/accounts/verify/resend" => {
                post("/api/v1/accounts/verify/resend", json!({"email": email}))
            }
            "POST /api/v1/password-resets" => {
                post("/api/v1/password-resets", json!({"email": email}))
            }
            "POST /api/v1/password-resets/confirm" => post(
                "/api/v1/password-resets/confirm",
                json!({"token": "not-a-real-token", "new_password": "amber kettle wanders 27"}),
            ),
            "POST /api/v1/sessions" => Req {
                token: Some(None),
                ..post(
                    "/api/v1/sessions",
                    json!({"email": email, "password": PASSWORD}),
                )
            },
            "POST /api/v1/sessions/refresh" => {
                let (_, refresh) = self.fresh_session(who).await;
                Req {
                    token: Some(None),
                    ..post(
                        "/api/v1/sessions/refresh",
                        json!({"refresh_token": refresh.unwrap_or_else(|| "not-a-refresh-token".into())}),
                    )
                }
            }
            "GET /api/v1/me" => get("/api/v1/me"),
            "PATCH /api/v1/me" => patch("/api/v1/me", json!({"bio": "Diagnosed in 2019."})),
            "POST /api/v1/me/password" => post(
                "/api/v1/me/password",
                json!({"current_password": "not my password", "new_password": "amber kettle wanders 27"}),
            ),
            "GET /api/v1/me/export" => get("/api/v1/me/export"),
            "GET /api/v1/users/{id}" => get(format!("/api/v1/users/{a}")),
            "GET /api/v1/admin/users/{id}" => get(format!("/api/v1/admin/users/{a}")),
            "GET /api/v1/admin/users/{id}/export" => get(format!("/api/v1/admin/users/{a}/export")),
            "GET /api/v1/admin/access-log" => get("/api/v1/admin/access-log"),
            "GET /api/v1/boards" => get("/api/v1/boards"),
            "POST /api/v1/boards" => post(
                "/api/v1/boards",
                json!({"slug": format!("board-{n}"), "name": format!("Board {n}")}),
            ),
            "GET /api/v1/boards/{slug}" => get(format!("/api/v1/boards/{}", self.board)),
            "PATCH /api/v1/boards/{slug}" => patch(
                format!("/api/v1/boards/{}", self.board),
                json!({"description": format!("Everyday life, edition {n}")}),
            ),
            "GET /api/v1/boards/{slug}/threads" => {
                get(format!("/api/v1/boards/{}/threads", self.board))
            }
            "POST /api/v1/boards/{slug}/threads" => post(
                format!("/api/v1/boards/{}/threads", self.board),
                json!({"title": format!("Sun sensitivity {n}"), "body": "What sunscreen works for you?"}),
            ),
            "GET /api/v1/threads/{id}" => get(format!("/api/v1/threads/{thread}")),
            "PATCH /api/v1/threads/{id}" => {
                let fresh = self.fresh_thread().await;
                patch(format!("/api/v1/threads/{fresh}"), json!({"pinned": true}))
            }
            "GET /api/v1/threads/{id}/posts" => get(format!("/api/v1/threads/{thread}/posts")),
            "POST /api/v1/threads/{id}/posts" => post(
                format!("/api/v1/threads/{thread}/posts"),
                json!({"body": format!("Thinking of you, {n}.")}),
            ),
            "PATCH /api/v1/posts/{id}" => patch(
                format!("/api/v1/posts/{}", self.fresh_post().await),
                json!({"body": "Edited: steady, with more sleep."}),
            ),
            "GET /api/v1/posts/{id}/revisions" => get(format!("/api/v1/posts/{post_id}/revisions")),
            "DELETE /api/v1/posts/{id}" => {
                delete(format!("/api/v1/posts/{}", self.fresh_post().await))
            }
            "PUT /api/v1/posts/{id}/reactions/{kind}" => Req::new(
                Method::PUT,
                format!("/api/v1/posts/{post_id}/reactions/hug"),
                None,
            ),
            "DELETE /api/v1/posts/{id}/reactions/{kind}" => {
                delete(format!("/api/v1/posts/{post_id}/reactions/hug"))
            }
            "POST /api/v1/posts/{id}/flags" => post(
                format!("/api/v1/posts/{}/flags", self.fresh_post().await),
                json!({"reason": "off_topic"}),
            ),
            "GET /api/v1/search" => get("/api/v1/search?q=treatment"),
            "GET /api/v1/moderation/queue" => get("/api/v1/moderation/queue"),
            "GET /api/v1/moderation/queue/{id}" => get(format!(
                "/api/v1/moderation/queue/{}",
                self.fresh_item().await.0
            )),
            "POST /api/v1/moderation/queue/{id}/claim" => post(
                format!(
                    "/api/v1/moderation/queue/{}/claim",
                    self.fresh_item().await.0
                ),
                json!({}),
            ),
            "POST /api/v1/moderation/queue/{id}/release" => {
                let (item, _) = self.fresh_item().await;
                if matches!(who, Actor::Moderator | Actor::Admin) {
                    self.must(
                        who,
                        post(format!("/api/v1/moderation/queue/{item}/claim"), json!({})),
                        200,
                    )
                    .await;
                }
                post(
                    format!("/api/v1/moderation/queue/{item}/release"),
                    json!({}),
                )
            }
            "POST /api/v1/moderation/queue/{id}/decision" => {
                let (item, version) = self.fresh_item().await;
                post(
                    format!("/api/v1/moderation/queue/{item}/decision"),
                    json!({"action": "dismiss", "reason": "not spam", "version": version}),
                )
            }
            "GET /api/v1/moderation/users/{id}/sanctions" => {
                get(format!("/api/v1/moderation/users/{b}/sanctions"))
            }
            "POST /api/v1/moderation/users/{id}/sanctions" => post(
                format!("/api/v1/moderation/users/{b}/sanctions"),
                json!({"kind": "warn", "reason": "tone"}),
            ),
            "DELETE /api/v1/moderation/users/{id}/sanctions/{sid}" => delete(format!(
                "/api/v1/moderation/users/{b}/sanctions/{}",
                self.fresh_sanction_on_b().await
            )),
            "GET /api/v1/moderation/users/{id}/notes" => {
                get(format!("/api/v1/moderation/users/{b}/notes"))
            }
            "POST /api/v1/moderation/users/{id}/notes" => post(
                format!("/api/v1/moderation/users/{b}/notes"),
                json!({"body": "Second warning about tone."}),
            ),
            "GET /api/v1/moderation/watched-words" => get("/api/v1/moderation/watched-words"),
            "POST /api/v1/moderation/watched-words" => post(
                "/api/v1/moderation/watched-words",
                json!({"pattern": format!("secret remedy {n}"), "action": "hold"}),
            ),
            "DELETE /api/v1/moderation/watched-words/{id}" => delete(format!(
                "/api/v1/moderation/watched-words/{}",
                self.fresh_word().await
            )),
            "GET /api/v1/moderation/log" => get("/api/v1/moderation/log"),
            "GET /api/v1/modlog" => get("/api/v1/modlog"),
            "POST /api/v1/appeals" => post(
                "/api/v1/appeals",
                json!({"subject": {"kind": "sanction", "id": self.warning_on_a}, "text": "I was quoting my doctor, not giving advice."}),
            ),
            "GET /api/v1/notifications" => get("/api/v1/notifications"),
            "POST /api/v1/notifications/read" => {
                post("/api/v1/notifications/read", json!({"all": true}))
            }
            "POST /api/v1/coordinator-applications" => {
                post("/api/v1/coordinator-applications", application_body())
            }
            "GET /api/v1/admin/coordinator-applications" => {
                get("/api/v1/admin/coordinator-applications")
            }
            "POST /api/v1/admin/coordinator-applications/{id}/decision" => post(
                format!(
                    "/api/v1/admin/coordinator-applications/{}/decision",
                    self.fresh_application().await
                ),
                json!({"approve": false, "reason": "no staff page"}),
            ),
            "GET /api/v1/trials" => get("/api/v1/trials?condition=lupus"),
            "POST /api/v1/trials" => post(
                "/api/v1/trials",
                notice_body(&format!("NCT{:08}", 20_000_000 + n)),
            ),
            "POST /api/v1/trials/import" => {
                let mut record: Value = serde_json::from_slice(
                    &std::fs::read(format!(
                        "{}/tests/fixtures/clinicaltrials/NCT06323538.json",
                        env!("CARGO_MANIFEST_DIR")
                    ))
                    .expect("the fixture record"),
                )
                .expect("JSON");
                record["protocolSection"]["identificationModule"]["nctId"] =
                    json!(format!("NCT{:08}", 30_000_000 + n));
                post("/api/v1/trials/import", record)
            }
            "GET /api/v1/me/trials" => get("/api/v1/me/trials"),
            "GET /api/v1/trials/{id}" => get(format!("/api/v1/trials/{notice}")),
            "PATCH /api/v1/trials/{id}" => patch(
                format!("/api/v1/trials/{}", self.fresh_draft().await),
                json!({"sponsor": "Peking Union Medical College Hospital"}),
            ),
            "POST /api/v1/trials/{id}/submit" => post(
                format!("/api/v1/trials/{}/submit", self.fresh_draft().await),
                json!({}),
            ),
            "POST /api/v1/trials/{id}/close" => post(
                format!("/api/v1/trials/{}/close", self.fresh_published().await),
                json!({"reason": "enrolment complete"}),
            ),
            "DELETE /api/v1/trials/{id}" => {
                delete(format!("/api/v1/trials/{}", self.fresh_draft().await))
            }
            "POST /api/v1/trials/{id}/interest" => post(
                format!("/api/v1/trials/{notice}/interest"),
                json!({"consent": true, "share": {"email": true}}),
            ),
            "DELETE /api/v1/trials/{id}/interest" => {
                delete(format!("/api/v1/trials/{notice}/interest"))
            }
            "GET /api/v1/trials/{id}/interests" => {
                get(format!("/api/v1/trials/{}/interests", self.answered_notice))
            }
            "PATCH /api/v1/trials/{id}/interests/{interest_id}" => patch(
                format!(
                    "/api/v1/trials/{}/interests/{}",
                    self.answered_notice, self.answer
                ),
                json!({"status": "contacted"}),
            ),
            "GET /api/v1/me/trial-alerts" => get("/api/v1/me/trial-alerts"),
            "POST /api/v1/me/trial-alerts" => post(
                "/api/v1/me/trial-alerts",
                json!({"name": "Nephritis trials", "filters": {"condition": "nephritis"}}),
            ),
            "DELETE /api/v1/me/trial-alerts/{id}" => delete(format!(
                "/api/v1/me/trial-alerts/{}",
                self.fresh_alert_of_a().await
            )),
            "DELETE /api/v1/me" => Req::new(
                Method::DELETE,
                "/api/v1/me",
                Some(json!({"password": "not my password", "content": "remove"})),
            ),
            "DELETE /api/v1/sessions/current" => Req {
                token: Some(self.fresh_session(who).await.0),
                ..delete("/api/v1/sessions/current")
            },
            "DELETE /api/v1/sessions" => Req {
                token: Some(self.fresh_session(who).await.0),
                ..delete("/api/v1/sessions")
            },
            _ => return None,
        })
    }
}

fn application_body() -> Value {
    json!({
        "organization": "Peking Union Medical College Hospital",
        "job_title": "Research coordinator",
        "evidence": "Staff page https://hospital.example.org/staff",
        "registry_ids": ["NCT06121297"]
    })
}

/// Signs up everyone and makes what the rows act on.
async fn world() -> World {
    let app = TestApp::spawn().await;
    let made = |email: &str, name: &str, role: Role| {
        let app = &app;
        let (email, name) = (email.to_owned(), name.to_owned());
        async move { app.member_with_role(&email, &name, role).await }
    };
    let admin = made("admin@example.org", "Admin_Ada", Role::Admin).await;
    let moderator = made("mod@example.org", "Mod_Sun", Role::Moderator).await;
    let member_a = made("a@example.org", "Member_A", Role::Member).await;
    let member_b = made("b@example.org", "Member_B", Role::Member).await;
    let silenced = made("silenced@example.org", "Quiet_Q", Role::Member).await;
    let suspended = made("suspended@example.org", "Away_S", Role::Member).await;
    let coordinator_a = made("ca@example.org", "Coord_A", Role::Member).await;
    let coordinator_b = made("cb@example.org", "Coord_B", Role::Member).await;
    // Established members: their posts are not held for review as newcomers' are.
    app.execute_sql("UPDATE users SET trust_level = 2").await;
    app.register("unconfirmed@example.org", PASSWORD, "New_U")
        .await
        .expect(202);
    let unconfirmed_token = app.sign_in("unconfirmed@example.org", PASSWORD).await;
    let unconfirmed = Member {
        id: unconfirmed_token.user_id(),
        email: "unconfirmed@example.org".into(),
        password: PASSWORD.into(),
        display_name: "New_U".into(),
    };

    let sign_in = |m: Member| {
        let app = &app;
        async move {
            let tokens = app.sign_in(&m.email, &m.password).await;
            Person {
                account: m,
                token: tokens.access,
            }
        }
    };
    let admin = sign_in(admin).await;
    let moderator = sign_in(moderator).await;

    // Coordinators apply and an administrator approves them; their new role is in new tokens.
    for coordinator in [&coordinator_a, &coordinator_b] {
        let tokens = app.sign_in(&coordinator.email, &coordinator.password).await;
        let applied = app
            .post_json_as(
                "/api/v1/coordinator-applications",
                &tokens.access,
                &application_body(),
            )
            .await
            .expect(201);
        app.post_json_as(
            &format!(
                "/api/v1/admin/coordinator-applications/{}/decision",
                id(&applied)
            ),
            &admin.token,
            &json!({"approve": true, "reason": "staff page checked"}),
        )
        .await
        .expect(200);
    }

    // A silenced member, and a suspended one whose token stops working.
    let suspended_person = sign_in(suspended).await;
    for (target, kind) in [
        (silenced.id, "silence"),
        (suspended_person.account.id, "suspend"),
    ] {
        app.post_json_as(
            &format!("/api/v1/moderation/users/{target}/sanctions"),
            &moderator.token,
            &json!({"kind": kind, "reason": "cooling off"}),
        )
        .await
        .expect(201);
    }

    let people = vec![
        None,
        Some(Person {
            account: unconfirmed,
            token: unconfirmed_token.access,
        }),
        Some(sign_in(member_a).await),
        Some(sign_in(member_b).await),
        Some(sign_in(silenced).await),
        Some(suspended_person),
        Some(sign_in(coordinator_a).await),
        Some(sign_in(coordinator_b).await),
        Some(moderator),
        Some(admin),
    ];
    let mut world = World {
        app,
        people,
        board: String::new(),
        thread: 0,
        post: 0,
        notice: 0,
        answered_notice: 0,
        answer: 0,
        warning_on_a: 0,
        counter: std::cell::Cell::new(0),
    };
    let board = world
        .must(
            Actor::Admin,
            post(
                "/api/v1/boards",
                json!({"slug": "everyday-life", "name": "Everyday life"}),
            ),
            201,
        )
        .await;
    world.board = board["slug"].as_str().expect("a slug").to_owned();
    let thread = world
        .must(
            Actor::MemberA,
            post(
                format!("/api/v1/boards/{}/threads", world.board),
                json!({"title": "Starting a new treatment", "body": "Week one on the new treatment."}),
            ),
            201,
        )
        .await;
    world.thread = id(&thread);
    world.post = thread["first_post"]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no first post id in {thread}"));
    world.notice = world.fresh_published().await;
    world.answered_notice = world.fresh_published().await;
    let answer = world
        .must(
            Actor::MemberA,
            post(
                format!("/api/v1/trials/{}/interest", world.answered_notice),
                json!({"consent": true, "share": {"email": true}}),
            ),
            201,
        )
        .await;
    world.answer = id(&answer);
    let a = world.user_id(Actor::MemberA);
    world.warning_on_a = id(&world
        .must(
            Actor::Moderator,
            post(
                format!("/api/v1/moderation/users/{a}/sanctions"),
                json!({"kind": "warn", "reason": "tone"}),
            ),
            201,
        )
        .await);
    world
}

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
