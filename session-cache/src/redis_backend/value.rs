//! What the Redis engine stores under a session's key: `<version>:<expires_at µs>:<record>`.
//!
//! The header lets the server-side scripts check a save's version and a record's liveness
//! without decoding the record, and lets `touch` move the expiry without the record leaving
//! Redis. The record is the JSON codec's output (the same bytes every engine stores).

use session_core::{JsonCodec, Record, Result, Version};
use time::OffsetDateTime;

/// A stored value split into its parts.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    pub(crate) version: u64,
    pub(crate) expires_at_micros: i64,
    pub(crate) record: &'a [u8],
}

/// `record` as stored at `version`.
pub(crate) fn encode(record: &Record, version: u64) -> Result<Vec<u8>> {
    let stored = Record {
        version: Version::counter(version),
        handle: None,
        ..record.clone()
    };
    let json = JsonCodec.encode(&stored)?;
    let mut out = format!("{version}:{}:", micros(record.expires_at)).into_bytes();
    out.extend_from_slice(&json);
    Ok(out)
}

/// Splits a stored value; `None` when the header is not ours (corrupt or foreign data).
pub(crate) fn parse(bytes: &[u8]) -> Option<Header<'_>> {
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
pub(crate) fn decode(header: &Header<'_>) -> Result<Record> {
    let mut record = JsonCodec.decode(header.record)?;
    record.version = Version::counter(header.version);
    record.expires_at = from_micros(header.expires_at_micros).unwrap_or(record.expires_at);
    Ok(record)
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
pub(crate) fn micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

fn from_micros(micros: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000).ok()
}

/// Milliseconds Redis keeps a record expiring at `expires_at`, seen from `now` (at least 1: a
/// record saved already expired is dropped by Redis at once and is never live for `load`).
pub(crate) fn ttl_millis(expires_at: OffsetDateTime, now: OffsetDateTime) -> i64 {
    let millis = (expires_at - now).whole_milliseconds();
    i64::try_from(millis).unwrap_or(i64::MAX).max(1)
}

#[cfg(test)]
mod tests;
