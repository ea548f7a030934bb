//! Ignoring a member, as the one who needs it lives it: a harasser ignored stops reaching her
//! at once (his replies and mentions notify her no more), his posts come collapsed in her
//! lists and thread pages while others see them as before, he is never told, and moderators
//! see how many members ignore him when his posts reach the queue. Anonymous posts never
//! carry the flag, so it cannot unmask anyone.

use serde_json::json;

use crate::harness::TestApp;
use crate::harness::forum::{BOARD, board_threads, post_reply, reply, start_thread, thread_posts};
use crate::harness::json::items;
use crate::harness::moderation::{flag, item_for};
use crate::harness::people::{erase_account, member, moderator, notifications};

#[actix_web::test]
async fn a_harasser_she_ignores_stops_reaching_her_at_once_and_is_not_told() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let troll = member(&app, "Troll_King").await;
    let ana = member(&app, "Ana_Moss").await;

    let thread = start_thread(&app, &mei, BOARD, "My first flare", "It started in May.").await;
    let thread_id = thread["id"].as_i64().expect("thread id");
    reply(
        &app,
        &troll,
        thread_id,
        "Just eat clean and stop the pills.",
    )
    .await;
    assert_eq!(notifications(&app, &mei, "reply_to_thread").await.len(), 1);

    // She ignores him: what he caused leaves her notifications at once, and the next reply
    // and mention reach her no more.
    app.put(&format!("/api/v1/me/ignored/{}", troll.id), mei.token())
        .await
        .expect(204);
    assert!(
        notifications(&app, &mei, "reply_to_thread")
            .await
            .is_empty()
    );
    reply(&app, &troll, thread_id, "@Mei_Lin you are wrong, again.").await;
    assert!(
        notifications(&app, &mei, "reply_to_thread")
            .await
            .is_empty()
    );
    assert!(notifications(&app, &mei, "mention").await.is_empty());
    // Others still reach her.
    reply(&app, &ana, thread_id, "Sending a hug, Mei.").await;
    assert_eq!(notifications(&app, &mei, "reply_to_thread").await.len(), 1);

    // His posts come collapsed for her, and for nobody else.
    let flagged_for = |posts: &[serde_json::Value]| -> Vec<bool> {
        posts.iter().map(|p| p["author_ignored"] == true).collect()
    };
    let hers = thread_posts(&app, thread_id, mei.token()).await;
    assert_eq!(flagged_for(&hers), [false, true, true, false], "{hers:?}");
    let anas = thread_posts(&app, thread_id, ana.token()).await;
    assert_eq!(flagged_for(&anas), [false; 4], "{anas:?}");
    let visitors = thread_posts(&app, thread_id, None).await;
    assert_eq!(flagged_for(&visitors), [false; 4]);
    let his_thread = start_thread(&app, &troll, BOARD, "The truth about HCQ", "Read this.").await;
    let his_thread_id = his_thread["id"].as_i64().expect("thread id");
    let list = board_threads(&app, BOARD, "", mei.token()).await;
    let his = list
        .iter()
        .find(|t| t["id"] == his_thread_id)
        .expect("his thread is listed");
    assert_eq!(his["author_ignored"], true, "{his}");
    let own = list.iter().find(|t| t["id"] == thread_id).expect("hers");
    assert_eq!(own["author_ignored"], false, "{own}");

    // An anonymous post of his is not flagged: the flag would unmask him.
    let anonymous = post_reply(
        &app,
        troll.token(),
        thread_id,
        &json!({"body": "Nobody knows who I am.", "anonymous": true}),
    )
    .await
    .expect(201);
    let hers = thread_posts(&app, thread_id, mei.token()).await;
    let seen = hers
        .iter()
        .find(|p| p["id"] == anonymous["id"])
        .expect("the anonymous reply");
    assert_eq!(seen["author_ignored"], false, "{seen}");
    assert!(seen["author"]["id"].is_null(), "{seen}");

    // Search results carry the flag too.
    let hits = app
        .get("/api/v1/search?q=HCQ", mei.token())
        .await
        .expect(200);
    let hits = items(&hits);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["author_ignored"], true, "{hits:?}");

    // She sees whom she ignores; he sees nothing of it anywhere.
    let ignored = app.get("/api/v1/me/ignored", mei.token()).await.expect(200);
    let ignored = items(&ignored);
    assert_eq!(ignored.len(), 1);
    assert_eq!(ignored[0]["user_id"], troll.id);
    assert_eq!(ignored[0]["display_name"], "Troll_King");
    let his_view = app
        .get("/api/v1/me/ignored", troll.token())
        .await
        .expect(200);
    assert!(items(&his_view).is_empty());
    let his_export = app
        .get("/api/v1/me/export", troll.token())
        .await
        .expect(200);
    assert!(
        !his_export
            .to_string()
            .contains(&format!("\"user_id\":{}", mei.id)),
        "his export does not name who ignores him"
    );
    let her_export = app.get("/api/v1/me/export", mei.token()).await.expect(200);
    assert_eq!(her_export["ignored_members"][0]["user_id"], troll.id);

    // Moderators see how many members ignore him, not who.
    app.put(&format!("/api/v1/me/ignored/{}", troll.id), ana.token())
        .await
        .expect(204);
    // Twice is once.
    app.put(&format!("/api/v1/me/ignored/{}", troll.id), ana.token())
        .await
        .expect(204);
    let mod_ = moderator(&app, "Mod_Lee").await;
    let first = his_thread["first_post"]["id"].as_i64().expect("post id");
    flag(&app, &mei, first, "misinformation").await.expect(201);
    let item = item_for(&app, &mod_, "flagged_post", first).await;
    assert_eq!(item["author_history"]["ignored_by"], 2, "{item}");

    // She changes her mind: his replies reach her again.
    app.delete(&format!("/api/v1/me/ignored/{}", troll.id), mei.token())
        .await
        .expect(204);
    reply(&app, &troll, thread_id, "Fine, I apologise.").await;
    // His first reply shows again (it was never deleted), and the new one arrives; what he
    // wrote while ignored was never recorded.
    assert_eq!(notifications(&app, &mei, "reply_to_thread").await.len(), 3);
    let hers = thread_posts(&app, thread_id, mei.token()).await;
    assert!(hers.iter().all(|p| p["author_ignored"] == false));
}

#[actix_web::test]
async fn ignoring_oneself_or_nobody_is_refused_and_erasure_forgets_both_sides() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let troll = member(&app, "Troll_King").await;

    let problem = app
        .put(&format!("/api/v1/me/ignored/{}", mei.id), mei.token())
        .await
        .expect_problem(403);
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("yourself")),
        "{problem}"
    );
    app.put("/api/v1/me/ignored/999999", mei.token())
        .await
        .expect_problem(404);
    app.put(&format!("/api/v1/me/ignored/{}", troll.id), None)
        .await
        .expect_problem(401);
    // Stopping to ignore someone one never ignored changes nothing.
    app.delete(&format!("/api/v1/me/ignored/{}", troll.id), mei.token())
        .await
        .expect(204);

    app.put(&format!("/api/v1/me/ignored/{}", troll.id), mei.token())
        .await
        .expect(204);
    // He leaves: the relation goes with him, and his erased account cannot be ignored anew.
    erase_account(
        &app,
        troll.token(),
        &json!({"password": crate::harness::PASSWORD, "content": "remove"}),
    )
    .await
    .expect(204);
    let ignored = app.get("/api/v1/me/ignored", mei.token()).await.expect(200);
    assert!(items(&ignored).is_empty(), "{ignored}");
    app.put(&format!("/api/v1/me/ignored/{}", troll.id), mei.token())
        .await
        .expect_problem(404);
}

#[actix_web::test]
async fn ignoring_a_moderator_never_stops_moderation_notices() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let lee = moderator(&app, "Mod_Lee").await;
    app.put(&format!("/api/v1/me/ignored/{}", lee.id), mei.token())
        .await
        .expect(204);
    crate::harness::moderation::sanction(
        &app,
        &lee,
        mei.id,
        &json!({"kind": "warn", "reason": "medical advice presented as fact"}),
    )
    .await
    .expect(201);
    let told = notifications(&app, &mei, "sanction").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0]["actor"].is_null(),
        "moderators are never named: {told:?}"
    );
}
