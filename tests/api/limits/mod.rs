//! Rate limits: clients that hammer the abusable routes are told to wait (429 with
//! `Retry-After` and `RateLimit-*` headers), per client and per account, and an IPv6 client
//! cannot get a fresh allowance by moving around its network. A limit of N per window is a
//! burst of N that refills one request every window ÷ N. The account a route used before
//! signing in is about is the address in its body, however that body is written: see
//! `accounts.rs`.

mod accounts;
mod instances;

use awc::http::Method;
use butterfly::config::{RateLimit, Settings};
use serde_json::json;

use crate::harness::metrics::sample;
use crate::harness::people::{admin, member, moderator};
use crate::harness::{PASSWORD, Reply, TestApp};

/// The window of every limit in these stories: ten minutes.
const WINDOW: u64 = 600;

/// A limit with a ten-minute window.
fn limit(per_ip: u32, per_account: u32) -> RateLimit {
    RateLimit::new(per_ip, per_account, WINDOW)
}

/// Seconds for `requests` requests' worth of a limit to refill: a limit of N per window
/// gives back one request every window ÷ N.
fn refill_secs(limit: u64, requests: u64) -> u64 {
    (requests * WINDOW).div_ceil(limit)
}

/// A limited answer that went through to the route, which answered `status`, with `remaining`
/// requests left of `limit`, and the whole allowance back once the used requests have refilled.
#[track_caller]
fn assert_allowed(reply: &Reply, status: u16, limit: u64, remaining: u64) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.header_number("ratelimit-limit"), limit);
    assert_eq!(reply.header_number("ratelimit-remaining"), remaining);
    assert_eq!(
        reply.header_number("ratelimit-reset"),
        refill_secs(limit, limit - remaining)
    );
}

/// A 429 problem with `Retry-After` (when one more request fits: at most one request's
/// refill) and the `RateLimit-*` headers of a used-up `limit` (the whole allowance is back
/// once the other requests have refilled too).
#[track_caller]
fn assert_refused(reply: &Reply, limit: u64) {
    let problem = reply.expect_problem(429);
    assert_eq!(problem["code"], "rate_limited");
    let retry_after = reply.header_number("retry-after");
    assert!(
        (1..=refill_secs(limit, 1)).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    assert_eq!(reply.header_number("ratelimit-limit"), limit);
    assert_eq!(reply.header_number("ratelimit-remaining"), 0);
    let reset = reply.header_number("ratelimit-reset");
    let expected = retry_after + refill_secs(limit, limit - 1);
    assert!(
        reset.abs_diff(expected) <= 1,
        "RateLimit-Reset {reset}, Retry-After {retry_after}: whole again in {expected}"
    );
}

#[actix_web::test]
async fn visitors_who_register_log_in_or_ask_for_emails_too_often_are_told_to_wait() {
    let app = TestApp::spawn_with(|s: &mut Settings| {
        // The harness turns the limits off for the other stories.
        s.rate_limits.enabled = true;
        s.rate_limits.registration = limit(2, 0);
        s.rate_limits.login = limit(50, 2);
        s.rate_limits.password_reset = limit(50, 1);
        s.rate_limits.verification_resend = limit(1, 0);
    })
    .await;
    app.member("lea@example.test", "Lea_L").await;

    // Registration: two per client IP, whatever the address.
    let first = app.register("one@example.test", PASSWORD, "One_O").await;
    assert_allowed(&first, 202, 2, 1);
    assert_allowed(
        &app.register("two@example.test", PASSWORD, "Two_T").await,
        202,
        2,
        0,
    );
    assert_refused(
        &app.register("three@example.test", PASSWORD, "Three_T")
            .await,
        2,
    );

    // Login: two attempts per account (the address), right password or not.
    assert_eq!(app.login("lea@example.test", PASSWORD).await.status, 200);
    assert_eq!(
        app.login("LEA@example.test", "a wrong guess 42")
            .await
            .status,
        401
    );
    assert_refused(&app.login("lea@example.test", PASSWORD).await, 2);
    // Another account from the same client is not held back.
    assert_allowed(
        &app.login("one@example.test", "no such luck 7").await,
        401,
        2,
        1,
    );

    // Password reset: one email per address, so nobody's inbox can be flooded.
    let reset = "/api/v1/password-resets";
    let lea = json!({"email": "lea@example.test"});
    let one = json!({"email": "one@example.test"});
    assert_allowed(&app.post_json(reset, &lea).await, 202, 1, 0);
    assert_refused(&app.post_json(reset, &lea).await, 1);
    assert_allowed(&app.post_json(reset, &one).await, 202, 1, 0);

    // Verification resend: one per client IP.
    let resend = "/api/v1/accounts/verify/resend";
    let two = json!({"email": "two@example.test"});
    assert_allowed(&app.post_json(resend, &one).await, 202, 1, 0);
    assert_refused(&app.post_json(resend, &two).await, 1);

    // Routes without a limit carry no RateLimit headers.
    let boards = app.get("/api/v1/boards", None).await;
    assert_eq!(boards.status, 200);
    assert!(boards.header("ratelimit-limit").is_none());
}

#[actix_web::test]
async fn members_who_post_flag_or_raise_their_hand_too_fast_are_told_to_wait() {
    let app = TestApp::spawn_with(|s: &mut Settings| {
        // The harness turns the limits off for the other stories.
        s.rate_limits.enabled = true;
        s.rate_limits.posting = limit(100, 2);
        s.rate_limits.flagging = limit(100, 1);
        s.rate_limits.trial_interest = limit(100, 1);
        s.rate_limits.search = limit(2, 0);
    })
    .await;
    let (_, ana) = app.signed_in_member("ana@example.test", "Ana_A").await;
    let (_, ben) = app.signed_in_member("ben@example.test", "Ben_B").await;

    // Posting: threads and replies share one allowance per account.
    let thread = app
        .post_json_as(
            "/api/v1/boards/kidneys/threads",
            &ana.access,
            &json!({"title": "Biopsy next week", "body": "Any tips for the day itself?"}),
        )
        .await;
    assert_allowed(&thread, 201, 2, 1);
    let thread_id = thread.expect(201)["id"].as_i64().expect("a thread id");
    let replies = format!("/api/v1/threads/{thread_id}/posts");
    let reply = app
        .post_json_as(
            &replies,
            &ana.access,
            &json!({"body": "Update: it went fine."}),
        )
        .await;
    assert_allowed(&reply, 201, 2, 0);
    let post_id = reply.expect(201)["id"].as_i64().expect("a post id");
    assert_refused(
        &app.post_json_as(&replies, &ana.access, &json!({"body": "One more thing"}))
            .await,
        2,
    );
    // Ben, on the same network, still may reply.
    let bens = app
        .post_json_as(&replies, &ben.access, &json!({"body": "Glad to hear it."}))
        .await;
    assert_allowed(&bens, 201, 2, 1);
    let bens_post = bens.expect(201)["id"].as_i64().expect("a post id");

    // Flagging: one per account here.
    let spam = json!({"reason": "spam"});
    let flags_of = |post: i64| format!("/api/v1/posts/{post}/flags");
    assert_allowed(
        &app.post_json_as(&flags_of(post_id), &ben.access, &spam)
            .await,
        201,
        1,
        0,
    );
    assert_refused(
        &app.post_json_as(&flags_of(post_id), &ben.access, &spam)
            .await,
        1,
    );
    assert_allowed(
        &app.post_json_as(&flags_of(bens_post), &ana.access, &spam)
            .await,
        201,
        1,
        0,
    );

    // Trial interest: limited by route pattern, whatever the trial (this one does not exist).
    let interest = "/api/v1/trials/424242/interest";
    assert_allowed(
        &app.post_json_as(interest, &ana.access, &json!({})).await,
        422,
        1,
        0,
    );
    assert_refused(
        &app.post_json_as(interest, &ana.access, &json!({})).await,
        1,
    );

    // Search: two per client IP.
    assert_allowed(&app.get("/api/v1/search?q=biopsy", None).await, 200, 2, 1);
    assert_allowed(
        &app.get("/api/v1/search?q=biopsy", Some(&ben.access)).await,
        200,
        2,
        0,
    );
    assert_refused(&app.get("/api/v1/search?q=tips", None).await, 2);

    // The refusals are counted for the operator.
    let metrics = app.get("/metrics", None).await.body;
    for rule in ["posting", "flagging", "trial_interest", "search"] {
        assert_eq!(
            sample(
                &metrics,
                &format!("butterfly_rate_limited_total{{rule=\"{rule}\"}}")
            ),
            Some(1.0),
            "{rule}: {metrics}"
        );
    }
}

#[actix_web::test]
async fn moderators_and_administrators_post_and_flag_past_the_limits_meant_for_members() {
    let app = TestApp::spawn_with(|s: &mut Settings| {
        s.rate_limits.enabled = true;
        s.rate_limits.posting = limit(1, 1);
        s.rate_limits.flagging = limit(1, 1);
    })
    .await;
    let ana = member(&app, "Ana_A").await;
    let lee = moderator(&app, "Mod_Lee").await;
    let root = admin(&app, "Admin_Root").await;

    let thread = app
        .post_json_as(
            "/api/v1/boards/kidneys/threads",
            &ana.access,
            &json!({"title": "Biopsy next week", "body": "Any tips for the day itself?"}),
        )
        .await;
    assert_allowed(&thread, 201, 1, 0);
    let thread = thread.expect(201);
    let thread_id = thread["id"].as_i64().expect("a thread id");
    let anas_post = thread["first_post"]["id"].as_i64().expect("a post id");
    let replies = format!("/api/v1/threads/{thread_id}/posts");
    assert_refused(
        &app.post_json_as(&replies, &ana.access, &json!({"body": "And another."}))
            .await,
        1,
    );

    // Staff answer a busy thread and report what they find, beyond the members' allowance
    // (and the client's, on the same address): not counted, so no RateLimit headers.
    let mut staff_posts = Vec::new();
    for (who, text) in [
        (&lee, "Welcome, Ana: the pinned guide covers biopsy day."),
        (&lee, "Please keep advice to your own experience."),
        (&root, "The kidneys board has a biopsy thread too."),
        (&lee, "Locking soon: the guide answers this."),
    ] {
        let reply = app
            .post_json_as(&replies, &who.access, &json!({"body": text}))
            .await;
        assert!(
            reply.header("ratelimit-limit").is_none(),
            "{:?}",
            reply.headers
        );
        staff_posts.push(reply.expect(201)["id"].as_i64().expect("a post id"));
    }
    for (who, post) in [
        (&lee, staff_posts[2]),
        (&lee, anas_post),
        (&root, staff_posts[0]),
        (&root, staff_posts[1]),
    ] {
        app.post_json_as(
            &format!("/api/v1/posts/{post}/flags"),
            &who.access,
            &json!({"reason": "off_topic"}),
        )
        .await
        .expect(201);
    }

    // Their posts are recorded like anyone's (their flags hid some: a moderator's flag
    // hides at once); only the member was refused.
    let page = app.get(&replies, Some(&lee.access)).await.expect(200);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(5), "{page}");
    let metrics = app.get("/metrics", None).await.body;
    assert_eq!(
        sample(&metrics, "butterfly_rate_limited_total{rule=\"posting\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&metrics, "butterfly_rate_limited_total{rule=\"flagging\"}"),
        Some(0.0)
    );
}

// ----- IPv6 networks -----

#[actix_web::test]
async fn an_ipv6_client_moving_around_its_network_gets_no_fresh_allowance() {
    let app = TestApp::spawn_with(|s: &mut Settings| {
        s.rate_limits.enabled = true;
        // Two searches per /64, so eight per /56 and thirty-two per /48.
        s.rate_limits.search = limit(2, 0);
        s.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let search = |from: String| {
        let app = &app;
        async move {
            app.request(
                Method::GET,
                "/api/v1/search?q=fatigue",
                None,
                &[("x-forwarded-for", &from)],
                None,
            )
            .await
        }
    };

    // Every address of a /64 is the same client.
    assert_allowed(&search("2001:db8:1:0::1".into()).await, 200, 2, 1);
    assert_allowed(
        &search("2001:db8:1:0:ffff:ffff:ffff:fffe".into()).await,
        200,
        2,
        0,
    );
    assert_refused(&search("2001:db8:1:0:1234::9".into()).await, 2);

    // Three more /64s of the same /56 take it to its eight.
    for net in 1..4 {
        for _ in 0..2 {
            let reply = search(format!("2001:db8:1:{net:x}::1")).await;
            assert_eq!(reply.status, 200, "{net}: {}", reply.body);
        }
    }
    // A fresh /64 of that /56 is refused: the /56 is used up.
    assert_refused(&search("2001:db8:1:ff::1".into()).await, 8);
    // A /64 of another /56 in the same /48 still may search.
    assert_allowed(&search("2001:db8:1:100::1".into()).await, 200, 2, 1);
    // IPv4 clients are counted one address each.
    assert_allowed(&search("203.0.113.9".into()).await, 200, 2, 1);
    assert_allowed(&search("203.0.113.10".into()).await, 200, 2, 1);
}

#[actix_web::test]
async fn a_wait_asked_by_the_password_throttle_shows_in_the_ratelimit_headers() {
    let app = TestApp::spawn_with(|s: &mut Settings| {
        s.rate_limits.enabled = true;
        s.rate_limits.login = limit(50, 20);
        s.login_throttle.per_account_and_client = 1;
        s.login_throttle.window_secs = 900;
    })
    .await;
    app.member("lea@example.test", "Lea_L").await;
    let wrong = app.login("lea@example.test", "not it at all 9").await;
    assert_allowed(&wrong, 401, 20, 19);
    // The route's own limit still has room; the throttle makes the client wait, and the
    // headers say no request is left until then.
    let held = app.login("lea@example.test", PASSWORD).await;
    held.expect_problem(429);
    let retry_after = held.header_number("retry-after");
    assert!(
        (890..=900).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    assert_eq!(held.header_number("ratelimit-limit"), 20);
    assert_eq!(held.header_number("ratelimit-remaining"), 0);
    assert_eq!(held.header_number("ratelimit-reset"), retry_after);
}
