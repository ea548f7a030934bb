//! Moderation as the stories use it: flags, the queue and its items, decisions and claims,
//! sanctions, watched words and the log.

use std::collections::BTreeSet;

use awc::http::Method;
use serde_json::{Value, json};

use super::json::{id_of, items};
use super::people::Person;
use super::{Reply, TestApp};

/// `POST /api/v1/posts/{id}/flags` with this body.
pub async fn flag_with(app: &TestApp, token: Option<&str>, post_id: i64, body: &Value) -> Reply {
    app.send(
        Method::POST,
        &format!("/api/v1/posts/{post_id}/flags"),
        token,
        Some(body),
    )
    .await
}

/// Flags a post for `reason`.
pub async fn flag(app: &TestApp, who: &Person, post_id: i64, reason: &str) -> Reply {
    flag_with(app, who.token(), post_id, &json!({"reason": reason})).await
}

/// The queue (first 100 items) with extra query parameters (`&status=…`, `&kind=…`).
pub async fn queue(app: &TestApp, who: &Person, query: &str) -> Vec<Value> {
    items(
        &app.get(
            &format!("/api/v1/moderation/queue?limit=100{query}"),
            who.token(),
        )
        .await
        .expect(200),
    )
}

/// The open items of this kind about this subject, in queue order.
pub async fn open_items(app: &TestApp, who: &Person, kind: &str, subject_id: i64) -> Vec<Value> {
    queue(app, who, &format!("&kind={kind}"))
        .await
        .into_iter()
        .filter(|i| i["kind"] == kind && i["subject_id"] == subject_id)
        .collect()
}

/// The first open item of this kind about this subject, if any.
pub async fn find_item(app: &TestApp, who: &Person, kind: &str, subject_id: i64) -> Option<Value> {
    open_items(app, who, kind, subject_id)
        .await
        .into_iter()
        .next()
}

/// The open item of this kind about this subject (fails the test if there is none).
pub async fn item_for(app: &TestApp, who: &Person, kind: &str, subject_id: i64) -> Value {
    match find_item(app, who, kind, subject_id).await {
        Some(item) => item,
        None => panic!(
            "no open {kind} item about {subject_id} in the queue: {:?}",
            queue(app, who, "").await
        ),
    }
}

/// `POST /api/v1/moderation/queue/{id}/decision` with this body.
pub async fn decide_with(app: &TestApp, who: &Person, item_id: i64, body: &Value) -> Reply {
    app.send(
        Method::POST,
        &format!("/api/v1/moderation/queue/{item_id}/decision"),
        who.token(),
        Some(body),
    )
    .await
}

/// Decides `item` with the version it was read at.
pub async fn decide(
    app: &TestApp,
    who: &Person,
    item: &Value,
    action: &str,
    reason: &str,
) -> Reply {
    decide_with(
        app,
        who,
        id_of(item),
        &json!({"action": action, "reason": reason, "version": item["version"]}),
    )
    .await
}

/// A moderator decides the open item of this kind about this subject (fails the test unless
/// the decision is taken).
pub async fn review(
    app: &TestApp,
    who: &Person,
    kind: &str,
    subject_id: i64,
    action: &str,
    reason: &str,
) -> Value {
    let item = item_for(app, who, kind, subject_id).await;
    decide(app, who, &item, action, reason).await.expect(200)
}

/// `POST /api/v1/moderation/queue/{id}/{how}` (`claim` or `release`).
pub async fn claim(app: &TestApp, who: &Person, item_id: i64, how: &str) -> Reply {
    app.send(
        Method::POST,
        &format!("/api/v1/moderation/queue/{item_id}/{how}"),
        who.token(),
        None,
    )
    .await
}

/// `POST /api/v1/moderation/users/{id}/sanctions` with this body.
pub async fn sanction(app: &TestApp, who: &Person, target: i64, body: &Value) -> Reply {
    app.send(
        Method::POST,
        &format!("/api/v1/moderation/users/{target}/sanctions"),
        who.token(),
        Some(body),
    )
    .await
}

/// Lifts a sanction.
pub async fn lift(app: &TestApp, who: &Person, target: i64, sanction_id: i64) -> Reply {
    app.delete(
        &format!("/api/v1/moderation/users/{target}/sanctions/{sanction_id}"),
        who.token(),
    )
    .await
}

/// Adds a watched word.
pub async fn add_word(app: &TestApp, who: &Person, pattern: &str, action: &str) -> Reply {
    app.send(
        Method::POST,
        "/api/v1/moderation/watched-words",
        who.token(),
        Some(&json!({"pattern": pattern, "action": action})),
    )
    .await
}

/// The moderation log as moderators see it (newest 100 entries).
pub async fn log_entries(app: &TestApp, who: &Person) -> Vec<Value> {
    items(
        &app.get("/api/v1/moderation/log?limit=100", who.token())
            .await
            .expect(200),
    )
}

/// The actions some log entries record.
pub fn actions_in(entries: &[Value]) -> BTreeSet<String> {
    entries
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}
