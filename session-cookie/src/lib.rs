//! # session-cookie
//!
//! Sessions kept in the cookie, for `sessions`:
//!
//! - [`SignedCookieBackend`]: Django's `signed_cookies` engine (same salt, same signing, same
//!   format): a Django app and a Rust service read each other's cookies. Byte for byte
//!   Django's for sessions under 1 KiB of JSON that Django would not compress either, and for
//!   all with [`Compression::Always`](session_core::signing::Compression::Always); by default
//!   smaller sessions are not compressed (see [`Signed::with_compression`]). The client can
//!   read the data, not change it.
//! - [`EncryptedCookieBackend`]: the same engine with XChaCha20-Poly1305, so the client can
//!   neither read nor change it, the cookie name bound in.
//!
//! Both rotate keys without downtime: `SECRET_KEY` seals, `SECRET_KEY_FALLBACKS` still open
//! (a [`Keyring`](session_core::signing::Keyring)), and a cookie opened with a fallback is
//! sealed with the current key at its next save. Both refuse a cookie older than
//! `SESSION_COOKIE_AGE` and, unlike Django's, one past its own `set_expiry`.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backend;
mod encrypted;
mod signed;

pub use backend::{
    CookieBackend, CookieCodec, DEFAULT_COOKIE_AGE, DEFAULT_COOKIE_NAME, MAX_TOKEN_BYTES,
};
pub use encrypted::{Encrypted, EncryptedCookieBackend, FORMAT_VERSION};
pub use signed::{DEFAULT_COMPRESS_FROM_BYTES, SIGNED_COOKIES_SALT, Signed, SignedCookieBackend};
