//! Django's `cached_db`: any cache in front of any store.

// The record helpers serve the in-process cache, behind its feature.
#![cfg_attr(not(feature = "moka"), allow(dead_code))]

mod suspects;

use std::fmt;
use std::time::Duration;

use suspects::Suspects;

use session_core::{
    Backend, Capabilities, Error, Record, Result, SessionKey, Stored, Version, async_trait,
};
use time::OffsetDateTime;

/// How long a deleted session's tombstone keeps a slow, older read from putting the session
/// back into the cache.
pub const TOMBSTONE_TTL: Duration = Duration::from_secs(60);

/// What a cache in front of a store must do ([`MokaBackend`](crate::MokaBackend) and
/// [`RedisBackend`](crate::RedisBackend) do it). Records keep the **store's** version.
#[async_trait]
pub trait SessionCache: Send + Sync + fmt::Debug {
    /// The cached live record under `key`, as put (a tombstone is `None`).
    async fn get(&self, key: &SessionKey) -> Result<Option<Record>>;

    /// Caches `record` under `key`, unless the cache holds a newer version (or the same
    /// version with a later expiry) or a tombstone: an older write never overwrites a newer.
    async fn put(&self, key: &SessionKey, record: &Record) -> Result<()>;

    /// Drops the cached copy under `key` (the next load reads the store).
    async fn invalidate(&self, key: &SessionKey) -> Result<()>;

    /// Replaces the cached copy with a tombstone for [`TOMBSTONE_TTL`]: the session was
    /// deleted, and a read still in flight must not put it back.
    async fn forget(&self, key: &SessionKey) -> Result<()>;

    /// For a cache whose entries cannot carry the store's version (Django's pickled entries,
    /// shared with Django): what stands for `record`'s data and expiry in this cache, so that
    /// a save of a record read from the cache first checks that the store still holds the
    /// same. `None` (the default): records read from this cache carry the store's version.
    ///
    /// # Errors
    /// [`Error::Codec`](session_core::Error::Codec) when the record cannot be encoded.
    fn fingerprint(&self, _record: &Record) -> Result<Option<Version>> {
        Ok(None)
    }
}

/// A cache behind an `Arc` is a cache (so `Arc<dyn SessionCache>` picks one at run time).
#[async_trait]
impl<C: SessionCache + ?Sized> SessionCache for std::sync::Arc<C> {
    async fn get(&self, key: &SessionKey) -> Result<Option<Record>> {
        (**self).get(key).await
    }
    async fn put(&self, key: &SessionKey, record: &Record) -> Result<()> {
        (**self).put(key, record).await
    }
    async fn invalidate(&self, key: &SessionKey) -> Result<()> {
        (**self).invalidate(key).await
    }
    async fn forget(&self, key: &SessionKey) -> Result<()> {
        (**self).forget(key).await
    }
    fn fingerprint(&self, record: &Record) -> Result<Option<Version>> {
        (**self).fingerprint(record)
    }
}

/// True when `new` may replace `cached` in a cache: a later version, or the same one moved
/// to a later expiry. Tokens (Django mode) cannot be ordered: any other token replaces.
pub(crate) fn supersedes(new: &Record, cached: &Record) -> bool {
    match (new.version.as_counter(), cached.version.as_counter()) {
        (Some(new_v), Some(old_v)) => {
            new_v > old_v || (new_v == old_v && new.expires_at >= cached.expires_at)
        }
        _ => new.version != cached.version || new.expires_at >= cached.expires_at,
    }
}

/// The version a tombstone carries.
pub(crate) const TOMBSTONE: &[u8] = b"session-cache:tombstone";

/// True for a tombstone record.
pub(crate) fn is_tombstone(record: &Record) -> bool {
    record.version.as_token() == Some(TOMBSTONE)
}

/// What the version of a record read from a cache without the store's versions starts with;
/// the cache's fingerprint follows.
const FROM_CACHE: &[u8] = b"session-cache:fingerprint:";

/// The tombstone put at `now`.
pub(crate) fn tombstone(now: OffsetDateTime) -> Record {
    let until = now
        .checked_add(TOMBSTONE_TTL.try_into().unwrap_or(time::Duration::MAX))
        .unwrap_or(session_core::expiry::LATEST);
    Record {
        data: std::sync::Arc::new(session_core::Data::new()),
        expiry: session_core::Expiry::At(until),
        created_at: now,
        modified_at: now,
        expires_at: until,
        version: Version::token(TOMBSTONE),
        handle: None,
    }
}

/// Sessions in `store` with a read-through `cache` in front (Django's `cached_db`).
///
/// - `load` reads the cache, then the store on a miss, and caches what it found.
/// - `save`, `create`, `cycle` and `touch` write the store first, then the cache with the
///   store's new version; the cache refuses a version older than it holds, so two writes that
///   reach it out of order leave the newer.
/// - A conflict drops the cached copy, so the merge that follows re-reads the store, never the
///   cache; `Gone` and `delete` leave a tombstone, so a read still in flight cannot put a
///   logged-out session back.
/// - A key outside Django's syntax goes straight to the store, which refuses it: no cache
///   holds such a key.
/// - A cache failure is logged and not fatal (as Django): the store decides. When the failed
///   call was the one that should have replaced or dropped a cached copy after the store
///   changed, the key is remembered: its loads bypass the cache and retry the invalidation
///   until it succeeds, so a cache that blinks during a logout or a login does not serve the
///   old session once it is back. (Other processes sharing the cache see the stale copy until
///   it expires or this process drops it.)
///
/// - A cache that cannot hold the store's version ([`SessionCache::fingerprint`]: Django's
///   pickled entries) hands out records versioned by their fingerprint; a save of one first
///   reads the store and goes on only if the store still holds the same data (a write by
///   Django since is a conflict, merged by the session); the store's own conditional save then
///   closes the race.
///
/// An in-process cache in front of a store shared by several processes serves each process
/// its own copy; use it with one process, or Redis in front for many.
///
/// ```
/// # async fn demo() -> session_core::Result<()> {
/// use std::sync::Arc;
/// use session_cache::{CachedBackend, MokaBackend};
/// use session_core::SessionStore;
///
/// let store = MokaBackend::new(); // your database engine, e.g. session_db::DbBackend
/// let backend = CachedBackend::new(MokaBackend::new(), store);
/// let session = SessionStore::new(Arc::new(backend)).session(None);
/// session.insert("user", "alice").await?;
/// session.save().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CachedBackend<C, S> {
    cache: C,
    store: S,
    suspects: Suspects,
}

impl<C: SessionCache, S: Backend> CachedBackend<C, S> {
    /// `cache` in front of `store`.
    pub fn new(cache: C, store: S) -> Self {
        Self {
            cache,
            store,
            suspects: Suspects::default(),
        }
    }

    /// The cache.
    pub fn cache(&self) -> &C {
        &self.cache
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    async fn cache_put(&self, key: &SessionKey, record: &Record, version: &Version) {
        let cached = Record {
            version: version.clone(),
            handle: None,
            ..record.clone()
        };
        if let Err(err) = self.cache.put(key, &cached).await {
            tracing::warn!(error = %err, "session cache write failed; dropping the cached copy");
            self.cache_invalidate(key).await;
        }
    }

    /// The store's version of the record under `key` when the store still holds what the cache
    /// fingerprinted as `fingerprint`; a conflict otherwise, `Gone` when the store has nothing
    /// live.
    async fn store_version(&self, key: &SessionKey, fingerprint: &[u8]) -> Result<Version> {
        let current = self.store.load(key).await?.ok_or(Error::Gone)?;
        let same = self
            .cache
            .fingerprint(&current)?
            .is_some_and(|now| now.as_token() == Some(fingerprint));
        if same {
            Ok(current.version)
        } else {
            self.cache_invalidate(key).await;
            Err(Error::Conflict)
        }
    }

    /// Drops the cached copy under `key`; true when that worked (and the key is no longer
    /// suspect), false when the key stays suspect.
    async fn cache_invalidate(&self, key: &SessionKey) -> bool {
        match self.cache.invalidate(key).await {
            Ok(()) => {
                self.suspects.clear(key);
                true
            }
            Err(err) => {
                tracing::warn!(error = %err, "session cache invalidation failed");
                self.suspects.add(key);
                false
            }
        }
    }

    async fn cache_forget(&self, key: &SessionKey) {
        match self.cache.forget(key).await {
            Ok(()) => self.suspects.clear(key),
            Err(err) => {
                tracing::warn!(error = %err, "session cache tombstone failed");
                self.suspects.add(key);
            }
        }
    }

    /// True when the cache may answer for `key`: it is not suspect, or dropping its copy now
    /// worked.
    async fn cache_trusted(&self, key: &SessionKey) -> bool {
        !self.suspects.contains(key) || self.cache_invalidate(key).await
    }
}

#[async_trait]
impl<C: SessionCache, S: Backend> Backend for CachedBackend<C, S> {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        if !key.is_django_syntax() {
            return self.store.load(key).await; // the store answers for keys no cache holds
        }
        if !self.cache_trusted(key).await {
            return self.store.load(key).await; // and nothing cached while the cache is unsure
        }
        match self.cache.get(key).await {
            Ok(Some(mut record)) => {
                if let Some(fingerprint) = self.cache.fingerprint(&record)? {
                    let token = [FROM_CACHE, fingerprint.as_token().unwrap_or_default()].concat();
                    record.version = Version::token(token);
                }
                return Ok(Some(record));
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(error = %err, "session cache read failed; reading the store");
            }
        }
        let found = self.store.load(key).await?;
        if let Some(record) = &found {
            self.cache_put(key, record, &record.version).await;
        }
        Ok(found)
    }

    async fn create(&self, record: Record) -> Result<Stored> {
        let stored = self.store.create(record.clone()).await?;
        self.cache_put(&stored.key, &record, &stored.version).await;
        Ok(stored)
    }

    async fn save(&self, key: &SessionKey, mut record: Record) -> Result<Stored> {
        if !key.is_django_syntax() {
            return self.store.save(key, record).await;
        }
        let fingerprint = record
            .version
            .as_token()
            .and_then(|token| token.strip_prefix(FROM_CACHE));
        if let Some(fingerprint) = fingerprint {
            record.version = self.store_version(key, fingerprint).await?;
        }
        match self.store.save(key, record.clone()).await {
            Ok(stored) => {
                if stored.key != *key {
                    self.cache_forget(key).await;
                }
                self.cache_put(&stored.key, &record, &stored.version).await;
                Ok(stored)
            }
            Err(err) => {
                match err {
                    Error::Gone => self.cache_forget(key).await,
                    // A conflict: the merge must re-read the store. Another failure: the store
                    // may have written before it failed, so the cached copy is not to be trusted.
                    _ => {
                        self.cache_invalidate(key).await;
                    }
                }
                Err(err)
            }
        }
    }

    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        if !key.is_django_syntax() {
            return self.store.touch(key, expires_at).await;
        }
        let touched = self.store.touch(key, expires_at).await;
        match &touched {
            Ok(_) => match self.cache.get(key).await {
                // The guard keeps the later expiry of one version: a shorter one replaces it
                // by dropping the copy.
                Ok(Some(cached)) if expires_at < cached.expires_at => {
                    self.cache_invalidate(key).await;
                }
                Ok(Some(mut cached)) => {
                    cached.expires_at = expires_at;
                    let version = cached.version.clone();
                    self.cache_put(key, &cached, &version).await;
                }
                Ok(None) => {}
                Err(_) => {
                    self.cache_invalidate(key).await;
                }
            },
            Err(Error::Gone) => self.cache_forget(key).await,
            Err(_) => {
                self.cache_invalidate(key).await;
            }
        }
        touched
    }

    async fn cycle(&self, old: &SessionKey, record: Record) -> Result<Stored> {
        if !old.is_django_syntax() {
            return self.store.cycle(old, record).await;
        }
        let stored = match self.store.cycle(old, record.clone()).await {
            Ok(stored) => stored,
            Err(err) => {
                // Gone, or a failure after which the old key may be dead: read the store next.
                self.cache_invalidate(old).await;
                return Err(err);
            }
        };
        self.cache_forget(old).await;
        self.cache_put(&stored.key, &record, &stored.version).await;
        Ok(stored)
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        if !key.is_django_syntax() {
            return self.store.delete(key).await;
        }
        // Whether or not the store's delete went through before it failed, the cached copy
        // goes: a logout must not survive in the cache.
        let deleted = self.store.delete(key).await;
        self.cache_forget(key).await;
        deleted
    }

    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        if !key.is_django_syntax() {
            return self.store.exists(key).await;
        }
        if self.cache_trusted(key).await
            && let Ok(Some(_)) = self.cache.get(key).await
        {
            return Ok(true);
        }
        self.store.exists(key).await
    }

    async fn clear_expired(&self) -> Result<u64> {
        self.store.clear_expired().await
    }

    fn capabilities(&self) -> Capabilities {
        self.store.capabilities()
    }
}
