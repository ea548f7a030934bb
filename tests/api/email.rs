//! Email, end to end through a real SMTP receiver: what a message looks like, in which language,
//! that none is lost while the mail server is down, and that two servers sharing one PostgreSQL
//! database send each message exactly once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::harness::database::required_postgres;
use crate::harness::json::has_cjk;
use crate::harness::{MailServer, PASSWORD, PUBLIC_URL, TestApp, TestDatabase};

#[actix_web::test]
async fn a_verification_email_is_a_readable_message_with_a_link_to_the_client() {
    let app = TestApp::spawn().await;
    app.register("ana@example.test", PASSWORD, "Ana_L")
        .await
        .expect(202);
    let email = app.wait_for_email("ana@example.test").await;

    assert_eq!(email.to, ["ana@example.test"]);
    assert!(
        email.from.contains("no-reply@butterfly.localhost"),
        "the envelope sender should be the configured one, not {:?}",
        email.from
    );
    assert!(
        !email.subject().trim().is_empty(),
        "the email has no subject"
    );
    let from = email.header("from").unwrap_or_default();
    assert!(
        from.contains("no-reply@butterfly.localhost"),
        "the email should come from the configured sender, not {from:?}"
    );
    let types = email.text_part_types();
    assert!(
        types.iter().any(|t| t == "text/plain") && types.iter().any(|t| t == "text/html"),
        "the email should have a plain text and an HTML version, has {types:?}"
    );
    assert!(
        email
            .token_after(&format!("{PUBLIC_URL}/verify-email?token="))
            .is_some(),
        "the email should link to the web client:\n{}",
        email.text()
    );
    assert!(!has_cjk(&email.text()), "an English member gets English");
    assert!(
        !email.raw.contains(PASSWORD),
        "the email must never contain the password"
    );
}

#[actix_web::test]
async fn a_member_who_registers_in_chinese_gets_the_email_in_chinese() {
    let app = TestApp::spawn().await;
    app.post_json(
        "/api/v1/accounts",
        &serde_json::json!({"email": "mei@example.test", "password": PASSWORD,
                            "display_name": "小梅花", "locale": "zh-CN"}),
    )
    .await
    .expect(202);
    let email = app.wait_for_email("mei@example.test").await;
    assert!(
        has_cjk(&email.subject()),
        "the subject should be Chinese: {:?}",
        email.subject()
    );
    assert!(
        has_cjk(&email.text()),
        "the body should be Chinese:\n{}",
        email.text()
    );

    // The link survives the encoding of a Chinese message.
    app.verify_email(&email.token()).await.expect(200);
    let tokens = app.sign_in("mei@example.test", PASSWORD).await;
    let me = app.me(&tokens.access).await.expect(200);
    assert_eq!(me["locale"], "zh-CN");
    assert_eq!(me["display_name"], "小梅花");
}

#[actix_web::test]
async fn an_email_sent_while_the_mail_server_is_down_arrives_when_it_comes_back() {
    let mail = Arc::new(MailServer::down());
    let app = TestApp::builder().mail(mail.clone()).spawn().await;

    // Registration does not depend on the mail server.
    app.register("ben@example.test", PASSWORD, "Ben_B")
        .await
        .expect(202);
    // The outbox has tried and failed (at least twice: it retries).
    app.wait_for_outbox("attempts >= 2", 1).await;
    assert!(app.emails_to("ben@example.test").is_empty());

    mail.come_up();
    let email = app
        .wait_for_emails_within("ben@example.test", 1, Duration::from_secs(30))
        .await
        .remove(0);
    app.verify_email(&email.token()).await.expect(200);
    app.wait_for_outbox("status = 'sent'", 1).await;
    assert_eq!(app.emails_to("ben@example.test").len(), 1);
}

#[actix_web::test]
async fn two_servers_on_one_postgresql_database_send_each_message_once() {
    let Some(postgres) =
        required_postgres("two_servers_on_one_postgresql_database_send_each_message_once")
    else {
        return;
    };
    let first = TestApp::builder()
        .database(Arc::new(TestDatabase::postgres_from_template(&postgres)))
        .spawn()
        .await;
    let second = first.spawn_sibling().await;

    const USERS: usize = 20;
    let addresses: Vec<String> = (0..USERS)
        .map(|i| format!("member{i}@example.test"))
        .collect();
    for (i, address) in addresses.iter().enumerate() {
        let server = if i % 2 == 0 { &first } else { &second };
        server
            .register(address, PASSWORD, &format!("Member_{i}"))
            .await
            .expect(202);
    }

    for address in &addresses {
        first.wait_for_email(address).await;
    }
    first.wait_for_outbox("status = 'sent'", USERS as i64).await;
    // A duplicate would be a send still in flight on the other server: stop both and wait for
    // their workers, which finish the message in hand before they stop.
    let mail = first.mail.clone();
    second.shut_down().await;
    first.shut_down().await;

    for address in &addresses {
        assert_eq!(
            mail.received_by(address).len(),
            1,
            "{address} got more than one verification email"
        );
    }
    assert_eq!(mail.received().len(), USERS);
}

/// A mail server that accepts connections and then never says a word, as a frozen process
/// does; it counts the connections it swallowed.
struct FrozenMailServer {
    stop: Arc<std::sync::atomic::AtomicBool>,
    swallowed: Arc<std::sync::atomic::AtomicUsize>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FrozenMailServer {
    fn on(port: u16) -> Self {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("the mail port");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let swallowed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (stop_flag, count) = (stop.clone(), swallowed.clone());
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stop_flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        held.push(stream);
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Self {
            stop,
            swallowed,
            thread: Some(thread),
        }
    }

    fn swallowed(&self) -> usize {
        self.swallowed.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for FrozenMailServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[actix_web::test]
async fn mail_queued_while_the_mail_server_is_down_then_frozen_all_arrives_once_none_dead() {
    const MEMBERS: usize = 12;
    let mail = Arc::new(MailServer::down());
    let app = TestApp::builder()
        .mail(mail.clone())
        .settings(|s| {
            s.outbox.send_timeout_secs = 1;
            s.outbox.max_retry_delay_ms = 1_000;
        })
        .spawn()
        .await;
    let addresses: Vec<String> = (0..MEMBERS)
        .map(|i| format!("member{i}@example.test"))
        .collect();
    for (i, address) in addresses.iter().enumerate() {
        app.register(address, PASSWORD, &format!("Member_{i}"))
            .await
            .expect(202);
    }
    // Refused: every message has been tried.
    app.wait_for_outbox("attempts >= 1", MEMBERS as i64).await;

    // Frozen: the worker's attempts time out instead of hanging it.
    let frozen = FrozenMailServer::on(mail.port());
    let start = Instant::now();
    while frozen.swallowed() < 3 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the outbox stopped trying while the mail server was frozen"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    drop(frozen);

    // Back: every message arrives, once, and none is dead.
    mail.come_up();
    let mut message_ids = std::collections::BTreeSet::new();
    for address in &addresses {
        let email = app
            .wait_for_emails_within(address, 1, Duration::from_secs(60))
            .await
            .remove(0);
        let id = email.header("message-id").expect("a Message-ID");
        assert!(id.starts_with('<') && id.ends_with('>'), "{id}");
        message_ids.insert(id);
    }
    app.wait_for_outbox("status = 'sent'", MEMBERS as i64).await;
    assert_eq!(app.outbox_count("status = 'dead'").await, 0);
    assert_eq!(message_ids.len(), MEMBERS, "one Message-ID per message");
    for address in &addresses {
        assert_eq!(app.emails_to(address).len(), 1, "{address} got a duplicate");
    }
}

#[actix_web::test]
async fn an_operator_requeues_dead_mail_once_the_mail_server_is_back() {
    let mail = Arc::new(MailServer::down());
    let app = TestApp::builder()
        .mail(mail.clone())
        .settings(|s| s.outbox.max_attempts = 1)
        .spawn()
        .await;
    app.register("ben@example.test", PASSWORD, "Ben_B")
        .await
        .expect(202);
    app.wait_for_outbox("status = 'dead'", 1).await;

    mail.come_up();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_butterfly"));
    for (name, _) in std::env::vars() {
        if name.starts_with("BUTTERFLY_") {
            command.env_remove(name);
        }
    }
    let output = command
        .args(["outbox", "requeue-dead"])
        .current_dir(dir.path())
        .env("BUTTERFLY_DATABASE_URL", app.database.url())
        .env("BUTTERFLY_DATA_DIR", dir.path())
        .env("BUTTERFLY_LOG", "warn")
        .output()
        .expect("the butterfly command runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}: {stdout} {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 dead message(s) requeued"), "{stdout}");

    let email = app.wait_for_email("ben@example.test").await;
    app.verify_email(&email.token()).await.expect(200);
    app.wait_for_outbox("status = 'sent'", 1).await;
    assert_eq!(app.outbox_count("status = 'dead'").await, 0);
}
