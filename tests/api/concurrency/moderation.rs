//! Flags, decisions, appeals and sanctions fired together.

use std::collections::BTreeSet;

use butterfly::accounts::model::Role;
use serde_json::{Value, json};

use super::{
    Person, ROUNDS, all_answered, decide, id_of, items, notifications, open_items, person, post_as,
    statuses, together,
};
use crate::harness::{Reply, TestApp};

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

async fn flag(app: &TestApp, who: &Person, post_id: i64, reason: &str) -> Reply {
    post_as(
        app,
        who,
        &format!("/api/v1/posts/{post_id}/flags"),
        json!({"reason": reason}),
    )
    .await
}

/// Whether a visitor sees the post on its thread's page.
async fn visible_to_visitors(app: &TestApp, thread_id: i64, post_id: i64) -> bool {
    let page = app
        .get(
            &format!("/api/v1/threads/{thread_id}/posts?limit=100"),
            None,
        )
        .await
        .expect(200);
    items(&page).iter().any(|p| id_of(p) == post_id)
}

/// (reporter id, status) of the flags an item shows.
fn flags_of(item: &Value) -> Vec<(i64, String)> {
    item["flags"]
        .as_array()
        .unwrap_or_else(|| panic!("no flags in {item}"))
        .iter()
        .map(|f| {
            (
                f["reporter"]["id"].as_i64().unwrap_or_default(),
                f["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn three_members_flagging_a_post_at_the_same_moment_are_all_heard_and_hide_it() {
    let app = TestApp::spawn().await;
    let author = person(&app, "Kim_Author", Role::Member).await;
    let reporters = [
        person(&app, "Ana_Reporter", Role::Member).await,
        person(&app, "Bo_Reporter", Role::Member).await,
        person(&app, "Cy_Reporter", Role::Member).await,
    ];
    let moderator = person(&app, "Mod_Lin", Role::Moderator).await;
    let (thread, posts) = replies_by(&app, &author, ROUNDS).await;

    for &post in &posts {
        let answers = together(
            reporters
                .iter()
                .zip(["spam", "harassment", "misinformation"])
                .map(|(who, reason)| flag(&app, who, post, reason))
                .collect(),
        )
        .await;
        all_answered(&answers, 201, "three flags at once");
        let hid = answers
            .iter()
            .filter(|a| a.json()["post_hidden"] == true)
            .count();
        assert_eq!(hid, 1, "the third report hides the post, once: {answers:?}");
    }

    let reporter_ids: BTreeSet<i64> = reporters.iter().map(|r| r.id).collect();
    for &post in &posts {
        assert!(
            !visible_to_visitors(&app, thread, post).await,
            "post {post} had three reporters and must be hidden"
        );
        let open = open_items(&app, &moderator, "flagged_post", post).await;
        assert_eq!(open.len(), 1, "one open item for post {post}: {open:?}");
        let flags = flags_of(&open[0]);
        let seen: BTreeSet<i64> = flags.iter().map(|f| f.0).collect();
        assert_eq!(
            seen, reporter_ids,
            "every report reaches the item: {flags:?}"
        );
        assert!(flags.iter().all(|f| f.1 == "open"), "{flags:?}");
    }
    let told: BTreeSet<i64> = notifications(&app, &author, "post_hidden")
        .await
        .iter()
        .map(|n| n["subject_id"].as_i64().unwrap_or_default())
        .collect();
    assert_eq!(told, posts.iter().copied().collect(), "told once per post");
    assert_eq!(
        notifications(&app, &author, "post_hidden").await.len(),
        posts.len()
    );
    let log = items(
        &app.get("/api/v1/moderation/log?limit=100", moderator.token())
            .await
            .expect(200),
    );
    let auto_hides: Vec<i64> = log
        .iter()
        .filter(|e| e["action"] == "auto_hide")
        .map(|e| e["target_id"].as_i64().unwrap_or_default())
        .collect();
    assert_eq!(
        auto_hides.len(),
        posts.len(),
        "one auto_hide per post: {auto_hides:?}"
    );
}

#[actix_web::test]
async fn members_worried_about_a_post_at_the_same_moment_open_one_crisis_item() {
    let app = TestApp::spawn().await;
    let author = person(&app, "Lea_Author", Role::Member).await;
    let reporters = [
        person(&app, "Dee_Reporter", Role::Member).await,
        person(&app, "Eli_Reporter", Role::Member).await,
        person(&app, "Fay_Reporter", Role::Member).await,
    ];
    let moderator = person(&app, "Mod_Quinn", Role::Moderator).await;
    let (thread, posts) = replies_by(&app, &author, ROUNDS).await;

    for &post in &posts {
        let answers = together(
            reporters
                .iter()
                .map(|who| flag(&app, who, post, "self_harm"))
                .collect(),
        )
        .await;
        all_answered(&answers, 201, "three self-harm reports at once");
    }
    for &post in &posts {
        let open = open_items(&app, &moderator, "crisis", post).await;
        assert_eq!(open.len(), 1, "one crisis item for post {post}: {open:?}");
        assert_eq!(flags_of(&open[0]).len(), 3, "{}", open[0]);
        assert!(
            visible_to_visitors(&app, thread, post).await,
            "a crisis report does not hide the post"
        );
    }
}

#[actix_web::test]
async fn a_report_arriving_while_a_moderator_dismisses_the_first_is_never_lost() {
    let app = TestApp::spawn().await;
    let author = person(&app, "Mia_Author", Role::Member).await;
    let first = person(&app, "Gil_Reporter", Role::Member).await;
    let second = person(&app, "Hal_Reporter", Role::Member).await;
    let moderator = person(&app, "Mod_Rae", Role::Moderator).await;
    let (_, posts) = replies_by(&app, &author, ROUNDS).await;

    for &post in &posts {
        flag(&app, &first, post, "spam").await.expect(201);
        let item = open_items(&app, &moderator, "flagged_post", post)
            .await
            .pop()
            .unwrap_or_else(|| panic!("no item for post {post}"));
        let (report, decision) = futures_util::future::join(
            flag(&app, &second, post, "harassment"),
            decide(&app, &moderator, &item, "dismiss"),
        )
        .await;
        report.expect(201);
        assert!(
            [200, 409].contains(&decision.status),
            "the decision either lands or finds the item changed: {} {}",
            decision.status,
            decision.body
        );
        // The second report is either still open on an open item, or was part of the
        // dismissal; never open with no item to show it.
        let open = open_items(&app, &moderator, "flagged_post", post).await;
        match open.as_slice() {
            [item] => assert!(
                flags_of(item).contains(&(second.id, "open".to_owned())),
                "the open item shows the second report: {item}"
            ),
            [] => {
                let resolved = super::queue(&app, &moderator, "&status=resolved").await;
                let flags: Vec<(i64, String)> = resolved
                    .iter()
                    .filter(|i| i["subject_id"] == post)
                    .flat_map(flags_of)
                    .collect();
                assert!(
                    flags.contains(&(second.id, "dismissed".to_owned())),
                    "with no open item, the second report must have been decided: {flags:?}"
                );
            }
            more => panic!("one open item at most for post {post}: {more:?}"),
        }
    }
}

#[actix_web::test]
async fn appealing_one_decision_three_times_at_once_opens_one_appeal() {
    let app = TestApp::spawn().await;
    let author = person(&app, "Noa_Author", Role::Member).await;
    let moderator = person(&app, "Mod_Sky", Role::Moderator).await;
    let (_, posts) = replies_by(&app, &author, ROUNDS).await;
    for &post in &posts {
        let reporter_flag = flag(&app, &moderator, post, "spam").await;
        reporter_flag.expect(201);
        let item = open_items(&app, &moderator, "flagged_post", post)
            .await
            .pop()
            .unwrap_or_else(|| panic!("no item for post {post}"));
        decide(&app, &moderator, &item, "remove").await.expect(200);
        let body = json!({
            "subject": {"kind": "decision", "id": id_of(&item)},
            "text": "This was my own experience, not advice."
        });
        let answers = together(
            (0..3)
                .map(|_| post_as(&app, &author, "/api/v1/appeals", body.clone()))
                .collect(),
        )
        .await;
        assert_eq!(statuses(&answers), [201, 409, 409], "{answers:?}");
    }
    let appeals = super::queue(&app, &moderator, "&kind=appeal").await;
    assert_eq!(appeals.len(), posts.len(), "one appeal item per decision");
}

#[actix_web::test]
async fn a_silence_and_a_suspension_placed_at_the_same_moment_both_count() {
    let app = TestApp::spawn().await;
    let first = person(&app, "Mod_Tao", Role::Moderator).await;
    let second = person(&app, "Mod_Uma", Role::Moderator).await;
    for round in 0..ROUNDS {
        let name = format!("Vic_{round}");
        let member = person(&app, &name, Role::Member).await;
        let path = format!("/api/v1/moderation/users/{}/sanctions", member.id);
        let answers = together(vec![
            post_as(
                &app,
                &first,
                &path,
                json!({"kind": "silence", "reason": "Heated replies."}),
            ),
            post_as(
                &app,
                &second,
                &path,
                json!({"kind": "suspend", "reason": "Repeated harassment."}),
            ),
        ])
        .await;
        all_answered(&answers, 201, "two sanctions at once");
        // The suspension is in force: the member cannot sign in.
        let login = app
            .login(&member.email, crate::harness::PASSWORD)
            .await
            .expect_problem(403);
        assert!(
            login["detail"]
                .as_str()
                .is_some_and(|d| d.contains("suspended")),
            "round {round}: {login}"
        );
        // Lifting the suspension twice at once lifts it once; the silence stays.
        let sanctions = app.get(&path, first.token()).await.expect(200);
        let suspension = sanctions
            .as_array()
            .and_then(|all| all.iter().find(|s| s["kind"] == "suspend"))
            .map(id_of)
            .unwrap_or_else(|| panic!("no suspension in {sanctions}"));
        let lift = format!("{path}/{suspension}");
        let answers = together(vec![
            app.delete(&lift, first.token()),
            app.delete(&lift, second.token()),
        ])
        .await;
        assert_eq!(statuses(&answers), [204, 409], "{answers:?}");
        let me = app
            .sign_in(&member.email, crate::harness::PASSWORD)
            .await
            .body;
        assert_eq!(me["user"]["state"], "silenced", "round {round}: {me}");
    }
}

#[actix_web::test]
async fn an_author_deleting_her_reply_as_the_third_report_hides_it_keeps_the_counts_true() {
    let app = TestApp::spawn().await;
    let author = person(&app, "Ola_Author", Role::Member).await;
    let reporters = [
        person(&app, "Ivy_Reporter", Role::Member).await,
        person(&app, "Jon_Reporter", Role::Member).await,
        person(&app, "Kai_Reporter", Role::Member).await,
    ];
    let (thread, posts) = replies_by(&app, &author, ROUNDS).await;
    for &post in &posts {
        for who in &reporters[..2] {
            flag(&app, who, post, "spam").await.expect(201);
        }
        let (report, deletion) = futures_util::future::join(
            flag(&app, &reporters[2], post, "spam"),
            app.delete(&format!("/api/v1/posts/{post}"), author.token()),
        )
        .await;
        deletion.expect(204);
        assert!(
            [201, 404, 409].contains(&report.status),
            "the report either lands or finds the post gone: {} {}",
            report.status,
            report.body
        );
    }
    // Every reply is hidden or deleted: the thread counts none of them.
    let shown = app
        .get(&format!("/api/v1/threads/{thread}"), None)
        .await
        .expect(200);
    assert_eq!(shown["reply_count"], 0, "{shown}");
}

#[actix_web::test]
async fn two_moderators_removing_one_watched_word_at_once_remove_it_once() {
    let app = TestApp::spawn().await;
    let first = person(&app, "Mod_Yas", Role::Moderator).await;
    let second = person(&app, "Mod_Zed", Role::Moderator).await;
    for round in 0..ROUNDS {
        let rule = post_as(
            &app,
            &first,
            "/api/v1/moderation/watched-words",
            json!({"pattern": format!("miracle cure {round}"), "action": "hold"}),
        )
        .await
        .expect(201);
        let path = format!("/api/v1/moderation/watched-words/{}", id_of(&rule));
        let answers = together(vec![
            app.delete(&path, first.token()),
            app.delete(&path, second.token()),
        ])
        .await;
        assert_eq!(statuses(&answers), [204, 404], "round {round}: {answers:?}");
    }
    let log = items(
        &app.get("/api/v1/moderation/log?limit=100", first.token())
            .await
            .expect(200),
    );
    let removed = log
        .iter()
        .filter(|e| e["action"] == "watched_word_removed")
        .count();
    assert_eq!(removed, ROUNDS, "one removal logged per rule");
}
