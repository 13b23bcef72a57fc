//! What a backend stores: the session's data, its expiry and a version for conditional saves.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

use crate::{Expiry, ExpiryPolicy, Result, SessionKey};

/// The session dict: string keys to JSON values, in insertion order (as Django's dicts).
pub type Data = serde_json::Map<String, Value>;

/// One stored session.
///
/// `data` is shared copy-on-write (`Arc::make_mut`), so an in-process engine hands out records
/// without copying them, and the copy happens once, at the first change.
#[derive(Clone, PartialEq)]
pub struct Record {
    /// The session dict, without the framework's `_session_*` keys.
    pub data: Arc<Data>,
    /// The session's own expiry (Django's `_session_expiry`).
    pub expiry: Expiry,
    /// When the session was first stored; the absolute cap counts from here.
    pub created_at: OffsetDateTime,
    /// When the session was last saved; idle expiry counts from here.
    pub modified_at: OffsetDateTime,
    /// When the store drops the record: computed by [`ExpiryPolicy::deadline`] at save time.
    pub expires_at: OffsetDateTime,
    /// The version this record was loaded at; a save succeeds only if the store still holds it.
    pub version: Version,
    /// What the backend that loaded this record attached to it, to find it again on save
    /// without a second lookup. Never stored, never compared; `None` on new records.
    pub handle: Option<BackendHandle>,
}

impl Record {
    /// A record saved for the first time at `now`.
    ///
    /// ```
    /// use session_core::{Data, Expiry, ExpiryPolicy, Record};
    /// use time::{macros::datetime, Duration};
    ///
    /// let now = datetime!(2023-11-14 22:13:20 UTC);
    /// let record = Record::new(Data::new(), Expiry::Seconds(60), now, &ExpiryPolicy::default())?;
    /// assert_eq!(record.expires_at, now + Duration::seconds(60));
    /// assert!(record.is_live(now + Duration::seconds(59)));
    /// assert!(!record.is_live(now + Duration::seconds(60)));
    /// # Ok::<(), session_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ExpiryOutOfRange`](crate::Error::ExpiryOutOfRange) when the expiry date falls
    /// outside the years 1 to 9999.
    pub fn new(
        data: Data,
        expiry: Expiry,
        now: OffsetDateTime,
        policy: &ExpiryPolicy,
    ) -> Result<Self> {
        let now = truncate_to_micros(now);
        Ok(Self {
            data: Arc::new(data),
            expiry,
            created_at: now,
            modified_at: now,
            expires_at: policy.deadline(expiry, now, now)?,
            version: Version::INITIAL,
            handle: None,
        })
    }

    /// Marks the record as saved at `now`: moves `modified_at` and recomputes `expires_at`.
    ///
    /// # Errors
    /// [`Error::ExpiryOutOfRange`](crate::Error::ExpiryOutOfRange) when the expiry date falls
    /// outside the years 1 to 9999; the record is left unchanged.
    pub fn renew(&mut self, now: OffsetDateTime, policy: &ExpiryPolicy) -> Result<()> {
        let modified_at = truncate_to_micros(now);
        self.expires_at = policy.deadline(self.expiry, self.created_at, modified_at)?;
        self.modified_at = modified_at;
        Ok(())
    }

    /// True while `now` is before `expires_at`. A record is dead from its deadline on, so a
    /// load at exactly `expires_at` finds nothing (Django: `expire_date > now`).
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets (tokens, personal data): show only the keys.
        f.debug_struct("Record")
            .field("keys", &self.data.keys().collect::<Vec<_>>())
            .field("expiry", &self.expiry)
            .field("created_at", &self.created_at)
            .field("modified_at", &self.modified_at)
            .field("expires_at", &self.expires_at)
            .field("version", &self.version)
            .finish()
    }
}

/// Opaque state a backend attaches to the records it loads (an in-process engine: the
/// record's slot), so that saving the record back needs no second lookup. Backends must treat a
/// handle as a hint: check that it belongs to the key being saved, and never store it.
#[derive(Clone)]
pub struct BackendHandle(Arc<dyn Any + Send + Sync>);

impl BackendHandle {
    /// Wraps a backend's own state.
    pub fn new<T: Any + Send + Sync>(state: Arc<T>) -> Self {
        Self(state)
    }

    /// The backend's state, if it is a `T`.
    pub fn downcast<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        Arc::clone(&self.0).downcast().ok()
    }
}

impl fmt::Debug for BackendHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BackendHandle")
    }
}

/// Handles are hints, not data: they never make two records differ.
impl PartialEq for BackendHandle {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Drops sub-microsecond precision: every store keeps microseconds (Django's format, SQL
/// `datetime(6)`), so records round-trip exactly.
pub fn truncate_to_micros(at: OffsetDateTime) -> OffsetDateTime {
    let nanos = at.nanosecond();
    at.replace_nanosecond(nanos - nanos % 1_000).unwrap_or(at)
}

/// An opaque version token for conditional saves.
///
/// Our own format uses a counter that each save increments; in Django mode it is the stored
/// payload (or its digest), so writes made by Django itself are detected too.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Version(VersionRepr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum VersionRepr {
    Counter(u64),
    Token(Arc<[u8]>),
}

impl Version {
    /// The version of a record never stored.
    pub const INITIAL: Self = Self(VersionRepr::Counter(0));

    /// A counter version.
    pub const fn counter(n: u64) -> Self {
        Self(VersionRepr::Counter(n))
    }

    /// A version that is a token (a stored payload or its digest).
    pub fn token(token: impl AsRef<[u8]>) -> Self {
        Self(VersionRepr::Token(Arc::from(token.as_ref())))
    }

    /// The counter, if this is a counter version.
    pub fn as_counter(&self) -> Option<u64> {
        match self.0 {
            VersionRepr::Counter(n) => Some(n),
            VersionRepr::Token(_) => None,
        }
    }

    /// The token, if this is a token version.
    pub fn as_token(&self) -> Option<&[u8]> {
        match &self.0 {
            VersionRepr::Counter(_) => None,
            VersionRepr::Token(token) => Some(token),
        }
    }

    /// The counter version after this one (a token counts as zero).
    #[must_use]
    pub fn next(&self) -> Self {
        Self::counter(self.as_counter().unwrap_or(0).wrapping_add(1))
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            VersionRepr::Counter(n) => write!(f, "Version({n})"),
            VersionRepr::Token(token) => write!(f, "Version(<token, {} bytes>)", token.len()),
        }
    }
}

/// Where a record now lives after `create`, `save` or `cycle`: its key (a new token for the
/// cookie engine) and its new version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The key now holding the record.
    pub key: SessionKey,
    /// The record's version in the store.
    pub version: Version,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn versions_count_up_and_tokens_stay_opaque() {
        assert_eq!(Version::INITIAL.next(), Version::counter(1));
        let token = Version::token("eyJmb28iOiJiYXIifQ:1r31eq:sig");
        assert_eq!(token.as_counter(), None);
        assert!(!format!("{token:?}").contains("eyJ"));
        assert_eq!(token.next(), Version::counter(1));
    }

    #[test]
    fn renew_moves_idle_expiry_but_not_the_cap() -> crate::Result<()> {
        let policy = ExpiryPolicy {
            absolute_age: Some(100),
            ..ExpiryPolicy::default()
        };
        let start = datetime!(2023-11-14 22:13:20 UTC);
        let mut record = Record::new(Data::new(), Expiry::Seconds(30), start, &policy)?;
        assert_eq!(record.expires_at, start + time::Duration::seconds(30));
        record.renew(start + time::Duration::seconds(80), &policy)?;
        assert_eq!(record.expires_at, start + time::Duration::seconds(100));
        assert_eq!(record.created_at, start);
        Ok(())
    }

    #[test]
    fn debug_hides_values() -> crate::Result<()> {
        let mut data = Data::new();
        data.insert("token".into(), Value::from("hunter2"));
        let record = Record::new(
            data,
            Expiry::Default,
            datetime!(2023-11-14 22:13:20 UTC),
            &ExpiryPolicy::default(),
        )?;
        let debug = format!("{record:?}");
        assert!(debug.contains("token") && !debug.contains("hunter2"));
        Ok(())
    }

    #[test]
    fn times_keep_microseconds_only() {
        let at = datetime!(2023-11-14 22:13:20.123456789 UTC);
        assert_eq!(
            truncate_to_micros(at),
            datetime!(2023-11-14 22:13:20.123456 UTC)
        );
    }
}
