//! The defaults of the settings an engine also needs on its own (a backend built in code,
//! without [`Settings`](crate::Settings)), stated once: [`Settings::default`](crate::Settings)
//! and every engine crate's `DEFAULT_*` constant derive from these.
//!
//! ```
//! use session_core::{Settings, settings::defaults};
//!
//! let settings = Settings::default();
//! assert_eq!(settings.cookie_name, defaults::COOKIE_NAME);
//! assert_eq!(settings.cookie_age, defaults::COOKIE_AGE);
//! ```

/// `SESSION_COOKIE_NAME`: Django's `sessionid`.
pub const COOKIE_NAME: &str = "sessionid";

/// `SESSION_COOKIE_AGE`: Django's two weeks, in seconds.
pub const COOKIE_AGE: i64 = 1_209_600;

/// `SESSION_DATABASE_URL` (ours): a SQLite file in the working directory.
pub const DATABASE_URL: &str = "sqlite://sessions.sqlite3";

/// `SESSION_DB_TABLE` (ours): Django's own table, `django_session`.
pub const DB_TABLE: &str = "django_session";

/// `SESSION_DB_EXPIRY_SLACK` (ours): 60 seconds, the most a stored deadline may trail the true
/// one before a save rewrites it.
pub const DB_EXPIRY_SLACK_SECS: u64 = 60;

/// `SESSION_CACHE_URL` (ours): the in-process cache.
pub const CACHE_URL: &str = "memory://";

/// `SESSION_CACHE_KEY_PREFIX` (ours): `session:`.
pub const CACHE_KEY_PREFIX: &str = "session:";

/// `SESSION_DJANGO_CACHE_VERSION` (ours): 1, Django's default cache `VERSION`.
pub const DJANGO_CACHE_VERSION: i64 = 1;

/// `SESSION_COOKIE_COMPRESS_FROM` (ours): the signed cookie engine tries zlib on session JSON
/// of 1024 bytes or more.
pub const COOKIE_COMPRESS_FROM: usize = 1024;
