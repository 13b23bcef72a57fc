//! What goes in `session_data`: our JSON record (versioned by the `version` column), or
//! Django's own signed dict (versioned by the text itself), for a table shared with Django.

use session_core::codec::django::DjangoCodec;
use session_core::{Error, JsonCodec, Record, Result, Version};
use time::OffsetDateTime;

use crate::store::Row;

/// The `session_data` format of a [`DbBackend`](crate::DbBackend).
#[derive(Debug, Clone, Default)]
pub(crate) enum Payload {
    /// Our JSON record, metadata included; versions count in the `version` column.
    #[default]
    Json,
    /// Django's `session_data` (`SESSION_CODEC=django`); the version is the stored text, so
    /// writes by Django (which never touch `version`) are seen too.
    Django(DjangoCodec),
}

/// The version a save must find, as the statement binds it.
pub(crate) enum Expected<'a> {
    Counter(i64),
    Text(&'a str),
}

impl Payload {
    /// `record`'s `session_data`, stored at `version` (JSON mode) or signed at `now` (Django
    /// mode), and the version it will then have.
    pub(crate) fn encode(
        &self,
        record: &Record,
        version: i64,
        now: OffsetDateTime,
    ) -> Result<(String, Version)> {
        match self {
            Self::Json => {
                let stored = Record {
                    handle: None,
                    version: Version::counter(version.unsigned_abs()),
                    ..record.clone()
                };
                let text = String::from_utf8(JsonCodec.encode(&stored)?).map_err(Error::codec)?;
                Ok((text, stored.version))
            }
            Self::Django(codec) => {
                let text = codec.encode(record, now)?;
                let version = Version::token(text.as_str());
                Ok((text, version))
            }
        }
    }

    /// The record in a stored row.
    pub(crate) fn decode(&self, row: &Row) -> Result<Record> {
        match self {
            Self::Json => {
                let mut record = JsonCodec.decode(row.data.as_bytes())?;
                record.expires_at = row.expires_at; // `touch` moves only the column
                record.version = Version::counter(row.version.unsigned_abs());
                Ok(record)
            }
            Self::Django(codec) => Ok(codec
                .decode(&row.data)?
                .into_record(&row.data, row.expires_at)),
        }
    }

    /// What a save of `record` must find stored: its counter, or its text in Django mode.
    pub(crate) fn expected<'a>(&self, record: &'a Record) -> Result<Expected<'a>> {
        match self {
            Self::Json => {
                let counter = record.version.as_counter().unwrap_or(0);
                i64::try_from(counter)
                    .map(Expected::Counter)
                    .map_err(|_| Error::Conflict)
            }
            // A record never stored here matches no row (Django never stores ""): the save then
            // tells Gone from Conflict by the row's presence, as for counters.
            Self::Django(_) => Ok(Expected::Text(record.version.as_token().unwrap_or(""))),
        }
    }
}
