//! The people and things of the permission matrix: ten actors signed up through the API
//! (coordinators approved by an administrator, a member silenced and one suspended through the
//! moderation sanctions route), and fresh targets made on demand.

use awc::http::Method;
use butterfly::auth::model::Role;
use serde_json::{Value, json};

use super::Actor;
use crate::harness::people::Member;
use crate::harness::{PASSWORD, Reply, TestApp};

/// One signed-up person of the story.
pub(super) struct Person {
    pub(super) account: Member,
    /// The access token the matrix uses.
    pub(super) token: String,
}

/// Everyone and everything the rows act on.
pub(super) struct World {
    pub(super) app: TestApp,
    pub(super) people: Vec<Option<Person>>,
    /// The address of a registration waiting for its confirmation: no account exists yet, so
    /// this actor has no token and is a visitor to everything else.
    pub(super) unconfirmed_email: String,
    pub(super) board: String,
    /// Member A's thread, its first post, a coordinator A notice that is published, and member
    /// A's answer to a second one.
    pub(super) thread: i64,
    pub(super) post: i64,
    pub(super) notice: i64,
    pub(super) answered_notice: i64,
    pub(super) answer: i64,
    /// A sanction on member A (for the appeal).
    pub(super) warning_on_a: i64,
    pub(super) counter: std::cell::Cell<u32>,
}

/// A request of a row.
pub(super) struct Req {
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) body: Option<Value>,
    /// `None`: the actor's token; `Some(t)`: this token (or none) instead.
    pub(super) token: Option<Option<String>>,
}

impl Req {
    pub(super) fn new(method: Method, path: impl Into<String>, body: Option<Value>) -> Self {
        Self {
            method,
            path: path.into(),
            body,
            token: None,
        }
    }
}

pub(super) fn get(path: impl Into<String>) -> Req {
    Req::new(Method::GET, path, None)
}

pub(super) fn post(path: impl Into<String>, body: Value) -> Req {
    Req::new(Method::POST, path, Some(body))
}

pub(super) fn patch(path: impl Into<String>, body: Value) -> Req {
    Req::new(Method::PATCH, path, Some(body))
}

pub(super) fn delete(path: impl Into<String>) -> Req {
    Req::new(Method::DELETE, path, None)
}

pub(super) fn id(body: &Value) -> i64 {
    body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {body}"))
}

pub(super) fn notice_body(registry_id: &str) -> Value {
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
    pub(super) fn person(&self, actor: Actor) -> Option<&Person> {
        self.people[actor as usize].as_ref()
    }

    pub(super) fn token(&self, actor: Actor) -> Option<&str> {
        self.person(actor).map(|p| p.token.as_str())
    }

    pub(super) fn user_id(&self, actor: Actor) -> i64 {
        self.person(actor).expect("an account").account.id
    }

    pub(super) fn unique(&self) -> u32 {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        n
    }

    pub(super) async fn call(&self, who: Actor, req: Req) -> Reply {
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
    pub(super) async fn must(&self, who: Actor, req: Req, status: u16) -> Value {
        let label = format!("{} {}", req.method, req.path);
        let reply = self.call(who, req).await;
        assert_eq!(
            reply.status, status,
            "set-up {label} by {who:?}: {}",
            reply.body
        );
        reply.json()
    }

    pub(super) async fn fresh_post(&self) -> i64 {
        let body = json!({"body": format!("Day {} of the new treatment: steady.", self.unique())});
        id(&self
            .must(
                Actor::MemberA,
                post(format!("/api/v1/threads/{}/posts", self.thread), body),
                201,
            )
            .await)
    }

    /// A conversation member A starts with member B (accepted by her, or still a request):
    /// (conversation id, member A's first message id).
    pub(super) async fn fresh_conversation(&self, accepted: bool) -> (i64, i64) {
        let b = self.user_id(Actor::MemberB);
        let body = json!({"recipients": [b], "body": format!("Hello {}, how are your joints?", self.unique())});
        let created = self
            .must(Actor::MemberA, post("/api/v1/conversations", body), 201)
            .await;
        let conversation = id(&created["conversation"]);
        if accepted {
            self.must(
                Actor::MemberB,
                post(
                    format!("/api/v1/conversations/{conversation}/accept"),
                    json!({}),
                ),
                200,
            )
            .await;
        }
        (conversation, id(&created["message"]))
    }

    pub(super) async fn fresh_thread(&self) -> i64 {
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
    pub(super) async fn fresh_item(&self) -> (i64, i64) {
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

    pub(super) async fn fresh_draft(&self) -> i64 {
        let registry = format!("NCT{:08}", 10_000_000 + self.unique());
        id(&self
            .must(
                Actor::CoordinatorA,
                post("/api/v1/trials", notice_body(&registry)),
                201,
            )
            .await)
    }

    pub(super) async fn fresh_published(&self) -> i64 {
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

    pub(super) async fn fresh_sanction_on_b(&self) -> i64 {
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

    pub(super) async fn fresh_application(&self) -> i64 {
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

    pub(super) async fn fresh_word(&self) -> i64 {
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

    pub(super) async fn fresh_alert_of_a(&self) -> i64 {
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

    /// A bookmark of member A's, of a fresh post.
    pub(super) async fn fresh_bookmark_of_a(&self) -> i64 {
        let post_id = self.fresh_post().await;
        id(&self
            .must(
                Actor::MemberA,
                post("/api/v1/me/bookmarks", json!({"post_id": post_id})),
                201,
            )
            .await)
    }

    /// A new session of the actor's (for operations that end sessions); the stale token of the
    /// suspended member, and none for the visitor.
    pub(super) async fn fresh_session(&self, who: Actor) -> (Option<String>, Option<String>) {
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
}

impl World {
    /// The second step of a sign-in: a real challenge and a fresh code for the actors with
    /// two-factor authentication (staff), a made-up challenge for everyone else.
    pub(super) async fn second_step_body(&self, who: Actor, email: &str) -> Value {
        if self.app.authenticator(email).is_none() || self.person(who).is_none() {
            return json!({"challenge_token": "not-a-challenge", "code": "123456"});
        }
        let challenge = self.app.login(email, PASSWORD).await.expect(202)["challenge_token"]
            .as_str()
            .expect("a challenge")
            .to_owned();
        self.app.second_factor(email).await.body(&challenge)
    }

    /// The id of a new session of the actor's (as the session list shows it to that session);
    /// an id nobody has for those without one.
    pub(super) async fn fresh_session_id(&self, who: Actor) -> i64 {
        let (Some(access), Some(_)) = self.fresh_session(who).await else {
            return 1;
        };
        let page = self
            .app
            .get("/api/v1/me/sessions", Some(&access))
            .await
            .expect(200);
        page["items"]
            .as_array()
            .and_then(|items| items.iter().find(|s| s["current"] == true))
            .and_then(|s| s["id"].as_i64())
            .unwrap_or_else(|| panic!("no current session in {page}"))
    }
}

pub(super) fn application_body() -> Value {
    json!({
        "organization": "Peking Union Medical College Hospital",
        "job_title": "Research coordinator",
        "evidence": "Staff page https://hospital.example.org/staff",
        "registry_ids": ["NCT06121297"]
    })
}

/// Signs up everyone and makes what the rows act on.
pub(super) async fn world() -> World {
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
    let unconfirmed_email = "unconfirmed@example.org".to_owned();
    app.register(&unconfirmed_email, PASSWORD, "New_U")
        .await
        .expect(202);

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
        None,
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
        unconfirmed_email,
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
