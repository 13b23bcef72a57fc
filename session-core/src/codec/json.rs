//! Our format, [`JsonCodec`]: the [framed](super::framed) record, the session dict as JSON
//! behind a header of its version and times:
//!
//! ```text
//! 3:1700000060000000:1700000000000000:1700000000000000:{"cart":["apple"],"_session_expiry":60}
//! ```
//!
//! Values written by earlier versions still decode: the whole record as one JSON dict, its
//! metadata under `_session_*` keys that a Django app ignores ([`dict`](super::dict)):
//!
//! ```text
//! {"cart":["apple"],"_session_expiry":3600,"_session_created_at":"2023-11-14T22:13:20+00:00",
//!  "_session_modified_at":"…","_session_expires_at":"…","_session_version":3}
//! ```

use time::OffsetDateTime;

use super::{Beside, Encoded, Expected, RecordCodec, Stamp, dict, framed};
use crate::{Error, Record, Result, Version};

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
            None => dict::decode(bytes)?,
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

#[cfg(test)]
mod tests;
