//! Accounts: signing up and verifying the address, what one sees of oneself and of others,
//! editing the profile, forgetting and changing the password.

use serde_json::{Value, json};

use crate::harness::json::assert_rfc3339;
use crate::harness::{NEW_PASSWORD, PASSWORD, PUBLIC_URL, TestApp};

const VERIFY_LINK: &str = "/verify-email?token=";
const RESET_LINK: &str = "/reset-password?token=";

fn verify_prefix() -> String {
    format!("{PUBLIC_URL}{VERIFY_LINK}")
}

fn reset_prefix() -> String {
    format!("{PUBLIC_URL}{RESET_LINK}")
}

// ----- signing up -----

#[actix_web::test]
async fn a_new_member_registers_verifies_their_address_logs_in_and_sees_their_account() {
    let app = TestApp::spawn().await;

    let answer = app
        .register("ana@example.test", PASSWORD, "Ana_L")
        .await
        .expect(202);
    assert_eq!(answer, json!({"status": "verification_sent"}));

    let email = app.wait_for_email("ana@example.test").await;
    let token = email
        .token_after(&verify_prefix())
        .unwrap_or_else(|| panic!("no {} link in:\n{}", verify_prefix(), email.text()));
    app.verify_email(&token).await.expect(200);

    let tokens = app.sign_in("ana@example.test", PASSWORD).await;
    assert_eq!(tokens.body["user"]["display_name"], "Ana_L");
    assert_eq!(tokens.body["user"]["role"], "member");
    assert_eq!(tokens.body["user"]["state"], "active");

    let me = app.me(&tokens.access).await.expect(200);
    assert_eq!(me["id"].as_i64(), Some(tokens.user_id()));
    assert_eq!(me["email"], "ana@example.test");
    assert_eq!(me["display_name"], "Ana_L");
    assert_eq!(me["locale"], "en");
    assert!(
        me["bio"].is_string(),
        "bio should be a (possibly empty) text: {me}"
    );
    assert_eq!(me["role"], "member");
    assert_eq!(me["state"], "active");
    assert_eq!(me["trust_level"], 0);
    assert_rfc3339(&me["created_at"]);
    let text = me.to_string();
    assert!(
        !text.contains("password") && !text.contains("$argon2"),
        "GET /me must not show anything about the password: {me}"
    );
}

#[actix_web::test]
async fn registering_with_a_taken_address_answers_the_same_and_warns_the_owner() {
    let app = TestApp::spawn().await;
    let first = app
        .register("ben@example.test", PASSWORD, "Ben_First")
        .await
        .expect(202);
    let token = app.wait_for_email("ben@example.test").await.token();
    app.verify_email(&token).await.expect(200);

    // The same address again, then written differently: same answer each time.
    let again = app
        .register("ben@example.test", PASSWORD, "Ben_Second")
        .await
        .expect(202);
    assert_eq!(again, first);
    app.wait_for_emails("ben@example.test", 2).await;
    let disguised = app
        .register("  BEN@Example.TEST ", PASSWORD, "Ben_Third")
        .await
        .expect(202);
    assert_eq!(disguised, first);

    let emails = app.wait_for_emails("ben@example.test", 3).await;
    assert!(
        emails[0].token_after(&verify_prefix()).is_some(),
        "the first email should be the verification"
    );
    for warning in &emails[1..] {
        assert!(
            !warning.contains(VERIFY_LINK) && !warning.contains(RESET_LINK),
            "the owner should get a warning, not a link to act on:\n{}",
            warning.text()
        );
    }
    // Her account is untouched: her password and name are hers.
    let tokens = app.sign_in("ben@example.test", PASSWORD).await;
    assert_eq!(tokens.body["user"]["display_name"], "Ben_First");
}

#[actix_web::test]
async fn registration_tells_a_stranger_nothing_about_whether_an_address_has_an_account() {
    let app = TestApp::spawn().await;
    let before = app.member("known@example.test", "Known_K").await;
    let stranger_password = "violet tramway sideways 51";

    // A stranger registers a known and an unknown address, each with a name of her choosing.
    let known = app
        .register("known@example.test", stranger_password, "Probe_Known")
        .await;
    let unknown = app
        .register("unknown@example.test", stranger_password, "Probe_New")
        .await;
    assert_eq!((known.status, &known.body), (202, &unknown.body));

    // Both names are held the same way, with the same answer.
    let held_known = app
        .register("other1@example.test", PASSWORD, "Probe_Known")
        .await;
    let held_unknown = app
        .register("other2@example.test", PASSWORD, "Probe_New")
        .await;
    held_known.expect_invalid_field("display_name");
    assert_eq!(
        (held_known.status, &held_known.body),
        (held_unknown.status, &held_unknown.body)
    );

    // Signing in with the password she chose fails the same way for both addresses.
    let login_known = app.login("known@example.test", stranger_password).await;
    let login_unknown = app.login("unknown@example.test", stranger_password).await;
    login_known.expect_problem(401);
    assert_eq!(
        (login_known.status, &login_known.body),
        (login_unknown.status, &login_unknown.body)
    );

    // No account was created for either: the next account takes the next id.
    let after = app.member("after@example.test", "After_A").await;
    assert_eq!(
        after.id,
        before.id + 1,
        "a registration consumed an account id"
    );

    // Both holds end together, when the confirmation link would expire.
    app.execute_sql("UPDATE registrations SET expires_at = '2000-01-01 00:00:00'")
        .await;
    app.register("other3@example.test", PASSWORD, "Probe_Known")
        .await
        .expect(202);
    app.register("other4@example.test", PASSWORD, "Probe_New")
        .await
        .expect(202);

    // Only the owner of each address learns what happened, by email.
    let warning = app.wait_for_email("known@example.test").await;
    assert!(!warning.contains(VERIFY_LINK), "{}", warning.text());
    let link = app.wait_for_email("unknown@example.test").await;
    assert!(
        link.token_after(&verify_prefix()).is_some(),
        "{}",
        link.text()
    );
}

#[actix_web::test]
async fn invalid_registrations_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let too_long_password = "plum ".repeat(26);
    let cases: Vec<(&str, Value)> = vec![
        ("password", json!({"password": "short 1a"})),
        ("password", json!({"password": "password123456"})),
        ("password", json!({"password": "qwertyuiop"})),
        ("password", json!({"password": too_long_password})),
        ("email", json!({"email": "not-an-email"})),
        ("email", json!({"email": ""})),
        ("display_name", json!({"display_name": "a"})),
        ("display_name", json!({"display_name": "a".repeat(33)})),
        ("display_name", json!({"display_name": "has space"})),
        ("display_name", json!({"display_name": "semi;colon"})),
        ("display_name", json!({"display_name": "admin"})),
        ("display_name", json!({"display_name": "Admin"})),
        ("display_name", json!({"display_name": "moderator"})),
        ("display_name", json!({"display_name": "anonymous"})),
        ("locale", json!({"locale": "fr"})),
        ("locale", json!({"locale": "zh-TW"})),
    ];
    for (i, (field, change)) in cases.into_iter().enumerate() {
        let mut body = json!({
            "email": format!("case{i}@example.test"),
            "password": PASSWORD,
            "display_name": format!("Case_{i}"),
            "locale": "en",
        });
        for (key, value) in change.as_object().expect("an object") {
            body[key] = value.clone();
        }
        let reply = app.post_json("/api/v1/accounts", &body).await;
        assert_eq!(
            reply.status, 422,
            "registering with {change} should be refused: {}",
            reply.body
        );
        reply.expect_invalid_field(field);
    }
}

#[actix_web::test]
async fn display_names_are_unique_ignoring_case_and_may_be_chinese() {
    let app = TestApp::spawn().await;
    app.register("one@example.test", PASSWORD, "Sunflower")
        .await
        .expect(202);
    app.register("two@example.test", PASSWORD, "SUNFLOWER")
        .await
        .expect_invalid_field("display_name");

    app.post_json(
        "/api/v1/accounts",
        &json!({"email": "three@example.test", "password": PASSWORD,
                "display_name": "狼疮战士", "locale": "zh-CN"}),
    )
    .await
    .expect(202);
    app.register("four@example.test", PASSWORD, "狼疮战士")
        .await
        .expect_invalid_field("display_name");
}

#[actix_web::test]
async fn look_alikes_of_a_members_name_are_refused_and_honest_names_in_any_script_work() {
    let app = TestApp::spawn().await;
    app.member_with_role(
        "admin1@example.test",
        "Admin1",
        butterfly::auth::model::Role::Moderator,
    )
    .await;
    let look_alikes = [
        "Аdmin1",                   // Cyrillic А
        "Ａdmin1",                  // full width
        "𝐀dmin1",                   // mathematical bold
        "Admın1",                   // dotless ı
        "ADMIN1",                   // case
        "Аnonymous_member",         // Cyrillic А, past the reserved list
        "\u{3164}\u{3164}\u{3164}", // Hangul fillers: looks blank
        "Lin\u{200B}Lin",           // an invisible space
    ];
    for (i, name) in look_alikes.iter().enumerate() {
        app.register(&format!("fake{i}@example.test"), PASSWORD, name)
            .await
            .expect_invalid_field("display_name");
    }
    for (i, name) in ["Lingling", "林玲", "Mei_Lin", "Анастасия"]
        .iter()
        .enumerate()
    {
        app.register(&format!("honest{i}@example.test"), PASSWORD, name)
            .await
            .expect(202);
    }
    // A confirmed name is stored in its plain form, and a look-alike of it is taken.
    app.register("zoe@example.test", PASSWORD, "Ｚoe_W")
        .await
        .expect(202);
    let token = app.wait_for_email("zoe@example.test").await.token();
    app.verify_email(&token).await.expect(200);
    let zoe = app.sign_in("zoe@example.test", PASSWORD).await;
    assert_eq!(zoe.body["user"]["display_name"], "Zoe_W");
    let (_, other) = app.signed_in_member("yan@example.test", "Yan_Y").await;
    app.patch_json(
        "/api/v1/me",
        Some(&other.access),
        &json!({"display_name": "Zое_W"}),
    )
    .await
    .expect_invalid_field("display_name");
    app.patch_json(
        "/api/v1/me",
        Some(&other.access),
        &json!({"display_name": "ZOE_W"}),
    )
    .await
    .expect_invalid_field("display_name");
    // Her own name, written another way, is still hers.
    app.patch_json(
        "/api/v1/me",
        Some(&zoe.access),
        &json!({"display_name": "ZOE_W"}),
    )
    .await
    .expect(200);
}

#[actix_web::test]
async fn a_member_who_lost_the_first_email_asks_for_another() {
    let app = TestApp::spawn().await;
    app.register("cleo@example.test", PASSWORD, "Cleo")
        .await
        .expect(202);
    app.wait_for_email("cleo@example.test").await;

    let known = app
        .post_json(
            "/api/v1/accounts/verify/resend",
            &json!({"email": "cleo@example.test"}),
        )
        .await
        .expect(202);
    let unknown = app
        .post_json(
            "/api/v1/accounts/verify/resend",
            &json!({"email": "nobody@example.test"}),
        )
        .await
        .expect(202);
    assert_eq!(
        known, unknown,
        "resending must not reveal who has an account"
    );

    let emails = app.wait_for_emails("cleo@example.test", 2).await;
    let token = emails[1]
        .token_after(&verify_prefix())
        .expect("the second email carries a verification link");
    app.verify_email(&token).await.expect(200);
    let tokens = app.sign_in("cleo@example.test", PASSWORD).await;
    assert_eq!(tokens.body["user"]["state"], "active");
    // Once the outbox has sent everything queued, an email for the unknown address would be in.
    assert!(app.emails_once_sent("nobody@example.test").await.is_empty());
}

#[actix_web::test]
async fn a_verification_link_works_only_once() {
    let app = TestApp::spawn().await;
    app.register("dan@example.test", PASSWORD, "Dan_D")
        .await
        .expect(202);
    let token = app.wait_for_email("dan@example.test").await.token();
    app.verify_email(&token).await.expect(200);
    app.verify_email(&token).await.expect_invalid_field("token");
}

#[actix_web::test]
async fn unknown_and_expired_verification_tokens_are_refused() {
    let app = TestApp::spawn().await;
    app.verify_email("not-a-token-we-ever-sent")
        .await
        .expect_invalid_field("token");
    app.verify_email("").await.expect_invalid_field("token");

    app.register("eve@example.test", PASSWORD, "Eve_E")
        .await
        .expect(202);
    let token = app.wait_for_email("eve@example.test").await.token();
    app.execute_sql("UPDATE registrations SET expires_at = '2000-01-01 00:00:00'")
        .await;
    app.verify_email(&token).await.expect_invalid_field("token");
    app.login("eve@example.test", PASSWORD)
        .await
        .expect_problem(401);
}

#[actix_web::test]
async fn no_account_exists_until_the_address_is_confirmed() {
    let app = TestApp::spawn().await;
    app.register("fay@example.test", PASSWORD, "Fay_F")
        .await
        .expect(202);

    // Before the link is followed, signing in answers as for an address nobody registered.
    let waiting = app.login("fay@example.test", PASSWORD).await;
    let nobody = app.login("nobody@example.test", PASSWORD).await;
    waiting.expect_problem(401);
    assert_eq!(
        (waiting.status, &waiting.body),
        (nobody.status, &nobody.body)
    );

    // A second link replaces the first.
    let first = app.wait_for_email("fay@example.test").await.token();
    app.post_json(
        "/api/v1/accounts/verify/resend",
        &json!({"email": "fay@example.test"}),
    )
    .await
    .expect(202);
    let second = app.wait_for_emails("fay@example.test", 2).await[1].token();
    app.verify_email(&first).await.expect_invalid_field("token");
    app.verify_email(&second).await.expect(200);

    let tokens = app.sign_in("fay@example.test", PASSWORD).await;
    assert_eq!(tokens.body["user"]["state"], "active");
    let profile = app
        .get(&format!("/api/v1/users/{}", tokens.user_id()), None)
        .await
        .expect(200);
    assert_eq!(profile["display_name"], "Fay_F");
}

// ----- profiles -----

#[actix_web::test]
async fn a_member_edits_their_profile() {
    let app = TestApp::spawn().await;
    let (member, tokens) = app.signed_in_member("gus@example.test", "Gus_G").await;

    let updated = app
        .patch_json(
            "/api/v1/me",
            Some(&tokens.access),
            &json!({"display_name": "Gus_Renamed", "locale": "zh-CN",
                    "bio": "Diagnosed in 2019; living well with lupus."}),
        )
        .await
        .expect(200);
    assert_eq!(updated["id"].as_i64(), Some(member.id));
    assert_eq!(updated["email"], "gus@example.test");
    assert_eq!(updated["display_name"], "Gus_Renamed");
    assert_eq!(updated["locale"], "zh-CN");
    assert_eq!(updated["bio"], "Diagnosed in 2019; living well with lupus.");
    for field in ["role", "state", "trust_level", "created_at"] {
        assert!(
            !updated[field].is_null(),
            "PATCH /me lacks {field}: {updated}"
        );
    }

    let me = app.me(&tokens.access).await.expect(200);
    assert_eq!(me, updated);
    let public = app
        .get(
            &format!("/api/v1/users/{}", member.id),
            Some(&tokens.access),
        )
        .await
        .expect(200);
    assert_eq!(public["display_name"], "Gus_Renamed");
    assert_eq!(public["bio"], "Diagnosed in 2019; living well with lupus.");
}

#[actix_web::test]
async fn profile_edits_are_validated() {
    let app = TestApp::spawn().await;
    app.member("taken@example.test", "Taken_Name").await;
    let (_, tokens) = app.signed_in_member("hal@example.test", "Hal_H").await;
    let patch = |body: Value| {
        let app = &app;
        let token = tokens.access.clone();
        async move { app.patch_json("/api/v1/me", Some(&token), &body).await }
    };

    patch(json!({"bio": "x".repeat(501)}))
        .await
        .expect_invalid_field("bio");
    patch(json!({"display_name": "admin"}))
        .await
        .expect_invalid_field("display_name");
    patch(json!({"display_name": "n"}))
        .await
        .expect_invalid_field("display_name");
    patch(json!({"display_name": "taken_NAME"}))
        .await
        .expect_invalid_field("display_name");
    patch(json!({"locale": "fr"}))
        .await
        .expect_invalid_field("locale");

    // Nothing changed; the limits count characters, not bytes.
    let me = app.me(&tokens.access).await.expect(200);
    assert_eq!(me["display_name"], "Hal_H");
    assert_eq!(me["locale"], "en");
    let bio = "狼".repeat(500);
    let updated = patch(json!({"bio": bio})).await.expect(200);
    assert_eq!(updated["bio"], bio);
}

#[actix_web::test]
async fn public_profiles_never_show_the_email() {
    let app = TestApp::spawn().await;
    let ida = app.member("ida.private@example.test", "Ida_I").await;
    let (_, reader) = app.signed_in_member("jon@example.test", "Jon_J").await;

    let reply = app
        .get(&format!("/api/v1/users/{}", ida.id), Some(&reader.access))
        .await;
    let profile = reply.expect(200);
    let mut keys: Vec<&str> = profile
        .as_object()
        .expect("a profile object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["bio", "created_at", "display_name", "id", "role"]);
    assert_eq!(profile["id"].as_i64(), Some(ida.id));
    assert_eq!(profile["display_name"], "Ida_I");
    assert_eq!(profile["role"], "member");
    assert_rfc3339(&profile["created_at"]);
    assert!(!reply.body.contains("ida.private"));

    app.get("/api/v1/users/999999", Some(&reader.access))
        .await
        .expect_problem(404);
}

// ----- forgotten passwords -----

#[actix_web::test]
async fn a_member_who_forgot_their_password_resets_it_by_email() {
    let app = TestApp::spawn().await;
    let (member, session) = app.signed_in_member("kim@example.test", "Kim_K").await;

    let answer = app
        .post_json(
            "/api/v1/password-resets",
            &json!({"email": "kim@example.test"}),
        )
        .await
        .expect(202);
    let email = app.wait_for_email("kim@example.test").await;
    let token = email
        .token_after(&reset_prefix())
        .unwrap_or_else(|| panic!("no {} link in:\n{}", reset_prefix(), email.text()));
    app.post_json(
        "/api/v1/password-resets/confirm",
        &json!({"token": token, "new_password": NEW_PASSWORD}),
    )
    .await
    .expect(200);

    app.login(&member.email, PASSWORD).await.expect_problem(401);
    app.sign_in(&member.email, NEW_PASSWORD).await;
    // Every session that existed before the reset is gone.
    app.refresh(&session.refresh).await.expect_problem(401);
    app.me(&session.access).await.expect_problem(401);

    // The link works once.
    app.post_json(
        "/api/v1/password-resets/confirm",
        &json!({"token": token, "new_password": "third passphrase 4711"}),
    )
    .await
    .expect_invalid_field("token");
    app.login(&member.email, "third passphrase 4711")
        .await
        .expect_problem(401);

    // Asking for an unknown address answers the same, and sends nothing.
    let unknown = app
        .post_json(
            "/api/v1/password-resets",
            &json!({"email": "nobody@example.test"}),
        )
        .await
        .expect(202);
    assert_eq!(unknown, answer);
    // The address is recognised however it is written.
    app.post_json(
        "/api/v1/password-resets",
        &json!({"email": "  KIM@Example.TEST "}),
    )
    .await
    .expect(202);
    app.wait_for_emails("kim@example.test", 2).await;
    // Once the outbox has sent everything queued, an email for the unknown address would be in.
    assert!(app.emails_once_sent("nobody@example.test").await.is_empty());
}

/// Asks for a reset link and returns it once it arrives as the `nth` email (from 1) to `address`.
async fn reset_link(app: &TestApp, address: &str, nth: usize) -> String {
    app.post_json("/api/v1/password-resets", &json!({"email": address}))
        .await
        .expect(202);
    app.wait_for_emails(address, nth).await[nth - 1]
        .token_after(&reset_prefix())
        .expect("a reset link")
}

async fn confirm_reset(app: &TestApp, token: &str, password: &str) -> crate::harness::Reply {
    app.post_json(
        "/api/v1/password-resets/confirm",
        &json!({"token": token, "new_password": password}),
    )
    .await
}

#[actix_web::test]
async fn using_a_reset_link_or_changing_the_password_ends_every_other_reset_link() {
    let app = TestApp::spawn().await;
    let (member, _) = app.signed_in_member("lea@example.test", "Lea_L").await;

    // Two links asked for; the second is used; the first no longer works.
    let first = reset_link(&app, &member.email, 1).await;
    let second = reset_link(&app, &member.email, 2).await;
    confirm_reset(&app, &second, NEW_PASSWORD).await.expect(200);
    confirm_reset(&app, &first, "third passphrase 4711")
        .await
        .expect_invalid_field("token");
    // (the confirmation of the reset is the third email)
    app.wait_for_emails(&member.email, 3).await;

    // A link asked for before a password change stops working with the change.
    let stale = reset_link(&app, &member.email, 4).await;
    let session = app.sign_in(&member.email, NEW_PASSWORD).await;
    app.post_json_as(
        "/api/v1/me/password",
        &session.access,
        &json!({"current_password": NEW_PASSWORD, "new_password": "fourth passphrase 0815"}),
    )
    .await
    .expect(204);
    confirm_reset(&app, &stale, "fifth passphrase 2342")
        .await
        .expect_invalid_field("token");
    app.sign_in(&member.email, "fourth passphrase 0815").await;
}

#[actix_web::test]
async fn a_verification_token_cannot_reset_a_password() {
    let app = TestApp::spawn().await;
    app.register("lea@example.test", PASSWORD, "Lea_L")
        .await
        .expect(202);
    let token = app.wait_for_email("lea@example.test").await.token();

    app.post_json(
        "/api/v1/password-resets/confirm",
        &json!({"token": token, "new_password": NEW_PASSWORD}),
    )
    .await
    .expect_invalid_field("token");
    app.login("lea@example.test", NEW_PASSWORD)
        .await
        .expect_problem(401);

    // The token still does what it was made for.
    app.verify_email(&token).await.expect(200);
}

#[actix_web::test]
async fn unknown_and_expired_reset_tokens_are_refused() {
    let app = TestApp::spawn().await;
    app.post_json(
        "/api/v1/password-resets/confirm",
        &json!({"token": "made-up-token", "new_password": NEW_PASSWORD}),
    )
    .await
    .expect_invalid_field("token");

    let member = app.member("max@example.test", "Max_M").await;
    app.post_json("/api/v1/password-resets", &json!({"email": member.email}))
        .await
        .expect(202);
    let token = app.wait_for_email(&member.email).await.token();
    app.execute_sql("UPDATE user_tokens SET expires_at = '2000-01-01 00:00:00'")
        .await;
    app.post_json(
        "/api/v1/password-resets/confirm",
        &json!({"token": token, "new_password": NEW_PASSWORD}),
    )
    .await
    .expect_invalid_field("token");
    app.login(&member.email, NEW_PASSWORD)
        .await
        .expect_problem(401);
}

#[actix_web::test]
async fn a_reset_needs_an_acceptable_new_password() {
    let app = TestApp::spawn().await;
    let member = app.member("ned@example.test", "Ned_N").await;
    app.post_json("/api/v1/password-resets", &json!({"email": member.email}))
        .await
        .expect(202);
    let token = app.wait_for_email(&member.email).await.token();
    app.post_json(
        "/api/v1/password-resets/confirm",
        &json!({"token": token, "new_password": "password123456"}),
    )
    .await
    .expect_invalid_field("new_password");
    app.login(&member.email, "password123456")
        .await
        .expect_problem(401);
}

#[derive(diesel::QueryableByName)]
struct TokenLifetime {
    #[diesel(sql_type = diesel::sql_types::Text)]
    purpose: String,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    created_at: chrono::NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    expires_at: chrono::NaiveDateTime,
}

#[actix_web::test]
async fn verification_links_last_48_hours_and_reset_links_30_minutes() {
    let app = TestApp::spawn().await;
    app.register("quinn@example.test", PASSWORD, "Quinn_Q")
        .await
        .expect(202);
    app.member("rita@example.test", "Rita_R").await;
    app.post_json(
        "/api/v1/password-resets",
        &json!({"email": "rita@example.test"}),
    )
    .await
    .expect(202);
    app.wait_for_email("quinn@example.test").await;
    app.wait_for_email("rita@example.test").await;

    let lifetimes = app
        .db()
        .read(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(
                "SELECT purpose, created_at, expires_at FROM user_tokens \
                 UNION ALL \
                 SELECT 'verify_email', created_at, expires_at FROM registrations",
            )
            .load::<TokenLifetime>(conn)
            .map_err(butterfly::db::DbError::Query)
        })
        .await
        .expect("the tokens can be read");
    let minutes = |purpose: &str| -> Vec<i64> {
        lifetimes
            .iter()
            .filter(|t| t.purpose == purpose)
            .map(|t| (t.expires_at - t.created_at).num_minutes())
            .collect()
    };
    assert_eq!(minutes("verify_email"), [48 * 60]);
    assert_eq!(minutes("reset_password"), [30]);
}

// ----- changing the password -----

#[actix_web::test]
async fn changing_the_password_signs_out_other_sessions_and_sends_a_notice() {
    let app = TestApp::spawn().await;
    let (member, laptop) = app.signed_in_member("ola@example.test", "Ola_O").await;
    let phone = app.sign_in(&member.email, PASSWORD).await;

    app.post_json_as(
        "/api/v1/me/password",
        &laptop.access,
        &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    )
    .await
    .expect(204);

    // The other session is gone; the one that made the change stays.
    app.refresh(&phone.refresh).await.expect_problem(401);
    app.me(&phone.access).await.expect_problem(401);
    app.me(&laptop.access).await.expect(200);

    app.login(&member.email, PASSWORD).await.expect_problem(401);
    app.sign_in(&member.email, NEW_PASSWORD).await;

    let notice = app.wait_for_email(&member.email).await;
    assert!(
        !notice.contains("token="),
        "the notice should carry no token:\n{}",
        notice.text()
    );
}

#[actix_web::test]
async fn a_password_change_needs_the_current_password_and_a_good_new_one() {
    let app = TestApp::spawn().await;
    let (member, tokens) = app.signed_in_member("pia@example.test", "Pia_P").await;

    app.post_json_as(
        "/api/v1/me/password",
        &tokens.access,
        &json!({"current_password": "not my password 1", "new_password": NEW_PASSWORD}),
    )
    .await
    .expect_invalid_field("current_password");
    app.post_json_as(
        "/api/v1/me/password",
        &tokens.access,
        &json!({"current_password": PASSWORD, "new_password": "qwertyuiop"}),
    )
    .await
    .expect_invalid_field("new_password");

    app.login(&member.email, NEW_PASSWORD)
        .await
        .expect_problem(401);
    app.me(&tokens.access).await.expect(200);
}
