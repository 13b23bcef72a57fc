//! Django's own file layout (`SESSION_CODEC=django`): each file holds only Django's
//! `session_data`, and its modification time carries the deadline as Django reads it.
//!
//! Django's rule: a session expires at its `_session_expiry` date, or else at the file's
//! modification time plus `SESSION_COOKIE_AGE` (and never, for an integer `set_expiry`: its
//! bug, reference §3.4). We write the modification time so that Django's rule gives our
//! deadline (`deadline − SESSION_COOKIE_AGE` for the default expiry), and we read integer
//! expiries as counted from the modification time, so they do expire here.

use std::fs;
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

use session_core::codec::django::{DjangoCodec, DjangoSession};
use session_core::{Error, Expiry, Record, Result, Version};
use time::OffsetDateTime;

use crate::dir::{SessionDir, read_bounded};
use crate::ops::{NAME, Refused, failed};

/// The Django side of a directory: its codec and `SESSION_COOKIE_AGE`.
#[derive(Debug, Clone)]
pub(crate) struct DjangoFiles {
    pub(crate) codec: DjangoCodec,
    pub(crate) cookie_age: Duration,
}

impl DjangoFiles {
    fn cookie_age(&self) -> Option<time::Duration> {
        time::Duration::try_from(self.cookie_age).ok()
    }

    /// When a session with `expiry`, its file last modified at `modified`, dies.
    fn deadline(&self, expiry: Expiry, modified: OffsetDateTime) -> Result<OffsetDateTime> {
        match expiry {
            Expiry::At(at) => Some(at),
            Expiry::Seconds(seconds) => modified.checked_add(time::Duration::seconds(seconds)),
            Expiry::Default | Expiry::BrowserClose => {
                self.cookie_age().and_then(|age| modified.checked_add(age))
            }
        }
        .ok_or(Error::ExpiryOutOfRange)
    }

    /// The modification time that makes [`deadline`](Self::deadline) give `expires_at` for a
    /// session with `expiry`.
    pub(crate) fn modified_for(
        &self,
        expiry: Expiry,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<SystemTime> {
        let modified = match expiry {
            Expiry::At(_) => Some(now),
            Expiry::Seconds(seconds) => expires_at.checked_sub(time::Duration::seconds(seconds)),
            Expiry::Default | Expiry::BrowserClose => self
                .cookie_age()
                .and_then(|age| expires_at.checked_sub(age)),
        };
        modified
            .map(SystemTime::from)
            .ok_or(Error::ExpiryOutOfRange)
    }

    /// `record` as a file: Django's `session_data`, the version it will have, and the
    /// modification time to give it.
    pub(crate) fn encode(
        &self,
        record: &Record,
        now: OffsetDateTime,
    ) -> Result<(Vec<u8>, Version, SystemTime)> {
        let text = self.codec.encode(record, now)?;
        let version = Version::token(text.as_str());
        let modified = self.modified_for(record.expiry, record.expires_at, now)?;
        Ok((text.into_bytes(), version, modified))
    }

    /// The session in a file's bytes, with its deadline; `Err` when the file is not Django's.
    fn open(
        &self,
        bytes: &[u8],
        modified: OffsetDateTime,
    ) -> Result<(DjangoSession, OffsetDateTime)> {
        // Django's empty placeholder (a save that never finished) is no session either: the
        // contract loads what does not decode as absent, and the sweep removes it by its age.
        let text = std::str::from_utf8(bytes).map_err(Error::codec)?;
        let session = self.codec.decode(text)?;
        let deadline = self.deadline(session.expiry, modified)?;
        Ok((session, deadline))
    }
}

fn modified_of(path: &Path) -> io::Result<Option<OffsetDateTime>> {
    match fs::metadata(path).and_then(|meta| meta.modified()) {
        Ok(modified) => Ok(Some(OffsetDateTime::from(modified))),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

impl SessionDir {
    fn django(&self) -> Result<&DjangoFiles> {
        self.django
            .as_ref()
            .ok_or_else(|| Error::backend(NAME, "not in Django mode"))
    }

    /// The file of `key` and its modification time, read together.
    fn read_with_modified(&self, key: &str) -> io::Result<Option<(Vec<u8>, OffsetDateTime)>> {
        let path = self.file_of(key);
        let Some(bytes) = self.read(key)? else {
            return Ok(None);
        };
        Ok(modified_of(&path)?.map(|modified| (bytes, modified)))
    }

    /// Django mode's `load`: the live record of `key`; files that are not Django's are
    /// logged and absent.
    pub(crate) fn django_load(&self, key: &str, now: OffsetDateTime) -> Result<Option<Record>> {
        let django = self.django()?;
        let Some((bytes, modified)) = self.read_with_modified(key).map_err(failed)? else {
            return Ok(None);
        };
        match django.open(&bytes, modified) {
            Ok((_, deadline)) if deadline <= now => Ok(None),
            Ok((session, deadline)) => {
                let text = String::from_utf8_lossy(&bytes);
                Ok(Some(session.into_record(&text, deadline)))
            }
            Err(err) => {
                tracing::warn!(
                    backend = NAME,
                    error = %err,
                    "session file is not Django's session_data; treating the session as absent"
                );
                Ok(None)
            }
        }
    }

    /// Django mode's conditional save: replaces the file only while it holds exactly
    /// `expected` (the text this record was loaded from), live.
    pub(crate) fn django_save(
        &self,
        key: &str,
        expected: &str,
        now: OffsetDateTime,
        bytes: &[u8],
        modified: SystemTime,
    ) -> Result<std::result::Result<(), Refused>> {
        let django = self.django()?;
        let staged = self
            .stage_modified(key, bytes, Some(modified))
            .map_err(failed)?;
        self.locks
            .with(key, || {
                let Some((current, mtime)) = self.read_with_modified(key)? else {
                    return Ok(Err(Refused::Gone));
                };
                let live = django
                    .open(&current, mtime)
                    .is_ok_and(|(_, deadline)| deadline > now);
                if !live {
                    return Ok(Err(Refused::Gone));
                }
                if current != expected.as_bytes() {
                    return Ok(Err(Refused::Conflict));
                }
                staged.commit().map(Ok)
            })
            .map_err(failed)
    }

    /// Django mode's `touch`: moves the modification time so Django's rule gives
    /// `expires_at` (a date expiry has its own deadline and is left as it is).
    pub(crate) fn django_touch(
        &self,
        key: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<bool> {
        let django = self.django()?;
        self.locks
            .with(key, || {
                let Some((bytes, mtime)) = self.read_with_modified(key)? else {
                    return Ok(false);
                };
                let Ok((session, deadline)) = django.open(&bytes, mtime) else {
                    return Ok(false);
                };
                if deadline <= now {
                    return Ok(false);
                }
                let file = fs::File::options().write(true).open(self.file_of(key))?;
                let modified = django
                    .modified_for(session.expiry, expires_at, now)
                    .map_err(io::Error::other)?;
                file.set_modified(modified)?;
                Ok(true)
            })
            .map_err(failed)
    }

    /// The sweep's judgement of a Django-mode file at `path`: expired by Django's rule made
    /// honest, or, for a file that is not Django's, by its age.
    pub(crate) fn django_is_expired(&self, path: &Path, now: OffsetDateTime) -> io::Result<bool> {
        let Some(django) = &self.django else {
            return Ok(false);
        };
        let Some(modified) = modified_of(path)? else {
            return Ok(false);
        };
        let Some(bytes) = read_bounded(path)? else {
            return Ok(false);
        };
        let deadline = django
            .open(&bytes, modified)
            .map_or(modified + django.cookie_age, |(_, deadline)| deadline);
        Ok(deadline <= now)
    }
}
