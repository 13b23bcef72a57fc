//! How a record becomes the bytes a store keeps, and back: one [`RecordCodec`] abstraction
//! with two formats, ours ([`JsonCodec`]) and Django's ([`DjangoCodec`](django::DjangoCodec);
//! the Redis engine adds Django's pickled cache entries). Every engine that stores bytes (the
//! db, files, Redis) takes a codec and never asks which one it has: what differs between the
//! formats is said by the codec itself, through [`Beside`], [`Expected`] and
//! [`RecordCodec::header_len`].
//!
//! Both formats write the session dict Django keeps: the user's keys in insertion order, then
//! the expiry under Django's reserved `_session_expiry` (omitted for the default).

use std::borrow::Cow;
use std::fmt;

use time::OffsetDateTime;

use crate::session::EXPIRY_KEY;
use crate::{Data, Error, Expiry, Record, Result, Version};

/// Where a dict keeps the session's creation time (ISO-8601): in our legacy JSON form, and in
/// Django's dict when the engine enforces `SESSION_ABSOLUTE_AGE` without a store of its own
/// (the cookie engines).
pub const CREATED_AT: &str = "_session_created_at";

/// What a store keeps beside the encoded bytes, given back to [`RecordCodec::decode`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Beside {
    /// The store's own version counter (the db engine's `version` column).
    pub version: Option<u64>,
    /// The store's own deadline (the db engine's `expire_date`; Redis's TTL read back).
    pub expires_at: Option<OffsetDateTime>,
    /// When the bytes were last written (a session file's modification time).
    pub modified_at: Option<OffsetDateTime>,
}

impl Beside {
    /// Nothing kept beside the bytes.
    pub const NOTHING: Self = Self {
        version: None,
        expires_at: None,
        modified_at: None,
    };

    /// The store's version counter and deadline (a database row's columns).
    pub fn row(version: u64, expires_at: OffsetDateTime) -> Self {
        Self {
            version: Some(version),
            expires_at: Some(expires_at),
            modified_at: None,
        }
    }

    /// The store's deadline alone (Redis's TTL).
    pub fn deadline(expires_at: OffsetDateTime) -> Self {
        Self {
            expires_at: Some(expires_at),
            ..Self::NOTHING
        }
    }

    /// The time the bytes were last written (a file's modification time).
    pub fn modified(modified_at: OffsetDateTime) -> Self {
        Self {
            modified_at: Some(modified_at),
            ..Self::NOTHING
        }
    }

    /// The same, with the time the bytes were last written (or read, where the store does not
    /// keep that time: the creation time a format without one reports).
    #[must_use]
    pub fn with_modified(mut self, modified_at: OffsetDateTime) -> Self {
        self.modified_at = Some(modified_at);
        self
    }
}

/// A record encoded for a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// What to store.
    pub bytes: Vec<u8>,
    /// The version the record has once these bytes are stored.
    pub version: Version,
    /// The modification time to give a file holding these bytes, when the format reads its
    /// deadline from it (Django's file engine); `None` otherwise.
    pub modified_at: Option<OffsetDateTime>,
}

/// What a conditional save must find stored, as the codec versions records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected<'a> {
    /// A version counter (ours: the header's, the db's `version` column).
    Counter(u64),
    /// The stored bytes themselves (Django's formats: every Django write signs or pickles
    /// anew, so a write Django made since the load is seen). Empty for a record never stored,
    /// which matches nothing.
    Bytes(Cow<'a, [u8]>),
}

impl<'a> Expected<'a> {
    /// What a save of `record` must find for a format versioned by its stored bytes: the
    /// bytes its version token holds (none for a record never stored, which match nothing).
    pub fn stored_bytes(record: &'a Record) -> Self {
        Self::Bytes(Cow::Borrowed(record.version.as_token().unwrap_or_default()))
    }

    /// The version counter a save finding this stores (`next` of
    /// [`RecordCodec::encode`]): one up from a counter; 0, unused, for bytes.
    ///
    /// # Errors
    /// [`Error::Conflict`] when the counter cannot go up (no store holds such a version).
    pub fn next(&self) -> Result<u64> {
        match self {
            Self::Counter(current) => current.checked_add(1).ok_or(Error::Conflict),
            Self::Bytes(_) => Ok(0),
        }
    }
}

/// A stored record's format.
///
/// ```
/// use session_core::codec::{Beside, RecordCodec};
/// use session_core::{Data, Expiry, ExpiryPolicy, JsonCodec, Record};
/// use time::macros::datetime;
///
/// let now = datetime!(2023-11-14 22:13:20 UTC);
/// let record = Record::new(Data::new(), Expiry::Seconds(60), now, &ExpiryPolicy::default())?;
/// let encoded = JsonCodec.encode(&record, 3, now)?;
/// let decoded = JsonCodec.decode(&encoded.bytes, Beside::NOTHING)?;
/// assert_eq!(decoded.version, encoded.version);
/// assert_eq!(decoded.expires_at, record.expires_at);
/// # Ok::<(), session_core::Error>(())
/// ```
pub trait RecordCodec: Send + Sync + fmt::Debug {
    /// The format's name, for logs (`json`, `django`, `pickle`).
    fn name(&self) -> &'static str;

    /// `record` as stored at version `next` (a counter; formats versioned by their bytes ignore
    /// it), written at `now`.
    ///
    /// # Errors
    /// [`Error::Codec`] when the record cannot be serialized; [`Error::ExpiryOutOfRange`] when a
    /// time the format stores is out of range.
    fn encode(&self, record: &Record, next: u64, now: OffsetDateTime) -> Result<Encoded>;

    /// The record in stored `bytes`, with what the store kept `beside` them.
    ///
    /// # Errors
    /// [`Error::Codec`] when the bytes are not this format's (corrupt, foreign, tampered).
    fn decode(&self, bytes: &[u8], beside: Beside) -> Result<Record>;

    /// What a save of `record` must find stored.
    ///
    /// # Errors
    /// [`Error::Conflict`] when the record's version cannot be this format's (it then matches
    /// nothing stored).
    fn expected<'a>(&self, record: &'a Record) -> Result<Expected<'a>>;

    /// `Some(n)`: the first `n` bytes of a stored value hold its version and deadline, which
    /// [`stamp`](RecordCodec::stamp) reads from them alone (ours: a server-side script or a
    /// sweep checks them without decoding). `None`: the whole value must be read, and the
    /// deadline lives beside it (Django's formats).
    fn header_len(&self) -> Option<usize>;

    /// The version and deadline of a stored value (only its first
    /// [`header_len`](RecordCodec::header_len) bytes, when `Some`).
    ///
    /// # Errors
    /// [`Error::Codec`] when the bytes are not this format's.
    fn stamp(&self, bytes: &[u8], beside: Beside) -> Result<Stamp> {
        let record = self.decode(bytes, beside)?;
        Ok(Stamp {
            version: record.version,
            expires_at: record.expires_at,
        })
    }

    /// A stored value moved to the deadline `expires_at` at `now` without re-encoding its data
    /// (`touch`): new bytes (ours: the header rewritten) or a new modification time (Django's
    /// files); the version stays.
    ///
    /// # Errors
    /// [`Error::Codec`] when the bytes are not this format's; [`Error::ExpiryOutOfRange`].
    fn moved(
        &self,
        bytes: &[u8],
        beside: Beside,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Encoded>;

    /// True when the record's creation time survives the format (so `SESSION_ABSOLUTE_AGE`
    /// counts from it); false for Django's, which keeps only the dict.
    fn keeps_created_at(&self) -> bool;
}

/// A codec behind an `Arc` is a codec (so a codec chosen at run time, `Arc<dyn RecordCodec>`,
/// is given to a builder as any other).
impl<C: RecordCodec + ?Sized> RecordCodec for std::sync::Arc<C> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn encode(&self, record: &Record, next: u64, now: OffsetDateTime) -> Result<Encoded> {
        (**self).encode(record, next, now)
    }
    fn decode(&self, bytes: &[u8], beside: Beside) -> Result<Record> {
        (**self).decode(bytes, beside)
    }
    fn expected<'a>(&self, record: &'a Record) -> Result<Expected<'a>> {
        (**self).expected(record)
    }
    fn header_len(&self) -> Option<usize> {
        (**self).header_len()
    }
    fn stamp(&self, bytes: &[u8], beside: Beside) -> Result<Stamp> {
        (**self).stamp(bytes, beside)
    }
    fn moved(
        &self,
        bytes: &[u8],
        beside: Beside,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Encoded> {
        (**self).moved(bytes, beside, expires_at, now)
    }
    fn keeps_created_at(&self) -> bool {
        (**self).keeps_created_at()
    }
}

/// A stored value's version and deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The stored version.
    pub version: Version,
    /// When the stored record dies.
    pub expires_at: OffsetDateTime,
}

/// The live record in stored `bytes` at `now`: `None` when it is expired, or when it does not
/// decode, which is logged as a warning (never the key) and read as no session, as the
/// [`Backend`](crate::Backend) contract says of corrupt data.
pub fn load_live(
    codec: &dyn RecordCodec,
    bytes: &[u8],
    beside: Beside,
    now: OffsetDateTime,
    engine: &'static str,
) -> Option<Record> {
    match codec.decode(bytes, beside) {
        Ok(record) => record.is_live(now).then_some(record),
        Err(err) => {
            tracing::warn!(
                backend = engine,
                codec = codec.name(),
                error = %crate::error_chain(&err),
                "stored session does not decode; treating the session as absent"
            );
            None
        }
    }
}

/// Writes the entries of the dict Django keeps for `record` into `map`: the data in order,
/// then `_session_expiry` unless the expiry is the default. Engines that store Django's dict
/// (the cookie engines) serialize exactly this, without copying the data.
///
/// # Errors
/// What `map` returns.
pub fn serialize_django_entries<M: serde::ser::SerializeMap>(
    map: &mut M,
    record: &Record,
) -> std::result::Result<(), M::Error> {
    for (key, value) in record.data.iter() {
        map.serialize_entry(key, value)?;
    }
    if let Some(expiry) = record.expiry.to_json() {
        map.serialize_entry(EXPIRY_KEY, &expiry)?;
    }
    Ok(())
}

/// Takes Django's `_session_expiry` out of `dict` (absent: the default).
///
/// # Errors
/// [`Error::Codec`] when the expiry is invalid.
pub(crate) fn take_expiry(dict: &mut Data) -> Result<Expiry> {
    let expiry = match dict.shift_remove(EXPIRY_KEY) {
        None => Expiry::Default,
        Some(value) => Expiry::from_json(&value)
            .ok_or_else(|| Error::codec(format!("invalid {EXPIRY_KEY}: {value}")))?,
    };
    Ok(expiry)
}

pub mod dict;
pub mod django;
pub mod framed;
mod json;

pub use json::JsonCodec;
