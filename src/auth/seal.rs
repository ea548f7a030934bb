//! Small secrets sealed at rest (two-factor secrets): XChaCha20-Poly1305 with a random 192-bit
//! nonce per value, under a key of the server's (`auth.two_factor_key`, or one generated once
//! into `{data_dir}/two_factor.key`, mode 0600). A stolen database alone holds no usable
//! secret; a value altered or sealed under another key does not open.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::auth::token::generated_secret;
use crate::config::{ConfigError, Secret};

/// The version tag in front of every sealed value, so that the format can change later.
const TAG: &str = "v1.";
const NONCE_LEN: usize = 24;

/// The key that seals and opens.
pub struct SealKey {
    cipher: XChaCha20Poly1305,
}

impl SealKey {
    /// The configured key, or the one generated once into `{data_dir}/two_factor.key`.
    pub fn load(configured: Option<&Secret>, data_dir: &Path) -> Result<Self, ConfigError> {
        let secret = match configured {
            Some(secret) if secret.expose().len() < 32 => {
                return Err(ConfigError(
                    "the two-factor key must be at least 32 characters long".into(),
                ));
            }
            Some(secret) => secret.clone(),
            None => generated_secret(data_dir, "two_factor.key", "two-factor key")?,
        };
        Ok(Self::from_text(secret.expose()))
    }

    /// A key derived from any text of 32 characters or more (SHA-256 of it).
    fn from_text(text: &str) -> Self {
        let key: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        Self {
            cipher: XChaCha20Poly1305::new(&Key::from(key)),
        }
    }

    /// Seals `plain`: `v1.` and the URL-safe base64 of the nonce and the ciphertext.
    pub fn seal(&self, plain: &str) -> Result<String, String> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), plain.as_bytes())
            .map_err(|e| format!("sealing failed: {e}"))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!("{TAG}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Opens a value [`SealKey::seal`] made with this key; `None` for anything else.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed.strip_prefix(TAG)?).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, body) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        let plain = self.cipher.decrypt(&XNonce::from(nonce), body).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_with_its_key_only_and_never_shows_the_plain_text() {
        let key = SealKey::from_text("a key of at least thirty-two characters");
        let sealed = key.seal("JBSWY3DPEHPK3PXP").unwrap();
        assert!(sealed.starts_with("v1.") && !sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(
            sealed,
            key.seal("JBSWY3DPEHPK3PXP").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed).as_deref(), Some("JBSWY3DPEHPK3PXP"));
        let other = SealKey::from_text("another key, also thirty-two characters");
        assert_eq!(other.open(&sealed), None);
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(key.open(&altered), None);
        assert_eq!(key.open("JBSWY3DPEHPK3PXP"), None);
        assert_eq!(key.open("v1."), None);
    }

    #[test]
    fn a_short_configured_key_is_refused_and_a_missing_one_is_generated_once() {
        let dir = tempfile::tempdir().unwrap();
        assert!(SealKey::load(Some(&Secret::new("short")), dir.path()).is_err());
        let first = SealKey::load(None, dir.path()).unwrap();
        let again = SealKey::load(None, dir.path()).unwrap();
        let sealed = first.seal("secret").unwrap();
        assert_eq!(again.open(&sealed).as_deref(), Some("secret"));
    }
}
