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
/// Each line carries a tag; the conformance suite (`session-conformance`) has, for every tag,
/// the cases that check it (its crate docs list them, and a test fails if a tag has none). Run
/// it on your engine.
///
/// - `[key-syntax]` A store with no key syntax of its own uses Django's: 8 to 40 characters of
///   `[a-z0-9]` ([`SessionKey::is_django_syntax`]). Every method refuses a key outside the
///   engine's syntax with [`Error::InvalidKey`] (or treats it as absent) *before* touching
///   storage, and never panics.
/// - `[live]` "Live" means present and `now < expires_at` by the engine's
///   [`Clock`](crate::Clock), even when the store has not evicted the record yet.
/// - `[versions]` A record read by [`load`](Backend::load) carries the version the store holds;
///   [`save`](Backend::save) succeeds only while the store still holds that version, and each
///   success stores a new one.
/// - `[store-errors]` Store failures (connection refused, timeouts, I/O) are
///   [`Error::Backend`] with the driver's error as source; never a panic, never another kind.
/// - `[capabilities]` [`capabilities`](Backend::capabilities) tells the truth: what it claims
///   holds, and what it lacks only relaxes the cases that need it.
#[async_trait]
pub trait Backend: Send + Sync + Debug {
    /// The live record under `key`.
    ///
    /// # Behavior
    /// - `[load-absent]` `Ok(None)` when absent, expired, or undecodable: corrupt data is logged
    ///   as a warning (never the key) and never returned.
    /// - `[load-creates-nothing]` Never creates anything.
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>>;

    /// Stores `record` under a fresh key from the engine's [`Context`](crate::Context) (its
    /// `KeyGenerator`).
    ///
    /// # Behavior
    /// - `[create-never-overwrites]` Never overwrites a record, live or expired and not yet
    ///   cleared: on a key collision, draws another key and retries.
    /// - `[create-concurrent]` Of concurrent creates that draw the same key, exactly one gets
    ///   it; the others draw again.
    /// - `[create-attempts]` Gives up after
    ///   [`Context::max_create_attempts`](crate::Context::max_create_attempts) taken keys with
    ///   [`Error::NoFreeKey`], storing nothing ([`Context::create_with`](crate::Context::create_with)
    ///   is that loop).
    /// - `[create-bad-key]` A drawn key outside the engine's syntax is [`Error::InvalidKey`] and
    ///   stores nothing (a generator that makes such keys is misconfigured: drawing again would
    ///   hide it); a generator that fails is its own error ([`Error::Randomness`]), storing
    ///   nothing.
    /// - `[create-version]` Ignores `record.version`; returns the key and the version it
    ///   stored, which is the version a `load` then returns.
    async fn create(&self, record: Record) -> Result<Stored>;

    /// Replaces the record under `key`, only if a live record exists there **and** its version
    /// equals `record.version`.
    ///
    /// # Behavior
    /// - `[save-gone]` No live record: [`Error::Gone`], and nothing is written (a logged-out or
    ///   expired session is never resurrected).
    /// - `[save-conflict]` Another version: [`Error::Conflict`], and nothing is written. Of two
    ///   saves of one version, exactly one succeeds, however many writers race.
    /// - `[save-returns]` Returns the key now holding the record (the cookie engine returns a
    ///   new token) and the new version; `created_at` is kept as given (engines that cannot
    ///   keep it say so in [`Capabilities::keeps_created_at`]).
    /// - `[save-deadline]` The stored deadline may trail `record.expires_at` by a small,
    ///   documented slack when the save pushes it later (the db engine spares its
    ///   `expire_date` index that way); it is never later than `record.expires_at`.
    async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored>;

    /// Moves the expiry of the live record under `key` to `expires_at` without rewriting its data
    /// (`SESSION_SAVE_EVERY_REQUEST` on an unchanged session). Returns the key now holding the
    /// record: `key` itself on a server-side store, a new token on the cookie engines (the
    /// cookie carries the expiry).
    ///
    /// # Behavior
    /// - `[touch-moves]` Afterwards `load` sees the new `expires_at`, earlier or later, and the
    ///   same data and [`Expiry`](crate::Expiry) setting.
    /// - `[touch-gone]` No live record: [`Error::Gone`], and nothing is written.
    /// - `[touch-version]` The version stays: a touch is no change of data, so a request that
    ///   loaded the record before it still saves without a conflict. (A load-then-save touch
    ///   would break this, which is why there is no default.)
    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey>;

    /// Stores `record` under a new key and deletes `old`: the data survives, the old key is
    /// dead.
    ///
    /// # Behavior
    /// - `[cycle-moves]` The data is under a fresh key (drawn as `create` draws: never a taken
    ///   one) and `old` no longer loads.
    /// - `[cycle-gone]` `old` must still hold a record: when it does not (logged out, expired,
    ///   cycled by a concurrent request, or outside the syntax), [`Error::Gone`] (or
    ///   [`Error::InvalidKey`]), and no new record is left behind.
    /// - `[cycle-one-winner]` Of many concurrent cycles of one key, exactly one succeeds, so a
    ///   login raced twenty times leaves one session, not twenty.
    /// - `[cycle-failure]` A failure at any point (the key generator, the store) is returned
    ///   and leaves the user logged in under `old`, with its data.
    ///
    /// The default checks that `old` is live, creates, then deletes `old`, and removes what it
    /// created when that delete finds nothing or fails (best effort: a store that is down keeps
    /// the new record until it expires); engines with transactions do it in one.
    async fn cycle(&self, old: &SessionKey, record: Record) -> Result<Stored> {
        if !self.exists(old).await? {
            return Err(Error::Gone);
        }
        let stored = self.create(record).await?;
        match self.delete(old).await {
            Ok(true) => Ok(stored),
            Ok(false) => {
                self.delete(&stored.key).await?;
                Err(Error::Gone)
            }
            Err(err) => {
                // Best effort: the old key may still be live, so keep the user on it.
                let _ = self.delete(&stored.key).await;
                Err(err)
            }
        }
    }

    /// Deletes the record under `key`.
    ///
    /// # Behavior
    /// - `[delete]` True when there was one to delete (live, or expired and not yet cleared),
    ///   false otherwise; idempotent; no other key is touched.
    async fn delete(&self, key: &SessionKey) -> Result<bool>;

    /// True when a live record is under `key`.
    ///
    /// # Behavior
    /// - `[exists]` Exactly while `load` would return a record.
    async fn exists(&self, key: &SessionKey) -> Result<bool>;

    /// Removes expired records.
    ///
    /// # Behavior
    /// - `[clear-expired]` Removes every expired record and no live one, and returns how many
    ///   it removed. Engines with native expiry ([`Capabilities::native_expiry`]) may return 0,
    ///   but their store must really stop holding expired records on its own.
    async fn clear_expired(&self) -> Result<u64>;

    /// What this engine can do, so the suite and the middleware know what to expect.
    fn capabilities(&self) -> Capabilities;

    /// The engine's index of sessions by user, when it keeps one (see
    /// [`users::Indexed`](crate::users::Indexed), which gives any engine one). `None`, the
    /// default: a user's sessions cannot be listed nor revoked one by one.
    fn user_index(&self) -> Option<&dyn crate::users::UserIndex> {
        None
    }
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
    fn user_index(&self) -> Option<&dyn crate::users::UserIndex> {
        (**self).user_index()
    }
}
