//! When a save may leave `expire_date` as it is.
//!
//! Every save renews the deadline (now + the session's age), so a save that writes it changes
//! an indexed column: the `expire_date` index (Django's, which `clearsessions` needs) is
//! rewritten on every request, two more pages per commit on SQLite, no HOT update on
//! PostgreSQL, a secondary-index change on InnoDB. A save whose new deadline is later than the
//! stored one by less than the slack writes only the data and the version: the stored deadline
//! then trails the true one by less than the slack, never passes it, and the next save that
//! moves it further writes it again.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use session_core::{BackendHandle, Record, SessionKey};
use time::{Duration, OffsetDateTime};

/// Default cap on how far a stored deadline may trail the true one.
pub const DEFAULT_EXPIRY_SLACK: StdDuration =
    StdDuration::from_secs(session_core::settings::defaults::DB_EXPIRY_SLACK_SECS);

/// The share of a session's remaining lifetime the slack never exceeds (1/1000: a two-week
/// session is capped by [`DEFAULT_EXPIRY_SLACK`]; one of ten minutes lags by 0.6 s at most).
const LIFETIME_SHARE: i32 = 1_000;

/// The deadline a loaded row held, carried from `load` to `save` in the record's handle.
pub(crate) struct StoredDeadline {
    key: SessionKey,
    expires_at: OffsetDateTime,
}

/// The handle `load` attaches to a record of `key` whose row holds `expires_at`.
pub(crate) fn handle(key: &SessionKey, expires_at: OffsetDateTime) -> BackendHandle {
    BackendHandle::new(Arc::new(StoredDeadline {
        key: key.clone(),
        expires_at,
    }))
}

/// Whether saving `record` under `key` at `now` may keep the stored deadline, given the
/// handle its load attached and the slack cap `max`.
pub(crate) fn keeps_deadline(
    key: &SessionKey,
    record: &Record,
    now: OffsetDateTime,
    max: StdDuration,
) -> bool {
    let Some(stored) = record
        .handle
        .as_ref()
        .and_then(BackendHandle::downcast::<StoredDeadline>)
        .filter(|stored| stored.key == *key)
    else {
        return false;
    };
    let ahead = record.expires_at - stored.expires_at;
    let slack = ((record.expires_at - now) / LIFETIME_SHARE)
        .min(Duration::try_from(max).unwrap_or(Duration::ZERO));
    // Never keep a deadline later than the record's (a shortened expiry is always written).
    ahead >= Duration::ZERO && ahead < slack
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_core::{Data, Expiry};
    use time::macros::datetime;

    fn loaded(key: &SessionKey, stored: OffsetDateTime, expires_at: OffsetDateTime) -> Record {
        let now = datetime!(2030-01-01 00:00 UTC);
        Record {
            data: std::sync::Arc::new(Data::new()),
            expiry: Expiry::Default,
            created_at: now,
            modified_at: now,
            expires_at,
            version: session_core::Version::INITIAL,
            handle: Some(handle(key, stored)),
        }
    }

    #[test]
    fn keeps_only_a_deadline_slightly_earlier_than_the_new_one() -> Result<(), &'static str> {
        let key = SessionKey::from_cookie("abcdefgh12345678").ok_or("key")?;
        let other = SessionKey::from_cookie("zzzzzzzz12345678").ok_or("key")?;
        let now = datetime!(2030-01-01 00:00 UTC);
        let stored = now + Duration::weeks(2);
        let max = DEFAULT_EXPIRY_SLACK;
        for (new, keeps) in [
            (stored, true),
            (stored + Duration::seconds(59), true),
            (stored + Duration::seconds(60), false),
            (stored - Duration::seconds(1), false),
        ] {
            assert_eq!(
                keeps_deadline(&key, &loaded(&key, stored, new), now, max),
                keeps,
                "{new}"
            );
        }
        let moved = stored + Duration::seconds(1);
        assert!(!keeps_deadline(
            &other,
            &loaded(&key, stored, moved),
            now,
            max
        ));
        assert!(!keeps_deadline(
            &key,
            &loaded(&key, stored, moved),
            now,
            StdDuration::ZERO
        ));
        // Ten minutes to live: the slack is 0.6 s.
        let soon = now + Duration::minutes(10);
        let short = |ahead| loaded(&key, soon, soon + Duration::milliseconds(ahead));
        assert!(keeps_deadline(&key, &short(500), now, max));
        assert!(!keeps_deadline(&key, &short(700), now, max));
        let mut unloaded = loaded(&key, stored, moved);
        unloaded.handle = None;
        assert!(!keeps_deadline(&key, &unloaded, now, max));
        Ok(())
    }
}
