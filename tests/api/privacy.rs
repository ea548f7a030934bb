//! Privacy rights, as Marisol lives them. She joined, posted, edited, reacted, flagged, was
//! notified, applied to be a trial coordinator, answered a trial notice, saved a trial search,
//! was warned and appealed. She takes all of it with her in one export; then she leaves for
//! good, her posts removed or kept as "Former member" as she chooses, and no table keeps her
//! address or her name. Administrators may read her private data, and each read is logged
//! where they can read it and nobody can change it.

use butterfly::auth::model::Role;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::{PgConnection, QueryableByName, SqliteConnection, sql_query};
use serde_json::{Value, json};

use crate::harness::database::Count;
use crate::harness::forum::{BOARD, reply, start_thread};
use crate::harness::json::id_of;
use crate::harness::people::{Person, erase_account, signed_in, signed_up};
use crate::harness::trials::{notice, publish};
use crate::harness::{PASSWORD, TestApp};

const EMAIL: &str = "Marisol.Vega@example.org";
const NAME: &str = "MarisolVega42";
/// Words only her story contains.
const STORY: &str = "The malar rash came back in March with the sunburn-like itch.";
const EDITED: &str = "The rash came back in March; hydroxychloroquine helps again.";

// ---- the cast and the story -----------------------------------------------------------------

struct Cast {
    admin: Person,
    moderator: Person,
    /// Ana, a member Marisol talks with.
    friend: Person,
    coordinator: Person,
    marisol: Person,
}

/// What Marisol did, by id.
struct Story {
    her_thread: i64,
    her_first_post: i64,
    friend_thread: i64,
    friend_first_post: i64,
    her_reply: i64,
    her_deleted_post: i64,
    trial: i64,
    sanction: i64,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = signed_in(app, "chief@example.org", "Chief_Admin", Role::Admin).await;
    let moderator = signed_in(app, "juniper@example.org", "Mod_Juniper", Role::Moderator).await;
    let friend = signed_in(app, "ana@example.org", "Ana_L", Role::Member).await;
    let coordinator = signed_in(
        app,
        "xu@hospital.example.org",
        "Coord_Xu",
        Role::Coordinator,
    )
    .await;
    // Marisol signs up herself: registration, the verification email, verification.
    let marisol = signed_up(app, EMAIL, NAME).await;
    // An established member (a newcomer's first posts wait for review, one a minute).
    app.execute_sql(
        "UPDATE users SET trust_level = 2 WHERE email_lower = 'marisol.vega@example.org'",
    )
    .await;
    Cast {
        admin,
        moderator,
        friend,
        coordinator,
        marisol,
    }
}

/// Marisol touches every feature.
async fn live_a_little(app: &TestApp, c: &Cast) -> Story {
    let me = &c.marisol;
    let friend_thread =
        start_thread(app, &c.friend, BOARD, "Fatigue", "How do you cope with it?").await;
    let friend_first_post = id_of(&friend_thread["first_post"]);
    let friend_thread = id_of(&friend_thread);
    let mine = start_thread(app, me, BOARD, "Diagnosed last spring", STORY).await;
    let her_first_post = id_of(&mine["first_post"]);
    let her_thread = id_of(&mine);
    let her_reply = id_of(&reply(app, me, friend_thread, "Short naps, and saying no.").await);
    app.patch_json(
        &format!("/api/v1/posts/{her_reply}"),
        Some(&me.access),
        &json!({"body": EDITED}),
    )
    .await
    .expect(200);
    let her_deleted_post = id_of(&reply(app, me, friend_thread, "Sorry, wrong thread.").await);
    app.delete(
        &format!("/api/v1/posts/{her_deleted_post}"),
        Some(&me.access),
    )
    .await
    .expect(204);
    // Ana answers in Marisol's thread: Marisol is notified.
    reply(app, &c.friend, her_thread, "Welcome, you are not alone.").await;
    app.put(
        &format!("/api/v1/posts/{friend_first_post}/reactions/hug"),
        me.token(),
    )
    .await
    .expect(200);
    let advert = id_of(
        &reply(
            app,
            &c.friend,
            friend_thread,
            "My cousin sells supplements, ask me.",
        )
        .await,
    );
    app.post_json_as(
        &format!("/api/v1/posts/{advert}/flags"),
        &me.access,
        &json!({"reason": "other", "note": "Looks like an advert for a cure."}),
    )
    .await
    .expect(201);
    app.post_json_as(
        "/api/v1/coordinator-applications",
        &me.access,
        &json!({
            "organization": "Hospital for Special Surgery, Lupus Center",
            "job_title": "Research nurse",
            "evidence": "Staff page https://hss.example.org/staff/m-vega and my work address.",
            "registry_ids": ["NCT06121297"]
        }),
    )
    .await
    .expect(201);
    app.post_json_as(
        "/api/v1/me/trial-alerts",
        &me.access,
        &json!({"name": "Lupus trials", "filters": {"condition": "lupus"}}),
    )
    .await
    .expect(201);
    // A coordinator's notice goes through review; its publication fires Marisol's alert.
    let trial = publish(app, &c.coordinator, &c.moderator, &notice("NCT06121297")).await;
    // Her private health profile, and her answer with her pre-check attached.
    app.send(
        awc::http::Method::PUT,
        "/api/v1/me/health-profile",
        me.token(),
        Some(
            &json!({"birth_year": 1990, "lupus_nephritis": true, "nephritis_class": "III",
                     "past_treatments": ["cyclophosphamide"], "city": "Valencia"}),
        ),
    )
    .await
    .expect(200);
    app.post_json_as(
        &format!("/api/v1/trials/{trial}/interest"),
        &me.access,
        &json!({"consent": true, "message": "Diagnosed 2019, living in Beijing.",
                "share": {"email": true, "phone": "+86 138 0013 8000"},
                "attach_pre_check": true}),
    )
    .await
    .expect(201);
    let sanction = id_of(
        &app.post_json_as(
            &format!("/api/v1/moderation/users/{}/sanctions", c.marisol.id),
            &c.moderator.access,
            &json!({"kind": "warn", "reason": "Please keep replies on topic."}),
        )
        .await
        .expect(201),
    );
    app.post_json_as(
        "/api/v1/appeals",
        &me.access,
        &json!({"subject": {"kind": "sanction", "id": sanction},
                "text": "My reply was about fatigue, which was the topic."}),
    )
    .await
    .expect(201);
    app.post_json_as(
        &format!("/api/v1/moderation/users/{}/notes", c.marisol.id),
        &c.moderator.access,
        &json!({"body": "Warned once; kind to newcomers otherwise."}),
    )
    .await
    .expect(201);
    Story {
        her_thread,
        her_first_post,
        friend_thread,
        friend_first_post,
        her_reply,
        her_deleted_post,
        trial,
        sanction,
    }
}

// ---- looking into every table -----------------------------------------------------------------

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    column_type: String,
}

/// Every `table.column` of every table, text columns only, holding `needle` (ignoring case).
/// SQLite: every table of `sqlite_master` (the full-text tables too) and its columns declared
/// text or without a type; PostgreSQL: `information_schema.columns` of type text or varchar.
fn columns_holding(app: &TestApp, needle: &str) -> Vec<String> {
    let pattern = format!("%{needle}%");
    let mut found = Vec::new();
    if let Some(path) = app.database.sqlite_path() {
        let mut conn = SqliteConnection::establish(&path.to_string_lossy())
            .expect("cannot open the SQLite file");
        let columns: Vec<Column> = sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS column_type \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
        )
        .load(&mut conn)
        .expect("cannot list the columns");
        let text = columns.iter().filter(|c| {
            let t = c.column_type.to_uppercase();
            t.is_empty() || t.contains("TEXT") || t.contains("CHAR") || t.contains("CLOB")
        });
        assert!(text.clone().count() > 50, "too few text columns found");
        for c in text {
            let sql = format!(
                "SELECT COUNT(*) AS n FROM \"{}\" WHERE \"{}\" LIKE ?",
                c.table_name, c.column_name
            );
            let n = sql_query(sql)
                .bind::<Text, _>(&pattern)
                .get_result::<Count>(&mut conn)
                .unwrap_or_else(|e| panic!("cannot scan {}.{}: {e}", c.table_name, c.column_name))
                .n;
            if n > 0 {
                found.push(format!("{}.{}", c.table_name, c.column_name));
            }
        }
    } else {
        let mut conn = PgConnection::establish(app.database.url())
            .expect("cannot connect to the PostgreSQL test database");
        let columns: Vec<Column> = sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
             data_type::text AS column_type FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')",
        )
        .load(&mut conn)
        .expect("cannot list the columns");
        assert!(columns.len() > 50, "too few text columns found");
        for c in columns {
            let sql = format!(
                "SELECT COUNT(*) AS n FROM \"{}\" WHERE \"{}\" ILIKE $1",
                c.table_name, c.column_name
            );
            let n = sql_query(sql)
                .bind::<Text, _>(&pattern)
                .get_result::<Count>(&mut conn)
                .unwrap_or_else(|e| panic!("cannot scan {}.{}: {e}", c.table_name, c.column_name))
                .n;
            if n > 0 {
                found.push(format!("{}.{}", c.table_name, c.column_name));
            }
        }
    }
    found.sort();
    found
}

/// Her thread page as `who` sees it: her reply and its author.
async fn post_in(app: &TestApp, who: &Person, thread_id: i64, post_id: i64) -> Option<Value> {
    let page = app
        .get(
            &format!("/api/v1/threads/{thread_id}/posts?limit=100"),
            Some(&who.access),
        )
        .await
        .expect(200);
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["id"] == post_id)
        .cloned()
}

fn assert_former_member(author: &Value) {
    assert_eq!(author["display_name"], "Former member", "{author}");
    assert!(
        author["id"].is_null(),
        "an erased author has no id: {author}"
    );
}

/// Her old tokens, her old password and her profile lead nowhere.
async fn assert_gone(app: &TestApp, c: &Cast) {
    app.me(&c.marisol.access).await.expect_problem(401);
    app.get("/api/v1/me/export", Some(&c.marisol.access))
        .await
        .expect_problem(401);
    app.refresh(&c.marisol.refresh).await.expect_problem(401);
    app.login(EMAIL, PASSWORD).await.expect_problem(401);
    app.get(&format!("/api/v1/users/{}", c.marisol.id), None)
        .await
        .expect_problem(404);
}

/// No text column of any table holds her address or her name.
fn assert_no_trace(app: &TestApp) {
    for needle in [EMAIL, NAME] {
        let found = columns_holding(app, needle);
        assert!(found.is_empty(), "`{needle}` is still in {found:?}");
    }
}

// ---- the stories ------------------------------------------------------------------------------

#[actix_web::test]
async fn a_member_who_touched_every_feature_finds_all_of_it_in_her_export() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let s = live_a_little(&app, &c).await;

    let reply = app.get("/api/v1/me/export", Some(&c.marisol.access)).await;
    let export = reply.expect(200);
    assert!(
        reply
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment")),
        "the export is a download"
    );
    let has = |section: &str, what: &dyn Fn(&Value) -> bool| {
        let items = export[section]
            .as_array()
            .unwrap_or_else(|| panic!("no `{section}` list in {export}"));
        assert!(
            items.iter().any(what),
            "`{section}` lacks the item: {items:?}"
        );
    };
    assert_eq!(export["account"]["email"], EMAIL);
    assert_eq!(export["account"]["display_name"], NAME);
    assert_eq!(export["account"]["id"], c.marisol.id);
    has("sessions", &|x| x["revoked_at"].is_null());
    has("threads", &|x| {
        x["id"] == s.her_thread && x["title"] == "Diagnosed last spring" && x["board"] == BOARD
    });
    has("posts", &|x| {
        x["id"] == s.her_first_post && x["body"] == STORY && x["is_first"] == true
    });
    has("posts", &|x| {
        x["id"] == s.her_reply
            && x["body"] == EDITED
            && x["revisions"][0]["body"] == "Short naps, and saying no."
            && x["revisions"][0]["replaced_by_moderator"] == false
    });
    has("posts", &|x| {
        x["id"] == s.her_deleted_post
            && x["status"] == "deleted"
            && x["body"] == "Sorry, wrong thread."
    });
    has("reactions", &|x| {
        x["post_id"] == s.friend_first_post && x["kind"] == "hug"
    });
    has("flags", &|x| {
        x["reason"] == "other" && x["note"] == "Looks like an advert for a cure."
    });
    has("notifications", &|x| {
        x["kind"] == "reply_to_thread" && x["thread_id"] == s.her_thread
    });
    has("notifications", &|x| {
        x["kind"] == "sanction" && x["subject_id"] == s.sanction
    });
    has("notifications", &|x| {
        x["kind"] == "trial_alert" && x["subject_id"] == s.trial
    });
    has("trial_interests", &|x| {
        x["trial_id"] == s.trial
            && x["message"] == "Diagnosed 2019, living in Beijing."
            && x["share_email"] == true
            && x["share_phone"].as_str().is_some_and(|p| p.contains("138"))
            && x["pre_check"]["trial_id"] == s.trial
    });
    assert_eq!(
        export["health_profile"]["nephritis_class"], "III",
        "{export}"
    );
    assert_eq!(export["health_profile"]["city"], "Valencia");
    has("trial_alerts", &|x| {
        x["name"] == "Lupus trials"
            && x["filters"]["condition"] == "lupus"
            && x["matched_trial_ids"][0] == s.trial
    });
    has("coordinator_applications", &|x| {
        x["organization"] == "Hospital for Special Surgery, Lupus Center"
            && x["status"] == "pending"
            && x["registry_ids"][0] == "NCT06121297"
    });
    has("sanctions", &|x| {
        x["id"] == s.sanction
            && x["kind"] == "warn"
            && x["reason"] == "Please keep replies on topic."
    });
    has("appeals", &|x| {
        x["subject_kind"] == "sanction"
            && x["subject_id"] == s.sanction
            && x["text"] == "My reply was about fatigue, which was the topic."
    });
    has("moderator_notes", &|x| {
        x["body"] == "Warned once; kind to newcomers otherwise."
    });
    assert_eq!(
        export["trial_notices"],
        json!([]),
        "she coordinates nothing"
    );
    assert_eq!(export["admin_accesses"], json!([]), "nobody read her data");

    // Other people are not in it: not the moderator who warned her and wrote the note, not
    // the member who replied to her (a notification names no actor), not their addresses.
    let text = export.to_string();
    for other in [
        "Mod_Juniper",
        "juniper@example.org",
        "ana@example.org",
        "Chief_Admin",
    ] {
        assert!(!text.contains(other), "the export names `{other}`: {text}");
    }

    // A coordinator finds the notices they published in theirs.
    let theirs = app
        .get("/api/v1/me/export", Some(&c.coordinator.access))
        .await
        .expect(200);
    assert_eq!(theirs["trial_notices"][0]["id"], s.trial, "{theirs}");
    assert_eq!(theirs["trial_notices"][0]["state"], "published");
}

#[actix_web::test]
async fn she_leaves_keeping_her_posts_as_a_former_member_and_no_table_keeps_her_address_or_name() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let s = live_a_little(&app, &c).await;
    // The scan is real: before she leaves, it finds her.
    let before = columns_holding(&app, EMAIL);
    for column in ["users.email", "outbox.to_addr"] {
        assert!(
            before.iter().any(|f| f == column),
            "{column} not in {before:?}"
        );
    }
    assert!(
        columns_holding(&app, NAME)
            .iter()
            .any(|f| f == "users.display_name")
    );

    // Her password is asked for again, and her choice must be one of the two.
    let choice = json!({"password": "not my password at all", "content": "keep_anonymous"});
    erase_account(&app, c.marisol.token(), &choice)
        .await
        .expect_invalid_field("password");
    erase_account(
        &app,
        c.marisol.token(),
        &json!({"password": PASSWORD, "content": "vanish"}),
    )
    .await
    .expect_invalid_field("content");
    erase_account(&app, c.marisol.token(), &json!({"password": PASSWORD}))
        .await
        .expect_invalid_field("content");
    app.me(&c.marisol.access).await.expect(200);

    erase_account(
        &app,
        c.marisol.token(),
        &json!({"password": PASSWORD, "content": "keep_anonymous"}),
    )
    .await
    .expect(204);
    assert_gone(&app, &c).await;

    // Her posts stay, signed "Former member" without an id, to members and moderators alike.
    for viewer in [&c.friend, &c.moderator] {
        let post = post_in(&app, viewer, s.friend_thread, s.her_reply)
            .await
            .expect("her reply is still there");
        assert_eq!(post["body"], EDITED);
        assert_former_member(&post["author"]);
        let thread = app
            .get(
                &format!("/api/v1/threads/{}", s.her_thread),
                Some(&viewer.access),
            )
            .await
            .expect(200);
        assert_eq!(thread["first_post"]["body"], STORY);
        assert_former_member(&thread["author"]);
        assert_former_member(&thread["first_post"]["author"]);
    }
    let board = app
        .get(&format!("/api/v1/boards/{BOARD}/threads"), None)
        .await
        .expect(200);
    let listed = board["items"]
        .as_array()
        .and_then(|items| items.iter().find(|t| t["id"] == s.her_thread))
        .unwrap_or_else(|| panic!("her thread is not listed: {board}"));
    assert_former_member(&listed["author"]);
    // Ana's notification about her reply names a former member.
    let told = app
        .get("/api/v1/notifications?limit=100", Some(&c.friend.access))
        .await
        .expect(200);
    let about_her = told["items"]
        .as_array()
        .and_then(|items| items.iter().find(|n| n["subject_id"] == s.her_reply))
        .unwrap_or_else(|| panic!("no notification about her reply: {told}"));
    assert_former_member(&about_her["actor"]);

    // Administrators see an erased account; the moderation log still has its entries.
    let account = app
        .get(
            &format!("/api/v1/admin/users/{}", c.marisol.id),
            Some(&c.admin.access),
        )
        .await
        .expect(200);
    assert_eq!(account["state"], "deleted", "{account}");
    assert_ne!(account["email"], EMAIL);
    let log = app
        .get(
            "/api/v1/moderation/log?limit=100",
            Some(&c.moderator.access),
        )
        .await
        .expect(200);
    let entries = log["items"].as_array().expect("items");
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "sanction" && e["target_id"] == c.marisol.id),
        "{log}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "account_erased" && e["target_id"] == c.marisol.id),
        "{log}"
    );

    assert_no_trace(&app);

    // Her address and her name are free again.
    let earlier = app.emails_once_sent(EMAIL).await.len();
    app.register(EMAIL, PASSWORD, NAME).await.expect(202);
    let token = app
        .wait_for_emails(EMAIL, earlier + 1)
        .await
        .iter()
        .rev()
        .find_map(|email| email.token_after("verify-email?token="))
        .expect("a new verification email");
    app.verify_email(&token).await.expect(200);
    let again = app.sign_in(EMAIL, PASSWORD).await;
    assert_ne!(
        again.user_id(),
        c.marisol.id,
        "a new account, not the old one"
    );
}

#[actix_web::test]
async fn she_leaves_removing_her_posts_and_no_table_keeps_her_words_address_or_name() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let s = live_a_little(&app, &c).await;

    erase_account(
        &app,
        c.marisol.token(),
        &json!({"password": PASSWORD, "content": "remove"}),
    )
    .await
    .expect(204);
    assert_gone(&app, &c).await;

    // Her thread was answered, so it stays for the answers' sake: its title erased, its first
    // post a "[deleted]" placeholder, the friend's reply still there. Her reply elsewhere is
    // gone for members; moderators see it removed and emptied.
    let thread = app
        .get(
            &format!("/api/v1/threads/{}", s.her_thread),
            Some(&c.friend.access),
        )
        .await
        .expect(200);
    assert_eq!(thread["title"], "[removed]", "{thread}");
    assert_eq!(thread["first_post"]["body"], "[deleted]", "{thread}");
    assert_eq!(
        thread["first_post"]["author"]["id"],
        Value::Null,
        "{thread}"
    );
    let answers = app
        .get(
            &format!("/api/v1/threads/{}/posts", s.her_thread),
            Some(&c.friend.access),
        )
        .await
        .expect(200);
    assert!(
        answers["items"].as_array().is_some_and(|items| items
            .iter()
            .any(|p| p["body"] == "Welcome, you are not alone.")),
        "the friend's answer survives: {answers}"
    );
    assert!(
        post_in(&app, &c.friend, s.friend_thread, s.her_reply)
            .await
            .is_none()
    );
    let seen = post_in(&app, &c.moderator, s.friend_thread, s.her_reply)
        .await
        .expect("moderators still see where it was");
    assert_eq!(seen["status"], "removed", "{seen}");
    assert_eq!(seen["body"], "[removed]", "{seen}");
    assert_former_member(&seen["author"]);
    let revisions = app
        .get(
            &format!("/api/v1/posts/{}/revisions", s.her_reply),
            Some(&c.moderator.access),
        )
        .await
        .expect(200);
    for revision in revisions.as_array().expect("a list") {
        assert_eq!(revision["body"], "", "{revisions}");
    }
    // Ana's own posts in her own thread are untouched.
    let first = post_in(&app, &c.friend, s.friend_thread, s.friend_first_post)
        .await
        .expect("Ana's post");
    assert_eq!(first["body"], "How do you cope with it?");

    assert_no_trace(&app);
    for words in [
        STORY,
        EDITED,
        "Short naps, and saying no.",
        "Sorry, wrong thread.",
    ] {
        let found = columns_holding(&app, words);
        assert!(
            found.is_empty(),
            "her words `{words}` are still in {found:?}"
        );
    }
}

#[actix_web::test]
async fn administrators_reads_of_private_data_are_logged_and_nobody_else_may_make_them() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app, "chief@example.org", "Chief_Admin", Role::Admin).await;
    let moderator = signed_in(&app, "juniper@example.org", "Mod_Juniper", Role::Moderator).await;
    let marisol = signed_up(&app, EMAIL, NAME).await;
    let admin_id = admin.id;

    // Members and moderators may not read private data, nor the log.
    for who in [&marisol, &moderator] {
        for path in [
            format!("/api/v1/admin/users/{}", marisol.id),
            format!("/api/v1/admin/users/{}/export", marisol.id),
            "/api/v1/admin/access-log".to_owned(),
        ] {
            app.get(&path, Some(&who.access)).await.expect_problem(403);
        }
    }
    app.get("/api/v1/admin/access-log", None)
        .await
        .expect_problem(401);

    let profile = app
        .get(
            &format!("/api/v1/admin/users/{}", marisol.id),
            Some(&admin.access),
        )
        .await
        .expect(200);
    assert_eq!(profile["email"], EMAIL);
    assert_eq!(profile["role"], "member");
    assert_eq!(profile["state"], "active");
    let export = app
        .get(
            &format!("/api/v1/admin/users/{}/export", marisol.id),
            Some(&admin.access),
        )
        .await
        .expect(200);
    assert_eq!(export["account"]["email"], EMAIL);
    app.get("/api/v1/admin/users/987654321", Some(&admin.access))
        .await
        .expect_problem(404);

    // Both reads are in the log, newest first; the failed one is not.
    let log = app
        .get("/api/v1/admin/access-log", Some(&admin.access))
        .await
        .expect(200);
    let entries = log["items"].as_array().expect("items").clone();
    assert_eq!(entries.len(), 2, "{log}");
    assert_eq!(entries[0]["what"], "export");
    assert_eq!(entries[1]["what"], "private_profile");
    for entry in &entries {
        assert_eq!(entry["actor_id"], admin_id, "{entry}");
        assert_eq!(entry["subject_user_id"], marisol.id, "{entry}");
    }
    // Keyset pages, and one member's reads.
    let first = app
        .get("/api/v1/admin/access-log?limit=1", Some(&admin.access))
        .await
        .expect(200);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = app
        .get(
            &format!("/api/v1/admin/access-log?limit=1&cursor={cursor}"),
            Some(&admin.access),
        )
        .await
        .expect(200);
    assert_eq!(second["items"][0]["id"], entries[1]["id"]);
    assert!(second["next_cursor"].is_null());
    let none = app
        .get(
            &format!("/api/v1/admin/access-log?subject_user_id={admin_id}"),
            Some(&admin.access),
        )
        .await
        .expect(200);
    assert_eq!(none["items"], json!([]));

    // Marisol sees that her data was read, not by whom.
    let mine = app
        .get("/api/v1/me/export", Some(&marisol.access))
        .await
        .expect(200);
    let accesses = mine["admin_accesses"].as_array().expect("a list");
    assert_eq!(accesses.len(), 2, "{mine}");
    assert!(!mine.to_string().contains("Chief_Admin"));

    // Nobody changes the log: there is no way to write to it.
    for method in [
        awc::http::Method::DELETE,
        awc::http::Method::PATCH,
        awc::http::Method::POST,
    ] {
        app.request(
            method,
            "/api/v1/admin/access-log",
            Some(&admin.access),
            &[],
            None,
        )
        .await
        .expect_problem(405);
    }
    // Her erasure leaves the log as it was.
    erase_account(
        &app,
        marisol.token(),
        &json!({"password": PASSWORD, "content": "remove"}),
    )
    .await
    .expect(204);
    let after = app
        .get(
            &format!("/api/v1/admin/access-log?subject_user_id={}", marisol.id),
            Some(&admin.access),
        )
        .await
        .expect(200);
    assert_eq!(after["items"].as_array().map(Vec::len), Some(2), "{after}");
}

#[actix_web::test]
async fn wrong_passwords_count_like_failed_logins_and_erase_nothing() {
    let app = TestApp::spawn_with(|s| s.login_throttle.per_account = 2).await;
    let marisol = signed_in(&app, EMAIL, NAME, Role::Member).await;
    let wrong = json!({"password": "not my password at all", "content": "remove"});
    for _ in 0..2 {
        erase_account(&app, marisol.token(), &wrong)
            .await
            .expect_invalid_field("password");
    }
    // The account is throttled, for erasure and for signing in alike, right password or not.
    let right = json!({"password": PASSWORD, "content": "remove"});
    let refused = erase_account(&app, marisol.token(), &right).await;
    refused.expect_problem(429);
    assert!(
        refused.header("retry-after").is_some(),
        "429 says when to retry"
    );
    app.login(&marisol.email, PASSWORD)
        .await
        .expect_problem(429);
    let me = app.me(&marisol.access).await.expect(200);
    assert_eq!(me["email"], EMAIL, "nothing was erased");
}
