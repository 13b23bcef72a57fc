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

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use crate::{Error, ExpiryPolicy, Result};

/// The environment variable naming a TOML settings file.
pub const CONFIG_ENV: &str = "SESSIONS_CONFIG";

/// Session settings. Field docs give each setting's Django name and default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Settings {
    /// `SESSION_ENGINE`: `db` (default), `cache`, `cached_db`, `file`, `signed_cookies`
    /// (`encrypted_cookies`, ours, too), or
    /// Django's dotted paths (`django.contrib.sessions.backends.db`).
    #[serde(rename = "SESSION_ENGINE")]
    pub engine: EngineKind,
    /// `SESSION_COOKIE_NAME`: `sessionid`.
    #[serde(rename = "SESSION_COOKIE_NAME")]
    pub cookie_name: String,
    /// `SESSION_COOKIE_AGE`: 1209600 seconds (two weeks).
    #[serde(rename = "SESSION_COOKIE_AGE")]
    pub cookie_age: i64,
    /// `SESSION_COOKIE_DOMAIN`: none (host-only cookie).
    #[serde(rename = "SESSION_COOKIE_DOMAIN")]
    pub cookie_domain: Option<String>,
    /// `SESSION_COOKIE_PATH`: `/`.
    #[serde(rename = "SESSION_COOKIE_PATH")]
    pub cookie_path: String,
    /// `SESSION_COOKIE_SECURE`: false.
    #[serde(rename = "SESSION_COOKIE_SECURE")]
    pub cookie_secure: bool,
    /// `SESSION_COOKIE_HTTPONLY`: true.
    #[serde(rename = "SESSION_COOKIE_HTTPONLY")]
    pub cookie_httponly: bool,
    /// `SESSION_COOKIE_SAMESITE`: `Lax`; `Strict`, `None`, or `false` to omit the attribute.
    #[serde(rename = "SESSION_COOKIE_SAMESITE")]
    pub cookie_samesite: SameSite,
    /// `SESSION_COOKIE_PARTITIONED` (ours, CHIPS): false.
    #[serde(rename = "SESSION_COOKIE_PARTITIONED")]
    pub cookie_partitioned: bool,
    /// `SESSION_SAVE_EVERY_REQUEST`: false.
    #[serde(rename = "SESSION_SAVE_EVERY_REQUEST")]
    pub save_every_request: bool,
    /// `SESSION_EXPIRE_AT_BROWSER_CLOSE`: false.
    #[serde(rename = "SESSION_EXPIRE_AT_BROWSER_CLOSE")]
    pub expire_at_browser_close: bool,
    /// `SESSION_ABSOLUTE_AGE` (ours): none; seconds from creation after which a session ends
    /// whatever its activity.
    #[serde(rename = "SESSION_ABSOLUTE_AGE")]
    pub absolute_age: Option<i64>,
    /// `SESSION_FILE_PATH`: none, meaning the system temp directory (Django).
    #[serde(rename = "SESSION_FILE_PATH")]
    pub file_path: Option<PathBuf>,
    /// `SESSION_DATABASE_URL` (ours): `sqlite://sessions.sqlite3`.
    #[serde(rename = "SESSION_DATABASE_URL")]
    pub database_url: String,
    /// `SESSION_DB_TABLE` (ours): `django_session`.
    #[serde(rename = "SESSION_DB_TABLE")]
    pub db_table: String,
    /// `SESSION_CACHE_URL` (ours): `memory://`; `redis://…`; several comma-separated
    /// `redis://` URLs are a Redis Cluster.
    #[serde(rename = "SESSION_CACHE_URL")]
    pub cache_url: String,
    /// `SESSION_CACHE_KEY_PREFIX` (ours): `session:`.
    #[serde(rename = "SESSION_CACHE_KEY_PREFIX")]
    pub cache_key_prefix: String,
    /// `SESSION_DJANGO_CACHE_KEY_PREFIX` (ours): `""`. With `SESSION_CODEC=django` on the cache
    /// engine, the `KEY_PREFIX` of the Django app's cache.
    #[serde(rename = "SESSION_DJANGO_CACHE_KEY_PREFIX")]
    pub django_cache_key_prefix: String,
    /// `SESSION_DJANGO_CACHE_VERSION` (ours): `1`. With `SESSION_CODEC=django` on the cache
    /// engine, the `VERSION` of the Django app's cache.
    #[serde(rename = "SESSION_DJANGO_CACHE_VERSION")]
    pub django_cache_version: i64,
    /// `SECRET_KEY`: empty (engines that sign refuse to start without one).
    #[serde(rename = "SECRET_KEY")]
    pub secret_key: Secret,
    /// `SECRET_KEY_FALLBACKS`: none; older keys that still verify.
    #[serde(rename = "SECRET_KEY_FALLBACKS")]
    pub secret_key_fallbacks: Vec<Secret>,
    /// `SESSION_CODEC` (ours): `json`; `django` to share a store with a Django app.
    #[serde(rename = "SESSION_CODEC")]
    pub codec: CodecKind,
    /// `SESSION_COOKIE_COMPRESS_FROM` (ours): `1024`. The signed cookie engine tries zlib on
    /// session JSON of this many bytes or more; `0` tries it on every session, as Django does
    /// (the same bytes as Django). Smaller sessions are signed plain, which Django reads.
    #[serde(rename = "SESSION_COOKIE_COMPRESS_FROM")]
    pub cookie_compress_from: usize,
    /// `SESSION_DB_EXPIRY_SLACK` (ours): `60` seconds. A db save that pushes the deadline later
    /// by less than this (and less than 1/1000 of the time left) leaves the indexed
    /// `expire_date` as it is; `0` writes it on every save, as Django does.
    #[serde(rename = "SESSION_DB_EXPIRY_SLACK")]
    pub db_expiry_slack: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            engine: EngineKind::Db,
            cookie_name: "sessionid".into(),
            cookie_age: crate::expiry::DEFAULT_COOKIE_AGE,
            cookie_domain: None,
            cookie_path: "/".into(),
            cookie_secure: false,
            cookie_httponly: true,
            cookie_samesite: SameSite::Lax,
            cookie_partitioned: false,
            save_every_request: false,
            expire_at_browser_close: false,
            absolute_age: None,
            file_path: None,
            database_url: "sqlite://sessions.sqlite3".into(),
            db_table: "django_session".into(),
            cache_url: "memory://".into(),
            cache_key_prefix: "session:".into(),
            django_cache_key_prefix: String::new(),
            django_cache_version: 1,
            secret_key: Secret::default(),
            secret_key_fallbacks: Vec::new(),
            codec: CodecKind::Json,
            cookie_compress_from: 1024,
            db_expiry_slack: 60,
        }
    }
}

/// The names of every setting [`Settings::set`] accepts, as Django spells them.
pub const SETTING_NAMES: &[&str] = &[
    "SESSION_ENGINE",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_AGE",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_PARTITIONED",
    "SESSION_SAVE_EVERY_REQUEST",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "SESSION_ABSOLUTE_AGE",
    "SESSION_FILE_PATH",
    "SESSION_DATABASE_URL",
    "SESSION_DB_TABLE",
    "SESSION_CACHE_URL",
    "SESSION_CACHE_KEY_PREFIX",
    "SESSION_DJANGO_CACHE_KEY_PREFIX",
    "SESSION_DJANGO_CACHE_VERSION",
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "SESSION_CODEC",
    "SESSION_COOKIE_COMPRESS_FROM",
    "SESSION_DB_EXPIRY_SLACK",
];

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
    /// [`Error::Config`] (`SESSIONS_CONFIG`) when the file cannot be read or parsed.
    pub fn from_toml_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            Error::config(CONFIG_ENV, format!("cannot read {}: {err}", path.display()))
        })?;
        Self::from_toml(&text)
            .map_err(|err| Error::config(CONFIG_ENV, format!("{}: {err}", path.display())))
    }

    /// Settings from TOML text.
    ///
    /// # Errors
    /// [`Error::Config`] (`SESSIONS_CONFIG`) when the text does not parse or names an unknown
    /// setting.
    pub fn from_toml(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|err| Error::config(CONFIG_ENV, err.to_string()))
    }

    /// Sets one setting from its string form, as an environment variable spells it
    /// (`True`/`False` for booleans, comma-separated lists, an empty value for "none").
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting when the name is unknown or the value invalid.
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let value = value.trim();
        match name {
            "SESSION_ENGINE" => self.engine = parse(name, value)?,
            "SESSION_COOKIE_NAME" => self.cookie_name = value.into(),
            "SESSION_COOKIE_AGE" => self.cookie_age = parse_number(name, value)?,
            "SESSION_COOKIE_DOMAIN" => self.cookie_domain = optional(value).map(Into::into),
            "SESSION_COOKIE_PATH" => self.cookie_path = value.into(),
            "SESSION_COOKIE_SECURE" => self.cookie_secure = parse_bool(name, value)?,
            "SESSION_COOKIE_HTTPONLY" => self.cookie_httponly = parse_bool(name, value)?,
            "SESSION_COOKIE_SAMESITE" => self.cookie_samesite = parse(name, value)?,
            "SESSION_COOKIE_PARTITIONED" => self.cookie_partitioned = parse_bool(name, value)?,
            "SESSION_SAVE_EVERY_REQUEST" => self.save_every_request = parse_bool(name, value)?,
            "SESSION_EXPIRE_AT_BROWSER_CLOSE" => {
                self.expire_at_browser_close = parse_bool(name, value)?;
            }
            "SESSION_ABSOLUTE_AGE" => {
                self.absolute_age = optional(value).map(|v| parse_number(name, v)).transpose()?;
            }
            "SESSION_FILE_PATH" => self.file_path = optional(value).map(PathBuf::from),
            "SESSION_DATABASE_URL" => self.database_url = value.into(),
            "SESSION_DB_TABLE" => self.db_table = value.into(),
            "SESSION_CACHE_URL" => self.cache_url = value.into(),
            "SESSION_CACHE_KEY_PREFIX" => self.cache_key_prefix = value.into(),
            "SESSION_DJANGO_CACHE_KEY_PREFIX" => self.django_cache_key_prefix = value.into(),
            "SESSION_DJANGO_CACHE_VERSION" => {
                self.django_cache_version = parse_number(name, value)?;
            }
            "SECRET_KEY" => self.secret_key = Secret::new(value),
            "SECRET_KEY_FALLBACKS" => {
                self.secret_key_fallbacks = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(Secret::new)
                    .collect();
            }
            "SESSION_CODEC" => self.codec = parse(name, value)?,
            "SESSION_COOKIE_COMPRESS_FROM" => {
                self.cookie_compress_from = parse_number(name, value)?;
            }
            "SESSION_DB_EXPIRY_SLACK" => self.db_expiry_slack = parse_number(name, value)?,
            _ => return Err(Error::config(name, "unknown setting")),
        }
        Ok(())
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

/// One of our enums: its `FromStr` error is the whole sentence, value included.
fn parse<T: FromStr<Err = String>>(name: &str, value: &str) -> Result<T> {
    value.parse().map_err(|err| Error::config(name, err))
}

/// A whole number.
fn parse_number<T: FromStr>(name: &str, value: &str) -> Result<T>
where
    T::Err: fmt::Display,
{
    value.parse().map_err(|err| {
        Error::config(
            name,
            format!("{value:?} is not a whole number here ({err})"),
        )
    })
}

fn parse_bool(name: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" | "" => Ok(false),
        _ => Err(Error::config(
            name,
            format!("{value:?} is not True or False"),
        )),
    }
}

fn optional(value: &str) -> Option<&str> {
    (!value.is_empty() && !value.eq_ignore_ascii_case("none")).then_some(value)
}

mod secret;
mod validate;

pub use secret::Secret;

pub use validate::is_sql_identifier;

#[cfg(test)]
mod tests;
