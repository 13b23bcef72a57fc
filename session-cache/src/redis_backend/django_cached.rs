//! Django's `cached_db` engine in Django's layout (`SESSION_CODEC=django`): the store (the db
//! engine in Django mode) holds the truth, Django's Redis cache a pickled copy under
//! `<KEY_PREFIX>:<VERSION>:django.contrib.sessions.cached_db<key>`, written through as Django
//! writes it, so Django and we read each other's cache entries.

use std::sync::Arc;

use session_core::signing::{b64_decode, b64_encode};
use session_core::{
    Backend, Capabilities, Error, Record, Result, SessionKey, Stored, Version, async_trait,
};
use time::OffsetDateTime;

use super::django::DjangoRedisBackend;

/// A version that came from the cache: the pickled dict that was read, to compare with the
/// store's row at save time.
const FROM_CACHE: &str = "cache:";

/// Django's `cached_db` over `store` (a [`Backend`] in Django mode, e.g. the db engine with
/// its Django codec) with `cache` (a [`DjangoRedisBackend`] at
/// [`CACHED_DB_KEY_PREFIX`](super::django::CACHED_DB_KEY_PREFIX)).
///
/// - `load` reads the cache, then on a miss the store, and fills the cache (Django's
///   read-through).
/// - `save` writes the store first, conditionally (see below), then the cache; a cache that
///   fails is logged, not fatal (Django 5.1's behaviour).
/// - A record read from the cache has no store version; its save first reads the store's row
///   and goes on only if that row still holds the dict that was read (a write by Django since
///   is a conflict, merged by the session); the store's own conditional save then closes the
///   race.
/// - `delete` removes the store's row, then leaves a one-minute tombstone in the cache (Django
///   deletes the entry): a save or read racing the delete cannot put the session back. Django
///   reads the tombstone as a miss and goes to its table.
#[derive(Clone, Debug)]
pub struct DjangoCachedDb<S> {
    cache: DjangoRedisBackend,
    store: Arc<S>,
}

impl<S: Backend> DjangoCachedDb<S> {
    /// `cache` in front of `store`.
    pub fn new(cache: DjangoRedisBackend, store: S) -> Self {
        Self {
            cache,
            store: Arc::new(store),
        }
    }

    /// Django 5.1+: a cache that fails does not fail the request.
    async fn fill(&self, key: &SessionKey, record: &Record) {
        if let Err(err) = self.cache.put(key, record).await {
            tracing::error!(error = %err, "error saving to the session cache");
        }
    }

    /// The store's version of the record under `key`, if it still holds the dict pickled in
    /// `token`; a conflict otherwise, `Gone` when the store has nothing live.
    async fn store_version(&self, key: &SessionKey, token: &str) -> Result<Version> {
        let current = self.store.load(key).await?.ok_or(Error::Gone)?;
        let read = b64_decode(token).ok_or(Error::Conflict)?;
        if DjangoRedisBackend::pickled(&current)? == read {
            Ok(current.version)
        } else {
            Err(Error::Conflict)
        }
    }
}

#[async_trait]
impl<S: Backend + 'static> Backend for DjangoCachedDb<S> {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        match self.cache.load(key).await {
            Ok(Some(mut record)) => {
                let pickled = DjangoRedisBackend::pickled(&record)?;
                record.version = Version::token(format!("{FROM_CACHE}{}", b64_encode(&pickled)));
                return Ok(Some(record));
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(error = %err, "session cache unavailable; reading the store");
            }
        }
        let Some(record) = self.store.load(key).await? else {
            return Ok(None);
        };
        self.fill(key, &record).await;
        Ok(Some(record))
    }

    async fn create(&self, record: Record) -> Result<Stored> {
        let stored = self.store.create(record.clone()).await?;
        self.fill(&stored.key, &record).await;
        Ok(stored)
    }

    async fn save(&self, key: &SessionKey, mut record: Record) -> Result<Stored> {
        if let Some(token) = record
            .version
            .as_token()
            .and_then(|t| t.strip_prefix(FROM_CACHE))
        {
            record.version = self.store_version(key, token).await?;
        }
        let saved = self.store.save(key, record.clone()).await;
        match &saved {
            Ok(stored) => self.fill(&stored.key, &record).await,
            // The cached copy is stale: drop it, so the merge reads the store.
            Err(Error::Conflict) => {
                let _ = self.cache.delete(key).await;
            }
            // The session is gone: keep it out of the cache.
            Err(Error::Gone) => {
                let _ = self.cache.bury(key).await;
            }
            Err(_) => {}
        }
        saved
    }

    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        let touched = self.store.touch(key, expires_at).await?;
        if let Err(err) = self.cache.touch(key, expires_at).await
            && !matches!(err, Error::Gone)
        {
            tracing::error!(error = %err, "error touching the session cache");
        }
        Ok(touched)
    }

    async fn cycle(&self, old: &SessionKey, record: Record) -> Result<Stored> {
        let stored = self.store.cycle(old, record.clone()).await?;
        self.fill(&stored.key, &record).await;
        if let Err(err) = self.cache.bury(old).await {
            tracing::error!(error = %err, "error removing a cycled session from the cache");
        }
        Ok(stored)
    }

    /// Deletes the row, then buries the cached copy (a tombstone for a minute, so a save or a
    /// read racing the delete cannot cache the session again).
    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        let deleted = self.store.delete(key).await?;
        self.cache.bury(key).await?;
        Ok(deleted)
    }

    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        match self.cache.load(key).await {
            Ok(Some(_)) => Ok(true),
            _ => self.store.exists(key).await,
        }
    }

    async fn clear_expired(&self) -> Result<u64> {
        self.store.clear_expired().await
    }

    fn capabilities(&self) -> Capabilities {
        self.store.capabilities().with_keeps_created_at(false)
    }
}
