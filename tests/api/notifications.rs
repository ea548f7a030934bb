//! Notifications: a reply in your thread, an answer to your post and an `@mention` each tell you
//! once, never about your own posts and never about a post you may no longer see; marking them
//! read; and reply emails, which members opt into, arrive in their language at most once per
//! thread per hour.

use serde_json::{Value, json};

use crate::harness::forum::{post_reply, reply, set_post_status, start_thread};
use crate::harness::json::{has_cjk, id_of};
use crate::harness::people::{Person, member};
use crate::harness::{PUBLIC_URL, TestApp};

/// Every notification of `who` (only the unread ones if asked), newest first.
async fn notifications(app: &TestApp, who: &Person, unread: bool) -> Vec<Value> {
    let path = if unread {
        "/api/v1/notifications?unread=true"
    } else {
        "/api/v1/notifications"
    };
    app.all_pages(path, who.token(), 100).await
}

/// The notifications of `who` about one post.
async fn about(app: &TestApp, who: &Person, post: &Value) -> Vec<Value> {
    let post_id = id_of(post);
    notifications(app, who, false)
        .await
        .into_iter()
        .filter(|n| n["subject_id"] == post_id)
        .collect()
}

async fn mark_read(app: &TestApp, who: &Person, body: &Value) -> crate::harness::Reply {
    app.post_json_as("/api/v1/notifications/read", &who.access, body)
        .await
}

#[actix_web::test]
async fn a_reply_and_a_mention_notify_and_members_mark_them_read() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let cleo = member(&app, "Cleo_C").await;
    let dana = member(&app, "Dana_K").await;

    let story = start_thread(
        &app,
        &ana,
        "my-story",
        "Back at work after a flare",
        "Part-time for now.",
    )
    .await;
    let thread_id = id_of(&story);
    assert!(notifications(&app, &ana, false).await.is_empty());

    // Ben replies: Ana hears about it.
    let bens = reply(&app, &ben, thread_id, "Well done, pace yourself.").await;
    let list = notifications(&app, &ana, false).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let first = &list[0];
    assert_eq!(first["kind"], "reply_to_thread");
    assert_eq!(first["subject_id"], id_of(&bens));
    assert_eq!(first["thread_id"], thread_id);
    assert_eq!(first["thread_title"], "Back at work after a flare");
    assert_eq!(first["actor"]["id"], ben.id);
    assert_eq!(first["actor"]["display_name"], "Ben_B");
    assert_eq!(first["read"], false);
    assert!(first["id"].is_i64(), "{first}");

    // Cleo mentions Dana, who has not written in the thread.
    let cleos = reply(
        &app,
        &cleo,
        thread_id,
        "@Dana_K you went through this last year, any advice?",
    )
    .await;
    let for_dana = notifications(&app, &dana, false).await;
    assert_eq!(for_dana.len(), 1, "{for_dana:?}");
    assert_eq!(for_dana[0]["kind"], "mention");
    assert_eq!(for_dana[0]["subject_id"], id_of(&cleos));
    assert_eq!(for_dana[0]["actor"]["display_name"], "Cleo_C");
    // Ana hears about Cleo's reply too, newest first; Ben about nothing.
    let list = notifications(&app, &ana, false).await;
    assert_eq!(
        list.iter()
            .map(|n| n["subject_id"].clone())
            .collect::<Vec<_>>(),
        vec![json!(id_of(&cleos)), json!(id_of(&bens))]
    );
    assert!(notifications(&app, &ben, false).await.is_empty());

    // Reading them.
    assert_eq!(notifications(&app, &ana, true).await.len(), 2);
    let bens_notice = id_of(&list[1]);
    mark_read(&app, &ana, &json!({"ids": [bens_notice]}))
        .await
        .expect(204);
    let unread = notifications(&app, &ana, true).await;
    assert_eq!(unread.len(), 1, "{unread:?}");
    assert_eq!(unread[0]["subject_id"], id_of(&cleos));
    let all = notifications(&app, &ana, false).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[1]["read"], true);
    assert_eq!(all[0]["read"], false);

    mark_read(&app, &ana, &json!({"all": true}))
        .await
        .expect(204);
    assert!(notifications(&app, &ana, true).await.is_empty());
    let all = notifications(&app, &ana, false).await;
    assert_eq!(all.len(), 2, "read notifications stay in the list");
    assert!(all.iter().all(|n| n["read"] == true), "{all:?}");

    // Nobody marks someone else's notifications.
    let danas = reply(&app, &dana, thread_id, "Go slowly, it gets easier.").await;
    let unread = notifications(&app, &ana, true).await;
    assert_eq!(unread.len(), 1);
    assert_eq!(unread[0]["subject_id"], id_of(&danas));
    mark_read(&app, &ben, &json!({"ids": [id_of(&unread[0])]}))
        .await
        .expect(204);
    mark_read(&app, &ben, &json!({"all": true}))
        .await
        .expect(204);
    assert_eq!(notifications(&app, &ana, true).await.len(), 1);

    mark_read(&app, &ana, &json!({}))
        .await
        .expect_invalid_field("ids");
    app.get("/api/v1/notifications", None)
        .await
        .expect_problem(401);
    app.post_json("/api/v1/notifications/read", &json!({"all": true}))
        .await
        .expect_problem(401);
}

#[actix_web::test]
async fn nobody_is_notified_about_their_own_posts() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;

    let story = start_thread(
        &app,
        &ana,
        "my-story",
        "Notes to myself",
        "Reminder for @Ana_L: book the kidney check.",
    )
    .await;
    let thread_id = id_of(&story);
    let first_post = story["first_post_id"].as_i64().expect("first post");
    post_reply(
        &app,
        ana.token(),
        thread_id,
        &json!({"body": "@ana_l and again: book it!", "reply_to": first_post}),
    )
    .await
    .expect(201);
    assert!(
        notifications(&app, &ana, false).await.is_empty(),
        "no notification to oneself"
    );

    // Ben answers Ana; Ana answers Ben in her own thread: only Ben hears about that.
    let bens = reply(&app, &ben, thread_id, "Did you book it?").await;
    let anas = post_reply(
        &app,
        ana.token(),
        thread_id,
        &json!({"body": "Yes, thanks @Ben_B.", "reply_to": id_of(&bens)}),
    )
    .await
    .expect(201);
    assert!(about(&app, &ana, &anas).await.is_empty());
    assert_eq!(about(&app, &ben, &anas).await.len(), 1);
}

#[actix_web::test]
async fn a_reply_that_answers_and_mentions_you_notifies_you_once() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let cleo = member(&app, "Cleo_C").await;

    let story = start_thread(
        &app,
        &ana,
        "treatments-and-trials",
        "Anyone on anifrolumab?",
        "Starting next week.",
    )
    .await;
    let thread_id = id_of(&story);
    let bens = reply(&app, &ben, thread_id, "I am, six months now.").await;
    let cleos = post_reply(
        &app,
        cleo.token(),
        thread_id,
        &json!({
            "body": "@Ben_B how were the first weeks? @Ana_L you might want to know too. @ben_b?",
            "reply_to": id_of(&bens),
        }),
    )
    .await
    .expect(201);

    let for_ben = about(&app, &ben, &cleos).await;
    assert_eq!(
        for_ben.len(),
        1,
        "one notification, not one per reason: {for_ben:?}"
    );
    assert_eq!(for_ben[0]["kind"], "reply_to_post");
    let for_ana = about(&app, &ana, &cleos).await;
    assert_eq!(
        for_ana.len(),
        1,
        "a reply in her thread that mentions her: {for_ana:?}"
    );
    assert_eq!(notifications(&app, &ana, false).await.len(), 2);

    // Answering the thread's first post is answering Ana.
    let first_post = story["first_post_id"].as_i64().expect("first post");
    let answer = post_reply(
        &app,
        ben.token(),
        thread_id,
        &json!({"body": "@Ana_L good luck!", "reply_to": first_post}),
    )
    .await
    .expect(201);
    assert_eq!(about(&app, &ana, &answer).await.len(), 1);
}

#[actix_web::test]
async fn a_notification_about_a_post_that_is_gone_disappears() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let dana = member(&app, "Dana_K").await;

    let story = start_thread(
        &app,
        &ana,
        "mental-health",
        "A hard week",
        "Everything hurts.",
    )
    .await;
    let thread_id = id_of(&story);
    let regret = reply(
        &app,
        &ben,
        thread_id,
        "@Dana_K look at this, she is overreacting.",
    )
    .await;
    let kind = reply(&app, &ben, thread_id, "Sending you strength.").await;
    assert_eq!(about(&app, &ana, &regret).await.len(), 1);
    assert_eq!(about(&app, &dana, &regret).await.len(), 1);

    // Ben deletes his unkind reply: nobody is told about it any more.
    app.delete(&format!("/api/v1/posts/{}", id_of(&regret)), ben.token())
        .await
        .expect(204);
    for who in [&ana, &dana] {
        assert!(about(&app, who, &regret).await.is_empty(), "{}", who.name);
    }
    let unread = notifications(&app, &ana, true).await;
    assert_eq!(
        unread
            .iter()
            .map(|n| n["subject_id"].clone())
            .collect::<Vec<_>>(),
        vec![json!(id_of(&kind))]
    );
    assert!(notifications(&app, &dana, false).await.is_empty());

    // The same when moderation hides a post (the moderation feature is not built yet, so its
    // decision is written straight to the database).
    set_post_status(&app, id_of(&kind), "hidden").await;
    assert!(notifications(&app, &ana, false).await.is_empty());
}

#[actix_web::test]
async fn a_notification_about_an_anonymous_reply_does_not_reveal_its_author() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let story = start_thread(
        &app,
        &ana,
        "carers",
        "My son was just diagnosed",
        "He is 15.",
    )
    .await;
    let answer = post_reply(
        &app,
        ben.token(),
        id_of(&story),
        &json!({"body": "My daughter too, at 14.", "anonymous": true}),
    )
    .await
    .expect(201);
    let list = about(&app, &ana, &answer).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["actor"]["display_name"], "Anonymous member");
    assert!(list[0]["actor"]["id"].is_null(), "{list:?}");
    assert!(!format!("{list:?}").contains("Ben_B"), "{list:?}");
}

// ----- reply emails -----

#[actix_web::test]
async fn reply_emails_are_opt_in_in_the_readers_language_and_one_per_thread_per_hour() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let lin = member(&app, "Lin_W").await;
    let dana = member(&app, "Dana_K").await;
    let ben = member(&app, "Ben_B").await;
    let cleo = member(&app, "Cleo_C").await;

    let me = app
        .patch_json(
            "/api/v1/me",
            ana.token(),
            &json!({"notify_email_replies": true}),
        )
        .await
        .expect(200);
    assert_eq!(me["notify_email_replies"], true);
    let me = app
        .patch_json(
            "/api/v1/me",
            lin.token(),
            &json!({"locale": "zh-CN", "notify_email_replies": true}),
        )
        .await
        .expect(200);
    assert_eq!(me["locale"], "zh-CN");
    let me = app.me(&dana.access).await.expect(200);
    assert_eq!(me["notify_email_replies"], false, "opt-in, not opt-out");

    let anas = id_of(&start_thread(&app, &ana, "my-story", "Ten years", "A long road.").await);
    let lins = id_of(&start_thread(&app, &lin, "kidneys", "肾穿刺之后", "休息了一周。").await);
    let danas = id_of(&start_thread(&app, &dana, "carers", "My mum", "She has SLE.").await);

    reply(&app, &ben, anas, "Thank you for sharing.").await;
    let email = app.wait_for_email(&ana.email).await;
    assert!(
        email.contains(&format!("{PUBLIC_URL}/threads/{anas}")),
        "the email links to the thread:\n{}",
        email.text()
    );
    assert!(
        !has_cjk(&email.subject()),
        "Ana reads English: {}",
        email.subject()
    );

    reply(&app, &ben, lins, "Take care!").await;
    let email = app.wait_for_email(&lin.email).await;
    assert!(
        has_cjk(&email.subject()),
        "Lin reads Chinese: {}",
        email.subject()
    );
    assert!(email.contains(&format!("{PUBLIC_URL}/threads/{lins}")));

    // A second reply within the hour: no second email. Dana did not ask for emails.
    reply(&app, &cleo, anas, "Same here.").await;
    reply(&app, &ben, danas, "Hugs to your mum.").await;
    assert_eq!(notifications(&app, &dana, false).await.len(), 1);

    // A reply in another of Ana's threads is a new email.
    let other = id_of(&start_thread(&app, &ana, "kidneys", "Biopsy day", "Tomorrow.").await);
    reply(&app, &cleo, other, "Good luck tomorrow.").await;
    let emails = app.wait_for_emails(&ana.email, 2).await;
    assert!(emails[1].contains(&format!("{PUBLIC_URL}/threads/{other}")));

    // Once the outbox has sent everything the replies queued, nothing more arrives.
    assert_eq!(
        app.emails_once_sent(&ana.email).await.len(),
        2,
        "one email per thread per hour"
    );
    assert_eq!(app.emails_to(&lin.email).len(), 1);
    assert!(
        app.emails_to(&dana.email).is_empty(),
        "no email without opting in"
    );
    for who in [&ben, &cleo] {
        assert!(app.emails_to(&who.email).is_empty(), "{}", who.name);
    }
}
