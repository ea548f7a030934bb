//! Bookmarks, as a member uses them: she keeps a helpful reply about belimumab with a note and
//! a reminder for next week, finds it in her list, gets one notification when the reminder is
//! due, edits the note, clears the reminder and deletes the bookmark. Nobody else sees or
//! touches her bookmarks; a post a moderator removes, or one erased with its author's account,
//! no longer shows its text in her list; her bookmarks are in her export and go with her
//! account; bad input is a 422.

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

use crate::harness::forum::{BOARD, first_post_id, reply, start_thread};
use crate::harness::json::{id_of, items};
use crate::harness::moderation::{flag, review};
use crate::harness::people::{erase_account, member, moderator, notifications};
use crate::harness::{PASSWORD, TestApp};

const BOOKMARKS: &str = "/api/v1/me/bookmarks";

fn in_days(days: i64) -> String {
    (Utc::now() + chrono::Duration::days(days)).to_rfc3339()
}

async fn bookmarks_of(app: &TestApp, token: Option<&str>) -> Vec<Value> {
    items(&app.get(BOOKMARKS, token).await.expect(200))
}

/// Moves every reminder of `user_id` an hour into the past (HTTP cannot make a week pass).
async fn make_reminders_due(app: &TestApp, user_id: i64) {
    let then = (Utc::now().naive_utc() - chrono::Duration::hours(1)).format("%Y-%m-%d %H:%M:%S");
    app.execute_sql(format!(
        "UPDATE bookmarks SET remind_at = '{then}' WHERE user_id = {user_id} AND remind_at IS NOT NULL"
    ))
    .await;
}

/// Waits (up to 10 s) for the worker to turn a due reminder into a notification.
async fn wait_for_reminders(app: &TestApp, who: &crate::harness::people::Person) -> Vec<Value> {
    for _ in 0..200 {
        let found = notifications(app, who, "bookmark_reminder").await;
        if !found.is_empty() {
            return found;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no bookmark reminder arrived within 10 s");
}

#[actix_web::test]
async fn she_keeps_a_helpful_reply_is_reminded_once_then_edits_and_deletes_it() {
    let app = TestApp::spawn_with(|s| s.reminder_interval_ms = 50).await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;
    let thread = start_thread(
        &app,
        &ana,
        BOARD,
        "Starting belimumab",
        "My rheumatologist suggested **belimumab**. Experiences?",
    )
    .await;
    let thread_id = id_of(&thread);
    let helpful = reply(
        &app,
        &ana,
        thread_id,
        "I have been on *belimumab* for a year:\n\nfewer flares, and the infusions are short.",
    )
    .await;
    let post_id = id_of(&helpful);

    // She keeps the reply, with a note and a reminder for next week.
    let created = app
        .post_json_as(
            BOOKMARKS,
            &mei.access,
            &json!({"post_id": post_id, "note": "Ask Dr Li at the next visit", "remind_at": in_days(7)}),
        )
        .await
        .expect(201);
    assert_eq!(created["post_id"], post_id, "{created}");
    assert_eq!(created["thread_id"], thread_id, "{created}");
    assert_eq!(created["available"], true, "{created}");
    assert_eq!(created["thread_title"], "Starting belimumab", "{created}");
    assert_eq!(
        created["excerpt"],
        "I have been on belimumab for a year: fewer flares, and the infusions are short."
    );
    assert_eq!(created["author"]["display_name"], "Ana_Moss", "{created}");
    assert_eq!(created["note"], "Ask Dr Li at the next visit");
    assert!(created["reminded_at"].is_null(), "{created}");
    let id = id_of(&created);

    // The same post twice is a conflict; the thread itself may be kept beside it.
    app.post_json_as(BOOKMARKS, &mei.access, &json!({"post_id": post_id}))
        .await
        .expect_problem(409);
    let whole = app
        .post_json_as(BOOKMARKS, &mei.access, &json!({"thread_id": thread_id}))
        .await
        .expect(201);
    assert!(whole["post_id"].is_null(), "{whole}");
    assert_eq!(
        whole["excerpt"],
        "My rheumatologist suggested belimumab. Experiences?"
    );

    // Her list, newest first.
    let listed = bookmarks_of(&app, mei.token()).await;
    assert_eq!(
        listed.iter().map(id_of).collect::<Vec<_>>(),
        [id_of(&whole), id]
    );
    assert_eq!(listed[1]["remind_at"], created["remind_at"]);

    // A week later the reminder becomes one notification, about the post.
    assert!(
        notifications(&app, &mei, "bookmark_reminder")
            .await
            .is_empty()
    );
    make_reminders_due(&app, mei.id).await;
    let reminders = wait_for_reminders(&app, &mei).await;
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    assert_eq!(reminders[0]["subject_id"], post_id);
    assert_eq!(reminders[0]["thread_id"], thread_id);
    assert_eq!(reminders[0]["detail"], "Ask Dr Li at the next visit");
    // Another pass sends nothing more.
    butterfly::forum::bookmarks::reminders::send_due(app.db())
        .await
        .expect("a pass of the worker");
    assert_eq!(
        notifications(&app, &mei, "bookmark_reminder").await.len(),
        1
    );
    let listed = bookmarks_of(&app, mei.token()).await;
    assert!(!listed[1]["reminded_at"].is_null(), "{:?}", listed[1]);

    // She edits the note, then clears the reminder.
    let edited = app
        .patch_json(
            &format!("{BOOKMARKS}/{id}"),
            mei.token(),
            &json!({"note": "Asked: wait for the next results"}),
        )
        .await
        .expect(200);
    assert_eq!(edited["note"], "Asked: wait for the next results");
    assert!(!edited["remind_at"].is_null(), "{edited}");
    let cleared = app
        .patch_json(
            &format!("{BOOKMARKS}/{id}"),
            mei.token(),
            &json!({"remind_at": null}),
        )
        .await
        .expect(200);
    assert!(cleared["remind_at"].is_null(), "{cleared}");
    assert!(cleared["reminded_at"].is_null(), "{cleared}");
    assert_eq!(cleared["note"], "Asked: wait for the next results");

    // Another member neither sees, changes nor deletes it.
    assert!(bookmarks_of(&app, ana.token()).await.is_empty());
    app.patch_json(
        &format!("{BOOKMARKS}/{id}"),
        ana.token(),
        &json!({"note": "mine now"}),
    )
    .await
    .expect_problem(404);
    app.delete(&format!("{BOOKMARKS}/{id}"), ana.token())
        .await
        .expect_problem(404);

    // She deletes it; it is gone.
    app.delete(&format!("{BOOKMARKS}/{id}"), mei.token())
        .await
        .expect(204);
    app.delete(&format!("{BOOKMARKS}/{id}"), mei.token())
        .await
        .expect_problem(404);
    let listed = bookmarks_of(&app, mei.token()).await;
    assert_eq!(
        listed.iter().map(id_of).collect::<Vec<_>>(),
        [id_of(&whole)]
    );
}

#[actix_web::test]
async fn a_post_removed_by_a_moderator_or_erased_with_its_author_no_longer_shows() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let quack = member(&app, "Quack_Cure").await;
    let leaving = member(&app, "Leaving_Lu").await;
    let mo = moderator(&app, "Mod_Bea").await;
    let thread = start_thread(&app, &mei, BOARD, "Fatigue tips", "What helps you?").await;
    let thread_id = id_of(&thread);
    let bad = reply(
        &app,
        &quack,
        thread_id,
        "Stop your hydroxychloroquine, try herbs.",
    )
    .await;
    let kept = reply(&app, &leaving, thread_id, "Pacing my day with naps helps.").await;
    let theirs = start_thread(
        &app,
        &leaving,
        BOARD,
        "My nephritis story",
        "Diagnosed in 2020.",
    )
    .await;
    for body in [
        json!({"post_id": id_of(&bad)}),
        json!({"post_id": id_of(&kept)}),
        json!({"thread_id": id_of(&theirs)}),
    ] {
        app.post_json_as(BOOKMARKS, &mei.access, &body)
            .await
            .expect(201);
    }

    // A moderator removes the herbs advice: her bookmark stays, without its text.
    flag(&app, &mei, id_of(&bad), "misinformation")
        .await
        .expect(201);
    review(
        &app,
        &mo,
        "flagged_post",
        id_of(&bad),
        "remove",
        "Dangerous advice.",
    )
    .await;
    let listed = bookmarks_of(&app, mei.token()).await;
    let removed = listed
        .iter()
        .find(|b| b["post_id"] == id_of(&bad))
        .expect("the bookmark of the removed post");
    assert_eq!(removed["available"], false, "{removed}");
    assert!(removed["excerpt"].is_null(), "{removed}");
    assert!(removed["thread_title"].is_null(), "{removed}");
    assert!(removed["author"].is_null(), "{removed}");
    assert!(!listed.iter().any(|b| b.to_string().contains("herbs")));
    // What she may not read, she may not bookmark: another member gets 404.
    let ana = member(&app, "Ana_Moss").await;
    app.post_json_as(BOOKMARKS, &ana.access, &json!({"post_id": id_of(&bad)}))
        .await
        .expect_problem(404);

    // Her other author erases the account with the posts: nothing of them shows.
    erase_account(
        &app,
        leaving.token(),
        &json!({"password": PASSWORD, "content": "remove"}),
    )
    .await
    .expect(204);
    let listed = bookmarks_of(&app, mei.token()).await;
    assert_eq!(listed.len(), 3, "{listed:?}");
    for bookmark in &listed {
        let shown = bookmark.to_string();
        assert!(
            !shown.contains("Pacing") && !shown.contains("nephritis") && !shown.contains("2020"),
            "{shown}"
        );
        assert!(!shown.contains("Leaving_Lu"), "{shown}");
    }
}

#[actix_web::test]
async fn her_bookmarks_are_in_her_export_and_go_with_her_account() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;
    let thread = start_thread(&app, &ana, BOARD, "Sun and lupus", "Hats help.").await;
    let post_id = first_post_id(&thread);
    let created = app
        .post_json_as(
            BOOKMARKS,
            &mei.access,
            &json!({"post_id": post_id, "note": "Buy a hat", "remind_at": in_days(30)}),
        )
        .await
        .expect(201);

    let export = app.get("/api/v1/me/export", mei.token()).await.expect(200);
    let exported = export["bookmarks"].as_array().expect("bookmarks section");
    assert_eq!(exported.len(), 1, "{export}");
    assert_eq!(exported[0]["id"], created["id"]);
    assert_eq!(exported[0]["post_id"], post_id);
    assert_eq!(exported[0]["note"], "Buy a hat");
    assert_eq!(exported[0]["remind_at"], created["remind_at"]);

    // Ana keeps the same post: her bookmark stays when Mei leaves.
    app.post_json_as(BOOKMARKS, &ana.access, &json!({"post_id": post_id}))
        .await
        .expect(201);
    erase_account(
        &app,
        mei.token(),
        &json!({"password": PASSWORD, "content": "remove"}),
    )
    .await
    .expect(204);
    assert_eq!(bookmark_count(&app, mei.id).await, 0);
    assert_eq!(bookmark_count(&app, ana.id).await, 1);
    assert_eq!(bookmarks_of(&app, ana.token()).await.len(), 1);
}

/// How many bookmarks the database holds for `user_id`.
async fn bookmark_count(app: &TestApp, user_id: i64) -> i64 {
    use butterfly::db::DbError;
    use butterfly::db::schema::bookmarks;
    use diesel::prelude::*;
    app.db()
        .read(move |conn| {
            bookmarks::table
                .filter(bookmarks::user_id.eq(user_id))
                .count()
                .get_result::<i64>(conn)
                .map_err(DbError::Query)
        })
        .await
        .expect("a count of bookmarks")
}

#[actix_web::test]
async fn bad_bookmarks_are_422_with_the_field_at_fault() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let thread = start_thread(&app, &mei, BOARD, "Flares in winter", "Cold hands again.").await;
    let thread_id = id_of(&thread);
    let post_id = first_post_id(&thread);
    let cases = [
        (
            json!({"post_id": post_id, "thread_id": thread_id}),
            "post_id",
        ),
        (json!({"note": "nothing to keep"}), "post_id"),
        (
            json!({"post_id": post_id, "remind_at": (Utc::now() - chrono::Duration::hours(1)).to_rfc3339()}),
            "remind_at",
        ),
        (
            json!({"post_id": post_id, "remind_at": in_days(400)}),
            "remind_at",
        ),
        (json!({"post_id": post_id, "note": "x".repeat(201)}), "note"),
    ];
    for (body, field) in cases {
        let problem = app
            .post_json_as(BOOKMARKS, &mei.access, &body)
            .await
            .expect_problem(422);
        assert!(problem["errors"][field].is_string(), "{body}: {problem}");
    }
    // Not a time at all, or ids of the wrong type: 422 too.
    for body in [
        json!({"post_id": post_id, "remind_at": "next tuesday"}),
        json!({"post_id": "forty-two"}),
    ] {
        app.post_json_as(BOOKMARKS, &mei.access, &body)
            .await
            .expect_problem(422);
    }
    // A note of exactly 200 characters is fine; so is an unknown post a 404.
    app.post_json_as(
        BOOKMARKS,
        &mei.access,
        &json!({"post_id": post_id, "note": "x".repeat(200)}),
    )
    .await
    .expect(201);
    app.post_json_as(BOOKMARKS, &mei.access, &json!({"post_id": 999_999}))
        .await
        .expect_problem(404);
    let id = id_of(&bookmarks_of(&app, mei.token()).await[0]);
    app.patch_json(
        &format!("{BOOKMARKS}/{id}"),
        mei.token(),
        &json!({"remind_at": "2001-01-01T00:00:00Z"}),
    )
    .await
    .expect_problem(422);
    app.patch_json(
        &format!("{BOOKMARKS}/{id}"),
        mei.token(),
        &json!({"note": "y".repeat(201)}),
    )
    .await
    .expect_problem(422);
}

#[actix_web::test]
async fn her_list_comes_in_pages_and_keeps_anonymous_authors_anonymous() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;
    let thread = start_thread(&app, &mei, BOARD, "Hair loss", "Does it grow back?").await;
    let thread_id = id_of(&thread);
    let anonymous_reply = crate::harness::forum::post_reply(
        &app,
        ana.token(),
        thread_id,
        &json!({"body": "Mine did, after a year.", "anonymous": true}),
    )
    .await
    .expect(201);
    let mut made = Vec::new();
    for body in [
        json!({"thread_id": thread_id}),
        json!({"post_id": first_post_id(&thread)}),
        json!({"post_id": id_of(&anonymous_reply)}),
    ] {
        made.push(id_of(
            &app.post_json_as(BOOKMARKS, &mei.access, &body)
                .await
                .expect(201),
        ));
    }

    // One a page, newest first, until the cursor runs out.
    let mut seen = Vec::new();
    let mut path = format!("{BOOKMARKS}?limit=1");
    loop {
        let page = app.get(&path, mei.token()).await.expect(200);
        seen.extend(items(&page).iter().map(id_of));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{BOOKMARKS}?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made);

    // The anonymous reply is signed "Anonymous member" for her; its author sees herself.
    let listed = bookmarks_of(&app, mei.token()).await;
    let anonymous = &listed[0]["author"];
    assert!(anonymous["id"].is_null(), "{anonymous}");
    assert_eq!(anonymous["display_name"], "Anonymous member");
    assert_eq!(anonymous["anonymous"], true);
    let own = app
        .post_json_as(
            BOOKMARKS,
            &ana.access,
            &json!({"post_id": id_of(&anonymous_reply)}),
        )
        .await
        .expect(201);
    assert_eq!(own["author"]["id"], ana.id, "{own}");
}
