//! [`Settings::validate`] (what fails start-up) and [`Settings::warnings`] (what start-up
//! reports and goes on).

use super::{CodecKind, EngineKind, SameSite, Settings};
use crate::expiry::MAX_AGE;
use crate::{Error, Result};

/// Django's `security.W009`: a `SECRET_KEY` shorter than this is weak.
const SECRET_KEY_MIN_LENGTH: usize = 50;
/// Django's `security.W009`: a `SECRET_KEY` with fewer distinct characters is weak.
const SECRET_KEY_MIN_UNIQUE: usize = 5;
/// The prefix Django's `startproject` gives a key meant for development only.
const INSECURE_PREFIX: &str = "django-insecure-";

impl Settings {
    /// Checks the settings together, so that a bad configuration fails at start-up.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting at fault: a cookie name that is not a cookie token;
    /// an age that is negative or over [`MAX_AGE`] (1,000 years); a path not starting with `/`
    /// or holding a control character, a non-ASCII character, a space, `;` or `,`; a domain
    /// that is not a host name (letters, digits, `-`, `_` and dots, ASCII only: give an
    /// internationalised name in its `xn--` form); `__Host-` without `Secure`, with a `Domain`
    /// or a path other than `/`; `__Secure-` or `SameSite=None` without `Secure`; a table name
    /// that is not a plain SQL identifier.
    pub fn validate(&self) -> Result<()> {
        let name = &self.cookie_name;
        if name.is_empty() || !name.bytes().all(is_cookie_token_byte) {
            return Err(Error::config(
                "SESSION_COOKIE_NAME",
                format!("{name:?} is not a valid cookie name"),
            ));
        }
        if !(0..=MAX_AGE).contains(&self.cookie_age) {
            return Err(Error::config(
                "SESSION_COOKIE_AGE",
                format!(
                    "{} is out of range: give seconds from 0 to {MAX_AGE} (1,000 years)",
                    self.cookie_age
                ),
            ));
        }
        if let Some(age) = self.absolute_age
            && !(1..=MAX_AGE).contains(&age)
        {
            return Err(Error::config(
                "SESSION_ABSOLUTE_AGE",
                format!("{age} is out of range: give seconds from 1 to {MAX_AGE} (1,000 years)"),
            ));
        }
        if !is_cookie_path(&self.cookie_path) {
            return Err(Error::config(
                "SESSION_COOKIE_PATH",
                format!(
                    "{:?} is not a cookie path: start it with / and use printable ASCII \
                     without spaces, ; or , (percent-encode anything else)",
                    self.cookie_path
                ),
            ));
        }
        if let Some(domain) = &self.cookie_domain
            && !is_cookie_domain(domain)
        {
            return Err(Error::config(
                "SESSION_COOKIE_DOMAIN",
                format!(
                    "{domain:?} is not a host name: use letters, digits, - and dots \
                     (an internationalised name in its xn-- form), or leave it empty"
                ),
            ));
        }
        if name.starts_with("__Host-") {
            if !self.cookie_secure {
                return Err(Error::config(
                    "SESSION_COOKIE_SECURE",
                    "a __Host- cookie name needs SESSION_COOKIE_SECURE = True",
                ));
            }
            if self.cookie_domain.is_some() {
                return Err(Error::config(
                    "SESSION_COOKIE_DOMAIN",
                    "a __Host- cookie must not set a Domain",
                ));
            }
            if self.cookie_path != "/" {
                return Err(Error::config(
                    "SESSION_COOKIE_PATH",
                    "a __Host- cookie needs Path=/",
                ));
            }
        }
        if name.starts_with("__Secure-") && !self.cookie_secure {
            return Err(Error::config(
                "SESSION_COOKIE_SECURE",
                "a __Secure- cookie name needs SESSION_COOKIE_SECURE = True",
            ));
        }
        if self.cookie_samesite == SameSite::None && !self.cookie_secure {
            return Err(Error::config(
                "SESSION_COOKIE_SAMESITE",
                "SameSite=None needs SESSION_COOKIE_SECURE = True (browsers drop it otherwise)",
            ));
        }
        if self.cookie_partitioned && !self.cookie_secure {
            return Err(Error::config(
                "SESSION_COOKIE_PARTITIONED",
                "a Partitioned cookie needs SESSION_COOKIE_SECURE = True",
            ));
        }
        if !is_sql_identifier(&self.db_table) {
            return Err(Error::config(
                "SESSION_DB_TABLE",
                format!(
                    "{:?} is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63)",
                    self.db_table
                ),
            ));
        }
        Ok(())
    }

    /// What start-up should report without refusing to start, one sentence each, naming the
    /// setting: a `SECRET_KEY` that an engine signs with but that Django's security check
    /// (`security.W009`) calls weak (shorter than 50 characters, fewer than 5 distinct ones, or
    /// `django-insecure-`), and settings given a value that the chosen engine ignores.
    /// The facade's `Engine::from_settings` logs each with `tracing::warn!`.
    ///
    /// ```
    /// use session_core::Settings;
    ///
    /// let mut settings = Settings::default();
    /// settings.set("SESSION_CACHE_URL", "redis://127.0.0.1:6379")?;
    /// let warnings = settings.warnings();
    /// assert!(warnings[0].starts_with("SESSION_CACHE_URL is set but SESSION_ENGINE=db"));
    /// # Ok::<(), session_core::Error>(())
    /// ```
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.signs() {
            let key = self.secret_key.expose();
            let unique = key.chars().collect::<std::collections::BTreeSet<_>>().len();
            if !key.is_empty()
                && (key.chars().count() < SECRET_KEY_MIN_LENGTH
                    || unique < SECRET_KEY_MIN_UNIQUE
                    || key.starts_with(INSECURE_PREFIX))
            {
                warnings.push(format!(
                    "SECRET_KEY is weak ({} characters, {unique} distinct): give at least \
                     {SECRET_KEY_MIN_LENGTH} random characters with at least \
                     {SECRET_KEY_MIN_UNIQUE} distinct ones, not a django-insecure- key",
                    key.chars().count()
                ));
            }
        }
        let defaults = Settings::default();
        let engine = self.engine;
        let ignored = [
            (
                "SESSION_DATABASE_URL",
                self.database_url != defaults.database_url,
                uses_db(engine),
            ),
            (
                "SESSION_DB_TABLE",
                self.db_table != defaults.db_table,
                uses_db(engine),
            ),
            (
                "SESSION_CACHE_URL",
                self.cache_url != defaults.cache_url,
                uses_cache(engine),
            ),
            (
                "SESSION_CACHE_KEY_PREFIX",
                self.cache_key_prefix != defaults.cache_key_prefix,
                uses_cache(engine),
            ),
            (
                "SESSION_FILE_PATH",
                self.file_path.is_some(),
                engine == EngineKind::File,
            ),
            (
                "SESSION_COOKIE_COMPRESS_FROM",
                self.cookie_compress_from != defaults.cookie_compress_from,
                engine == EngineKind::SignedCookies,
            ),
        ];
        for (setting, given, used) in ignored {
            if given && !used {
                warnings.push(format!(
                    "{setting} is set but SESSION_ENGINE={} ignores it; \
                     set SESSION_ENGINE to the engine you meant, or remove {setting}",
                    engine.as_str()
                ));
            }
        }
        warnings
    }

    /// True when the chosen engine signs or encrypts with `SECRET_KEY`.
    fn signs(&self) -> bool {
        matches!(
            self.engine,
            EngineKind::SignedCookies | EngineKind::EncryptedCookies
        ) || self.codec == CodecKind::Django
    }
}

fn uses_db(engine: EngineKind) -> bool {
    matches!(engine, EngineKind::Db | EngineKind::CachedDb)
}

fn uses_cache(engine: EngineKind) -> bool {
    matches!(engine, EngineKind::Cache | EngineKind::CachedDb)
}

/// RFC 6265's `path-value`, narrowed to what survives every header parser: `/` first, then
/// printable ASCII other than `;` and `,`.
fn is_cookie_path(path: &str) -> bool {
    path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b';' && b != b',')
}

/// A host name as a cookie's `Domain` (RFC 6265 §4.1.2.3, RFC 1123 labels): an optional
/// leading dot, then dot-separated labels of ASCII letters, digits, `-` and `_`, each 1 to 63
/// bytes, 253 bytes in all.
fn is_cookie_domain(domain: &str) -> bool {
    let name = domain.strip_prefix('.').unwrap_or(domain);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// RFC 6265 token characters (what a cookie name may hold).
pub(super) fn is_cookie_token_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b)
}

/// `[A-Za-z_][A-Za-z0-9_]*`, at most 63 bytes (PostgreSQL's limit): safe to splice into SQL.
pub fn is_sql_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.len() <= 63
}
