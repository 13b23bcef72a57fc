//! The in-process engine: decoded records in a moka cache.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

mod cache;

use moka::notification::RemovalCause;
use moka::ops::compute::{CompResult, Op};
use moka::policy::EvictionPolicy;
use moka::sync::Cache;
use session_core::{
    Backend, BackendHandle, Capabilities, Context, Error, Record, Result, SessionKey, SharedClock,
    Stored, Version, async_trait,
};
use time::OffsetDateTime;

/// Default number of sessions kept before the least recently used are evicted.
pub const DEFAULT_MAX_CAPACITY: u64 = 100_000;
const NAME: &str = "moka";

/// Sessions kept in this process's memory, decoded: no encoding or decoding per request.
///
/// - Bounded: at most `max_capacity` sessions (least recently used evicted first; an evicted
///   session is logged out, as with Django's cache engine).
/// - Each record expires at its own deadline (moka's per-entry expiry), and `load` checks the
///   clock as well, so an expired record is never returned.
/// - Each session lives in a slot with its own lock. `create` and `delete` go through moka's
///   per-key compute; `save` and `touch` swap the record inside the slot under its lock, so a
///   conditional save and a delete of the same key cannot interleave (no lost update, no
///   resurrection) and a save costs one moka read instead of a moka write, which is what
///   keeps this engine near a bare concurrent map (see `benchmarks/`).
/// - `touch` replaces only the expiry; the data is shared, not copied.
///
/// Sessions do not survive a restart and are not shared between processes; use Redis or a
/// database for that.
#[derive(Clone)]
pub struct MokaBackend {
    cache: Cache<SessionKey, Arc<Slot>, foldhash::fast::RandomState>,
    context: Context,
}

impl std::fmt::Debug for MokaBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MokaBackend")
            .field("entries", &self.cache.entry_count())
            .field("context", &self.context)
            .finish()
    }
}

/// One session's place in the cache. `record` is `None` once deleted: a save that found the
/// slot before the delete then sees `Gone`.
struct Slot {
    key: SessionKey,
    state: Mutex<SlotState>,
}

struct SlotState {
    record: Option<Record>,
    /// When moka will drop this slot, as last told by [`RecordExpiry`]; never before the
    /// record's own deadline.
    retained_until: OffsetDateTime,
}

impl Slot {
    fn new(key: SessionKey, record: Record) -> Arc<Self> {
        let retained_until = record.expires_at;
        Arc::new(Self {
            key,
            state: Mutex::new(SlotState {
                record: Some(record),
                retained_until,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Builds a [`MokaBackend`].
#[derive(Debug)]
#[must_use]
pub struct MokaBackendBuilder {
    max_capacity: u64,
    context: Context,
}

impl Default for MokaBackendBuilder {
    fn default() -> Self {
        Self {
            max_capacity: DEFAULT_MAX_CAPACITY,
            context: Context::default(),
        }
    }
}

impl MokaBackendBuilder {
    /// At most this many sessions. Default: [`DEFAULT_MAX_CAPACITY`].
    pub fn max_capacity(mut self, max_capacity: u64) -> Self {
        self.max_capacity = max_capacity;
        self
    }

    /// The clock deciding expiry and the generator of new keys. Default:
    /// [`Context::default`].
    pub fn context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// The backend.
    pub fn build(self) -> MokaBackend {
        let cache = Cache::builder()
            .max_capacity(self.max_capacity)
            // Plain LRU: TinyLFU's admission filter may refuse a brand-new session (a login)
            // in favour of old ones when full; sessions want the least recently used to go.
            .eviction_policy(EvictionPolicy::lru())
            .expire_after(RecordExpiry {
                clock: Arc::clone(self.context.clock()),
            })
            // Whatever takes a slot out of moka (delete, expiry, capacity) empties it, so a save
            // through a handle still held elsewhere finds nothing.
            .eviction_listener(|_, slot: Arc<Slot>, cause| {
                if cause != RemovalCause::Replaced {
                    slot.lock().record = None;
                }
            })
            // Randomly seeded per process; keys are only inserted by our generator, so a
            // client choosing cookie values cannot flood one bucket.
            .build_with_hasher(foldhash::fast::RandomState::default());
        MokaBackend {
            cache,
            context: self.context,
        }
    }
}

impl MokaBackend {
    /// A builder with the defaults.
    pub fn builder() -> MokaBackendBuilder {
        MokaBackendBuilder::default()
    }

    /// A backend with the defaults.
    pub fn new() -> Self {
        Self::builder().build()
    }

    fn now(&self) -> OffsetDateTime {
        self.context.now()
    }

    /// Counts one access to the cache ([`Context::store_call`]), made before each.
    fn store_call(&self) -> Result<()> {
        self.context.store_call(NAME)
    }

    /// How many sessions moka holds, after applying its pending evictions. Expired sessions
    /// not evicted yet are counted; for metrics, not for logic.
    pub fn entry_count(&self) -> u64 {
        self.cache.run_pending_tasks();
        self.cache.entry_count()
    }

    /// True while moka holds an entry under `key`, live by the engine's clock or not (moka
    /// drops entries past their deadline by itself): for tests of that native expiry.
    pub fn holds(&self, key: &SessionKey) -> bool {
        self.cache.contains_key(key)
    }
}

impl Default for MokaBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl MokaBackend {
    /// The slot under `key`, if moka holds one.
    fn slot(&self, key: &SessionKey) -> Option<Arc<Slot>> {
        self.cache.get(key)
    }

    /// Runs `change` on the live record under `key`, under the slot's lock. If the record's new
    /// deadline is past what moka was told, writes the slot back into moka so its per-entry
    /// expiry is recomputed (see [`RecordExpiry`]).
    fn update_live<T>(
        &self,
        key: &SessionKey,
        slot: Option<Arc<Slot>>,
        change: impl FnOnce(&mut Record) -> Result<T>,
    ) -> Result<T> {
        key.django_syntax()?; // nothing can be stored under another key
        // One store call for the lookup, the change and the write-back: one step under the lock.
        self.store_call()?;
        // A slot moka dropped has no record (see the eviction listener): Gone, as by lookup.
        let slot = slot.or_else(|| self.slot(key)).ok_or(Error::Gone)?;
        let now = self.now();
        let (result, refresh) = {
            let mut state = slot.lock();
            let retained_until = state.retained_until;
            let record = state
                .record
                .as_mut()
                .filter(|record| record.is_live(now))
                .ok_or(Error::Gone)?;
            let result = change(record)?;
            (result, record.expires_at > retained_until)
        };
        if refresh {
            self.cache
                .entry(key.clone())
                .and_compute_with(|existing| match existing {
                    // Only the same slot: a delete since then must stay a delete.
                    Some(entry) if Arc::ptr_eq(entry.value(), &slot) => Op::Put(slot),
                    _ => Op::Nop,
                });
        }
        Ok(result)
    }
}

#[async_trait]
impl Backend for MokaBackend {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        if !key.is_django_syntax() {
            return Ok(None); // nothing can be stored under it
        }
        let now = self.now();
        self.store_call()?;
        let Some(slot) = self.slot(key) else {
            return Ok(None);
        };
        let record = slot
            .lock()
            .record
            .as_ref()
            .filter(|record| record.is_live(now))
            .cloned();
        Ok(record.map(|mut record| {
            record.handle = Some(BackendHandle::new(slot));
            record
        }))
    }

    async fn create(&self, mut record: Record) -> Result<Stored> {
        record.version = Version::counter(1);
        record.handle = None;
        let key = self
            .context
            .create_with(|key| {
                if let Err(invalid) = key.django_syntax() {
                    // A generator making keys no other engine would store is misconfigured.
                    return std::future::ready(Err(invalid));
                }
                let inserted = self.store_call().map(|()| {
                    let result =
                        self.cache
                            .entry(key.clone())
                            .and_compute_with(|existing| match existing {
                                None => Op::Put(Slot::new(key.clone(), record.clone())),
                                // Live, expired or being deleted: never overwrite; draw another.
                                Some(_) => Op::Nop,
                            });
                    matches!(result, CompResult::Inserted(_))
                });
                std::future::ready(inserted)
            })
            .await?;
        Ok(Stored {
            key,
            version: Version::counter(1),
        })
    }

    async fn save(&self, key: &SessionKey, mut record: Record) -> Result<Stored> {
        // The slot this record was loaded from, when it is this key's: no second lookup.
        let slot = record
            .handle
            .take()
            .and_then(|handle| handle.downcast::<Slot>())
            .filter(|slot| slot.key == *key);
        let version = self.update_live(key, slot, |current| {
            if current.version != record.version {
                return Err(Error::Conflict);
            }
            let version = current.version.next();
            *current = Record {
                version: version.clone(),
                ..record
            };
            Ok(version)
        })?;
        Ok(Stored {
            key: key.clone(),
            version,
        })
    }

    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        self.update_live(key, None, |current| {
            current.expires_at = expires_at;
            Ok(())
        })?;
        Ok(key.clone())
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        if !key.is_django_syntax() {
            return Ok(false);
        }
        self.store_call()?;
        let mut held = false;
        let removed = self.cache.entry(key.clone()).and_compute_with(|entry| {
            held = entry.is_some_and(|entry| entry.value().lock().record.is_some());
            Op::Remove
        });
        if let CompResult::Removed(entry) = removed {
            // A save holding this slot from before the removal now finds nothing: Gone.
            entry.into_value().lock().record = None;
        }
        Ok(held)
    }

    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        if !key.is_django_syntax() {
            return Ok(false);
        }
        let now = self.now();
        self.store_call()?;
        Ok(self.slot(key).is_some_and(|slot| {
            slot.lock()
                .record
                .as_ref()
                .is_some_and(|record| record.is_live(now))
        }))
    }

    /// moka evicts expired records by itself; this also removes those expired by the
    /// backend's clock that moka has not reached yet, and counts them.
    async fn clear_expired(&self) -> Result<u64> {
        let now = self.now();
        // One store call for the whole sweep.
        self.store_call()?;
        let expired: Vec<(Arc<SessionKey>, Arc<Slot>)> = self
            .cache
            .iter()
            .filter(|(_, slot)| {
                slot.lock()
                    .record
                    .as_ref()
                    .is_none_or(|record| !record.is_live(now))
            })
            .collect();
        let mut removed = 0;
        for (key, slot) in expired {
            let result = self
                .cache
                .entry(SessionKey::clone(&key))
                .and_compute_with(|existing| match existing {
                    // The same slot, still there: a dead record never comes back to life.
                    Some(entry) if Arc::ptr_eq(entry.value(), &slot) => Op::Remove,
                    _ => Op::Nop,
                });
            if let CompResult::Removed(entry) = result
                && entry.into_value().lock().record.take().is_some()
            {
                removed += 1;
            }
        }
        self.cache.run_pending_tasks();
        Ok(removed)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::server_side()
            .with_native_expiry(true)
            .with_stores_bytes(false)
    }
}

/// How far past the deadline a save made now would set moka keeps a slot, at most: saves
/// within that margin need no moka write.
const MAX_RETENTION_SLACK: time::Duration = time::Duration::hours(1);

/// moka's per-entry expiry. Saves change the record inside its slot without a moka write, so
/// moka must already keep the slot as long as a save could extend it: until the deadline a save
/// made now would set (idle expiry counts from the last save), plus a margin of one idle
/// window (at most [`MAX_RETENTION_SLACK`]). A save that moves the deadline past that rewrites
/// the slot into moka, which recomputes it. Dead and deleted records are dropped at once; a
/// slot moka keeps a little longer is invisible (every read checks the clock).
struct RecordExpiry {
    clock: SharedClock,
}

impl RecordExpiry {
    fn retention(&self, slot: &Slot) -> Duration {
        let now = self.clock.now();
        let mut state = slot.lock();
        let until = match &state.record {
            Some(record) if record.is_live(now) => {
                let idle_window = match record.expiry {
                    session_core::Expiry::At(_) => time::Duration::ZERO,
                    _ => (record.expires_at - record.modified_at).max(time::Duration::ZERO),
                };
                record.expires_at.max(now + idle_window) + idle_window.min(MAX_RETENTION_SLACK)
            }
            _ => now,
        };
        state.retained_until = until;
        Duration::try_from(until - now).unwrap_or(Duration::ZERO)
    }
}

impl moka::Expiry<SessionKey, Arc<Slot>> for RecordExpiry {
    fn expire_after_create(
        &self,
        _: &SessionKey,
        slot: &Arc<Slot>,
        _: Instant,
    ) -> Option<Duration> {
        Some(self.retention(slot))
    }

    // Reads keep moka's deadline (the trait's default): a read is not activity.

    fn expire_after_update(
        &self,
        _: &SessionKey,
        slot: &Arc<Slot>,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(self.retention(slot))
    }
}
