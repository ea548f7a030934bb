//! HTTP foundations: whatever a client sends, however malformed, the answer is a problem
//! document with the right status (never a 500), every answer carries a request id, and the
//! health checks answer.

use awc::http::Method;
use serde_json::json;

use std::sync::Arc;

use crate::harness::database::required_postgres;
use crate::harness::{PASSWORD, TestApp, TestDatabase};

const JSON: (&str, &str) = ("content-type", "application/json");

async fn post_raw(app: &TestApp, path: &str, body: &[u8]) -> crate::harness::Reply {
    app.request(Method::POST, path, None, &[JSON], Some(body.to_vec()))
        .await
}

#[actix_web::test]
async fn broken_json_is_a_400_that_says_where_it_broke() {
    let app = TestApp::spawn().await;
    for body in [
        &br#"{"email": "ana@example.test", "password": "#[..],
        br#"{"email" "ana@example.test"}"#,
        b"{,}",
        b"",
    ] {
        let reply = post_raw(&app, "/api/v1/accounts", body).await;
        let problem = reply.expect_problem(400);
        if !body.is_empty() {
            let detail = problem["detail"].as_str().unwrap_or_default();
            assert!(
                detail.chars().any(|c| c.is_ascii_digit())
                    && ["line", "column", "position", "offset"]
                        .iter()
                        .any(|word| detail.contains(word)),
                "the detail should say where the JSON broke: {problem}"
            );
        }
    }
}

#[actix_web::test]
async fn missing_fields_and_wrong_types_are_refused_as_problems() {
    let app = TestApp::spawn().await;
    let bodies = [
        json!({"email": "ana@example.test"}),
        json!({"email": 5, "password": true, "display_name": []}),
        json!({"email": "ana@example.test", "password": null, "display_name": "Ana_L"}),
        json!([]),
        json!(null),
        json!("a string"),
    ];
    // Well-formed JSON that is not what the route takes: 422, not 400 (which is for JSON that
    // does not parse).
    for body in bodies {
        app.post_json("/api/v1/accounts", &body)
            .await
            .expect_problem(422);
    }
    // A missing field is named.
    app.post_json("/api/v1/accounts", &json!({"email": "ana@example.test"}))
        .await
        .expect_invalid_field("password");
    app.post_json("/api/v1/sessions", &json!({"email": "ana@example.test"}))
        .await
        .expect_invalid_field("password");
}

#[actix_web::test]
async fn unknown_addresses_are_404_problems() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/does-not-exist",
        "/nothing-here",
        "/api/v2/accounts",
    ] {
        app.get(path, None).await.expect_problem(404);
    }
    app.post_json("/api/v1/nowhere", &json!({}))
        .await
        .expect_problem(404);
}

#[actix_web::test]
async fn a_wrong_method_is_a_405_problem() {
    let app = TestApp::spawn().await;
    let cases = [
        (Method::GET, "/api/v1/accounts"),
        (Method::PUT, "/api/v1/sessions"),
        (Method::GET, "/api/v1/sessions/refresh"),
        (Method::DELETE, "/api/v1/accounts/verify"),
        (Method::PUT, "/api/v1/me"),
        (Method::POST, "/health/live"),
    ];
    for (method, path) in cases {
        let reply = app.request(method.clone(), path, None, &[], None).await;
        assert_eq!(
            reply.status, 405,
            "{method} {path} should be 405, got {} {}",
            reply.status, reply.body
        );
        reply.expect_problem(405);
    }
}

#[actix_web::test]
async fn a_body_over_64_kib_is_a_413_problem() {
    let app = TestApp::spawn().await;
    let body = serde_json::to_vec(&json!({
        "email": "ana@example.test",
        "password": PASSWORD,
        "display_name": "Ana_L",
        "padding": "x".repeat(70 * 1024),
    }))
    .expect("JSON");

    // With a Content-Length...
    post_raw(&app, "/api/v1/accounts", &body)
        .await
        .expect_problem(413);

    // ...and streamed without one.
    let chunks: Vec<Result<actix_web::web::Bytes, std::convert::Infallible>> = body
        .chunks(8 * 1024)
        .map(|chunk| Ok(actix_web::web::Bytes::copy_from_slice(chunk)))
        .collect();
    let mut response = awc::Client::default()
        .post(format!("{}/api/v1/accounts", app.address))
        .insert_header(JSON)
        .send_stream(futures_util::stream::iter(chunks))
        .await
        .expect("the streamed request is answered");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let answer = response.body().await.expect("a readable answer");
    assert_eq!(
        status,
        413,
        "a streamed body over 64 KiB should be 413, got {status} {}",
        String::from_utf8_lossy(&answer)
    );
    assert!(
        content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/problem+json")),
        "the 413 should be a problem document, got {content_type:?}"
    );

    // Just under the limit is read (and then judged on its content).
    let fits = serde_json::to_vec(&json!({
        "email": "ana@example.test",
        "password": PASSWORD,
        "display_name": "Ana_L",
        "padding": "x".repeat(60 * 1024),
    }))
    .expect("JSON");
    let reply = post_raw(&app, "/api/v1/accounts", &fits).await;
    assert_ne!(
        reply.status, 413,
        "60 KiB is within the limit: {}",
        reply.body
    );
}

#[actix_web::test]
async fn a_wrong_content_type_is_a_415_problem() {
    let app = TestApp::spawn().await;
    let body = serde_json::to_vec(&json!({"email": "ana@example.test", "password": PASSWORD}))
        .expect("JSON");
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        app.request(
            Method::POST,
            "/api/v1/sessions",
            None,
            &[("content-type", content_type)],
            Some(body.clone()),
        )
        .await
        .expect_problem(415);
    }
}

#[actix_web::test]
async fn hostile_input_never_causes_a_server_error() {
    let app = TestApp::spawn().await;
    let (_, tokens) = app.signed_in_member("ana@example.test", "Ana_L").await;

    let mut deeply_nested = "[".repeat(10_000);
    deeply_nested.push_str(&"]".repeat(10_000));
    let raw_cases: Vec<(&str, Vec<u8>)> = vec![
        ("/api/v1/accounts", deeply_nested.into_bytes()),
        ("/api/v1/sessions", vec![0xff, 0xfe, b'{', 0x80, b'}']),
        (
            "/api/v1/sessions",
            br#"{"email": "\ud800", "password": "x"}"#.to_vec(),
        ),
        (
            "/api/v1/accounts",
            br#"{"email": 1e999999, "password": 123456789012345678901234567890}"#.to_vec(),
        ),
    ];
    // None of them parses as JSON.
    for (path, body) in raw_cases {
        post_raw(&app, path, &body).await.expect_problem(400);
    }

    // NUL characters and absurd lengths: each refused naming the field, never a crash.
    let json_cases = [
        (
            "/api/v1/accounts",
            json!({"email": "nul\u{0}@example.test", "password": PASSWORD, "display_name": "Nul_N"}),
            "email",
        ),
        (
            "/api/v1/accounts",
            json!({"email": "nul@example.test", "password": PASSWORD, "display_name": "Nul\u{0}N"}),
            "display_name",
        ),
        (
            "/api/v1/accounts",
            json!({"email": format!("{}@example.test", "a".repeat(400)),
                   "password": PASSWORD, "display_name": "Long_Mail"}),
            "email",
        ),
        (
            "/api/v1/sessions",
            json!({"email": "ana\u{0}@example.test", "password": PASSWORD}),
            "email",
        ),
        (
            "/api/v1/password-resets",
            json!({"email": "ana\u{0}@example.test"}),
            "email",
        ),
        (
            "/api/v1/accounts/verify",
            json!({"token": "\u{0}".repeat(10)}),
            "token",
        ),
    ];
    for (path, body, field) in json_cases {
        app.post_json(path, &body).await.expect_invalid_field(field);
    }
    app.patch_json(
        "/api/v1/me",
        Some(&tokens.access),
        &json!({"bio": "before\u{0}after"}),
    )
    .await
    .expect_invalid_field("bio");

    // Ids that are not ids name nothing that exists.
    for path in [
        "/api/v1/users/not-a-number",
        "/api/v1/users/99999999999999999999999",
        "/api/v1/users/-1",
    ] {
        app.get(path, Some(&tokens.access))
            .await
            .expect_problem(404);
    }
}

#[actix_web::test]
async fn every_answer_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let answers = [
        app.get("/health/live", None).await,
        app.get("/health/ready", None).await,
        app.get("/api/v1/nowhere", None).await,
        app.get("/api/v1/me", None).await,
        app.post_json("/api/v1/accounts", &json!({"email": "x"}))
            .await,
        app.request(Method::PUT, "/api/v1/sessions", None, &[], None)
            .await,
    ];
    let mut ids = Vec::new();
    for answer in &answers {
        let id = answer.header("x-request-id").unwrap_or_else(|| {
            panic!(
                "no X-Request-Id on a {} answer: {}",
                answer.status, answer.body
            )
        });
        assert!(!id.trim().is_empty(), "an empty X-Request-Id");
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), answers.len(), "request ids must differ: {ids:?}");
}

#[actix_web::test]
async fn the_health_checks_answer() {
    let app = TestApp::spawn().await;
    app.get("/health/live", None).await.expect(200);
    app.get("/health/ready", None).await.expect(200);
}

#[actix_web::test]
async fn readiness_fails_with_503_when_the_database_is_gone_while_liveness_holds() {
    let Some(postgres) = required_postgres(
        "readiness_fails_with_503_when_the_database_is_gone_while_liveness_holds",
    ) else {
        return;
    };
    let app = TestApp::builder()
        .database(Arc::new(TestDatabase::postgres_from_template(&postgres)))
        .spawn()
        .await;
    app.get("/health/ready", None).await.expect(200);
    app.database.drop_now();
    app.get("/health/ready", None).await.expect_problem(503);
    app.get("/health/live", None).await.expect(200);
}

#[actix_web::test]
async fn stopping_the_server_finishes_the_request_in_flight_and_refuses_new_ones() {
    use std::io::{Read, Write};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    let app = TestApp::spawn().await;
    let body = serde_json::to_vec(&json!({
        "email": "late@example.test",
        "password": PASSWORD,
        "display_name": "Late_L",
    }))
    .expect("JSON");
    let head = format!(
        "POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let address = app.address.trim_start_matches("http://").to_owned();

    // A plain client on its own thread: the head and half the body now, the rest when told.
    let (sent_tx, sent_rx) = mpsc::channel::<()>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (answer_tx, answer_rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(&address).expect("the server accepts");
        let (first_half, second_half) = body.split_at(body.len() / 2);
        stream.write_all(head.as_bytes()).expect("the head is sent");
        stream.write_all(first_half).expect("half the body is sent");
        stream.flush().expect("flushed");
        let _ = sent_tx.send(());
        let _ = go_rx.recv();
        stream.write_all(second_half).expect("the rest is sent");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let _ = answer_tx.send(String::from_utf8_lossy(&answer).into_owned());
    });
    let start = Instant::now();
    while sent_rx.try_recv().is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the request never left"
        );
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    // Let the server read the head and start handling the request.
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;

    let stopped = app.stop();
    // New connections are refused soon after the stop.
    let start = Instant::now();
    loop {
        let attempt = awc::Client::default()
            .get(format!("{}/health/live", app.address))
            .send()
            .await;
        if attempt.is_err() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the stopping server still accepts new requests"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }

    go_tx.send(()).expect("the client thread waits");
    let start = Instant::now();
    let answer = loop {
        if let Ok(answer) = answer_rx.try_recv() {
            break answer;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the request in flight was never answered"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        answer.starts_with("HTTP/1.1 202"),
        "the request in flight should be finished with 202, got {answer:?}"
    );
    stopped.await;
}
