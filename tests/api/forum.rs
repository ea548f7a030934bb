//! The forum: boards, stories and replies, anonymity, edits and their revisions, deleted posts,
//! the XSS corpus, reactions, the limits on new members, who may write, locked threads and
//! archived boards, pagination, and the number of SQL statements a page costs.
//!
//! Search lives in `search.rs`, notifications and reply emails in `notifications.rs`.

use std::collections::HashSet;

use butterfly::auth::model::Role;
use serde_json::{Value, json};

use crate::harness::forum::{
    age_posts, board_threads, post_reply, post_thread, react, reply, start_thread, thread_posts,
};
use crate::harness::json::{assert_rfc3339, encode, id_of, ids};
use crate::harness::people::{Person, member, newcomer, with_role};
use crate::harness::{PASSWORD, TestApp};

#[track_caller]
fn find_board<'a>(boards: &'a Value, slug: &str) -> &'a Value {
    boards
        .as_array()
        .unwrap_or_else(|| panic!("boards should be a list: {boards}"))
        .iter()
        .find(|b| b["slug"] == slug)
        .unwrap_or_else(|| panic!("no board {slug} in {boards}"))
}

fn slugs(boards: &Value) -> Vec<String> {
    boards
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|b| b["slug"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

// ----- boards -----

#[actix_web::test]
async fn a_fresh_server_lists_the_default_boards_with_their_activity() {
    let app = TestApp::spawn().await;

    let boards = app.get("/api/v1/boards", None).await.expect(200);
    let list = boards.as_array().expect("the boards are a list");
    assert!(
        list.len() >= 5,
        "a sensible default set of boards: {boards}"
    );
    let names = slugs(&boards);
    for slug in ["introductions", "my-story", "kidneys", "carers"] {
        assert!(
            names.iter().any(|s| s == slug),
            "no default board {slug}: {names:?}"
        );
    }
    let mut last_position = i64::MIN;
    for board in list {
        assert!(board["id"].is_i64(), "id of {board}");
        assert!(
            board["name"].as_str().is_some_and(|n| !n.is_empty()),
            "name of {board}"
        );
        assert!(board["description"].is_string(), "description of {board}");
        assert_eq!(board["archived"], false, "{board}");
        assert_eq!(board["thread_count"], 0, "{board}");
        assert!(
            board
                .as_object()
                .is_some_and(|b| b.contains_key("last_activity_at")),
            "every board says when it was last active: {board}"
        );
        let position = board["position"]
            .as_i64()
            .unwrap_or_else(|| panic!("position of {board}"));
        assert!(
            position >= last_position,
            "boards in display order: {boards}"
        );
        last_position = position;
    }

    // A story makes the board active.
    let ana = member(&app, "Ana_L").await;
    start_thread(
        &app,
        &ana,
        "my-story",
        "Diagnosed at 21",
        "Ten years of lupus.",
    )
    .await;
    let boards = app.get("/api/v1/boards", None).await.expect(200);
    let my_story = find_board(&boards, "my-story");
    assert_eq!(my_story["thread_count"], 1, "{my_story}");
    assert_rfc3339(&my_story["last_activity_at"]);
    let one = app.get("/api/v1/boards/my-story", None).await.expect(200);
    assert_eq!(one["thread_count"], 1, "{one}");
    app.get("/api/v1/boards/no-such-board", None)
        .await
        .expect_problem(404);
}

#[actix_web::test]
async fn administrators_create_rename_reorder_and_archive_boards_and_nobody_else_may() {
    let app = TestApp::spawn().await;
    let admin = with_role(&app, "Ada_A", Role::Admin).await;
    let member = member(&app, "Ben_B").await;
    let fatigue = json!({
        "slug": "fatigue",
        "name": "Fatigue",
        "description": "Living with lupus fatigue",
        "position": 8
    });

    // Members and visitors may not.
    app.send(
        awc::http::Method::POST,
        "/api/v1/boards",
        member.token(),
        Some(&fatigue),
    )
    .await
    .expect_problem(403);
    app.post_json("/api/v1/boards", &fatigue)
        .await
        .expect_problem(401);

    let created = app
        .post_json_as("/api/v1/boards", &admin.access, &fatigue)
        .await
        .expect(201);
    assert_eq!(created["slug"], "fatigue");
    assert_eq!(created["name"], "Fatigue");
    assert_eq!(created["description"], "Living with lupus fatigue");
    assert_eq!(created["position"], 8);
    assert_eq!(created["archived"], false);
    assert_eq!(created["thread_count"], 0);
    app.post_json_as("/api/v1/boards", &admin.access, &fatigue)
        .await
        .expect_problem(409);
    app.post_json_as(
        "/api/v1/boards",
        &admin.access,
        &json!({"slug": "Not A Slug", "name": "Fatigue two"}),
    )
    .await
    .expect_invalid_field("slug");

    // Rename.
    let rename = json!({"name": "Fatigue & energy"});
    app.patch_json("/api/v1/boards/fatigue", member.token(), &rename)
        .await
        .expect_problem(403);
    app.patch_json("/api/v1/boards/fatigue", None, &rename)
        .await
        .expect_problem(401);
    app.patch_json("/api/v1/boards/no-such-board", admin.token(), &rename)
        .await
        .expect_problem(404);
    let renamed = app
        .patch_json("/api/v1/boards/fatigue", admin.token(), &rename)
        .await
        .expect(200);
    assert_eq!(renamed["name"], "Fatigue & energy");
    assert_eq!(renamed["slug"], "fatigue");

    // Reorder: to the top of the list.
    app.patch_json(
        "/api/v1/boards/fatigue",
        admin.token(),
        &json!({"position": 0}),
    )
    .await
    .expect(200);
    let boards = app.get("/api/v1/boards", member.token()).await.expect(200);
    assert_eq!(
        slugs(&boards).first().map(String::as_str),
        Some("fatigue"),
        "the board moved to the top: {boards}"
    );
    assert_eq!(find_board(&boards, "fatigue")["name"], "Fatigue & energy");

    // Archive: read-only, still readable.
    let thread = start_thread(
        &app,
        &member,
        "fatigue",
        "Tired all the time",
        "Is it the lupus or the pills?",
    )
    .await;
    let thread_id = id_of(&thread);
    let archive = json!({"archived": true});
    app.patch_json("/api/v1/boards/fatigue", member.token(), &archive)
        .await
        .expect_problem(403);
    let archived = app
        .patch_json("/api/v1/boards/fatigue", admin.token(), &archive)
        .await
        .expect(200);
    assert_eq!(archived["archived"], true);

    let refused = post_thread(
        &app,
        member.token(),
        "fatigue",
        &json!({"title": "Another tired day", "body": "Still tired."}),
    )
    .await
    .expect_problem(409);
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("archived")),
        "the refusal says why: {refused}"
    );
    post_reply(&app, member.token(), thread_id, &json!({"body": "Me too."}))
        .await
        .expect_problem(409);
    let listed = board_threads(&app, "fatigue", "", None).await;
    assert_eq!(
        ids(&listed),
        vec![thread_id],
        "an archived board stays readable"
    );
    app.get(&format!("/api/v1/threads/{thread_id}"), None)
        .await
        .expect(200);
    assert_eq!(thread_posts(&app, thread_id, None).await.len(), 1);

    // Unarchived, it takes stories again.
    app.patch_json(
        "/api/v1/boards/fatigue",
        admin.token(),
        &json!({"archived": false}),
    )
    .await
    .expect(200);
    start_thread(
        &app,
        &member,
        "fatigue",
        "Another tired day",
        "Still tired.",
    )
    .await;
}

// ----- stories -----

#[actix_web::test]
async fn a_member_shares_her_story_and_another_member_finds_it_on_the_board_and_by_tag() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;

    let story = post_thread(
        &app,
        ana.token(),
        "my-story",
        &json!({
            "title": "Diagnosed at 21, ten years on",
            "body": "I was diagnosed with **SLE** at 21.\n\nThe first years were hard on my kidneys.",
            "tags": ["Nephritis", "  diagnosis ", "Hydroxychloroquine"],
            "content_warning": "mentions hospital stays",
        }),
    )
    .await
    .expect(201);
    let thread_id = id_of(&story);
    assert_eq!(story["title"], "Diagnosed at 21, ten years on");
    assert_eq!(story["board"], "my-story");
    assert_eq!(
        story["tags"],
        json!(["nephritis", "diagnosis", "hydroxychloroquine"])
    );
    assert_eq!(story["content_warning"], "mentions hospital stays");
    assert_eq!(story["author"]["id"], ana.id);
    assert_eq!(story["author"]["display_name"], "Ana_L");
    assert_eq!(story["first_post"]["is_first"], true);
    assert!(
        story["first_post"]["body_html"]
            .as_str()
            .is_some_and(|h| h.contains("<strong>SLE</strong>")),
        "the body is rendered: {story}"
    );

    // Ben finds it on the board, with everything needed to draw it.
    let listed = board_threads(&app, "my-story", "", ben.token()).await;
    let item = listed
        .iter()
        .find(|t| id_of(t) == thread_id)
        .unwrap_or_else(|| panic!("the story is not on its board: {listed:?}"));
    assert_eq!(item["title"], "Diagnosed at 21, ten years on");
    assert_eq!(item["author"]["id"], ana.id);
    assert_eq!(item["author"]["display_name"], "Ana_L");
    assert_eq!(item["author"]["role"], "member");
    assert_eq!(
        item["tags"],
        json!(["nephritis", "diagnosis", "hydroxychloroquine"])
    );
    assert_eq!(item["content_warning"], "mentions hospital stays");
    assert_eq!(item["reply_count"], 0);
    assert_eq!(item["reaction_count"], 0);
    assert_eq!(item["my_reactions"], json!([]));
    assert!(item["reactions"].is_object(), "reaction counts: {item}");
    assert_rfc3339(&item["created_at"]);
    assert_rfc3339(&item["last_activity_at"]);

    // …and by tag, but not under another tag.
    let tagged = board_threads(&app, "my-story", "&tag=nephritis", ben.token()).await;
    assert_eq!(ids(&tagged), vec![thread_id]);
    let other = board_threads(&app, "my-story", "&tag=fatigue", ben.token()).await;
    assert!(other.is_empty(), "no story has that tag: {other:?}");

    // The thread itself, with the markdown as written and the warning.
    let thread = app
        .get(&format!("/api/v1/threads/{thread_id}"), ben.token())
        .await
        .expect(200);
    assert_eq!(thread["content_warning"], "mentions hospital stays");
    assert_eq!(
        thread["first_post"]["body"],
        "I was diagnosed with **SLE** at 21.\n\nThe first years were hard on my kidneys."
    );

    // A reply counts and moves the last activity.
    let answer = reply(&app, &ben, thread_id, "Thank you for writing this.").await;
    assert_eq!(answer["thread_id"], thread_id);
    assert_eq!(answer["author"]["id"], ben.id);
    let thread = app
        .get(&format!("/api/v1/threads/{thread_id}"), None)
        .await
        .expect(200);
    assert_eq!(thread["reply_count"], 1);
    assert!(
        thread["last_activity_at"].as_str() >= item["last_activity_at"].as_str(),
        "last activity moves forward: {thread}"
    );
    app.get("/api/v1/threads/999999", None)
        .await
        .expect_problem(404);
}

#[actix_web::test]
async fn invalid_stories_and_replies_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let good = json!({
        "title": "My lupus story",
        "body": "It started with a rash.",
        "tags": ["rash"],
        "content_warning": "photos of skin",
    });
    let cases: Vec<(&str, Value)> = vec![
        ("title", json!({"title": "Four"})),
        ("title", json!({"title": "狼疮十年"})),
        ("title", json!({"title": "t".repeat(151)})),
        ("body", json!({"body": ""})),
        ("body", json!({"body": "  \n "})),
        ("body", json!({"body": "a".repeat(20_001)})),
        ("tags", json!({"tags": ["a", "b", "c", "d", "e", "f"]})),
        ("tags", json!({"tags": ["x"]})),
        ("tags", json!({"tags": ["t".repeat(31)]})),
        (
            "content_warning",
            json!({"content_warning": "w".repeat(101)}),
        ),
    ];
    for (field, change) in cases {
        let mut body = good.clone();
        for (key, value) in change.as_object().expect("an object") {
            body[key] = value.clone();
        }
        let answer = post_thread(&app, ana.token(), "my-story", &body).await;
        assert_eq!(
            answer.status, 422,
            "a story with {field} = {} should be refused: {}",
            change[field], answer.body
        );
        answer.expect_invalid_field(field);
    }

    // The limits themselves are allowed; characters are counted, not bytes.
    let edge = post_thread(
        &app,
        ana.token(),
        "my-story",
        &json!({
            "title": "t".repeat(150),
            "body": "a".repeat(20_000),
            "tags": ["ab", "c".repeat(30), "Three", "four", "five"],
            "content_warning": "w".repeat(100),
        }),
    )
    .await
    .expect(201);
    assert_eq!(edge["tags"].as_array().map(Vec::len), Some(5));
    let chinese = post_thread(
        &app,
        ana.token(),
        "my-story",
        &json!({"title": "我的狼疮路", "body": "从确诊到缓解。"}),
    )
    .await
    .expect(201);
    assert_eq!(chinese["title"], "我的狼疮路");
    assert_eq!(chinese["tags"], json!([]));
    assert!(chinese["content_warning"].is_null(), "{chinese}");

    let thread_id = id_of(&chinese);
    for body in [json!({"body": ""}), json!({"body": "b".repeat(20_001)})] {
        post_reply(&app, ana.token(), thread_id, &body)
            .await
            .expect_invalid_field("body");
    }
}

#[actix_web::test]
async fn an_anonymous_story_hides_its_author_from_members_and_visitors_but_not_from_moderators() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let moderator = with_role(&app, "Mia_M", Role::Moderator).await;

    let story = post_thread(
        &app,
        ana.token(),
        "my-story",
        &json!({
            "title": "I have not told my family",
            "body": "Nobody at home knows how bad the fatigue is.",
            "anonymous": true,
        }),
    )
    .await
    .expect(201);
    let thread_id = id_of(&story);
    assert_eq!(
        story["author"]["id"], ana.id,
        "the author sees herself: {story}"
    );
    reply(&app, &ben, thread_id, "You are not alone.").await;
    post_reply(
        &app,
        ana.token(),
        thread_id,
        &json!({"body": "Thank you, it helps.", "anonymous": true}),
    )
    .await
    .expect(201);

    let thread_path = format!("/api/v1/threads/{thread_id}");
    for (viewer, token) in [("a member", ben.token()), ("a visitor", None)] {
        let thread = app.get(&thread_path, token).await.expect(200);
        let listed = board_threads(&app, "my-story", "", token).await;
        let posts = thread_posts(&app, thread_id, token).await;
        let anonymous_posts: Vec<&Value> = posts
            .iter()
            .filter(|p| p["author"]["id"] != ben.id)
            .collect();
        assert_eq!(anonymous_posts.len(), 2, "{posts:?}");
        let mut authors = vec![&thread["author"], &thread["first_post"]["author"]];
        authors.extend(listed.iter().map(|t| &t["author"]));
        authors.extend(anonymous_posts.iter().map(|p| &p["author"]));
        for author in authors {
            assert_eq!(
                author["display_name"], "Anonymous member",
                "{viewer} sees {author}"
            );
            assert!(author["id"].is_null(), "{viewer} sees an id in {author}");
        }
        for text in [
            thread.to_string(),
            format!("{listed:?}"),
            format!("{posts:?}"),
        ] {
            assert!(
                !text.contains("Ana_L"),
                "{viewer} must not learn who wrote it: {text}"
            );
        }
    }

    for (viewer, token) in [
        ("the moderator", moderator.token()),
        ("the author", ana.token()),
    ] {
        let thread = app.get(&thread_path, token).await.expect(200);
        for author in [&thread["author"], &thread["first_post"]["author"]] {
            assert_eq!(author["id"], ana.id, "{viewer} sees {author}");
            assert_eq!(author["display_name"], "Ana_L", "{viewer} sees {author}");
        }
        let posts = thread_posts(&app, thread_id, token).await;
        let anas = posts.iter().filter(|p| p["author"]["id"] == ana.id).count();
        assert_eq!(
            anas, 2,
            "{viewer} sees both of Ana's posts as hers: {posts:?}"
        );
        let listed = board_threads(&app, "my-story", "", token).await;
        assert_eq!(listed[0]["author"]["id"], ana.id, "{viewer}: {listed:?}");
    }
}

#[actix_web::test]
async fn an_edit_keeps_the_earlier_version_for_the_author_and_the_moderators() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let moderator = with_role(&app, "Mia_M", Role::Moderator).await;

    let story = start_thread(
        &app,
        &ana,
        "treatments-and-trials",
        "Starting mycophenolate",
        "Week one: nausea.",
    )
    .await;
    let thread_id = id_of(&story);
    let first_post = story["first_post_id"].as_i64().expect("first_post_id");
    let path = format!("/api/v1/posts/{first_post}");

    // Only the author edits.
    let change = json!({"title": "Six months on mycophenolate", "body": "Month six: stable."});
    app.patch_json(&path, ben.token(), &change)
        .await
        .expect_problem(403);
    app.patch_json(&path, None, &change)
        .await
        .expect_problem(401);
    app.patch_json(&path, ana.token(), &json!({"title": "Six"}))
        .await
        .expect_invalid_field("title");

    let edited = app
        .patch_json(&path, ana.token(), &change)
        .await
        .expect(200);
    assert_eq!(edited["body"], "Month six: stable.");
    assert_rfc3339(&edited["edited_at"]);
    let thread = app
        .get(&format!("/api/v1/threads/{thread_id}"), ben.token())
        .await
        .expect(200);
    assert_eq!(thread["title"], "Six months on mycophenolate");
    assert_eq!(thread["first_post"]["body"], "Month six: stable.");
    app.patch_json(
        &path,
        ana.token(),
        &json!({"body": "Month seven: kidneys improving."}),
    )
    .await
    .expect(200);

    let revisions_path = format!("/api/v1/posts/{first_post}/revisions");
    for token in [ana.token(), moderator.token()] {
        let revisions = app.get(&revisions_path, token).await.expect(200);
        let list = revisions.as_array().expect("revisions are a list");
        assert_eq!(list.len(), 2, "two earlier versions: {revisions}");
        assert_eq!(list[0]["body"], "Week one: nausea.");
        assert_eq!(list[0]["title"], "Starting mycophenolate");
        assert_eq!(list[1]["body"], "Month six: stable.");
        assert_eq!(list[1]["title"], "Six months on mycophenolate");
        assert_eq!(list[0]["edited_by"], ana.id);
        assert_eq!(list[0]["editor"], "author");
        assert_rfc3339(&list[0]["created_at"]);
    }
    app.get(&revisions_path, ben.token())
        .await
        .expect_problem(403);
    app.get(&revisions_path, None).await.expect_problem(401);

    // A reply's body can be edited, but it has no title.
    let answer = reply(&app, &ben, thread_id, "Glad it helps.").await;
    let answer_path = format!("/api/v1/posts/{}", id_of(&answer));
    app.patch_json(
        &answer_path,
        ben.token(),
        &json!({"title": "A title for a reply"}),
    )
    .await
    .expect_invalid_field("title");
    app.patch_json(
        &answer_path,
        ben.token(),
        &json!({"body": "So glad it helps!"}),
    )
    .await
    .expect(200);
    let revisions = app
        .get(&format!("{answer_path}/revisions"), ben.token())
        .await
        .expect(200);
    assert_eq!(revisions[0]["body"], "Glad it helps.", "{revisions}");
}

#[actix_web::test]
async fn a_deleted_post_leaves_a_placeholder_and_the_replies_still_make_sense() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let cleo = member(&app, "Cleo_C").await;

    let story = start_thread(
        &app,
        &ana,
        "side-effects",
        "Moon face from prednisone",
        "How long did it last for you?",
    )
    .await;
    let thread_id = id_of(&story);
    let question = reply(
        &app,
        &ben,
        thread_id,
        "Mine lasted a year; my phone number is in my profile.",
    )
    .await;
    let question_id = id_of(&question);
    let answer = post_reply(
        &app,
        cleo.token(),
        thread_id,
        &json!({"body": "Same for me, about a year.", "reply_to": question_id}),
    )
    .await
    .expect(201);

    let path = format!("/api/v1/posts/{question_id}");
    app.delete(&path, cleo.token()).await.expect_problem(403);
    app.delete(&path, None).await.expect_problem(401);
    app.delete(&path, ben.token()).await.expect(204);

    for token in [cleo.token(), None] {
        let posts = thread_posts(&app, thread_id, token).await;
        assert_eq!(
            ids(&posts),
            vec![
                story["first_post_id"].as_i64().expect("first post"),
                question_id,
                id_of(&answer)
            ],
            "the thread keeps its shape: {posts:?}"
        );
        let placeholder = &posts[1];
        assert_eq!(placeholder["body"], "[deleted]", "{placeholder}");
        assert!(
            placeholder["body_html"]
                .as_str()
                .is_some_and(|h| h.contains("[deleted]")),
            "{placeholder}"
        );
        assert_eq!(placeholder["status"], "deleted");
        let text = format!("{posts:?}");
        assert!(
            !text.contains("phone number"),
            "the deleted words are gone: {text}"
        );
        assert_eq!(posts[2]["reply_to"], question_id);
        assert_eq!(posts[2]["body"], "Same for me, about a year.");
    }
}

// ----- XSS -----

/// The payload lines of `tests/fixtures/xss.txt` (`#` lines are comments).
fn xss_lines() -> impl Iterator<Item = &'static str> {
    include_str!("../fixtures/xss.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
}

/// The payloads of `tests/fixtures/xss.txt`: each line as written and, when it has them, with
/// `\t`, `\n`, `\r`, `\0` and `\\` turned into the characters they name (see the file's header).
fn xss_payloads() -> Vec<String> {
    let mut payloads = Vec::new();
    for line in xss_lines() {
        payloads.push(line.to_owned());
        let unescaped = line
            .replace("\\\\", "\u{1}")
            .replace("\\t", "\t")
            .replace("\\n", "\n")
            .replace("\\r", "\r")
            .replace("\\0", "\0")
            .replace('\u{1}', "\\");
        if unescaped != line {
            payloads.push(unescaped);
        }
    }
    payloads
}

/// HTML character references decoded (numeric ones, and the named ones that matter in URLs).
fn decode_entities(text: &str) -> String {
    const NAMED: [(&str, char); 9] = [
        ("amp", '&'),
        ("lt", '<'),
        ("gt", '>'),
        ("quot", '"'),
        ("apos", '\''),
        ("colon", ':'),
        ("tab", '\t'),
        ("newline", '\n'),
        ("nbsp", '\u{A0}'),
    ];
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(number) = rest.strip_prefix('#') {
            let (digits, radix) = match number.strip_prefix(['x', 'X']) {
                Some(hex) => (hex, 16),
                None => (number, 10),
            };
            let len = digits
                .find(|c: char| !c.is_digit(radix))
                .unwrap_or(digits.len());
            if len > 0 {
                let code = u32::from_str_radix(&digits[..len.min(8)], radix).ok();
                out.push(code.and_then(char::from_u32).unwrap_or('\u{FFFD}'));
                rest = digits[len..].strip_prefix(';').unwrap_or(&digits[len..]);
                continue;
            }
        } else if let Some((name, c)) = NAMED.iter().find(|(name, _)| {
            rest.get(..name.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(name))
        }) {
            out.push(*c);
            rest = rest[name.len()..]
                .strip_prefix(';')
                .unwrap_or(&rest[name.len()..]);
            continue;
        }
        out.push('&');
    }
    out.push_str(rest);
    out
}

/// The start tags of `html`: lowercase name and (lowercase attribute, raw value) pairs.
fn start_tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let chars: Vec<char> = html.chars().collect();
    let mut tags = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '<' || !chars.get(i + 1).is_some_and(char::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && !['/', '>'].contains(&chars[i]) {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect::<String>().to_lowercase();
        let mut attributes = Vec::new();
        loop {
            while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
                i += 1;
            }
            if i >= chars.len() || chars[i] == '>' {
                i += 1;
                break;
            }
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !['=', '>', '/'].contains(&chars[i])
            {
                i += 1;
            }
            let attribute: String = chars[start..i].iter().collect::<String>().to_lowercase();
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            let mut value = String::new();
            if chars.get(i) == Some(&'=') {
                i += 1;
                while i < chars.len() && chars[i].is_whitespace() {
                    i += 1;
                }
                if let Some(&quote) = chars.get(i).filter(|c| **c == '"' || **c == '\'') {
                    i += 1;
                    while i < chars.len() && chars[i] != quote {
                        value.push(chars[i]);
                        i += 1;
                    }
                    i += 1;
                } else {
                    while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '>' {
                        value.push(chars[i]);
                        i += 1;
                    }
                }
            }
            attributes.push((attribute, value));
        }
        tags.push((name, attributes));
    }
    tags
}

/// What is dangerous in one rendered post, if anything.
fn xss_problem(html: &str) -> Option<String> {
    let lower = html.to_lowercase();
    for tag in [
        "script", "iframe", "object", "embed", "form", "meta", "style", "svg", "img",
    ] {
        if lower.contains(&format!("<{tag}")) {
            return Some(format!("a <{tag}> tag"));
        }
    }
    for (name, attributes) in start_tags(html) {
        for (attribute, raw) in &attributes {
            if attribute.starts_with("on") {
                return Some(format!("an event handler {attribute} on <{name}>"));
            }
            if attribute == "href" || attribute == "src" {
                let url: String = decode_entities(&decode_entities(raw))
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .flat_map(char::to_lowercase)
                    .collect();
                for scheme in ["javascript:", "vbscript:", "data:"] {
                    if url.contains(scheme) {
                        return Some(format!("a {scheme} URL in {attribute} of <{name}>"));
                    }
                }
            }
        }
        if name == "a" {
            let rel = attributes
                .iter()
                .find(|(a, _)| a == "rel")
                .map(|(_, v)| v.as_str());
            if rel != Some("nofollow ugc noopener") {
                return Some(format!("a link with rel {rel:?}"));
            }
        }
    }
    None
}

#[actix_web::test]
async fn no_payload_of_the_xss_corpus_survives_in_the_thread_page() {
    let app = TestApp::spawn().await;
    let mallory = member(&app, "Mallory_M").await;
    let lines = xss_lines().count();
    assert!(lines >= 60, "the corpus has only {lines} payloads");
    let payloads = xss_payloads();

    let thread = post_thread(
        &app,
        mallory.token(),
        "introductions",
        &json!({
            "title": "<script>alert(1)</script> hello",
            "body": "[first](javascript:alert(1)) and [a real link](https://example.org/lupus)",
        }),
    )
    .await
    .expect(201);
    let thread_id = id_of(&thread);
    let mut refused = Vec::new();
    let mut errors = Vec::new();
    for payload in &payloads {
        let answer = post_reply(&app, mallory.token(), thread_id, &json!({"body": payload})).await;
        match answer.status {
            201 => {}
            // Refusing a body (for example one with a NUL character) is safe too.
            422 => {
                answer.expect_invalid_field("body");
                refused.push(payload.clone());
            }
            status => errors.push(format!("{payload:?} answered {status}: {}", answer.body)),
        }
    }
    let posts = thread_posts(&app, thread_id, mallory.token()).await;
    assert_eq!(
        posts.len(),
        1 + payloads.len() - refused.len() - errors.len(),
        "every accepted payload is in the thread"
    );
    let mut failures = Vec::new();
    let mut links = 0;
    for post in &posts {
        let html = post["body_html"]
            .as_str()
            .unwrap_or_else(|| panic!("no body_html in {post}"));
        links += start_tags(html).iter().filter(|(n, _)| n == "a").count();
        if let Some(problem) = xss_problem(html) {
            failures.push(format!("{:?}\n  -> {html:?}\n  {problem}", post["body"]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} unsafe posts:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        links > 0,
        "some payloads carry real links, whose rel was checked"
    );
    assert!(
        errors.is_empty(),
        "{} payloads were neither stored nor refused with 422:\n{}",
        errors.len(),
        errors.join("\n")
    );
    if !refused.is_empty() {
        eprintln!(
            "{} payloads were refused with 422 rather than rendered: {refused:?}",
            refused.len()
        );
    }
}

// ----- reactions -----

#[actix_web::test]
async fn reactions_are_idempotent_never_on_ones_own_post_and_shown_to_their_giver() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let cleo = member(&app, "Cleo_C").await;

    let story = start_thread(
        &app,
        &ana,
        "my-story",
        "Remission after five years",
        "Belimumab worked for me.",
    )
    .await;
    let thread_id = id_of(&story);
    let post_id = story["first_post_id"].as_i64().expect("first post");

    react(&app, ana.token(), post_id, "support", true)
        .await
        .expect_problem(403);
    react(&app, None, post_id, "support", true)
        .await
        .expect_problem(401);
    react(&app, ben.token(), post_id, "applause", true)
        .await
        .expect_problem(404);

    for _ in 0..2 {
        let answer = react(&app, ben.token(), post_id, "support", true)
            .await
            .expect(200);
        assert_eq!(answer["reactions"]["support"], 1, "{answer}");
        assert_eq!(answer["my_reactions"], json!(["support"]));
    }
    react(&app, ben.token(), post_id, "hug", true)
        .await
        .expect(200);
    react(&app, cleo.token(), post_id, "helpful", true)
        .await
        .expect(200);

    // Ben sees his own reactions in lists; Cleo sees hers; a visitor none.
    let for_ben = board_threads(&app, "my-story", "", ben.token()).await;
    assert_eq!(for_ben[0]["my_reactions"], json!(["support", "hug"]));
    assert_eq!(
        for_ben[0]["reactions"],
        json!({"support": 1, "helpful": 1, "hug": 1})
    );
    assert_eq!(for_ben[0]["reaction_count"], 3);
    let posts = thread_posts(&app, thread_id, ben.token()).await;
    assert_eq!(posts[0]["my_reactions"], json!(["support", "hug"]));
    let for_cleo = board_threads(&app, "my-story", "", cleo.token()).await;
    assert_eq!(for_cleo[0]["my_reactions"], json!(["helpful"]));
    let posts = thread_posts(&app, thread_id, cleo.token()).await;
    assert_eq!(posts[0]["my_reactions"], json!(["helpful"]));
    let for_visitor = board_threads(&app, "my-story", "", None).await;
    assert_eq!(for_visitor[0]["my_reactions"], json!([]));
    let thread = app
        .get(&format!("/api/v1/threads/{thread_id}"), ben.token())
        .await
        .expect(200);
    assert_eq!(thread["my_reactions"], json!(["support", "hug"]));
    assert_eq!(
        thread["first_post"]["my_reactions"],
        json!(["support", "hug"])
    );

    // Taking back is idempotent too.
    for _ in 0..2 {
        let answer = react(&app, ben.token(), post_id, "support", false)
            .await
            .expect(200);
        assert_eq!(answer["reactions"]["support"], 0, "{answer}");
        assert_eq!(answer["my_reactions"], json!(["hug"]));
    }
    let thread = app
        .get(&format!("/api/v1/threads/{thread_id}"), None)
        .await
        .expect(200);
    assert_eq!(thread["reaction_count"], 2, "{thread}");

    // Replies take reactions too, and they count on the thread.
    let answer = reply(&app, &ben, thread_id, "So happy for you.").await;
    react(&app, ana.token(), id_of(&answer), "hug", true)
        .await
        .expect(200);
    let posts = thread_posts(&app, thread_id, ana.token()).await;
    assert_eq!(posts[1]["reactions"]["hug"], 1);
    assert_eq!(posts[1]["my_reactions"], json!(["hug"]));
    let thread = app
        .get(&format!("/api/v1/threads/{thread_id}"), None)
        .await
        .expect(200);
    assert_eq!(thread["reaction_count"], 3, "{thread}");
}

#[actix_web::test]
async fn fifty_members_reacting_at_once_are_all_counted_exactly() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let story = start_thread(
        &app,
        &ana,
        "my-story",
        "One year in remission",
        "Thank you all for the support.",
    )
    .await;
    let thread_id = id_of(&story);
    let post_id = story["first_post_id"].as_i64().expect("first post");

    let names: Vec<String> = (0..50).map(|i| format!("Friend_{i:02}")).collect();
    let friends = futures_util::future::join_all(names.iter().map(|name| member(&app, name))).await;

    let answers = futures_util::future::join_all(
        friends
            .iter()
            .map(|friend| react(&app, friend.token(), post_id, "support", true)),
    )
    .await;
    for answer in &answers {
        answer.expect(200);
    }

    let thread = app
        .get(&format!("/api/v1/threads/{thread_id}"), None)
        .await
        .expect(200);
    assert_eq!(thread["first_post"]["reactions"]["support"], 50, "{thread}");
    assert_eq!(thread["reactions"]["support"], 50, "{thread}");
    assert_eq!(thread["reaction_count"], 50, "{thread}");
    let listed = board_threads(&app, "my-story", "", friends[7].token()).await;
    assert_eq!(listed[0]["reaction_count"], 50);
    assert_eq!(listed[0]["my_reactions"], json!(["support"]));
}

#[actix_web::test]
async fn a_double_click_counts_one_reaction() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let story = start_thread(&app, &ana, "my-story", "Hair loss", "It grew back.").await;
    let post_id = story["first_post_id"].as_i64().expect("first post");

    let clicks = futures_util::future::join_all(
        (0..5).map(|_| react(&app, ben.token(), post_id, "hug", true)),
    )
    .await;
    for click in &clicks {
        click.expect(200);
    }
    let thread = app
        .get(&format!("/api/v1/threads/{}", id_of(&story)), None)
        .await
        .expect(200);
    assert_eq!(thread["first_post"]["reactions"]["hug"], 1, "{thread}");
    assert_eq!(thread["reaction_count"], 1, "{thread}");
}

// ----- who may write -----

#[actix_web::test]
async fn a_new_member_waits_thirty_seconds_between_posts() {
    let app = TestApp::spawn().await;
    let nia = newcomer(&app, "Nia_New").await;
    let me = app.me(&nia.access).await.expect(200);
    assert_eq!(me["trust_level"], 0, "a newcomer: {me}");

    let story = start_thread(
        &app,
        &nia,
        "introductions",
        "Hello from Nia",
        "Diagnosed last month.",
    )
    .await;
    let thread_id = id_of(&story);

    let too_soon = post_reply(
        &app,
        nia.token(),
        thread_id,
        &json!({"body": "Forgot to say: I am 24."}),
    )
    .await;
    too_soon.expect_problem(429);
    let wait = too_soon.header_number("retry-after");
    assert!((1..=30).contains(&wait), "wait {wait} s");
    post_thread(
        &app,
        nia.token(),
        "my-story",
        &json!({"title": "My story so far", "body": "It began with joint pain."}),
    )
    .await
    .expect_problem(429);

    // Thirty seconds later she may post again.
    age_posts(&app, nia.id, 31).await;
    reply(&app, &nia, thread_id, "Forgot to say: I am 24.").await;

    // Established members have no such limit.
    let ana = member(&app, "Ana_L").await;
    let welcome = start_thread(&app, &ana, "introductions", "Welcome, newcomers", "Hello!").await;
    reply(&app, &ana, id_of(&welcome), "Ask us anything.").await;
    reply(&app, &ana, id_of(&welcome), "Really, anything.").await;
}

#[actix_web::test]
async fn a_new_member_may_include_at_most_two_links() {
    let app = TestApp::spawn().await;
    let nia = newcomer(&app, "Nia_New").await;
    let three = "See https://lupus.example/a, [this](https://lupus.example/b) and <https://lupus.example/c>.";
    post_thread(
        &app,
        nia.token(),
        "treatments-and-trials",
        &json!({"title": "Useful pages", "body": three}),
    )
    .await
    .expect_invalid_field("body");
    let story = post_thread(
        &app,
        nia.token(),
        "treatments-and-trials",
        &json!({"title": "Useful pages", "body": "See https://lupus.example/a and [this](https://lupus.example/b)."}),
    )
    .await
    .expect(201);

    age_posts(&app, nia.id, 31).await;
    post_reply(&app, nia.token(), id_of(&story), &json!({"body": three}))
        .await
        .expect_invalid_field("body");

    let ana = member(&app, "Ana_L").await;
    let pages = start_thread(&app, &ana, "treatments-and-trials", "More pages", three).await;
    reply(&app, &ana, id_of(&pages), three).await;
}

#[actix_web::test]
async fn a_new_member_starts_at_most_three_threads_on_her_first_day() {
    let app = TestApp::spawn().await;
    let nia = newcomer(&app, "Nia_New").await;
    // Each post is aged past the 30-second interval (the test does not wait 90 seconds).
    for i in 1..=3 {
        start_thread(
            &app,
            &nia,
            "introductions",
            &format!("Question number {i}"),
            "About my new diagnosis.",
        )
        .await;
        age_posts(&app, nia.id, 31 * (4 - i)).await;
    }
    let fourth = post_thread(
        &app,
        nia.token(),
        "introductions",
        &json!({"title": "Question number 4", "body": "One more."}),
    )
    .await;
    fourth.expect_problem(429);
    let wait = fourth.header_number("retry-after");
    assert!(
        wait > 30,
        "the fourth thread waits for the end of the first day, not {wait} s"
    );

    // Replies have their own allowance.
    let threads = board_threads(&app, "introductions", "", nia.token()).await;
    assert_eq!(threads.len(), 3);
    reply(&app, &nia, id_of(&threads[0]), "An update.").await;
}

#[actix_web::test]
async fn visitors_and_unconfirmed_registrations_cannot_write() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let story = start_thread(&app, &ana, "my-story", "Ten years on", "A long road.").await;
    let thread_id = id_of(&story);

    // Someone who registered but has not confirmed her address has no account to write with.
    app.register("una@example.test", PASSWORD, "Una_U")
        .await
        .expect(202);
    app.login("una@example.test", PASSWORD)
        .await
        .expect_problem(401);
    let new_thread = json!({"title": "Hello everyone", "body": "I am new."});
    post_thread(&app, None, "introductions", &new_thread)
        .await
        .expect_problem(401);
    post_reply(&app, None, thread_id, &json!({"body": "Welcome"}))
        .await
        .expect_problem(401);
    post_thread(&app, Some("not-a-token"), "introductions", &new_thread)
        .await
        .expect_problem(401);

    // Nothing was written, and reading stays open to visitors.
    assert_eq!(thread_posts(&app, thread_id, None).await.len(), 1);
    assert!(
        board_threads(&app, "introductions", "", None)
            .await
            .is_empty()
    );
}

#[actix_web::test]
async fn a_locked_thread_refuses_replies_with_a_reason_and_only_moderators_lock() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let moderator = with_role(&app, "Mia_M", Role::Moderator).await;
    let story = start_thread(
        &app,
        &ana,
        "treatments-and-trials",
        "Stopping my meds",
        "Thinking of it.",
    )
    .await;
    let thread_id = id_of(&story);
    reply(&app, &ben, thread_id, "Please talk to your doctor first.").await;

    let path = format!("/api/v1/threads/{thread_id}");
    let lock = json!({"locked": true});
    app.patch_json(&path, ana.token(), &lock)
        .await
        .expect_problem(403);
    app.patch_json(&path, ben.token(), &lock)
        .await
        .expect_problem(403);
    app.patch_json(&path, None, &lock).await.expect_problem(401);
    let locked = app
        .patch_json(&path, moderator.token(), &lock)
        .await
        .expect(200);
    assert_eq!(locked["locked"], true);

    for who in [&ben, &ana] {
        let refused = post_reply(
            &app,
            who.token(),
            thread_id,
            &json!({"body": "One more thing."}),
        )
        .await
        .expect_problem(409);
        assert!(
            refused["detail"]
                .as_str()
                .is_some_and(|d| d.contains("locked")),
            "the refusal says the thread is locked: {refused}"
        );
    }
    let thread = app.get(&path, None).await.expect(200);
    assert_eq!(thread["locked"], true);
    assert_eq!(thread_posts(&app, thread_id, None).await.len(), 2);
    let listed = board_threads(&app, "treatments-and-trials", "", None).await;
    assert_eq!(listed[0]["locked"], true);

    app.patch_json(&path, moderator.token(), &json!({"locked": false}))
        .await
        .expect(200);
    reply(&app, &ben, thread_id, "Glad you asked here first.").await;
}

// ----- pagination -----

#[actix_web::test]
async fn thread_pages_return_every_post_once_while_new_replies_arrive() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let story = start_thread(&app, &ana, "kidneys", "My biopsy", "Class IV.").await;
    let thread_id = id_of(&story);
    for i in 0..6 {
        reply(&app, &ben, thread_id, &format!("Reply {i}")).await;
    }

    let mut seen: Vec<i64> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut arrivals = 0;
    loop {
        let mut path = format!("/api/v1/threads/{thread_id}/posts?limit=3");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={}", encode(cursor)));
        }
        let page = app.get(&path, ben.token()).await.expect(200);
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 3, "{page}");
        seen.extend(items.iter().map(id_of));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        // Others keep writing while Ben reads.
        if arrivals < 4 {
            reply(&app, &ana, thread_id, &format!("Arrival {arrivals}")).await;
            reply(&app, &ana, thread_id, &format!("Arrival {arrivals}b")).await;
            arrivals += 1;
        }
        assert!(seen.len() < 100, "the pages never end: {seen:?}");
    }

    let everything = ids(&thread_posts(&app, thread_id, None).await);
    assert_eq!(everything.len(), 7 + 2 * arrivals, "{everything:?}");
    assert_eq!(
        seen, everything,
        "every post exactly once, oldest first, arrivals included"
    );
}

#[actix_web::test]
async fn board_pages_return_every_thread_once_while_new_threads_arrive() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let mut originals = Vec::new();
    for i in 0..7 {
        let thread = start_thread(
            &app,
            &ana,
            "introductions",
            &format!("Hello number {i}"),
            "Hi all.",
        )
        .await;
        // Some reactions, so that `top` has an order of its own.
        if i % 3 == 0 {
            let post = thread["first_post_id"].as_i64().expect("first post");
            react(&app, ben.token(), post, "support", true)
                .await
                .expect(200);
        }
        originals.push(id_of(&thread));
    }

    for sort in ["new", "active", "top"] {
        let mut seen: Vec<i64> = Vec::new();
        let mut cursor: Option<String> = None;
        let mut arrived = Vec::new();
        loop {
            let mut path = format!("/api/v1/boards/introductions/threads?sort={sort}&limit=2");
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={}", encode(cursor)));
            }
            let page = app.get(&path, ben.token()).await.expect(200);
            let items = page["items"].as_array().expect("items");
            assert!(items.len() <= 2, "{page}");
            seen.extend(items.iter().map(id_of));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
            let newcomer = start_thread(
                &app,
                &ben,
                "introductions",
                &format!("Arriving while sorted by {sort}"),
                "Hello!",
            )
            .await;
            arrived.push(id_of(&newcomer));
            assert!(seen.len() < 100, "the pages never end: {seen:?}");
        }
        let unique: HashSet<i64> = seen.iter().copied().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "no thread twice with sort={sort}: {seen:?}"
        );
        for id in &originals {
            assert!(
                seen.contains(id),
                "thread {id} was skipped with sort={sort}: {seen:?}"
            );
        }
        originals.extend(arrived);
    }
}

#[actix_web::test]
async fn page_sizes_are_checked_and_a_garbage_cursor_is_refused() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let story = start_thread(
        &app,
        &ana,
        "carers",
        "Caring for my wife",
        "Advice welcome.",
    )
    .await;
    let lists = [
        "/api/v1/boards/carers/threads?".to_owned(),
        "/api/v1/boards/carers/threads?sort=top&".to_owned(),
        format!("/api/v1/threads/{}/posts?", id_of(&story)),
    ];
    for list in &lists {
        for limit in [0, 101] {
            app.get(&format!("{list}limit={limit}"), None)
                .await
                .expect_invalid_field("limit");
        }
        for limit in [1, 100] {
            app.get(&format!("{list}limit={limit}"), None)
                .await
                .expect(200);
        }
        for garbage in ["garbage", "%21%21%21", "bm90LWEtY3Vyc29y"] {
            app.get(&format!("{list}cursor={garbage}"), None)
                .await
                .expect_problem(400);
        }
    }
}

#[actix_web::test]
async fn a_cursor_serves_only_the_list_and_the_order_it_came_from() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let mut story = None;
    for title in ["Caring for my wife", "Caring for my son"] {
        story = Some(start_thread(&app, &ana, "carers", title, "Advice welcome.").await);
    }
    let thread_id = id_of(&story.expect("a thread"));
    reply(&app, &ana, thread_id, "First answer").await;
    let threads = "/api/v1/boards/carers/threads";
    let posts = format!("/api/v1/threads/{thread_id}/posts");
    let mut lists = Vec::new();
    for sort in ["new", "active", "top"] {
        lists.push(format!("{threads}?sort={sort}&limit=1"));
    }
    lists.push(format!("{posts}?limit=1"));
    let mut cursors = Vec::new();
    for list in &lists {
        let page = app.get(list, None).await.expect(200);
        let cursor = page["next_cursor"]
            .as_str()
            .unwrap_or_else(|| panic!("{list}: no next page in {page}"))
            .to_owned();
        cursors.push(cursor);
    }
    for (i, list) in lists.iter().enumerate() {
        for (j, cursor) in cursors.iter().enumerate() {
            let answer = app.get(&format!("{list}&cursor={cursor}"), None).await;
            if i == j {
                answer.expect(200);
            } else {
                answer.expect_problem(400);
            }
        }
    }
}

// ----- speed -----

#[actix_web::test]
async fn a_board_page_a_thread_page_and_the_board_list_cost_a_few_statements_whatever_their_size() {
    let app = TestApp::spawn_with(|s| s.outbox.poll_interval_ms = 3_600_000).await;
    let ana = member(&app, "Ana_L").await;
    let ben = member(&app, "Ben_B").await;
    let cleo = member(&app, "Cleo_C").await;
    let mut thread_ids = Vec::new();
    for i in 0..5 {
        let story = start_thread(
            &app,
            &ana,
            "kidneys",
            &format!("Nephritis story {i}"),
            "Proteinuria down.",
        )
        .await;
        let post = story["first_post_id"].as_i64().expect("first post");
        for (who, kind) in [(&ben, "support"), (&cleo, "helpful"), (&ben, "hug")] {
            react(&app, who.token(), post, kind, true).await.expect(200);
        }
        thread_ids.push(id_of(&story));
    }
    let thread_id = thread_ids[0];
    for i in 0..5 {
        let answer = reply(&app, &cleo, thread_id, &format!("Reply {i}")).await;
        react(&app, ben.token(), id_of(&answer), "hug", true)
            .await
            .expect(200);
    }
    let (page, statements) = statements_for(&app, "/api/v1/boards/kidneys/threads", &ben).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(5));
    assert_eq!(page["items"][0]["my_reactions"], json!(["support", "hug"]));
    // On PostgreSQL the page's query runs in a transaction of its own that asks for the cached
    // generic plan: BEGIN with its SET LOCALs (one round trip) and COMMIT besides the queries.
    let plan_choice = if app.database.is_postgres() { 2 } else { 0 };
    assert!(
        statements <= 3 + plan_choice,
        "a board page took {statements} SQL statements"
    );

    let path = format!("/api/v1/threads/{thread_id}/posts");
    let (page, statements) = statements_for(&app, &path, &ben).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(6));
    assert_eq!(page["items"][5]["my_reactions"], json!(["hug"]));
    assert!(
        statements <= 3,
        "a thread page took {statements} SQL statements"
    );

    // The board list with Ben's levels and unread counts (he follows the thread he reacted
    // in, and Cleo's replies in it are unread to him) costs what it costs a visitor, plus the
    // session: one query for every board.
    let path = format!("/api/v1/threads/{thread_id}/tracking");
    app.send(
        awc::http::Method::PUT,
        &path,
        ben.token(),
        Some(&json!({"level": "tracking"})),
    )
    .await
    .expect(200);
    let (boards, statements) = statements_for(&app, "/api/v1/boards", &ben).await;
    let kidneys = boards
        .as_array()
        .and_then(|b| b.iter().find(|b| b["slug"] == "kidneys"))
        .expect("the kidneys board");
    assert_eq!(kidneys["unread_threads"], 1, "{kidneys}");
    assert!(
        statements <= 2,
        "the board list took {statements} SQL statements"
    );
}

/// A page as `who` reads it, and the SQL statements it cost. The counter is the server's, so
/// a background worker's statement can add to it while the page is read: the page is read a
/// few times and the fewest statements count (a page costs the same each time, and a worker
/// only ever adds).
async fn statements_for(app: &TestApp, path: &str, who: &Person) -> (Value, u64) {
    let mut fewest = u64::MAX;
    let mut page = Value::Null;
    for _ in 0..3 {
        let before = app.db().statements_executed();
        page = app.get(path, who.token()).await.expect(200);
        fewest = fewest.min(app.db().statements_executed() - before);
    }
    (page, fewest)
}

#[actix_web::test]
async fn a_post_built_to_blow_up_when_rendered_stays_small_or_is_refused() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let thread_id = id_of(&start_thread(&app, &ana, "my-story", "Quotes", "Quote me.").await);

    // Ten thousand nested quotes render as a few.
    let quotes = format!("{}deep", "> ".repeat(9_990));
    let posted = reply(&app, &ana, thread_id, &quotes).await;
    let html = posted["body_html"].as_str().expect("body_html");
    assert!(html.len() < 1_000, "{} bytes of HTML", html.len());
    assert!(html.contains("deep"), "{html}");

    // A table of a thousand columns and rows of one cell would be megabytes: refused.
    let table = format!(
        "{}\n{}\n{}",
        "|a".repeat(1_000),
        "|-".repeat(1_000),
        "|b\n".repeat(1_000)
    );
    post_reply(&app, ana.token(), thread_id, &json!({"body": table}))
        .await
        .expect_invalid_field("body");
}
