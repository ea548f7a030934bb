//! Two-factor authentication as a member's authenticator app does it: the harness keeps the
//! secret and recovery codes of every account it enrolled, hands out a code of a time step not
//! used yet (the server accepts each step once, and the one before and after the current one),
//! a recovery code when none is left, and completes the second step of a sign-in with them.
//! Staff accounts are enrolled when they are made ([`TestApp::member_with_role`]), so the
//! default that staff need two-factor authentication is exercised by every story.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, TOTP};

use super::{Reply, TestApp};

/// The authenticator app and the sheet of recovery codes of each enrolled account, by email.
pub type Authenticators = Arc<Mutex<HashMap<String, Authenticator>>>;

/// One account's authenticator app and recovery codes.
#[derive(Clone, Debug)]
pub struct Authenticator {
    pub secret: String,
    pub recovery_codes: Vec<String>,
    /// The last time step a code was handed out for.
    last_step: i64,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The code of `secret` at time step `step` (30 s, six digits, SHA-1).
pub fn code_at(secret: &str, step: i64) -> String {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("a base32 secret");
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new())
        .generate((step * 30) as u64)
}

/// The current time step.
pub fn current_step() -> i64 {
    now_secs() / 30
}

/// What completes a second step.
pub enum SecondFactor {
    Code(String),
    Recovery(String),
}

impl SecondFactor {
    pub fn body(&self, challenge: &str) -> Value {
        match self {
            Self::Code(code) => json!({"challenge_token": challenge, "code": code}),
            Self::Recovery(code) => json!({"challenge_token": challenge, "recovery_code": code}),
        }
    }
}

impl Authenticator {
    pub fn new(secret: &str, recovery_codes: Vec<String>, last_step: i64) -> Self {
        Self {
            secret: secret.to_owned(),
            recovery_codes,
            last_step,
        }
    }

    /// A code of a step after the last one used, if the server's window still has one.
    fn fresh_code(&mut self) -> Option<String> {
        let now = current_step();
        let step = (self.last_step + 1).max(now - 1);
        (step <= now + 1).then(|| {
            self.last_step = step;
            code_at(&self.secret, step)
        })
    }
}

impl TestApp {
    /// Remembers `email`'s authenticator (after an enrolment a story made itself).
    pub fn remember_authenticator(&self, email: &str, authenticator: Authenticator) {
        self.authenticators
            .lock()
            .expect("the authenticators")
            .insert(email.to_lowercase(), authenticator);
    }

    /// The authenticator of `email`, if the harness enrolled it.
    pub fn authenticator(&self, email: &str) -> Option<Authenticator> {
        self.authenticators
            .lock()
            .expect("the authenticators")
            .get(&email.to_lowercase())
            .cloned()
    }

    /// A second factor for `email` that the server has not seen yet: a code of an unused time
    /// step, else a recovery code, else (after waiting for the next step) a code.
    pub async fn second_factor(&self, email: &str) -> SecondFactor {
        loop {
            {
                let mut all = self.authenticators.lock().expect("the authenticators");
                let app = all.get_mut(&email.to_lowercase()).unwrap_or_else(|| {
                    panic!(
                        "{email} has two-factor authentication on, but the harness did not enrol it"
                    )
                });
                if let Some(code) = app.fresh_code() {
                    return SecondFactor::Code(code);
                }
                if let Some(code) = app.recovery_codes.pop() {
                    return SecondFactor::Recovery(code);
                }
            }
            actix_web::rt::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// `POST /api/v1/sessions/two-factor`.
    pub async fn complete_sign_in(&self, challenge: &str, factor: &SecondFactor) -> Reply {
        self.post_json("/api/v1/sessions/two-factor", &factor.body(challenge))
            .await
    }

    /// Confirms an enrolment with the code of `step`.
    async fn confirm_two_factor(&self, access: &str, secret: &str, step: i64) -> Reply {
        self.post_json_as(
            "/api/v1/me/two-factor/confirm",
            access,
            &json!({"code": code_at(secret, step)}),
        )
        .await
    }

    /// Turns two-factor authentication on for the signed-in `email` (enrolment with the
    /// password, then a first code), and remembers the authenticator.
    pub async fn enrol_two_factor(
        &self,
        email: &str,
        password: &str,
        access: &str,
    ) -> Authenticator {
        let enrolment = self
            .post_json_as(
                "/api/v1/me/two-factor",
                access,
                &json!({"password": password}),
            )
            .await
            .expect(200);
        let secret = enrolment["secret"].as_str().expect("a secret").to_owned();
        // The step before the current one leaves the current and the next fresh for sign-ins;
        // should the clock pass to another step before the server checks it (the server takes
        // the step before its own and the one after), it is tried once more with the new one.
        let mut step = current_step() - 1;
        let mut confirmed = self.confirm_two_factor(access, &secret, step).await;
        if confirmed.status == 422 && current_step() - 1 != step {
            step = current_step() - 1;
            confirmed = self.confirm_two_factor(access, &secret, step).await;
        }
        let confirmed = confirmed.expect(200);
        let codes = confirmed["recovery_codes"]
            .as_array()
            .expect("recovery codes")
            .iter()
            .map(|c| c.as_str().expect("a code").to_owned())
            .collect();
        let authenticator = Authenticator::new(&secret, codes, step);
        self.remember_authenticator(email, authenticator.clone());
        authenticator
    }
}
