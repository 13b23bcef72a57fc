//! Every `SESSION_*` setting, with Django's names and defaults.
//!
//! Read, in rising precedence, from the defaults, a TOML file named by `SESSIONS_CONFIG`, and
//! environment variables with Django's names:
//!
//! ```
//! use session_core::{Settings, settings::SameSite};
//!
//! # fn main() -> session_core::Result<()> {
//! let settings = Settings::from_lookup(|name| match name {
//!     "SESSION_COOKIE_AGE" => Some("3600".into()),
//!     "SESSION_COOKIE_SAMESITE" => Some("Strict".into()),
//!     _ => None,
//! })?;
//! assert_eq!(settings.cookie_age, 3600);
//! assert_eq!(settings.cookie_samesite, SameSite::Strict);
//! assert_eq!(settings.cookie_name, "sessionid"); // Django's default
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use crate::{Error, ExpiryPolicy, Result};
use fields::{
    optional_number, optional_path, optional_text, parse, parse_bool, parse_number, secret,
    secret_list, text,
};

/// The environment variable naming a TOML settings file.
pub const CONFIG_ENV: &str = "SESSIONS_CONFIG";

fields::define_settings! {
    /// `db` (default), `cache`, `cached_db`, `file`, `signed_cookies`
    /// (`encrypted_cookies`, ours, too), or
    /// Django's dotted paths (`django.contrib.sessions.backends.db`).
    "SESSION_ENGINE" => engine: EngineKind = EngineKind::Db, parse;
    /// `sessionid`.
    "SESSION_COOKIE_NAME" => cookie_name: String = defaults::COOKIE_NAME.into(), text;
    /// 1209600 seconds (two weeks).
    "SESSION_COOKIE_AGE" => cookie_age: i64 = defaults::COOKIE_AGE, parse_number;
    /// none (host-only cookie).
    "SESSION_COOKIE_DOMAIN" => cookie_domain: Option<String> = None, optional_text;
    /// `/`.
    "SESSION_COOKIE_PATH" => cookie_path: String = "/".into(), text;
    /// false.
    "SESSION_COOKIE_SECURE" => cookie_secure: bool = false, parse_bool;
    /// true.
    "SESSION_COOKIE_HTTPONLY" => cookie_httponly: bool = true, parse_bool;
    /// `Lax`; `Strict`, `None`, or `false` to omit the attribute.
    "SESSION_COOKIE_SAMESITE" => cookie_samesite: SameSite = SameSite::Lax, parse;
    /// false (ours: CHIPS).
    "SESSION_COOKIE_PARTITIONED" => cookie_partitioned: bool = false, parse_bool;
    /// false.
    "SESSION_SAVE_EVERY_REQUEST" => save_every_request: bool = false, parse_bool;
    /// false.
    "SESSION_EXPIRE_AT_BROWSER_CLOSE" => expire_at_browser_close: bool = false, parse_bool;
    /// none (ours); seconds from creation after which a session ends
    /// whatever its activity.
    "SESSION_ABSOLUTE_AGE" => absolute_age: Option<i64> = None, optional_number;
    /// none, meaning the system temp directory (Django).
    "SESSION_FILE_PATH" => file_path: Option<PathBuf> = None, optional_path;
    /// `sqlite://sessions.sqlite3` (ours).
    "SESSION_DATABASE_URL" => database_url: String = defaults::DATABASE_URL.into(), text;
    /// `django_session` (ours).
    "SESSION_DB_TABLE" => db_table: String = defaults::DB_TABLE.into(), text;
    /// `memory://` (ours); `redis://…`; several comma-separated
    /// `redis://` URLs are a Redis Cluster.
    "SESSION_CACHE_URL" => cache_url: String = defaults::CACHE_URL.into(), text;
    /// `session:` (ours).
    "SESSION_CACHE_KEY_PREFIX" => cache_key_prefix: String =
        defaults::CACHE_KEY_PREFIX.into(), text;
    /// `""` (ours). With `SESSION_CODEC=django` on the cache
    /// engine, the `KEY_PREFIX` of the Django app's cache.
    "SESSION_DJANGO_CACHE_KEY_PREFIX" => django_cache_key_prefix: String = String::new(), text;
    /// `1` (ours). With `SESSION_CODEC=django` on the cache
    /// engine, the `VERSION` of the Django app's cache.
    "SESSION_DJANGO_CACHE_VERSION" => django_cache_version: i64 =
        defaults::DJANGO_CACHE_VERSION, parse_number;
    /// empty (engines that sign refuse to start without one).
    "SECRET_KEY" => secret_key: Secret = Secret::default(), secret;
    /// none; older keys that still verify.
    "SECRET_KEY_FALLBACKS" => secret_key_fallbacks: Vec<Secret> = Vec::new(), secret_list;
    /// `json` (ours); `django` to share a store with a Django app.
    "SESSION_CODEC" => codec: CodecKind = CodecKind::Json, parse;
    /// `1024` (ours). The signed cookie engine tries zlib on
    /// session JSON of this many bytes or more; `0` tries it on every session, as Django does
    /// (the same bytes as Django). Smaller sessions are signed plain, which Django reads.
    "SESSION_COOKIE_COMPRESS_FROM" => cookie_compress_from: usize =
        defaults::COOKIE_COMPRESS_FROM, parse_number;
    /// `60` seconds (ours). A db save that pushes the deadline later
    /// by less than this (and less than 1/1000 of the time left) leaves the indexed
    /// `expire_date` as it is; `0` writes it on every save, as Django does.
    "SESSION_DB_EXPIRY_SLACK" => db_expiry_slack: u64 =
        defaults::DB_EXPIRY_SLACK_SECS, parse_number;
    /// `true` (ours). Server-side engines file each logged-in session
    /// under its user (`_auth_user_id`), so a user can list their sessions, revoke one, or log
    /// out everywhere else (`session_core::users`); `false` keeps no index.
    "SESSION_USER_INDEX" => user_index: bool = true, parse_bool;
    /// `false` (ours). The middleware records the client's user agent and
    /// IP address in logged-in sessions, for the user's list of sessions. Personal data: off
    /// unless you need it.
    "SESSION_TRACK_CLIENT" => track_client: bool = false, parse_bool;
}

impl Settings {
    /// Settings from the process environment (and the file named by `SESSIONS_CONFIG`).
    ///
    /// # Errors
    /// [`Error::Config`] naming the first invalid setting.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Settings read through `lookup` (a stand-in for the environment, for tests): defaults,
    /// then the TOML file named by `SESSIONS_CONFIG`, then each setting `lookup` returns.
    /// The result is [validated](Settings::validate).
    ///
    /// # Errors
    /// [`Error::Config`] naming the first invalid setting or the unreadable file.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut settings = match lookup(CONFIG_ENV) {
            Some(path) if !path.is_empty() => Self::from_toml_file(Path::new(&path))?,
            _ => Self::default(),
        };
        for name in SETTING_NAMES {
            if let Some(value) = lookup(name) {
                settings.set(name, &value)?;
            }
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Settings from a TOML file of `SETTING = value` lines (unknown names are refused).
    ///
    /// # Errors
    /// [`Error::Config`] (`SESSIONS_CONFIG`) when the file cannot be read or parsed; the I/O or
    /// TOML error is its source.
    pub fn from_toml_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            Error::config_source(CONFIG_ENV, format!("cannot read {}", path.display()), err)
        })?;
        toml::from_str(&text).map_err(|err| toml_error(&format!("{}: ", path.display()), err))
    }

    /// Settings from TOML text.
    ///
    /// # Errors
    /// [`Error::Config`] (`SESSIONS_CONFIG`) when the text does not parse or names an unknown
    /// setting; the TOML error is its source.
    pub fn from_toml(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|err| toml_error("", err))
    }

    /// Sets one setting from its string form, as an environment variable spells it
    /// (`True`/`False` for booleans, comma-separated lists, an empty value for "none").
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting when the name is unknown or the value invalid.
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        self.set_trimmed(name, value.trim())
    }

    /// `SECRET_KEY` and `SECRET_KEY_FALLBACKS` as a keyring.
    ///
    /// # Errors
    /// [`Error::Config`] naming `SECRET_KEY` when it is empty.
    pub fn keyring(&self) -> Result<crate::signing::Keyring> {
        crate::signing::Keyring::new(self.secret_key.clone(), self.secret_key_fallbacks.clone())
    }

    /// The expiry settings as an [`ExpiryPolicy`].
    pub fn expiry_policy(&self) -> ExpiryPolicy {
        ExpiryPolicy {
            cookie_age: self.cookie_age,
            expire_at_browser_close: self.expire_at_browser_close,
            absolute_age: self.absolute_age,
        }
    }
}

/// Which engine stores the sessions (`SESSION_ENGINE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineKind {
    /// `db`: a SQL database (Django's default).
    Db,
    /// `cache`: Redis or the in-process cache.
    Cache,
    /// `cached_db`: a cache in front of the database.
    CachedDb,
    /// `file`: one file per session.
    File,
    /// `signed_cookies`: the session in a signed cookie.
    SignedCookies,
    /// `encrypted_cookies` (ours, not Django's): the session in an encrypted cookie.
    EncryptedCookies,
}

impl EngineKind {
    /// The short name (`db`, `cache`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Db => "db",
            Self::Cache => "cache",
            Self::CachedDb => "cached_db",
            Self::File => "file",
            Self::SignedCookies => "signed_cookies",
            Self::EncryptedCookies => "encrypted_cookies",
        }
    }
}

impl FromStr for EngineKind {
    type Err = String;

    fn from_str(value: &str) -> std::result::Result<Self, String> {
        let short = value
            .strip_prefix("django.contrib.sessions.backends.")
            .unwrap_or(value);
        match short {
            "db" => Ok(Self::Db),
            "cache" => Ok(Self::Cache),
            "cached_db" => Ok(Self::CachedDb),
            "file" => Ok(Self::File),
            "signed_cookies" => Ok(Self::SignedCookies),
            "encrypted_cookies" => Ok(Self::EncryptedCookies),
            _ => Err(format!(
                "{value:?} is not an engine: give db, cache, cached_db, file, signed_cookies or encrypted_cookies"
            )),
        }
    }
}

/// The cookie's `SameSite` attribute (`SESSION_COOKIE_SAMESITE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax` (the default).
    Lax,
    /// `SameSite=None` (needs `Secure`).
    None,
    /// No attribute (Django's `False`).
    Omit,
}

impl SameSite {
    /// The attribute value, or `None` when omitted.
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Self::Strict => Some("Strict"),
            Self::Lax => Some("Lax"),
            Self::None => Some("None"),
            Self::Omit => None,
        }
    }
}

impl FromStr for SameSite {
    type Err = String;

    fn from_str(value: &str) -> std::result::Result<Self, String> {
        match value.to_ascii_lowercase().as_str() {
            "strict" => Ok(Self::Strict),
            "lax" => Ok(Self::Lax),
            "none" => Ok(Self::None),
            "false" | "" => Ok(Self::Omit),
            _ => Err(format!(
                "{value:?} is not Strict, Lax, None or False (to omit it)"
            )),
        }
    }
}

impl<'de> Deserialize<'de> for SameSite {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Bool(false) => Ok(Self::Omit),
            Raw::Bool(true) => Err(serde::de::Error::custom(
                "SameSite must be a string or false",
            )),
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

impl<'de> Deserialize<'de> for EngineKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// How engines that store bytes encode sessions (`SESSION_CODEC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecKind {
    /// Our JSON (the default).
    Json,
    /// Django's signed format, to share a store with a Django app.
    Django,
}

impl FromStr for CodecKind {
    type Err = String;

    fn from_str(value: &str) -> std::result::Result<Self, String> {
        match value.to_ascii_lowercase().as_str() {
            "json" => Ok(Self::Json),
            "django" => Ok(Self::Django),
            _ => Err(format!("{value:?} is not json or django")),
        }
    }
}

impl<'de> Deserialize<'de> for CodecKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A TOML error as [`Error::Config`] on `SESSIONS_CONFIG`, kept as the source. The reason ends
/// with the TOML error's text (where, the line, what is wrong, the unknown name) so that
/// `Display` alone names the problem; [`error_chain`](crate::error_chain) then says it once.
fn toml_error(prefix: &str, err: toml::de::Error) -> Error {
    let reason = format!("{prefix}{}", err.to_string().trim_end());
    Error::config_source(CONFIG_ENV, reason, err)
}

mod fields;
mod validate;

pub use crate::defaults;
pub use crate::secret::Secret;

pub use validate::is_sql_identifier;

#[cfg(test)]
mod tests;
