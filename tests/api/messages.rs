//! Private messages, as members live them: a new member cannot write to strangers; a first
//! message is a request she accepts (then unread counts and notifications) or declines (its
//! sender keeps seeing it pending); she chooses who may write to her; a harasser she ignores
//! stops reaching her at once and is not told; screening blocks, holds and answers crisis
//! language with support resources for the sender alone; a reported message reaches the
//! moderators with its short context and nothing else; her export and her erasure; and a
//! conversation stays unknown to anyone outside it, administrators included.

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::harness::json::{id_of, items, list};
use crate::harness::moderation::{add_word, decide, item_for, queue};
use crate::harness::people::{
    Person, admin, erase_account, member, moderator, newcomer, notifications, set_locale,
};

/// `from` writes to `to`: the answer (201 expected).
async fn write_to(app: &TestApp, from: &Person, to: &[&Person], body: &str) -> Value {
    let recipients: Vec<i64> = to.iter().map(|p| p.id).collect();
    app.post_json_as(
        "/api/v1/conversations",
        &from.access,
        &json!({"recipients": recipients, "body": body}),
    )
    .await
    .expect(201)
}

async fn conversations(app: &TestApp, who: &Person) -> Value {
    app.get("/api/v1/conversations", who.token())
        .await
        .expect(200)
}

async fn messages(app: &TestApp, who: &Person, conversation: i64) -> Vec<Value> {
    items(
        &app.get(
            &format!("/api/v1/conversations/{conversation}/messages"),
            who.token(),
        )
        .await
        .expect(200),
    )
}

async fn send(app: &TestApp, who: &Person, conversation: i64, body: &str) -> crate::harness::Reply {
    app.post_json_as(
        &format!("/api/v1/conversations/{conversation}/messages"),
        &who.access,
        &json!({"body": body}),
    )
    .await
}

async fn act(app: &TestApp, who: &Person, conversation: i64, what: &str) -> crate::harness::Reply {
    app.post_json_as(
        &format!("/api/v1/conversations/{conversation}/{what}"),
        &who.access,
        &json!({}),
    )
    .await
}

fn bodies(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_new_member_cannot_write_to_anyone_but_may_answer() {
    let app = TestApp::spawn().await;
    let new = newcomer(&app, "Just_Joined").await;
    let mei = member(&app, "Mei_Lin").await;

    let refused = app
        .post_json_as(
            "/api/v1/conversations",
            &new.access,
            &json!({"recipients": [mei.id], "body": "Hi!"}),
        )
        .await
        .expect_problem(403);
    assert!(
        refused["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("new members cannot start conversations"),
        "{refused}"
    );

    // Mei writes to her; she accepts and answers.
    let created = write_to(&app, &mei, &[&new], "Welcome! Ask me anything.").await;
    let conversation = id_of(&created["conversation"]);
    act(&app, &new, conversation, "accept").await.expect(200);
    send(&app, &new, conversation, "Thank you, Mei!")
        .await
        .expect(201);
}

#[actix_web::test]
async fn a_request_accepted_becomes_a_conversation_with_unread_counts_and_notifications() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;

    let created = write_to(
        &app,
        &mei,
        &[&ana],
        "Hello Ana, I read your **flare** post.",
    )
    .await;
    let conversation = id_of(&created["conversation"]);
    assert_eq!(created["conversation"]["my_state"], "accepted", "{created}");
    assert_eq!(
        created["message"]["body_html"],
        "<p>Hello Ana, I read your <strong>flare</strong> post.</p>\n",
        "{created}"
    );

    // Ana sees a request, with one unread message, and a notification.
    let hers = conversations(&app, &ana).await;
    let listed = items(&hers);
    assert_eq!(listed.len(), 1, "{hers}");
    assert_eq!(listed[0]["my_state"], "requested", "{hers}");
    assert_eq!(listed[0]["unread"], 1, "{hers}");
    assert_eq!(hers["unread_total"], 1, "{hers}");
    let requests = notifications(&app, &ana, "message_request").await;
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["subject_id"], conversation, "{requests:?}");

    // Until she accepts, Mei cannot write again.
    send(&app, &mei, conversation, "Are you there?")
        .await
        .expect_problem(409);
    // Nor can Ana write before accepting.
    send(&app, &ana, conversation, "Hi")
        .await
        .expect_problem(409);

    let accepted = act(&app, &ana, conversation, "accept").await.expect(200);
    assert_eq!(accepted["my_state"], "accepted", "{accepted}");
    send(&app, &ana, conversation, "Hi Mei, thank you!")
        .await
        .expect(201);
    send(&app, &mei, conversation, "How are you today?")
        .await
        .expect(201);
    send(&app, &mei, conversation, "I hope the new dose helps.")
        .await
        .expect(201);

    let hers = conversations(&app, &ana).await;
    assert_eq!(items(&hers)[0]["unread"], 3, "{hers}");
    assert_eq!(hers["unread_total"], 3, "{hers}");
    assert_eq!(notifications(&app, &ana, "message").await.len(), 2);
    assert_eq!(notifications(&app, &mei, "message").await.len(), 1);
    assert_eq!(
        bodies(&messages(&app, &ana, conversation).await),
        [
            "Hello Ana, I read your **flare** post.",
            "Hi Mei, thank you!",
            "How are you today?",
            "I hope the new dose helps."
        ]
    );

    act(&app, &ana, conversation, "read").await.expect(204);
    let hers = conversations(&app, &ana).await;
    assert_eq!(items(&hers)[0]["unread"], 0, "{hers}");
    assert_eq!(hers["unread_total"], 0, "{hers}");
    let his = conversations(&app, &mei).await;
    assert_eq!(his["unread_total"], 1, "{his}");

    // Messages come in pages, oldest first.
    let first = app
        .get(
            &format!("/api/v1/conversations/{conversation}/messages?limit=3"),
            ana.token(),
        )
        .await
        .expect(200);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let rest = app
        .get(
            &format!("/api/v1/conversations/{conversation}/messages?limit=3&cursor={cursor}"),
            ana.token(),
        )
        .await
        .expect(200);
    assert_eq!(bodies(&items(&rest)), ["I hope the new dose helps."]);
}

#[actix_web::test]
async fn a_declined_request_stays_pending_for_its_sender_and_is_gone_for_her() {
    let app = TestApp::spawn().await;
    let bo = member(&app, "Bo_Chen").await;
    let ana = member(&app, "Ana_Moss").await;

    let created = write_to(&app, &bo, &[&ana], "Want to chat about diets?").await;
    let conversation = id_of(&created["conversation"]);
    act(&app, &ana, conversation, "decline").await.expect(204);

    assert!(items(&conversations(&app, &ana).await).is_empty());
    app.get(
        &format!("/api/v1/conversations/{conversation}"),
        ana.token(),
    )
    .await
    .expect_problem(404);

    let his = app
        .get(&format!("/api/v1/conversations/{conversation}"), bo.token())
        .await
        .expect(200);
    let her = list(&his["participants"])
        .into_iter()
        .find(|p| p["member"]["id"] == ana.id)
        .expect("Ana is listed");
    assert_eq!(her["state"], "requested", "{his}");
    send(&app, &bo, conversation, "Hello?")
        .await
        .expect_problem(409);
}

#[actix_web::test]
async fn a_member_who_chose_nobody_cannot_be_written_to() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;
    let bo = member(&app, "Bo_Chen").await;

    let settings = app
        .get("/api/v1/me/message-settings", ana.token())
        .await
        .expect(200);
    assert_eq!(
        settings,
        json!({"who_may_write": "everyone", "email": false})
    );
    app.patch_json(
        "/api/v1/me/message-settings",
        ana.token(),
        &json!({"who_may_write": "nobody"}),
    )
    .await
    .expect(200);
    let refused = app
        .post_json_as(
            "/api/v1/conversations",
            &mei.access,
            &json!({"recipients": [ana.id], "body": "Hello"}),
        )
        .await
        .expect_problem(403);
    assert_eq!(
        refused["detail"], "this member does not accept messages from you",
        "{refused}"
    );

    // "People I have talked with": Bo, whom she talked with, may; Mei may not, told the same.
    app.patch_json(
        "/api/v1/me/message-settings",
        ana.token(),
        &json!({"who_may_write": "everyone"}),
    )
    .await
    .expect(200);
    let created = write_to(&app, &bo, &[&ana], "Hi Ana").await;
    act(&app, &ana, id_of(&created["conversation"]), "accept")
        .await
        .expect(200);
    app.patch_json(
        "/api/v1/me/message-settings",
        ana.token(),
        &json!({"who_may_write": "talked_with"}),
    )
    .await
    .expect(200);
    write_to(&app, &bo, &[&ana], "Another topic").await;
    let refused = app
        .post_json_as(
            "/api/v1/conversations",
            &mei.access,
            &json!({"recipients": [ana.id], "body": "Hello"}),
        )
        .await
        .expect_problem(403);
    assert_eq!(
        refused["detail"], "this member does not accept messages from you",
        "{refused}"
    );
}

#[actix_web::test]
async fn a_harasser_she_ignores_stops_reaching_her_at_once_and_is_not_told() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let troll = member(&app, "Troll_King").await;
    app.patch_json(
        "/api/v1/me/message-settings",
        mei.token(),
        &json!({"email": true}),
    )
    .await
    .expect(200);

    // An existing conversation: his messages reach her until she ignores him.
    let created = write_to(&app, &troll, &[&mei], "Hi, nice post").await;
    let conversation = id_of(&created["conversation"]);
    act(&app, &mei, conversation, "accept").await.expect(200);
    act(&app, &mei, conversation, "read").await.expect(204);
    app.put(&format!("/api/v1/me/ignored/{}", troll.id), mei.token())
        .await
        .expect(204);
    let before = notifications(&app, &mei, "message").await.len();
    send(&app, &troll, conversation, "Why don't you answer me?")
        .await
        .expect(201);
    assert_eq!(notifications(&app, &mei, "message").await.len(), before);
    assert!(
        messages(&app, &mei, conversation).await.is_empty(),
        "his messages are hidden from her"
    );
    assert_eq!(
        bodies(&messages(&app, &troll, conversation).await),
        ["Hi, nice post", "Why don't you answer me?"],
        "he sees his conversation as before"
    );
    assert_eq!(conversations(&app, &mei).await["unread_total"], 0);

    // A new request from him: created as usual for him, unseen by her.
    let created = write_to(&app, &troll, &[&mei], "You can't hide from me").await;
    let request = id_of(&created["conversation"]);
    let mine = conversations(&app, &mei).await;
    assert!(
        items(&mine).iter().all(|c| c["id"] != request),
        "the request is not listed: {mine}"
    );
    app.get(&format!("/api/v1/conversations/{request}"), mei.token())
        .await
        .expect_problem(404);
    assert!(
        notifications(&app, &mei, "message_request")
            .await
            .is_empty(),
        "no request of his is notified, not even the one from before she ignored him"
    );
    let his = app
        .get(&format!("/api/v1/conversations/{request}"), troll.token())
        .await
        .expect(200);
    let her = list(&his["participants"])
        .into_iter()
        .find(|p| p["member"]["id"] == mei.id)
        .expect("she is listed");
    assert_eq!(her["state"], "requested", "he is not told: {his}");
    // Emails: only the one of the first request (before she ignored him), none since.
    assert_eq!(app.queued(&mei.email, "new_message").await, 1);
}

#[actix_web::test]
async fn an_opt_in_email_is_a_link_only_and_one_per_conversation_until_read() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;
    set_locale(&app, &ana, "zh-CN").await;
    app.patch_json(
        "/api/v1/me/message-settings",
        ana.token(),
        &json!({"email": true}),
    )
    .await
    .expect(200);
    let created = write_to(&app, &mei, &[&ana], "My kidney results came back").await;
    let conversation = id_of(&created["conversation"]);
    act(&app, &ana, conversation, "accept").await.expect(200);
    send(&app, &mei, conversation, "Second message")
        .await
        .expect(201);
    assert_eq!(app.queued(&ana.email, "new_message").await, 1);
    act(&app, &ana, conversation, "read").await.expect(204);
    send(&app, &mei, conversation, "Third message")
        .await
        .expect(201);
    assert_eq!(app.queued(&ana.email, "new_message").await, 2);

    let emails = app.wait_for_emails(&ana.email, 2).await;
    for email in emails {
        assert!(email.subject().contains("私信"), "{}", email.subject());
        assert!(email.contains(&format!("/messages/{conversation}")));
        assert!(!email.contains("kidney"), "never the text");
        assert!(!email.contains("Mei_Lin"), "never the sender");
    }
}

#[actix_web::test]
async fn a_reported_message_reaches_the_queue_with_its_short_context_and_nothing_else() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let mei = member(&app, "Mei_Lin").await;
    let bo = member(&app, "Bo_Chen").await;

    let created = write_to(&app, &bo, &[&mei], "one: hello").await;
    let conversation = id_of(&created["conversation"]);
    act(&app, &mei, conversation, "accept").await.expect(200);
    for body in ["two: hi Bo", "three: my private diagnosis story"] {
        send(&app, &mei, conversation, body).await.expect(201);
    }
    send(&app, &bo, conversation, "four: about your meds")
        .await
        .expect(201);
    let reported = send(&app, &bo, conversation, "five: you are faking it")
        .await
        .expect(201);
    send(&app, &bo, conversation, "six: after the report")
        .await
        .expect(201);
    let message_id = id_of(&reported);

    // Only a participant reports, and not her own message.
    app.post_json_as(
        &format!("/api/v1/messages/{message_id}/report"),
        &mo.access,
        &json!({"reason": "harassment"}),
    )
    .await
    .expect_problem(404);
    app.post_json_as(
        &format!("/api/v1/messages/{message_id}/report"),
        &bo.access,
        &json!({"reason": "harassment"}),
    )
    .await
    .expect_problem(422);
    app.post_json_as(
        &format!("/api/v1/messages/{message_id}/report"),
        &mei.access,
        &json!({"reason": "harassment", "note": "he keeps saying this"}),
    )
    .await
    .expect(201);

    let item = item_for(&app, &mo, "reported_message", message_id).await;
    let subject = &item["subject"];
    assert_eq!(subject["message"]["body"], "five: you are faking it");
    assert_eq!(subject["message"]["sender"]["display_name"], "Bo_Chen");
    let context = list(&subject["context"]);
    assert_eq!(
        bodies(&context),
        [
            "two: hi Bo",
            "three: my private diagnosis story",
            "four: about your meds"
        ]
    );
    assert_eq!(context[0]["sender"]["display_name"], "Mei_Lin");
    assert_eq!(list(&subject["reports"])[0]["reason"], "harassment");
    let whole = item.to_string();
    for unseen in ["one: hello", "six: after the report"] {
        assert!(
            !whole.contains(unseen),
            "{unseen} reached the staff: {whole}"
        );
    }
    let all = queue(&app, &mo, "").await.to_vec();
    let everything = Value::Array(all).to_string();
    assert!(!everything.contains("one: hello") && !everything.contains("six: after"));

    // The staff cannot read the conversation.
    app.get(&format!("/api/v1/conversations/{conversation}"), mo.token())
        .await
        .expect_problem(404);

    // The moderator removes it: a placeholder for both.
    decide(&app, &mo, &item, "remove", "harassment")
        .await
        .expect(200);
    for who in [&mei, &bo] {
        let seen = messages(&app, who, conversation).await;
        let removed = seen
            .iter()
            .find(|m| m["id"] == message_id)
            .expect("the placeholder");
        assert_eq!(removed["status"], "removed", "{removed}");
        assert_eq!(removed["body"], "[message removed by the moderators]");
    }
    assert_eq!(
        notifications(&app, &bo, "moderation_outcome").await.len(),
        1
    );
    let outcome = notifications(&app, &mei, "flag_outcome").await;
    assert_eq!(outcome.len(), 1, "{outcome:?}");
    assert_eq!(outcome[0]["detail"], "action taken", "{outcome:?}");
}

#[actix_web::test]
async fn crisis_language_gives_the_sender_support_resources_and_shows_nothing_to_staff() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let lin = member(&app, "Lin_Xiao").await;
    let ana = member(&app, "Ana_Moss").await;
    set_locale(&app, &lin, "zh-CN").await;

    let words = "我真的不想活了，每天都很痛，没有人理解我。";
    let created = write_to(&app, &lin, &[&ana], words).await;
    let message = &created["message"];
    assert_eq!(message["status"], "delivered", "{created}");
    let resources = list(&message["notice"]["support_resources"]);
    assert!(!resources.is_empty(), "{created}");
    assert!(
        resources.iter().all(|r| r["name"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
        "in her language: {resources:?}"
    );
    let all = Value::Array(queue(&app, &mo, "").await).to_string();
    assert!(!all.contains(words), "nothing reaches the staff: {all}");
    // Ana receives it as sent.
    let conversation = id_of(&created["conversation"]);
    assert_eq!(bodies(&messages(&app, &ana, conversation).await), [words]);
}

#[actix_web::test]
async fn a_watched_word_blocks_or_holds_a_message() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let bo = member(&app, "Bo_Chen").await;
    let ana = member(&app, "Ana_Moss").await;
    add_word(&app, &mo, "miracle tea", "block")
        .await
        .expect(201);
    add_word(&app, &mo, "guaranteed*remission", "hold")
        .await
        .expect(201);

    let refused = app
        .post_json_as(
            "/api/v1/conversations",
            &bo.access,
            &json!({"recipients": [ana.id], "body": "Try my Miracle Tea!"}),
        )
        .await
        .expect_invalid_field("body");
    assert!(
        refused["errors"]["body"]
            .as_str()
            .unwrap_or_default()
            .contains("blocked phrase"),
        "{refused}"
    );
    assert!(items(&conversations(&app, &ana).await).is_empty());

    // A first message held: nothing reaches her until a moderator releases it.
    let first = write_to(&app, &bo, &[&ana], "Guaranteed remission with my plan").await;
    assert_eq!(first["message"]["status"], "held", "{first}");
    assert!(items(&conversations(&app, &ana).await).is_empty());
    assert!(
        notifications(&app, &ana, "message_request")
            .await
            .is_empty()
    );

    let created = write_to(&app, &bo, &[&ana], "hello").await;
    let conversation = id_of(&created["conversation"]);
    act(&app, &ana, conversation, "accept").await.expect(200);
    let held = send(&app, &bo, conversation, "This gives guaranteed remission")
        .await
        .expect(201);
    assert_eq!(held["status"], "held", "{held}");
    assert_eq!(held["notice"]["held"], true, "{held}");
    assert_eq!(bodies(&messages(&app, &ana, conversation).await), ["hello"]);
    assert_eq!(
        bodies(&messages(&app, &bo, conversation).await),
        ["hello", "This gives guaranteed remission"]
    );

    // Only that message goes to the queue; released, it is delivered.
    let item = item_for(&app, &mo, "held_message", id_of(&held)).await;
    assert_eq!(
        item["subject"]["message"]["body"],
        "This gives guaranteed remission"
    );
    assert!(!item.to_string().contains("\"hello\""), "{item}");
    let before = notifications(&app, &ana, "message").await.len();
    decide(&app, &mo, &item, "approve", "fine in context")
        .await
        .expect(200);
    assert_eq!(
        bodies(&messages(&app, &ana, conversation).await),
        ["hello", "This gives guaranteed remission"]
    );
    assert_eq!(notifications(&app, &ana, "message").await.len(), before + 1);

    // The held request, removed, never reaches her.
    let item = item_for(&app, &mo, "held_message", id_of(&first["message"])).await;
    decide(&app, &mo, &item, "remove", "miracle cure claims")
        .await
        .expect(200);
    assert_eq!(items(&conversations(&app, &ana).await).len(), 1);
    assert_eq!(notifications(&app, &ana, "message_request").await.len(), 1);
}

#[actix_web::test]
async fn her_export_holds_her_messages_and_erasure_leaves_a_placeholder_from_a_former_member() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;

    let created = write_to(&app, &mei, &[&ana], "My rheumatologist said...").await;
    let conversation = id_of(&created["conversation"]);
    act(&app, &ana, conversation, "accept").await.expect(200);
    send(&app, &ana, conversation, "Ana's own words")
        .await
        .expect(201);

    let export = app.get("/api/v1/me/export", mei.token()).await.expect(200);
    let sent = list(&export["messages"]["sent"]);
    assert_eq!(sent.len(), 1, "{export}");
    assert_eq!(sent[0]["body"], "My rheumatologist said...");
    assert_eq!(sent[0]["conversation_id"], conversation);
    assert!(sent[0]["created_at"].is_string());
    assert_eq!(export["messages"]["settings"]["who_may_write"], "everyone");
    assert!(
        !export.to_string().contains("Ana's own words"),
        "others' messages are theirs"
    );

    erase_account(
        &app,
        mei.token(),
        &json!({"password": crate::harness::PASSWORD, "content": "remove"}),
    )
    .await
    .expect(204);
    let seen = messages(&app, &ana, conversation).await;
    assert_eq!(seen[0]["body"], "[message deleted]", "{seen:?}");
    assert_eq!(seen[0]["sender"]["display_name"], "Former member");
    assert!(seen[0]["sender"]["id"].is_null());
    assert_eq!(seen[1]["body"], "Ana's own words");
}

#[actix_web::test]
async fn a_non_participant_and_an_administrator_get_404_on_a_conversation() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;
    let bo = member(&app, "Bo_Chen").await;
    let root = admin(&app, "Admin_Root").await;
    let created = write_to(&app, &mei, &[&ana], "Between us").await;
    let conversation = id_of(&created["conversation"]);
    let message = id_of(&created["message"]);
    for outsider in [&bo, &root] {
        for path in [
            format!("/api/v1/conversations/{conversation}"),
            format!("/api/v1/conversations/{conversation}/messages"),
        ] {
            app.get(&path, outsider.token()).await.expect_problem(404);
        }
        send(&app, outsider, conversation, "let me in")
            .await
            .expect_problem(404);
        app.post_json_as(
            &format!("/api/v1/messages/{message}/report"),
            &outsider.access,
            &json!({"reason": "spam"}),
        )
        .await
        .expect_problem(404);
    }
    app.get("/api/v1/conversations/999999", mei.token())
        .await
        .expect_problem(404);

    // Nor does her export, read by an administrator, hold her messages.
    let export = app
        .get(
            &format!("/api/v1/admin/users/{}/export", mei.id),
            root.token(),
        )
        .await
        .expect(200);
    assert_eq!(export["messages"]["sent"], json!([]), "{export}");
    assert!(!export.to_string().contains("Between us"));
}

#[actix_web::test]
async fn what_cannot_be_sent_is_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let new = newcomer(&app, "Just_Joined").await;
    let start = |body: Value| {
        let app = &app;
        let token = mei.access.clone();
        async move {
            app.post_json_as("/api/v1/conversations", &token, &body)
                .await
        }
    };
    start(json!({"recipients": [mei.id], "body": "Hi me"}))
        .await
        .expect_invalid_field("recipients");
    start(json!({"recipients": [], "body": "Hi"}))
        .await
        .expect_invalid_field("recipients");
    let crowd: Vec<i64> = (1..=10).map(|i| new.id + 1000 + i).collect();
    start(json!({"recipients": crowd, "body": "Hi all"}))
        .await
        .expect_invalid_field("recipients");
    start(json!({"recipients": [new.id + 999_999], "body": "Hi"}))
        .await
        .expect_problem(404);
    start(json!({"recipients": [new.id], "body": "   "}))
        .await
        .expect_invalid_field("body");
    start(json!({"recipients": [new.id], "body": "x".repeat(20_001)}))
        .await
        .expect_invalid_field("body");

    // A new member answering keeps the new-member link limit of posts.
    let created = write_to(&app, &mei, &[&new], "Welcome!").await;
    let conversation = id_of(&created["conversation"]);
    act(&app, &new, conversation, "accept").await.expect(200);
    send(
        &app,
        &new,
        conversation,
        "See https://a.example https://b.example https://c.example",
    )
    .await
    .expect_invalid_field("body");
    app.post_json_as(
        &format!("/api/v1/messages/{}/report", id_of(&created["message"])),
        &new.access,
        &json!({"reason": "other"}),
    )
    .await
    .expect_invalid_field("note");
}
