//! The request-scoped session: Django's `request.session`.

mod dict;
mod expiry;
mod ops;
mod persist;
mod state;
mod store;
mod users;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;

use crate::{Error, Result, SessionKey};
use ops::Op;
pub use persist::Saved;
use state::{Loaded, State};
pub use store::{DEFAULT_CONFLICT_DEADLINE, SessionStore};

/// Django's reserved key for a session's own expiry.
pub const EXPIRY_KEY: &str = "_session_expiry";
/// Prefix of the keys reserved for the framework's metadata.
pub const RESERVED_PREFIX: &str = "_session_";
/// Django's test cookie key.
pub const TEST_COOKIE_NAME: &str = "testcookie";
/// Django's test cookie value.
pub const TEST_COOKIE_VALUE: &str = "worked";

/// One request's session, loaded lazily from the store on first access.
///
/// Cloning gives another handle to the same session. It tracks `accessed` and `modified`
/// exactly as Django does (reference §1.2): every read or write sets `accessed`; writes set
/// `modified`; [`clear`](Session::clear) and [`is_empty`](Session::is_empty) do not load.
/// [`flush`](Session::flush) and [`cycle_key`](Session::cycle_key) act on the store at once;
/// other changes are written by [`save`](Session::save), which the middleware calls.
///
/// Every change is also logged, so that when another request saved the same session in the
/// meantime, `save` reloads it, re-applies this request's changes (re-running
/// [`modify`](Session::modify) closures on the fresh values) and saves again: no lost updates.
///
/// In an axum handler, take it as an argument (`async fn handler(session: Session)`) behind
/// the facade's `SessionLayer`. That extractor needs the **`axum` feature** (of `session-kit`,
/// or of `session-core`); without it, axum only reports that the handler's arguments do not
/// implement `FromRequestParts`.
#[derive(Clone)]
pub struct Session {
    shared: Arc<Shared>,
}

struct Shared {
    store: SessionStore,
    state: Mutex<State>,
}

impl Session {
    /// A session for `key` (`None`: anonymous, no cookie); nothing is loaded yet.
    pub fn new(store: SessionStore, key: Option<SessionKey>) -> Self {
        Self {
            shared: Arc::new(Shared {
                store,
                state: Mutex::new(State {
                    key,
                    cache: None,
                    accessed: false,
                    modified: false,
                    ops: Vec::new(),
                }),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> OffsetDateTime {
        self.shared.store.parts.clock.now()
    }

    /// Loads the session if it is not loaded yet, marks it accessed, and returns the state
    /// (never held across an `await`).
    async fn loaded(&self) -> Result<MutexGuard<'_, State>> {
        let key = {
            let mut state = self.state();
            state.accessed = true;
            if state.cache.is_some() {
                return Ok(state);
            }
            state.key.clone()
        };
        let record = match &key {
            Some(key) => self.shared.store.parts.backend.load(key).await?,
            None => None,
        };
        let mut state = self.state();
        if state.cache.is_none() {
            match record {
                Some(record) => state.cache = Some(Loaded::from_record(record)),
                None => {
                    // Missing, expired or invalid: never adopt the client's key (Django).
                    if state.key == key {
                        state.key = None;
                    }
                    state.cache = Some(Loaded::empty());
                }
            }
        }
        Ok(state)
    }

    /// As [`loaded`](Self::loaded), and also reads the record under a cache that
    /// [`clear`](Session::clear) built without loading, re-applying this request's changes, so
    /// that a write sends the stored version (and keeps the stored expiry and creation time).
    ///
    /// # Errors
    /// [`Error::Gone`] when that record is gone (logged out meanwhile); store errors.
    async fn synced(&self) -> Result<MutexGuard<'_, State>> {
        let key = {
            let state = self.loaded().await?;
            let unread = state.cache.as_ref().is_some_and(|cache| cache.unread);
            match &state.key {
                Some(key) if unread => key.clone(),
                _ => return Ok(state),
            }
        };
        let fresh = self.shared.store.parts.backend.load(&key).await?;
        let fresh = fresh.ok_or(Error::Gone)?;
        let mut state = self.state();
        let unread = state.cache.as_ref().is_some_and(|cache| cache.unread);
        if unread && state.key.as_ref() == Some(&key) {
            state.rebase(fresh)?;
        }
        Ok(state)
    }

    /// Runs `op` on the loaded session, logs it, and marks the session modified.
    async fn change(&self, op: Op) -> Result<()> {
        let mut state = self.loaded().await?;
        state.apply(op)
    }

    // ----- state -----------------------------------------------------------------------

    /// Marks the session modified, for changes made inside a value that the session cannot see
    /// (Django's `session.modified = True`).
    pub fn set_modified(&self) {
        self.state().modified = true;
    }

    /// True when there is no key and no data, without loading (Django's `is_empty`). The
    /// middleware deletes the cookie of an empty session and never saves one.
    pub fn is_empty(&self) -> bool {
        let state = self.state();
        state.key.is_none() && state.cache.as_ref().is_none_or(|c| c.data.is_empty())
    }

    /// True once anything read or wrote the session.
    pub fn accessed(&self) -> bool {
        self.state().accessed
    }

    /// True once anything changed the session.
    pub fn modified(&self) -> bool {
        self.state().modified
    }

    /// The current key: `None` for a new session, or after a load found nothing, or after
    /// [`flush`](Session::flush). Keep it out of logs.
    pub fn key(&self) -> Option<SessionKey> {
        self.state().key.clone()
    }

    /// The store this session belongs to.
    pub fn store(&self) -> &SessionStore {
        &self.shared.store
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("Session")
            .field("key", &state.key)
            .field(
                "loaded",
                &state.cache.as_ref().is_some_and(|cache| !cache.unread),
            )
            .field("accessed", &state.accessed)
            .field("modified", &state.modified)
            .field("pending", &state.ops)
            .finish()
    }
}

#[cfg(test)]
pub(crate) mod tests;
