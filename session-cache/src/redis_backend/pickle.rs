//! The session dict as Django's Redis cache stores it: `pickle.dumps(dict)`.
//!
//! Only plain values cross: dicts with string keys, lists, strings, numbers that fit 64 bits,
//! booleans and `None`. A pickle holding anything else (tuples, sets, bytes, big integers,
//! class instances, which could run code in Python) is refused.

use std::sync::Arc;

use serde_pickle::{DeOptions, HashableValue, SerOptions, Value as Pickled};
use session_core::codec::django::DjangoDict;
use session_core::codec::{Beside, Encoded, Expected, RecordCodec};
use session_core::session::EXPIRY_KEY;
use session_core::{Data, Error, Expiry, Record, Result, Version};
use time::OffsetDateTime;

/// Django's cache entries (`SESSION_CODEC=django` on the cache engines): the pickled dict,
/// expiring by Redis's TTL. The version is the pickle itself, so a write Django made since our
/// load is seen; only the dict is kept (no creation time).
#[derive(Debug, Clone, Copy, Default)]
pub struct PickleCodec;

impl RecordCodec for PickleCodec {
    fn name(&self) -> &'static str {
        "pickle"
    }

    fn encode(&self, record: &Record, _next: u64, _now: OffsetDateTime) -> Result<Encoded> {
        let bytes = dumps(record)?;
        Ok(Encoded {
            version: Version::token(&bytes),
            bytes,
            modified_at: None,
        })
    }

    /// The deadline is Redis's TTL, read with the value (`beside.expires_at`); a key without
    /// one (written by hand) never expires by itself.
    fn decode(&self, bytes: &[u8], beside: Beside) -> Result<Record> {
        let (data, expiry) = loads(bytes)?;
        let now = beside.modified_at.unwrap_or(session_core::expiry::EARLIEST);
        Ok(Record {
            data: Arc::new(data),
            expiry,
            created_at: now,
            modified_at: now,
            expires_at: beside.expires_at.unwrap_or(session_core::expiry::LATEST),
            version: Version::token(bytes),
            handle: None,
        })
    }

    fn expected<'a>(&self, record: &'a Record) -> Result<Expected<'a>> {
        // A record never stored here carries no pickle: it matches nothing.
        Ok(Expected::stored_bytes(record))
    }

    fn header_len(&self) -> Option<usize> {
        None
    }

    /// The bytes stay; Redis's TTL moves.
    fn moved(
        &self,
        bytes: &[u8],
        _beside: Beside,
        _expires_at: OffsetDateTime,
        _now: OffsetDateTime,
    ) -> Result<Encoded> {
        Ok(Encoded {
            bytes: bytes.to_vec(),
            version: Version::token(bytes),
            modified_at: None,
        })
    }

    fn keeps_created_at(&self) -> bool {
        false
    }
}

/// `record`'s dict (data, then `_session_expiry` unless default), pickled (protocol 3, which
/// every Python 3 reads).
pub(crate) fn dumps(record: &Record) -> Result<Vec<u8>> {
    serde_pickle::to_vec(&DjangoDict::new(record), SerOptions::new()).map_err(Error::codec)
}

/// The dict in a pickle, in its order, and its `_session_expiry`.
pub(crate) fn loads(bytes: &[u8]) -> Result<(Data, Expiry)> {
    // Checked first on the pickle's own values (which tell a tuple from a list), then read
    // again in order through serde.
    let checked = serde_pickle::value_from_slice(bytes, DeOptions::new()).map_err(Error::codec)?;
    let Pickled::Dict(items) = &checked else {
        return Err(Error::codec("the cached session is not a dict"));
    };
    for (key, value) in items {
        if !matches!(key, HashableValue::String(_)) {
            return Err(Error::codec(
                "the cached session has a key that is not a string",
            ));
        }
        plain(value)?;
    }
    let mut data: Data = serde_pickle::from_slice(bytes, DeOptions::new()).map_err(Error::codec)?;
    let expiry = match data.shift_remove(EXPIRY_KEY) {
        None => Expiry::Default,
        Some(value) => Expiry::from_json(&value)
            .ok_or_else(|| Error::codec(format!("invalid {EXPIRY_KEY}: {value}")))?,
    };
    // Other `_session_*` keys are the framework's, never session data.
    data.retain(|key, _| !key.starts_with(session_core::session::RESERVED_PREFIX));
    Ok((data, expiry))
}

fn plain(value: &Pickled) -> Result<()> {
    match value {
        Pickled::None
        | Pickled::Bool(_)
        | Pickled::I64(_)
        | Pickled::F64(_)
        | Pickled::String(_) => Ok(()),
        Pickled::List(items) => items.iter().try_for_each(plain),
        Pickled::Dict(items) => items.iter().try_for_each(|(key, value)| match key {
            HashableValue::String(_) => plain(value),
            _ => Err(Error::codec("a nested dict key that is not a string")),
        }),
        _ => Err(Error::codec(
            "the cached session holds a value JSON cannot (a tuple, set, bytes or big integer)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;
    use session_core::ExpiryPolicy;

    #[test]
    fn dicts_round_trip_in_order_and_other_values_are_refused() -> TestResult {
        let mut data = Data::new();
        data.insert("zeta".into(), serde_json::json!("José 🎉"));
        data.insert(
            "alpha".into(),
            serde_json::json!([1, [2.5, null], {"k": true}]),
        );
        let record = Record::new(
            data.clone(),
            Expiry::Seconds(60),
            time::OffsetDateTime::UNIX_EPOCH,
            &ExpiryPolicy::default(),
        )?;
        let (back, expiry) = loads(&dumps(&record)?)?;
        assert_eq!(back, data);
        assert_eq!(back.keys().collect::<Vec<_>>(), ["zeta", "alpha"]);
        assert_eq!(expiry, Expiry::Seconds(60));

        // Python: pickle.dumps({"t": (1, 2)}, 3), pickle.dumps({"s": {1}}, 3),
        // pickle.dumps({"b": b"x"}, 3), pickle.dumps([1], 3).
        for refused in [
            &b"\x80\x03}q\x00X\x01\x00\x00\x00tq\x01K\x01K\x02\x86q\x02s."[..],
            b"\x80\x03}q\x00X\x01\x00\x00\x00sq\x01cbuiltins\nset\nq\x02]q\x03K\x01a\x85q\x04Rq\x05s.",
            b"\x80\x03}q\x00X\x01\x00\x00\x00bq\x01C\x01xq\x02s.",
            b"\x80\x03]q\x00K\x01a.",
            b"not a pickle",
        ] {
            assert!(loads(refused).is_err(), "{refused:?}");
        }
        Ok(())
    }
}
