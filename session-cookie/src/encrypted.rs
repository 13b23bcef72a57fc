//! Encrypted cookies: the session dict sealed with XChaCha20-Poly1305, so the client can
//! neither read nor change it.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use serde_json::Value;
use session_core::signing::{Keyring, b64_decode, b64_encode, django_json};
use session_core::{Error, Result};
use sha2::Sha256;

use session_core::codec::django::DjangoDict;

use crate::backend::{CookieBackend, CookieCodec};

/// The format byte every token starts with; any other is refused (fails closed).
pub const FORMAT_VERSION: u8 = 1;
/// The HKDF `info` of the cookie keys: one key per purpose, never the raw `SECRET_KEY`.
const PURPOSE: &[u8] = b"sessions.encrypted_cookies.v1";
const NONCE_BYTES: usize = 24;
const TIMESTAMP_BYTES: usize = 8;

/// Sessions in an encrypted cookie: `b64url(version ‖ nonce ‖ XChaCha20-Poly1305(timestamp ‖
/// JSON))`, the cookie name bound as associated data (a value moved to another cookie does
/// not open), keys derived with HKDF-SHA256 from `SECRET_KEY` and, for opening only, each of
/// `SECRET_KEY_FALLBACKS`.
///
/// ```
/// use session_core::settings::Secret;
/// use session_core::signing::Keyring;
/// use session_cookie::EncryptedCookieBackend;
///
/// let keys = Keyring::new(Secret::new("a-long-random-secret-key-of-fifty-characters-or-more"), Vec::new())?;
/// let backend = EncryptedCookieBackend::encrypted(&keys, "sessionid");
/// # Ok::<(), session_core::Error>(())
/// ```
pub type EncryptedCookieBackend = CookieBackend<Encrypted>;

/// The codec of [`EncryptedCookieBackend`].
#[derive(Clone)]
pub struct Encrypted {
    /// Seals: `SECRET_KEY`'s cipher (a [`Keyring`] always has one).
    current: XChaCha20Poly1305,
    /// Also open: the fallbacks' ciphers.
    fallbacks: Vec<XChaCha20Poly1305>,
    cookie_name: String,
}

impl std::fmt::Debug for Encrypted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encrypted")
            .field("keys", &(1 + self.fallbacks.len()))
            .field("cookie_name", &self.cookie_name)
            .finish()
    }
}

impl Encrypted {
    /// Sealing for the cookie `cookie_name` with `keys`.
    pub fn new(keys: &Keyring, cookie_name: &str) -> Self {
        let cipher = |secret: &session_core::settings::Secret| {
            let mut key = [0u8; 32];
            // 32 bytes is always a valid HKDF-SHA256 output length.
            let _ = Hkdf::<Sha256>::new(None, secret.expose().as_bytes()).expand(PURPOSE, &mut key);
            XChaCha20Poly1305::new(&key.into())
        };
        Self {
            current: cipher(keys.current()),
            fallbacks: keys.keys().skip(1).map(cipher).collect(),
            cookie_name: cookie_name.to_owned(),
        }
    }
}

impl CookieBackend<Encrypted> {
    /// Encrypted cookies named `cookie_name` over `keys`.
    pub fn encrypted(keys: &Keyring, cookie_name: &str) -> Self {
        Self::new(Encrypted::new(keys, cookie_name))
    }
}

impl CookieCodec for Encrypted {
    const NAME: &'static str = "encrypted_cookies";

    fn seal(&self, dict: &DjangoDict<'_>, timestamp: i64) -> Result<String> {
        let cipher = &self.current;
        let mut plaintext = timestamp.to_be_bytes().to_vec();
        plaintext.extend_from_slice(&django_json(dict).map_err(Error::codec)?);
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(Error::randomness)?;
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &plaintext,
                    aad: self.cookie_name.as_bytes(),
                },
            )
            .map_err(|_| Error::codec("encryption failed"))?;
        let mut token = Vec::with_capacity(1 + NONCE_BYTES + sealed.len());
        token.push(FORMAT_VERSION);
        token.extend_from_slice(&nonce);
        token.extend_from_slice(&sealed);
        Ok(b64_encode(&token))
    }

    fn open(
        &self,
        token: &str,
        max_age: i64,
        now: i64,
    ) -> std::result::Result<(Value, i64), session_core::BoxError> {
        let bytes = b64_decode(token).ok_or("not base64")?;
        let (&version, rest) = bytes.split_first().ok_or("empty")?;
        if version != FORMAT_VERSION {
            return Err(format!("unknown format version {version}").into());
        }
        if rest.len() < NONCE_BYTES {
            return Err("truncated".into());
        }
        let (nonce, sealed) = rest.split_at(NONCE_BYTES);
        let aad = self.cookie_name.as_bytes();
        let plaintext = std::iter::once(&self.current)
            .chain(&self.fallbacks)
            .find_map(|cipher| {
                let payload = Payload { msg: sealed, aad };
                cipher.decrypt(XNonce::from_slice(nonce), payload).ok()
            })
            .ok_or("opens with no key (tampered, another cookie's, or a retired key)")?;
        if plaintext.len() < TIMESTAMP_BYTES {
            return Err("no timestamp".into());
        }
        let (stamp, json) = plaintext.split_at(TIMESTAMP_BYTES);
        let mut be = [0u8; TIMESTAMP_BYTES];
        be.copy_from_slice(stamp);
        let timestamp = i64::from_be_bytes(be);
        let age = now.saturating_sub(timestamp);
        if age > max_age {
            return Err(format!("sealed {age} s ago, over the maximum of {max_age} s").into());
        }
        Ok((serde_json::from_slice(json)?, timestamp))
    }
}
