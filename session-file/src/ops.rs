//! The engine's operations on the directory, run on a blocking thread. Every write stages its
//! new file first, then holds the session's stripe lock for the check of version and liveness
//! and the rename that follows: one step for every writer of the directory, in this process or
//! another.

use std::io;

use session_core::codec::framed::{self, Header};
use session_core::{Error, Record, Result};

use crate::dir::SessionDir;

/// The engine's name in errors and logs.
pub(crate) const NAME: &str = "file";

/// A touch that keeps meeting other writers gives up with a conflict after this many reads.
const MAX_TOUCH_ATTEMPTS: usize = 16;

/// Why a conditional write did not happen.
pub(crate) enum Refused {
    Gone,
    Conflict,
}

impl SessionDir {
    /// The live record of `key` at `now_micros`; corrupt files are logged and absent.
    pub(crate) fn load(&self, key: &str, now_micros: i64) -> Result<Option<Record>> {
        let Some(bytes) = self.read(key).map_err(failed)? else {
            return Ok(None);
        };
        let decoded = framed::parse(&bytes)
            .ok_or_else(|| Error::codec("no session header"))
            .and_then(|header| {
                if header.expires_at_micros <= now_micros {
                    Ok(None)
                } else {
                    framed::decode(&header).map(Some)
                }
            });
        Ok(decoded.unwrap_or_else(|err| {
            tracing::warn!(
                backend = NAME,
                error = %err,
                "session file corrupted; treating the session as absent"
            );
            None
        }))
    }

    /// True when a live record is in the file of `key`.
    pub(crate) fn exists(&self, key: &str, now_micros: i64) -> Result<bool> {
        let head = self.read_head(key).map_err(failed)?;
        Ok(head
            .as_deref()
            .and_then(framed::parse)
            .is_some_and(|header| header.expires_at_micros > now_micros))
    }

    /// Writes `bytes` as the new session `key` (its modification time `modified`, in Django
    /// mode); false when a file (live or not) is there.
    pub(crate) fn create(
        &self,
        key: &str,
        bytes: &[u8],
        modified: Option<std::time::SystemTime>,
    ) -> Result<bool> {
        let staged = self.stage_modified(key, bytes, modified).map_err(failed)?;
        self.locks
            .with(key, || {
                if self.file_of(key).try_exists()? {
                    return Ok(false);
                }
                staged.commit().map(|()| true)
            })
            .map_err(failed)
    }

    /// Replaces the record of `key` with `bytes`, only while the file holds a live record at
    /// `expected`.
    pub(crate) fn save(
        &self,
        key: &str,
        expected: u64,
        now_micros: i64,
        bytes: &[u8],
    ) -> Result<std::result::Result<(), Refused>> {
        let staged = self.stage(key, bytes).map_err(failed)?;
        self.locks
            .with(key, || {
                let head = self.read_head(key)?;
                match live_header(head.as_deref(), now_micros) {
                    None => Ok(Err(Refused::Gone)),
                    Some(header) if header.version != expected => Ok(Err(Refused::Conflict)),
                    Some(_) => staged.commit().map(Ok),
                }
            })
            .map_err(failed)
    }

    /// Moves the expiry of the live record of `key` to `expires_at_micros`, keeping its bytes
    /// and version; false when there is no live record. The new file is written outside the
    /// lock, then renamed under it if the file still holds what was read (else read again).
    pub(crate) fn touch(&self, key: &str, now_micros: i64, expires_at_micros: i64) -> Result<bool> {
        for _ in 0..MAX_TOUCH_ATTEMPTS {
            let bytes = self.read(key).map_err(failed)?;
            let Some(read) = live_header(bytes.as_deref(), now_micros) else {
                return Ok(false);
            };
            let moved = framed::frame(read.version, expires_at_micros, read.record);
            let staged = self.stage(key, &moved).map_err(failed)?;
            let committed = self
                .locks
                .with(key, || {
                    let head = self.read_head(key)?;
                    let now = framed::parse(head.as_deref().unwrap_or_default());
                    let unchanged = now.is_some_and(|now| {
                        (now.version, now.expires_at_micros)
                            == (read.version, read.expires_at_micros)
                    });
                    if unchanged {
                        staged.commit().map(|()| true)
                    } else {
                        Ok(false)
                    }
                })
                .map_err(failed)?;
            if committed {
                return Ok(true);
            }
        }
        Err(Error::Conflict)
    }

    /// Removes the file of `key`, if any.
    pub(crate) fn delete(&self, key: &str) -> Result<bool> {
        self.locks.with(key, || self.remove(key)).map_err(failed)
    }

    /// Writes `bytes` as the file of `key`, whatever is there.
    pub(crate) fn write_raw(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let staged = self.stage(key, bytes).map_err(failed)?;
        self.locks.with(key, || staged.commit()).map_err(failed)
    }
}

/// The header of a stored value when it holds a live record.
fn live_header(stored: Option<&[u8]>, now_micros: i64) -> Option<Header<'_>> {
    framed::parse(stored?).filter(|header| header.expires_at_micros > now_micros)
}

/// An I/O failure as the engine's error. The path is left out: it holds the session key.
pub(crate) fn failed(err: io::Error) -> Error {
    Error::backend(NAME, err)
}
