//! Reactions, replies and boards fired together.

use butterfly::auth::model::Role;
use serde_json::{Value, json};

use super::{ROUNDS, all_answered, post_as, statuses, together};
use crate::harness::TestApp;
use crate::harness::forum::{BOARD, react, start_thread};
use crate::harness::json::{id_of, items};
use crate::harness::people::with_role;

/// The reaction counts of a thread's first post and the thread's own count, as visitors see
/// them.
async fn counts(app: &TestApp, thread_id: i64) -> (i64, i64, i64) {
    let thread = app
        .get(&format!("/api/v1/threads/{thread_id}"), None)
        .await
        .expect(200);
    let page = app
        .get(&format!("/api/v1/threads/{thread_id}/posts"), None)
        .await
        .expect(200);
    let first = &items(&page)[0];
    (
        first["reactions"]["support"].as_i64().unwrap_or(-1),
        first["reactions"]["hug"].as_i64().unwrap_or(-1),
        thread["reaction_count"].as_i64().unwrap_or(-1),
    )
}

#[actix_web::test]
async fn double_clicks_on_reactions_count_each_member_once() {
    let app = TestApp::spawn().await;
    let author = with_role(&app, "Oli_Author", Role::Member).await;
    let mut readers = Vec::new();
    for i in 0..4 {
        readers.push(with_role(&app, &format!("Reader_{i}"), Role::Member).await);
    }
    for round in 0..ROUNDS {
        let thread = start_thread(
            &app,
            &author,
            BOARD,
            &format!("Round {round}"),
            "Diagnosed last spring; still learning.",
        )
        .await;
        let thread_id = id_of(&thread);
        let post = id_of(&thread["first_post"]);
        // Every reader clicks "support" and "hug" twice, all at the same moment.
        let answers = together(
            readers
                .iter()
                .flat_map(|r| {
                    [
                        react(&app, r.token(), post, "support", true),
                        react(&app, r.token(), post, "support", true),
                        react(&app, r.token(), post, "hug", true),
                        react(&app, r.token(), post, "hug", true),
                    ]
                })
                .collect(),
        )
        .await;
        all_answered(&answers, 200, "reactions added at once");
        assert_eq!(counts(&app, thread_id).await, (4, 4, 8), "round {round}");
        // And takes "support" back twice at once.
        let answers = together(
            readers
                .iter()
                .flat_map(|r| {
                    [
                        react(&app, r.token(), post, "support", false),
                        react(&app, r.token(), post, "support", false),
                    ]
                })
                .collect(),
        )
        .await;
        all_answered(&answers, 200, "reactions removed at once");
        assert_eq!(counts(&app, thread_id).await, (0, 4, 4), "round {round}");
    }
}

#[actix_web::test]
async fn replies_arriving_together_send_the_thread_author_one_email() {
    let app = TestApp::spawn().await;
    let author = with_role(&app, "Pia_Author", Role::Member).await;
    app.patch_json(
        "/api/v1/me",
        author.token(),
        &json!({"notify_email_replies": true}),
    )
    .await
    .expect(200);
    let mut repliers = Vec::new();
    for i in 0..3 {
        repliers.push(with_role(&app, &format!("Replier_{i}"), Role::Member).await);
    }
    for round in 0..ROUNDS {
        let thread_id = id_of(
            &start_thread(
                &app,
                &author,
                BOARD,
                &format!("Day {round}"),
                "Diagnosed last spring; still learning.",
            )
            .await,
        );
        let path = format!("/api/v1/threads/{thread_id}/posts");
        let answers = together(
            repliers
                .iter()
                .map(|r| post_as(&app, r, &path, json!({"body": "Sending you strength."})))
                .collect(),
        )
        .await;
        all_answered(&answers, 201, "replies at once");
    }
    assert_eq!(
        app.emails_once_sent(&author.email).await.len(),
        ROUNDS,
        "one reply email per thread within the hour"
    );
}

#[actix_web::test]
async fn two_admins_creating_the_same_board_at_once_make_one() {
    let app = TestApp::spawn().await;
    let first = with_role(&app, "Admin_Ada", Role::Admin).await;
    let second = with_role(&app, "Admin_Ben", Role::Admin).await;
    for round in 0..ROUNDS {
        let body = json!({"slug": format!("fatigue-{round}"), "name": "Fatigue", "description": "Tired days."});
        let answers = together(vec![
            post_as(&app, &first, "/api/v1/boards", body.clone()),
            post_as(&app, &second, "/api/v1/boards", body.clone()),
        ])
        .await;
        assert_eq!(statuses(&answers), [201, 409], "round {round}: {answers:?}");
    }
}

#[actix_web::test]
async fn two_edits_of_a_post_at_once_keep_both_texts_in_its_history() {
    let app = TestApp::spawn().await;
    let author = with_role(&app, "Uma_Author", Role::Member).await;
    for round in 0..ROUNDS {
        let thread = start_thread(
            &app,
            &author,
            BOARD,
            &format!("Draft {round}"),
            "Diagnosed last spring; still learning.",
        )
        .await;
        let post = id_of(&thread["first_post"]);
        let path = format!("/api/v1/posts/{post}");
        let texts = [
            format!("Morning edit {round}."),
            format!("Evening edit {round}."),
        ];
        let bodies: Vec<Value> = texts.iter().map(|t| json!({"body": t})).collect();
        let answers = together(
            bodies
                .iter()
                .map(|body| app.patch_json(&path, author.token(), body))
                .collect(),
        )
        .await;
        all_answered(&answers, 200, "two edits at once");
        let revisions = app
            .get(&format!("{path}/revisions"), author.token())
            .await
            .expect(200);
        let page = app
            .get(&format!("/api/v1/threads/{}/posts", id_of(&thread)), None)
            .await
            .expect(200);
        let mut seen: Vec<String> = revisions
            .as_array()
            .unwrap_or_else(|| panic!("no revisions in {revisions}"))
            .iter()
            .filter_map(|r| r["body"].as_str().map(str::to_owned))
            .collect();
        seen.push(
            items(&page)[0]["body"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
        for text in &texts {
            assert!(
                seen.contains(text),
                "round {round}: `{text}` is neither the body nor a revision: {seen:?}"
            );
        }
    }
}

#[actix_web::test]
async fn one_moderator_locking_a_thread_as_another_pins_it_keeps_both() {
    let app = TestApp::spawn().await;
    let author = with_role(&app, "Val_Author", Role::Member).await;
    let first = with_role(&app, "Mod_Wen", Role::Moderator).await;
    let second = with_role(&app, "Mod_Xu", Role::Moderator).await;
    for round in 0..ROUNDS {
        let thread_id = id_of(
            &start_thread(
                &app,
                &author,
                BOARD,
                &format!("Heated {round}"),
                "Diagnosed last spring; still learning.",
            )
            .await,
        );
        let path = format!("/api/v1/threads/{thread_id}");
        let lock = json!({"locked": true});
        let pin = json!({"pinned": true});
        let answers = together(vec![
            app.patch_json(&path, first.token(), &lock),
            app.patch_json(&path, second.token(), &pin),
        ])
        .await;
        all_answered(&answers, 200, "lock and pin at once");
        let thread = app.get(&path, None).await.expect(200);
        assert_eq!(
            (thread["locked"].clone(), thread["pinned"].clone()),
            (json!(true), json!(true)),
            "round {round}: {thread}"
        );
    }
}
