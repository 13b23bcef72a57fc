//! How a setting is declared: `define_settings!` takes each setting once (its Django name,
//! field, type, default and parser) and writes the [`Settings`](super::Settings) struct, its
//! `Default`, [`SETTING_NAMES`](super::SETTING_NAMES) and what
//! [`Settings::set`](super::Settings::set) does. Below it, the parsers: each reads a setting's
//! string form, as an environment variable spells it, as `fn(name, value) -> Result<T>`.

use std::error::Error as StdError;
use std::path::PathBuf;
use std::str::FromStr;

use super::Secret;
use crate::{Error, Result};

/// One line per setting:
///
/// ```text
/// /// <doc: the default, then what it does>
/// "DJANGO_NAME" => field: Type = default_expression, parser;
/// ```
///
/// The first doc line follows "`DJANGO_NAME`:" in the generated doc, so the name is written
/// once, in the string the TOML file, the environment and serde all use.
macro_rules! define_settings {
    ($(
        #[doc = $first_doc:literal]
        $(#[doc = $doc:literal])*
        $django:literal => $field:ident: $ty:ty = $default:expr, $parser:path;
    )*) => {
        /// Session settings. Field docs give each setting's Django name and default.
        #[derive(Debug, Clone, PartialEq, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        #[non_exhaustive]
        pub struct Settings {
            $(
                #[doc = concat!("`", $django, "`:", $first_doc)]
                $(#[doc = $doc])*
                #[serde(rename = $django)]
                pub $field: $ty,
            )*
        }

        impl Default for Settings {
            fn default() -> Self {
                Self {
                    $($field: $default,)*
                }
            }
        }

        /// The names of every setting [`Settings::set`] accepts, as Django spells them.
        pub const SETTING_NAMES: &[&str] = &[$($django),*];

        impl Settings {
            /// Parses `value` (already trimmed) into the setting `name`.
            fn set_trimmed(&mut self, name: &str, value: &str) -> Result<()> {
                match name {
                    $($django => self.$field = $parser(name, value)?,)*
                    _ => return Err(Error::config(name, "unknown setting")),
                }
                Ok(())
            }
        }
    };
}

pub(super) use define_settings;

/// One of our enums: its `FromStr` error is the whole sentence, value included.
pub(super) fn parse<T: FromStr<Err = String>>(name: &str, value: &str) -> Result<T> {
    value.parse().map_err(|err| Error::config(name, err))
}

/// A whole number; the parse error is kept as the source.
pub(super) fn parse_number<T>(name: &str, value: &str) -> Result<T>
where
    T: FromStr,
    T::Err: StdError + Send + Sync + 'static,
{
    value.parse().map_err(|err| {
        Error::config_source(name, format!("{value:?} is not a whole number here"), err)
    })
}

/// `True`/`False` as Django's settings and environment variables spell them (also `1`/`0`,
/// `yes`/`no`, `on`/`off`; empty is false).
pub(super) fn parse_bool(name: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" | "" => Ok(false),
        _ => Err(Error::config(
            name,
            format!("{value:?} is not True or False"),
        )),
    }
}

/// Any text, as given (every parser returns a `Result`, so that `set` treats them alike).
pub(super) fn text(_name: &str, value: &str) -> Result<String> {
    Ok(value.into())
}

/// Text, or none when empty or `None`.
pub(super) fn optional_text(_name: &str, value: &str) -> Result<Option<String>> {
    Ok(optional(value).map(Into::into))
}

/// A path, or none when empty or `None`.
pub(super) fn optional_path(_name: &str, value: &str) -> Result<Option<PathBuf>> {
    Ok(optional(value).map(PathBuf::from))
}

/// A whole number, or none when empty or `None`.
pub(super) fn optional_number<T>(name: &str, value: &str) -> Result<Option<T>>
where
    T: FromStr,
    T::Err: StdError + Send + Sync + 'static,
{
    optional(value).map(|v| parse_number(name, v)).transpose()
}

/// A secret, as given.
pub(super) fn secret(_name: &str, value: &str) -> Result<Secret> {
    Ok(Secret::new(value))
}

/// Comma-separated secrets; blanks between commas are skipped.
pub(super) fn secret_list(_name: &str, value: &str) -> Result<Vec<Secret>> {
    Ok(value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Secret::new)
        .collect())
}

fn optional(value: &str) -> Option<&str> {
    (!value.is_empty() && !value.eq_ignore_ascii_case("none")).then_some(value)
}
