//! Session keys and the generator that makes new ones.

use std::fmt;
use std::sync::Arc;
#[cfg(feature = "test-util")]
use std::{
    collections::VecDeque,
    sync::{Mutex, PoisonError},
};

/// The characters of a Django session key: lowercase letters and digits.
pub const KEY_ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Length of a generated key (Django's; about 165 bits from the OS CSPRNG).
pub const KEY_LENGTH: usize = 32;
/// Values shorter than this are no key at all (Django's rule, ticket CVE-2015-3982).
pub const MIN_KEY_LENGTH: usize = 8;
/// Values longer than this are refused before any backend sees them. Signed-cookie keys are
/// whole sessions, so the bound is the browser's cookie limit.
pub const MAX_KEY_LENGTH: usize = 4096;

/// An opaque, cookie-safe session key.
///
/// `Debug` never prints the key: a key is a bearer credential and must stay out of logs.
///
/// ```
/// use session_core::SessionKey;
///
/// assert!(SessionKey::from_cookie("1234567").is_none()); // under 8 characters: no key
/// let key = SessionKey::from_cookie("abcdefgh");
/// assert_eq!(key.as_ref().map(SessionKey::as_str), Some("abcdefgh"));
/// assert!(!format!("{key:?}").contains("abcdefgh"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionKey(Arc<str>);

/// The bytes a key may hold: visible ASCII except `;`, `,`, `"` and `\\` (a table, so the
/// check of a 4 KB cookie-engine key stays cheap).
#[allow(clippy::cast_lossless)] // `usize::from` is not usable in a const block
static COOKIE_SAFE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b: u8 = 0x21;
    while b < 0x7f {
        table[b as usize] = !matches!(b, b';' | b',' | b'"' | b'\\');
        b += 1;
    }
    table
};

impl SessionKey {
    /// Accepts a cookie value as a key the way Django does: at least 8 characters. Longer than
    /// [`MAX_KEY_LENGTH`], or holding characters a cookie cannot carry (controls, spaces, `;`,
    /// `,`, `"`, `\`, non-ASCII), is refused too. Backends check their own syntax on top.
    pub fn from_cookie(value: &str) -> Option<Self> {
        let fits = (MIN_KEY_LENGTH..=MAX_KEY_LENGTH).contains(&value.len());
        let cookie_safe = value.bytes().all(|b| COOKIE_SAFE[usize::from(b)]);
        (fits && cookie_safe).then(|| Self(value.into()))
    }

    /// The key as sent in the cookie. Keep it out of logs.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the key has Django's server-side syntax: only `[a-z0-9]`, 8 to 40 characters
    /// (the width of Django's `session_key` column). Engines that build paths or SQL from keys
    /// refuse anything else before touching storage.
    pub fn is_django_syntax(&self) -> bool {
        self.0.len() <= 40
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }

    /// The key, when it has Django's server-side syntax ([`is_django_syntax`]).
    ///
    /// # Errors
    /// [`Error::InvalidKey`](crate::Error::InvalidKey) otherwise, before anything is touched.
    ///
    /// [`is_django_syntax`]: SessionKey::is_django_syntax
    pub fn django_syntax(&self) -> crate::Result<&str> {
        if self.is_django_syntax() {
            Ok(self.as_str())
        } else {
            Err(crate::Error::InvalidKey {
                reason: "not 8 to 40 characters of [a-z0-9]",
            })
        }
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionKey(<redacted, {} chars>)", self.0.len())
    }
}

impl AsRef<str> for SessionKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Makes new session keys. The default draws 32 characters of `[a-z0-9]` from the OS CSPRNG.
///
/// Every backend builder takes one, so tests can force collisions on any engine:
///
/// ```
/// use session_core::KeyGenerator;
///
/// # fn main() -> session_core::Result<()> {
/// let key = KeyGenerator::random().generate()?;
/// assert_eq!(key.as_str().len(), 32);
/// assert!(key.is_django_syntax());
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct KeyGenerator {
    source: KeySource,
}

#[derive(Clone, Default)]
enum KeySource {
    #[default]
    Random,
    Custom(Arc<dyn Fn() -> SessionKey + Send + Sync>),
    #[cfg(feature = "test-util")]
    Scripted(Arc<Mutex<VecDeque<Draw>>>),
}

/// One queued draw of a scripted generator.
#[cfg(feature = "test-util")]
#[derive(Clone)]
enum Draw {
    Key(SessionKey),
    Failure,
}

impl KeyGenerator {
    /// The default generator: 32 characters of `[a-z0-9]` from the OS CSPRNG.
    pub fn random() -> Self {
        Self::default()
    }

    /// A generator calling `make` for each key (e.g. longer keys). It must return unpredictable
    /// keys of at least 128 bits; backends still refuse keys outside their syntax.
    pub fn from_fn(make: impl Fn() -> SessionKey + Send + Sync + 'static) -> Self {
        Self {
            source: KeySource::Custom(Arc::new(make)),
        }
    }

    /// A generator that hands out queued keys first (see [`KeyGenerator::push`]), then random
    /// ones: the conformance suite uses it to force key collisions.
    #[cfg(feature = "test-util")]
    pub fn scripted() -> Self {
        Self {
            source: KeySource::Scripted(Arc::default()),
        }
    }

    /// Queues `key` as the next key of a [`KeyGenerator::scripted`] generator (and of its clones).
    /// Returns false, queueing nothing, on any other generator.
    #[cfg(feature = "test-util")]
    pub fn push(&self, key: SessionKey) -> bool {
        self.queue(Draw::Key(key))
    }

    /// Queues a failure: that draw of a [`KeyGenerator::scripted`] generator returns
    /// [`Error::Randomness`](crate::Error::Randomness), as when the OS random source fails.
    /// Returns false, queueing nothing, on any other generator.
    ///
    /// ```
    /// use session_core::{Error, KeyGenerator};
    ///
    /// let keys = KeyGenerator::scripted();
    /// assert!(keys.push_failure());
    /// assert!(matches!(keys.generate(), Err(Error::Randomness { .. })));
    /// assert!(keys.generate().is_ok()); // then random keys again
    /// ```
    #[cfg(feature = "test-util")]
    pub fn push_failure(&self) -> bool {
        self.queue(Draw::Failure)
    }

    #[cfg(feature = "test-util")]
    fn queue(&self, draw: Draw) -> bool {
        match &self.source {
            KeySource::Scripted(queue) => {
                queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push_back(draw);
                true
            }
            _ => false,
        }
    }

    /// A new key.
    ///
    /// # Errors
    /// [`Error::Randomness`](crate::Error::Randomness) when the OS random source fails.
    pub fn generate(&self) -> crate::Result<SessionKey> {
        match &self.source {
            KeySource::Random => random_key(),
            KeySource::Custom(make) => Ok(make()),
            #[cfg(feature = "test-util")]
            KeySource::Scripted(queue) => {
                let next = queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .pop_front();
                match next {
                    None => random_key(),
                    Some(Draw::Key(key)) => Ok(key),
                    Some(Draw::Failure) => Err(crate::Error::randomness(ScriptedFailure)),
                }
            }
        }
    }
}

impl fmt::Debug for KeyGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.source {
            KeySource::Random => "random",
            KeySource::Custom(_) => "custom",
            #[cfg(feature = "test-util")]
            KeySource::Scripted(_) => "scripted",
        };
        f.debug_struct("KeyGenerator")
            .field("source", &kind)
            .finish()
    }
}

/// The failure a scripted generator was told to return.
#[cfg(feature = "test-util")]
#[derive(Debug, thiserror::Error)]
#[error("a scripted key generator failed on purpose")]
struct ScriptedFailure;

/// 32 uniformly chosen characters of [`KEY_ALPHABET`], by rejection sampling of OS random bytes
/// (bytes of 252 and above are dropped so every character is equally likely).
fn random_key() -> crate::Result<SessionKey> {
    const UNBIASED_LIMIT: u8 = 252; // 7 * 36
    let mut key = String::with_capacity(KEY_LENGTH);
    let mut buf = [0u8; 48];
    while key.len() < KEY_LENGTH {
        getrandom::fill(&mut buf).map_err(crate::Error::randomness)?;
        for &byte in buf.iter().filter(|&&b| b < UNBIASED_LIMIT) {
            if key.len() == KEY_LENGTH {
                break;
            }
            key.push(char::from(KEY_ALPHABET[usize::from(byte % 36)]));
        }
    }
    Ok(SessionKey(key.into()))
}

#[cfg(test)]
mod tests;
