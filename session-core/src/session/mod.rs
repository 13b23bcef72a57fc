//! The request-scoped session: Django's `request.session`.

mod ops;
mod store;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::{Data, Error, Expiry, Record, Result, SessionKey, Version};
use ops::{ModifyFn, Op};
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

struct State {
    key: Option<SessionKey>,
    cache: Option<Loaded>,
    accessed: bool,
    modified: bool,
    ops: Vec<Op>,
}

/// The loaded session: the dict plus what a save needs.
#[derive(Clone)]
struct Loaded {
    data: Arc<Data>,
    expiry: Expiry,
    /// `None` until stored: a new session is created at its first save.
    created_at: Option<OffsetDateTime>,
    version: Version,
    /// The backend's handle from the load, passed back on save.
    handle: Option<crate::record::BackendHandle>,
}

impl Loaded {
    fn empty() -> Self {
        Self {
            data: Arc::default(),
            expiry: Expiry::Default,
            created_at: None,
            version: Version::INITIAL,
            handle: None,
        }
    }

    fn from_record(record: Record) -> Self {
        Self {
            data: record.data,
            expiry: record.expiry,
            created_at: Some(record.created_at),
            version: record.version,
            handle: record.handle,
        }
    }
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

    /// Runs `op` on the loaded session, logs it, and marks the session modified.
    async fn change(&self, op: Op) -> Result<()> {
        let mut state = self.loaded().await?;
        state.apply(op)
    }

    // ----- reading ---------------------------------------------------------------------

    /// The value under `key`, deserialized (Django's `get`).
    ///
    /// # Errors
    /// [`Error::Codec`] when the stored value is not a `T`; store errors while loading.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let state = self.loaded().await?;
        state
            .data()
            .get(key)
            .map(|value| T::deserialize(value).map_err(Error::codec))
            .transpose()
    }

    /// The raw JSON value under `key`.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn get_value(&self, key: &str) -> Result<Option<Value>> {
        Ok(self.loaded().await?.data().get(key).cloned())
    }

    /// True when `key` is present (Django's `key in session`).
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn contains_key(&self, key: &str) -> Result<bool> {
        Ok(self.loaded().await?.data().contains_key(key))
    }

    /// The keys, in insertion order.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn keys(&self) -> Result<Vec<String>> {
        Ok(self.loaded().await?.data().keys().cloned().collect())
    }

    /// The values, in insertion order.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn values(&self) -> Result<Vec<Value>> {
        Ok(self.loaded().await?.data().values().cloned().collect())
    }

    /// The entries, in insertion order.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn items(&self) -> Result<Vec<(String, Value)>> {
        let state = self.loaded().await?;
        Ok(state
            .data()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    /// The number of entries.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn len(&self) -> Result<usize> {
        Ok(self.loaded().await?.data().len())
    }

    /// A copy of the whole dict (shared until either side changes it).
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn data(&self) -> Result<Arc<Data>> {
        Ok(Arc::clone(&self.loaded().await?.loaded().data))
    }

    // ----- writing ---------------------------------------------------------------------

    /// Stores `value` under `key` (Django's `session[key] = value`). Writing
    /// `_session_expiry` is the same as [`set_expiry`](Session::set_expiry).
    ///
    /// # Errors
    /// [`Error::Codec`] when `value` does not serialize; [`Error::ReservedKey`] for other
    /// `_session_*` keys; store errors while loading.
    pub async fn insert<T: Serialize>(&self, key: &str, value: T) -> Result<()> {
        let value = serde_json::to_value(value).map_err(Error::codec)?;
        self.insert_value(key, value).await
    }

    /// Stores a raw JSON value under `key`.
    ///
    /// # Errors
    /// As [`insert`](Session::insert).
    pub async fn insert_value(&self, key: &str, value: Value) -> Result<()> {
        if key == EXPIRY_KEY {
            let expiry = Expiry::from_json(&value).ok_or_else(|| Error::ReservedKey {
                key: key.to_owned(),
            })?;
            return self.set_expiry(expiry).await;
        }
        check_not_reserved(key)?;
        self.change(Op::Set(key.to_owned(), value)).await
    }

    /// Removes `key` and returns its value (Django's `pop`, and `del` without the `KeyError`).
    /// Marks the session modified only if the key was present.
    ///
    /// # Errors
    /// [`Error::Codec`] when the removed value is not a `T` (it is removed all the same);
    /// store errors while loading.
    pub async fn remove<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.remove_value(key)
            .await?
            .map(|value| T::deserialize(&value).map_err(Error::codec))
            .transpose()
    }

    /// Removes `key` and returns its raw value.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn remove_value(&self, key: &str) -> Result<Option<Value>> {
        let mut state = self.loaded().await?;
        let value = state.data().get(key).cloned();
        if value.is_some() {
            state.apply(Op::Remove(key.to_owned()))?;
        }
        Ok(value)
    }

    /// Returns the value under `key`, storing `default` first if the key is missing (Django's
    /// `setdefault`; modified only when it stores).
    ///
    /// # Errors
    /// [`Error::Codec`] when a value does not (de)serialize; store errors while loading.
    pub async fn setdefault<T: Serialize + DeserializeOwned>(
        &self,
        key: &str,
        default: T,
    ) -> Result<T> {
        check_not_reserved(key)?;
        let mut state = self.loaded().await?;
        if let Some(existing) = state.data().get(key) {
            return T::deserialize(existing).map_err(Error::codec);
        }
        let value = serde_json::to_value(&default).map_err(Error::codec)?;
        state.apply(Op::Set(key.to_owned(), value))?;
        Ok(default)
    }

    /// Stores every entry of `entries` (Django's `update`; modified even when empty).
    ///
    /// # Errors
    /// [`Error::ReservedKey`] for `_session_*` keys; store errors while loading.
    pub async fn update(&self, entries: impl IntoIterator<Item = (String, Value)>) -> Result<()> {
        let entries: Data = entries.into_iter().collect();
        if let Some(key) = entries.keys().find(|k| k.starts_with(RESERVED_PREFIX)) {
            return Err(Error::ReservedKey { key: key.clone() });
        }
        self.change(Op::Update(entries)).await
    }

    /// Read-modify-write of one value: `f` receives the current value (or `None`) and returns
    /// the new one. If another request saved the session meanwhile, `f` runs again on the fresh
    /// value before the save, so concurrent carts all keep their items.
    ///
    /// ```
    /// # async fn demo(session: session_core::Session) -> session_core::Result<()> {
    /// let cart: Vec<String> = session
    ///     .modify("cart", |cart: Option<Vec<String>>| {
    ///         let mut cart = cart.unwrap_or_default();
    ///         cart.push("apple".to_owned());
    ///         cart
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Codec`] when the current value is not a `T`; store errors while loading.
    pub async fn modify<T, F>(&self, key: &str, f: F) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
        F: Fn(Option<T>) -> T + Send + Sync + 'static,
    {
        let modify: ModifyFn = Arc::new(move |current: Option<&Value>| {
            let current = current
                .map(|value| T::deserialize(value).map_err(Error::codec))
                .transpose()?;
            serde_json::to_value(f(current))
                .map(Some)
                .map_err(Error::codec)
        });
        let value = self.modify_with(key, modify).await?;
        value
            .map(|value| T::deserialize(&value).map_err(Error::codec))
            .transpose()?
            .ok_or_else(|| Error::codec("modify removed the value"))
    }

    /// Read-modify-write on raw JSON: `f` returns the new value, or `None` to remove the key.
    /// Returns the new value. Re-run on conflicts as [`modify`](Session::modify).
    ///
    /// # Errors
    /// Errors `f` returns; store errors while loading.
    pub async fn modify_value<F>(&self, key: &str, f: F) -> Result<Option<Value>>
    where
        F: Fn(Option<&Value>) -> Result<Option<Value>> + Send + Sync + 'static,
    {
        self.modify_with(key, Arc::new(f)).await
    }

    async fn modify_with(&self, key: &str, modify: ModifyFn) -> Result<Option<Value>> {
        check_not_reserved(key)?;
        let mut state = self.loaded().await?;
        state.apply(Op::Modify(key.to_owned(), modify))?;
        Ok(state.data().get(key).cloned())
    }

    /// Empties the dict without loading it (Django's `clear`): accessed and modified. The key
    /// stays, so the middleware saves the empty session.
    pub fn clear(&self) {
        let mut state = self.state();
        state.accessed = true;
        state.modified = true;
        let cache = state.cache.get_or_insert_with(Loaded::empty);
        cache.data = Arc::default();
        state.ops.push(Op::Clear);
    }

    /// Marks the session modified, for changes made inside a value that the session cannot see
    /// (Django's `session.modified = True`).
    pub fn set_modified(&self) {
        self.state().modified = true;
    }

    // ----- state -----------------------------------------------------------------------

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

    // ----- expiry ----------------------------------------------------------------------

    /// Django's `set_expiry`: [`Expiry::Default`] (`None`), [`Expiry::seconds`] (0 is browser
    /// close), [`Expiry::At`] a date. Marks the session modified.
    ///
    /// # Errors
    /// [`Error::ExpiryOutOfRange`] when the expiry date would fall outside the years 1 to 9999
    /// (nothing changes); store errors while loading.
    pub async fn set_expiry(&self, expiry: Expiry) -> Result<()> {
        self.shared.store.parts.policy.date(expiry, self.now())?;
        self.change(Op::SetExpiry(expiry)).await
    }

    /// Django's `set_expiry(timedelta)`: expires at `now + after`, whatever the activity.
    ///
    /// # Errors
    /// [`Error::ExpiryOutOfRange`] when `now + after` falls outside the years 1 to 9999; store
    /// errors while loading.
    pub async fn set_expiry_after(&self, after: Duration) -> Result<()> {
        self.set_expiry(Expiry::after(self.now(), after)?).await
    }

    /// The session's own expiry setting.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn expiry(&self) -> Result<Expiry> {
        Ok(self.loaded().await?.loaded().expiry)
    }

    /// Django's `get_expiry_age()`: seconds the cookie should live if saved now, shortened by
    /// `SESSION_ABSOLUTE_AGE` when set.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn get_expiry_age(&self) -> Result<i64> {
        let now = self.now();
        let state = self.loaded().await?;
        let loaded = state.loaded();
        let created = loaded.created_at.unwrap_or(now);
        self.shared
            .store
            .parts
            .policy
            .capped_age(loaded.expiry, created, now)
    }

    /// Django's `get_expiry_date()`: when the session expires if saved now (the absolute cap
    /// applied).
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn get_expiry_date(&self) -> Result<OffsetDateTime> {
        let now = self.now();
        let state = self.loaded().await?;
        let loaded = state.loaded();
        let created = loaded.created_at.unwrap_or(now);
        self.shared
            .store
            .parts
            .policy
            .deadline(loaded.expiry, created, now)
    }

    /// Django's `get_expire_at_browser_close()`.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn get_expire_at_browser_close(&self) -> Result<bool> {
        let expiry = self.loaded().await?.loaded().expiry;
        Ok(self.shared.store.parts.policy.at_browser_close(expiry))
    }

    // ----- test cookie -----------------------------------------------------------------

    /// Django's `set_test_cookie`.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn set_test_cookie(&self) -> Result<()> {
        self.insert(TEST_COOKIE_NAME, TEST_COOKIE_VALUE).await
    }

    /// Django's `test_cookie_worked`.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn test_cookie_worked(&self) -> Result<bool> {
        let state = self.loaded().await?;
        Ok(state.data().get(TEST_COOKIE_NAME) == Some(&Value::from(TEST_COOKIE_VALUE)))
    }

    /// Django's `delete_test_cookie`; returns whether it was there.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn delete_test_cookie(&self) -> Result<bool> {
        Ok(self.remove_value(TEST_COOKIE_NAME).await?.is_some())
    }

    // ----- lifecycle -------------------------------------------------------------------

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
            let mut state = self.loaded().await?;
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
    /// request's changes and retries, with jittered backoff, until the store's conflict deadline.
    ///
    /// # Errors
    /// [`Error::Gone`] when the session was deleted meanwhile (logged out elsewhere: nothing is
    /// written); [`Error::Conflict`] when the deadline passed; store errors.
    pub async fn save(&self) -> Result<()> {
        let store = &self.shared.store;
        let mut deadline = None; // set at the first conflict: the common path never reads it
        let mut attempt = 0u32;
        loop {
            let (key, record, logged) = {
                let state = self.loaded().await?;
                (
                    state.key.clone(),
                    state.record(self.now(), store)?,
                    state.ops.len(),
                )
            };
            let created_at = record.created_at;
            let result = match &key {
                Some(key) => store.parts.backend.save(key, record).await,
                None => store.parts.backend.create(record).await,
            };
            let key = match (result, key) {
                (Ok(stored), _) => {
                    self.state().stored(stored, created_at, logged);
                    return Ok(());
                }
                (Err(Error::Conflict), Some(key))
                    if std::time::Instant::now()
                        < *deadline.get_or_insert_with(|| {
                            std::time::Instant::now() + store.parts.conflict_deadline
                        }) =>
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

    /// Moves the stored expiry as a save would, without rewriting the data (for
    /// `SESSION_SAVE_EVERY_REQUEST` on an unchanged session). Does nothing without a key. The
    /// key may change (a cookie engine seals a new token).
    ///
    /// # Errors
    /// [`Error::Gone`] when the record is gone; store errors.
    pub async fn touch(&self) -> Result<()> {
        let store = &self.shared.store;
        let (key, expires_at) = {
            let state = self.loaded().await?;
            let Some(key) = state.key.clone() else {
                return Ok(());
            };
            let loaded = state.loaded();
            let now = self.now();
            let created = loaded.created_at.unwrap_or(now);
            (
                key,
                store.parts.policy.deadline(loaded.expiry, created, now)?,
            )
        };
        let touched = store.parts.backend.touch(&key, expires_at).await?;
        let mut state = self.state();
        if state.key.as_ref() == Some(&key) {
            state.key = Some(touched);
        }
        Ok(())
    }
}

impl State {
    /// The loaded session. Callers load first; a missing cache reads as empty.
    fn loaded(&self) -> &Loaded {
        static EMPTY: std::sync::OnceLock<Loaded> = std::sync::OnceLock::new();
        self.cache
            .as_ref()
            .unwrap_or_else(|| EMPTY.get_or_init(Loaded::empty))
    }

    fn data(&self) -> &Data {
        &self.loaded().data
    }

    fn apply(&mut self, op: Op) -> Result<()> {
        let cache = self.cache.get_or_insert_with(Loaded::empty);
        op.apply(Arc::make_mut(&mut cache.data), &mut cache.expiry)?;
        self.modified = true;
        self.ops.push(op);
        Ok(())
    }

    /// The record a save at `now` writes.
    fn record(&self, now: OffsetDateTime, store: &SessionStore) -> Result<Record> {
        let loaded = self.loaded();
        let now = crate::record::truncate_to_micros(now);
        let created_at = loaded.created_at.unwrap_or(now);
        let mut record = Record {
            data: Arc::clone(&loaded.data),
            expiry: loaded.expiry,
            created_at,
            modified_at: now,
            expires_at: now,
            version: loaded.version.clone(),
            handle: loaded.handle.clone(),
        };
        record.renew(now, &store.parts.policy)?;
        Ok(record)
    }

    /// Records a successful write: the new key and version; the first `logged` operations are
    /// now in the store.
    fn stored(&mut self, stored: crate::Stored, created_at: OffsetDateTime, logged: usize) {
        let moved = self.key.as_ref() != Some(&stored.key);
        self.key = Some(stored.key);
        let cache = self.cache.get_or_insert_with(Loaded::empty);
        if moved {
            cache.handle = None; // the handle belonged to the old key
        }
        cache.version = stored.version;
        cache.created_at.get_or_insert(created_at);
        self.ops.drain(..logged.min(self.ops.len()));
    }

    /// Replaces the loaded session with `fresh` and re-applies this request's operations.
    fn rebase(&mut self, fresh: Record) -> Result<()> {
        let mut loaded = Loaded::from_record(fresh);
        let data = Arc::make_mut(&mut loaded.data);
        for op in &self.ops {
            op.apply(data, &mut loaded.expiry)?;
        }
        self.cache = Some(loaded);
        Ok(())
    }
}

fn check_not_reserved(key: &str) -> Result<()> {
    if key.starts_with(RESERVED_PREFIX) {
        return Err(Error::ReservedKey {
            key: key.to_owned(),
        });
    }
    Ok(())
}

/// Jittered exponential backoff: the first retry is immediate, then up to 1, 2, 4 … 64 ms.
fn backoff(attempt: u32) -> std::time::Duration {
    if attempt == 0 {
        return std::time::Duration::ZERO;
    }
    let ceiling_micros = 1_000u64 << attempt.min(6);
    let mut bytes = [0u8; 8];
    // Jitter only: if the OS source fails, fall back to the ceiling.
    let random = getrandom::fill(&mut bytes).map_or(u64::MAX, |()| u64::from_le_bytes(bytes));
    std::time::Duration::from_micros(random % ceiling_micros + 1)
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("Session")
            .field("key", &state.key)
            .field("loaded", &state.cache.is_some())
            .field("accessed", &state.accessed)
            .field("modified", &state.modified)
            .field("pending", &state.ops)
            .finish()
    }
}

#[cfg(test)]
pub(crate) mod tests;
