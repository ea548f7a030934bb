//! Sessions: logging in, refreshing and its reuse detection, logging out (here and everywhere),
//! throttled guessing, and access tokens that are forged, stale or signed with a rotated key.

use std::rc::Rc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use butterfly::config::{Secret, VerificationKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::harness::json::{token_parts, with};
use crate::harness::{JWT_SECRET, PASSWORD, Reply, TestApp};

// ----- logging in -----

#[actix_web::test]
async fn a_member_logs_in_and_uses_the_access_token() {
    let app = TestApp::spawn().await;
    let member = app.member("ana@example.test", "Ana_L").await;

    let tokens = app.sign_in(&member.email, &member.password).await;
    assert_eq!(tokens.user_id(), member.id);
    assert_eq!(
        tokens.body["user"]["display_name"],
        member.display_name.as_str()
    );
    assert_eq!(tokens.body["user"]["role"], "member");
    assert_eq!(tokens.body["user"]["state"], "active");
    assert_eq!(
        tokens.body["expires_in"].as_i64(),
        Some(app.settings.jwt.access_ttl_secs)
    );
    let me = app.me(&tokens.access).await.expect(200);
    assert_eq!(me["id"].as_i64(), Some(member.id));

    // The address is compared ignoring case and surrounding spaces.
    app.sign_in("  ANA@Example.test ", PASSWORD).await;
}

/// The problem without what may differ from one request to the next.
fn comparable(reply: &Reply) -> Value {
    let mut problem = reply.expect_problem(401);
    if let Some(object) = problem.as_object_mut() {
        for volatile in ["instance", "request_id", "trace_id", "timestamp"] {
            object.remove(volatile);
        }
    }
    problem
}

#[actix_web::test]
async fn a_wrong_password_and_an_unknown_address_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let member = app.member("ben@example.test", "Ben_B").await;

    let wrong_password = app.login(&member.email, "not the password 42").await;
    let unknown_address = app.login("nobody@example.test", PASSWORD).await;
    assert_eq!(comparable(&wrong_password), comparable(&unknown_address));
    assert_eq!(
        wrong_password.header("content-type"),
        unknown_address.header("content-type")
    );
    assert_eq!(
        wrong_password.header("www-authenticate"),
        unknown_address.header("www-authenticate")
    );
}

#[actix_web::test]
async fn an_unknown_address_costs_the_same_password_check_as_a_wrong_password() {
    let app = TestApp::spawn().await;
    let member = app.member("bea@example.test", "Bea_B").await;
    // The same work, hence the same time: one argon2id check each, against a dummy hash when
    // the address is unknown. (Counted, not timed: timings on a shared machine are noise.)
    let before = app.metric("butterfly_password_hashes_total").await;
    app.login(&member.email, "a wrong guess 42")
        .await
        .expect_problem(401);
    let after_wrong = app.metric("butterfly_password_hashes_total").await;
    app.login("nobody@example.test", "a wrong guess 42")
        .await
        .expect_problem(401);
    let after_unknown = app.metric("butterfly_password_hashes_total").await;
    assert_eq!(
        after_wrong - before,
        1.0,
        "a wrong password is checked once"
    );
    assert_eq!(
        after_unknown - after_wrong,
        1.0,
        "an unknown address is checked against a dummy hash, as much work as a wrong password"
    );
}

#[actix_web::test]
async fn a_login_that_waits_too_long_for_a_hashing_slot_gets_503_with_retry_after() {
    let app = Rc::new(
        TestApp::spawn_with(|s| {
            s.passwords.hash_slots = Some(1);
            s.passwords.slot_wait_ms = 1;
        })
        .await,
    );
    let member = app.member("cat@example.test", "Cat_C").await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let app = app.clone();
            let email = member.email.clone();
            actix_web::rt::spawn(async move { app.login(&email, PASSWORD).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        let reply = task.await.expect("the login task finishes");
        if reply.status == 503 {
            reply.expect_problem(503);
            let retry_after = reply.header("retry-after").unwrap_or_default();
            assert!(
                retry_after.trim().parse::<u64>().is_ok_and(|s| s > 0),
                "a 503 should say when to retry, got Retry-After {retry_after:?}"
            );
        } else {
            reply.expect(200);
        }
        statuses.push(reply.status);
    }
    assert!(
        statuses.contains(&200) && statuses.contains(&503),
        "with one hashing slot and no patience, some of 8 simultaneous logins should succeed \
         and some get 503: {statuses:?}"
    );
}

// ----- refreshing -----

#[actix_web::test]
async fn refreshing_rotates_both_tokens_and_kills_the_old_refresh_token() {
    let app = TestApp::spawn().await;
    let (member, first) = app.signed_in_member("cleo@example.test", "Cleo").await;

    let second = crate::harness::Tokens::from_body(app.refresh(&first.refresh).await.expect(200));
    assert_ne!(second.refresh, first.refresh);
    assert_eq!(second.user_id(), member.id);
    let me = app.me(&second.access).await.expect(200);
    assert_eq!(me["id"].as_i64(), Some(member.id));

    // Right away, the old token still answers with the same successor (two tabs, a retry)...
    let again = crate::harness::Tokens::from_body(app.refresh(&first.refresh).await.expect(200));
    assert_eq!(again.refresh, second.refresh);
    app.me(&again.access).await.expect(200);
    // ...but not once the grace window has passed.
    let_the_grace_window_pass(&app).await;
    app.refresh(&first.refresh).await.expect_problem(401);
}

/// Moves every session's creation back in time, past the grace window in which a rotated
/// refresh token is answered with its successor again. HTTP cannot make time pass.
async fn let_the_grace_window_pass(app: &TestApp) {
    app.execute_sql("UPDATE sessions SET created_at = '2000-01-01 00:00:00'")
        .await;
}

#[actix_web::test]
async fn a_rotated_token_presented_after_its_successor_was_used_revokes_the_family() {
    let app = TestApp::spawn().await;
    let (_, first) = app.signed_in_member("cyd@example.test", "Cyd_C").await;
    let second = crate::harness::Tokens::from_body(app.refresh(&first.refresh).await.expect(200));
    let third = crate::harness::Tokens::from_body(app.refresh(&second.refresh).await.expect(200));

    // Inside the grace window, but the successor has moved on: the old token is stale.
    app.refresh(&first.refresh).await.expect_problem(401);
    app.refresh(&third.refresh).await.expect_problem(401);
}

#[actix_web::test]
async fn presenting_a_used_refresh_token_again_revokes_its_whole_family() {
    let app = TestApp::spawn().await;
    let (member, stolen) = app.signed_in_member("dan@example.test", "Dan_D").await;
    let other_device = app.sign_in(&member.email, PASSWORD).await;

    // The rightful owner refreshes; later the thief presents the old token.
    let current = crate::harness::Tokens::from_body(app.refresh(&stolen.refresh).await.expect(200));
    let_the_grace_window_pass(&app).await;
    app.refresh(&stolen.refresh).await.expect_problem(401);

    // The whole family is revoked, including the newest token...
    app.refresh(&current.refresh).await.expect_problem(401);
    // ...but not another session of the same member.
    app.refresh(&other_device.refresh).await.expect(200);
}

#[actix_web::test]
async fn unknown_refresh_tokens_are_refused() {
    let app = TestApp::spawn().await;
    app.refresh("made-up-refresh-token")
        .await
        .expect_problem(401);
    app.refresh("").await.expect_problem(401);
}

// ----- logging out -----

#[actix_web::test]
async fn logging_out_ends_this_session_only() {
    let app = TestApp::spawn().await;
    let (member, laptop) = app.signed_in_member("eve@example.test", "Eve_E").await;
    let phone = app.sign_in(&member.email, PASSWORD).await;

    let reply = app
        .delete("/api/v1/sessions/current", Some(&laptop.access))
        .await;
    reply.expect(204);
    app.refresh(&laptop.refresh).await.expect_problem(401);
    app.me(&laptop.access).await.expect_problem(401);

    app.me(&phone.access).await.expect(200);
    app.refresh(&phone.refresh).await.expect(200);
}

#[actix_web::test]
async fn logging_out_everywhere_ends_every_session() {
    let app = TestApp::spawn().await;
    let (member, laptop) = app.verified_member("fay@example.test", "Fay_F").await;
    let phone = app.sign_in(&member.email, &member.password).await;

    app.delete("/api/v1/sessions", Some(&laptop.access))
        .await
        .expect(204);
    for session in [&laptop, &phone] {
        app.refresh(&session.refresh).await.expect_problem(401);
        app.me(&session.access).await.expect_problem(401);
    }

    // Logging in again works.
    let fresh = app.sign_in(&member.email, &member.password).await;
    app.me(&fresh.access).await.expect(200);
}

#[actix_web::test]
async fn logging_out_needs_a_session() {
    let app = TestApp::spawn().await;
    app.delete("/api/v1/sessions/current", None)
        .await
        .expect_problem(401);
    app.delete("/api/v1/sessions", None)
        .await
        .expect_problem(401);
}

#[actix_web::test]
async fn a_banned_member_is_signed_out_at_once() {
    let app = TestApp::spawn().await;
    let (member, tokens) = app.signed_in_member("gus@example.test", "Gus_G").await;
    app.me(&tokens.access).await.expect(200);

    app.execute_sql("UPDATE users SET sanction = 'banned'")
        .await;
    app.me(&tokens.access).await.expect_problem(401);
    app.refresh(&tokens.refresh).await.expect_problem(401);
    // The right password: she is told why she may not come in.
    let refused = app.login(&member.email, PASSWORD).await.expect_problem(403);
    assert_eq!(refused["detail"], "this account is banned", "{refused}");
}

// ----- throttling -----

#[actix_web::test]
async fn repeated_wrong_passwords_for_one_account_are_throttled() {
    let app = TestApp::spawn_with(|s| {
        s.login_throttle.per_account = 3;
        s.login_throttle.per_ip = 1_000;
    })
    .await;
    let member = app.member("hal@example.test", "Hal_H").await;
    let bystander = app.member("ida@example.test", "Ida_I").await;

    for _ in 0..3 {
        app.login(&member.email, "a wrong guess 123")
            .await
            .expect_problem(401);
    }
    let throttled = app.login(&member.email, "a wrong guess 123").await;
    throttled.expect_problem(429);
    let retry_after: u64 = throttled
        .header("retry-after")
        .expect("a 429 carries Retry-After")
        .trim()
        .parse()
        .expect("Retry-After is a number of seconds");
    assert!(retry_after > 0);

    // Not even the right password gets through while throttled...
    app.login(&member.email, PASSWORD).await.expect_problem(429);
    // ...but other accounts are not affected.
    app.sign_in(&bystander.email, PASSWORD).await;
}

#[actix_web::test]
async fn repeated_failures_from_one_address_are_throttled() {
    let app = TestApp::spawn_with(|s| {
        s.login_throttle.per_account = 1_000;
        s.login_throttle.per_ip = 3;
    })
    .await;
    for i in 0..3 {
        app.login(&format!("guess{i}@example.test"), PASSWORD)
            .await
            .expect_problem(401);
    }
    let throttled = app.login("guess3@example.test", PASSWORD).await;
    throttled.expect_problem(429);
    assert!(throttled.header("retry-after").is_some());
}

// ----- access tokens -----

fn sign(algorithm: Algorithm, kid: Option<&str>, claims: &Value, secret: &str) -> String {
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("the test token signs")
}

fn unsigned(header: &Value, claims: &Value) -> String {
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("JSON"));
    format!("{}.{}.", encode(header), encode(claims))
}

#[actix_web::test]
async fn forged_stale_and_foreign_access_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let (_, tokens) = app.signed_in_member("jon@example.test", "Jon_J").await;
    let (header, claims) = token_parts(&tokens.access);
    assert_eq!(header["alg"], "HS256");
    let kid = header["kid"]
        .as_str()
        .expect("access tokens carry a kid header")
        .to_owned();
    for claim in ["sub", "sid", "role", "iss", "aud", "iat", "exp"] {
        assert!(!claims[claim].is_null(), "the access token lacks `{claim}`");
    }
    let now = chrono::Utc::now().timestamp();

    // Control: the same claims signed again with the right key are accepted, so every refusal
    // below is about what the case changes.
    let resigned = sign(Algorithm::HS256, Some(&kid), &claims, JWT_SECRET);
    app.me(&resigned).await.expect(200);

    let (encoded_header, rest) = tokens.access.split_once('.').expect("a JWT");
    let signature = rest.rsplit_once('.').expect("a JWT").1;
    let promoted = URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&with(&claims, json!({"role": "admin"}))).expect("JSON"));
    let mut flipped = tokens.access.clone();
    let last = flipped.pop().expect("a non-empty token");
    flipped.push(if last == 'A' { 'B' } else { 'A' });

    let cases: Vec<(&str, String)> = vec![
        (
            "tampered claims",
            format!("{encoded_header}.{promoted}.{signature}"),
        ),
        ("tampered signature", flipped),
        (
            "expired",
            sign(
                Algorithm::HS256,
                Some(&kid),
                &with(&claims, json!({"iat": now - 7200, "exp": now - 3600})),
                JWT_SECRET,
            ),
        ),
        (
            "alg none",
            unsigned(&json!({"alg": "none", "typ": "JWT", "kid": kid}), &claims),
        ),
        (
            "alg none with the original signature",
            format!(
                "{}.{}",
                unsigned(&json!({"alg": "none", "typ": "JWT", "kid": kid}), &claims)
                    .trim_end_matches('.'),
                signature
            ),
        ),
        (
            "another algorithm with the right secret",
            sign(Algorithm::HS512, Some(&kid), &claims, JWT_SECRET),
        ),
        (
            "wrong audience",
            sign(
                Algorithm::HS256,
                Some(&kid),
                &with(&claims, json!({"aud": "another-api"})),
                JWT_SECRET,
            ),
        ),
        (
            "wrong issuer",
            sign(
                Algorithm::HS256,
                Some(&kid),
                &with(&claims, json!({"iss": "someone-else"})),
                JWT_SECRET,
            ),
        ),
        (
            "wrong key",
            sign(
                Algorithm::HS256,
                Some(&kid),
                &claims,
                "a-different-secret-of-enough-length-0123456789",
            ),
        ),
        (
            "missing exp",
            sign(
                Algorithm::HS256,
                Some(&kid),
                &with(&claims, json!({"exp": null})),
                JWT_SECRET,
            ),
        ),
        (
            "missing sid",
            sign(
                Algorithm::HS256,
                Some(&kid),
                &with(&claims, json!({"sid": null})),
                JWT_SECRET,
            ),
        ),
        ("not a JWT", "not.a.jwt".to_owned()),
    ];
    for (case, token) in cases {
        let reply = app.me(&token).await;
        assert_eq!(
            reply.status, 401,
            "a token with {case} should be refused, got {} {}",
            reply.status, reply.body
        );
        reply.expect_problem(401);
    }

    // Credentials in another scheme, an empty bearer, a token without its scheme, or none.
    for authorization in [
        "Basic amVuOnBhc3N3b3Jk",
        "Bearer",
        "Bearer ",
        resigned.as_str(),
    ] {
        app.request(
            awc::http::Method::GET,
            "/api/v1/me",
            None,
            &[("authorization", authorization)],
            None,
        )
        .await
        .expect_problem(401);
    }
    app.get("/api/v1/me", None).await.expect_problem(401);
}

#[actix_web::test]
async fn tokens_signed_with_a_previous_key_are_still_accepted() {
    const OLD_SECRET: &str = "the-previous-signing-secret-0123456789abcdef";
    let app = TestApp::spawn_with(|s| {
        s.jwt.kid = "k2".into();
        s.jwt.previous_keys = vec![VerificationKey {
            kid: "k1".into(),
            secret: Secret::new(OLD_SECRET),
        }];
    })
    .await;
    let (member, tokens) = app.signed_in_member("kim@example.test", "Kim_K").await;
    let (header, claims) = token_parts(&tokens.access);
    assert_eq!(
        header["kid"], "k2",
        "new tokens are signed with the current key"
    );

    // A token issued before the rotation, by the old key.
    let before_rotation = sign(Algorithm::HS256, Some("k1"), &claims, OLD_SECRET);
    let me = app.me(&before_rotation).await.expect(200);
    assert_eq!(me["id"].as_i64(), Some(member.id));

    // The old key only verifies under its own id, and unknown ids are refused.
    app.me(&sign(Algorithm::HS256, Some("k2"), &claims, OLD_SECRET))
        .await
        .expect_problem(401);
    app.me(&sign(Algorithm::HS256, Some("k9"), &claims, OLD_SECRET))
        .await
        .expect_problem(401);
}
