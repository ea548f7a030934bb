//! The arithmetic of two-factor authentication: TOTP secrets and codes (RFC 6238: SHA-1, six
//! digits, 30-second steps, with the `totp-rs` crate), which time step a code belongs to (so a
//! code is never accepted twice), and recovery codes.

use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::http::error::ApiError;

/// Seconds per time step.
const STEP_SECS: u64 = 30;
/// Digits per code.
const DIGITS: usize = 6;
/// Steps accepted on either side of the current one, for clocks a little off.
const SKEW: i64 = 1;
/// The issuer authenticator apps show beside the account.
const ISSUER: &str = "Butterfly";
/// Recovery codes handed out at a time.
pub const RECOVERY_CODES: usize = 10;

/// A new random secret (160 bits, as RFC 4226 recommends), base32 as apps take it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => String::new(),
    }
}

fn totp(secret: &str, account: &str) -> Result<TOTP, ApiError> {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|e| ApiError::Internal(format!("a stored TOTP secret is not base32: {e}")))?;
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        SKEW as u8,
        STEP_SECS,
        bytes,
        Some(ISSUER.into()),
        account.replace(':', "_"),
    )
    .map_err(|e| ApiError::Internal(format!("TOTP set-up: {e}")))
}

/// The `otpauth://totp/…` address an authenticator app reads (usually from a QR code).
pub fn otpauth_uri(secret: &str, account: &str) -> Result<String, ApiError> {
    Ok(totp(secret, account)?.get_url())
}

/// The time step `unix_secs` falls in.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS as i64)
}

/// The time step whose code `code` is, among the current one and its neighbours; `None` for a
/// wrong code. Every candidate is compared, in constant time.
pub fn matching_step(secret: &str, code: &str, unix_secs: i64) -> Result<Option<i64>, ApiError> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret, "")?;
    let now = step_at(unix_secs);
    let mut found = None;
    for step in now - SKEW..=now + SKEW {
        let Ok(time) = u64::try_from(step * STEP_SECS as i64) else {
            continue;
        };
        if same(totp.generate(time).as_bytes(), code.as_bytes()) {
            found = Some(step);
        }
    }
    Ok(found)
}

/// Compares two byte strings in time that depends on their lengths only.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new recovery code: 80 random bits, written `xxxx-xxxx-xxxx-xxxx` (lower-case base32).
pub fn new_recovery_code() -> String {
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    let text = match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(text) => text.to_lowercase(),
        Secret::Raw(_) => String::new(),
    };
    text.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A recovery code as it is hashed: without spaces or dashes, lower case (so it may be typed
/// either way).
pub fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only() {
        let secret = new_secret();
        let t = totp(&secret, "Ana_L").unwrap();
        let now = 1_800_000_000;
        let code = t.generate(now as u64);
        assert_eq!(
            matching_step(&secret, &code, now).unwrap(),
            Some(step_at(now))
        );
        assert_eq!(
            matching_step(&secret, &code, now + 30).unwrap(),
            Some(step_at(now)),
            "a code of the step before is still taken"
        );
        assert_eq!(matching_step(&secret, &code, now + 90).unwrap(), None);
        assert_eq!(matching_step(&secret, "12345", now).unwrap(), None);
        assert_eq!(matching_step(&secret, "abcdef", now).unwrap(), None);
    }

    #[test]
    fn the_enrolment_address_names_the_issuer_and_the_account() {
        let uri = otpauth_uri(&new_secret(), "Ana_L").unwrap();
        assert!(uri.starts_with("otpauth://totp/Butterfly:Ana_L?"), "{uri}");
        assert!(uri.contains("issuer=Butterfly"), "{uri}");
    }

    #[test]
    fn recovery_codes_are_long_and_forgiving_to_type() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 19, "{code}");
        assert_ne!(code, new_recovery_code());
        assert_eq!(
            normalise_recovery_code(&code.to_uppercase().replace('-', " ")),
            code.replace('-', "")
        );
    }
}
