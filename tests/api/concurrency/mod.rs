//! Requests fired together at every "check, then write": members flagging one post at the same
//! moment, a flag arriving while a moderator decides, double clicks on reactions, two tabs
//! refreshing one session, replies, publications and private messages racing for the same
//! email, limits and one-per-member rules hit by simultaneous requests, one two-factor code or
//! recovery code sent twice at once.
//!
//! On PostgreSQL (READ COMMITTED) these races are real: a check does not see what another
//! transaction has not committed yet. On SQLite the one writer connection serialises them, and
//! the same stories must hold. Each story repeats its race several times, so that it shows.

mod accounts;
mod bookmarks;
mod forum;
mod messages;
mod moderation;
mod staff;
mod trials;
mod two_factor;

use std::future::Future;

use serde_json::{Value, json};

use crate::harness::json::id_of;
use crate::harness::people::Person;
use crate::harness::{Reply, TestApp};

/// How many times each race is run.
const ROUNDS: usize = 8;

/// Sends every request at once and waits for all the answers, in order.
async fn together<F: Future<Output = Reply>>(requests: Vec<F>) -> Vec<Reply> {
    futures_util::future::join_all(requests).await
}

/// The statuses of some answers, sorted.
fn statuses(replies: &[Reply]) -> Vec<u16> {
    let mut all: Vec<u16> = replies.iter().map(|r| r.status).collect();
    all.sort_unstable();
    all
}

/// Fails unless every answer has `status`, showing the others.
#[track_caller]
fn all_answered(replies: &[Reply], status: u16, what: &str) {
    let wrong: Vec<String> = replies
        .iter()
        .filter(|r| r.status != status)
        .map(|r| format!("{} {}", r.status, r.body))
        .collect();
    assert!(
        wrong.is_empty(),
        "{what}: every answer should be {status}; got {wrong:?}"
    );
}

async fn post_as(app: &TestApp, who: &Person, path: &str, body: Value) -> Reply {
    app.post_json_as(path, &who.access, &body).await
}

/// A thread by `author` with `n` replies of hers; returns the thread and the reply ids.
async fn replies_by(app: &TestApp, author: &Person, n: usize) -> (i64, Vec<i64>) {
    let thread = post_as(
        app,
        author,
        "/api/v1/boards/my-story/threads",
        json!({"title": "Week two of the new dose", "body": "How it started."}),
    )
    .await
    .expect(201);
    let thread_id = id_of(&thread);
    let mut ids = Vec::new();
    for i in 0..n {
        let post = post_as(
            app,
            author,
            &format!("/api/v1/threads/{thread_id}/posts"),
            json!({"body": format!("Update number {i}: the fatigue is easing.")}),
        )
        .await
        .expect(201);
        ids.push(id_of(&post));
    }
    (thread_id, ids)
}
