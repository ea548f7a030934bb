//! A member's sessions, as she sees and ends them: where she is signed in (the client named
//! from its User-Agent, the network rather than the address, when each signed in and was last
//! used), ending the one on a lost phone, and signing out everywhere else at once. Nobody
//! learns another member's session ids.

use crate::harness::people::member;
use crate::harness::{TestApp, Tokens};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

#[actix_web::test]
async fn a_member_sees_where_she_is_signed_in_and_ends_the_session_of_a_lost_phone() {
    let app = TestApp::spawn().await;
    let ana = member(&app, "Ana_Moss").await;
    let laptop = app
        .sign_in_from(&ana.email, &[("user-agent", FIREFOX)])
        .await;
    let phone = app
        .sign_in_from(&ana.email, &[("user-agent", IPHONE)])
        .await;

    // From her laptop she sees three sessions (the harness's first one too), newest first.
    let seen = app.sessions(&laptop.access).await;
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0]["client"], "Safari on iPhone", "{seen:?}");
    assert_eq!(seen[1]["client"], "Firefox on Linux", "{seen:?}");
    let current: Vec<bool> = seen.iter().map(|s| s["current"] == true).collect();
    assert_eq!(current, [false, true, false], "{seen:?}");
    for s in &seen {
        // The network, never the address.
        assert_eq!(s["network"], "127.0.0.0/24", "{s}");
        assert!(
            s["created_at"].is_string() && s["last_used_at"].is_string(),
            "{s}"
        );
    }
    assert!(!serde_json::to_string(&seen).unwrap().contains("127.0.0.1"));

    // A refresh is a use: the phone's session shows it, and keeps its id.
    let phone_id = seen[0]["id"].as_i64().expect("an id");
    app.execute_sql(format!(
        "UPDATE session_families SET created_at = '2026-01-01 08:00:00', \
         last_used_at = '2026-01-01 08:00:00' WHERE id = {phone_id}"
    ))
    .await;
    let phone = Tokens::from_body(app.refresh(&phone.refresh).await.expect(200));
    let seen = app.sessions(&laptop.access).await;
    let mine = seen
        .iter()
        .find(|s| s["id"] == phone_id)
        .expect("the phone's session");
    assert!(
        mine["last_used_at"].as_str() > mine["created_at"].as_str(),
        "{mine}"
    );

    // Bo cannot end Ana's session, nor learn that it exists.
    let bo = member(&app, "Bo_Reed").await;
    let not_found = app
        .revoke_session(&bo.access, phone_id)
        .await
        .expect_problem(404);
    let unknown = app
        .revoke_session(&bo.access, 999_999)
        .await
        .expect_problem(404);
    assert_eq!(not_found["detail"], unknown["detail"]);
    assert!(
        app.sessions(&bo.access)
            .await
            .iter()
            .all(|s| s["id"] != phone_id)
    );
    app.me(&phone.access).await.expect(200);

    // Ana loses her phone and ends its session: its tokens stop working at once.
    app.revoke_session(&laptop.access, phone_id)
        .await
        .expect(204);
    app.me(&phone.access).await.expect_problem(401);
    app.refresh(&phone.refresh).await.expect_problem(401);
    app.revoke_session(&laptop.access, phone_id)
        .await
        .expect_problem(404);
    let seen = app.sessions(&laptop.access).await;
    assert_eq!(seen.len(), 2, "{seen:?}");

    // Later she signs out everywhere but here.
    let tablet = app
        .sign_in_from(&ana.email, &[("user-agent", "ButterflyApp/2.1")])
        .await;
    app.delete("/api/v1/me/sessions", Some(&laptop.access))
        .await
        .expect(204);
    app.me(&tablet.access).await.expect_problem(401);
    app.me(&ana.access).await.expect_problem(401);
    app.me(&laptop.access).await.expect(200);
    let seen = app.sessions(&laptop.access).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["current"], true);

    // Her export lists her sessions with their clients and networks.
    let export = app
        .get("/api/v1/me/export", Some(&laptop.access))
        .await
        .expect(200);
    let clients: Vec<&str> = export["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter_map(|s| s["client"].as_str())
        .collect();
    assert!(clients.contains(&"Safari on iPhone"), "{clients:?}");
    assert!(clients.contains(&"ButterflyApp"), "{clients:?}");
    assert_eq!(export["two_factor"]["enabled"], false);
}

#[actix_web::test]
async fn behind_a_trusted_proxy_an_ipv6_client_is_shown_by_its_48() {
    let app = TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1".into()]).await;
    let mei = member(&app, "Mei_Far").await;
    let far = app
        .sign_in_from(
            &mei.email,
            &[
                ("x-forwarded-for", "2001:db8:4a:7::1234"),
                ("user-agent", "curl/8.5.0"),
            ],
        )
        .await;
    let seen = app.sessions(&far.access).await;
    let current = seen.iter().find(|s| s["current"] == true).expect("current");
    assert_eq!(current["network"], "2001:db8:4a::/48", "{current}");
    assert_eq!(current["client"], "curl", "{current}");
}
