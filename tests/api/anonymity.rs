//! The anonymity walk: a member writes anonymously in English and in Chinese, is answered,
//! mentioned, reacted to, edited, flagged and sanctioned, and then every place her anonymous
//! posts can surface is read as a visitor and as other members (lists in every order, the
//! thread, its posts, search in both languages, notifications, her profile, reactions,
//! revisions, other members' exports, the public log). Nowhere is she named, nor her id given.
//!
//! What counts as naming her: her display name anywhere in an answer, or her id under a key that
//! names a person (`author`, `actor`, `user`, `*_by`, `*_id` of a person, a log entry's user
//! target). The same scan finds
//! her in answers about her named posts, which proves it would find a leak.

use butterfly::auth::model::Role;
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::harness::forum::{
    BOARD, edit_post, post_reply, post_thread, react, reply, start_thread,
};
use crate::harness::json::{encode, id_of};
use crate::harness::moderation::{flag, review, sanction};
use crate::harness::people::{Person, member, with_role};

/// Keys whose value names a person (an object with an `id`, or an id itself).
fn names_a_person(key: &str) -> bool {
    matches!(
        key,
        "author" | "actor" | "user" | "member" | "reporter" | "author_id" | "actor_id" | "user_id"
    ) || key.ends_with("_by")
}

/// Where `value` names the member `name` (with id `id`): JSON paths.
fn traces(value: &Value, name: &str, id: i64, path: &str, found: &mut Vec<String>) {
    match value {
        Value::String(text) if text.to_lowercase().contains(&name.to_lowercase()) => {
            found.push(format!("{path}: {text:?}"));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                traces(item, name, id, &format!("{path}[{i}]"), found);
            }
        }
        Value::Object(map) => {
            if map.get("target_kind") == Some(&json!("user"))
                && map.get("target_id") == Some(&json!(id))
            {
                found.push(format!("{path}: {value}"));
            }
            for (key, inner) in map {
                let here = format!("{path}.{key}");
                if names_a_person(key) && (inner == &json!(id) || inner["id"] == json!(id)) {
                    found.push(format!("{here}: {inner}"));
                }
                traces(inner, name, id, &here, found);
            }
        }
        _ => {}
    }
}

/// Reads `path` as `who` (a visitor when `None`), expecting `status`, and returns where the
/// answer names `author`.
async fn read(
    app: &TestApp,
    path: &str,
    who: Option<&Person>,
    status: u16,
    author: &Person,
) -> Vec<String> {
    let body = app
        .get(path, who.map(|p| p.access.as_str()))
        .await
        .expect(status);
    let mut found = Vec::new();
    traces(&body, &author.name, author.id, "", &mut found);
    found
        .into_iter()
        .map(|trace| {
            format!(
                "GET {path} as {}: {trace}",
                who.map_or("a visitor", |p| &p.name)
            )
        })
        .collect()
}

#[actix_web::test]
async fn an_anonymous_member_is_never_named_nor_given_away_anywhere() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_Secret").await;
    let bo = member(&app, "Bo_K").await;
    let cara = member(&app, "Cara_M").await;
    let mo = with_role(&app, "Mod_Juniper", Role::Moderator).await;

    // Her anonymous story, in English, with an edit.
    let story = post_thread(
        &app,
        ana.token(),
        BOARD,
        &json!({"title": "Hiding my diagnosis from my employer",
                "body": "Nobody at work knows about my nephritis flares.", "anonymous": true}),
    )
    .await
    .expect(201);
    let story_id = id_of(&story);
    let story_post = story["first_post_id"].as_i64().expect("first post id");
    edit_post(
        &app,
        &ana,
        story_post,
        "Nobody at work knows about my nephritis flares yet.",
    )
    .await
    .expect(200);

    // An anonymous reply in Chinese to Bo's thread, mentioning him; Cara reacts to it.
    let bo_thread = id_of(&start_thread(&app, &bo, BOARD, "Telling family", "How?").await);
    let chinese = post_reply(
        &app,
        ana.token(),
        bo_thread,
        &json!({"body": "@Bo_K 我还没有告诉家人我的狼疮和肾炎。", "anonymous": true}),
    )
    .await
    .expect(201);
    let chinese_id = id_of(&chinese);
    react(&app, cara.token(), chinese_id, "hug", true)
        .await
        .expect(200);
    reply(&app, &bo, story_id, "You are not alone in this.").await;

    // A third anonymous post is hidden by a moderator, who then warns her.
    let rude = post_reply(
        &app,
        ana.token(),
        bo_thread,
        &json!({"body": "Your family sounds awful.", "anonymous": true}),
    )
    .await
    .expect(201);
    flag(&app, &bo, id_of(&rude), "harassment")
        .await
        .expect(201);
    review(&app, &mo, "flagged_post", id_of(&rude), "hide", "Unkind.").await;
    sanction(
        &app,
        &mo,
        ana.id,
        &json!({"kind": "warn", "reason": "Be kind."}),
    )
    .await
    .expect(201);

    // Every place, as a visitor and as two other members.
    let mut paths = vec![
        format!("/api/v1/boards/{BOARD}"),
        format!("/api/v1/threads/{story_id}"),
        format!("/api/v1/threads/{story_id}/posts"),
        format!("/api/v1/threads/{bo_thread}"),
        format!("/api/v1/threads/{bo_thread}/posts"),
        format!("/api/v1/search?q={}", encode("nephritis employer")),
        format!("/api/v1/search?q={}", encode("狼疮")),
        format!("/api/v1/search?q={}", encode("家人")),
        format!("/api/v1/posts/{story_post}/revisions"),
        format!("/api/v1/users/{}", ana.id),
        "/api/v1/modlog?limit=100".to_owned(),
    ];
    for sort in ["new", "active", "top"] {
        paths.push(format!("/api/v1/boards/{BOARD}/threads?sort={sort}"));
    }
    let mut leaks = Vec::new();
    for who in [None, Some(&bo), Some(&cara)] {
        for path in &paths {
            // Revisions are for the author and the moderators: others are refused.
            let status = match (path.ends_with("/revisions"), who) {
                (false, _) => 200,
                (true, None) => 401,
                (true, Some(_)) => 403,
            };
            let found = read(&app, path, who, status, &ana).await;
            // Her profile names her, of course; it must not name her anonymous posts.
            if path.starts_with("/api/v1/users/") {
                let profile = app
                    .get(path, who.map(|p| p.access.as_str()))
                    .await
                    .expect(200);
                for text in ["Hiding my diagnosis", "狼疮", "nephritis"] {
                    assert!(!profile.to_string().contains(text), "{profile}");
                }
                continue;
            }
            leaks.extend(found);
        }
    }
    // What only members have: their notifications (Bo was answered and mentioned, Cara
    // reacted) and their own exports.
    for who in [&bo, &cara] {
        for path in ["/api/v1/notifications?limit=100", "/api/v1/me/export"] {
            leaks.extend(read(&app, path, Some(who), 200, &ana).await);
        }
    }
    let told = app
        .get("/api/v1/notifications?limit=100", bo.token())
        .await
        .expect(200);
    assert!(
        told["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|n| n["subject_id"] == chinese_id)),
        "Bo is told of the anonymous answer: {told}"
    );
    // The reaction's answer gives counts, not people.
    let reacted = react(&app, bo.token(), chinese_id, "support", true)
        .await
        .expect(200);
    let mut found = Vec::new();
    traces(&reacted, &ana.name, ana.id, "", &mut found);
    leaks.extend(found);
    assert!(
        leaks.is_empty(),
        "the anonymous author shows:\n{}",
        leaks.join("\n")
    );

    // The scan does find her where she writes under her name, and she and the moderators do
    // see who wrote her anonymous posts.
    let named = id_of(&start_thread(&app, &ana, BOARD, "A good week", "Energy is back.").await);
    let control = read(
        &app,
        &format!("/api/v1/threads/{named}"),
        Some(&bo),
        200,
        &ana,
    )
    .await;
    assert!(!control.is_empty(), "the scan must see a named author");
    for who in [&ana, &mo] {
        let seen = read(
            &app,
            &format!("/api/v1/threads/{story_id}"),
            Some(who),
            200,
            &ana,
        )
        .await;
        assert!(!seen.is_empty(), "{} sees the author", who.name);
    }
}
