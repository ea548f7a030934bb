//! The `butterfly` command: an operator migrates, creates the first admin and changes roles from
//! the shell; a bad setting stops the server with status 2 and one sentence, never a panic.

use std::fs::File;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::harness::http::call;
use crate::harness::{
    EMAIL_WAIT, MailServer, NEW_PASSWORD, PASSWORD, PUBLIC_URL, TestApp, TestDatabase,
};

/// What a finished `butterfly` process left behind.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs the binary in `dir` with only these `BUTTERFLY_*` variables, killing it after 60 s.
fn butterfly(args: &[&str], env: &[(&str, &str)], dir: &Path) -> Run {
    let stdout_path = dir.join(format!("stdout-{}.txt", rand::random::<u32>()));
    let stderr_path = dir.join(format!("stderr-{}.txt", rand::random::<u32>()));
    let mut command = Command::new(env!("CARGO_BIN_EXE_butterfly"));
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).expect("a stdout file"))
        .stderr(File::create(&stderr_path).expect("a stderr file"));
    for (name, _) in std::env::vars() {
        if name.starts_with("BUTTERFLY_") || name == "RUST_BACKTRACE" {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().expect("the butterfly binary starts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the process can be waited for") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`butterfly {}` did not finish within 60 s; stderr: {}",
                args.join(" "),
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Run {
        status,
        stdout: std::fs::read_to_string(&stdout_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&stderr_path).unwrap_or_default(),
    }
}

#[track_caller]
fn assert_success(run: &Run, what: &str) {
    assert!(
        run.status.success(),
        "{what} failed with {}: stdout {:?}, stderr {:?}",
        run.status,
        run.stdout,
        run.stderr
    );
}

#[actix_web::test]
async fn an_operator_creates_the_first_admin_who_can_then_log_in() {
    let database = Arc::new(TestDatabase::create());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data_dir = dir.path().to_string_lossy().into_owned();
    let env = [
        ("BUTTERFLY_DATA_DIR", data_dir.as_str()),
        ("BUTTERFLY_DATABASE_URL", database.url()),
        ("BUTTERFLY_ADMIN_PASSWORD", PASSWORD),
        ("BUTTERFLY_LOG", "warn"),
    ];

    // Migrating twice is harmless.
    assert_success(&butterfly(&["migrate"], &env, dir.path()), "migrate");
    assert_success(
        &butterfly(&["migrate"], &env, dir.path()),
        "a second migrate",
    );

    let created = butterfly(
        &[
            "admin",
            "create-user",
            "--email",
            "root@example.test",
            "--display-name",
            "Root_Admin",
            "--role",
            "admin",
        ],
        &env,
        dir.path(),
    );
    assert_success(&created, "admin create-user");
    assert!(
        !created.stdout.contains(PASSWORD) && !created.stderr.contains(PASSWORD),
        "the password must not be printed"
    );

    let app = TestApp::builder().database(database.clone()).spawn().await;
    let tokens = app.sign_in("root@example.test", PASSWORD).await;
    assert_eq!(tokens.body["user"]["role"], "admin");
    assert_eq!(tokens.body["user"]["state"], "active");
    let me = app.me(&tokens.access).await.expect(200);
    assert_eq!(me["display_name"], "Root_Admin");
    assert_eq!(me["role"], "admin");

    // The role can be changed from the shell, and the next login shows it.
    let changed = butterfly(
        &[
            "admin",
            "set-role",
            "--email",
            "root@example.test",
            "--role",
            "moderator",
        ],
        &env,
        dir.path(),
    );
    assert_success(&changed, "admin set-role");
    let tokens = app.sign_in("root@example.test", PASSWORD).await;
    assert_eq!(tokens.body["user"]["role"], "moderator");

    // A second account with the same address is refused, without a panic.
    let duplicate = butterfly(
        &[
            "admin",
            "create-user",
            "--email",
            "ROOT@example.test",
            "--display-name",
            "Root_Again",
            "--role",
            "member",
        ],
        &env,
        dir.path(),
    );
    assert!(
        !duplicate.status.success(),
        "a duplicate address was accepted"
    );
    assert!(
        !duplicate.stderr.contains("panicked"),
        "{}",
        duplicate.stderr
    );
}

/// Runs `butterfly serve` with one bad setting and checks the clean refusal.
#[track_caller]
fn assert_refused(case: &str, env: &[(&str, &str)], dir: &Path, mentions: &[&str]) {
    let run = butterfly(&["serve"], env, dir);
    assert_eq!(
        run.status.code(),
        Some(2),
        "{case}: expected exit status 2, got {}; stderr {:?}",
        run.status,
        run.stderr
    );
    let lower = run.stderr.to_lowercase();
    assert!(
        !lower.contains("panicked") && !lower.contains("backtrace"),
        "{case}: the server panicked: {}",
        run.stderr
    );
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "{case}: expected one line on standard error, got {:?}",
        run.stderr
    );
    assert!(
        mentions.iter().any(|m| lower.contains(&m.to_lowercase())),
        "{case}: the message should mention one of {mentions:?}: {:?}",
        run.stderr
    );
}

#[test]
fn a_bad_setting_stops_the_server_with_status_2_and_one_sentence() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data_dir = dir.path().join("data");
    let data_dir = data_dir.to_string_lossy().into_owned();
    let base = |extra: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("BUTTERFLY_DATA_DIR", data_dir.clone()),
            ("BUTTERFLY_BIND", "127.0.0.1:0".to_owned()),
            ("BUTTERFLY_LOG", "info".to_owned()),
        ];
        for (name, value) in extra {
            env.retain(|(n, _)| n != name);
            env.push((*name, (*value).to_owned()));
        }
        env
    };
    let run_case = |case: &str, extra: &[(&'static str, &str)], mentions: &[&str]| {
        let env = base(extra);
        let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
        assert_refused(case, &env, dir.path(), mentions);
    };

    run_case(
        "an unknown database backend",
        &[("BUTTERFLY_DATABASE_URL", "mysql://x")],
        &["mysql"],
    );
    run_case(
        "an unparsable PostgreSQL URL",
        &[("BUTTERFLY_DATABASE_URL", "postgres://user@[bad-host/db")],
        &["url", "postgres"],
    );
    run_case(
        "a bind address that is not an address",
        &[("BUTTERFLY_BIND", "not-an-address")],
        &["not-an-address", "bind", "address"],
    );
    run_case(
        "a number of workers that is not a number",
        &[("BUTTERFLY_WORKERS", "lots")],
        &["workers", "lots"],
    );

    let busy = TcpListener::bind("127.0.0.1:0").expect("a port to occupy");
    let busy_address = busy.local_addr().expect("an address").to_string();
    run_case(
        "a port already in use",
        &[("BUTTERFLY_BIND", busy_address.as_str())],
        &[busy_address.as_str(), "in use", "bind"],
    );
    drop(busy);

    // A data folder that cannot be created: its parent is a file.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").expect("a file");
    let unwritable = file.join("data").to_string_lossy().into_owned();
    run_case(
        "a data folder that cannot be created",
        &[("BUTTERFLY_DATA_DIR", unwritable.as_str())],
        &[unwritable.as_str(), "data", "folder", "directory"],
    );
}

/// The text without terminal colour codes (`ESC [ … m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for code in chars.by_ref() {
                if code.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[actix_web::test]
async fn the_server_process_logs_no_secrets_and_stops_cleanly_on_sigterm() {
    use awc::http::Method;
    use serde_json::json;

    const JWT_SECRET: &str = "a-signing-secret-that-must-never-be-logged-0123456789";
    let database = TestDatabase::create();
    let mail = MailServer::start();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data_dir = dir.path().join("data").to_string_lossy().into_owned();
    let stdout_path = dir.path().join("stdout.txt");
    let stderr_path = dir.path().join("stderr.txt");
    let mut command = Command::new(env!("CARGO_BIN_EXE_butterfly"));
    command
        .arg("serve")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).expect("a stdout file"))
        .stderr(File::create(&stderr_path).expect("a stderr file"));
    for (name, _) in std::env::vars() {
        if name.starts_with("BUTTERFLY_") || name == "RUST_BACKTRACE" {
            command.env_remove(name);
        }
    }
    command.envs([
        ("BUTTERFLY_BIND", "127.0.0.1:0"),
        ("BUTTERFLY_DATA_DIR", data_dir.as_str()),
        ("BUTTERFLY_DATABASE_URL", database.url()),
        ("BUTTERFLY_SMTP_URL", mail.url().as_str()),
        ("BUTTERFLY_PUBLIC_URL", PUBLIC_URL),
        ("BUTTERFLY_LOG", "debug"),
        ("BUTTERFLY_JWT__SECRET", JWT_SECRET),
        ("BUTTERFLY_OUTBOX__POLL_INTERVAL_MS", "50"),
    ]);
    let mut child = command.spawn().expect("the server process starts");
    let logs = || {
        strip_ansi(&format!(
            "{}{}",
            std::fs::read_to_string(&stdout_path).unwrap_or_default(),
            std::fs::read_to_string(&stderr_path).unwrap_or_default()
        ))
    };

    // The port is in the start-up log line.
    let start = Instant::now();
    let port: u16 = loop {
        let found = logs().split("port=").nth(1).and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        });
        if let Some(port) = found {
            break port;
        }
        if let Some(status) = child.try_wait().expect("the process can be waited for") {
            panic!("the server exited with {status} before serving: {}", logs());
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the server never logged its port: {}",
            logs()
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let client = awc::Client::default();
    let email = "ana@example.test";

    // A whole life of secrets: password, verification and reset tokens, access and refresh
    // tokens, a new password.
    let (status, _) = call(
        &client,
        Method::POST,
        &format!("{base}/accounts"),
        None,
        Some(json!({"email": email, "password": PASSWORD, "display_name": "Ana_L"})),
    )
    .await
    .expect("the server answers");
    assert_eq!(status, 202);
    let verify_token = mail.wait_for(email, 1, EMAIL_WAIT).await[0].token();
    let (status, _) = call(
        &client,
        Method::POST,
        &format!("{base}/accounts/verify"),
        None,
        Some(json!({"token": verify_token})),
    )
    .await
    .expect("the server answers");
    assert_eq!(status, 200);
    let (status, session) = call(
        &client,
        Method::POST,
        &format!("{base}/sessions"),
        None,
        Some(json!({"email": email, "password": PASSWORD})),
    )
    .await
    .expect("the server answers");
    assert_eq!(status, 200, "{session}");
    let (status, refreshed) = call(
        &client,
        Method::POST,
        &format!("{base}/sessions/refresh"),
        None,
        Some(json!({"refresh_token": session["refresh_token"]})),
    )
    .await
    .expect("the server answers");
    assert_eq!(status, 200, "{refreshed}");
    let access = refreshed["access_token"].as_str().unwrap_or_default();
    let (status, _) = call(
        &client,
        Method::GET,
        &format!("{base}/me"),
        Some(access),
        None,
    )
    .await
    .expect("the server answers");
    assert_eq!(status, 200);
    let (status, _) = call(
        &client,
        Method::POST,
        &format!("{base}/password-resets"),
        None,
        Some(json!({"email": email})),
    )
    .await
    .expect("the server answers");
    assert_eq!(status, 202);
    let reset_token = mail.wait_for(email, 2, EMAIL_WAIT).await[1].token();
    let (status, _) = call(
        &client,
        Method::POST,
        &format!("{base}/password-resets/confirm"),
        None,
        Some(json!({"token": reset_token, "new_password": NEW_PASSWORD})),
    )
    .await
    .expect("the server answers");
    assert_eq!(status, 200);

    // SIGTERM: a graceful stop, exit status 0.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the process can be waited for") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not stop within 30 s of SIGTERM");
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    let logs = logs();
    assert!(
        status.success(),
        "after SIGTERM the server should exit with status 0, got {status}; last log lines: {}",
        logs.lines().rev().take(5).collect::<Vec<_>>().join(" | ")
    );

    assert!(
        logs.contains(&data_dir),
        "the effective configuration should be logged at start:\n{logs}"
    );
    let secrets = [
        ("the password", PASSWORD),
        ("the new password", NEW_PASSWORD),
        ("the JWT secret", JWT_SECRET),
        ("the verification token", verify_token.as_str()),
        ("the reset token", reset_token.as_str()),
        (
            "the first access token",
            session["access_token"].as_str().unwrap_or_default(),
        ),
        (
            "the first refresh token",
            session["refresh_token"].as_str().unwrap_or_default(),
        ),
        ("the second access token", access),
        (
            "the second refresh token",
            refreshed["refresh_token"].as_str().unwrap_or_default(),
        ),
    ];
    for (what, secret) in secrets {
        assert!(!secret.is_empty(), "{what} is missing");
        assert!(!logs.contains(secret), "the logs contain {what}");
    }
}

#[actix_web::test]
async fn a_benchmark_operator_seeds_a_tiny_community_whose_threads_read_back_consistently() {
    let database = Arc::new(TestDatabase::create());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data_dir = dir.path().to_string_lossy().into_owned();
    let env = [
        ("BUTTERFLY_DATA_DIR", data_dir.as_str()),
        ("BUTTERFLY_DATABASE_URL", database.url()),
        ("BUTTERFLY_LOG", "warn"),
    ];

    let seeded = butterfly(&["seed", "--scale", "0.001"], &env, dir.path());
    assert_success(&seeded, "seed --scale 0.001");
    assert!(
        seeded
            .stdout
            .contains("seeded: 10 users, 100 threads, 1000 posts"),
        "stdout: {}",
        seeded.stdout
    );
    // Only on an empty database.
    let again = butterfly(&["seed", "--scale", "0.001"], &env, dir.path());
    assert_eq!(again.status.code(), Some(2), "stderr: {}", again.stderr);

    let app = TestApp::builder().database(database.clone()).spawn().await;
    // A member sees every board, those for members only too.
    let reader = crate::harness::people::member(&app, "Reader_R").await;
    let boards = app.get("/api/v1/boards", reader.token()).await.expect(200);
    let counted: i64 = boards["items"]
        .as_array()
        .or_else(|| boards.as_array())
        .expect("a list of boards")
        .iter()
        .map(|b| b["thread_count"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(counted, 100, "boards.thread_count adds up to the threads");

    let page = app
        .get(
            "/api/v1/boards/my-story/threads?sort=active&limit=100",
            None,
        )
        .await
        .expect(200);
    let threads = page["items"].as_array().expect("thread items");
    assert!(!threads.is_empty());
    let thread = threads
        .iter()
        .max_by_key(|t| t["reply_count"].as_i64())
        .expect("a thread");
    let posts = app
        .get(
            &format!("/api/v1/threads/{}/posts?limit=100", thread["id"]),
            None,
        )
        .await
        .expect(200);
    let items = posts["items"].as_array().expect("post items");
    assert_eq!(
        items.len() as i64,
        thread["reply_count"].as_i64().expect("reply_count") + 1,
        "reply_count counts the replies"
    );
    assert!(
        items[0]["body_html"]
            .as_str()
            .is_some_and(|h| h.contains("<p>"))
    );

    // Every seeded account signs in with the one documented password.
    app.sign_in(
        "member1@seed.butterfly.test",
        butterfly::forum::seed::SEED_PASSWORD,
    )
    .await;
}
