//! Access tokens (JWT, HS256, `kid` header, several verification keys for rotation) and the
//! random one-time secrets behind refresh, verification and reset tokens (stored hashed).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::model::Role;
use crate::config::{ConfigError, JwtSettings, Secret};

/// Claims of an access token. All but `nbf` are required on decode, each of its own JSON type
/// (`exp`, `iat` and `nbf` whole numbers of seconds; an `aud` list is refused, as is anything
/// else of the wrong type).
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string (RFC 7519).
    pub sub: String,
    /// The session row the token belongs to.
    pub sid: i64,
    pub role: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// Not valid before; never written by this server, checked when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

/// The `typ` header of every access token (RFC 7519 §5.1).
const TYP: &str = "JWT";

/// Signing key and every key that may verify.
pub struct TokenKeys {
    kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    pub access_ttl_secs: i64,
    /// The key the counters shared on PostgreSQL are hashed under: derived from the signing
    /// secret, which every instance behind one load balancer holds already.
    counter_key: [u8; 32],
}

/// Why an access token was refused (logged at debug, never sent).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token header unreadable or unknown key id")]
    UnknownKey,
    #[error("token header `typ` is not JWT, or it names critical extensions")]
    WrongType,
    #[error("token invalid: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
}

impl TokenKeys {
    /// Builds the keys from settings; without a configured secret, one is generated once into
    /// `{data_dir}/jwt.key` (mode 0600) and read from there afterwards.
    pub fn load(settings: &JwtSettings, data_dir: &Path) -> Result<Self, ConfigError> {
        let secret = match &settings.secret {
            Some(secret) if secret.expose().len() < 32 => {
                return Err(ConfigError(
                    "the JWT secret must be at least 32 characters long".into(),
                ));
            }
            Some(secret) => secret.clone(),
            None => generated_secret(data_dir, "jwt.key", "signing key")?,
        };
        let mut verifying = HashMap::new();
        verifying.insert(
            settings.kid.clone(),
            DecodingKey::from_secret(secret.expose().as_bytes()),
        );
        for key in &settings.previous_keys {
            verifying.insert(
                key.kid.clone(),
                DecodingKey::from_secret(key.secret.expose().as_bytes()),
            );
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[&settings.audience]);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_required_spec_claims(&["sub", "exp", "iss", "aud"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        Ok(Self {
            kid: settings.kid.clone(),
            signing: EncodingKey::from_secret(secret.expose().as_bytes()),
            verifying,
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl_secs: settings.access_ttl_secs,
            counter_key: derive_key(secret.expose().as_bytes(), b"butterfly rate-limit counters"),
        })
    }

    /// The key the rate-limit counters shared between instances are hashed under.
    pub fn counter_key(&self) -> [u8; 32] {
        self.counter_key
    }

    /// Signs an access token for a session.
    pub fn issue(&self, user_id: i64, session_id: i64, role: Role) -> Result<String, TokenError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session_id,
            role: role.as_str().to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.access_ttl_secs,
            nbf: None,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(TYP.to_owned());
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &self.signing)?)
    }

    /// Verifies the `typ` header (and that no `crit` one is there), the signature (with the key named by `kid`), algorithm,
    /// issuer, audience, expiry and, when present, `nbf`; `iat` and `sid` must be there too.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::UnknownKey)?;
        // No extension is understood here, so a token that makes one critical is refused
        // (RFC 7515 §4.1.11).
        if header.crit.is_some()
            || !header
                .typ
                .as_deref()
                .is_some_and(|typ| typ.eq_ignore_ascii_case(TYP))
        {
            return Err(TokenError::WrongType);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifying.get(kid))
            .ok_or(TokenError::UnknownKey)?;
        Ok(jsonwebtoken::decode::<Claims>(token, key, &self.validation)?.claims)
    }
}

/// HMAC-SHA256 of `label` under `secret`: a key for another purpose than signing, which
/// tells nothing of the secret.
fn derive_key(secret: &[u8], label: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

/// The secret kept in `{data_dir}/{file}` (`what` names it in errors), generated there once
/// (mode 0600) when the file does not exist yet.
pub(crate) fn generated_secret(
    data_dir: &Path,
    file: &str,
    what: &str,
) -> Result<Secret, ConfigError> {
    let path = data_dir.join(file);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(Secret::new(existing));
        }
        return Err(ConfigError(format!(
            "the {what} file {} is too short; delete it to generate a new one",
            path.display()
        )));
    }
    std::fs::create_dir_all(data_dir).map_err(|e| {
        ConfigError(format!(
            "the data folder {} cannot be created: {e}",
            data_dir.display()
        ))
    })?;
    let secret = random_token();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(|e| {
        ConfigError(format!(
            "the {what} file {} cannot be written: {e}",
            path.display()
        ))
    })?;
    file.write_all(secret.as_bytes()).map_err(|e| {
        ConfigError(format!(
            "the {what} file {} cannot be written: {e}",
            path.display()
        ))
    })?;
    Ok(Secret::new(secret))
}

/// 256 random bits, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a one-time secret: SHA-256, hex. The secret itself is never stored.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
