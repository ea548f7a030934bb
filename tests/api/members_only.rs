//! Members-only spaces, as a member who writes about pregnancy with lupus needs them: the
//! sensitive boards start members only, so visitors and search engines never see their
//! threads (not in the board list, search or counts, and a direct address asks them to sign
//! in), members read them as any board, with `X-Robots-Tag: noindex` on every answer about
//! them; administrators choose which boards are members only. A member may also hide her
//! profile page from visitors.

use serde_json::json;

use crate::harness::TestApp;
use crate::harness::forum::{reply, start_thread};
use crate::harness::json::items;
use crate::harness::people::{admin, member};

#[actix_web::test]
async fn a_story_in_a_members_only_board_never_reaches_visitors_or_search_engines() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;

    // The boards a visitor sees leave out those for members; a member sees them flagged.
    let slugs = |boards: &serde_json::Value| -> Vec<String> {
        boards
            .as_array()
            .expect("a list")
            .iter()
            .map(|b| b["slug"].as_str().expect("slug").to_owned())
            .collect()
    };
    let visitors = app.get("/api/v1/boards", None).await.expect(200);
    assert!(
        !slugs(&visitors).contains(&"pregnancy".to_owned()),
        "{visitors}"
    );
    assert!(
        !slugs(&visitors).contains(&"mental-health".to_owned()),
        "{visitors}"
    );
    assert!(
        slugs(&visitors).contains(&"my-story".to_owned()),
        "{visitors}"
    );
    let members = app.get("/api/v1/boards", mei.token()).await.expect(200);
    for slug in ["pregnancy", "mental-health"] {
        let board = members
            .as_array()
            .expect("a list")
            .iter()
            .find(|b| b["slug"] == slug)
            .unwrap_or_else(|| panic!("{slug} listed for members: {members}"));
        assert_eq!(board["members_only"], true, "{board}");
    }

    let story = start_thread(
        &app,
        &mei,
        "pregnancy",
        "Planning a baby on hydroxychloroquine",
        "My rheumatologist says to stay on it; anyone else been through this?",
    )
    .await;
    let thread_id = story["id"].as_i64().expect("thread id");
    reply(
        &app,
        &ana,
        thread_id,
        "Yes, I stayed on it. My son is two now.",
    )
    .await;

    // A visitor (or a crawler) is asked to sign in at every address of the board.
    for path in [
        "/api/v1/boards/pregnancy".to_owned(),
        "/api/v1/boards/pregnancy/threads".to_owned(),
        format!("/api/v1/threads/{thread_id}"),
        format!("/api/v1/threads/{thread_id}/posts"),
    ] {
        let reply = app.get(&path, None).await;
        let problem = reply.expect_problem(401);
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("members only")),
            "{path}: {problem}"
        );
        assert!(!reply.body.contains("hydroxychloroquine"), "{path}");
    }
    // Search never shows it to visitors; members find it.
    let hits = app
        .get("/api/v1/search?q=hydroxychloroquine", None)
        .await
        .expect(200);
    assert!(items(&hits).is_empty(), "{hits}");
    let hits = app
        .get("/api/v1/search?q=hydroxychloroquine", ana.token())
        .await
        .expect(200);
    assert_eq!(items(&hits).len(), 1, "{hits}");

    // Members read it, and every answer about it tells search engines not to index it.
    for path in [
        "/api/v1/boards/pregnancy".to_owned(),
        "/api/v1/boards/pregnancy/threads".to_owned(),
        format!("/api/v1/threads/{thread_id}"),
        format!("/api/v1/threads/{thread_id}/posts"),
    ] {
        let reply = app.get(&path, ana.token()).await;
        reply.expect(200);
        assert_eq!(
            reply.header("x-robots-tag").as_deref(),
            Some("noindex"),
            "{path}"
        );
    }
    let listed = app
        .get("/api/v1/boards/pregnancy/threads", ana.token())
        .await
        .expect(200);
    assert_eq!(items(&listed).len(), 1, "{listed}");
    // Public boards are indexed as before.
    let public = app.get("/api/v1/boards/my-story/threads", None).await;
    public.expect(200);
    assert_eq!(public.header("x-robots-tag"), None);
}

#[actix_web::test]
async fn administrators_choose_which_boards_are_for_members_only() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "Admin_Root").await;
    let mei = member(&app, "Mei_Lin").await;
    let story = start_thread(
        &app,
        &mei,
        "carers",
        "My husband drives me",
        "He is a saint.",
    )
    .await;
    let thread_id = story["id"].as_i64().expect("thread id");
    let thread = format!("/api/v1/threads/{thread_id}");
    app.get(&thread, None).await.expect(200);

    let board = app
        .patch_json(
            "/api/v1/boards/carers",
            root.token(),
            &json!({"members_only": true}),
        )
        .await
        .expect(200);
    assert_eq!(board["members_only"], true, "{board}");
    app.get(&thread, None).await.expect_problem(401);
    app.get(&thread, mei.token()).await.expect(200);

    app.patch_json(
        "/api/v1/boards/carers",
        root.token(),
        &json!({"members_only": false}),
    )
    .await
    .expect(200);
    app.get(&thread, None).await.expect(200);

    // A new board can start members only; only administrators decide.
    let created = app
        .post_json_as(
            "/api/v1/boards",
            &root.access,
            &json!({"slug": "work-and-benefits", "name": "Work & benefits", "members_only": true}),
        )
        .await
        .expect(201);
    assert_eq!(created["members_only"], true, "{created}");
    app.get("/api/v1/boards/work-and-benefits", None)
        .await
        .expect_problem(401);
    app.patch_json(
        "/api/v1/boards/work-and-benefits",
        mei.token(),
        &json!({"members_only": false}),
    )
    .await
    .expect_problem(403);
}

#[actix_web::test]
async fn a_member_hides_her_profile_from_visitors_and_members_still_see_it() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;
    let profile = format!("/api/v1/users/{}", mei.id);
    app.get(&profile, None).await.expect(200);

    let me = app
        .patch_json("/api/v1/me", mei.token(), &json!({"profile_hidden": true}))
        .await
        .expect(200);
    assert_eq!(me["profile_hidden"], true, "{me}");
    // A visitor cannot tell a hidden profile from no profile at all.
    let hidden = app.get(&profile, None).await.expect_problem(404);
    let unknown = app
        .get("/api/v1/users/999999", None)
        .await
        .expect_problem(404);
    assert_eq!(hidden["detail"], unknown["detail"]);
    let seen = app.get(&profile, ana.token()).await.expect(200);
    assert_eq!(seen["display_name"], "Mei_Lin");

    app.patch_json("/api/v1/me", mei.token(), &json!({"profile_hidden": false}))
        .await
        .expect(200);
    app.get(&profile, None).await.expect(200);
}
