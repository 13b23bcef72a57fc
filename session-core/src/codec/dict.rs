//! The record as one JSON dict, its metadata folded in under `_session_*` keys that a Django
//! app ignores: the format before the framed header (`codec::framed`), still read.
//!
//! ```text
//! {"cart":["apple"],"_session_expiry":3600,"_session_created_at":"2023-11-14T22:13:20+00:00",
//!  "_session_modified_at":"…","_session_expires_at":"…","_session_version":3}
//! ```

use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

use super::{CREATED_AT, take_expiry};
use crate::datetime::{format_iso, parse_iso};
use crate::session::{EXPIRY_KEY, RESERVED_PREFIX};
use crate::{Data, Error, Record, Result, Version};

const MODIFIED_AT: &str = "_session_modified_at";
const EXPIRES_AT: &str = "_session_expires_at";
const VERSION: &str = "_session_version";

/// The record as one JSON dict, metadata included (the format before the header; tests and
/// imports write it).
///
/// # Errors
/// [`Error::Codec`] if serialization fails (it does not for JSON values).
#[cfg(test)]
pub(crate) fn encode(record: &Record) -> Result<Vec<u8>> {
    serde_json::to_vec(&Folded(record)).map_err(Error::codec)
}

/// Reads a record written as one JSON dict.
///
/// # Errors
/// [`Error::Codec`] for anything else: not JSON, not an object, metadata missing or invalid.
pub(crate) fn decode(bytes: &[u8]) -> Result<Record> {
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
