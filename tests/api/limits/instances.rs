//! Two servers on one database, as behind a load balancer. On PostgreSQL they count every
//! limit together: a client gets what one server allows, not twice that, whichever server its
//! requests reach, and a guesser's wrong passwords add up across them, with one warning to the
//! owner. On SQLite, where one process serves, each server counts its own (as documented).

use awc::http::Method;
use butterfly::config::Settings;
use futures_util::future::join_all;

use super::limit;
use crate::harness::{PASSWORD, Reply, TestApp};

fn two_servers_settings(s: &mut Settings) {
    s.rate_limits.enabled = true;
    // Four searches per client per ten minutes.
    s.rate_limits.search = limit(4, 0);
    s.rate_limits.login = limit(1_000, 1_000);
    s.login_throttle.per_account_and_client = 3;
    s.login_throttle.alert_after = 3;
    s.trusted_proxies = vec!["127.0.0.1".into()];
}

async fn search_from(app: &TestApp, client: &str) -> Reply {
    app.request(
        Method::GET,
        "/api/v1/search?q=fatigue",
        None,
        &[("x-forwarded-for", client)],
        None,
    )
    .await
}

#[actix_web::test]
async fn two_servers_on_postgresql_count_one_limit_and_one_throttle() {
    let first = TestApp::spawn_with(two_servers_settings).await;
    let second = first.spawn_sibling().await;
    let shared = first.database.is_postgres();
    let servers = [&first, &second];

    // One client, its searches alternating between the servers.
    let mut remaining = Vec::new();
    for i in 0..4 {
        let reply = search_from(servers[i % 2], "203.0.113.9").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        remaining.push(reply.header_number("ratelimit-remaining"));
    }
    let fifth = search_from(&second, "203.0.113.9").await;
    if shared {
        // One allowance: each answer tells what is left of it, and the fifth waits.
        assert_eq!(remaining, vec![3, 2, 1, 0]);
        fifth.expect_problem(429);
        assert!(fifth.header_number("retry-after") >= 1);
    } else {
        // Each server its own allowance.
        assert_eq!(remaining, vec![3, 3, 2, 2]);
        assert_eq!(fifth.status, 200, "{}", fifth.body);
    }

    // Twelve searches fired together from another client, six at each server.
    let burst = join_all((0..12).map(|i| search_from(servers[i % 2], "198.51.100.20"))).await;
    let allowed = burst.iter().filter(|r| r.status == 200).count();
    let refused = burst.iter().filter(|r| r.status == 429).count();
    assert_eq!(allowed + refused, 12, "only 200 or 429");
    assert_eq!(allowed, if shared { 4 } else { 8 });

    // A guesser's wrong passwords add up across the servers.
    let ana = first.member("ana@example.test", "Ana_A").await;
    let guesser = "192.0.2.66";
    let wrong = "perhaps it is spring2025";
    first
        .login_from(guesser, &ana.email, wrong)
        .await
        .expect_problem(401);
    second
        .login_from(guesser, &ana.email, wrong)
        .await
        .expect_problem(401);
    first
        .login_from(guesser, &ana.email, wrong)
        .await
        .expect_problem(401);
    let fourth = second.login_from(guesser, &ana.email, wrong).await;
    if shared {
        fourth.expect_problem(429);
        // The owner, from her own address, still signs in, through either server.
        second
            .login_from("198.51.100.7", &ana.email, PASSWORD)
            .await
            .expect(200);
        // The third wrong password warned her, once.
        assert_eq!(first.queued(&ana.email, "sign_in_attempts").await, 1);
    } else {
        // Two wrong passwords at each server: below every count of either.
        fourth.expect_problem(401);
        assert_eq!(first.queued(&ana.email, "sign_in_attempts").await, 0);
    }
}
