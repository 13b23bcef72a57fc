//! A record framed by a short text header:
//! `<version>:<expires_at µs>:<created_at µs>:<modified_at µs>:<Django's dict as JSON>`.
//!
//! Engines that store opaque bytes (Redis, files) write this, so a server-side script, or a
//! sweep reading a file's first bytes, can check a save's version and a record's liveness
//! without decoding the record, and `touch` can move the expiry without rewriting the record.
//! The times are integers, so nothing formats or parses dates on a request; the JSON is the
//! session's keys and Django's `_session_expiry` (when not the default). Values written before
//! the times moved into the header (`<version>:<expires_at µs>:` then the [`JsonCodec`](crate::JsonCodec)'s
//! output, times inside) still decode.
//!
//! ```
//! use session_core::codec::framed;
//! use session_core::{Data, Expiry, ExpiryPolicy, Record};
//! use time::macros::datetime;
//!
//! let now = datetime!(2023-11-14 22:13:20 UTC);
//! let record = Record::new(Data::new(), Expiry::Seconds(60), now, &ExpiryPolicy::default())?;
//! let bytes = framed::encode(&record, 3)?;
//! assert_eq!(bytes, b"3:1700000060000000:1700000000000000:1700000000000000:{\"_session_expiry\":60}");
//! let header = framed::parse(&bytes).ok_or(session_core::Error::codec("no header"))?;
//! assert_eq!(header.version, 3);
//! assert_eq!(framed::decode(&header)?.expires_at, record.expires_at);
//! # Ok::<(), session_core::Error>(())
//! ```

use std::sync::Arc;

use time::OffsetDateTime;

use crate::codec::django::DjangoDict;
use crate::session::RESERVED_PREFIX;
use crate::{Data, Error, Record, Result, Version};

/// The longest header a check needs: the version and the expiry, two 20-digit fields and
/// their colons. Reading this many bytes of a stored value is enough for [`parse`].
pub const MAX_HEADER_BYTES: usize = 48;
/// A stored value split into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// The stored version (a counter).
    pub version: u64,
    /// When the record expires, in microseconds since the Unix epoch.
    pub expires_at_micros: i64,
    /// What follows the version and the expiry: the record's other times and its data
    /// (possibly cut short when only a prefix was read).
    pub record: &'a [u8],
}

/// `record` as stored at `version`.
///
/// # Errors
/// [`Error::Codec`] if the record cannot be serialized.
pub fn encode(record: &Record, version: u64) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(512);
    push_header(&mut out, version, micros(record.expires_at));
    for at in [record.created_at, record.modified_at] {
        out.extend_from_slice(itoa::Buffer::new().format(micros(at)).as_bytes());
        out.push(b':');
    }
    serde_json::to_writer(&mut out, &DjangoDict::new(record)).map_err(Error::codec)?;
    Ok(out)
}

/// The rest of a stored value (`record`, as [`parse`] splits it) behind a header of `version`
/// and `expires_at_micros`: how `touch` moves a stored record's expiry without decoding it.
pub fn frame(version: u64, expires_at_micros: i64, record: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(42 + record.len());
    push_header(&mut out, version, expires_at_micros);
    out.extend_from_slice(record);
    out
}

fn push_header(out: &mut Vec<u8>, version: u64, expires_at_micros: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(version).as_bytes());
    out.push(b':');
    out.extend_from_slice(itoa::Buffer::new().format(expires_at_micros).as_bytes());
    out.push(b':');
}

/// Splits a stored value; `None` when the header is not ours (corrupt or foreign data).
pub fn parse(bytes: &[u8]) -> Option<Header<'_>> {
    let (version, rest) = split_field(bytes)?;
    let (expires, record) = split_field(rest)?;
    let version = version.parse().ok()?;
    let expires_at_micros = expires.parse().ok()?;
    Some(Header {
        version,
        expires_at_micros,
        record,
    })
}

/// The record of a stored value whose header is `header`: version and expiry from the header
/// (`touch` moves only the header).
///
/// # Errors
/// [`Error::Codec`] when the bytes after the header are not a record.
pub fn decode(header: &Header<'_>) -> Result<Record> {
    let expires_at = from_micros(header.expires_at_micros);
    let Some((created, rest)) = split_field(header.record) else {
        // Written before the times moved into the header: they are in the JSON.
        let mut record = super::dict::decode(header.record)?;
        record.version = Version::counter(header.version);
        record.expires_at = expires_at.unwrap_or(record.expires_at);
        return Ok(record);
    };
    let (modified, json) = split_field(rest).ok_or_else(|| Error::codec("no modification time"))?;
    let time = |field: &str| {
        field
            .parse()
            .ok()
            .and_then(from_micros)
            .ok_or_else(|| Error::codec(format!("invalid time {field:?}")))
    };
    let mut dict: Data = serde_json::from_slice(json).map_err(Error::codec)?;
    let expiry = super::take_expiry(&mut dict)?;
    // Other `_session_*` keys are reserved for future metadata.
    dict.retain(|key, _| !key.starts_with(RESERVED_PREFIX));
    Ok(Record {
        data: Arc::new(dict),
        expiry,
        created_at: time(created)?,
        modified_at: time(modified)?,
        expires_at: expires_at.ok_or_else(|| Error::codec("invalid expiry time"))?,
        version: Version::counter(header.version),
        handle: None,
    })
}

fn split_field(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let end = bytes.iter().take(21).position(|&b| b == b':')?;
    let field = std::str::from_utf8(&bytes[..end]).ok()?;
    let valid = !field.is_empty()
        && field
            .trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit());
    valid.then(|| (field, &bytes[end + 1..]))
}

/// Microseconds since the Unix epoch (every record time is whole microseconds).
pub fn micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// The time `micros` microseconds after the Unix epoch (`None` out of range).
pub fn from_micros(micros: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000).ok()
}

#[cfg(test)]
mod tests;
