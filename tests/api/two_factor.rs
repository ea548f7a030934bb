//! Two-factor authentication, told as the members and staff who use it: a member turns it on
//! with her authenticator app and keeps her recovery codes, signs in in two steps, uses a
//! recovery code once, gets new ones and turns it off again with her password; someone who
//! knows her password cannot guess codes; a moderator is asked to enrol before moderating.

use butterfly::auth::model::Role;
use butterfly::db::DbError;
use butterfly::db::schema::{recovery_codes, session_families, two_factor};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::harness::people::{erase_account, member};
use crate::harness::two_factor::{SecondFactor, code_at, current_step};
use crate::harness::{PASSWORD, TestApp, Tokens};

/// The challenge of a password sign-in of an account with two-factor authentication.
#[track_caller]
fn challenge_of(answer: &Value) -> String {
    assert_eq!(answer["status"], "two_factor_required", "{answer}");
    assert!(
        answer.get("access_token").is_none(),
        "no session yet: {answer}"
    );
    assert!(
        answer["expires_in"].as_i64().is_some_and(|s| s > 0),
        "{answer}"
    );
    answer["challenge_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no challenge_token in {answer}"))
        .to_owned()
}

fn codes_of(answer: &Value) -> Vec<String> {
    let codes: Vec<String> = answer["recovery_codes"]
        .as_array()
        .unwrap_or_else(|| panic!("no recovery_codes in {answer}"))
        .iter()
        .map(|c| c.as_str().expect("a code").to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{answer}");
    codes
}

#[actix_web::test]
async fn a_member_turns_on_two_factor_signs_in_with_codes_and_a_recovery_code_then_turns_it_off() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lan").await;
    let status = app
        .get("/api/v1/me/two-factor", mei.token())
        .await
        .expect(200);
    assert_eq!(status["enabled"], false);

    // Mei starts enrolling: her password first (a stolen session is not enough).
    app.post_json_as(
        "/api/v1/me/two-factor",
        &mei.access,
        &json!({"password": "not it"}),
    )
    .await
    .expect_invalid_field("password");
    let enrolment = app
        .post_json_as(
            "/api/v1/me/two-factor",
            &mei.access,
            &json!({"password": PASSWORD}),
        )
        .await
        .expect(200);
    let secret = enrolment["secret"].as_str().expect("a secret").to_owned();
    let uri = enrolment["otpauth_uri"].as_str().expect("an otpauth URI");
    assert!(
        uri.starts_with("otpauth://totp/Butterfly:Mei_Lan?"),
        "{uri}"
    );
    assert!(uri.contains(&secret), "{uri}");
    let status = app
        .get("/api/v1/me/two-factor", mei.token())
        .await
        .expect(200);
    assert_eq!(
        (status["enabled"].clone(), status["pending"].clone()),
        (json!(false), json!(true))
    );
    // Until she confirms, signing in is as before.
    Tokens::from_body(app.login(&mei.email, PASSWORD).await.expect(200));

    // Her app's first code turns it on; the recovery codes are shown this once.
    app.post_json_as(
        "/api/v1/me/two-factor/confirm",
        &mei.access,
        &json!({"code": "000000x"}),
    )
    .await
    .expect_invalid_field("code");
    let first = current_step() - 1;
    let confirmed = app
        .post_json_as(
            "/api/v1/me/two-factor/confirm",
            &mei.access,
            &json!({"code": code_at(&secret, first)}),
        )
        .await
        .expect(200);
    let recovery = codes_of(&confirmed);
    let on = app.wait_for_email(&mei.email).await;
    assert!(
        on.subject().contains("Two-factor authentication is on"),
        "{}",
        on.subject()
    );
    let status = app
        .get("/api/v1/me/two-factor", mei.token())
        .await
        .expect(200);
    assert_eq!(status["enabled"], true);
    assert_eq!(status["recovery_codes_left"], 10);
    assert!(
        !status.to_string().contains(&secret),
        "the secret is never shown again"
    );
    app.post_json_as(
        "/api/v1/me/two-factor",
        &mei.access,
        &json!({"password": PASSWORD}),
    )
    .await
    .expect_problem(409);

    // Signing in is now two steps; the code she confirmed with is not taken a second time.
    let challenge = challenge_of(&app.login(&mei.email, PASSWORD).await.expect(202));
    let replay = SecondFactor::Code(code_at(&secret, first));
    app.complete_sign_in(&challenge, &replay)
        .await
        .expect_problem(401);
    app.complete_sign_in(&challenge, &SecondFactor::Code("12345".into()))
        .await
        .expect_problem(401);
    let next = SecondFactor::Code(code_at(&secret, first + 1));
    let phone = Tokens::from_body(app.complete_sign_in(&challenge, &next).await.expect(200));
    app.me(&phone.access).await.expect(200);
    // A challenge works once.
    let later = SecondFactor::Code(code_at(&secret, first + 2));
    app.complete_sign_in(&challenge, &later)
        .await
        .expect_problem(401);
    // Neither or both of a code and a recovery code is a malformed second step.
    app.post_json(
        "/api/v1/sessions/two-factor",
        &json!({"challenge_token": challenge}),
    )
    .await
    .expect_problem(422);

    // Her phone is lost: a recovery code signs her in once, however she types it.
    let challenge = challenge_of(&app.login(&mei.email, PASSWORD).await.expect(202));
    let typed = recovery[0].to_uppercase().replace('-', " ");
    Tokens::from_body(
        app.complete_sign_in(&challenge, &SecondFactor::Recovery(typed))
            .await
            .expect(200),
    );
    let challenge = challenge_of(&app.login(&mei.email, PASSWORD).await.expect(202));
    app.complete_sign_in(&challenge, &SecondFactor::Recovery(recovery[0].clone()))
        .await
        .expect_problem(401);
    let status = app
        .get("/api/v1/me/two-factor", mei.token())
        .await
        .expect(200);
    assert_eq!(status["recovery_codes_left"], 9);

    // New recovery codes take a fresh code; the old ones stop working.
    app.post_json_as(
        "/api/v1/me/two-factor/recovery-codes",
        &mei.access,
        &json!({"code": code_at(&secret, first + 1)}),
    )
    .await
    .expect_invalid_field("code");
    let renewed = app
        .post_json_as(
            "/api/v1/me/two-factor/recovery-codes",
            &mei.access,
            &json!({"code": code_at(&secret, first + 2)}),
        )
        .await
        .expect(200);
    let renewed = codes_of(&renewed);
    assert!(renewed.iter().all(|c| !recovery.contains(c)));
    app.complete_sign_in(&challenge, &SecondFactor::Recovery(recovery[1].clone()))
        .await
        .expect_problem(401);

    // Her export says two-factor authentication is on, and holds no secret and no code.
    let export = app.get("/api/v1/me/export", mei.token()).await.expect(200);
    assert_eq!(
        export["two_factor"]["enabled"], true,
        "{}",
        export["two_factor"]
    );
    let text = export.to_string();
    assert!(!text.contains(&secret));
    assert!(
        renewed
            .iter()
            .chain(&recovery)
            .all(|c| !text.contains(c.as_str()))
    );

    // Turning it off takes her password; she is told by email; signing in is one step again.
    let off = json!({"password": "not it either"});
    app.send(
        awc::http::Method::DELETE,
        "/api/v1/me/two-factor",
        mei.token(),
        Some(&off),
    )
    .await
    .expect_invalid_field("password");
    let off = json!({"password": PASSWORD});
    app.send(
        awc::http::Method::DELETE,
        "/api/v1/me/two-factor",
        mei.token(),
        Some(&off),
    )
    .await
    .expect(204);
    let mails = app.wait_for_emails(&mei.email, 2).await;
    assert!(
        mails[1]
            .subject()
            .contains("Two-factor authentication is off"),
        "{}",
        mails[1].subject()
    );
    Tokens::from_body(app.login(&mei.email, PASSWORD).await.expect(200));
    app.send(
        awc::http::Method::DELETE,
        "/api/v1/me/two-factor",
        mei.token(),
        Some(&off),
    )
    .await
    .expect_problem(409);
    app.complete_sign_in(&challenge, &SecondFactor::Recovery(renewed[0].clone()))
        .await
        .expect_problem(401);
}

#[actix_web::test]
async fn someone_who_knows_her_password_cannot_guess_her_codes() {
    let app = TestApp::spawn_with(|s| {
        s.login_throttle.per_account_and_client = 4;
        s.login_throttle.alert_after = 4;
    })
    .await;
    let ana = member(&app, "Ana_Guard").await;
    let authenticator = app
        .enrol_two_factor(&ana.email, PASSWORD, &ana.access)
        .await;
    app.wait_for_email(&ana.email).await; // "two-factor authentication is on"

    // The guesser has the password; each wrong code counts as a wrong password, and signing
    // in again with the right password does not start the count over.
    let now = current_step();
    let taken: Vec<String> = (now - 1..=now + 2)
        .map(|step| code_at(&authenticator.secret, step))
        .collect();
    let guess = (100_000..)
        .map(|n: u32| n.to_string())
        .find(|c| !taken.contains(c))
        .expect("a wrong code");
    let wrong = SecondFactor::Code(guess);
    let mut challenge = String::new();
    for _ in 0..2 {
        challenge = challenge_of(&app.login(&ana.email, PASSWORD).await.expect(202));
        for _ in 0..2 {
            app.complete_sign_in(&challenge, &wrong)
                .await
                .expect_problem(401);
        }
    }
    // Four wrong codes from this client: no new challenge, and the open one waits too, even
    // with the right code.
    let refused = app.login(&ana.email, PASSWORD).await;
    refused.expect_problem(429);
    assert!(refused.header_number("retry-after") > 0);
    let right = app.second_factor(&ana.email).await;
    app.complete_sign_in(&challenge, &right)
        .await
        .expect_problem(429);
    // Ana is warned that someone is trying to sign in.
    let mails = app.wait_for_emails(&ana.email, 2).await;
    assert!(
        mails[1].subject().to_lowercase().contains("sign in"),
        "{}",
        mails[1].subject()
    );
}

#[actix_web::test]
async fn a_moderator_without_two_factor_is_asked_to_enrol_before_moderating() {
    let app = TestApp::spawn().await;
    let email = "sun@example.test";
    app.account_with_role(email, "Mod_Sun", Role::Moderator)
        .await;
    // She can sign in, and is told what to do at the first staff action.
    let tokens = app.sign_in(email, PASSWORD).await;
    let refused = app
        .get("/api/v1/moderation/queue", Some(&tokens.access))
        .await
        .expect_problem(403);
    assert_eq!(refused["code"], "two_factor_required", "{refused}");
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("/api/v1/me/two-factor")),
        "{refused}"
    );
    // Her own account still works as a member's does.
    app.me(&tokens.access).await.expect(200);
    // Once she enrols, the same session moderates.
    app.enrol_two_factor(email, PASSWORD, &tokens.access).await;
    app.get("/api/v1/moderation/queue", Some(&tokens.access))
        .await
        .expect(200);
}

#[actix_web::test]
async fn with_the_staff_rule_turned_off_staff_moderate_without_two_factor() {
    let app = TestApp::spawn_with(|s| s.auth.require_2fa_for_staff = false).await;
    let email = "wen@example.test";
    app.account_with_role(email, "Mod_Wen", Role::Moderator)
        .await;
    let tokens = app.sign_in(email, PASSWORD).await;
    app.get("/api/v1/moderation/queue", Some(&tokens.access))
        .await
        .expect(200);
}

/// Rows of a user in a table of two-factor authentication or sessions.
async fn rows_of(app: &TestApp, user_id: i64) -> [i64; 3] {
    app.db()
        .read(move |conn| {
            let count = |r: QueryResult<i64>| r.map_err(DbError::Query);
            Ok::<_, DbError>([
                count(
                    two_factor::table
                        .filter(two_factor::user_id.eq(user_id))
                        .count()
                        .get_result(conn),
                )?,
                count(
                    recovery_codes::table
                        .filter(recovery_codes::user_id.eq(user_id))
                        .count()
                        .get_result(conn),
                )?,
                count(
                    session_families::table
                        .filter(session_families::user_id.eq(user_id))
                        .count()
                        .get_result(conn),
                )?,
            ])
        })
        .await
        .expect("the counts")
}

#[actix_web::test]
async fn her_secret_is_sealed_and_erasing_her_account_forgets_it_her_codes_and_where_she_signed_in()
{
    let app = TestApp::spawn().await;
    let lin = member(&app, "Lin_Leaves").await;
    app.enrol_two_factor(&lin.email, PASSWORD, &lin.access)
        .await;
    assert_eq!(rows_of(&app, lin.id).await, [1, 10, 1]);
    erase_account(
        &app,
        lin.token(),
        &json!({"password": PASSWORD, "content": "remove"}),
    )
    .await
    .expect(204);
    assert_eq!(rows_of(&app, lin.id).await, [0, 0, 0]);
}
