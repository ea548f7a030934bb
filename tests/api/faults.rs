//! Faults, told as an operator lives them: the database restarts under load, the log disk
//! fills up, the data disk fills up. Each time the server keeps answering honestly (503 or 507
//! with a problem document, never 500) and comes back by itself once the fault is gone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::harness::faults::{PgCluster, ServerProcess, SmallDisk, require};
use crate::harness::metrics::sample;
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

    // Light load all along: another member keeps reading while the database restarts.
    let done = std::cell::Cell::new(false);
    let background = std::cell::RefCell::new(Vec::new());
    let load = async {
        while !done.get() {
            let reply = app
                .get("/api/v1/boards/my-story/threads", Some(&tokens.access))
                .await;
            background.borrow_mut().push((reply.status, reply.body));
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let story = async {
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
        done.set(true);
    };
    futures_util::future::join(story, load).await;
    let background = background.into_inner();
    for (status, body) in &background {
        assert!(
            matches!(status, 200 | 503),
            "under load, answers are served or 503, got {status} {body}"
        );
    }
    assert!(
        background.iter().any(|(status, _)| *status == 503),
        "the load saw the outage"
    );
    assert_eq!(
        background.last().map(|(status, _)| *status),
        Some(200),
        "the load is served again"
    );

    // The background workers resumed too: a new member's verification email goes out.
    app.register("ben@example.test", PASSWORD, "Ben_B")
        .await
        .expect(202);
    let email = app.wait_for_email("ben@example.test").await;
    app.verify_email(&email.token()).await.expect(200);
    drop(app);
    drop(cluster);
}

#[actix_web::test]
async fn when_the_disk_fills_up_writes_get_507_readiness_says_so_and_both_recover() {
    let Some(disk) = require("a small filesystem to fill", SmallDisk::mount(8)) else {
        return;
    };
    let file = disk.path().join("butterfly.db");
    let database = Arc::new(TestDatabase::external(&format!(
        "sqlite://{}",
        file.display()
    )));
    let app = TestApp::builder().database(database).spawn().await;
    let (_, tokens) = app.signed_in_member("ana@example.test", "Ana_L").await;
    new_thread(&app, &tokens, 1).await.expect(201);
    app.get("/health/ready", None).await.expect(200);

    let filler = disk.path().join("filler");
    disk.fill(&filler);
    let long_story = "Joint pain, rash, fatigue. ".repeat(700);
    let write = app
        .post_json_as(
            "/api/v1/boards/my-story/threads",
            &tokens.access,
            &json!({"title": "A long week", "body": long_story}),
        )
        .await;
    let problem = write.expect_problem(507);
    assert_eq!(problem["code"], "insufficient_storage", "{problem}");
    assert!(
        write.header("retry-after").is_some(),
        "a 507 says when to try again"
    );
    let ready = app.get("/health/ready", None).await;
    let problem = ready.expect_problem(503);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("disk"),
        "readiness says the disk is full: {problem}"
    );
    // Reading needs no room.
    app.get("/api/v1/boards/my-story/threads", Some(&tokens.access))
        .await
        .expect(200);

    // An operator frees space: everything works again, without a restart.
    std::fs::remove_file(&filler).expect("the filler can be removed");
    app.get("/health/ready", None).await.expect(200);
    app.post_json_as(
        "/api/v1/boards/my-story/threads",
        &tokens.access,
        &json!({"title": "A long week", "body": long_story}),
    )
    .await
    .expect(201);
    drop(app);
    drop(disk);
}

/// `GET` against a server process: status and body.
async fn get(client: &awc::Client, url: &str) -> (u16, String) {
    let mut response = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let body = response.body().await.unwrap_or_default();
    (
        response.status().as_u16(),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[actix_web::test]
async fn a_full_or_stuck_log_never_stops_the_server() {
    let database = TestDatabase::create();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data_dir = dir.path().join("data").to_string_lossy().into_owned();
    let env = [
        ("BUTTERFLY_DATA_DIR", data_dir.as_str()),
        ("BUTTERFLY_DATABASE_URL", database.url()),
        ("BUTTERFLY_LOG", "debug"),
    ];
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();

    // Standard output and error on a full disk (/dev/full answers every write with ENOSPC),
    // from the very start.
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    let mut server = ServerProcess::start(&env, dir.path(), full().into(), full().into()).await;
    for _ in 0..20 {
        let (status, _) = get(&client, &format!("{}/health/live", server.base)).await;
        assert_eq!(status, 200);
        let (status, body) = get(&client, &format!("{}/api/v1/boards", server.base)).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, metrics) = get(&client, &format!("{}/metrics", server.base)).await;
    assert!(
        sample(&metrics, "butterfly_log_lines_dropped_total").is_some_and(|n| n > 0.0),
        "{metrics}"
    );
    server.signal(libc::SIGTERM);
    let status = server.wait(Duration::from_secs(30)).await;
    assert!(
        status.success(),
        "SIGTERM should end it cleanly, got {status}"
    );

    // Standard output a pipe that nobody reads: once its buffer is full, every write blocks.
    let server = ServerProcess::start(
        &env,
        dir.path(),
        std::process::Stdio::piped(),
        std::process::Stdio::null(),
    )
    .await;
    for _ in 0..2_500 {
        let (status, _) = get(&client, &format!("{}/health/live", server.base)).await;
        assert_eq!(status, 200);
    }
    let (status, body) = get(&client, &format!("{}/api/v1/boards", server.base)).await;
    assert_eq!(status, 200, "{body}");
    let (_, metrics) = get(&client, &format!("{}/metrics", server.base)).await;
    assert!(
        sample(&metrics, "butterfly_log_lines_dropped_total").is_some_and(|n| n > 0.0),
        "{metrics}"
    );
}
