//! The storage contract every engine implements.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{Error, Record, Result, SessionKey, Stored};

/// A session store.
///
/// Object safe (`Arc<dyn Backend>` is what the middleware and `Engine::from_settings` hand
/// around). Implement it with `#[async_trait]`.
///
/// # Contract
///
/// The conformance suite (`session-conformance`) checks every line; run it on your engine.
///
/// - Every method refuses a key outside the engine's own syntax with
///   [`Error::InvalidKey`] (or treats it as absent) *before* touching storage, and never panics.
/// - "Live" means present and `now < expires_at` by the engine's [`Clock`](crate::Clock), even
///   when the store has not evicted the record yet.
/// - Versions: a record read by [`load`](Backend::load) carries the version the store holds;
///   [`save`](Backend::save) succeeds only while the store still holds that version, and each
///   success stores a new one.
/// - Store failures (connection refused, timeouts) are [`Error::Backend`] with the driver's
///   error as source.
#[async_trait]
pub trait Backend: Send + Sync + Debug {
    /// The live record under `key`.
    ///
    /// # Behavior
    /// - `Ok(None)` when absent, expired, or undecodable: corrupt data is logged as a warning
    ///   (never the key) and never returned.
    /// - Never creates anything.
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>>;

    /// Stores `record` under a fresh key from the engine's `KeyGenerator`.
    ///
    /// # Behavior
    /// - Never overwrites a record, live or not yet cleared: on a key collision, draws another
    ///   key and retries.
    /// - Ignores `record.version`; returns the key and the stored version.
    async fn create(&self, record: Record) -> Result<Stored>;

    /// Replaces the record under `key`, only if a live record exists there **and** its version
    /// equals `record.version`.
    ///
    /// # Behavior
    /// - No live record: [`Error::Gone`], and nothing is written (a logged-out session is never
    ///   resurrected).
    /// - Another version: [`Error::Conflict`], and nothing is written.
    /// - Of two saves of one version, exactly one succeeds.
    /// - Returns the key now holding the record (the cookie engine returns a new token) and the
    ///   new version.
    /// - The stored deadline may trail `record.expires_at` by a small, documented slack when
    ///   the save pushes it later (the db engine spares its `expire_date` index that way); it
    ///   is never later than `record.expires_at`.
    async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored>;

    /// Moves the expiry of the live record under `key` to `expires_at` without rewriting its data
    /// (`SESSION_SAVE_EVERY_REQUEST` on an unchanged session). Afterwards `load` sees the new
    /// `expires_at`. Returns the key now holding the record: `key` itself on a server-side
    /// store, a new token on the cookie engines (the cookie carries the expiry).
    ///
    /// # Behavior
    /// - No live record: [`Error::Gone`].
    /// - The default loads and saves, retrying on conflicts; fast engines override it.
    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        for _ in 0..16 {
            let mut record = self.load(key).await?.ok_or(Error::Gone)?;
            record.expires_at = expires_at;
            match self.save(key, record).await {
                Err(Error::Conflict) => continue,
                other => return other.map(|stored| stored.key),
            }
        }
        Err(Error::Conflict)
    }

    /// Stores `record` under a new key and deletes `old`: the data survives, the old key is
    /// dead.
    ///
    /// # Behavior
    /// - `old` must still hold a record: when it does not (logged out, or cycled by a
    ///   concurrent request), [`Error::Gone`], and no new record is left behind. Of many
    ///   concurrent cycles of one key, exactly one succeeds, so a login raced twenty times
    ///   leaves one session, not twenty.
    /// - A failure before the delete leaves the user logged in under the old key.
    /// - The default creates, then deletes `old`, and removes what it created when that delete
    ///   found nothing; engines with transactions do it in one.
    async fn cycle(&self, old: &SessionKey, record: Record) -> Result<Stored> {
        let stored = self.create(record).await?;
        if self.delete(old).await? {
            Ok(stored)
        } else {
            self.delete(&stored.key).await?;
            Err(Error::Gone)
        }
    }

    /// Deletes the record under `key`; true when there was one to delete (live, or expired and
    /// not yet cleared). Idempotent: deleting nothing is `Ok(false)`.
    async fn delete(&self, key: &SessionKey) -> Result<bool>;

    /// True when a live record is under `key`.
    async fn exists(&self, key: &SessionKey) -> Result<bool>;

    /// Removes expired records and returns how many. Engines with native expiry may return 0:
    /// what matters is that expired records are unreachable.
    async fn clear_expired(&self) -> Result<u64>;

    /// What this engine can do, so the suite and the middleware know what to expect.
    fn capabilities(&self) -> Capabilities;
}

/// What an engine can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// State lives on the server (false for the cookie engine: `exists` is false, `delete`
    /// cannot revoke a copy the client kept).
    pub server_side: bool,
    /// `save` checks versions (no lost updates).
    pub conditional_save: bool,
    /// The store expires records by itself (Redis, moka); `clear_expired` may do nothing.
    pub native_expiry: bool,
    /// Records are stored encoded, so corrupt stored bytes are possible and must load as `None`.
    pub stores_bytes: bool,
    /// `created_at` survives the store, so `SESSION_ABSOLUTE_AGE` counts from the session's
    /// creation. False where only Django's dict is stored (Django mode, cookies): there the
    /// creation time reads as the last save, and the absolute cap is not enforced.
    pub keeps_created_at: bool,
}

impl Capabilities {
    /// A server-side store with conditional saves that stores encoded bytes and needs
    /// `clear_expired` (a database, files).
    pub const fn server_side() -> Self {
        Self {
            server_side: true,
            conditional_save: true,
            native_expiry: false,
            stores_bytes: true,
            keeps_created_at: true,
        }
    }

    /// Sets [`Capabilities::keeps_created_at`].
    #[must_use]
    pub const fn with_keeps_created_at(mut self, yes: bool) -> Self {
        self.keeps_created_at = yes;
        self
    }

    /// Sets [`Capabilities::native_expiry`].
    #[must_use]
    pub const fn with_native_expiry(mut self, yes: bool) -> Self {
        self.native_expiry = yes;
        self
    }

    /// Sets [`Capabilities::stores_bytes`].
    #[must_use]
    pub const fn with_stores_bytes(mut self, yes: bool) -> Self {
        self.stores_bytes = yes;
        self
    }

    /// Sets [`Capabilities::server_side`].
    #[must_use]
    pub const fn with_server_side(mut self, yes: bool) -> Self {
        self.server_side = yes;
        self
    }

    /// Sets [`Capabilities::conditional_save`].
    #[must_use]
    pub const fn with_conditional_save(mut self, yes: bool) -> Self {
        self.conditional_save = yes;
        self
    }
}

/// A backend behind an `Arc` is a backend (so `Arc<dyn Backend>` and `Arc<MyBackend>` work).
#[async_trait]
#[deny(clippy::missing_trait_methods)]
impl<B: Backend + ?Sized> Backend for Arc<B> {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        (**self).load(key).await
    }
    async fn create(&self, record: Record) -> Result<Stored> {
        (**self).create(record).await
    }
    async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored> {
        (**self).save(key, record).await
    }
    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        (**self).touch(key, expires_at).await
    }
    async fn cycle(&self, old: &SessionKey, record: Record) -> Result<Stored> {
        (**self).cycle(old, record).await
    }
    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        (**self).delete(key).await
    }
    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        (**self).exists(key).await
    }
    async fn clear_expired(&self) -> Result<u64> {
        (**self).clear_expired().await
    }
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
}
