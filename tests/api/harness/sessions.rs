//! A member's sessions as she manages them: signing in from a named client, her list of
//! sessions, ending one.

use awc::http::Method;
use serde_json::{Value, json};

use super::{PASSWORD, Reply, TestApp, Tokens};

impl TestApp {
    /// Signs in with these extra headers (a `User-Agent`, an `X-Forwarded-For`).
    pub async fn sign_in_from(&self, email: &str, headers: &[(&str, &str)]) -> Tokens {
        let body =
            serde_json::to_vec(&json!({"email": email, "password": PASSWORD})).expect("JSON");
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        let reply = self
            .request(Method::POST, "/api/v1/sessions", None, &all, Some(body))
            .await;
        Tokens::from_body(reply.expect(200))
    }

    /// `POST /api/v1/sessions` from `client` (through the trusted proxy's `X-Forwarded-For`),
    /// whatever the answer.
    pub async fn login_from(&self, client: &str, email: &str, password: &str) -> Reply {
        let body =
            serde_json::to_vec(&json!({"email": email, "password": password})).expect("JSON");
        let headers = [
            ("content-type", "application/json"),
            ("x-forwarded-for", client),
        ];
        self.request(Method::POST, "/api/v1/sessions", None, &headers, Some(body))
            .await
    }

    /// `GET /api/v1/me/sessions`: the first page of the caller's open sessions.
    pub async fn sessions(&self, access: &str) -> Vec<Value> {
        let page = self
            .get("/api/v1/me/sessions", Some(access))
            .await
            .expect(200);
        page["items"].as_array().expect("items").clone()
    }

    /// `DELETE /api/v1/me/sessions/{id}`.
    pub async fn revoke_session(&self, access: &str, id: i64) -> Reply {
        self.delete(&format!("/api/v1/me/sessions/{id}"), Some(access))
            .await
    }
}
