//! The request of each row for one actor: real ids owned by the right people, valid bodies.

use awc::http::Method;
use serde_json::{Value, json};

use super::Actor;
use super::world::{Req, World, application_body, delete, get, notice_body, patch, post};
use crate::harness::PASSWORD;

impl World {
    /// The request of a row for one actor; `None` for an operation without a row.
    pub(super) async fn request(&self, operation: &str, who: Actor) -> Option<Req> {
        let n = self.unique();
        let (thread, post_id, notice) = (self.thread, self.post, self.notice);
        let a = self.user_id(Actor::MemberA);
        let b = self.user_id(Actor::MemberB);
        let email = match (who, self.person(who)) {
            (Actor::Unconfirmed, _) => self.unconfirmed_email.clone(),
            (_, Some(p)) => p.account.email.clone(),
            (_, None) => "nobody@example.org".into(),
        };
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
            "POST /api/v1/sessions/two-factor" => Req {
                token: Some(None),
                ..post(
                    "/api/v1/sessions/two-factor",
                    self.second_step_body(who, &email).await,
                )
            },
            "GET /api/v1/me/sessions" => get("/api/v1/me/sessions"),
            "DELETE /api/v1/me/sessions/{id}" => {
                let id = self.fresh_session_id(who).await;
                delete(format!("/api/v1/me/sessions/{id}"))
            }
            "DELETE /api/v1/me/sessions" => delete("/api/v1/me/sessions"),
            "GET /api/v1/me/two-factor" => get("/api/v1/me/two-factor"),
            "POST /api/v1/me/two-factor" => {
                post("/api/v1/me/two-factor", json!({"password": PASSWORD}))
            }
            "POST /api/v1/me/two-factor/confirm" => post(
                "/api/v1/me/two-factor/confirm",
                json!({"code": "not-a-code"}),
            ),
            "POST /api/v1/me/two-factor/recovery-codes" => post(
                "/api/v1/me/two-factor/recovery-codes",
                json!({"code": "not-a-code"}),
            ),
            "DELETE /api/v1/me/two-factor" => Req::new(
                Method::DELETE,
                "/api/v1/me/two-factor",
                Some(json!({"password": "not my password"})),
            ),
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
            "PUT /api/v1/threads/{id}/tracking" => Req::new(
                Method::PUT,
                format!("/api/v1/threads/{thread}/tracking"),
                Some(json!({"level": "watching"})),
            ),
            "PUT /api/v1/boards/{slug}/tracking" => Req::new(
                Method::PUT,
                format!("/api/v1/boards/{}/tracking", self.board),
                Some(json!({"level": "muted"})),
            ),
            "GET /api/v1/me/digest" => get("/api/v1/me/digest"),
            "PUT /api/v1/me/digest" => Req::new(
                Method::PUT,
                "/api/v1/me/digest",
                Some(json!({"frequency": "weekly"})),
            ),
            "POST /api/v1/threads/{id}/read" => post(
                format!("/api/v1/threads/{thread}/read"),
                json!({"post_id": post_id}),
            ),
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
            // each actor ignores member B (member B ignores member A)
            "GET /api/v1/me/ignored" => get("/api/v1/me/ignored"),
            "PUT /api/v1/me/ignored/{user_id}" => Req::new(
                Method::PUT,
                format!(
                    "/api/v1/me/ignored/{}",
                    if who == Actor::MemberB { a } else { b }
                ),
                None,
            ),
            "DELETE /api/v1/me/ignored/{user_id}" => delete(format!(
                "/api/v1/me/ignored/{}",
                if who == Actor::MemberB { a } else { b }
            )),
            // member A writes to member B (everyone else writes to member A)
            "GET /api/v1/me/message-settings" => get("/api/v1/me/message-settings"),
            "PATCH /api/v1/me/message-settings" => {
                patch("/api/v1/me/message-settings", json!({"email": false}))
            }
            "GET /api/v1/conversations" => get("/api/v1/conversations"),
            "POST /api/v1/conversations" => post(
                "/api/v1/conversations",
                json!({"recipients": [if who == Actor::MemberA { b } else { a }], "body": format!("Hello, {n}")}),
            ),
            "GET /api/v1/conversations/{id}" => {
                let (id, _) = self.fresh_conversation(true).await;
                get(format!("/api/v1/conversations/{id}"))
            }
            "GET /api/v1/conversations/{id}/messages" => {
                let (id, _) = self.fresh_conversation(true).await;
                get(format!("/api/v1/conversations/{id}/messages"))
            }
            "POST /api/v1/conversations/{id}/messages" => {
                let (id, _) = self.fresh_conversation(true).await;
                post(
                    format!("/api/v1/conversations/{id}/messages"),
                    json!({"body": "Same here."}),
                )
            }
            "POST /api/v1/conversations/{id}/read" => {
                let (id, _) = self.fresh_conversation(true).await;
                post(format!("/api/v1/conversations/{id}/read"), json!({}))
            }
            "POST /api/v1/conversations/{id}/accept" => {
                let (id, _) = self.fresh_conversation(false).await;
                post(format!("/api/v1/conversations/{id}/accept"), json!({}))
            }
            "POST /api/v1/conversations/{id}/decline" => {
                let (id, _) = self.fresh_conversation(false).await;
                post(format!("/api/v1/conversations/{id}/decline"), json!({}))
            }
            "POST /api/v1/conversations/{id}/leave" => {
                let (id, _) = self.fresh_conversation(true).await;
                post(format!("/api/v1/conversations/{id}/leave"), json!({}))
            }
            "POST /api/v1/messages/{id}/report" => {
                let (_, message) = self.fresh_conversation(true).await;
                post(
                    format!("/api/v1/messages/{message}/report"),
                    json!({"reason": "harassment"}),
                )
            }
            "POST /api/v1/notifications/read" => {
                post("/api/v1/notifications/read", json!({"all": true}))
            }
            "GET /api/v1/me/bookmarks" => get("/api/v1/me/bookmarks"),
            "POST /api/v1/me/bookmarks" => post(
                "/api/v1/me/bookmarks",
                json!({"post_id": self.fresh_post().await, "note": "Read again before my appointment"}),
            ),
            "PATCH /api/v1/me/bookmarks/{id}" => patch(
                format!("/api/v1/me/bookmarks/{}", self.fresh_bookmark_of_a().await),
                json!({"note": "Asked at my appointment"}),
            ),
            "DELETE /api/v1/me/bookmarks/{id}" => delete(format!(
                "/api/v1/me/bookmarks/{}",
                self.fresh_bookmark_of_a().await
            )),
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
            "GET /api/v1/trials/{id}/revisions" => {
                get(format!("/api/v1/trials/{notice}/revisions"))
            }
            "PUT /api/v1/trials/{id}/watch" => Req::new(
                Method::PUT,
                format!("/api/v1/trials/{notice}/watch"),
                Some(json!({"email": true})),
            ),
            "DELETE /api/v1/trials/{id}/watch" => delete(format!("/api/v1/trials/{notice}/watch")),
            "GET /api/v1/me/trial-interests" => get("/api/v1/me/trial-interests"),
            "GET /api/v1/me/trial-alerts" => get("/api/v1/me/trial-alerts"),
            "POST /api/v1/me/trial-alerts" => post(
                "/api/v1/me/trial-alerts",
                json!({"name": "Nephritis trials", "filters": {"condition": "nephritis"}}),
            ),
            "DELETE /api/v1/me/trial-alerts/{id}" => delete(format!(
                "/api/v1/me/trial-alerts/{}",
                self.fresh_alert_of_a().await
            )),
            "PUT /api/v1/me/health-profile" => Req::new(
                Method::PUT,
                "/api/v1/me/health-profile",
                Some(
                    json!({"birth_year": 1990, "lupus_nephritis": true, "nephritis_class": "III", "past_treatments": ["cyclophosphamide"]}),
                ),
            ),
            "GET /api/v1/me/health-profile" => get("/api/v1/me/health-profile"),
            "GET /api/v1/trials/{id}/pre-check" => {
                get(format!("/api/v1/trials/{notice}/pre-check"))
            }
            "DELETE /api/v1/me/health-profile" => delete("/api/v1/me/health-profile"),
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
