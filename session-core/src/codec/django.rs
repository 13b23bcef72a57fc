//! Django's own `session_data`: the session dict signed by `django.core.signing` with the salt
//! `django.contrib.sessions.SessionStore`, compressed by Django's rule (reference §4.2).
//!
//! A record stored this way holds only what Django keeps: the data and `_session_expiry`. The
//! version of such a record is the stored text itself, so a write by Django between our load
//! and our save is seen as a conflict (every Django write signs anew). The deadline lives
//! beside the text: the db engine's `expire_date`, or a file's modification time read by
//! Django's file-engine rule (below).
//!
//! ```
//! use session_core::codec::django::DjangoCodec;
//! use session_core::settings::Secret;
//! use session_core::signing::Keyring;
//!
//! let keys = Keyring::new(Secret::new("rust-interop-test-secret-key-0123456789"), Vec::new())?;
//! let codec = DjangoCodec::new(&keys);
//! // Django 5.2's session_data for {"foo": "bar"} (reference Appendix A.2).
//! let stored = codec.decode_session("eyJmb28iOiJiYXIifQ:1r31eq:NGTGP1_Q_Rv1BFGNyg-1cl9pUskV3dBhh2Npl5Bn71Q")?;
//! assert_eq!(stored.data["foo"], "bar");
//! assert_eq!(stored.signed_at.unix_timestamp(), 1_700_000_000);
//! # Ok::<(), session_core::Error>(())
//! ```
//!
//! Django's file engine reads a session's deadline from its file: the `_session_expiry` date,
//! or else the modification time plus `SESSION_COOKIE_AGE` (and never, for an integer
//! `set_expiry`: its bug, reference §3.4). [`Encoded::modified_at`] is the modification time
//! that makes Django's rule give our deadline, and integer expiries are read as counted from
//! the modification time, so they do expire here.

use std::sync::Arc;

use serde_json::Value;
use time::{Duration, OffsetDateTime};

use super::{Beside, Encoded, Expected, RecordCodec};
use crate::session::RESERVED_PREFIX;
use crate::signing::{Keyring, Signer};
use crate::{Data, Error, Expiry, Record, Result, Version};

/// The salt of `session_data` for Django's built-in engines (`key_salt` of `SessionStore`).
pub const SESSION_STORE_SALT: &str = "django.contrib.sessions.SessionStore";

/// What a Django `session_data` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct DjangoSession {
    /// The session dict without `_session_expiry`.
    pub data: Data,
    /// `_session_expiry`, as Django wrote it.
    pub expiry: Expiry,
    /// When it was signed: the last save, by Django or by us.
    pub signed_at: OffsetDateTime,
}

impl DjangoSession {
    /// The record of this session, live until `expires_at` (the store's own deadline: the db
    /// engine's `expire_date`), versioned by the stored `text`.
    pub fn into_record(self, text: &str, expires_at: OffsetDateTime) -> Record {
        Record {
            data: Arc::new(self.data),
            expiry: self.expiry,
            created_at: self.signed_at,
            modified_at: self.signed_at,
            expires_at,
            version: Version::token(text.as_bytes()),
            handle: None,
        }
    }
}

/// Django's `session_data` format (`SESSION_CODEC=django`), for the db and file engines.
#[derive(Debug, Clone)]
pub struct DjangoCodec {
    signer: Signer,
    cookie_age: i64,
}

impl DjangoCodec {
    /// The codec of Django's built-in engines over `keys` (`SECRET_KEY`, then the fallbacks).
    pub fn new(keys: &Keyring) -> Self {
        Self::with_salt(keys, SESSION_STORE_SALT)
    }

    /// The codec of a `SessionStore` subclass with its own `key_salt`.
    pub fn with_salt(keys: &Keyring, salt: &str) -> Self {
        Self {
            signer: Signer::new(keys, salt),
            cookie_age: crate::expiry::DEFAULT_COOKIE_AGE,
        }
    }

    /// `SESSION_COOKIE_AGE` in seconds, which Django's file rule adds to a file's modification
    /// time for a session without its own expiry. Default: two weeks, Django's.
    #[must_use]
    pub fn with_cookie_age(mut self, seconds: i64) -> Self {
        self.cookie_age = seconds;
        self
    }

    /// `record` as Django's `encode(session_dict)`, signed at `now`: the data, then
    /// `_session_expiry` unless it is the default.
    ///
    /// # Errors
    /// [`Error::Codec`] if the data cannot be serialized.
    pub fn sign(&self, record: &Record, now: OffsetDateTime) -> Result<String> {
        self.signer
            .dumps(&DjangoDict::new(record), true, now.unix_timestamp())
    }

    /// Django's `decode(session_data)`, without its silence: what is wrong is an error.
    ///
    /// # Errors
    /// [`Error::Codec`] when the signature matches no key, the payload does not decode, the
    /// dict is not a dict, or `_session_expiry` is not one of Django's forms.
    pub fn decode_session(&self, text: &str) -> Result<DjangoSession> {
        let loaded = self.signer.loads(text, None, 0).map_err(Error::codec)?;
        let Value::Object(mut data) = loaded.value else {
            return Err(Error::codec("Django session_data that is not a dict"));
        };
        let expiry = super::take_expiry(&mut data)?;
        // Other `_session_*` keys are the framework's, never session data (as `from_dict`).
        data.retain(|key, _| !key.starts_with(RESERVED_PREFIX));
        let signed_at =
            OffsetDateTime::from_unix_timestamp(loaded.timestamp).map_err(Error::codec)?;
        Ok(DjangoSession {
            data,
            expiry,
            signed_at,
        })
    }

    fn cookie_age(&self) -> Duration {
        Duration::seconds(self.cookie_age)
    }

    /// Django's file rule: when a session with `expiry`, its file last modified at `modified`,
    /// dies.
    fn file_deadline(&self, expiry: Expiry, modified: OffsetDateTime) -> Result<OffsetDateTime> {
        match expiry {
            Expiry::At(at) => Some(at),
            Expiry::Seconds(seconds) => modified.checked_add(Duration::seconds(seconds)),
            Expiry::Default | Expiry::BrowserClose => modified.checked_add(self.cookie_age()),
        }
        .ok_or(Error::ExpiryOutOfRange)
    }

    /// The modification time that makes [`file_deadline`](Self::file_deadline) give
    /// `expires_at` for a session with `expiry`.
    fn modified_for(
        &self,
        expiry: Expiry,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<OffsetDateTime> {
        match expiry {
            Expiry::At(_) => Some(now),
            Expiry::Seconds(seconds) => expires_at.checked_sub(Duration::seconds(seconds)),
            Expiry::Default | Expiry::BrowserClose => expires_at.checked_sub(self.cookie_age()),
        }
        .ok_or(Error::ExpiryOutOfRange)
    }

    /// The stored bytes as text (Django's `session_data` is ASCII).
    fn text(bytes: &[u8]) -> Result<&str> {
        std::str::from_utf8(bytes).map_err(Error::codec)
    }
}

impl RecordCodec for DjangoCodec {
    fn name(&self) -> &'static str {
        "django"
    }

    fn encode(&self, record: &Record, _next: u64, now: OffsetDateTime) -> Result<Encoded> {
        let text = self.sign(record, now)?;
        Ok(Encoded {
            version: Version::token(text.as_bytes()),
            modified_at: Some(self.modified_for(record.expiry, record.expires_at, now)?),
            bytes: text.into_bytes(),
        })
    }

    /// The deadline is the store's (`expire_date`), or else Django's file rule on the
    /// modification time; the version is the text.
    fn decode(&self, bytes: &[u8], beside: Beside) -> Result<Record> {
        let text = Self::text(bytes)?;
        // Django's empty placeholder (a save that never finished) does not decode: no session.
        let session = self.decode_session(text)?;
        let expires_at = match (beside.expires_at, beside.modified_at) {
            (Some(at), _) => at,
            (None, Some(modified)) => self.file_deadline(session.expiry, modified)?,
            (None, None) => return Err(Error::codec("Django session_data without a deadline")),
        };
        Ok(session.into_record(text, expires_at))
    }

    fn expected<'a>(&self, record: &'a Record) -> Result<Expected<'a>> {
        // A record never stored here matches nothing (Django never stores "").
        Ok(Expected::stored_bytes(record))
    }

    fn header_len(&self) -> Option<usize> {
        None
    }

    fn moved(
        &self,
        bytes: &[u8],
        beside: Beside,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Encoded> {
        let record = self.decode(bytes, beside)?;
        Ok(Encoded {
            bytes: bytes.to_vec(),
            version: record.version,
            modified_at: Some(self.modified_for(record.expiry, expires_at, now)?),
        })
    }

    fn keeps_created_at(&self) -> bool {
        false
    }
}

/// The dict Django keeps for a record, serialized without copying: the data in order, then
/// `_session_expiry` unless the expiry is the default, then
/// [`_session_created_at`](super::CREATED_AT) when asked for with
/// [`with_created_at`](DjangoDict::with_created_at).
#[derive(Debug)]
pub struct DjangoDict<'a> {
    record: &'a Record,
    created_at: bool,
}

impl<'a> DjangoDict<'a> {
    /// Django's dict of `record`.
    pub fn new(record: &'a Record) -> Self {
        Self {
            record,
            created_at: false,
        }
    }

    /// Also keeps `record.created_at` (Django ignores the key and keeps it on its own saves).
    #[must_use]
    pub fn with_created_at(mut self, yes: bool) -> Self {
        self.created_at = yes;
        self
    }
}

impl serde::Serialize for DjangoDict<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        super::serialize_django_entries(&mut map, self.record)?;
        if self.created_at {
            map.serialize_entry(
                super::CREATED_AT,
                &crate::datetime::format_iso(self.record.created_at),
            )?;
        }
        map.end()
    }
}
