//! `django.core.signing`, byte for byte: what Django's signed cookies and its `session_data`
//! are made of.
//!
//! A signed object is `["."] b64(json or zlib(json)) ":" b62(timestamp) ":" b64(HMAC-SHA256)`,
//! the HMAC keyed with `sha256(salt + "signer" + SECRET_KEY)`. Signing always uses the current
//! key; verification tries it, then each fallback key (`SECRET_KEY_FALLBACKS`), comparing in
//! constant time.
//!
//! ```
//! use session_core::signing::{Keyring, Signer};
//! use session_core::settings::Secret;
//! use serde_json::json;
//!
//! let keys = Keyring::new(Secret::new("rust-interop-test-secret-key-0123456789"), Vec::new())?;
//! let signer = Signer::new(&keys, "django.core.signing");
//! // Django's own output for `signing.dumps({"foo": "bar"})` at time 1700000000.
//! let token = signer.dumps(&json!({"foo": "bar"}), false, 1_700_000_000)?;
//! assert_eq!(token, "eyJmb28iOiJiYXIifQ:1r31eq:N2TTKXfL_ZZbxyo7LEVmk-KNMxEB8cpa4vX1oDllSZg");
//! let loaded = signer.loads(&token, Some(60), 1_700_000_030).map_err(session_core::Error::codec)?;
//! assert_eq!(loaded.value, json!({"foo": "bar"}));
//! assert!(signer.loads(&token, Some(60), 1_700_000_061).is_err()); // older than max_age
//! # Ok::<(), session_core::Error>(())
//! ```

mod compression;
mod encoding;
mod zlib;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;

pub use compression::Compression;
pub use encoding::{b62_decode, b62_encode, b64_decode, b64_encode, django_json};

use crate::secret::Secret;
use crate::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// Decompressed payloads larger than this are refused (the payload is signed, so only a holder
/// of the key could make a zip bomb; the bound is defence in depth).
pub const MAX_DECOMPRESSED_BYTES: usize = 16 * 1024 * 1024;

/// A `SECRET_KEY` shorter than this is logged as weak (Django's own check, `security.W009`).
pub const MIN_SECRET_KEY_LENGTH: usize = 50;

/// `SECRET_KEY` and `SECRET_KEY_FALLBACKS`: the key that signs, and the older ones that still
/// verify during a rotation. `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct Keyring {
    current: Secret,
    fallbacks: Vec<Secret>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .field("fallbacks", &self.fallbacks.len())
            .finish()
    }
}

impl Keyring {
    /// A keyring signing with `current` and also verifying with each of `fallbacks`, in order.
    ///
    /// # Errors
    /// [`Error::Config`] naming `SECRET_KEY` when `current` is empty. A key shorter than
    /// [`MIN_SECRET_KEY_LENGTH`] is accepted with a warning.
    pub fn new(current: Secret, fallbacks: Vec<Secret>) -> Result<Self> {
        if current.is_empty() {
            return Err(Error::config(
                "SECRET_KEY",
                "must be set: it signs the session data",
            ));
        }
        if current.expose().chars().count() < MIN_SECRET_KEY_LENGTH {
            tracing::warn!(
                length = current.expose().chars().count(),
                minimum = MIN_SECRET_KEY_LENGTH,
                "SECRET_KEY is short; use at least 50 random characters"
            );
        }
        Ok(Self {
            current,
            fallbacks: fallbacks
                .into_iter()
                .filter(|key| !key.is_empty())
                .collect(),
        })
    }

    /// The key that signs (`SECRET_KEY`).
    pub fn current(&self) -> &Secret {
        &self.current
    }

    /// The keys that verify, the signing one first.
    pub fn keys(&self) -> impl Iterator<Item = &Secret> {
        std::iter::once(&self.current).chain(&self.fallbacks)
    }
}

/// Why a signed value was refused. Every variant means "not ours, or no longer valid": the
/// caller treats the value as absent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// No `:` separator, or no timestamp before the signature.
    #[error("not a signed value: {0}")]
    Malformed(&'static str),
    /// The signature matches none of the keys (tampered, or signed with a retired key).
    #[error("the signature matches no key")]
    BadSignature,
    /// Signed longer ago than the maximum age.
    #[error("the signature is {age} s old, over the maximum of {max_age} s")]
    Expired {
        /// Seconds since signing.
        age: i64,
        /// The maximum age, seconds.
        max_age: i64,
    },
    /// Signed, but the payload does not decode (base64, zlib or JSON).
    #[error("the signed payload does not decode")]
    Payload {
        /// The decoder's error.
        #[source]
        source: crate::BoxError,
    },
}

/// A signed value's content and when it was signed.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The JSON value.
    pub value: Value,
    /// The signing time, seconds since the Unix epoch.
    pub timestamp: i64,
}

/// Django's `TimestampSigner` with one salt over a [`Keyring`], its HMAC keys derived once.
#[derive(Clone)]
pub struct Signer {
    macs: Vec<HmacSha256>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("keys", &self.macs.len())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// The signer of `salt` (e.g. `django.contrib.sessions.backends.signed_cookies`) over
    /// `keys`.
    pub fn new(keys: &Keyring, salt: &str) -> Self {
        Self {
            macs: keys.keys().map(|key| derived_mac(salt, key)).collect(),
        }
    }

    /// `value + ":" + signature(value)` (Django's `Signer.sign`).
    pub fn sign(&self, value: &str) -> String {
        let mut out = String::with_capacity(value.len() + 1 + SIGNATURE_CHARS);
        out.push_str(value);
        self.sign_in_place(&mut out);
        out
    }

    /// Appends `":" + signature(value)` to `value`.
    fn sign_in_place(&self, value: &mut String) {
        let mut mac = self.macs[0].clone();
        mac.update(value.as_bytes());
        let signature = mac.finalize().into_bytes();
        value.push(':');
        encoding::b64_encode_into(&signature, value);
    }

    /// The value of `signed` when its signature (after the last `:`) is right for one of the
    /// keys (Django's `Signer.unsign`).
    ///
    /// # Errors
    /// [`SignatureError::Malformed`] without a `:`; [`SignatureError::BadSignature`] otherwise.
    pub fn unsign<'a>(&self, signed: &'a str) -> Result<&'a str, SignatureError> {
        let (value, signature) = signed
            .rsplit_once(':')
            .ok_or(SignatureError::Malformed("no \":\" found"))?;
        // Decoded on the stack: a signature is 43 characters, anything longer is none of ours.
        let mut decoded = [0u8; 33];
        let signature = (signature.len() <= SIGNATURE_CHARS + 1)
            .then(|| encoding::b64_decode_into(signature, &mut decoded))
            .flatten()
            .ok_or(SignatureError::BadSignature)?;
        for mac in &self.macs {
            let mut mac = mac.clone();
            mac.update(value.as_bytes());
            // Constant-time comparison (`subtle`).
            if mac.verify_slice(signature).is_ok() {
                return Ok(value);
            }
        }
        Err(SignatureError::BadSignature)
    }

    /// Django's `signing.dumps(value, compress=…)` signed at `timestamp` (seconds since the
    /// epoch). `compress` is Django's flag or a [`Compression`]; when zlib is tried, it is used
    /// only if it saves more than one byte, as Django does.
    ///
    /// # Errors
    /// [`Error::Codec`] if `value` cannot be serialized or compressed.
    pub fn dumps<T: serde::Serialize + ?Sized>(
        &self,
        value: &T,
        compress: impl Into<Compression>,
        timestamp: i64,
    ) -> Result<String> {
        let json = django_json(value).map_err(Error::codec)?;
        // base64 of the JSON, the timestamp, the signature and their separators.
        let mut payload = String::with_capacity(json.len() * 4 / 3 + 20 + SIGNATURE_CHARS);
        match compress
            .into()
            .applies_to(json.len())
            .then(|| zlib::compress_if_it_pays(&json))
            .transpose()?
        {
            Some(Some(zipped)) => {
                payload.push('.');
                encoding::b64_encode_into(&zipped, &mut payload);
            }
            _ => encoding::b64_encode_into(&json, &mut payload),
        }
        payload.push(':');
        encoding::b62_encode_into(timestamp, &mut payload);
        self.sign_in_place(&mut payload);
        Ok(payload)
    }

    /// Django's `signing.loads(signed, max_age=…)` at `now` (seconds since the epoch): a value
    /// signed more than `max_age` seconds before `now` is refused.
    ///
    /// # Errors
    /// A [`SignatureError`] for anything that is not a valid, unexpired value of these keys.
    pub fn loads(
        &self,
        signed: &str,
        max_age: Option<i64>,
        now: i64,
    ) -> Result<Loaded, SignatureError> {
        let value = self.unsign(signed)?;
        let (payload, timestamp) = value
            .rsplit_once(':')
            .ok_or(SignatureError::Malformed("no timestamp"))?;
        let timestamp = b62_decode(timestamp).ok_or(SignatureError::Malformed("bad timestamp"))?;
        if let Some(max_age) = max_age {
            let age = now.saturating_sub(timestamp);
            if age > max_age {
                return Err(SignatureError::Expired { age, max_age });
            }
        }
        let value = decode_payload(payload).map_err(|source| SignatureError::Payload { source })?;
        Ok(Loaded { value, timestamp })
    }
}

/// The length of a signature in base64: 32 bytes of HMAC-SHA256.
const SIGNATURE_CHARS: usize = 43;

/// HMAC-SHA256 keyed with `sha256(salt + "signer" + secret)`: Django's `salted_hmac(salt +
/// "signer", …, secret, algorithm="sha256")`.
fn derived_mac(salt: &str, secret: &Secret) -> HmacSha256 {
    salted_mac(&[salt.as_bytes(), b"signer"], secret)
}

/// Django's `salted_hmac(key_salt, value, secret, algorithm="sha256").digest()`: HMAC-SHA256
/// of `value` keyed with `sha256(key_salt + secret)`.
///
/// ```
/// use session_core::settings::Secret;
/// use session_core::signing::salted_hmac_sha256;
///
/// // Django's session auth hash of the user of reference Appendix A.
/// let hash = salted_hmac_sha256(
///     "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
///     b"pbkdf2_sha256$1000000$fixedsalt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
///     &Secret::new("rust-interop-test-secret-key-0123456789"),
/// );
/// let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
/// assert_eq!(hex, "460e5dae0b983677a5caf5263a7fff859c58724f1c102fd8dfe547bd60c1ce05");
/// ```
pub fn salted_hmac_sha256(key_salt: &str, value: &[u8], secret: &Secret) -> [u8; 32] {
    let mut mac = salted_mac(&[key_salt.as_bytes()], secret);
    mac.update(value);
    mac.finalize().into_bytes().into()
}

fn salted_mac(key_salt: &[&[u8]], secret: &Secret) -> HmacSha256 {
    let mut hasher = Sha256::new();
    for part in key_salt {
        hasher.update(part);
    }
    let key = hasher.chain_update(secret.expose().as_bytes()).finalize();
    // HMAC pads a key shorter than the hash's 64-byte block with zeros: padding it here is the
    // same key, and makes construction infallible.
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(&key);
    <HmacSha256 as hmac::digest::KeyInit>::new(&block.into())
}

fn decode_payload(payload: &str) -> std::result::Result<Value, crate::BoxError> {
    let (compressed, b64) = match payload.strip_prefix('.') {
        Some(rest) => (true, rest),
        None => (false, payload),
    };
    let bytes = b64_decode(b64).ok_or("bad base64")?;
    let json = if compressed {
        zlib::decompress(&bytes, MAX_DECOMPRESSED_BYTES)?
    } else {
        bytes
    };
    Ok(serde_json::from_slice(&json)?)
}

#[cfg(test)]
mod tests;
