//! Wrong passwords: whoever guesses at a member's password is stopped after a few tries from
//! where they are, while the member herself, from her own connection, signs in as usual and
//! is told by email that someone is trying; a much higher ceiling per account stops guessing
//! spread over many addresses. The client addresses come through a trusted proxy's
//! `X-Forwarded-For`, as they would in production.

use crate::harness::{PASSWORD, PUBLIC_URL, Reply, TestApp};

#[track_caller]
fn assert_waits(reply: &Reply) {
    reply.expect_problem(429);
    let retry_after = reply.header_number("retry-after");
    assert!(
        (1..=900).contains(&retry_after),
        "Retry-After {retry_after}"
    );
}

#[actix_web::test]
async fn a_guesser_is_stopped_while_the_owner_still_signs_in_and_hears_about_it() {
    let app = TestApp::spawn_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1".into()];
        // The defaults but for the ceiling, lowered to keep the story short.
        s.login_throttle.per_account = 25;
    })
    .await;
    assert_eq!(app.settings.login_throttle.per_account_and_client, 10);
    assert_eq!(app.settings.login_throttle.alert_after, 10);
    let ana = app.member("ana@example.test", "Ana_A").await;
    let home = "198.51.100.7";
    let guesser = "203.0.113.9";
    let wrong = "is it summer2024 perhaps";

    // Someone guesses ten times from one address...
    for _ in 0..10 {
        app.login_from(guesser, &ana.email, wrong)
            .await
            .expect_problem(401);
    }
    // ...and from there has to wait, whatever they type, the right password included.
    assert_waits(&app.login_from(guesser, &ana.email, wrong).await);
    assert_waits(&app.login_from(guesser, &ana.email, PASSWORD).await);
    // Ana, at home, signs in as usual.
    app.login_from(home, &ana.email, PASSWORD).await.expect(200);

    // She is told that someone is trying, once.
    let warning = app.wait_for_email(&ana.email).await;
    assert!(
        warning.subject().contains("trying to sign in"),
        "{}",
        warning.subject()
    );
    assert!(
        warning
            .text()
            .lines()
            .any(|line| line == format!("{PUBLIC_URL}/reset-password")),
        "a link to choose a new password: {}",
        warning.text()
    );
    assert_eq!(app.queued(&ana.email, "sign_in_attempts").await, 1);

    // A guesser moving around the addresses of an IPv6 /64 is one client.
    for i in 1..=10 {
        app.login_from(&format!("2001:db8:bad:1::{i:x}"), &ana.email, wrong)
            .await
            .expect_problem(401);
    }
    assert_waits(
        &app.login_from("2001:db8:bad:1:ffff::1", &ana.email, wrong)
            .await,
    );
    app.login_from(home, &ana.email, PASSWORD).await.expect(200);

    // Twenty wrong passwords so far; five more from a third place reach the account's
    // ceiling, and then everyone waits, Ana included, until the window is over.
    for _ in 0..5 {
        app.login_from("192.0.2.44", &ana.email, wrong)
            .await
            .expect_problem(401);
    }
    assert_waits(&app.login_from("192.0.2.45", &ana.email, wrong).await);
    assert_waits(&app.login_from(home, &ana.email, PASSWORD).await);
    // Still one warning for the whole window.
    assert_eq!(app.queued(&ana.email, "sign_in_attempts").await, 1);
}

#[actix_web::test]
async fn the_owner_typing_her_password_wrong_is_held_back_only_where_she_types() {
    let app = TestApp::spawn_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1".into()];
        s.login_throttle.per_account_and_client = 3;
    })
    .await;
    let bea = app.member("bea@example.test", "Bea_B").await;
    for _ in 0..2 {
        app.login_from("198.51.100.8", &bea.email, "almost my password")
            .await
            .expect_problem(401);
    }
    // The right password clears her count at that address...
    app.login_from("198.51.100.8", &bea.email, PASSWORD)
        .await
        .expect(200);
    for _ in 0..3 {
        app.login_from("198.51.100.8", &bea.email, "almost my password")
            .await
            .expect_problem(401);
    }
    // ...three more there make that address wait; her phone on another network does not.
    assert_waits(&app.login_from("198.51.100.8", &bea.email, PASSWORD).await);
    app.login_from("2001:db8:77::5", &bea.email, PASSWORD)
        .await
        .expect(200);
    // Five wrong passwords are below the warning threshold: no email.
    assert_eq!(app.queued(&bea.email, "sign_in_attempts").await, 0);
}

#[actix_web::test]
async fn guesses_fired_together_get_no_more_tries_than_guesses_in_a_row() {
    let app = TestApp::spawn_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1".into()];
        s.login_throttle.per_account_and_client = 5;
    })
    .await;
    let cy = app.member("cy@example.test", "Cy_C").await;
    let guesses = (0..20).map(|i| {
        let (app, email) = (&app, &cy.email);
        async move {
            app.login_from("203.0.113.50", email, &format!("guess number {i}"))
                .await
        }
    });
    let replies = futures_util::future::join_all(guesses).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        5,
        "five guesses and no more: {statuses:?}"
    );
    for reply in replies.iter().filter(|r| r.status != 401) {
        assert_waits(reply);
    }
    app.login_from("198.51.100.9", &cy.email, PASSWORD)
        .await
        .expect(200);
}
