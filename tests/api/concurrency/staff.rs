//! Appeals, sanctions and watched words fired together.

use butterfly::auth::model::Role;
use serde_json::json;

use super::{ROUNDS, all_answered, post_as, replies_by, statuses, together};
use crate::harness::TestApp;
use crate::harness::json::{id_of, items};
use crate::harness::moderation::{decide, flag, open_items, queue};
use crate::harness::people::with_role;

#[actix_web::test]
async fn appealing_one_decision_three_times_at_once_opens_one_appeal() {
    let app = TestApp::spawn().await;
    let author = with_role(&app, "Noa_Author", Role::Member).await;
    let moderator = with_role(&app, "Mod_Sky", Role::Moderator).await;
    let (_, posts) = replies_by(&app, &author, ROUNDS).await;
    for &post in &posts {
        let reporter_flag = flag(&app, &moderator, post, "spam").await;
        reporter_flag.expect(201);
        let item = open_items(&app, &moderator, "flagged_post", post)
            .await
            .pop()
            .unwrap_or_else(|| panic!("no item for post {post}"));
        decide(&app, &moderator, &item, "remove", "Reviewed.")
            .await
            .expect(200);
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
    let appeals = queue(&app, &moderator, "&kind=appeal").await;
    assert_eq!(appeals.len(), posts.len(), "one appeal item per decision");
}

#[actix_web::test]
async fn a_silence_and_a_suspension_placed_at_the_same_moment_both_count() {
    let app = TestApp::spawn().await;
    let first = with_role(&app, "Mod_Tao", Role::Moderator).await;
    let second = with_role(&app, "Mod_Uma", Role::Moderator).await;
    for round in 0..ROUNDS {
        let name = format!("Vic_{round}");
        let member = with_role(&app, &name, Role::Member).await;
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
async fn two_moderators_removing_one_watched_word_at_once_remove_it_once() {
    let app = TestApp::spawn().await;
    let first = with_role(&app, "Mod_Yas", Role::Moderator).await;
    let second = with_role(&app, "Mod_Zed", Role::Moderator).await;
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

#[actix_web::test]
async fn a_ban_removing_a_members_posts_as_reports_hide_them_neither_fails_nor_miscounts() {
    let app = TestApp::spawn().await;
    let moderator = with_role(&app, "Mod_Abe", Role::Moderator).await;
    let reporters = [
        with_role(&app, "Bea_Reporter", Role::Member).await,
        with_role(&app, "Cal_Reporter", Role::Member).await,
        with_role(&app, "Dot_Reporter", Role::Member).await,
    ];
    let host = with_role(&app, "Eve_Host", Role::Member).await;
    for round in 0..ROUNDS {
        let spammer = with_role(&app, &format!("Spammer_{round}"), Role::Member).await;
        let thread = post_as(
            &app,
            &host,
            "/api/v1/boards/my-story/threads",
            json!({"title": format!("Round {round}"), "body": "Hello all."}),
        )
        .await
        .expect(201);
        let thread_id = id_of(&thread);
        let mut posts = Vec::new();
        for i in 0..6 {
            let post = post_as(
                &app,
                &spammer,
                &format!("/api/v1/threads/{thread_id}/posts"),
                json!({"body": format!("Cheap pills number {i}")}),
            )
            .await
            .expect(201);
            posts.push(id_of(&post));
        }
        for &post in &posts {
            for who in &reporters[..2] {
                flag(&app, who, post, "spam").await.expect(201);
            }
        }
        let sanctions = format!("/api/v1/moderation/users/{}/sanctions", spammer.id);
        let ban = post_as(
            &app,
            &moderator,
            &sanctions,
            json!({"kind": "ban", "reason": "Spam.", "remove_content": true}),
        );
        let reports = together(
            posts
                .iter()
                .map(|&post| flag(&app, &reporters[2], post, "spam"))
                .collect(),
        );
        let (ban, reports) = futures_util::future::join(ban, reports).await;
        ban.expect(201);
        for report in &reports {
            assert!(
                [201, 404, 409].contains(&report.status),
                "round {round}: {} {}",
                report.status,
                report.body
            );
        }
        let shown = app
            .get(&format!("/api/v1/threads/{thread_id}"), None)
            .await
            .expect(200);
        assert_eq!(shown["reply_count"], 0, "round {round}: {shown}");
    }
}
