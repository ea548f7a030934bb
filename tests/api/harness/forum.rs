//! The forum as the stories use it: threads, replies, edits, reactions, and what a reader
//! sees of them; and, for what HTTP cannot arrange, time passing for a member's posts and a
//! post given a status directly.

use awc::http::Method;
use serde_json::{Value, json};

use super::json::{id_of, ids, items};
use super::people::Person;
use super::{Reply, TestApp};

/// The board most stories are told on.
pub const BOARD: &str = "my-story";

/// `POST /api/v1/boards/{board}/threads`.
pub async fn post_thread(app: &TestApp, token: Option<&str>, board: &str, body: &Value) -> Reply {
    let path = format!("/api/v1/boards/{board}/threads");
    app.send(Method::POST, &path, token, Some(body)).await
}

/// Starts a thread and returns it with its first post (fails the test unless it is created).
pub async fn start_thread(
    app: &TestApp,
    who: &Person,
    board: &str,
    title: &str,
    body: &str,
) -> Value {
    post_thread(
        app,
        who.token(),
        board,
        &json!({"title": title, "body": body}),
    )
    .await
    .expect(201)
}

/// The id of a thread's first post.
#[track_caller]
pub fn first_post_id(thread: &Value) -> i64 {
    id_of(&thread["first_post"])
}

/// `POST /api/v1/threads/{id}/posts`.
pub async fn post_reply(app: &TestApp, token: Option<&str>, thread_id: i64, body: &Value) -> Reply {
    let path = format!("/api/v1/threads/{thread_id}/posts");
    app.send(Method::POST, &path, token, Some(body)).await
}

/// Replies in a thread and returns the post (fails the test unless it is created).
pub async fn reply(app: &TestApp, who: &Person, thread_id: i64, body: &str) -> Value {
    post_reply(app, who.token(), thread_id, &json!({"body": body}))
        .await
        .expect(201)
}

/// `PATCH /api/v1/posts/{id}` with a new body.
pub async fn edit_post(app: &TestApp, who: &Person, post_id: i64, body: &str) -> Reply {
    app.send(
        Method::PATCH,
        &format!("/api/v1/posts/{post_id}"),
        who.token(),
        Some(&json!({"body": body})),
    )
    .await
}

/// `PUT` (`on`) or `DELETE` `/api/v1/posts/{id}/reactions/{kind}`.
pub async fn react(
    app: &TestApp,
    token: Option<&str>,
    post_id: i64,
    kind: &str,
    on: bool,
) -> Reply {
    let method = if on { Method::PUT } else { Method::DELETE };
    let path = format!("/api/v1/posts/{post_id}/reactions/{kind}");
    app.send(method, &path, token, None).await
}

/// `GET /api/v1/threads/{id}`.
pub async fn get_thread(app: &TestApp, thread_id: i64, token: Option<&str>) -> Reply {
    app.get(&format!("/api/v1/threads/{thread_id}"), token)
        .await
}

/// Every post of a thread, oldest first, as `token` sees them.
pub async fn thread_posts(app: &TestApp, thread_id: i64, token: Option<&str>) -> Vec<Value> {
    app.all_pages(&format!("/api/v1/threads/{thread_id}/posts"), token, 100)
        .await
}

/// The ids of the posts of a thread that `token` sees.
pub async fn visible_post_ids(app: &TestApp, thread_id: i64, token: Option<&str>) -> Vec<i64> {
    ids(&thread_posts(app, thread_id, token).await)
}

/// One post of a thread as `token` sees it (fails the test when it is not there).
pub async fn post_as_seen(
    app: &TestApp,
    thread_id: i64,
    post_id: i64,
    token: Option<&str>,
) -> Value {
    thread_posts(app, thread_id, token)
        .await
        .into_iter()
        .find(|p| id_of(p) == post_id)
        .unwrap_or_else(|| panic!("post {post_id} is not on the page of thread {thread_id}"))
}

/// The first page of a board's threads (up to 100, with extra query parameters such as
/// `&sort=top`) as `token` sees them.
pub async fn board_threads(
    app: &TestApp,
    board: &str,
    query: &str,
    token: Option<&str>,
) -> Vec<Value> {
    items(
        &app.get(
            &format!("/api/v1/boards/{board}/threads?limit=100{query}"),
            token,
        )
        .await
        .expect(200),
    )
}

/// The number of threads a board shows a visitor.
pub async fn board_thread_count(app: &TestApp, board: &str) -> i64 {
    let board = app
        .get(&format!("/api/v1/boards/{board}"), None)
        .await
        .expect(200);
    board["thread_count"]
        .as_i64()
        .unwrap_or_else(|| panic!("no thread_count in {board}"))
}

/// Makes time pass for a member's posts: moves every post of `author_id` back by `seconds`
/// (HTTP cannot make time pass, and the new-member wait is not what most stories are about).
pub async fn age_posts(app: &TestApp, author_id: i64, seconds: i64) {
    let then = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(seconds);
    let then = then.format("%Y-%m-%d %H:%M:%S");
    app.execute_sql(format!(
        "UPDATE posts SET created_at = '{then}' WHERE author_id = {author_id}"
    ))
    .await;
}

/// Gives a post the status a moderation decision would (`held`, `hidden`, `removed`).
pub async fn set_post_status(app: &TestApp, post_id: i64, status: &str) {
    app.execute_sql(format!(
        "UPDATE posts SET status = '{status}' WHERE id = {post_id}"
    ))
    .await;
}
