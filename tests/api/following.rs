//! Following threads and boards, as members live it: the author of a thread watches it and
//! hears of every reply; replying to a thread tracks it, so its unread posts are counted in
//! the thread list and on its board until she marks it read; watching a board brings its
//! new threads, watching a thread its new posts; muting a thread or a board silences it
//! entirely, mentions included. Visitors see none of it.

use std::time::{Duration, Instant};

use butterfly::db::DbError;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::harness::database::Count;
use crate::harness::forum::{BOARD, board_threads, reply, start_thread};
use crate::harness::people::{Person, member, notifications};

fn id(value: &Value) -> i64 {
    value["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {value}"))
}

async fn track(app: &TestApp, who: &Person, path: &str, level: &str) {
    let answer = app
        .send(
            awc::http::Method::PUT,
            path,
            who.token(),
            Some(&json!({"level": level})),
        )
        .await
        .expect(200);
    assert_eq!(answer["level"], level, "{answer}");
}

async fn thread_as(app: &TestApp, who: Option<&Person>, thread_id: i64) -> Value {
    app.get(
        &format!("/api/v1/threads/{thread_id}"),
        who.and_then(Person::token),
    )
    .await
    .expect(200)
}

async fn unread_threads_on(app: &TestApp, who: &Person, board: &str) -> i64 {
    let boards = app.get("/api/v1/boards", who.token()).await.expect(200);
    boards
        .as_array()
        .expect("boards")
        .iter()
        .find(|b| b["slug"] == board)
        .and_then(|b| b["unread_threads"].as_i64())
        .unwrap_or_else(|| panic!("no unread count for {board}: {boards}"))
}

#[actix_web::test]
async fn a_reply_tracks_the_thread_and_its_unread_posts_are_counted_until_she_reads_them() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;
    let bo = member(&app, "Bo_Reed").await;

    let thread = start_thread(
        &app,
        &mei,
        BOARD,
        "Fatigue after infusions",
        "Day two is the worst.",
    )
    .await;
    let thread_id = id(&thread);
    // The author watches what she starts.
    let hers = thread_as(&app, Some(&mei), thread_id).await;
    assert_eq!(hers["tracking"], "watching", "{hers}");
    assert_eq!(hers["unread_count"], 0, "{hers}");

    // Ana replies: she now tracks the thread, and has read it up to her reply.
    reply(&app, &ana, thread_id, "Same for me, I plan a quiet day.").await;
    let anas = thread_as(&app, Some(&ana), thread_id).await;
    assert_eq!(anas["tracking"], "tracking", "{anas}");
    assert_eq!(anas["unread_count"], 0, "{anas}");
    assert_eq!(notifications(&app, &mei, "reply_to_thread").await.len(), 1);

    // Bo's two replies are unread for Ana, on the thread list and on the board.
    let first = reply(&app, &bo, thread_id, "Hydration helps me.").await;
    let last = reply(&app, &bo, thread_id, "And a short walk.").await;
    let listed = board_threads(&app, BOARD, "", ana.token()).await;
    let seen = listed.iter().find(|t| id(t) == thread_id).expect("listed");
    assert_eq!(seen["unread_count"], 2, "{seen}");
    assert_eq!(unread_threads_on(&app, &ana, BOARD).await, 1);
    // Bo, who only replies (tracking), is not notified of others' posts; Mei, watching, is.
    assert_eq!(notifications(&app, &mei, "reply_to_thread").await.len(), 3);
    assert!(
        notifications(&app, &ana, "watched_thread_post")
            .await
            .is_empty()
    );

    // She reads up to the first of them, then to the last: the counts follow, never back.
    let read = format!("/api/v1/threads/{thread_id}/read");
    app.post_json_as(&read, &ana.access, &json!({"post_id": id(&first)}))
        .await
        .expect(204);
    assert_eq!(
        thread_as(&app, Some(&ana), thread_id).await["unread_count"],
        1
    );
    app.post_json_as(&read, &ana.access, &json!({"post_id": id(&last)}))
        .await
        .expect(204);
    app.post_json_as(&read, &ana.access, &json!({"post_id": id(&first)}))
        .await
        .expect(204);
    assert_eq!(
        thread_as(&app, Some(&ana), thread_id).await["unread_count"],
        0
    );
    assert_eq!(unread_threads_on(&app, &ana, BOARD).await, 0);

    // A post of another thread is not a read mark for this one.
    let other = start_thread(&app, &bo, BOARD, "Another question", "About sunscreen.").await;
    let other_post = other["first_post"]["id"].as_i64().expect("post id");
    app.post_json_as(&read, &ana.access, &json!({"post_id": other_post}))
        .await
        .expect_problem(404);

    // Visitors see no tracking at all.
    let visitors = thread_as(&app, None, thread_id).await;
    assert!(visitors.get("tracking").is_none(), "{visitors}");
    assert!(visitors.get("unread_count").is_none(), "{visitors}");
    let boards = app.get("/api/v1/boards", None).await.expect(200);
    assert!(boards[0].get("unread_threads").is_none(), "{boards}");

    // Her export shows what she follows.
    let export = app.get("/api/v1/me/export", ana.token()).await.expect(200);
    let followed = export["followed_threads"].as_array().expect("followed");
    assert!(
        followed
            .iter()
            .any(|f| f["thread_id"] == thread_id && f["level"] == "tracking"),
        "{followed:?}"
    );
}

#[actix_web::test]
async fn watching_brings_every_new_post_and_thread_and_muting_silences_even_mentions() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let bo = member(&app, "Bo_Reed").await;
    let dana = member(&app, "Dana_Kim").await;

    // Bo watches the kidneys board: a new thread there reaches him.
    track(&app, &bo, "/api/v1/boards/kidneys/tracking", "watching").await;
    let biopsy = start_thread(
        &app,
        &mei,
        "kidneys",
        "Biopsy results",
        "Class IV, starting treatment.",
    )
    .await;
    let biopsy_id = id(&biopsy);
    let news = notifications(&app, &bo, "watched_board_thread").await;
    assert_eq!(news.len(), 1, "{news:?}");
    assert_eq!(news[0]["thread_id"], biopsy_id);
    // ... and its threads take the board's level: every reply reaches him too.
    reply(&app, &dana, biopsy_id, "Wishing you strength.").await;
    assert_eq!(
        notifications(&app, &bo, "watched_thread_post").await.len(),
        1
    );
    // A thread he chose a level for keeps it.
    track(
        &app,
        &bo,
        &format!("/api/v1/threads/{biopsy_id}/tracking"),
        "normal",
    )
    .await;
    reply(&app, &dana, biopsy_id, "Ask about the induction dose.").await;
    assert_eq!(
        notifications(&app, &bo, "watched_thread_post").await.len(),
        1
    );

    // Mei mutes her own thread: replies and mentions in it reach her no more.
    track(
        &app,
        &mei,
        &format!("/api/v1/threads/{biopsy_id}/tracking"),
        "muted",
    )
    .await;
    let before = notifications(&app, &mei, "reply_to_thread").await.len();
    reply(&app, &dana, biopsy_id, "@Mei_Lin how did the infusion go?").await;
    assert_eq!(
        notifications(&app, &mei, "reply_to_thread").await.len(),
        before
    );
    assert!(notifications(&app, &mei, "mention").await.is_empty());

    // Dana mutes a whole board: a mention there is silent, elsewhere it arrives.
    track(&app, &dana, "/api/v1/boards/side-effects/tracking", "muted").await;
    let moon = start_thread(
        &app,
        &mei,
        "side-effects",
        "Moon face",
        "@Dana_Kim did yours fade?",
    )
    .await;
    assert!(notifications(&app, &dana, "mention").await.is_empty());
    reply(&app, &mei, biopsy_id, "@Dana_Kim thank you!").await;
    assert_eq!(notifications(&app, &dana, "mention").await.len(), 1);
    let boards = app.get("/api/v1/boards", dana.token()).await.expect(200);
    let muted = boards
        .as_array()
        .expect("boards")
        .iter()
        .find(|b| b["slug"] == "side-effects")
        .expect("side-effects");
    assert_eq!(muted["tracking"], "muted", "{muted}");
    assert_eq!(
        thread_as(&app, Some(&dana), id(&moon)).await["tracking"],
        "muted"
    );

    // Levels are checked, threads and boards must exist.
    app.send(
        awc::http::Method::PUT,
        "/api/v1/boards/kidneys/tracking",
        bo.token(),
        Some(&json!({"level": "obsessed"})),
    )
    .await
    .expect_problem(422);
    app.send(
        awc::http::Method::PUT,
        "/api/v1/boards/no-such-board/tracking",
        bo.token(),
        Some(&json!({"level": "watching"})),
    )
    .await
    .expect_problem(404);
    app.send(
        awc::http::Method::PUT,
        "/api/v1/threads/999999/tracking",
        bo.token(),
        Some(&json!({"level": "watching"})),
    )
    .await
    .expect_problem(404);
}

#[actix_web::test]
async fn a_weekly_digest_says_there_is_new_activity_once_a_week_and_never_what_was_written() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let bo = member(&app, "Bo_Reed").await;
    let digest = app.get("/api/v1/me/digest", mei.token()).await.expect(200);
    assert_eq!(digest["frequency"], "off", "{digest}");
    let chosen = app
        .send(
            awc::http::Method::PUT,
            "/api/v1/me/digest",
            mei.token(),
            Some(&json!({"frequency": "weekly"})),
        )
        .await
        .expect(200);
    assert_eq!(chosen["frequency"], "weekly");
    crate::harness::people::set_locale(&app, &mei, "zh-CN").await;

    // Activity where she follows: a reply in the thread she started.
    let thread = start_thread(&app, &mei, BOARD, "Belimumab week 12", "Less joint pain.").await;
    reply(&app, &bo, id(&thread), "Glad to hear it, my sister too.").await;

    // Servers that start now send her one digest for this week, whichever of them claims it.
    let digests = format!("to_addr = '{}' AND template = 'activity_digest'", mei.email);
    let first = app.spawn_sibling().await;
    let second = app.spawn_sibling().await;
    app.wait_for_outbox(&digests, 1).await;
    let sent = app.emails_once_sent(&mei.email).await;
    let email = sent
        .iter()
        .find(|e| e.subject().contains("关注"))
        .unwrap_or_else(|| panic!("a digest in Chinese: {sent:?}"));
    assert!(email.contains("/notifications"), "{}", email.text());
    assert!(
        !email.contains("Belimumab") && !email.contains("sister"),
        "{}",
        email.text()
    );

    // Nothing more this week, however much happens: a later pass (seen claiming the digest
    // Dana just chose) sends Mei none; none for Bo, who chose none.
    reply(&app, &bo, id(&thread), "Keep us posted.").await;
    let dana = member(&app, "Dana_Kim").await;
    app.send(
        awc::http::Method::PUT,
        "/api/v1/me/digest",
        dana.token(),
        Some(&json!({"frequency": "daily"})),
    )
    .await
    .expect(200);
    let third = app.spawn_sibling().await;
    wait_until_claimed(&app, dana.id).await;
    assert_eq!(app.outbox_count(&digests).await, 1);
    assert_eq!(app.queued(&bo.email, "activity_digest").await, 0);
    drop((first, second, third));

    // Her export shows her choice; turning it off removes it.
    let export = app.get("/api/v1/me/export", mei.token()).await.expect(200);
    assert_eq!(export["activity_digest"], "weekly");
    app.send(
        awc::http::Method::PUT,
        "/api/v1/me/digest",
        mei.token(),
        Some(&json!({"frequency": "off"})),
    )
    .await
    .expect(200);
    let digest = app.get("/api/v1/me/digest", mei.token()).await.expect(200);
    assert_eq!(digest["frequency"], "off");
}

/// Waits until a server's digest job has claimed `user_id`'s digest for this period.
async fn wait_until_claimed(app: &TestApp, user_id: i64) {
    let start = Instant::now();
    loop {
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM activity_digests \
             WHERE user_id = {user_id} AND last_period IS NOT NULL"
        );
        let claimed = app
            .db()
            .read(move |conn| {
                diesel::sql_query(sql)
                    .get_result::<Count>(conn)
                    .map(|c| c.n)
                    .map_err(DbError::Query)
            })
            .await
            .expect("the digests can be read");
        if claimed == 1 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no server claimed the digest of {user_id}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}
