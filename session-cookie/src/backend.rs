//! [`CookieBackend`]: the [`Backend`] contract for sessions that live in the cookie, over any
//! [`CookieCodec`] (signed or encrypted).

use std::fmt;

use serde_json::Value;
use session_core::codec::CREATED_AT;
use session_core::codec::django::DjangoDict;
use session_core::datetime::parse_iso;
use session_core::session::EXPIRY_KEY;
use session_core::{
    Backend, Capabilities, Error, Expiry, Record, Result, SessionKey, Stored, Version, async_trait,
};
use time::{Duration, OffsetDateTime};

/// Browsers keep cookies up to 4096 bytes (name, value and attributes together); a token alone
/// over this is refused when it is made.
pub const MAX_TOKEN_BYTES: usize = 4096;
/// Django's default `SESSION_COOKIE_AGE`: two weeks, in seconds.
pub const DEFAULT_COOKIE_AGE: i64 = session_core::settings::defaults::COOKIE_AGE;
/// Default cookie name (`SESSION_COOKIE_NAME`).
pub const DEFAULT_COOKIE_NAME: &str = session_core::settings::defaults::COOKIE_NAME;

/// Turns the session dict into a cookie value and back.
pub trait CookieCodec: Send + Sync + fmt::Debug + 'static {
    /// The engine's name in errors and logs.
    const NAME: &'static str;

    /// `dict` as a cookie value, stamped with `timestamp` (seconds since the epoch).
    ///
    /// # Errors
    /// [`Error::Codec`] when it cannot be encoded.
    fn seal(&self, dict: &DjangoDict<'_>, timestamp: i64) -> Result<String>;

    /// The dict in `token` and its timestamp, when the token is genuine and was sealed at most
    /// `max_age` seconds before `now`; why not, otherwise.
    ///
    /// # Errors
    /// The reason the token is refused, for the log.
    fn open(
        &self,
        token: &str,
        max_age: i64,
        now: i64,
    ) -> std::result::Result<(Value, i64), session_core::BoxError>;
}

/// Sessions kept in the cookie itself, sealed by `C`.
///
/// - The session key *is* the cookie value; each save makes a new one.
/// - A value sealed longer ago than `SESSION_COOKIE_AGE` is refused, as Django does; beyond
///   Django (#19201), so is one past its own `set_expiry` counted from the sealing time.
/// - There is no server state: `exists` is false, `delete` cannot revoke a copy the client
///   kept, `clear_expired` has nothing to do, and saves are not conditional (capabilities
///   say so). A cookie that fails to open (tampered, truncated, expired, sealed with a key no
///   longer listed) loads as absent, with a warning, never a panic.
/// - With [`with_absolute_age`](Self::with_absolute_age) (`SESSION_ABSOLUTE_AGE`) the cookie
///   also carries the session's creation time, under the signature, and a cookie older than
///   the cap counted from it is refused: the `Max-Age` the middleware sends is what is enforced.
/// - A token over [`MAX_TOKEN_BYTES`] is [`Error::TooLarge`]: no cookie a browser would drop.
pub struct CookieBackend<C> {
    codec: std::sync::Arc<C>,
    cookie_age: i64,
    absolute_age: Option<i64>,
    context: session_core::Context,
}

impl<C> Clone for CookieBackend<C> {
    fn clone(&self) -> Self {
        Self {
            codec: std::sync::Arc::clone(&self.codec),
            cookie_age: self.cookie_age,
            absolute_age: self.absolute_age,
            context: self.context.clone(),
        }
    }
}

impl<C: CookieCodec> fmt::Debug for CookieBackend<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieBackend")
            .field("codec", &self.codec)
            .field("cookie_age", &self.cookie_age)
            .field("absolute_age", &self.absolute_age)
            .finish_non_exhaustive()
    }
}

impl<C: CookieCodec> CookieBackend<C> {
    /// The engine over `codec`, with Django's default cookie age and the system clock.
    pub fn new(codec: C) -> Self {
        Self {
            codec: std::sync::Arc::new(codec),
            cookie_age: DEFAULT_COOKIE_AGE,
            absolute_age: None,
            context: session_core::Context::default(),
        }
    }

    /// `SESSION_COOKIE_AGE` in seconds: the oldest a cookie may be (default two weeks).
    #[must_use]
    pub fn with_cookie_age(mut self, seconds: i64) -> Self {
        self.cookie_age = seconds;
        self
    }

    /// `SESSION_ABSOLUTE_AGE` in seconds: no cookie is accepted longer than this after the
    /// session was created, whatever the activity (default: no cap). The creation time rides in
    /// the signed dict as `_session_created_at`; a cookie without it (made by Django, or before
    /// the cap was set) counts from its last sealing.
    #[must_use]
    pub fn with_absolute_age(mut self, seconds: Option<i64>) -> Self {
        self.absolute_age = seconds;
        self
    }

    /// The clock that stamps and checks cookies (default: [`session_core::Context::default`]'s,
    /// the system clock; the key generator is not used: a cookie's key is its sealed value).
    #[must_use]
    pub fn with_context(mut self, context: session_core::Context) -> Self {
        self.context = context;
        self
    }

    /// The codec.
    pub fn codec(&self) -> &C {
        &self.codec
    }

    fn seal(&self, record: &Record) -> Result<Stored> {
        let token = self.codec.seal(
            &DjangoDict::new(record).with_created_at(self.absolute_age.is_some()),
            self.context.now().unix_timestamp(),
        )?;
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Error::TooLarge {
                size: token.len(),
                limit: MAX_TOKEN_BYTES,
            });
        }
        let version = version_of(&token);
        let key = SessionKey::from_cookie(&token).ok_or_else(|| {
            Error::codec(format!("{} made a value a cookie cannot carry", C::NAME))
        })?;
        Ok(Stored { key, version })
    }

    fn open(&self, key: &SessionKey) -> Option<Record> {
        let now = self.context.now();
        let (value, timestamp) =
            match self
                .codec
                .open(key.as_str(), self.cookie_age, now.unix_timestamp())
            {
                Ok(opened) => opened,
                Err(reason) => {
                    tracing::warn!(
                        backend = C::NAME,
                        reason = %reason,
                        "session cookie refused; starting a fresh session"
                    );
                    return None;
                }
            };
        let Value::Object(mut dict) = value else {
            tracing::warn!(
                backend = C::NAME,
                "session cookie holds no dict; starting a fresh session"
            );
            return None;
        };
        let expiry = match dict.shift_remove(EXPIRY_KEY) {
            None => Expiry::Default,
            Some(value) => match Expiry::from_json(&value) {
                Some(expiry) => expiry,
                None => {
                    tracing::warn!(
                        backend = C::NAME,
                        "session cookie holds an invalid expiry; starting a fresh session"
                    );
                    return None;
                }
            },
        };
        let sealed_at = OffsetDateTime::from_unix_timestamp(timestamp).ok()?;
        let created_at = match dict.shift_remove(CREATED_AT) {
            Some(Value::String(text)) if self.absolute_age.is_some() => {
                let Some(created_at) = parse_iso(&text) else {
                    tracing::warn!(
                        backend = C::NAME,
                        "session cookie holds an invalid creation time; starting a fresh session"
                    );
                    return None;
                };
                created_at
            }
            _ => sealed_at,
        };
        let Some(expires_at) = self.deadline(expiry, created_at, sealed_at) else {
            tracing::warn!(
                backend = C::NAME,
                "session cookie's expiry is out of range; starting a fresh session"
            );
            return None;
        };
        if now >= expires_at {
            tracing::warn!(
                backend = C::NAME,
                "session cookie past its own expiry; starting a fresh session"
            );
            return None;
        }
        Some(Record {
            data: std::sync::Arc::new(dict),
            expiry,
            created_at,
            modified_at: sealed_at,
            expires_at,
            version: version_of(key.as_str()),
            handle: None,
        })
    }

    /// When a cookie sealed at `sealed_at` with `expiry`, for a session created at
    /// `created_at`, dies: its own expiry counted from the sealing, never later than the cookie
    /// age (Django's `max_age`; `age == max_age` is still valid, so the deadline is one second
    /// after) nor than the absolute cap. `None` when a date is out of range.
    fn deadline(
        &self,
        expiry: Expiry,
        created_at: OffsetDateTime,
        sealed_at: OffsetDateTime,
    ) -> Option<OffsetDateTime> {
        let after = |at: OffsetDateTime, seconds: i64| at.checked_add(Duration::seconds(seconds));
        let cap = after(sealed_at, self.cookie_age.saturating_add(1))?;
        let own = match expiry {
            Expiry::Seconds(seconds) => after(sealed_at, seconds)?,
            Expiry::At(at) => at,
            Expiry::Default | Expiry::BrowserClose => cap,
        };
        let absolute = match self.absolute_age {
            Some(seconds) => after(created_at, seconds)?,
            None => cap,
        };
        Some(own.min(cap).min(absolute))
    }
}

/// A cookie's version: its tail, which holds the signature or the authentication tag (saves are
/// not conditional on this engine; the version only tells two cookies apart).
fn version_of(token: &str) -> Version {
    let tail = token.len().saturating_sub(VERSION_CHARS);
    Version::token(token.get(tail..).unwrap_or(token))
}

const VERSION_CHARS: usize = 43;

#[async_trait]
impl<C: CookieCodec> Backend for CookieBackend<C> {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        Ok(self.open(key))
    }

    async fn create(&self, record: Record) -> Result<Stored> {
        self.seal(&record)
    }

    /// Seals `record` anew (there is no stored copy to compare with: not conditional).
    async fn save(&self, _key: &SessionKey, record: Record) -> Result<Stored> {
        self.seal(&record)
    }

    /// A cookie cannot be touched in place: the same dict is sealed anew, now, and the new
    /// token is the key (the expiry counts from the sealing, so it moves as a save moves it).
    async fn touch(&self, key: &SessionKey, _expires_at: OffsetDateTime) -> Result<SessionKey> {
        let record = self.open(key).ok_or(Error::Gone)?;
        Ok(self.seal(&record)?.key)
    }

    /// Re-seals: an old cookie stays valid until it expires (nothing on the server to revoke).
    async fn cycle(&self, _old: &SessionKey, record: Record) -> Result<Stored> {
        self.seal(&record)
    }

    /// Nothing on the server to delete; the middleware deletes the cookie.
    async fn delete(&self, _key: &SessionKey) -> Result<bool> {
        Ok(false)
    }

    /// Always false, as Django's: there is no store to look in.
    async fn exists(&self, _key: &SessionKey) -> Result<bool> {
        Ok(false)
    }

    /// Nothing to clear: expired cookies are refused when they come back.
    async fn clear_expired(&self) -> Result<u64> {
        Ok(0)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::server_side()
            .with_server_side(false)
            .with_conditional_save(false)
            .with_native_expiry(true)
            .with_stores_bytes(false)
            .with_keeps_created_at(self.absolute_age.is_some())
    }
}
