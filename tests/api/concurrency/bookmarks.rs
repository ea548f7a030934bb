//! Bookmarks made twice at once, and reminders sent by two servers at once.

use butterfly::auth::model::Role;
use serde_json::json;

use super::{ROUNDS, post_as, replies_by, statuses, together};
use crate::harness::TestApp;
use crate::harness::json::items;
use crate::harness::people::{notifications, with_role};

#[actix_web::test]
async fn a_double_click_on_bookmark_keeps_one_bookmark() {
    let app = TestApp::spawn().await;
    let author = with_role(&app, "Oli_Author", Role::Member).await;
    let reader = with_role(&app, "Pia_Reader", Role::Member).await;
    let (thread_id, posts) = replies_by(&app, &author, ROUNDS).await;
    for &post_id in &posts {
        let answers = together(
            (0..2)
                .map(|_| {
                    post_as(
                        &app,
                        &reader,
                        "/api/v1/me/bookmarks",
                        json!({"post_id": post_id}),
                    )
                })
                .collect(),
        )
        .await;
        assert_eq!(statuses(&answers), [201, 409], "post {post_id}");
    }
    let thread_answers = together(
        (0..2)
            .map(|_| {
                post_as(
                    &app,
                    &reader,
                    "/api/v1/me/bookmarks",
                    json!({"thread_id": thread_id}),
                )
            })
            .collect(),
    )
    .await;
    assert_eq!(statuses(&thread_answers), [201, 409]);
    let page = app
        .get("/api/v1/me/bookmarks?limit=100", reader.token())
        .await
        .expect(200);
    assert_eq!(items(&page).len(), posts.len() + 1, "{page}");
}

#[actix_web::test]
async fn two_servers_sending_reminders_at_once_send_each_one_once() {
    let app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    let author = with_role(&app, "Oli_Author", Role::Member).await;
    let reader = with_role(&app, "Pia_Reader", Role::Member).await;
    let (_, posts) = replies_by(&app, &author, ROUNDS).await;
    let next_week = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    for &post_id in &posts {
        post_as(
            &app,
            &reader,
            "/api/v1/me/bookmarks",
            json!({"post_id": post_id, "remind_at": next_week}),
        )
        .await
        .expect(201);
    }
    let then =
        (chrono::Utc::now().naive_utc() - chrono::Duration::hours(1)).format("%Y-%m-%d %H:%M:%S");
    app.execute_sql(format!(
        "UPDATE bookmarks SET remind_at = '{then}' WHERE user_id = {}",
        reader.id
    ))
    .await;
    // Both servers' passes at once (their own workers may run too).
    let passes = futures_util::future::join_all([
        butterfly::forum::bookmarks::reminders::send_due(app.db()),
        butterfly::forum::bookmarks::reminders::send_due(sibling.db()),
        butterfly::forum::bookmarks::reminders::send_due(app.db()),
        butterfly::forum::bookmarks::reminders::send_due(sibling.db()),
    ])
    .await;
    for pass in passes {
        pass.expect("a pass of the reminders");
    }
    let mut subjects: Vec<i64> = notifications(&app, &reader, "bookmark_reminder")
        .await
        .iter()
        .map(|n| n["subject_id"].as_i64().expect("subject id"))
        .collect();
    subjects.sort_unstable();
    assert_eq!(subjects, posts, "one reminder per bookmark");
}
