//! Moderation, told as the stories of the members who flag, the moderators who decide and the
//! members they decide about: three flags hide a post until a moderator removes it; one
//! prioritised queue shows the worst first (a member in crisis above everything) with what a
//! moderator needs to decide, claims keep two moderators apart and a version check stops a
//! second decision; the automatic filters (watched words, personal information, crisis
//! language, a new member's first posts) run before a post is stored; sanctions (warn, silence,
//! suspend, ban) take effect at once, end by themselves when timed, and respect rank; the
//! moderation log is append-only and its public face names no moderator; appeals go to another
//! moderator; and members, coordinators and visitors cannot reach any of it.
//!
//! Everything goes through HTTP as a client would, with two exceptions for what HTTP cannot
//! arrange: staff accounts are created directly (as `butterfly admin create-user` does), and
//! the thirty seconds a new member waits between posts are made to pass by moving her posts'
//! times back ([`age_posts`]).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use awc::http::Method;
use butterfly::config::SupportResource;
use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use serde_json::{Value, json};

use crate::harness::forum::{
    BOARD, age_posts, board_thread_count, board_threads, edit_post, first_post_id, get_thread,
    post_as_seen, post_reply, post_thread, react, reply, start_thread, visible_post_ids,
};
use crate::harness::json::{has_cjk, id_of, ids, items, list, strings};
use crate::harness::moderation::{
    actions_in, add_word, claim, decide, decide_with, find_item, flag, flag_with, item_for, lift,
    log_entries, queue, sanction,
};
use crate::harness::people::{
    Person, admin, coordinator, member, moderator, newcomer, notifications, set_locale,
};
use crate::harness::{PASSWORD, TestApp};

// ---- flags ----------------------------------------------------------------------------------

#[actix_web::test]
async fn three_members_flag_a_post_it_is_hidden_and_a_moderator_removes_it_telling_everyone() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_Sunshine").await;
    let cara = member(&app, "Cara_M").await;
    let dee = member(&app, "Dee_K").await;
    let eli = member(&app, "Eli_R").await;
    let mo = moderator(&app, "Mod_Juniper").await;

    let story = start_thread(
        &app,
        &ana,
        BOARD,
        "Tired of hydroxychloroquine",
        "Three years on it. Does anyone else feel like a walking pill box?",
    )
    .await;
    let thread_id = id_of(&story);
    let advice = "Throw your pills away: sunshine and raw garlic healed me in a week.";
    let post_id = id_of(&reply(&app, &bo, thread_id, advice).await);

    // Two reports leave the post up.
    let note = "Tells people to stop their treatment";
    for (reporter, body) in [
        (&ana, json!({"reason": "misinformation"})),
        (&cara, json!({"reason": "misinformation", "note": note})),
    ] {
        let receipt = flag_with(&app, reporter.token(), post_id, &body)
            .await
            .expect(201);
        assert_eq!(receipt["post_id"], post_id, "{receipt}");
        assert_eq!(receipt["reason"], "misinformation", "{receipt}");
        assert_eq!(receipt["post_hidden"], false, "{receipt}");
        assert!(
            visible_post_ids(&app, thread_id, eli.token())
                .await
                .contains(&post_id),
            "a post with fewer than three reporters stays up"
        );
    }
    // The third member's report hides it pending review.
    let receipt = flag(&app, &dee, post_id, "misinformation")
        .await
        .expect(201);
    assert_eq!(receipt["post_hidden"], true, "{receipt}");

    // Its author still sees it, marked hidden, and is told why.
    let own = post_as_seen(&app, thread_id, post_id, bo.token()).await;
    assert_eq!(own["status"], "hidden", "{own}");
    let told = notifications(&app, &bo, "post_hidden").await;
    assert_eq!(told.len(), 1, "one post_hidden notification: {told:?}");
    assert_eq!(told[0]["subject_id"], post_id);
    let why = told[0]["detail"].as_str().unwrap_or_default();
    assert!(
        why.contains("misinformation"),
        "the author sees why: {why:?}"
    );

    // Everyone else: it has left the thread page, and touching it gives 404.
    for viewer in [eli.token(), ana.token(), None] {
        assert!(
            !visible_post_ids(&app, thread_id, viewer)
                .await
                .contains(&post_id),
            "a hidden post is not on the thread page of {viewer:?}"
        );
    }
    react(&app, eli.token(), post_id, "support", true)
        .await
        .expect_problem(404);
    flag(&app, &eli, post_id, "spam").await.expect_problem(404);

    // The moderator finds one item with everything needed to decide.
    let item = item_for(&app, &mo, "flagged_post", post_id).await;
    assert_eq!(item["status"], "open", "{item}");
    assert_eq!(item["reason"], "misinformation", "{item}");
    assert!(item["version"].is_i64(), "version: {item}");
    assert!(item["score"].is_number(), "score: {item}");
    assert!(
        item["score_parts"]["base"].is_number(),
        "score parts: {item}"
    );
    let allowed = strings(&item["allowed_actions"]);
    for action in [
        "approve",
        "dismiss",
        "hide",
        "remove",
        "edit",
        "lock_thread",
    ] {
        assert!(
            allowed.iter().any(|a| a == action),
            "{action} in {allowed:?}"
        );
    }
    assert_eq!(item["post"]["id"], post_id, "{item}");
    assert_eq!(item["post"]["body"], advice, "{item}");
    assert_eq!(item["post"]["author"]["id"], bo.id, "{item}");
    let flags = list(&item["flags"]);
    let reporters: BTreeSet<&str> = flags
        .iter()
        .filter_map(|f| f["reporter"]["display_name"].as_str())
        .collect();
    assert_eq!(
        reporters,
        BTreeSet::from(["Ana_L", "Cara_M", "Dee_K"]),
        "one item gathering every flag with its reporter: {item}"
    );
    assert!(flags.iter().all(|f| f["reason"] == "misinformation"));
    assert!(
        flags.iter().any(|f| f["note"] == note),
        "the note is shown: {item}"
    );
    let history = &item["author_history"];
    assert!(history["sanctions"].is_array(), "author history: {item}");
    assert!(history["notes"].is_array(), "author history: {item}");
    assert!(history["approved_posts"].is_i64(), "author history: {item}");
    assert!(history["removed_posts"].is_i64(), "author history: {item}");

    let alone = app
        .get(
            &format!("/api/v1/moderation/queue/{}", id_of(&item)),
            mo.token(),
        )
        .await
        .expect(200);
    assert_eq!(alone["id"], item["id"]);
    assert_eq!(alone["version"], item["version"]);
    assert_eq!(list(&alone["flags"]).len(), 3, "{alone}");

    // The moderator removes it, with a reason.
    let reason = "Dangerous medical advice: stopping treatment can cause a flare.";
    let outcome = decide(&app, &mo, &item, "remove", reason).await.expect(200);
    assert_eq!(outcome["resolution"], "remove", "{outcome}");

    // Every reporter learns only that action was taken; the author learns what and why.
    for reporter in [&ana, &cara, &dee] {
        let told = notifications(&app, reporter, "flag_outcome").await;
        assert_eq!(told.len(), 1, "{} is told once: {told:?}", reporter.name);
        assert_eq!(told[0]["subject_id"], post_id);
        assert_eq!(told[0]["detail"], "action taken", "{told:?}");
    }
    let told = notifications(&app, &bo, "moderation_outcome").await;
    assert_eq!(told.len(), 1, "the author is told once: {told:?}");
    assert_eq!(told[0]["subject_id"], post_id);
    let detail = told[0]["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("remove") && detail.contains(reason),
        "the author learns the decision and its reason: {detail:?}"
    );
    assert!(
        notifications(&app, &eli, "flag_outcome").await.is_empty(),
        "a bystander is told nothing"
    );

    // The post stays out of sight; its author sees it removed.
    assert_eq!(
        post_as_seen(&app, thread_id, post_id, bo.token()).await["status"],
        "removed"
    );
    assert!(
        !visible_post_ids(&app, thread_id, eli.token())
            .await
            .contains(&post_id)
    );

    // The item has left the open queue and shows how it was resolved.
    assert!(
        find_item(&app, &mo, "flagged_post", post_id)
            .await
            .is_none()
    );
    let resolved = queue(&app, &mo, "&status=resolved")
        .await
        .into_iter()
        .find(|i| i["id"] == item["id"])
        .unwrap_or_else(|| panic!("the decided item is listed as resolved"));
    assert_eq!(resolved["status"], "resolved", "{resolved}");
    assert_eq!(resolved["resolution"], "remove", "{resolved}");
    assert!(
        strings(&resolved["allowed_actions"]).is_empty(),
        "nothing left to do: {resolved}"
    );
}

#[actix_web::test]
async fn a_member_flags_a_post_once_never_her_own_and_explains_other() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let cara = member(&app, "Cara_M").await;
    let story = start_thread(
        &app,
        &ana,
        BOARD,
        "My butterfly rash",
        "It comes back every summer.",
    )
    .await;
    let post_id = first_post_id(&story);

    // One open flag per member per post.
    flag(&app, &bo, post_id, "spam").await.expect(201);
    flag(&app, &bo, post_id, "spam").await.expect_problem(409);
    flag(&app, &bo, post_id, "off_topic")
        .await
        .expect_problem(409);

    // Not on one's own post.
    flag(&app, &ana, post_id, "spam").await.expect_problem(403);

    // `other` needs a note of at most 1,000 characters.
    flag(&app, &cara, post_id, "other")
        .await
        .expect_invalid_field("note");
    flag_with(
        &app,
        cara.token(),
        post_id,
        &json!({"reason": "other", "note": "   "}),
    )
    .await
    .expect_invalid_field("note");
    flag_with(
        &app,
        cara.token(),
        post_id,
        &json!({"reason": "other", "note": "x".repeat(1_001)}),
    )
    .await
    .expect_invalid_field("note");
    flag_with(
        &app,
        cara.token(),
        post_id,
        &json!({"reason": "other", "note": "x".repeat(1_000)}),
    )
    .await
    .expect(201);

    // Only members flag (silenced ones do not: see the silence story).
    flag_with(&app, None, post_id, &json!({"reason": "spam"}))
        .await
        .expect_problem(401);
    flag(&app, &cara, 9_999_999, "spam")
        .await
        .expect_problem(404);

    // Two reporters so far: the post is still up.
    get_thread(&app, id_of(&story), None).await.expect(200);
}

#[actix_web::test]
async fn a_single_flag_from_a_moderator_hides_a_post_until_the_flags_are_dismissed() {
    let app = TestApp::spawn().await;
    let bo = member(&app, "Bo_K").await;
    let eli = member(&app, "Eli_R").await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let other_mo = moderator(&app, "Mod_Rowan").await;
    let story = start_thread(
        &app,
        &bo,
        BOARD,
        "Everyone here is clueless",
        "You are all too sick to think straight.",
    )
    .await;
    let thread_id = id_of(&story);
    let post_id = first_post_id(&story);

    let receipt = flag(&app, &mo, post_id, "harassment").await.expect(201);
    assert_eq!(receipt["post_hidden"], true, "{receipt}");

    // A hidden first post takes its thread out of sight for everyone but its author.
    get_thread(&app, thread_id, eli.token())
        .await
        .expect_problem(404);
    get_thread(&app, thread_id, None).await.expect_problem(404);
    assert!(!ids(&board_threads(&app, BOARD, "", eli.token()).await).contains(&thread_id));
    let own = get_thread(&app, thread_id, bo.token()).await.expect(200);
    assert_eq!(own["first_post"]["status"], "hidden", "{own}");
    assert_eq!(notifications(&app, &bo, "post_hidden").await.len(), 1);

    // Another moderator finds the flags unfounded: the post is back.
    let item = item_for(&app, &other_mo, "flagged_post", post_id).await;
    decide(
        &app,
        &other_mo,
        &item,
        "dismiss",
        "Blunt, but not a personal attack.",
    )
    .await
    .expect(200);
    get_thread(&app, thread_id, eli.token()).await.expect(200);
    assert!(ids(&board_threads(&app, BOARD, "", None).await).contains(&thread_id));
    let told = notifications(&app, &mo, "flag_outcome").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["detail"], "no action", "{told:?}");
}

// ---- the queue ------------------------------------------------------------------------------

#[actix_web::test]
async fn the_queue_shows_the_worst_first_with_the_authors_history() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let cara = member(&app, "Cara_M").await;
    let mut reporters = Vec::new();
    for i in 1..=7 {
        reporters.push(member(&app, &format!("Reporter_{i}")).await);
    }

    // What moderators already know about Bo.
    let note = "Second time this month he has argued about treatment.";
    let notes = app
        .send(
            Method::POST,
            &format!("/api/v1/moderation/users/{}/notes", bo.id),
            mo.token(),
            Some(&json!({"body": note})),
        )
        .await
        .expect(201);
    assert!(list(&notes).iter().any(|n| n["body"] == note), "{notes}");
    let warning = sanction(
        &app,
        &mo,
        bo.id,
        &json!({"kind": "warn", "reason": "Keep it civil."}),
    )
    .await
    .expect(201);
    assert_eq!(warning["kind"], "warn", "{warning}");

    let thread_id =
        id_of(&start_thread(&app, &ana, BOARD, "Open chat", "Talk about anything.").await);
    // Oldest first, so that age alone would give the opposite order.
    let mut by_reason = Vec::new();
    for (reporter, reason) in reporters.iter().zip([
        "off_topic",
        "spam",
        "misinformation",
        "harassment",
        "personal_info",
    ]) {
        let post = reply(
            &app,
            &bo,
            thread_id,
            &format!("A post someone calls {reason}."),
        )
        .await;
        flag(&app, reporter, id_of(&post), reason).await.expect(201);
        by_reason.push((reason, id_of(&post)));
    }
    // Spam reported by two members outranks spam reported by one.
    let spam_twice = id_of(&reply(&app, &bo, thread_id, "Visit my shop, twice reported.").await);
    for reporter in &reporters[5..7] {
        flag(&app, reporter, spam_twice, "spam").await.expect(201);
    }
    // A member worried about another: a self-harm flag opens a crisis item, which goes first.
    let worrying = id_of(&reply(&app, &cara, thread_id, "Going quiet for a while. Bye all.").await);
    flag(&app, &ana, worrying, "self_harm").await.expect(201);

    let all = queue(&app, &mo, "").await;
    let position = |kind: &str, subject: i64| {
        all.iter()
            .position(|i| i["kind"] == kind && i["subject_id"] == subject)
            .unwrap_or_else(|| panic!("no {kind} item about {subject} in {all:?}"))
    };
    assert_eq!(all[0]["kind"], "crisis", "crisis first: {all:?}");
    assert_eq!(all[0]["subject_id"], worrying, "{all:?}");
    let severity_order: Vec<usize> = by_reason
        .iter()
        .rev()
        .map(|(_, post)| position("flagged_post", *post))
        .collect();
    assert!(
        severity_order.windows(2).all(|w| w[0] < w[1]),
        "personal_info, harassment, misinformation, spam, off_topic: {all:?}"
    );
    let spam_once = by_reason[1].1;
    assert!(
        position("flagged_post", spam_twice) < position("flagged_post", spam_once),
        "more distinct reporters rank higher: {all:?}"
    );
    let scores: Vec<f64> = all.iter().filter_map(|i| i["score"].as_f64()).collect();
    assert_eq!(scores.len(), all.len(), "every item has a score: {all:?}");
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "the queue is sorted by its documented score: {scores:?}"
    );

    // Each of Bo's items shows his history.
    let item = app
        .get(
            &format!(
                "/api/v1/moderation/queue/{}",
                id_of(&all[position("flagged_post", spam_once)])
            ),
            mo.token(),
        )
        .await
        .expect(200);
    let history = &item["author_history"];
    assert!(history.is_object(), "the author's history: {item}");
    let sanctions = list(&history["sanctions"]);
    assert!(
        sanctions
            .iter()
            .any(|s| s["id"] == warning["id"] && s["kind"] == "warn"),
        "earlier sanctions: {item}"
    );
    assert!(
        list(&history["notes"])
            .iter()
            .any(|n| n["body"] == note && n["author"]["display_name"] == "Mod_Juniper"),
        "moderator notes: {item}"
    );
    assert_eq!(history["approved_posts"], 6, "published posts: {item}");
    assert_eq!(history["removed_posts"], 0, "{item}");
    let on_the_page: Vec<&Value> = all
        .iter()
        .filter(|i| i["post"]["author"]["id"] == bo.id)
        .collect();

    // Removing one counts in his history.
    decide(&app, &mo, &item, "remove", "Spam.")
        .await
        .expect(200);
    let later = app
        .get(
            &format!(
                "/api/v1/moderation/queue/{}",
                id_of(&all[position("flagged_post", spam_twice)])
            ),
            mo.token(),
        )
        .await
        .expect(200);
    assert_eq!(later["author_history"]["removed_posts"], 1, "{later}");

    // Filters and pages.
    let crisis = queue(&app, &mo, "&kind=crisis").await;
    assert!(
        !crisis.is_empty() && crisis.iter().all(|i| i["kind"] == "crisis"),
        "{crisis:?}"
    );
    let harassment = queue(&app, &mo, "&reason=harassment").await;
    assert!(
        !harassment.is_empty() && harassment.iter().all(|i| i["reason"] == "harassment"),
        "{harassment:?}"
    );
    app.get("/api/v1/moderation/queue?status=sideways", mo.token())
        .await
        .expect_invalid_field("status");
    let whole: Vec<Value> = queue(&app, &mo, "").await;
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let mut path = "/api/v1/moderation/queue?limit=2".to_owned();
        if let Some(c) = &cursor {
            let c: String = url::form_urlencoded::byte_serialize(c.as_bytes()).collect();
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app.get(&path, mo.token()).await.expect(200);
        paged.extend(items(&page).iter().map(id_of));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        paged,
        whole.iter().map(id_of).collect::<Vec<_>>(),
        "pages of two give the whole queue, in order, once"
    );

    // The queue page itself shows the history on every item, not only on an author's first.
    for bos in on_the_page {
        assert!(
            bos["author_history"].is_object(),
            "every item on the page shows its author's history, also when the author has \
             several items on the page: {bos}"
        );
    }
}

#[actix_web::test]
async fn a_reporter_whose_flags_led_to_action_counts_for_more() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let ana = member(&app, "Ana_Accurate").await;
    let cara = member(&app, "Cara_Careless").await;
    let bo = member(&app, "Bo_K").await;
    let thread_id = id_of(&start_thread(&app, &bo, BOARD, "Odds and ends", "Anything goes.").await);

    let first = id_of(&reply(&app, &bo, thread_id, "Cheap supplements, link in bio").await);
    let second = id_of(&reply(&app, &bo, thread_id, "My rheumatologist is great").await);
    flag(&app, &ana, first, "spam").await.expect(201);
    flag(&app, &cara, second, "spam").await.expect(201);
    let item = item_for(&app, &mo, "flagged_post", first).await;
    decide(&app, &mo, &item, "remove", "Advertising.")
        .await
        .expect(200);
    let item = item_for(&app, &mo, "flagged_post", second).await;
    decide(&app, &mo, &item, "dismiss", "Not spam.")
        .await
        .expect(200);
    assert_eq!(
        notifications(&app, &ana, "flag_outcome").await[0]["detail"],
        "action taken"
    );
    assert_eq!(
        notifications(&app, &cara, "flag_outcome").await[0]["detail"],
        "no action"
    );

    // Two new spam reports, Cara's first: Ana's record puts hers above.
    let by_cara = id_of(&reply(&app, &bo, thread_id, "Another odd one").await);
    let by_ana = id_of(&reply(&app, &bo, thread_id, "Yet another odd one").await);
    flag(&app, &cara, by_cara, "spam").await.expect(201);
    flag(&app, &ana, by_ana, "spam").await.expect(201);
    let all = queue(&app, &mo, "").await;
    let at = |post: i64| {
        all.iter()
            .position(|i| i["subject_id"] == post)
            .unwrap_or_else(|| panic!("no item about {post} in {all:?}"))
    };
    assert!(at(by_ana) < at(by_cara), "accuracy counts: {all:?}");
    let accuracy = |post: i64| {
        all[at(post)]["flags"][0]["reporter_accuracy"]
            .as_f64()
            .unwrap_or_else(|| panic!("no reporter_accuracy in {}", all[at(post)]))
    };
    assert!(
        accuracy(by_ana) > accuracy(by_cara),
        "Ana {} vs Cara {}",
        accuracy(by_ana),
        accuracy(by_cara)
    );
}

#[actix_web::test]
async fn moderators_edit_hide_lock_and_dismiss_with_a_reason() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let eli = member(&app, "Eli_R").await;
    let thread_id =
        id_of(&start_thread(&app, &ana, BOARD, "Fatigue tips", "What helps you?").await);

    // Edit: the new body replaces the old one, which is kept as a revision.
    let rude = "Naps help. Also Ana is an idiot.";
    let rude_id = id_of(&reply(&app, &bo, thread_id, rude).await);
    flag(&app, &ana, rude_id, "harassment").await.expect(201);
    let item = item_for(&app, &mo, "flagged_post", rude_id).await;
    let version = item["version"].clone();
    decide_with(
        &app,
        &mo,
        id_of(&item),
        &json!({"action": "edit", "reason": "Personal attack removed.", "version": version}),
    )
    .await
    .expect_invalid_field("body");
    decide_with(
        &app,
        &mo,
        id_of(&item),
        &json!({"action": "remove", "reason": "  ", "version": version}),
    )
    .await
    .expect_invalid_field("reason");
    decide_with(
        &app,
        &mo,
        id_of(&item),
        &json!({"action": "edit", "reason": "Personal attack removed.", "version": version,
                "body": "Naps help.", "note": "Edited rather than removed: the tip is useful."}),
    )
    .await
    .expect(200);
    assert_eq!(
        post_as_seen(&app, thread_id, rude_id, eli.token()).await["body"],
        "Naps help."
    );
    let revisions = app
        .get(&format!("/api/v1/posts/{rude_id}/revisions"), mo.token())
        .await
        .expect(200);
    assert!(
        list(&revisions)
            .iter()
            .any(|r| r["body"] == rude && r["editor"] == "moderator" && r["edited_by"] == mo.id),
        "the earlier version is kept, and moderators see who replaced it: {revisions}"
    );
    // The author sees that a moderator edited her post, never which one.
    let own = app
        .get(&format!("/api/v1/posts/{rude_id}/revisions"), bo.token())
        .await
        .expect(200);
    let seen = list(&own);
    assert!(
        seen.iter()
            .any(|r| r["body"] == rude && r["editor"] == "moderator" && r["edited_by"].is_null()),
        "{own}"
    );
    assert!(!own.to_string().contains("Mod_Juniper"), "{own}");
    let told = notifications(&app, &bo, "moderation_outcome").await;
    assert!(
        told.iter().any(|n| n["subject_id"] == rude_id
            && n["detail"].as_str().is_some_and(|d| d.contains("edit"))),
        "{told:?}"
    );

    // Hide: out of sight, the author sees it hidden.
    let off = id_of(&reply(&app, &bo, thread_id, "Anyone watch the match?").await);
    flag(&app, &eli, off, "off_topic").await.expect(201);
    let item = item_for(&app, &mo, "flagged_post", off).await;
    decide(&app, &mo, &item, "hide", "Off topic in a tips thread.")
        .await
        .expect(200);
    assert!(
        !visible_post_ids(&app, thread_id, eli.token())
            .await
            .contains(&off)
    );
    assert_eq!(
        post_as_seen(&app, thread_id, off, bo.token()).await["status"],
        "hidden"
    );

    // Dismiss: the post stays and the reporter hears "no action".
    let fine = id_of(&reply(&app, &eli, thread_id, "Pacing, and saying no.").await);
    flag(&app, &bo, fine, "spam").await.expect(201);
    let item = item_for(&app, &mo, "flagged_post", fine).await;
    decide(&app, &mo, &item, "dismiss", "Good advice, not spam.")
        .await
        .expect(200);
    assert!(
        visible_post_ids(&app, thread_id, None)
            .await
            .contains(&fine)
    );
    assert_eq!(
        notifications(&app, &bo, "flag_outcome").await[0]["detail"],
        "no action"
    );

    // Lock the thread: no more replies.
    let heated = id_of(&reply(&app, &bo, thread_id, "This thread is pointless.").await);
    flag(&app, &ana, heated, "off_topic").await.expect(201);
    let item = item_for(&app, &mo, "flagged_post", heated).await;
    decide(
        &app,
        &mo,
        &item,
        "lock_thread",
        "The thread has run its course.",
    )
    .await
    .expect(200);
    let thread = get_thread(&app, thread_id, None).await.expect(200);
    assert_eq!(thread["locked"], true, "{thread}");
    post_reply(
        &app,
        eli.token(),
        thread_id,
        &json!({"body": "One more tip"}),
    )
    .await
    .expect_problem(409);

    // A decided item cannot be decided again; unknown items are 404.
    let decided = app
        .get(
            &format!("/api/v1/moderation/queue/{}", id_of(&item)),
            mo.token(),
        )
        .await
        .expect(200);
    decide(&app, &mo, &decided, "remove", "Changed my mind.")
        .await
        .expect_problem(409);
    app.get("/api/v1/moderation/queue/9999999", mo.token())
        .await
        .expect_problem(404);
    decide_with(
        &app,
        &mo,
        9_999_999,
        &json!({"action": "approve", "reason": "Fine.", "version": 1}),
    )
    .await
    .expect_problem(404);
}

#[actix_web::test]
async fn two_moderators_decide_the_same_item_and_the_second_gets_409() {
    let app = TestApp::spawn().await;
    let first = moderator(&app, "Mod_Juniper").await;
    let second = moderator(&app, "Mod_Rowan").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let thread_id =
        id_of(&start_thread(&app, &ana, BOARD, "Sun protection", "Which SPF do you use?").await);
    let post_id = id_of(&reply(&app, &bo, thread_id, "Buy my SPF 100 at a discount!").await);
    flag(&app, &ana, post_id, "spam").await.expect(201);

    // Both read the item at the same version.
    let seen_by_first = item_for(&app, &first, "flagged_post", post_id).await;
    let seen_by_second = item_for(&app, &second, "flagged_post", post_id).await;
    assert_eq!(seen_by_first["version"], seen_by_second["version"]);

    decide(&app, &first, &seen_by_first, "hide", "Advertising.")
        .await
        .expect(200);
    decide(&app, &second, &seen_by_second, "remove", "Spam.")
        .await
        .expect_problem(409);
    // The second decision changed nothing.
    assert_eq!(
        post_as_seen(&app, thread_id, post_id, bo.token()).await["status"],
        "hidden"
    );
    assert_eq!(
        notifications(&app, &bo, "moderation_outcome").await.len(),
        1,
        "the author is told of one decision"
    );

    // An item that changed since it was read (a new flag) refuses the stale version.
    let other = id_of(&reply(&app, &bo, thread_id, "SPF 100, now half price").await);
    flag(&app, &ana, other, "spam").await.expect(201);
    let stale = item_for(&app, &first, "flagged_post", other).await;
    let cara = member(&app, "Cara_M").await;
    flag(&app, &cara, other, "spam").await.expect(201);
    decide(&app, &first, &stale, "remove", "Spam.")
        .await
        .expect_problem(409);
    let fresh = item_for(&app, &first, "flagged_post", other).await;
    assert_ne!(fresh["version"], stale["version"]);
    decide(&app, &first, &fresh, "remove", "Spam.")
        .await
        .expect(200);
}

#[actix_web::test]
async fn two_moderators_deciding_at_the_same_moment_cannot_both_win() {
    let app = TestApp::spawn().await;
    let first = moderator(&app, "Mod_Juniper").await;
    let second = moderator(&app, "Mod_Rowan").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let thread_id = id_of(&start_thread(&app, &ana, BOARD, "Flare diary", "Week one.").await);
    // Several rounds, to give a race every chance to show.
    for round in 0..5 {
        let post_id = id_of(&reply(&app, &bo, thread_id, &format!("Spam number {round}")).await);
        flag(&app, &ana, post_id, "spam").await.expect(201);
        let item = item_for(&app, &first, "flagged_post", post_id).await;
        let (a, b) = futures_util::future::join(
            decide(&app, &first, &item, "hide", "Spam."),
            decide(&app, &second, &item, "remove", "Spam."),
        )
        .await;
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: exactly one decision wins (got {} {} and {} {})",
            a.status,
            a.body,
            b.status,
            b.body
        );
    }
    assert_eq!(
        notifications(&app, &bo, "moderation_outcome").await.len(),
        5,
        "one outcome per item"
    );
}

#[actix_web::test]
async fn a_claimed_item_is_left_to_the_moderator_who_claimed_it() {
    let app = TestApp::spawn().await;
    let juniper = moderator(&app, "Mod_Juniper").await;
    let rowan = moderator(&app, "Mod_Rowan").await;
    let chief = admin(&app, "Chief_Admin").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let thread_id =
        id_of(&start_thread(&app, &ana, BOARD, "Kidney results", "My creatinine is up.").await);
    let post_id = id_of(&reply(&app, &bo, thread_id, "Doctors know nothing, trust me").await);
    flag(&app, &ana, post_id, "misinformation")
        .await
        .expect(201);
    let item = item_for(&app, &juniper, "flagged_post", post_id).await;
    let item_id = id_of(&item);

    let claimed = claim(&app, &juniper, item_id, "claim").await.expect(200);
    assert_eq!(claimed["status"], "claimed", "{claimed}");
    assert_eq!(claimed["claimed_by"]["id"], juniper.id, "{claimed}");
    let until: DateTime<Utc> = claimed["claimed_until"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("claimed_until is a time: {claimed}"));
    let minutes = (until - Utc::now()).num_minutes();
    assert!(
        (28..=30).contains(&minutes),
        "a claim lasts 30 minutes, not {minutes}"
    );

    // The other moderator can neither claim nor decide it, and no longer sees it as open.
    claim(&app, &rowan, item_id, "claim")
        .await
        .expect_problem(409);
    decide(&app, &rowan, &claimed, "dismiss", "Fine.")
        .await
        .expect_problem(409);
    claim(&app, &rowan, item_id, "release")
        .await
        .expect_problem(403);
    assert!(
        find_item(&app, &rowan, "flagged_post", post_id)
            .await
            .is_none()
    );
    assert!(
        queue(&app, &rowan, "&status=claimed")
            .await
            .iter()
            .any(|i| id_of(i) == item_id)
    );

    // Released, it is anyone's again; an administrator may release anyone's claim.
    claim(&app, &juniper, item_id, "claim").await.expect(200);
    let released = claim(&app, &juniper, item_id, "release").await.expect(200);
    assert_eq!(released["status"], "open", "{released}");
    let taken = claim(&app, &rowan, item_id, "claim").await.expect(200);
    assert_eq!(taken["claimed_by"]["id"], rowan.id, "{taken}");
    claim(&app, &chief, item_id, "release").await.expect(200);
    let retaken = claim(&app, &rowan, item_id, "claim").await.expect(200);
    decide(&app, &rowan, &retaken, "remove", "Dangerous advice.")
        .await
        .expect(200);
    claim(&app, &juniper, item_id, "claim")
        .await
        .expect_problem(409);
}

#[actix_web::test]
async fn two_moderators_claiming_at_the_same_moment_cannot_both_hold_the_item() {
    let app = TestApp::spawn().await;
    let juniper = moderator(&app, "Mod_Juniper").await;
    let rowan = moderator(&app, "Mod_Rowan").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let thread_id = id_of(&start_thread(&app, &ana, BOARD, "Flare diary", "Week two.").await);
    for round in 0..5 {
        let post_id = id_of(&reply(&app, &bo, thread_id, &format!("Spam again {round}")).await);
        flag(&app, &ana, post_id, "spam").await.expect(201);
        let item_id = id_of(&item_for(&app, &juniper, "flagged_post", post_id).await);
        let (a, b) = futures_util::future::join(
            claim(&app, &juniper, item_id, "claim"),
            claim(&app, &rowan, item_id, "claim"),
        )
        .await;
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: one claim wins (got {} {} and {} {})",
            a.status,
            a.body,
            b.status,
            b.body
        );
    }
}

// ---- automatic filters ----------------------------------------------------------------------

#[actix_web::test]
async fn a_crisis_post_in_chinese_goes_to_the_top_of_the_queue_and_its_author_gets_support() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let lin = member(&app, "Lin_Xiao").await;
    set_locale(&app, &lin, "zh-CN").await;

    // A spam report is waiting.
    let spam = start_thread(
        &app,
        &bo,
        BOARD,
        "Great offer",
        "Cheap vitamins, message me.",
    )
    .await;
    flag(&app, &ana, first_post_id(&spam), "spam")
        .await
        .expect(201);

    // At 3 a.m., Lin writes that she no longer wants to live.
    let words = "我真的不想活了，每天都很痛，没有人理解我。";
    let thread = start_thread(&app, &lin, BOARD, "深夜里的一些话", words).await;
    let thread_id = id_of(&thread);
    let post_id = first_post_id(&thread);
    let post = &thread["first_post"];
    assert_eq!(
        post["status"], "published",
        "a crisis post stays visible: {thread}"
    );
    let notice = &post["notice"];
    assert_eq!(notice["held"], false, "{thread}");
    let resources = list(&notice["support_resources"]);
    assert!(
        !resources.is_empty(),
        "support resources in the answer: {thread}"
    );
    for resource in &resources {
        assert!(
            resource["name"].is_string() && resource["contact"].is_string(),
            "{resource}"
        );
    }
    assert!(
        resources
            .iter()
            .all(|r| has_cjk(r["name"].as_str().unwrap_or_default())),
        "resources for a zh-CN member are in Chinese: {resources:?}"
    );

    // Others still see her post.
    let seen = get_thread(&app, thread_id, None).await.expect(200);
    assert_eq!(seen["first_post"]["body"], words, "{seen}");

    // It is at the top of the queue; the spam item waits below.
    let all = queue(&app, &mo, "").await;
    assert_eq!(all[0]["kind"], "crisis", "{all:?}");
    assert_eq!(all[0]["subject_id"], post_id, "{all:?}");
    assert!(
        all.iter()
            .skip(1)
            .any(|i| i["subject_id"] == first_post_id(&spam) && i["reason"] == "spam"),
        "the spam item waits: {all:?}"
    );
    assert_eq!(all[0]["post"]["body"], words, "{all:?}");
}

#[actix_web::test]
async fn a_crisis_post_in_english_gets_english_support_resources() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let ana = member(&app, "Ana_L").await;
    let thread = start_thread(
        &app,
        &ana,
        BOARD,
        "Can't do this",
        "I don't want to live anymore. Everything hurts and nobody gets it.",
    )
    .await;
    assert_eq!(thread["first_post"]["status"], "published", "{thread}");
    let resources = list(&thread["first_post"]["notice"]["support_resources"]);
    assert!(!resources.is_empty(), "{thread}");
    assert!(
        resources
            .iter()
            .all(|r| !has_cjk(r["name"].as_str().unwrap_or_default())),
        "resources for an English speaker are in English: {resources:?}"
    );
    let all = queue(&app, &mo, "").await;
    assert_eq!(all[0]["kind"], "crisis", "{all:?}");
    assert_eq!(all[0]["subject_id"], first_post_id(&thread), "{all:?}");
}

#[actix_web::test]
async fn a_community_chooses_the_support_resources_its_members_are_shown() {
    let app = TestApp::spawn_with(|settings| {
        settings.crisis.resources_en = vec![SupportResource {
            name: "Lupus Peer Line".into(),
            contact: "Call 0800 555 0199, any hour".into(),
            url: Some("https://peers.example.org".into()),
        }];
    })
    .await;
    let ana = member(&app, "Ana_L").await;
    let thread = start_thread(
        &app,
        &ana,
        BOARD,
        "Tonight is bad",
        "I want to kill myself, I can't take the pain any more.",
    )
    .await;
    let resources = list(&thread["first_post"]["notice"]["support_resources"]);
    assert_eq!(
        resources,
        vec![
            json!({"name": "Lupus Peer Line", "contact": "Call 0800 555 0199, any hour",
                    "url": "https://peers.example.org"})
        ],
        "{thread}"
    );
}

#[actix_web::test]
async fn a_phone_number_holds_a_post_until_its_author_edits_it_out() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let wen = member(&app, "Wen_Shanghai").await;
    let eli = member(&app, "Eli_R").await;

    let thread = start_thread(
        &app,
        &wen,
        BOARD,
        "Meet-up in Shanghai",
        "Anyone want to meet for tea? Call me on 13812345678.",
    )
    .await;
    let thread_id = id_of(&thread);
    let post_id = first_post_id(&thread);
    let post = &thread["first_post"];
    assert_eq!(post["status"], "held", "{thread}");
    let notice = &post["notice"];
    assert_eq!(notice["held"], true, "{thread}");
    assert_eq!(notice["reason"], "personal_info", "{thread}");
    assert!(
        notice["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{thread}"
    );
    let found = list(&notice["personal_info"]);
    assert!(
        found.iter().any(|f| f["kind"] == "phone"),
        "the author is told which part to edit: {thread}"
    );
    assert!(
        found.iter().all(|f| !f["masked"]
            .as_str()
            .unwrap_or("13812345678")
            .contains("13812345678")),
        "the number is shown masked: {found:?}"
    );

    // Nobody else sees it.
    get_thread(&app, thread_id, eli.token())
        .await
        .expect_problem(404);
    get_thread(&app, thread_id, None).await.expect_problem(404);
    assert!(!ids(&board_threads(&app, BOARD, "", eli.token()).await).contains(&thread_id));
    let item = item_for(&app, &mo, "held_post", post_id).await;
    assert_eq!(item["reason"], "personal_info", "{item}");

    // She edits the number out: it is published, and the queue item is gone.
    let edited = edit_post(
        &app,
        &wen,
        post_id,
        "Anyone want to meet for tea? Send me a message here.",
    )
    .await
    .expect(200);
    assert_eq!(edited["status"], "published", "{edited}");
    let seen = get_thread(&app, thread_id, eli.token()).await.expect(200);
    assert_eq!(
        seen["first_post"]["body"],
        "Anyone want to meet for tea? Send me a message here."
    );
    assert!(find_item(&app, &mo, "held_post", post_id).await.is_none());
}

#[actix_web::test]
async fn email_addresses_international_numbers_and_identity_numbers_hold_a_post_too() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let eli = member(&app, "Eli_R").await;
    let thread_id =
        id_of(&start_thread(&app, &ana, BOARD, "Pen pals", "Who wants to write?").await);
    for (body, kind) in [
        ("Write to me at bo.k.lupus@example.org any time.", "email"),
        (
            "I am in London, ring +44 20 7946 0958 in the evenings.",
            "phone",
        ),
        (
            "My ID for the hospital form is 11010519491231002X, is that safe?",
            "national_id",
        ),
    ] {
        let post = reply(&app, &bo, thread_id, body).await;
        assert_eq!(post["status"], "held", "{body}: {post}");
        assert_eq!(post["notice"]["reason"], "personal_info", "{post}");
        assert!(
            list(&post["notice"]["personal_info"])
                .iter()
                .any(|f| f["kind"] == kind),
            "{kind} found in {post}"
        );
        assert!(
            !visible_post_ids(&app, thread_id, eli.token())
                .await
                .contains(&id_of(&post))
        );
    }
}

#[actix_web::test]
async fn watched_words_block_hold_or_flag_what_members_write() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let ana = member(&app, "Ana_L").await;
    let eli = member(&app, "Eli_R").await;

    let block = add_word(&app, &mo, "miracle tea", "block")
        .await
        .expect(201);
    assert_eq!(block["pattern"], "miracle tea", "{block}");
    assert_eq!(block["action"], "block", "{block}");
    add_word(&app, &mo, "神药", "block").await.expect(201);
    let hold = add_word(&app, &mo, "guaranteed*remission", "hold")
        .await
        .expect(201);
    let watch = add_word(&app, &mo, "essential oil", "flag")
        .await
        .expect(201);
    add_word(&app, &mo, "Miracle Tea", "hold")
        .await
        .expect_problem(409);
    add_word(&app, &mo, "*", "block")
        .await
        .expect_invalid_field("pattern");
    let rules = list(
        &app.get("/api/v1/moderation/watched-words", mo.token())
            .await
            .expect(200),
    );
    for rule in [&block, &hold, &watch] {
        assert!(rules.iter().any(|r| r["id"] == rule["id"]), "{rules:?}");
    }

    // Block: 422 naming the rule, nothing stored, whatever the case.
    let count = board_thread_count(&app, BOARD).await;
    let threads = ids(&board_threads(&app, BOARD, "", None).await);
    let refused = post_thread(
        &app,
        ana.token(),
        BOARD,
        &json!({"title": "A discovery", "body": "Try MIRACLE TEA from my cousin's shop."}),
    )
    .await;
    let problem = refused.expect_invalid_field("body");
    assert!(
        problem.to_string().to_lowercase().contains("miracle tea"),
        "the refusal names the rule: {problem}"
    );
    post_thread(
        &app,
        ana.token(),
        BOARD,
        &json!({"title": "我的一个新发现", "body": "这个神药很好，我吃了一个月。"}),
    )
    .await
    .expect_invalid_field("body");
    assert_eq!(
        board_thread_count(&app, BOARD).await,
        count,
        "nothing stored"
    );
    assert_eq!(
        ids(&board_threads(&app, BOARD, "", None).await),
        threads,
        "nothing stored"
    );
    let thread_id =
        id_of(&start_thread(&app, &ana, BOARD, "Things that help", "Share yours.").await);
    let before = visible_post_ids(&app, thread_id, ana.token()).await;
    post_reply(
        &app,
        ana.token(),
        thread_id,
        &json!({"body": "miracle tea!"}),
    )
    .await
    .expect_invalid_field("body");
    assert_eq!(visible_post_ids(&app, thread_id, ana.token()).await, before);

    // Hold: stored, waiting for a moderator.
    let held = reply(
        &app,
        &ana,
        thread_id,
        "This diet gives guaranteed full remission in 30 days.",
    )
    .await;
    assert_eq!(held["status"], "held", "{held}");
    assert_eq!(held["notice"]["held"], true, "{held}");
    assert_eq!(held["notice"]["reason"], "watched_word", "{held}");
    assert!(
        !visible_post_ids(&app, thread_id, eli.token())
            .await
            .contains(&id_of(&held))
    );
    item_for(&app, &mo, "held_post", id_of(&held)).await;

    // Flag: published, and queued for a look.
    let flagged = reply(
        &app,
        &ana,
        thread_id,
        "Essential oils calm my rash a little.",
    )
    .await;
    assert_eq!(flagged["status"], "published", "{flagged}");
    assert!(
        visible_post_ids(&app, thread_id, eli.token())
            .await
            .contains(&id_of(&flagged))
    );
    item_for(&app, &mo, "flagged_post", id_of(&flagged)).await;

    // Without the rule, the words pass.
    app.delete(
        &format!("/api/v1/moderation/watched-words/{}", id_of(&block)),
        mo.token(),
    )
    .await
    .expect(204);
    app.delete(
        &format!("/api/v1/moderation/watched-words/{}", id_of(&block)),
        mo.token(),
    )
    .await
    .expect_problem(404);
    reply(
        &app,
        &ana,
        thread_id,
        "My aunt swears by miracle tea, I doubt it.",
    )
    .await;

    // Every change is in the log.
    let log = log_entries(&app, &mo).await;
    let added = log
        .iter()
        .filter(|e| e["action"] == "watched_word_added")
        .count();
    assert_eq!(added, 4, "{log:?}");
    assert!(
        log.iter().any(|e| e["action"] == "watched_word_removed"
            && e["target_id"] == block["id"]
            && e["actor"]["id"] == mo.id),
        "{log:?}"
    );
}

#[actix_web::test]
async fn a_fresh_server_watches_for_common_spam_and_health_misinformation() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let ana = member(&app, "Ana_L").await;
    let rules = list(
        &app.get("/api/v1/moderation/watched-words", mo.token())
            .await
            .expect(200),
    );
    let patterns: Vec<String> = rules
        .iter()
        .filter_map(|r| r["pattern"].as_str().map(str::to_lowercase))
        .collect();
    for phrase in ["cure lupus naturally", "stop taking your medication"] {
        assert!(
            patterns.iter().any(|p| p == phrase),
            "a fresh server watches for {phrase:?}: {rules:?}"
        );
    }
    assert!(
        rules.iter().any(|r| r["action"] == "block"),
        "common spam is blocked: {rules:?}"
    );
    let thread = start_thread(
        &app,
        &ana,
        BOARD,
        "Good news",
        "You can cure lupus naturally, just stop taking your medication.",
    )
    .await;
    assert_eq!(thread["first_post"]["status"], "held", "{thread}");
}

#[actix_web::test]
async fn a_new_members_first_two_posts_wait_for_a_moderator_and_the_third_does_not() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let ana = member(&app, "Ana_L").await;
    let eli = member(&app, "Eli_R").await;
    let welcome = id_of(&start_thread(&app, &ana, BOARD, "Welcome thread", "Say hello!").await);
    let nia = newcomer(&app, "Nia_New").await;

    let first = start_thread(&app, &nia, BOARD, "Hello from Nia", "Diagnosed last month.").await;
    assert_eq!(first["first_post"]["status"], "held", "{first}");
    assert_eq!(first["first_post"]["notice"]["held"], true, "{first}");
    assert_eq!(
        first["first_post"]["notice"]["reason"], "new_member",
        "{first}"
    );
    get_thread(&app, id_of(&first), eli.token())
        .await
        .expect_problem(404);

    age_posts(&app, nia.id, 31).await;
    let second = reply(&app, &nia, welcome, "Hi everyone, I am Nia.").await;
    assert_eq!(second["status"], "held", "{second}");
    assert_eq!(second["notice"]["reason"], "new_member", "{second}");
    assert!(
        !visible_post_ids(&app, welcome, eli.token())
            .await
            .contains(&id_of(&second))
    );

    age_posts(&app, nia.id, 62).await;
    let third = reply(&app, &nia, welcome, "Thanks for the warm welcome.").await;
    assert_eq!(
        third["status"], "published",
        "the third post is not held: {third}"
    );
    assert!(
        third
            .get("notice")
            .is_none_or(|n| n.is_null() || n["held"] == false)
    );

    // A moderator approves both held posts: they are published.
    for post in [first_post_id(&first), id_of(&second)] {
        let item = item_for(&app, &mo, "held_post", post).await;
        assert_eq!(item["reason"], "new_member", "{item}");
        assert!(!strings(&item["allowed_actions"]).is_empty(), "{item}");
        decide(&app, &mo, &item, "approve", "Welcome to Butterfly!")
            .await
            .expect(200);
    }
    let seen = get_thread(&app, id_of(&first), eli.token())
        .await
        .expect(200);
    assert_eq!(seen["first_post"]["status"], "published", "{seen}");
    assert!(
        visible_post_ids(&app, welcome, None)
            .await
            .contains(&id_of(&second))
    );
    assert_eq!(
        notifications(&app, &nia, "moderation_outcome").await.len(),
        2,
        "Nia is told each post was approved"
    );

    // A held post can be approved, removed or edited, not "dismissed".
    let newer = newcomer(&app, "Noor_New").await;
    let held = reply(&app, &newer, welcome, "Hello from Noor.").await;
    let item = item_for(&app, &mo, "held_post", id_of(&held)).await;
    decide(&app, &mo, &item, "dismiss", "No.")
        .await
        .expect_invalid_field("action");
}

// ---- sanctions ------------------------------------------------------------------------------

#[actix_web::test]
async fn a_moderator_cannot_sanction_a_moderator_or_an_admin_but_an_admin_can() {
    let app = TestApp::spawn().await;
    let juniper = moderator(&app, "Mod_Juniper").await;
    let rowan = moderator(&app, "Mod_Rowan").await;
    let chief = admin(&app, "Chief_Admin").await;
    let kai = coordinator(&app, "Coordinator_Kai").await;
    let suspend = json!({"kind": "suspend", "reason": "Testing the limits."});

    for target in [&chief, &rowan] {
        for kind in ["warn", "silence", "suspend", "ban"] {
            sanction(
                &app,
                &juniper,
                target.id,
                &json!({"kind": kind, "reason": "Overreach."}),
            )
            .await
            .expect_problem(403);
        }
    }
    sanction(&app, &juniper, juniper.id, &suspend)
        .await
        .expect_problem(403);
    sanction(&app, &chief, chief.id, &suspend)
        .await
        .expect_problem(403);
    // Nothing happened to them.
    app.get("/api/v1/moderation/queue", chief.token())
        .await
        .expect(200);
    app.get("/api/v1/moderation/queue", rowan.token())
        .await
        .expect(200);
    let on_chief = app
        .get(
            &format!("/api/v1/moderation/users/{}/sanctions", chief.id),
            juniper.token(),
        )
        .await
        .expect(200);
    assert!(list(&on_chief).is_empty(), "{on_chief}");

    // A moderator may sanction a coordinator; an administrator may sanction a moderator.
    sanction(
        &app,
        &juniper,
        kai.id,
        &json!({"kind": "warn", "reason": "Recruitment posts go in the trials board."}),
    )
    .await
    .expect(201);
    let placed = sanction(&app, &chief, rowan.id, &suspend).await.expect(201);
    assert_eq!(placed["kind"], "suspend", "{placed}");
    assert_eq!(placed["user_id"], rowan.id, "{placed}");
    app.get("/api/v1/moderation/queue", rowan.token())
        .await
        .expect_problem(401);
}

#[actix_web::test]
async fn a_suspended_members_tokens_stop_working_at_once_and_she_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let bo = member(&app, "Bo_K").await;
    // A second session, on another device.
    let laptop = app.sign_in(&bo.email, PASSWORD).await;
    app.me(&bo.access).await.expect(200);
    app.me(&laptop.access).await.expect(200);

    sanction(
        &app,
        &mo,
        bo.id,
        &json!({"kind": "suspend", "reason": "Suspended", "until": "2001-01-01T00:00:00Z"}),
    )
    .await
    .expect_invalid_field("until");
    sanction(&app, &mo, bo.id, &json!({"kind": "suspend", "reason": " "}))
        .await
        .expect_invalid_field("reason");
    let placed = sanction(
        &app,
        &mo,
        bo.id,
        &json!({"kind": "suspend", "reason": "Repeated harassment after a warning."}),
    )
    .await
    .expect(201);
    assert_eq!(placed["kind"], "suspend", "{placed}");
    assert!(placed["until"].is_null(), "until lifted: {placed}");
    let sanction_id = id_of(&placed);

    // Every token stops working at once.
    for access in [&bo.access, &laptop.access] {
        app.me(access).await.expect_problem(401);
    }
    for refresh in [&bo.refresh, &laptop.refresh] {
        app.refresh(refresh).await.expect_problem(401);
    }
    app.login(&bo.email, PASSWORD).await.expect_problem(403);

    // Lifted: she signs in again; the old sessions stay closed.
    lift(&app, &mo, bo.id, sanction_id).await.expect(204);
    lift(&app, &mo, bo.id, sanction_id)
        .await
        .expect_problem(409);
    let back = app.sign_in(&bo.email, PASSWORD).await;
    app.me(&back.access).await.expect(200);
    app.me(&bo.access).await.expect_problem(401);
    app.refresh(&laptop.refresh).await.expect_problem(401);
    let told = items(
        &app.get("/api/v1/notifications?limit=100", Some(&back.access))
            .await
            .expect(200),
    );
    assert!(
        told.iter()
            .any(|n| n["kind"] == "sanction" && n["subject_id"] == sanction_id),
        "she is told of the suspension: {told:?}"
    );
    let history = app
        .get(
            &format!("/api/v1/moderation/users/{}/sanctions", bo.id),
            mo.token(),
        )
        .await
        .expect(200);
    let listed = list(&history);
    assert!(
        listed
            .iter()
            .any(|s| s["id"] == sanction_id && s["lifted_at"].is_string()),
        "{history}"
    );
}

#[actix_web::test]
async fn a_ban_is_permanent_and_can_take_the_members_posts_with_it() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_Spammer").await;
    let own = start_thread(&app, &bo, BOARD, "Cheap pills", "Message me for prices.").await;
    let thread_id = id_of(&start_thread(&app, &ana, BOARD, "Flare tips", "What helps?").await);
    let spam = id_of(&reply(&app, &bo, thread_id, "Cheap pills here.").await);

    let ban = sanction(
        &app,
        &mo,
        bo.id,
        &json!({"kind": "ban", "reason": "Spam account.", "remove_content": true,
                "until": "2099-01-01T00:00:00Z"}),
    )
    .await
    .expect(201);
    assert!(ban["until"].is_null(), "a ban does not end: {ban}");
    app.me(&bo.access).await.expect_problem(401);
    app.login(&bo.email, PASSWORD).await.expect_problem(403);
    get_thread(&app, id_of(&own), ana.token())
        .await
        .expect_problem(404);
    assert!(
        !visible_post_ids(&app, thread_id, ana.token())
            .await
            .contains(&spam)
    );
}

#[actix_web::test]
async fn a_silenced_member_reads_but_cannot_write_until_her_silence_ends_by_itself() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let story = start_thread(
        &app,
        &ana,
        BOARD,
        "Winter flares",
        "Anyone else worse in the cold?",
    )
    .await;
    let thread_id = id_of(&story);

    let until = (Utc::now() + chrono::Duration::seconds(3))
        .with_nanosecond(0)
        .expect("a whole second");
    let placed = sanction(
        &app,
        &mo,
        bo.id,
        &json!({"kind": "silence", "reason": "Cooling off after an argument.",
                "until": until.to_rfc3339_opts(SecondsFormat::Secs, true)}),
    )
    .await
    .expect(201);
    let shown: Option<DateTime<Utc>> = placed["until"].as_str().and_then(|t| t.parse().ok());
    assert_eq!(shown, Some(until), "{placed}");

    // Read-only: reading and signing in work; posting, reacting and flagging do not.
    let refused = post_reply(
        &app,
        bo.token(),
        thread_id,
        &json!({"body": "You are all wrong."}),
    )
    .await;
    let problem = refused.expect_problem(403);
    let detail = problem["detail"].as_str().unwrap_or_default();
    let end = until.format("%Y-%m-%dT%H:%M:%S").to_string();
    assert!(
        detail.contains(&end),
        "the refusal names the end time {end}: {detail:?}"
    );
    post_thread(
        &app,
        bo.token(),
        BOARD,
        &json!({"title": "My side", "body": "Let me explain."}),
    )
    .await
    .expect_problem(403);
    react(&app, bo.token(), first_post_id(&story), "support", true)
        .await
        .expect_problem(403);
    flag(&app, &bo, first_post_id(&story), "spam")
        .await
        .expect_problem(403);
    get_thread(&app, thread_id, bo.token()).await.expect(200);
    app.sign_in(&bo.email, PASSWORD).await;

    // The silence ends by itself.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let attempt = post_reply(
            &app,
            bo.token(),
            thread_id,
            &json!({"body": "Sorry for earlier, all."}),
        )
        .await;
        if attempt.status == 201 {
            break;
        }
        attempt.expect_problem(403);
        assert!(
            Instant::now() < deadline,
            "the silence ending at {until} has not ended by itself 10 s later"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        Utc::now() >= until - chrono::Duration::milliseconds(500),
        "the silence did not end before {until}"
    );
    react(&app, bo.token(), first_post_id(&story), "support", true)
        .await
        .expect(200);
}

#[actix_web::test]
async fn lifting_a_sanction_restores_the_member_and_nobody_lifts_their_own() {
    let app = TestApp::spawn().await;
    let juniper = moderator(&app, "Mod_Juniper").await;
    let rowan = moderator(&app, "Mod_Rowan").await;
    let chief = admin(&app, "Chief_Admin").await;
    let deputy = admin(&app, "Deputy_Admin").await;
    let bo = member(&app, "Bo_K").await;
    let thread_id = id_of(&start_thread(&app, &chief, BOARD, "House rules", "Be kind.").await);
    let silence = json!({"kind": "silence", "reason": "Heated week."});

    // A member's silence, lifted by another moderator.
    let on_bo = id_of(&sanction(&app, &juniper, bo.id, &silence).await.expect(201));
    post_reply(&app, bo.token(), thread_id, &json!({"body": "Understood."}))
        .await
        .expect_problem(403);
    lift(&app, &bo, bo.id, on_bo).await.expect_problem(403);
    lift(&app, &rowan, bo.id, on_bo).await.expect(204);
    reply(&app, &bo, thread_id, "Thanks, understood.").await;

    // A moderator cannot lift their own sanction, nor another moderator's.
    let on_juniper = id_of(
        &sanction(&app, &chief, juniper.id, &silence)
            .await
            .expect(201),
    );
    post_reply(&app, juniper.token(), thread_id, &json!({"body": "Hmm."}))
        .await
        .expect_problem(403);
    lift(&app, &juniper, juniper.id, on_juniper)
        .await
        .expect_problem(403);
    lift(&app, &rowan, juniper.id, on_juniper)
        .await
        .expect_problem(403);
    lift(&app, &chief, bo.id, on_juniper)
        .await
        .expect_problem(404);
    lift(&app, &chief, juniper.id, on_juniper).await.expect(204);
    reply(&app, &juniper, thread_id, "Back to work.").await;

    // Nor can an administrator.
    let on_deputy = id_of(
        &sanction(&app, &chief, deputy.id, &silence)
            .await
            .expect(201),
    );
    lift(&app, &deputy, deputy.id, on_deputy)
        .await
        .expect_problem(403);
    lift(&app, &chief, deputy.id, on_deputy).await.expect(204);
    reply(&app, &deputy, thread_id, "Thank you.").await;
}

// ---- the log --------------------------------------------------------------------------------

#[actix_web::test]
async fn the_moderation_log_records_every_action_and_cannot_be_changed_through_the_api() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let chief = admin(&app, "Chief_Admin").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let thread_id =
        id_of(&start_thread(&app, &ana, BOARD, "Joint pain", "Mornings are worst.").await);

    let original = "Stretching helps. Also you are whining.";
    let post_id = id_of(&reply(&app, &bo, thread_id, original).await);
    flag(&app, &ana, post_id, "harassment").await.expect(201);
    let item = item_for(&app, &mo, "flagged_post", post_id).await;
    decide_with(
        &app,
        &mo,
        id_of(&item),
        &json!({"action": "edit", "reason": "Unkind remark removed.", "version": item["version"],
                "body": "Stretching helps."}),
    )
    .await
    .expect(200);
    let warn = id_of(
        &sanction(
            &app,
            &mo,
            bo.id,
            &json!({"kind": "warn", "reason": "Be kind."}),
        )
        .await
        .expect(201),
    );
    let silence = id_of(
        &sanction(
            &app,
            &mo,
            bo.id,
            &json!({"kind": "silence", "reason": "Again."}),
        )
        .await
        .expect(201),
    );
    lift(&app, &chief, bo.id, silence).await.expect(204);
    let word = id_of(&add_word(&app, &mo, "whining", "flag").await.expect(201));
    app.delete(
        &format!("/api/v1/moderation/watched-words/{word}"),
        mo.token(),
    )
    .await
    .expect(204);
    app.send(
        Method::PATCH,
        &format!("/api/v1/threads/{thread_id}"),
        mo.token(),
        Some(&json!({"locked": true})),
    )
    .await
    .expect(200);

    let entries = log_entries(&app, &mo).await;
    let actions = actions_in(&entries);
    for action in [
        "edit",
        "sanction",
        "lift_sanction",
        "watched_word_added",
        "watched_word_removed",
    ] {
        assert!(actions.contains(action), "{action} is logged: {actions:?}");
    }
    let decision = entries
        .iter()
        .find(|e| e["action"] == "edit")
        .unwrap_or_else(|| panic!("no edit entry in {entries:?}"));
    assert_eq!(decision["actor"]["id"], mo.id, "{decision}");
    assert_eq!(
        decision["actor"]["display_name"], "Mod_Juniper",
        "{decision}"
    );
    assert_eq!(decision["reason"], "Unkind remark removed.", "{decision}");
    assert!(
        entries.iter().any(|e| e["target_id"] == post_id
            && e["before"] == original
            && e["after"] == "Stretching helps."),
        "before and after where content changed: {entries:?}"
    );
    assert!(
        entries.iter().any(|e| e["action"] == "sanction"
            && e["target_id"] == bo.id
            && e["reason"] == "Be kind."),
        "the warning ({warn}) is logged with its target and reason: {entries:?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "lift_sanction" && e["actor"]["id"] == chief.id),
        "{entries:?}"
    );

    // No method changes it: the lists take no other method (405), and no entry has an
    // address of its own (404).
    let entry_id = id_of(&entries[0]);
    let tamper = json!({"action": "nothing", "reason": "tampered", "actor_id": null});
    for (path, refused) in [
        ("/api/v1/moderation/log".to_owned(), 405),
        (format!("/api/v1/moderation/log/{entry_id}"), 404),
        ("/api/v1/modlog".to_owned(), 405),
        (format!("/api/v1/modlog/{entry_id}"), 404),
    ] {
        for method in [Method::PUT, Method::PATCH, Method::DELETE, Method::POST] {
            for who in [&mo, &chief] {
                app.send(method.clone(), &path, who.token(), Some(&tamper))
                    .await
                    .expect_problem(refused);
            }
        }
    }
    assert_eq!(
        log_entries(&app, &mo).await,
        entries,
        "the log is unchanged"
    );
}

#[actix_web::test]
async fn the_public_modlog_shows_what_moderators_did_without_their_names_or_removed_content() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Warden_Quillfeather").await;
    let chief = admin(&app, "Chief_Marigold").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let cara = member(&app, "Cara_M").await;
    let dee = member(&app, "Dee_K").await;
    let thread_id = id_of(&start_thread(&app, &ana, BOARD, "Good days", "Share a good day.").await);

    // A removal, after three flags hid the post automatically.
    let removed = "Order SECRET-TINCTURE-77 today, cures everything.";
    let removed_id = id_of(&reply(&app, &bo, thread_id, removed).await);
    for reporter in [&ana, &cara, &dee] {
        flag(&app, reporter, removed_id, "spam").await.expect(201);
    }
    let item = item_for(&app, &mo, "flagged_post", removed_id).await;
    decide(&app, &mo, &item, "remove", "Advertising.")
        .await
        .expect(200);
    // An edit that takes words out.
    let insult = "Lovely walk today. ORIGINAL-INSULT-55 to the doubters.";
    let edited_id = id_of(&reply(&app, &bo, thread_id, insult).await);
    flag(&app, &ana, edited_id, "harassment").await.expect(201);
    let item = item_for(&app, &chief, "flagged_post", edited_id).await;
    decide_with(
        &app,
        &chief,
        id_of(&item),
        &json!({"action": "edit", "reason": "Insult removed.", "version": item["version"],
                "body": "Lovely walk today."}),
    )
    .await
    .expect(200);
    sanction(
        &app,
        &chief,
        bo.id,
        &json!({"kind": "warn", "reason": "Spam and insults."}),
    )
    .await
    .expect(201);

    let public = app.get("/api/v1/modlog?limit=100", None).await;
    let page = public.expect(200);
    let entries = items(&page);
    assert!(!entries.is_empty(), "{page}");
    let actions = actions_in(&entries);
    for action in ["remove", "edit"] {
        assert!(
            actions.contains(action),
            "{action} in the public log: {actions:?}"
        );
    }
    assert!(
        !actions.contains("sanction"),
        "sanctions concern a person and stay private: {actions:?}"
    );
    assert!(
        entries
            .iter()
            .all(|e| e["actor"] == "a moderator" || e["actor"] == "automatic"),
        "{entries:?}"
    );
    assert!(entries.iter().any(|e| e["actor"] == "a moderator"));
    let body = public.body.to_lowercase();
    for hidden in [
        "warden_quillfeather",
        "chief_marigold",
        "secret-tincture-77",
        "original-insult-55",
    ] {
        assert!(
            !body.contains(hidden),
            "the public modlog shows {hidden:?}: {}",
            public.body
        );
    }
    for entry in &entries {
        assert!(
            entry["actor"].is_string(),
            "no moderator object in the public log: {entry}"
        );
    }
    // Moderators see who did what.
    let full = log_entries(&app, &mo).await;
    assert!(
        full.iter()
            .any(|e| e["actor"]["display_name"] == "Warden_Quillfeather"),
        "{full:?}"
    );
}

#[actix_web::test]
async fn nothing_in_the_public_modlog_ties_an_anonymous_post_to_its_author() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let thread_id = id_of(&start_thread(&app, &ana, BOARD, "Good days", "Share a good day.").await);

    // Bo writes under his name, then anonymously; a moderator hides the anonymous reply and
    // sanctions him.
    let named = id_of(&reply(&app, &bo, thread_id, "A walk in the park.").await);
    let anonymous = id_of(
        &app.send(
            Method::POST,
            &format!("/api/v1/threads/{thread_id}/posts"),
            bo.token(),
            Some(&json!({"body": "You are all fools.", "anonymous": true})),
        )
        .await
        .expect(201),
    );
    flag(&app, &ana, anonymous, "harassment").await.expect(201);
    let item = item_for(&app, &mo, "flagged_post", anonymous).await;
    decide(&app, &mo, &item, "hide", "Insults.")
        .await
        .expect(200);
    sanction(
        &app,
        &mo,
        bo.id,
        &json!({"kind": "silence", "reason": "Insults."}),
    )
    .await
    .expect(201);
    // A decision about his named post is public.
    flag(&app, &ana, named, "off_topic").await.expect(201);
    let item = item_for(&app, &mo, "flagged_post", named).await;
    decide(&app, &mo, &item, "hide", "Off topic.")
        .await
        .expect(200);

    let mut entries = Vec::new();
    let mut path = "/api/v1/modlog?limit=1".to_owned();
    loop {
        let page = app.get(&path, None).await.expect(200);
        entries.extend(items(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/modlog?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert!(
        entries.iter().any(|e| e["target_id"] == named),
        "the decision about the named post is public: {entries:?}"
    );
    for entry in &entries {
        assert_ne!(entry["target_id"], anonymous, "{entry}");
        assert_ne!(entry["target_id"], bo.id, "{entry}");
        assert_eq!(entry["target_kind"], "flagged_post", "{entry}");
    }
    // Moderators see all of it.
    let full = log_entries(&app, &mo).await;
    assert!(full.iter().any(|e| e["target_id"] == anonymous), "{full:?}");
    assert!(
        full.iter()
            .any(|e| e["action"] == "sanction" && e["target_id"] == bo.id)
    );
}

// ---- appeals --------------------------------------------------------------------------------

#[actix_web::test]
async fn an_appeal_cannot_be_decided_by_the_moderator_who_acted_and_another_overturns_it() {
    let app = TestApp::spawn().await;
    let juniper = moderator(&app, "Mod_Juniper").await;
    let rowan = moderator(&app, "Mod_Rowan").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let eli = member(&app, "Eli_R").await;
    let thread_id =
        id_of(&start_thread(&app, &ana, BOARD, "Diet and lupus", "What do you eat?").await);
    let story = "Cutting gluten helped my joints. Ask your doctor first, of course.";
    let post_id = id_of(&reply(&app, &bo, thread_id, story).await);
    flag(&app, &ana, post_id, "misinformation")
        .await
        .expect(201);
    let item = item_for(&app, &juniper, "flagged_post", post_id).await;
    let decision_id = id_of(&item);
    decide(&app, &juniper, &item, "remove", "Diet claims.")
        .await
        .expect(200);

    // Only the member the decision is about may appeal it, once.
    let text = "I shared my own experience and said to ask a doctor; that is not advice.";
    let appeal_body = json!({"subject": {"kind": "decision", "id": decision_id}, "text": text});
    app.send(
        Method::POST,
        "/api/v1/appeals",
        eli.token(),
        Some(&appeal_body),
    )
    .await
    .expect_problem(404);
    app.send(
        Method::POST,
        "/api/v1/appeals",
        bo.token(),
        Some(&json!({"subject": {"kind": "decision", "id": decision_id}, "text": "no"})),
    )
    .await
    .expect_invalid_field("text");
    let appeal = app
        .send(
            Method::POST,
            "/api/v1/appeals",
            bo.token(),
            Some(&appeal_body),
        )
        .await
        .expect(201);
    assert_eq!(appeal["status"], "open", "{appeal}");
    assert_eq!(appeal["subject_id"], decision_id, "{appeal}");
    let appeal_id = id_of(&appeal);
    app.send(
        Method::POST,
        "/api/v1/appeals",
        bo.token(),
        Some(&appeal_body),
    )
    .await
    .expect_problem(409);

    // It is a queue item.
    let item = item_for(&app, &rowan, "appeal", appeal_id).await;
    assert_eq!(item["subject"]["text"], text, "{item}");
    assert_eq!(item["subject"]["subject_id"], decision_id, "{item}");
    let allowed = strings(&item["allowed_actions"]);
    assert!(allowed.iter().any(|a| a == "approve"), "{item}");
    assert!(allowed.iter().any(|a| a == "dismiss"), "{item}");

    // The moderator who acted may not decide it, either way.
    for action in ["approve", "dismiss"] {
        decide(&app, &juniper, &item, action, "I stand by it.")
            .await
            .expect_problem(403);
    }
    // Another moderator overturns the decision: the post is back.
    decide(
        &app,
        &rowan,
        &item,
        "approve",
        "Personal experience, clearly framed.",
    )
    .await
    .expect(200);
    let back = post_as_seen(&app, thread_id, post_id, eli.token()).await;
    assert_eq!(back["status"], "published", "{back}");
    assert_eq!(back["body"], story, "{back}");
    let told = notifications(&app, &bo, "appeal_outcome").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["subject_id"], appeal_id, "{told:?}");
    assert!(
        told[0]["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{told:?}"
    );
    let log = log_entries(&app, &rowan).await;
    assert!(
        log.iter().any(|e| e["target_id"] == appeal_id
            && e["actor"]["id"] == rowan.id
            && e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("appeal"))),
        "the outcome is logged: {log:?}"
    );

    // Decided, it still cannot be appealed again.
    app.send(
        Method::POST,
        "/api/v1/appeals",
        bo.token(),
        Some(&appeal_body),
    )
    .await
    .expect_problem(409);
}

#[actix_web::test]
async fn a_silenced_member_appeals_her_silence_and_another_moderator_lifts_it() {
    let app = TestApp::spawn().await;
    let juniper = moderator(&app, "Mod_Juniper").await;
    let rowan = moderator(&app, "Mod_Rowan").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let thread_id = id_of(&start_thread(&app, &ana, BOARD, "Fatigue", "How do you cope?").await);
    let silence = id_of(
        &sanction(
            &app,
            &juniper,
            bo.id,
            &json!({"kind": "silence", "reason": "Arguing with everyone."}),
        )
        .await
        .expect(201),
    );
    let body = json!({"subject": {"kind": "sanction", "id": silence},
                      "text": "I was having a terrible flare and apologise; please let me back."});
    let appeal = app
        .send(Method::POST, "/api/v1/appeals", bo.token(), Some(&body))
        .await
        .expect(201);
    app.send(Method::POST, "/api/v1/appeals", bo.token(), Some(&body))
        .await
        .expect_problem(409);
    let item = item_for(&app, &rowan, "appeal", id_of(&appeal)).await;
    decide(&app, &juniper, &item, "approve", "Fine.")
        .await
        .expect_problem(403);
    decide(&app, &rowan, &item, "approve", "Apology accepted.")
        .await
        .expect(200);
    reply(&app, &bo, thread_id, "Thank you, and sorry.").await;
    assert_eq!(notifications(&app, &bo, "appeal_outcome").await.len(), 1);
}

// ---- who may moderate -----------------------------------------------------------------------

#[actix_web::test]
async fn members_and_coordinators_get_403_on_every_moderation_endpoint_and_visitors_401() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let chief = admin(&app, "Chief_Admin").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let kai = coordinator(&app, "Coordinator_Kai").await;

    // Real things to aim at: an item, a sanction, a note and a rule.
    let thread_id = id_of(&start_thread(&app, &ana, BOARD, "Hello", "Hi all.").await);
    let post_id = id_of(&reply(&app, &bo, thread_id, "Buy now!").await);
    flag(&app, &ana, post_id, "spam").await.expect(201);
    let item = item_for(&app, &mo, "flagged_post", post_id).await;
    let item_id = id_of(&item);
    let warn = id_of(
        &sanction(
            &app,
            &mo,
            bo.id,
            &json!({"kind": "warn", "reason": "Spam."}),
        )
        .await
        .expect(201),
    );
    app.send(
        Method::POST,
        &format!("/api/v1/moderation/users/{}/notes", bo.id),
        mo.token(),
        Some(&json!({"body": "Watch for spam."})),
    )
    .await
    .expect(201);
    let word = id_of(&add_word(&app, &mo, "buy now", "flag").await.expect(201));
    let log_before = log_entries(&app, &mo).await;

    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/v1/moderation/queue".into(), None),
        (
            Method::GET,
            "/api/v1/moderation/queue?status=resolved".into(),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/moderation/queue/{item_id}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/moderation/queue/{item_id}/claim"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/moderation/queue/{item_id}/release"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/moderation/queue/{item_id}/decision"),
            Some(json!({"action": "remove", "reason": "Spam.", "version": item["version"]})),
        ),
        (
            Method::GET,
            format!("/api/v1/moderation/users/{}/sanctions", bo.id),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/moderation/users/{}/sanctions", ana.id),
            Some(json!({"kind": "ban", "reason": "Because I can."})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/moderation/users/{}/sanctions/{warn}", bo.id),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/moderation/users/{}/notes", bo.id),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/moderation/users/{}/notes", ana.id),
            Some(json!({"body": "A note nobody should write."})),
        ),
        (Method::GET, "/api/v1/moderation/watched-words".into(), None),
        (
            Method::POST,
            "/api/v1/moderation/watched-words".into(),
            Some(json!({"pattern": "lupus", "action": "block"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/moderation/watched-words/{word}"),
            None,
        ),
        (Method::GET, "/api/v1/moderation/log".into(), None),
        (
            Method::PATCH,
            format!("/api/v1/threads/{thread_id}"),
            Some(json!({"locked": true})),
        ),
    ];
    for (method, path, body) in &endpoints {
        for who in [&ana, &bo, &kai] {
            let answer = app
                .send(method.clone(), path, who.token(), body.as_ref())
                .await;
            assert_eq!(
                answer.status, 403,
                "{method} {path} as {}: expected 403, got {} {}",
                who.name, answer.status, answer.body
            );
            answer.expect_problem(403);
        }
        app.send(method.clone(), path, None, body.as_ref())
            .await
            .expect_problem(401);
    }

    // Nothing changed.
    let still = app
        .get(&format!("/api/v1/moderation/queue/{item_id}"), mo.token())
        .await
        .expect(200);
    assert_eq!(still["status"], "open", "{still}");
    assert_eq!(still["version"], item["version"], "{still}");
    let sanctions = list(
        &app.get(
            &format!("/api/v1/moderation/users/{}/sanctions", bo.id),
            mo.token(),
        )
        .await
        .expect(200),
    );
    assert!(
        sanctions.iter().all(|s| s["lifted_at"].is_null()),
        "{sanctions:?}"
    );
    let on_ana = list(
        &app.get(
            &format!("/api/v1/moderation/users/{}/sanctions", ana.id),
            mo.token(),
        )
        .await
        .expect(200),
    );
    assert!(on_ana.is_empty(), "{on_ana:?}");
    let notes = list(
        &app.get(
            &format!("/api/v1/moderation/users/{}/notes", ana.id),
            mo.token(),
        )
        .await
        .expect(200),
    );
    assert!(notes.is_empty(), "{notes:?}");
    let words = list(
        &app.get("/api/v1/moderation/watched-words", mo.token())
            .await
            .expect(200),
    );
    assert!(words.iter().any(|w| id_of(w) == word), "{words:?}");
    assert!(words.iter().all(|w| w["pattern"] != "lupus"), "{words:?}");
    assert_eq!(
        get_thread(&app, thread_id, None).await.expect(200)["locked"],
        false
    );
    assert_eq!(log_entries(&app, &mo).await, log_before);

    // Moderators and administrators reach the same endpoints.
    for who in [&mo, &chief] {
        for path in [
            "/api/v1/moderation/queue".to_owned(),
            format!("/api/v1/moderation/queue/{item_id}"),
            format!("/api/v1/moderation/users/{}/sanctions", bo.id),
            format!("/api/v1/moderation/users/{}/notes", bo.id),
            "/api/v1/moderation/watched-words".to_owned(),
            "/api/v1/moderation/log".to_owned(),
        ] {
            app.get(&path, who.token()).await.expect(200);
        }
    }
    let locked = app
        .send(
            Method::PATCH,
            &format!("/api/v1/threads/{thread_id}"),
            mo.token(),
            Some(&json!({"locked": true})),
        )
        .await
        .expect(200);
    assert_eq!(locked["locked"], true, "{locked}");
    post_reply(
        &app,
        ana.token(),
        thread_id,
        &json!({"body": "Can I still reply?"}),
    )
    .await
    .expect_problem(409);
}

#[actix_web::test]
async fn acknowledging_a_new_members_crisis_post_does_not_publish_it_before_its_review() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let eli = member(&app, "Eli_R").await;
    let mei = newcomer(&app, "Mei_New").await;
    set_locale(&app, &mei, "zh-CN").await;

    // A new member's first post is held, and it also reads as a crisis.
    let thread = start_thread(
        &app,
        &mei,
        BOARD,
        "确诊狼疮三年了",
        "最近肾炎复发，有时候真的不想活了。",
    )
    .await;
    let post_id = first_post_id(&thread);
    let notice = &thread["first_post"]["notice"];
    assert_eq!(notice["held"], true, "{thread}");
    assert_eq!(notice["reason"], "new_member", "{thread}");
    assert!(
        notice["message"].as_str().is_some_and(has_cjk),
        "the hold is explained in her language: {thread}"
    );
    assert!(!list(&notice["support_resources"]).is_empty(), "{thread}");

    // The moderator acknowledges the crisis first: the post stays held.
    let crisis = item_for(&app, &mo, "crisis", post_id).await;
    decide(
        &app,
        &mo,
        &crisis,
        "dismiss",
        "reached out to her privately",
    )
    .await
    .expect(200);
    get_thread(&app, id_of(&thread), eli.token())
        .await
        .expect_problem(404);

    // Approving the held post is what publishes it.
    let held = item_for(&app, &mo, "held_post", post_id).await;
    decide(&app, &mo, &held, "approve", "welcome")
        .await
        .expect(200);
    let seen = get_thread(&app, id_of(&thread), eli.token())
        .await
        .expect(200);
    assert_eq!(seen["first_post"]["status"], "published", "{seen}");
}

#[actix_web::test]
async fn a_members_state_is_what_her_sanctions_in_force_make_it_whatever_came_last() {
    let app = TestApp::spawn().await;
    let mo = moderator(&app, "Mod_Juniper").await;
    let ana = member(&app, "Ana_L").await;
    let bo = member(&app, "Bo_K").await;
    let thread_id = id_of(&start_thread(&app, &ana, BOARD, "Flare tips", "What helps?").await);
    let state_of = |body: &Value| body["state"].as_str().unwrap_or_default().to_owned();

    let silence = id_of(
        &sanction(
            &app,
            &mo,
            bo.id,
            &json!({"kind": "silence", "reason": "Heated week."}),
        )
        .await
        .expect(201),
    );
    let suspension = id_of(
        &sanction(
            &app,
            &mo,
            bo.id,
            &json!({"kind": "suspend", "reason": "Threats."}),
        )
        .await
        .expect(201),
    );
    app.me(&bo.access).await.expect_problem(401);
    app.login(&bo.email, PASSWORD).await.expect_problem(403);

    // A password reset in the meantime changes nothing about the sanctions.
    app.post_json("/api/v1/password-resets", &json!({"email": bo.email}))
        .await
        .expect(202);
    let link = app
        .wait_for_email(&bo.email)
        .await
        .token_after("/reset-password?token=")
        .expect("a reset link");
    app.post_json(
        "/api/v1/password-resets/confirm",
        &json!({"token": link, "new_password": crate::harness::NEW_PASSWORD}),
    )
    .await
    .expect(200);
    app.login(&bo.email, crate::harness::NEW_PASSWORD)
        .await
        .expect_problem(403);

    // Lifting the suspension leaves the silence that is still in force.
    lift(&app, &mo, bo.id, suspension).await.expect(204);
    let back = app.sign_in(&bo.email, crate::harness::NEW_PASSWORD).await;
    assert_eq!(back.body["user"]["state"], "silenced", "{}", back.body);
    let silenced = Person {
        access: back.access.clone(),
        ..bo.clone()
    };
    post_reply(
        &app,
        silenced.token(),
        thread_id,
        &json!({"body": "Still angry."}),
    )
    .await
    .expect_problem(403);
    lift(&app, &mo, bo.id, silence).await.expect(204);
    assert_eq!(state_of(&app.me(&back.access).await.expect(200)), "active");
    reply(&app, &silenced, thread_id, "Sorry, all.").await;
}

#[actix_web::test]
async fn a_ban_and_a_silence_placed_at_the_same_moment_leave_the_member_banned() {
    let app = TestApp::spawn().await;
    let juniper = moderator(&app, "Mod_Juniper").await;
    let rowan = moderator(&app, "Mod_Rowan").await;
    for round in 0..5 {
        let target = member(&app, &format!("Spammer_{round}")).await;
        let ban = json!({"kind": "ban", "reason": "Spam account."});
        let silence = json!({"kind": "silence", "reason": "Cooling off."});
        let (banned, silenced) = futures_util::future::join(
            sanction(&app, &juniper, target.id, &ban),
            sanction(&app, &rowan, target.id, &silence),
        )
        .await;
        banned.expect(201);
        silenced.expect(201);
        app.me(&target.access).await.expect_problem(401);
        let refused = app.login(&target.email, PASSWORD).await;
        let problem = refused.expect_problem(403);
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("banned")),
            "round {round}: {problem}"
        );
    }
}

/// The queue page costs the same number of SQL statements with one item as with many: the
/// subjects (trial notices here) are read in batches, never one query per item.
#[actix_web::test]
async fn a_queue_page_costs_the_same_statements_for_one_item_as_for_many() {
    use crate::harness::trials::{draft, notice, submit};

    // The outbox worker polls the same database every 50 ms in tests; its statements must not
    // land in the counts.
    let app = TestApp::spawn_with(|s| s.outbox.poll_interval_ms = 3_600_000).await;
    let mo = moderator(&app, "Mo_Mod").await;
    let coordinators = [
        coordinator(&app, "Dr_Chen").await,
        coordinator(&app, "Dr_Okafor").await,
    ];
    let path = "/api/v1/moderation/queue?kind=trial_notice&limit=100";
    let statements = |app: &TestApp| app.db().statements_executed();

    submit(
        &app,
        &coordinators[0],
        draft(&app, &coordinators[0], &notice("NCT05000001")).await,
    )
    .await;
    let mut fewest_for_one = u64::MAX;
    for _ in 0..3 {
        let before = statements(&app);
        let page = app.get(path, mo.token()).await.expect(200);
        fewest_for_one = fewest_for_one.min(statements(&app) - before);
        assert_eq!(items(&page).len(), 1, "{page}");
    }

    for (i, registry_id) in ["NCT05000002", "NCT05000003", "NCT05000004", "NCT05000005"]
        .into_iter()
        .enumerate()
    {
        let who = &coordinators[i % 2];
        submit(&app, who, draft(&app, who, &notice(registry_id)).await).await;
    }
    let mut fewest_for_five = u64::MAX;
    for _ in 0..3 {
        let before = statements(&app);
        let page = app.get(path, mo.token()).await.expect(200);
        fewest_for_five = fewest_for_five.min(statements(&app) - before);
        let listed = items(&page);
        assert_eq!(listed.len(), 5, "{page}");
        for item in &listed {
            assert!(item["subject"]["title"].is_string(), "{item}");
            assert!(
                item["subject"]["coordinator"]["display_name"].is_string(),
                "{item}"
            );
        }
    }
    assert_eq!(
        fewest_for_five, fewest_for_one,
        "five notices cost {fewest_for_five} statements, one cost {fewest_for_one}"
    );
}
