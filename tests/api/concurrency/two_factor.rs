//! The second step of signing in fired together: one code or one recovery code sent with two
//! challenges at the same moment signs in once. (The codes are single use by one conditional
//! `UPDATE` each, which holds under PostgreSQL's READ COMMITTED.)

use butterfly::auth::model::Role;

use super::{ROUNDS, statuses, together};
use crate::harness::people::with_role;
use crate::harness::two_factor::SecondFactor;
use crate::harness::{PASSWORD, TestApp};

/// Two challenges of `email`'s, from two password sign-ins.
async fn two_challenges(app: &TestApp, email: &str) -> [String; 2] {
    let mut out = [String::new(), String::new()];
    for slot in &mut out {
        let answer = app.login(email, PASSWORD).await.expect(202);
        *slot = answer["challenge_token"]
            .as_str()
            .expect("a challenge")
            .to_owned();
    }
    out
}

fn spawn_without_throttle() -> impl std::future::Future<Output = TestApp> {
    // The loser of each race is a wrong code; many rounds must not lock the account.
    TestApp::spawn_with(|s| {
        s.login_throttle.per_account_and_client = 1000;
        s.login_throttle.per_account = 1000;
        s.login_throttle.alert_after = 0;
    })
}

#[actix_web::test]
async fn one_recovery_code_sent_twice_at_once_signs_in_once() {
    let app = spawn_without_throttle().await;
    let ana = with_role(&app, "Ana_Race", Role::Member).await;
    let authenticator = app
        .enrol_two_factor(&ana.email, PASSWORD, &ana.access)
        .await;
    for (round, code) in authenticator.recovery_codes.iter().take(ROUNDS).enumerate() {
        let [first, second] = two_challenges(&app, &ana.email).await;
        let factor = SecondFactor::Recovery(code.clone());
        let answers = together(vec![
            app.complete_sign_in(&first, &factor),
            app.complete_sign_in(&second, &factor),
        ])
        .await;
        assert_eq!(statuses(&answers), [200, 401], "round {round}: {answers:?}");
    }
}

#[actix_web::test]
async fn one_code_sent_twice_at_once_signs_in_once() {
    let app = spawn_without_throttle().await;
    let mei = with_role(&app, "Mei_Race", Role::Member).await;
    app.enrol_two_factor(&mei.email, PASSWORD, &mei.access)
        .await;
    // The enrolment used the step before the current one; the current one and the next are
    // fresh: two rounds.
    for round in 0..2 {
        let [first, second] = two_challenges(&app, &mei.email).await;
        let SecondFactor::Code(code) = app.second_factor(&mei.email).await else {
            panic!("round {round}: no fresh code left");
        };
        let factor = SecondFactor::Code(code);
        let answers = together(vec![
            app.complete_sign_in(&first, &factor),
            app.complete_sign_in(&second, &factor),
        ])
        .await;
        assert_eq!(statuses(&answers), [200, 401], "round {round}: {answers:?}");
    }
}

#[actix_web::test]
async fn one_challenge_completed_twice_at_once_opens_one_session() {
    let app = spawn_without_throttle().await;
    let lin = with_role(&app, "Lin_Race", Role::Member).await;
    let authenticator = app
        .enrol_two_factor(&lin.email, PASSWORD, &lin.access)
        .await;
    for round in 0..4 {
        let [challenge, _] = two_challenges(&app, &lin.email).await;
        let codes = &authenticator.recovery_codes[2 * round..2 * round + 2];
        let answers = together(vec![
            app.complete_sign_in(&challenge, &SecondFactor::Recovery(codes[0].clone())),
            app.complete_sign_in(&challenge, &SecondFactor::Recovery(codes[1].clone())),
        ])
        .await;
        assert_eq!(statuses(&answers), [200, 401], "round {round}: {answers:?}");
    }
    // The loser's recovery code was given back: all ten still count but four.
    let status = app
        .get("/api/v1/me/two-factor", lin.token())
        .await
        .expect(200);
    assert_eq!(status["recovery_codes_left"], 6, "{status}");
}
