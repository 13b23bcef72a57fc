//! The one error type every engine maps its failures into.

use std::error::Error as StdError;

/// A boxed error source, kept (never flattened to text) so callers can inspect the chain.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// `Result` with [`enum@Error`] as its default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, phrased as what the caller can do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The session no longer exists (logged out or expired elsewhere): a save must not bring it
    /// back. Django's `UpdateError`; the middleware answers 400 as Django does.
    #[error("the session was deleted before this request could save it")]
    Gone,
    /// Another writer saved the session since it was loaded (version mismatch). Reload, re-apply
    /// this request's changes and save again; [`Session::save`](crate::Session::save) does so.
    #[error("the session was changed by another request since it was loaded")]
    Conflict,
    /// A session key outside the backend's syntax (too long, bad characters, path separators).
    /// Nothing was read or written.
    #[error("invalid session key: {reason}")]
    InvalidKey {
        /// Why the key was refused (never the key itself).
        reason: &'static str,
    },
    /// A session data key reserved for the framework (`_session_*`) was written directly.
    #[error("the session data key {key:?} is reserved for the framework")]
    ReservedKey {
        /// The reserved name.
        key: String,
    },
    /// The encoded session is larger than the engine can store (a cookie over 4096 bytes).
    #[error(
        "the encoded session is {size} bytes, over the limit of {limit} bytes: keep less in \
         the session, or use a server-side engine"
    )]
    TooLarge {
        /// Size of what would have been stored, in bytes.
        size: usize,
        /// The engine's limit, in bytes.
        limit: usize,
    },
    /// An expiry whose date falls outside what Django and the stores can hold (years 1 to 9999,
    /// [`expiry::EARLIEST`](crate::expiry::EARLIEST) to [`expiry::LATEST`](crate::expiry::LATEST)):
    /// the caller's error, nothing was stored.
    #[error("the session's expiry falls outside the years 1 to 9999; choose a nearer expiry")]
    ExpiryOutOfRange,
    /// A value could not be serialized or deserialized.
    #[error("session data could not be encoded or decoded")]
    Codec {
        /// The serializer's error.
        #[source]
        source: BoxError,
    },
    /// A setting is invalid; raised at start-up, never at a request.
    #[error("invalid setting {setting}: {reason}")]
    Config {
        /// The setting's Django name, e.g. `SESSION_COOKIE_SAMESITE`.
        setting: String,
        /// What is wrong with it.
        reason: String,
        /// The error behind it, when there is one (the file could not be read, the number did
        /// not parse); [`error_chain`] appends its text.
        #[source]
        source: Option<BoxError>,
    },
    /// The engine does not support this operation (e.g. `clear_expired` on a cookie engine).
    #[error("the {backend} engine does not support {operation}")]
    Unsupported {
        /// The operation, e.g. `clear_expired`.
        operation: &'static str,
        /// The engine's name.
        backend: &'static str,
    },
    /// Every key the generator drew was taken: a scripted or custom generator that repeats
    /// itself (the OS CSPRNG never does). Not transient: retrying draws from the same source.
    #[error(
        "no free session key after {attempts} tries: the key generator keeps returning taken keys"
    )]
    NoFreeKey {
        /// How many keys were tried.
        attempts: usize,
    },
    /// The operating system's random number generator failed (no key, nonce or jitter could be
    /// drawn).
    #[error("the operating system's random number generator failed")]
    Randomness {
        /// The OS error.
        #[source]
        source: BoxError,
    },
    /// The store failed: database down, pool timed out, I/O error.
    #[error("the {backend} session store failed (is it running and reachable?)")]
    Backend {
        /// The engine's name, e.g. `moka`, `postgres`.
        backend: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
}

impl Error {
    /// Wraps a driver error from the named engine.
    pub fn backend(backend: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Backend {
            backend,
            source: source.into(),
        }
    }

    /// Wraps a failure of the OS random number generator.
    pub fn randomness(source: impl Into<BoxError>) -> Self {
        Self::Randomness {
            source: source.into(),
        }
    }

    /// Wraps a serializer error.
    pub fn codec(source: impl Into<BoxError>) -> Self {
        Self::Codec {
            source: source.into(),
        }
    }

    /// An invalid setting, named as Django names it.
    pub fn config(setting: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Config {
            setting: setting.into(),
            reason: reason.into(),
            source: None,
        }
    }

    /// An invalid setting and the error behind it, kept as the source. `reason` says what
    /// failed without repeating `source`'s text, which [`error_chain`] appends.
    ///
    /// ```
    /// use std::io::{Error as IoError, ErrorKind};
    /// use session_core::{Error, error_chain};
    ///
    /// let source = IoError::from(ErrorKind::NotFound);
    /// let err = Error::config_source("SESSIONS_CONFIG", "cannot read /etc/sessions.toml", source);
    /// assert!(std::error::Error::source(&err).is_some());
    /// assert_eq!(
    ///     error_chain(&err),
    ///     "invalid setting SESSIONS_CONFIG: cannot read /etc/sessions.toml: entity not found"
    /// );
    /// ```
    pub fn config_source(
        setting: impl Into<String>,
        reason: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        Self::Config {
            setting: setting.into(),
            reason: reason.into(),
            source: Some(source.into()),
        }
    }

    /// True when retrying the same operation later may succeed (store failures and conflicts).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Conflict | Self::Backend { .. })
    }
}

/// An error and all its sources, `outer: inner: innermost` (for logs and command line
/// messages; `Display` of [`enum@Error`] shows only the outermost). A source whose text the
/// line already ends with is said once (sqlx repeats its database error that way, and a
/// TOML settings error its parser's); trailing whitespace of each text is dropped.
///
/// ```
/// use session_core::{Error, error_chain};
///
/// let err = Error::backend("postgres", std::io::Error::other("connection refused"));
/// assert_eq!(
///     error_chain(&err),
///     "the postgres session store failed (is it running and reachable?): connection refused"
/// );
/// ```
pub fn error_chain(err: &dyn StdError) -> String {
    let mut text = err.to_string().trim_end().to_owned();
    let mut source = err.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        let said = said.trim_end();
        if !text.ends_with(said) {
            text.push_str(": ");
            text.push_str(said);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_errors_keep_their_source() {
        let err = Error::backend("test", std::io::Error::other("disk on fire"));
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("disk on fire"));
        assert_eq!(
            error_chain(&err),
            "the test session store failed (is it running and reachable?): disk on fire"
        );
        assert!(err.is_transient());
        assert!(!Error::Gone.is_transient());
    }

    /// sqlx's database error says its cause's text and returns the cause as its source.
    #[test]
    fn a_source_already_said_is_said_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("error returned from database: {0}")]
        struct Outer(#[source] Inner);
        #[derive(Debug, thiserror::Error)]
        #[error("no such table: t")]
        struct Inner;
        let err = Error::backend("sqlite", Outer(Inner));
        assert_eq!(
            error_chain(&err),
            "the sqlite session store failed (is it running and reachable?): error returned \
             from database: no such table: t"
        );
    }

    #[test]
    fn config_errors_name_the_setting() {
        let err = Error::config("SESSION_COOKIE_AGE", "must be positive");
        assert_eq!(
            err.to_string(),
            "invalid setting SESSION_COOKIE_AGE: must be positive"
        );
    }
}
