//! Faults, told as an operator lives them: the database restarts under load, the log disk
//! fills up, the data disk fills up. Each time the server keeps answering honestly (503 or 507
//! with a problem document, never 500) and comes back by itself once the fault is gone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::harness::faults::{PgCluster, SmallDisk, require};
use crate::harness::{PASSWORD, Reply, TestApp, TestDatabase, Tokens};

/// How long the server may take to serve again once its database is back.
const RECOVERY: Duration = Duration::from_secs(30);

/// Asserts the honest answer to a request that needs a database that is not there.
#[track_caller]
fn assert_unavailable(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status, 503,
        "{what} while the database is down: expected 503, got {} {}",
        reply.status, reply.body
    );
    let problem = reply.expect_problem(503);
    assert_eq!(problem["code"], "unavailable", "{what}: {problem}");
    let retry_after = reply.header("retry-after").unwrap_or_default();
    assert!(
        retry_after.parse::<u64>().is_ok_and(|s| s >= 1),
        "{what}: a 503 needs a Retry-After in seconds, got {retry_after:?}"
    );
}

async fn new_thread(app: &TestApp, tokens: &Tokens, n: usize) -> Reply {
    app.post_json_as(
        "/api/v1/boards/my-story/threads",
        &tokens.access,
        &json!({"title": format!("Day {n} of the flare"), "body": "Resting, drinking water."}),
    )
    .await
}

/// One read and one write, as a member browsing and posting.
async fn browse_and_post(app: &TestApp, tokens: &Tokens, n: usize) -> (Reply, Reply) {
    let read = app
        .get("/api/v1/boards/my-story/threads", Some(&tokens.access))
        .await;
    let write = new_thread(app, tokens, n).await;
    (read, write)
}

#[actix_web::test]
async fn after_a_postgresql_restart_the_server_serves_again_by_itself() {
    let Some(cluster) = require("a PostgreSQL cluster of the test's own", PgCluster::start())
    else {
        return;
    };
    let mut admin = diesel::PgConnection::establish(&cluster.url("postgres"))
        .expect("the test cluster accepts connections");
    admin
        .batch_execute("CREATE DATABASE butterfly")
        .expect("a database on the test cluster");
    drop(admin);
    let database = Arc::new(TestDatabase::external(&cluster.url("butterfly")));
    let app = TestApp::builder().database(database).spawn().await;
    let (_, tokens) = app.signed_in_member("ana@example.test", "Ana_L").await;

    let mut n = 0;
    for _ in 0..3 {
        n += 1;
        let (read, write) = browse_and_post(&app, &tokens, n).await;
        read.expect(200);
        write.expect(201);
    }

    // The database goes away. Every answer is an honest 503 that says when to come back.
    cluster.down().expect("the test cluster stops");
    let down = Instant::now();
    let mut answers = 0;
    while down.elapsed() < Duration::from_secs(2) || answers < 4 {
        n += 1;
        let (read, write) = browse_and_post(&app, &tokens, n).await;
        assert_unavailable(&read, "a board page");
        assert_unavailable(&write, "a new thread");
        answers += 2;
    }
    let ready = app.get("/health/ready", None).await;
    assert_unavailable(&ready, "the readiness probe");
    assert_eq!(
        app.get("/health/live", None).await.status,
        200,
        "the process itself is alive"
    );

    // It comes back: within seconds every request is served again, with no restart.
    cluster.up().expect("the test cluster starts again");
    let back = Instant::now();
    let mut in_a_row = 0;
    while in_a_row < 5 {
        n += 1;
        let (read, write) = browse_and_post(&app, &tokens, n).await;
        let ready = app.get("/health/ready", None).await;
        if read.status == 200 && write.status == 201 && ready.status == 200 {
            in_a_row += 1;
        } else {
            in_a_row = 0;
            for reply in [&read, &write, &ready] {
                assert!(
                    matches!(reply.status, 200 | 201 | 503),
                    "while the database comes back, answers are served or 503, got {} {}",
                    reply.status,
                    reply.body
                );
            }
            assert!(
                back.elapsed() < RECOVERY,
                "{RECOVERY:?} after PostgreSQL came back the server still answers \
                 {} / {} / ready {}: {} {}",
                read.status,
                write.status,
                ready.status,
                write.body,
                ready.body
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // The background workers resumed too: a new member's verification email goes out.
    app.register("ben@example.test", PASSWORD, "Ben_B")
        .await
        .expect(202);
    let email = app.wait_for_email("ben@example.test").await;
    app.verify_email(&email.token()).await.expect(200);
    drop(app);
    drop(cluster);
}
