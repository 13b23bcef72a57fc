//! `clear_expired`: one pass over the directory that reads only each file's header.

use std::fs;
use std::io;
use std::path::Path;
use std::time::Duration;

use session_core::SessionKey;
use time::OffsetDateTime;

use crate::dir::{SessionDir, TEMP_MARKER, modified_of};
use crate::ops::NAME;

/// When files count as expired.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SweepRules {
    /// Now, by the engine's clock.
    pub(crate) now: OffsetDateTime,
    /// A temporary file older than this is a crashed writer's leftover.
    pub(crate) temp_grace: Duration,
    /// A session file that is not a record of the codec (a placeholder, corrupt bytes)
    /// expires this long after it was last written, as Django's default expiry does.
    pub(crate) unreadable_age: Duration,
}

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Swept {
    /// Expired session files.
    pub(crate) sessions: u64,
    /// Leftover temporary files.
    pub(crate) temp_files: u64,
}

impl SessionDir {
    /// Removes every expired session file and every leftover temporary file.
    ///
    /// A file is judged by its header (its first bytes), not by decoding it; one that looks
    /// expired is judged again under its session's lock before it goes, so a save that has
    /// just renewed it wins.
    pub(crate) fn sweep(&self, rules: SweepRules) -> io::Result<Swept> {
        let mut swept = Swept::default();
        for entry in fs::read_dir(&self.path)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(rest) = name
                .to_str()
                .and_then(|n| n.strip_prefix(&self.cookie_name))
            else {
                continue;
            };
            let path = entry.path();
            let outcome = if rest.contains(TEMP_MARKER) {
                remove_stale_temp(&path, rules)
                    .map(|removed| swept.temp_files += u64::from(removed))
            } else if let Some(key) =
                SessionKey::from_cookie(rest).filter(SessionKey::is_django_syntax)
            {
                self.remove_if_expired(key.as_str(), &path, rules)
                    .map(|removed| swept.sessions += u64::from(removed))
            } else {
                Ok(()) // not a session file: a short or foreign name, as Django skips
            };
            if let Err(err) = outcome {
                // One unreadable file must not stop the sweep of the others.
                tracing::warn!(backend = NAME, error = %err, "could not sweep a session file");
            }
        }
        Ok(swept)
    }

    fn remove_if_expired(&self, key: &str, path: &Path, rules: SweepRules) -> io::Result<bool> {
        let expired = |path: &Path| self.is_expired(path, rules);
        if !expired(path)? {
            return Ok(false);
        }
        self.locks
            .with(key, || Ok(expired(path)? && self.remove(key)?))
    }
}

impl SessionDir {
    /// True when the session file at `path` exists and is expired by `rules`: by its codec's
    /// deadline, or, for a file that is not a record, by its age.
    fn is_expired(&self, path: &Path, rules: SweepRules) -> io::Result<bool> {
        match self.stamp_at(path)? {
            Some(stamp) => Ok(stamp.expires_at <= rules.now),
            None => older_than(path, rules.unreadable_age, rules.now),
        }
    }
}

fn remove_stale_temp(path: &Path, rules: SweepRules) -> io::Result<bool> {
    if !older_than(path, rules.temp_grace, rules.now)? {
        return Ok(false);
    }
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err),
    }
}

/// True when the file at `path` was last written at least `age` before `now`.
fn older_than(path: &Path, age: Duration, now: OffsetDateTime) -> io::Result<bool> {
    let Some(modified) = modified_of(path)? else {
        return Ok(false);
    };
    Ok(time::Duration::try_from(age)
        .ok()
        .and_then(|age| modified.checked_add(age))
        .is_some_and(|deadline| deadline <= now))
}
