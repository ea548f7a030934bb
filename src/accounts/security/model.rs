//! The request and response bodies of one's sessions and of two-factor authentication.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One of the member's open sessions (a sign-in and the refreshes that followed it).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 12, "client": "Firefox on Linux", "network": "203.0.113.0/24",
    "created_at": "2026-12-01T08:00:00Z", "last_used_at": "2026-12-09T10:15:00Z", "current": true}))]
pub struct SessionView {
    /// Stable for the life of the session, whatever its refreshes; `DELETE` it to revoke it.
    pub id: i64,
    /// A short name of the client it signed in from, read from its `User-Agent`.
    pub client: String,
    /// The coarse place it signed in from: the network of its address (an IPv4 /24, an IPv6
    /// /48), never the address itself; `null` when unknown.
    pub network: Option<String>,
    /// When it signed in.
    pub created_at: DateTime<Utc>,
    /// When its tokens were last refreshed (or it signed in).
    pub last_used_at: DateTime<Utc>,
    /// Whether this is the session of the access token that asks.
    pub current: bool,
}

/// `?limit=&cursor=` of the session list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    /// 1–100, default 20.
    pub limit: Option<i64>,
    /// `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// Whether two-factor authentication is on.
#[derive(Debug, Serialize, ToSchema)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    /// When it was turned on.
    pub enabled_at: Option<DateTime<Utc>>,
    /// An enrolment was started and waits for its first code.
    pub pending: bool,
    /// Recovery codes not used yet.
    pub recovery_codes_left: i64,
}

/// A password, to prove it is the owner asking.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordRequest {
    pub password: String,
}

/// The secret of an enrolment, shown once: add it to an authenticator app, then confirm.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "otpauth_uri": "otpauth://totp/Butterfly:Ana_L?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Butterfly"}))]
pub struct Enrolment {
    /// Base32, for typing into an app.
    pub secret: String,
    /// `otpauth://totp/…`, for a QR code.
    pub otpauth_uri: String,
}

/// A code from the authenticator app.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"code": "492039"}))]
pub struct CodeRequest {
    /// Six digits.
    pub code: String,
}

/// Recovery codes, shown once: each signs in once instead of a code.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// The answer to a right password for an account with two-factor authentication: no session
/// yet, a challenge to complete with a code at `POST /api/v1/sessions/two-factor`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "two_factor_required", "challenge_token": "m2Xr…", "expires_in": 300}))]
pub struct TwoFactorChallenge {
    /// Always `two_factor_required`.
    pub status: &'static str,
    pub challenge_token: String,
    /// Seconds the challenge stays valid.
    pub expires_in: i64,
}

/// The second step of signing in: the challenge and either a code or a recovery code.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"challenge_token": "m2Xr…", "code": "492039"}))]
pub struct SecondStepRequest {
    pub challenge_token: String,
    /// Six digits from the authenticator app.
    pub code: Option<String>,
    /// One of the recovery codes, instead of a code (each works once).
    pub recovery_code: Option<String>,
}
