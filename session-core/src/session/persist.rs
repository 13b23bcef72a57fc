//! Writing the session: `save` (with merge and backoff on conflicts), `touch`, `flush` and
//! `cycle_key`.

use time::OffsetDateTime;

use super::Session;
use super::state::Loaded;
use crate::expiry::LATEST;
use crate::{Error, Expiry, ExpiryPolicy, Result, SessionKey};

/// What a [`save`](Session::save) or [`touch`](Session::touch) wrote: all a response's
/// `Set-Cookie` needs, so the middleware asks neither the session nor the clock again.
///
/// `Debug` does not show the key (see [`SessionKey`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Saved {
    /// The key now holding the record (a new token on the cookie engines). Keep it out of logs.
    pub key: SessionKey,
    /// The cookie's `Max-Age`: what [`get_expiry_age`](Session::get_expiry_age) returns at
    /// [`at`](Saved::at), the absolute cap applied; `None` when the cookie expires at browser
    /// close.
    pub max_age: Option<i64>,
    /// The time the write used: the cookie's `expires` date is `at + max_age`.
    pub at: OffsetDateTime,
}

/// [`Saved::max_age`] for a session with `expiry`, first stored at `created_at`, written at `at`.
fn max_age(
    policy: &ExpiryPolicy,
    expiry: Expiry,
    created_at: OffsetDateTime,
    at: OffsetDateTime,
) -> Result<Option<i64>> {
    if policy.at_browser_close(expiry) {
        return Ok(None);
    }
    policy.capped_age(expiry, created_at, at).map(Some)
}

impl Session {
    /// Django's `flush` (logout): empties the session, deletes the record from the store now,
    /// and drops the key, so the middleware deletes the cookie.
    ///
    /// # Errors
    /// Store errors while deleting; the session is emptied anyway.
    pub async fn flush(&self) -> Result<()> {
        let key = {
            let mut state = self.state();
            state.accessed = true;
            state.modified = true;
            state.cache = Some(Loaded::empty());
            state.ops.clear();
            state.key.take()
        };
        match key {
            Some(key) => self.shared.store.parts.backend.delete(&key).await.map(drop),
            None => Ok(()),
        }
    }

    /// Django's `cycle_key` (login): keeps the data, stores it under a new key now, deletes the
    /// old record. Loads first, so an unread session keeps its data (Django #28066).
    ///
    /// # Errors
    /// [`Error::Gone`] when the old key no longer holds a record (a logout, or a concurrent
    /// `cycle_key` of the same session, got there first): nothing new is stored. Store errors;
    /// on failure the session keeps its old key.
    pub async fn cycle_key(&self) -> Result<()> {
        let (old, record, logged) = {
            let mut state = self.synced().await?;
            state.modified = true;
            let now = self.now();
            (
                state.key.clone(),
                state.record(now, &self.shared.store)?,
                state.ops.len(),
            )
        };
        let created_at = record.created_at;
        let backend = &self.shared.store.parts.backend;
        let stored = match &old {
            Some(old) => backend.cycle(old, record).await?,
            None => backend.create(record).await?,
        };
        self.state().stored(stored, created_at, logged);
        Ok(())
    }

    /// Writes the session (the middleware's save step): creates it when it has no key, else
    /// saves it conditionally. On a conflict with another request, reloads, re-applies this
    /// request's changes and retries, with jittered backoff, until the store's conflict deadline
    /// (counted on the store's [`Clock`](crate::Clock) from the first conflict). Returns what the
    /// cookie must carry.
    ///
    /// # Errors
    /// [`Error::Gone`] when the session was deleted meanwhile (logged out elsewhere: nothing is
    /// written); [`Error::Conflict`] when the deadline passed (or after 256 merges); store
    /// errors.
    pub async fn save(&self) -> Result<Saved> {
        let store = &self.shared.store;
        let mut deadline = None; // set at the first conflict: the common path never reads it
        let mut attempt = 0u32;
        loop {
            let (key, record, logged) = {
                let state = self.synced().await?;
                (
                    state.key.clone(),
                    state.record(self.now(), store)?,
                    state.ops.len(),
                )
            };
            let (created_at, at) = (record.created_at, record.modified_at);
            // Before the write, so that a cookie which cannot be computed writes nothing.
            let max_age = max_age(&store.parts.policy, record.expiry, created_at, at)?;
            let result = match &key {
                Some(key) => store.parts.backend.save(key, record).await,
                None => store.parts.backend.create(record).await,
            };
            let key = match (result, key) {
                (Ok(stored), _) => {
                    let key = stored.key.clone();
                    self.state().stored(stored, created_at, logged);
                    return Ok(Saved { key, max_age, at });
                }
                (Err(Error::Conflict), Some(key))
                    if attempt < MAX_MERGE_ATTEMPTS
                        && self.now() < *deadline.get_or_insert_with(|| self.give_up_at()) =>
                {
                    key
                }
                (Err(err), _) => return Err(err),
            };
            tracing::debug!(
                attempt,
                "session save conflicted with another request; merging"
            );
            tokio::time::sleep(backoff(attempt)).await;
            attempt = attempt.saturating_add(1);
            let fresh = store.parts.backend.load(&key).await?.ok_or(Error::Gone)?;
            self.state().rebase(fresh)?;
        }
    }

    /// When a save that conflicts now stops retrying: the store's clock plus its conflict
    /// deadline. A deadline no date can hold saturates at [`LATEST`] (in effect never reached;
    /// no panic on overflow).
    pub(super) fn give_up_at(&self) -> OffsetDateTime {
        let now = self.now();
        time::Duration::try_from(self.shared.store.parts.conflict_deadline)
            .ok()
            .and_then(|wait| now.checked_add(wait))
            .unwrap_or(LATEST)
    }

    /// Moves the stored expiry as a save would, without rewriting the data (for
    /// `SESSION_SAVE_EVERY_REQUEST` on an unchanged session). Does nothing without a key. The
    /// key may change (a cookie engine seals a new token). Returns what the cookie must carry,
    /// `None` without a key.
    ///
    /// # Errors
    /// [`Error::Gone`] when the record is gone; store errors.
    pub async fn touch(&self) -> Result<Option<Saved>> {
        let store = &self.shared.store;
        let policy = &store.parts.policy;
        let (key, expires_at, max_age, at) = {
            let state = self.synced().await?;
            let Some(key) = state.key.clone() else {
                return Ok(None);
            };
            let loaded = state.loaded();
            let now = self.now();
            let created = loaded.created_at.unwrap_or(now);
            (
                key,
                policy.deadline(loaded.expiry, created, now)?,
                max_age(policy, loaded.expiry, created, now)?,
                now,
            )
        };
        let touched = store.parts.backend.touch(&key, expires_at).await?;
        let mut state = self.state();
        if state.key.as_ref() == Some(&key) {
            state.key = Some(touched.clone());
        }
        Ok(Some(Saved {
            key: touched,
            max_age,
            at,
        }))
    }
}

/// Jittered exponential backoff: the first retry is immediate, then up to 1, 2, 4 … 64 ms.
/// A save gives up after this many merges even before its deadline: a clock that stands still
/// (a paused mock) must not make a conflicting save retry forever. Within the default 2 s
/// deadline the backoff allows far fewer.
const MAX_MERGE_ATTEMPTS: u32 = 256;

pub(super) fn backoff(attempt: u32) -> std::time::Duration {
    if attempt == 0 {
        return std::time::Duration::ZERO;
    }
    let ceiling_micros = 1_000u64 << attempt.min(6);
    let mut bytes = [0u8; 8];
    // Jitter only: if the OS source fails, fall back to the ceiling.
    let random = getrandom::fill(&mut bytes).map_or(u64::MAX, |()| u64::from_le_bytes(bytes));
    std::time::Duration::from_micros(random % ceiling_micros + 1)
}
