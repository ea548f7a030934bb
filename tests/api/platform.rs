//! Operations: an operator reads the server's metrics (from the machine itself, or anywhere
//! with the metrics token), browsers from allowed origins may call the API and others may not,
//! every answer carries the security headers, and a backup taken while the server runs
//! restores with its data. The rate limits have their own stories in `limits.rs`.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use awc::http::Method;
use butterfly::config::Secret;
use serde_json::json;

use crate::harness::metrics::sample;
use crate::harness::{PASSWORD, Reply, TestApp};

// ----- metrics -----

#[track_caller]
fn assert_not_found(reply: &Reply) {
    let problem = reply.expect_problem(404);
    assert_eq!(problem["detail"], "nothing exists at this address");
}

#[actix_web::test]
async fn an_operator_on_the_server_sees_the_request_just_made_by_route_pattern() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/boards", None).await.expect(200);
    app.get("/api/v1/threads/987654", None)
        .await
        .expect_problem(404);

    let reply = app.get("/metrics", None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain; version=0.0.4")),
        "{:?}",
        reply.header("content-type")
    );
    let metrics = &reply.body;
    let boards =
        r#"butterfly_http_requests_total{method="GET",route="/api/v1/boards",status="200"}"#;
    assert_eq!(sample(metrics, boards), Some(1.0), "{metrics}");
    let thread =
        r#"butterfly_http_requests_total{method="GET",route="/api/v1/threads/{id}",status="404"}"#;
    assert_eq!(sample(metrics, thread), Some(1.0), "{metrics}");
    assert!(
        !metrics.contains("987654"),
        "raw paths must never become labels: {metrics}"
    );
    let histogram = r#"butterfly_http_request_duration_seconds_bucket{method="GET",route="/api/v1/boards",status="200",le="+Inf"}"#;
    assert_eq!(sample(metrics, histogram), Some(1.0), "{metrics}");

    for series in [
        "butterfly_db_statements_total",
        "butterfly_outbox_messages{status=\"pending\"}",
        "butterfly_outbox_messages{status=\"dead\"}",
        "butterfly_moderation_queue_open_items{kind=\"flagged_post\"}",
        "butterfly_moderation_queue_open_items{kind=\"held_post\"}",
        "butterfly_password_hash_waits_total",
        "butterfly_password_hash_waiting",
        "butterfly_database_up",
    ] {
        assert!(
            sample(metrics, series).is_some(),
            "{series} is missing: {metrics}"
        );
    }
    assert_eq!(sample(metrics, "butterfly_database_up"), Some(1.0));
    assert!(sample(metrics, "butterfly_db_statements_total").is_some_and(|n| n > 0.0));
    let pool = if app.database.is_postgres() {
        "shared"
    } else {
        "readers"
    };
    for series in [
        format!("butterfly_db_pool_connections{{pool=\"{pool}\",state=\"in_use\"}}"),
        format!("butterfly_db_pool_connections{{pool=\"{pool}\",state=\"idle\"}}"),
        format!("butterfly_db_pool_waits_total{{pool=\"{pool}\"}}"),
        format!("butterfly_db_pool_wait_seconds_total{{pool=\"{pool}\"}}"),
    ] {
        assert!(
            sample(metrics, &series).is_some(),
            "{series} is missing: {metrics}"
        );
    }
    // The requests above held a reader connection for a while; the time their work waited for
    // a blocking thread is counted too (it may round to nothing).
    let held = format!("butterfly_db_pool_held_seconds_total{{pool=\"{pool}\"}}");
    assert!(
        sample(metrics, &held).is_some_and(|seconds| seconds > 0.0),
        "{held} is missing or zero: {metrics}"
    );
    let queued = format!("butterfly_db_pool_queued_seconds_total{{pool=\"{pool}\"}}");
    assert!(
        sample(metrics, &queued).is_some(),
        "{queued} is missing: {metrics}"
    );
}

#[actix_web::test]
async fn metrics_are_hidden_from_requests_a_proxy_forwarded() {
    let app = TestApp::spawn().await;
    let forwarded = app
        .request(
            Method::GET,
            "/metrics",
            None,
            &[("x-forwarded-for", "203.0.113.7")],
            None,
        )
        .await;
    assert_not_found(&forwarded);
}

#[actix_web::test]
async fn with_a_metrics_token_only_its_holder_reads_the_metrics() {
    const TOKEN: &str = "scrape-me-with-this-long-token-0123456789";
    let app = TestApp::spawn_with(|s| s.metrics.token = Some(Secret::new(TOKEN))).await;
    let (_, member) = app.signed_in_member("mia@example.test", "Mia_M").await;

    assert_not_found(&app.get("/metrics", None).await);
    assert_not_found(&app.get("/metrics", Some("not-the-token")).await);
    assert_not_found(&app.get("/metrics", Some(&member.access)).await);

    let reply = app.get("/metrics", Some(TOKEN)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains(
        r#"butterfly_http_requests_total{method="GET",route="/metrics",status="404"} 3"#
    ));
}

// ----- CORS -----

const WEB_CLIENT: &str = "https://app.example.test";

async fn preflight(app: &TestApp, origin: &str) -> Reply {
    app.request(
        Method::OPTIONS,
        "/api/v1/boards/kidneys/threads",
        None,
        &[
            ("origin", origin),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization, content-type",
            ),
        ],
        None,
    )
    .await
}

#[actix_web::test]
async fn the_web_client_origin_may_call_the_api_from_a_browser_and_others_may_not() {
    let app = TestApp::spawn_with(|s| s.cors.allowed_origins = vec![WEB_CLIENT.to_owned()]).await;

    let allowed = preflight(&app, WEB_CLIENT).await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    assert_eq!(
        allowed.header("access-control-allow-origin").as_deref(),
        Some(WEB_CLIENT)
    );
    let methods = allowed
        .header("access-control-allow-methods")
        .unwrap_or_default();
    for method in ["GET", "POST", "PATCH", "PUT", "DELETE"] {
        assert!(methods.contains(method), "{method} not in {methods}");
    }
    let headers = allowed
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("content-type"),
        "{headers}"
    );

    let refused = preflight(&app, "https://elsewhere.example.test").await;
    assert!(refused.header("access-control-allow-origin").is_none());
    assert!(refused.header("access-control-allow-methods").is_none());
    // Refused before it reaches a route: the request is not one this API accepts.
    refused.expect_problem(400);

    // An actual request from the web client may read the headers it needs.
    let boards = app
        .request(
            Method::GET,
            "/api/v1/boards",
            None,
            &[("origin", WEB_CLIENT)],
            None,
        )
        .await;
    assert_eq!(boards.status, 200);
    assert_eq!(
        boards.header("access-control-allow-origin").as_deref(),
        Some(WEB_CLIENT)
    );
    let exposed = boards
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_lowercase();
    for header in ["x-request-id", "retry-after", "ratelimit-remaining"] {
        assert!(exposed.contains(header), "{header} not in {exposed}");
    }
}

#[actix_web::test]
async fn without_configured_origins_no_cors_headers_are_sent() {
    let app = TestApp::spawn().await;
    let reply = preflight(&app, WEB_CLIENT).await;
    assert!(reply.header("access-control-allow-origin").is_none());
    let boards = app
        .request(
            Method::GET,
            "/api/v1/boards",
            None,
            &[("origin", WEB_CLIENT)],
            None,
        )
        .await;
    assert_eq!(boards.status, 200);
    assert!(boards.header("access-control-allow-origin").is_none());
}

// ----- security headers -----

#[track_caller]
fn assert_security_headers(reply: &Reply) {
    assert_eq!(
        reply.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(
        reply.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
    assert_eq!(reply.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(
        reply.header("content-security-policy").as_deref(),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
}

#[actix_web::test]
async fn every_answer_carries_the_security_headers_and_private_ones_are_never_cached() {
    let app = TestApp::spawn().await;
    let (_, member) = app.signed_in_member("zoe@example.test", "Zoe_Z").await;

    let public = app.get("/api/v1/boards", None).await;
    assert_eq!(public.status, 200);
    assert_security_headers(&public);
    assert_ne!(public.header("cache-control").as_deref(), Some("no-store"));

    let missing = app.get("/api/v1/nothing-here", None).await;
    missing.expect_problem(404);
    assert_security_headers(&missing);

    let me = app.me(&member.access).await;
    assert_eq!(me.status, 200);
    assert_security_headers(&me);
    assert_eq!(me.header("cache-control").as_deref(), Some("no-store"));

    let boards_signed_in = app.get("/api/v1/boards", Some(&member.access)).await;
    assert_eq!(boards_signed_in.status, 200);
    assert_eq!(
        boards_signed_in.header("cache-control").as_deref(),
        Some("no-store")
    );

    let me_anonymous = app.get("/api/v1/me", None).await;
    me_anonymous.expect_problem(401);
    assert_eq!(
        me_anonymous.header("cache-control").as_deref(),
        Some("no-store")
    );
}

// ----- backup -----

/// Runs `butterfly backup <file>` in `dir` against `database_url`, with no other settings
/// from the environment.
fn run_backup(database_url: &str, file: &Path, dir: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_butterfly"));
    command
        .arg("backup")
        .arg(file)
        .current_dir(dir)
        .stdin(Stdio::null());
    for (name, _) in std::env::vars() {
        if name.starts_with("BUTTERFLY_") {
            command.env_remove(name);
        }
    }
    command
        .env("BUTTERFLY_DATABASE_URL", database_url)
        .env("BUTTERFLY_DATA_DIR", dir)
        .env("BUTTERFLY_LOG", "warn");
    command.output().expect("the butterfly binary runs")
}

#[actix_web::test]
async fn a_backup_taken_while_the_server_runs_restores_with_its_data() {
    let app = TestApp::spawn().await;
    let (member, tokens) = app.signed_in_member("ida@example.test", "Ida_I").await;
    let thread = app
        .post_json_as(
            "/api/v1/boards/kidneys/threads",
            &tokens.access,
            &json!({"title": "Kept through the backup", "body": "My nephrologist said..."}),
        )
        .await
        .expect(201);
    let thread_id = thread["id"].as_i64().expect("a thread id");

    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("butterfly backup 'one'.db");
    // The server keeps running (and serving) while the copy is taken.
    let run = run_backup(app.database.url(), &file, dir.path());
    let stderr = String::from_utf8_lossy(&run.stderr);

    if app.database.is_postgres() {
        assert_eq!(run.status.code(), Some(2), "stderr: {stderr}");
        assert!(stderr.contains("pg_dump"), "stderr: {stderr}");
        eprintln!(
            "note: on PostgreSQL `butterfly backup` points to pg_dump; the restore half of this \
             test runs on SQLite only"
        );
        return;
    }
    assert!(run.status.success(), "backup failed: {stderr}");
    assert!(file.is_file());

    // A second backup into the same file is refused, leaving the first intact.
    let again = run_backup(app.database.url(), &file, dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));

    // A server started on the copy has the member and the thread.
    let copy = format!("sqlite://{}", file.display());
    let restored = TestApp::spawn_with(move |s| s.database_url = Some(Secret::new(copy))).await;
    let tokens = restored.sign_in(&member.email, PASSWORD).await;
    assert_eq!(tokens.user_id(), member.id);
    let found = restored
        .get(
            &format!("/api/v1/threads/{thread_id}"),
            Some(&tokens.access),
        )
        .await
        .expect(200);
    assert_eq!(found["title"], "Kept through the backup", "{found}");
}
