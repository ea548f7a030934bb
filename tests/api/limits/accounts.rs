//! The account a route used before signing in is about is the address in its body, however
//! the body is written (spelling, content type, duplicate keys, compression, someone else's
//! token): one inbox cannot be flooded with links, not even by requests fired together.

use awc::http::Method;
use butterfly::config::Settings;
use serde_json::{Value, json};

use super::{assert_allowed, assert_refused, limit};
use crate::harness::{PASSWORD, Reply, TestApp};

/// Extra request headers, name and value.
type Headers<'a> = Vec<(&'a str, &'a str)>;

/// POST `body` as is, with this content type and these extra headers.
async fn post_raw(
    app: &TestApp,
    path: &str,
    content_type: &str,
    extra: &[(&str, &str)],
    body: Vec<u8>,
) -> Reply {
    let mut headers = vec![("content-type", content_type)];
    headers.extend_from_slice(extra);
    app.request(Method::POST, path, None, &headers, Some(body))
        .await
}

fn gzip(body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

#[actix_web::test]
async fn one_inbox_cannot_be_flooded_with_reset_emails_however_the_body_is_written() {
    let app = TestApp::spawn_with(|s: &mut Settings| {
        s.rate_limits.enabled = true;
        s.rate_limits.password_reset = limit(1_000, 3);
    })
    .await;
    let lea = "lea@example.test";
    app.member(lea, "Lea_L").await;
    let (_, ben) = app.signed_in_member("ben@example.test", "Ben_B").await;
    let reset = "/api/v1/password-resets";
    let json = "application/json";

    // Three links an hour for one address, however it is spelled.
    let spellings = [
        (json, r#"{"email": "lea@example.test"}"#),
        (json, r#"{"email": "  LEA@Example.TEST "}"#),
        (
            "Application/JSON; charset=UTF-8",
            r#"{"email": "Lea@example.test"}"#,
        ),
    ];
    for (i, (content_type, body)) in spellings.into_iter().enumerate() {
        let reply = post_raw(&app, reset, content_type, &[], body.into()).await;
        assert_eq!(reply.status, 202, "{body}: {}", reply.body);
        assert_allowed(&reply, 202, 3, 2 - i as u64);
    }
    assert_eq!(app.queued(lea, "reset_password").await, 3);

    // The fourth is refused, whichever way the request is written.
    let bearer = format!("Bearer {}", ben.access);
    let refused: Vec<(&str, &str, Headers, Vec<u8>)> = vec![
        (
            "plain",
            json,
            vec![],
            br#"{"email": "lea@example.test"}"#.to_vec(),
        ),
        (
            "case and spaces",
            json,
            vec![],
            b"{\"email\": \"\\tLEA@EXAMPLE.test \"}".to_vec(),
        ),
        (
            "escaped",
            json,
            vec![],
            br#"{"email": "lea\u0040example.test"}"#.to_vec(),
        ),
        (
            "another member's token",
            json,
            vec![("authorization", bearer.as_str())],
            br#"{"email": "lea@example.test"}"#.to_vec(),
        ),
        (
            "gzip",
            json,
            vec![("content-encoding", "gzip")],
            gzip(br#"{"email": "LEA@example.test"}"#),
        ),
    ];
    for (case, content_type, extra, body) in refused {
        let reply = post_raw(&app, reset, content_type, &extra, body).await;
        assert_eq!(reply.status, 429, "{case}: {}", reply.body);
        assert_refused(&reply, 3);
    }

    // Bodies the handler would read differently from a limiter are not read at all.
    let unread: Vec<(&str, &str, u16)> = vec![
        ("text/json", r#"{"email": "lea@example.test"}"#, 415),
        (
            "application/merge-patch+json",
            r#"{"email": "lea@example.test"}"#,
            415,
        ),
        (
            "application/vnd.api+json",
            r#"{"email": "lea@example.test"}"#,
            415,
        ),
        (
            "application/json; charset=iso-8859-1",
            r#"{"email": "lea@example.test"}"#,
            415,
        ),
        (
            json,
            r#"{"email": "ben@example.test", "email": "lea@example.test"}"#,
            400,
        ),
        (
            json,
            r#"{"email": "lea@example.test", "email": "ben@example.test"}"#,
            400,
        ),
    ];
    for (content_type, body, status) in unread {
        let reply = post_raw(&app, reset, content_type, &[], body.into()).await;
        let problem = reply.expect_problem(status);
        if status == 400 {
            let detail = problem["detail"].as_str().unwrap_or_default();
            assert!(detail.contains("`email` appears twice"), "{detail}");
        }
    }
    assert_eq!(
        app.queued(lea, "reset_password").await,
        3,
        "no way of writing the request sent Lea a fourth link"
    );

    // Another address is not held back.
    let ben_reset = app
        .post_json(reset, &json!({"email": "ben@example.test"}))
        .await;
    assert_allowed(&ben_reset, 202, 3, 2);
    assert_eq!(app.queued("ben@example.test", "reset_password").await, 1);
}

#[actix_web::test]
async fn reset_requests_fired_together_send_no_more_links_than_the_limit() {
    let app = TestApp::spawn_with(|s: &mut Settings| {
        s.rate_limits.enabled = true;
        s.rate_limits.password_reset = limit(1_000, 3);
    })
    .await;
    let dee = "dee@example.test";
    app.member(dee, "Dee_D").await;
    let requests = (0..12).map(|i| {
        let app = &app;
        // Written a little differently each time.
        let email = if i % 2 == 0 { " DEE@example.test" } else { dee };
        async move {
            app.post_json("/api/v1/password-resets", &json!({"email": email}))
                .await
        }
    });
    let replies = futures_util::future::join_all(requests).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 202).count(),
        3,
        "{statuses:?}"
    );
    for reply in replies.iter().filter(|r| r.status != 202) {
        assert_refused(reply, 3);
    }
    assert_eq!(app.queued(dee, "reset_password").await, 3);
}

#[actix_web::test]
async fn every_route_used_before_signing_in_counts_the_address_it_acts_on() {
    let app = TestApp::spawn_with(|s: &mut Settings| {
        s.rate_limits.enabled = true;
        s.rate_limits.registration = limit(1_000, 1);
        s.rate_limits.login = limit(1_000, 1);
        s.rate_limits.password_reset = limit(1_000, 1);
        s.rate_limits.verification_resend = limit(1_000, 1);
    })
    .await;
    let body = |email: &str| -> Value {
        json!({"email": email, "password": PASSWORD, "display_name": format!("N_{}", email.len())})
    };
    // Each goes through to its route: registration, reset and resend answer alike whoever
    // asks; signing in as nobody in particular fails.
    for (path, answered) in [
        ("/api/v1/accounts", 202),
        ("/api/v1/sessions", 401),
        ("/api/v1/password-resets", 202),
        ("/api/v1/accounts/verify/resend", 202),
    ] {
        assert_allowed(
            &app.post_json(path, &body("ana@example.test")).await,
            answered,
            1,
            0,
        );
        let again = app.post_json(path, &body(" ANA@example.test")).await;
        assert_refused(&again, 1);
        let other = app
            .post_json(path, &body("someone.else@example.test"))
            .await;
        assert_allowed(&other, answered, 1, 0);
    }
}
