//! Our format, [`JsonCodec`]: the [framed](super::framed) record, the session dict as JSON
//! behind a header of its version and times:
//!
//! ```text
//! 3:1700000060000000:1700000000000000:1700000000000000:{"cart":["apple"],"_session_expiry":60}
//! ```
//!
//! Values written by earlier versions still decode: the whole record as one JSON dict, its
//! metadata under `_session_*` keys that a Django app ignores ([`to_dict`], [`from_dict`]):
//!
//! ```text
//! {"cart":["apple"],"_session_expiry":3600,"_session_created_at":"2023-11-14T22:13:20+00:00",
//!  "_session_modified_at":"…","_session_expires_at":"…","_session_version":3}
//! ```

use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

use super::{Beside, CREATED_AT, Encoded, Expected, RecordCodec, Stamp, framed, take_expiry};
use crate::datetime::{format_iso, parse_iso};
use crate::session::{EXPIRY_KEY, RESERVED_PREFIX};
use crate::{Data, Error, Record, Result, Version};
const MODIFIED_AT: &str = "_session_modified_at";
const EXPIRES_AT: &str = "_session_expires_at";
const VERSION: &str = "_session_version";

/// Our record format (`SESSION_CODEC=json`, the default): compact JSON with key order kept,
/// framed by its version and times, so a store checks a save's version and a record's liveness
/// from the first [`MAX_HEADER_BYTES`](framed::MAX_HEADER_BYTES) without decoding it.
///
/// ```
/// use session_core::codec::{Beside, RecordCodec};
/// use session_core::{Data, Expiry, ExpiryPolicy, JsonCodec, Record};
/// use time::macros::datetime;
///
/// let now = datetime!(2023-11-14 22:13:20 UTC);
/// let mut data = Data::new();
/// data.insert("cart".into(), serde_json::json!(["apple"]));
/// let record = Record::new(data, Expiry::Seconds(3600), now, &ExpiryPolicy::default())?;
/// let encoded = JsonCodec.encode(&record, 1, now)?;
/// assert!(encoded.bytes.ends_with(br#":{"cart":["apple"],"_session_expiry":3600}"#));
/// let decoded = JsonCodec.decode(&encoded.bytes, Beside::NOTHING)?;
/// assert_eq!(decoded.data, record.data);
/// # Ok::<(), session_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonCodec;

impl RecordCodec for JsonCodec {
    fn name(&self) -> &'static str {
        "json"
    }

    fn encode(&self, record: &Record, next: u64, _now: OffsetDateTime) -> Result<Encoded> {
        Ok(Encoded {
            bytes: framed::encode(record, next)?,
            version: Version::counter(next),
            modified_at: None,
        })
    }

    /// The version and the deadline the store keeps beside the bytes (the db's columns) win
    /// over the header's: `touch` moves only the column.
    fn decode(&self, bytes: &[u8], beside: Beside) -> Result<Record> {
        let mut record = match framed::parse(bytes) {
            Some(header) => framed::decode(&header)?,
            None => decode_dict(bytes)?,
        };
        if let Some(version) = beside.version {
            record.version = Version::counter(version);
        }
        if let Some(expires_at) = beside.expires_at {
            record.expires_at = expires_at;
        }
        Ok(record)
    }

    fn expected<'a>(&self, record: &'a Record) -> Result<Expected<'a>> {
        record
            .version
            .as_counter()
            .map(Expected::Counter)
            .ok_or(Error::Conflict)
    }

    fn header_len(&self) -> Option<usize> {
        Some(framed::MAX_HEADER_BYTES)
    }

    fn stamp(&self, bytes: &[u8], beside: Beside) -> Result<Stamp> {
        let header = framed::parse(bytes).ok_or_else(|| Error::codec("no session header"))?;
        let expires_at = match beside.expires_at {
            Some(at) => at,
            None => framed::from_micros(header.expires_at_micros)
                .ok_or_else(|| Error::codec("invalid expiry time"))?,
        };
        Ok(Stamp {
            version: Version::counter(beside.version.unwrap_or(header.version)),
            expires_at,
        })
    }

    fn moved(
        &self,
        bytes: &[u8],
        _beside: Beside,
        expires_at: OffsetDateTime,
        _now: OffsetDateTime,
    ) -> Result<Encoded> {
        let header = framed::parse(bytes).ok_or_else(|| Error::codec("no session header"))?;
        Ok(Encoded {
            bytes: framed::frame(header.version, framed::micros(expires_at), header.record),
            version: Version::counter(header.version),
            modified_at: None,
        })
    }

    fn keeps_created_at(&self) -> bool {
        true
    }
}

/// The record as one JSON dict, metadata included (the format before the header; tests and
/// imports write it).
///
/// # Errors
/// [`Error::Codec`] if serialization fails (it does not for JSON values).
#[cfg(test)]
pub(crate) fn encode_dict(record: &Record) -> Result<Vec<u8>> {
    serde_json::to_vec(&Folded(record)).map_err(Error::codec)
}

/// Reads a record written as one JSON dict.
///
/// # Errors
/// [`Error::Codec`] for anything else: not JSON, not an object, metadata missing or invalid.
pub(crate) fn decode_dict(bytes: &[u8]) -> Result<Record> {
    let dict: Data = serde_json::from_slice(bytes).map_err(Error::codec)?;
    from_dict(dict)
}

/// A record serialized as [`to_dict`] would build it, without copying the data.
#[cfg(test)]
struct Folded<'a>(&'a Record);

#[cfg(test)]
impl serde::Serialize for Folded<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let record = self.0;
        let mut map = serializer.serialize_map(None)?;
        super::serialize_django_entries(&mut map, record)?;
        map.serialize_entry(CREATED_AT, &format_iso(record.created_at))?;
        map.serialize_entry(MODIFIED_AT, &format_iso(record.modified_at))?;
        map.serialize_entry(EXPIRES_AT, &format_iso(record.expires_at))?;
        if let Some(version) = record.version.as_counter() {
            map.serialize_entry(VERSION, &version)?;
        }
        map.end()
    }
}

/// The session dict with the expiry and our metadata folded in.
pub fn to_dict(record: &Record) -> Data {
    let mut dict = Data::clone(&record.data);
    if let Some(expiry) = record.expiry.to_json() {
        dict.insert(EXPIRY_KEY.to_owned(), expiry);
    }
    dict.insert(CREATED_AT.to_owned(), format_iso(record.created_at).into());
    dict.insert(
        MODIFIED_AT.to_owned(),
        format_iso(record.modified_at).into(),
    );
    dict.insert(EXPIRES_AT.to_owned(), format_iso(record.expires_at).into());
    if let Some(version) = record.version.as_counter() {
        dict.insert(VERSION.to_owned(), version.into());
    }
    dict
}

/// Splits a dict written by [`to_dict`] back into a record. Other `_session_*` keys are
/// dropped (reserved for future metadata).
///
/// # Errors
/// [`Error::Codec`] when the expiry or a timestamp is missing or invalid.
pub fn from_dict(mut dict: Data) -> Result<Record> {
    let expiry = take_expiry(&mut dict)?;
    let created_at = take_time(&mut dict, CREATED_AT)?;
    let modified_at = take_time(&mut dict, MODIFIED_AT)?;
    let expires_at = take_time(&mut dict, EXPIRES_AT)?;
    let version = match dict.shift_remove(VERSION) {
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Version::counter)
            .ok_or_else(|| Error::codec(format!("invalid {VERSION}: {n}")))?,
        Some(other) => return Err(Error::codec(format!("invalid {VERSION}: {other}"))),
        None => Version::INITIAL,
    };
    dict.retain(|key, _| !key.starts_with(RESERVED_PREFIX));
    Ok(Record {
        data: Arc::new(dict),
        expiry,
        created_at,
        modified_at,
        expires_at,
        version,
        handle: None,
    })
}

fn take_time(dict: &mut Data, key: &str) -> Result<OffsetDateTime> {
    match dict.shift_remove(key) {
        Some(Value::String(text)) => {
            parse_iso(&text).ok_or_else(|| Error::codec(format!("invalid {key}: {text:?}")))
        }
        Some(other) => Err(Error::codec(format!("invalid {key}: {other}"))),
        None => Err(Error::codec(format!("missing {key}"))),
    }
}

#[cfg(test)]
mod tests;
