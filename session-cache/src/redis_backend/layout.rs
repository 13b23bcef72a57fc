//! Where a session lives in Redis: the key of each session.

use session_core::{Result, SessionKey};

/// Default key prefix (`SESSION_CACHE_KEY_PREFIX`).
pub const DEFAULT_KEY_PREFIX: &str = session_core::settings::defaults::CACHE_KEY_PREFIX;
/// Django's cache key prefix of the `cache` session engine.
pub const CACHE_KEY_PREFIX: &str = "django.contrib.sessions.cache";
/// Django's cache key prefix of the `cached_db` session engine.
pub const CACHED_DB_KEY_PREFIX: &str = "django.contrib.sessions.cached_db";

/// How a session key becomes a Redis key.
///
/// ```
/// use session_cache::{DjangoCacheKeys, KeyLayout};
/// use session_core::SessionKey;
///
/// let key = SessionKey::from_cookie("abcdefgh12345678").ok_or("key")?;
/// assert_eq!(KeyLayout::default().redis_key(&key)?, "session:{abcdefgh12345678}");
/// let django = KeyLayout::Django(DjangoCacheKeys::default());
/// assert_eq!(django.redis_key(&key)?, ":1:django.contrib.sessions.cacheabcdefgh12345678");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyLayout {
    /// Ours: `<prefix>{<session key>}`, so on Redis Cluster every command of a session goes
    /// to one hash slot.
    Braced {
        /// `SESSION_CACHE_KEY_PREFIX`, default [`DEFAULT_KEY_PREFIX`].
        prefix: String,
    },
    /// Django's cache (`SESSION_CODEC=django`): what `django.core.cache.backends.redis` writes
    /// for Django's cache session engines.
    Django(DjangoCacheKeys),
}

impl Default for KeyLayout {
    fn default() -> Self {
        Self::braced(DEFAULT_KEY_PREFIX)
    }
}

impl KeyLayout {
    /// Ours, under `prefix`.
    pub fn braced(prefix: impl Into<String>) -> Self {
        Self::Braced {
            prefix: prefix.into(),
        }
    }

    /// The Redis key holding session `key`.
    ///
    /// # Errors
    /// [`Error::InvalidKey`](session_core::Error::InvalidKey) outside Django's key syntax.
    pub fn redis_key(&self, key: &SessionKey) -> Result<String> {
        let key = key.django_syntax()?;
        Ok(match self {
            Self::Braced { prefix } => {
                // Two of these per request: pushing beats `format!`'s machinery by ~0.3 µs.
                let mut redis_key = String::with_capacity(prefix.len() + key.len() + 2);
                redis_key.push_str(prefix);
                redis_key.push('{');
                redis_key.push_str(key);
                redis_key.push('}');
                redis_key
            }
            Self::Django(keys) => format!(
                "{}:{}:{}{key}",
                keys.key_prefix, keys.version, keys.engine_prefix
            ),
        })
    }
}

/// Where Django's cache keeps a session: `CACHES["default"]`'s `KEY_PREFIX` (default empty)
/// and `VERSION` (default 1), and the engine's own prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DjangoCacheKeys {
    /// `KEY_PREFIX` of Django's cache (default `""`).
    pub key_prefix: String,
    /// `VERSION` of Django's cache (default 1).
    pub version: i64,
    /// The session engine's prefix: [`CACHE_KEY_PREFIX`] or [`CACHED_DB_KEY_PREFIX`].
    pub engine_prefix: String,
}

impl Default for DjangoCacheKeys {
    fn default() -> Self {
        Self {
            key_prefix: String::new(),
            version: session_core::settings::defaults::DJANGO_CACHE_VERSION,
            engine_prefix: CACHE_KEY_PREFIX.to_owned(),
        }
    }
}
