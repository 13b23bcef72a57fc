//! Django's expiry rules (`set_expiry` and the `get_expiry_*` family), plus an absolute cap.
//!
//! Everything here is a pure function of the times passed in; the [`Clock`](crate::Clock)
//! supplies `now`.

use serde_json::Value;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::datetime::{format_iso, parse_iso};
use crate::{Error, Result};

/// Django's default `SESSION_COOKIE_AGE`: two weeks, in seconds.
pub use crate::defaults::COOKIE_AGE as DEFAULT_COOKIE_AGE;

/// The longest `SESSION_COOKIE_AGE` or `SESSION_ABSOLUTE_AGE` the settings accept: 1,000 years,
/// in seconds, so that every date computed from them stays within [`LATEST`].
pub const MAX_AGE: i64 = 1000 * 31_557_600;

/// The earliest expiry date a session can have: Python's `datetime.min` (year 1), the range of
/// Django's dates and of every store's date column.
pub const EARLIEST: OffsetDateTime = datetime!(0001-01-01 00:00:00 UTC);

/// The latest expiry date a session can have: Python's `datetime.max` (year 9999).
pub const LATEST: OffsetDateTime = datetime!(9999-12-31 23:59:59.999999 UTC);

/// A session's own expiry, what Django's `set_expiry` stores under `_session_expiry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expiry {
    /// No custom expiry (`set_expiry(None)`): `SESSION_COOKIE_AGE` after the last save, and the
    /// cookie lasts until browser close only when `SESSION_EXPIRE_AT_BROWSER_CLOSE` is set.
    #[default]
    Default,
    /// `set_expiry(n)` with `n != 0`: `n` seconds of inactivity, counted from the last save.
    /// A negative `n` has already expired.
    Seconds(i64),
    /// `set_expiry(datetime)`: expires at that instant, whatever the activity.
    At(OffsetDateTime),
    /// `set_expiry(0)`: the cookie dies with the browser; the server keeps the record for
    /// `SESSION_COOKIE_AGE` after the last save.
    BrowserClose,
}

impl Expiry {
    /// Django's `set_expiry(n)` for an integer: `0` means browser close.
    pub fn seconds(n: i64) -> Self {
        if n == 0 {
            Self::BrowserClose
        } else {
            Self::Seconds(n)
        }
    }

    /// Django's `set_expiry(timedelta)`: an absolute date `after` from `now`.
    ///
    /// # Errors
    /// [`Error::ExpiryOutOfRange`] when the date falls outside [`EARLIEST`]..=[`LATEST`].
    pub fn after(now: OffsetDateTime, after: Duration) -> Result<Self> {
        checked_date(now.checked_add(after)).map(Self::At)
    }

    /// The value Django stores under `_session_expiry`: `None` for the default, an integer for
    /// seconds (`0` for browser close), an ISO-8601 string for a date.
    pub fn to_json(self) -> Option<Value> {
        match self {
            Self::Default => None,
            Self::Seconds(n) => Some(Value::from(n)),
            Self::BrowserClose => Some(Value::from(0)),
            Self::At(at) => Some(Value::String(format_iso(at))),
        }
    }

    /// Reads a stored `_session_expiry`. Django treats a falsy value (`null`, `0`) as "none set"
    /// for the age but `0` as browser close; numbers are whole seconds (fractions are dropped,
    /// as Django's `Max-Age` drops them); strings are ISO-8601 dates. Returns `None` for
    /// anything else.
    pub fn from_json(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(Self::Default),
            Value::Number(n) => {
                let seconds = n
                    .as_i64()
                    .or_else(|| n.as_f64().and_then(truncate_seconds))?;
                Some(Self::seconds(seconds))
            }
            Value::String(text) => parse_iso(text).map(Self::At),
            _ => None,
        }
    }
}

/// The settings that shape expiry: `SESSION_COOKIE_AGE`, `SESSION_EXPIRE_AT_BROWSER_CLOSE` and
/// the absolute cap `SESSION_ABSOLUTE_AGE`.
///
/// ```
/// use session_core::{Expiry, ExpiryPolicy};
/// use time::{macros::datetime, Duration};
///
/// let policy = ExpiryPolicy::default();
/// let now = datetime!(2023-11-14 22:13:20 UTC);
/// assert_eq!(policy.age(Expiry::Default, now), 1_209_600);
/// assert_eq!(policy.age(Expiry::Seconds(10), now), 10);
/// assert_eq!(policy.date(Expiry::Seconds(10), now)?, now + Duration::seconds(10));
/// assert!(policy.at_browser_close(Expiry::BrowserClose));
/// // A date past year 9999 is a typed error, never a panic.
/// assert!(policy.date(Expiry::Seconds(i64::MAX), now).is_err());
/// # Ok::<(), session_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryPolicy {
    /// `SESSION_COOKIE_AGE`, seconds.
    pub cookie_age: i64,
    /// `SESSION_EXPIRE_AT_BROWSER_CLOSE`.
    pub expire_at_browser_close: bool,
    /// `SESSION_ABSOLUTE_AGE`, seconds from creation that no activity extends; `None` for no cap.
    pub absolute_age: Option<i64>,
}

impl Default for ExpiryPolicy {
    fn default() -> Self {
        Self {
            cookie_age: DEFAULT_COOKIE_AGE,
            expire_at_browser_close: false,
            absolute_age: None,
        }
    }
}

impl ExpiryPolicy {
    /// Django's `get_expiry_age(modification=…)`: seconds until expiry. A custom number of
    /// seconds is returned unchanged (not measured from `modification`); a date gives the floor
    /// of the whole seconds left; no expiry, or browser close, gives `SESSION_COOKIE_AGE`.
    pub fn age(&self, expiry: Expiry, modification: OffsetDateTime) -> i64 {
        match expiry {
            Expiry::Default | Expiry::BrowserClose => self.cookie_age,
            Expiry::Seconds(n) => n,
            Expiry::At(at) => floor_seconds(at - modification),
        }
    }

    /// Django's `get_expiry_date(modification=…)`: when the session expires if last saved at
    /// `modification`.
    ///
    /// # Errors
    /// [`Error::ExpiryOutOfRange`] when the date falls outside [`EARLIEST`]..=[`LATEST`].
    pub fn date(&self, expiry: Expiry, modification: OffsetDateTime) -> Result<OffsetDateTime> {
        match expiry {
            Expiry::At(at) => checked_date(Some(at)),
            Expiry::Seconds(n) => add_seconds(modification, n),
            Expiry::Default | Expiry::BrowserClose => add_seconds(modification, self.cookie_age),
        }
    }

    /// Django's `get_expire_at_browser_close()`: the setting when no expiry was set, otherwise
    /// true only for `set_expiry(0)`.
    pub fn at_browser_close(&self, expiry: Expiry) -> bool {
        match expiry {
            Expiry::Default => self.expire_at_browser_close,
            Expiry::BrowserClose => true,
            Expiry::Seconds(_) | Expiry::At(_) => false,
        }
    }

    /// The instant the store drops the record: Django's expiry date, but never later than the
    /// absolute cap counted from `created_at`.
    ///
    /// # Errors
    /// [`Error::ExpiryOutOfRange`] when a date falls outside [`EARLIEST`]..=[`LATEST`].
    pub fn deadline(
        &self,
        expiry: Expiry,
        created_at: OffsetDateTime,
        modification: OffsetDateTime,
    ) -> Result<OffsetDateTime> {
        let date = self.date(expiry, modification)?;
        Ok(match self.absolute_cap(created_at)? {
            Some(cap) if cap < date => cap,
            _ => date,
        })
    }

    /// The seconds the cookie should live (`Max-Age`): [`ExpiryPolicy::age`], shortened by the
    /// absolute cap.
    ///
    /// # Errors
    /// [`Error::ExpiryOutOfRange`] when the cap falls outside [`EARLIEST`]..=[`LATEST`].
    pub fn capped_age(
        &self,
        expiry: Expiry,
        created_at: OffsetDateTime,
        modification: OffsetDateTime,
    ) -> Result<i64> {
        let age = self.age(expiry, modification);
        Ok(match self.absolute_cap(created_at)? {
            Some(cap) => age.min(floor_seconds(cap - modification)),
            None => age,
        })
    }

    /// `created_at` plus `SESSION_ABSOLUTE_AGE`, when the cap is set.
    fn absolute_cap(&self, created_at: OffsetDateTime) -> Result<Option<OffsetDateTime>> {
        self.absolute_age
            .map(|seconds| add_seconds(created_at, seconds))
            .transpose()
    }
}

/// `at + seconds`, refused outside [`EARLIEST`]..=[`LATEST`] instead of overflowing.
fn add_seconds(at: OffsetDateTime, seconds: i64) -> Result<OffsetDateTime> {
    checked_date(at.checked_add(Duration::seconds(seconds)))
}

fn checked_date(at: Option<OffsetDateTime>) -> Result<OffsetDateTime> {
    at.filter(|at| (EARLIEST..=LATEST).contains(at))
        .ok_or(Error::ExpiryOutOfRange)
}

/// Truncation toward zero, as Python's `int()`; out-of-range or non-finite floats are refused.
#[allow(clippy::cast_possible_truncation)] // the range is checked first
fn truncate_seconds(seconds: f64) -> Option<i64> {
    (seconds.is_finite() && seconds.abs() < 9.0e15).then(|| seconds.trunc() as i64)
}

/// Whole seconds rounded toward negative infinity, as Python's `timedelta` arithmetic does
/// (`+1.9 s` gives 1, `-0.5 s` gives -1).
pub fn floor_seconds(duration: Duration) -> i64 {
    let whole = duration.whole_seconds();
    if duration.subsec_nanoseconds() < 0 {
        whole - 1
    } else {
        whole
    }
}

#[cfg(test)]
mod tests;
