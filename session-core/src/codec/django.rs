//! Django's own `session_data`: the session dict signed by `django.core.signing` with the salt
//! `django.contrib.sessions.SessionStore`, compressed by Django's rule (reference §4.2).
//!
//! A record stored this way holds only what Django keeps: the data and `_session_expiry`. The
//! version of such a record is the stored text itself, so a write by Django between our load
//! and our save is seen as a conflict (every Django write signs anew).
//!
//! ```
//! use session_core::codec::django::DjangoCodec;
//! use session_core::settings::Secret;
//! use session_core::signing::Keyring;
//!
//! let keys = Keyring::new(Secret::new("rust-interop-test-secret-key-0123456789"), Vec::new())?;
//! let codec = DjangoCodec::new(&keys);
//! // Django 5.2's session_data for {"foo": "bar"} (reference Appendix A.2).
//! let stored = codec.decode("eyJmb28iOiJiYXIifQ:1r31eq:NGTGP1_Q_Rv1BFGNyg-1cl9pUskV3dBhh2Npl5Bn71Q")?;
//! assert_eq!(stored.data["foo"], "bar");
//! assert_eq!(stored.signed_at.unix_timestamp(), 1_700_000_000);
//! # Ok::<(), session_core::Error>(())
//! ```

use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

use crate::session::{EXPIRY_KEY, RESERVED_PREFIX};
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
            version: Version::token(text),
            handle: None,
        }
    }
}

/// Encodes and decodes Django's `session_data`.
#[derive(Debug, Clone)]
pub struct DjangoCodec {
    signer: Signer,
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
        }
    }

    /// `record` as Django's `encode(session_dict)`, signed at `now`: the data, then
    /// `_session_expiry` unless it is the default.
    ///
    /// # Errors
    /// [`Error::Codec`] if the data cannot be serialized.
    pub fn encode(&self, record: &Record, now: OffsetDateTime) -> Result<String> {
        self.signer
            .dumps(&DjangoDict::new(record), true, now.unix_timestamp())
    }

    /// Django's `decode(session_data)`, without its silence: what is wrong is an error.
    ///
    /// # Errors
    /// [`Error::Codec`] when the signature matches no key, the payload does not decode, the
    /// dict is not a dict, or `_session_expiry` is not one of Django's forms.
    pub fn decode(&self, text: &str) -> Result<DjangoSession> {
        let loaded = self.signer.loads(text, None, 0).map_err(Error::codec)?;
        let Value::Object(mut data) = loaded.value else {
            return Err(Error::codec("Django session_data that is not a dict"));
        };
        let expiry = match data.shift_remove(EXPIRY_KEY) {
            None => Expiry::Default,
            Some(value) => Expiry::from_json(&value)
                .ok_or_else(|| Error::codec(format!("invalid {EXPIRY_KEY}: {value}")))?,
        };
        // Other `_session_*` keys are the framework's, never session data (as `from_dict`).
        data.retain(|key, _| !key.starts_with(RESERVED_PREFIX));
        let signed_at = OffsetDateTime::from_unix_timestamp(loaded.timestamp)
            .map_err(|err| Error::codec(err.to_string()))?;
        Ok(DjangoSession {
            data,
            expiry,
            signed_at,
        })
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
