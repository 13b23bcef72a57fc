//! The engine's operations on the directory, run on a blocking thread. Every write stages its
//! new file first, then holds the session's stripe lock for the check of version and liveness
//! and the rename that follows: one step for every writer of the directory, in this process or
//! another. What a file holds is the codec's business: its version and deadline come from
//! [`RecordCodec::stamp`], from the header alone when the codec has one (ours), else from the
//! whole file and its modification time (Django's).
//!
//! Each step of file operations is one store call ([`SessionDir::store_call`]), counted before
//! it: a read; the staging of a new file; the lock, check and rename (or remove) under it.

use std::io;
use std::path::Path;
use std::time::SystemTime;

use session_core::codec::{Beside, Encoded, Stamp, load_live};
use session_core::{Error, Record, Result, Version};
use time::OffsetDateTime;

use crate::dir::{SessionDir, modified_of, read_bounded, read_head};

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
    /// The file at `path` (whole, or only its header when the codec has one and `whole` is
    /// false) and what the file system keeps beside it; `None` when there is no file.
    fn read_at(&self, path: &Path, whole: bool) -> io::Result<Option<(Vec<u8>, Beside)>> {
        let header = self.codec.header_len();
        let bytes = match header.filter(|_| !whole) {
            Some(len) => read_head(path, len)?,
            None => read_bounded(path)?,
        };
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        if header.is_some() {
            return Ok(Some((bytes, Beside::NOTHING)));
        }
        Ok(modified_of(path)?.map(|modified| (bytes, Beside::modified(modified))))
    }

    /// The version and deadline of the file at `path`; `Ok(None)` for a file that is not a
    /// record of the codec (or is gone).
    pub(crate) fn stamp_at(&self, path: &Path) -> io::Result<Option<Stamp>> {
        let Some((bytes, beside)) = self.read_at(path, false)? else {
            return Ok(None);
        };
        Ok(self.codec.stamp(&bytes, beside).ok())
    }

    /// [`stamp_at`](Self::stamp_at), when the record is live at `now`.
    fn live_stamp_at(&self, path: &Path, now: OffsetDateTime) -> io::Result<Option<Stamp>> {
        Ok(self.stamp_at(path)?.filter(|stamp| now < stamp.expires_at))
    }

    /// The live record of `key` at `now`; files that do not decode are logged and absent.
    pub(crate) fn load(&self, key: &str, now: OffsetDateTime) -> Result<Option<Record>> {
        self.store_call()?;
        let Some((bytes, beside)) = self.read_at(&self.file_of(key), true).map_err(failed)? else {
            return Ok(None);
        };
        Ok(load_live(&*self.codec, &bytes, beside, now, NAME))
    }

    /// True when a live record is in the file of `key`.
    pub(crate) fn exists(&self, key: &str, now: OffsetDateTime) -> Result<bool> {
        self.store_call()?;
        let stamp = self
            .live_stamp_at(&self.file_of(key), now)
            .map_err(failed)?;
        Ok(stamp.is_some())
    }

    /// Writes `encoded` as the new session `key`; false when a file (live or not) is there.
    pub(crate) fn create(&self, key: &str, encoded: &Encoded) -> Result<bool> {
        self.store_call()?;
        let staged = self
            .stage(key, &encoded.bytes, modified(encoded))
            .map_err(failed)?;
        self.store_call()?;
        self.locks
            .with(key, || {
                if self.file_of(key).try_exists()? {
                    return Ok(false);
                }
                staged.commit().map(|()| true)
            })
            .map_err(failed)
    }

    /// Replaces the record of `key` with `encoded`, only while the file holds a live record at
    /// `expected`.
    pub(crate) fn save(
        &self,
        key: &str,
        expected: &Version,
        now: OffsetDateTime,
        encoded: &Encoded,
    ) -> Result<std::result::Result<(), Refused>> {
        self.store_call()?;
        let staged = self
            .stage(key, &encoded.bytes, modified(encoded))
            .map_err(failed)?;
        self.store_call()?;
        self.locks
            .with(key, || {
                match self.live_stamp_at(&self.file_of(key), now)? {
                    None => Ok(Err(Refused::Gone)),
                    Some(stamp) if stamp.version != *expected => Ok(Err(Refused::Conflict)),
                    Some(_) => staged.commit().map(Ok),
                }
            })
            .map_err(failed)
    }

    /// Moves the expiry of the live record of `key` to `expires_at`, keeping its data and
    /// version; false when there is no live record. The new file is written outside the lock,
    /// then renamed under it if the file still holds what was read (else read again).
    pub(crate) fn touch(
        &self,
        key: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<bool> {
        let path = self.file_of(key);
        for _ in 0..MAX_TOUCH_ATTEMPTS {
            self.store_call()?;
            let Some((bytes, beside)) = self.read_at(&path, true).map_err(failed)? else {
                return Ok(false);
            };
            let Some(read) = self
                .codec
                .stamp(&bytes, beside)
                .ok()
                .filter(|stamp| now < stamp.expires_at)
            else {
                return Ok(false);
            };
            let moved = self.codec.moved(&bytes, beside, expires_at, now)?;
            self.store_call()?;
            let staged = self
                .stage(key, &moved.bytes, modified(&moved))
                .map_err(failed)?;
            self.store_call()?;
            let committed = self
                .locks
                .with(key, || {
                    if self.live_stamp_at(&path, now)?.as_ref() == Some(&read) {
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
        self.store_call()?;
        self.locks.with(key, || self.remove(key)).map_err(failed)
    }

    /// Writes `bytes` as the file of `key`, whatever is there.
    pub(crate) fn write_raw(&self, key: &str, bytes: &[u8]) -> Result<()> {
        self.store_call()?;
        let staged = self.stage(key, bytes, None).map_err(failed)?;
        self.store_call()?;
        self.locks.with(key, || staged.commit()).map_err(failed)
    }
}

/// The modification time the codec gives a file holding `encoded`.
fn modified(encoded: &Encoded) -> Option<SystemTime> {
    encoded.modified_at.map(SystemTime::from)
}

/// An I/O failure as the engine's error. The path is left out: it holds the session key.
pub(crate) fn failed(err: io::Error) -> Error {
    Error::backend(NAME, err)
}
