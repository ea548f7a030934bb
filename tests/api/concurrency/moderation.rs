//! Flags and decisions fired together.

use std::collections::BTreeSet;

use butterfly::auth::model::Role;
use serde_json::Value;

use super::{ROUNDS, all_answered, replies_by, together};
use crate::harness::TestApp;
use crate::harness::forum::visible_post_ids;
use crate::harness::json::items;
use crate::harness::moderation::{decide, flag, open_items, queue};
use crate::harness::people::{notifications, with_role};

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
    let author = with_role(&app, "Kim_Author", Role::Member).await;
    let reporters = [
        with_role(&app, "Ana_Reporter", Role::Member).await,
        with_role(&app, "Bo_Reporter", Role::Member).await,
        with_role(&app, "Cy_Reporter", Role::Member).await,
    ];
    let moderator = with_role(&app, "Mod_Lin", Role::Moderator).await;
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
            !visible_post_ids(&app, thread, None).await.contains(&post),
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
    let author = with_role(&app, "Lea_Author", Role::Member).await;
    let reporters = [
        with_role(&app, "Dee_Reporter", Role::Member).await,
        with_role(&app, "Eli_Reporter", Role::Member).await,
        with_role(&app, "Fay_Reporter", Role::Member).await,
    ];
    let moderator = with_role(&app, "Mod_Quinn", Role::Moderator).await;
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
            visible_post_ids(&app, thread, None).await.contains(&post),
            "a crisis report does not hide the post"
        );
    }
}

#[actix_web::test]
async fn a_report_arriving_while_a_moderator_dismisses_the_first_is_never_lost() {
    let app = TestApp::spawn().await;
    let author = with_role(&app, "Mia_Author", Role::Member).await;
    let first = with_role(&app, "Gil_Reporter", Role::Member).await;
    let second = with_role(&app, "Hal_Reporter", Role::Member).await;
    let moderator = with_role(&app, "Mod_Rae", Role::Moderator).await;
    let (_, posts) = replies_by(&app, &author, ROUNDS).await;

    for &post in &posts {
        flag(&app, &first, post, "spam").await.expect(201);
        let item = open_items(&app, &moderator, "flagged_post", post)
            .await
            .pop()
            .unwrap_or_else(|| panic!("no item for post {post}"));
        let (report, decision) = futures_util::future::join(
            flag(&app, &second, post, "harassment"),
            decide(&app, &moderator, &item, "dismiss", "Reviewed."),
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
                let resolved = queue(&app, &moderator, "&status=resolved").await;
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
async fn an_author_deleting_her_reply_as_the_third_report_hides_it_keeps_the_counts_true() {
    let app = TestApp::spawn().await;
    let author = with_role(&app, "Ola_Author", Role::Member).await;
    let reporters = [
        with_role(&app, "Ivy_Reporter", Role::Member).await,
        with_role(&app, "Jon_Reporter", Role::Member).await,
        with_role(&app, "Kai_Reporter", Role::Member).await,
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
