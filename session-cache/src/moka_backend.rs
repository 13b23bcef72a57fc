//! The in-process engine: decoded records in a moka cache.

use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::ops::compute::{CompResult, Op};
use moka::sync::Cache;
use session_core::{
    Backend, Capabilities, Error, KeyGenerator, Record, Result, SessionKey, SharedClock, Stored,
    SystemClock, Version, async_trait,
};
use time::OffsetDateTime;

/// Default number of sessions kept before the least recently used are evicted.
pub const DEFAULT_MAX_CAPACITY: u64 = 100_000;

/// A key generator that keeps returning taken keys gets this many tries, then an error
/// (a hang would be worse).
const MAX_CREATE_ATTEMPTS: usize = 10_000;

/// Sessions kept in this process's memory, decoded: no encoding or decoding per request.
///
/// - Bounded: at most `max_capacity` sessions (least recently used evicted first; an evicted
///   session is logged out, as with Django's cache engine).
/// - Each record expires at its own `expires_at` (moka's per-entry expiry), and `load` checks
///   the clock as well, so an expired record is never returned.
/// - Every write, deletes included, runs inside moka's per-key compute, so a conditional save
///   and a delete of the same key cannot interleave: no lost update, no resurrection.
/// - `touch` replaces only the expiry; the data is shared, not copied.
///
/// Sessions do not survive a restart and are not shared between processes; use Redis or a
/// database for that.
#[derive(Clone)]
pub struct MokaBackend {
    cache: Cache<SessionKey, Record>,
    clock: SharedClock,
    keys: KeyGenerator,
}

impl std::fmt::Debug for MokaBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MokaBackend")
            .field("entries", &self.cache.entry_count())
            .field("clock", &self.clock)
            .field("keys", &self.keys)
            .finish()
    }
}

/// Builds a [`MokaBackend`].
#[derive(Debug)]
#[must_use]
pub struct MokaBackendBuilder {
    max_capacity: u64,
    clock: SharedClock,
    keys: KeyGenerator,
}

impl Default for MokaBackendBuilder {
    fn default() -> Self {
        Self {
            max_capacity: DEFAULT_MAX_CAPACITY,
            clock: SystemClock::shared(),
            keys: KeyGenerator::random(),
        }
    }
}

impl MokaBackendBuilder {
    /// At most this many sessions. Default: [`DEFAULT_MAX_CAPACITY`].
    pub fn max_capacity(mut self, max_capacity: u64) -> Self {
        self.max_capacity = max_capacity;
        self
    }

    /// The clock deciding expiry. Default: the system clock.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The generator of new keys. Default: [`KeyGenerator::random`].
    pub fn key_generator(mut self, keys: KeyGenerator) -> Self {
        self.keys = keys;
        self
    }

    /// The backend.
    pub fn build(self) -> MokaBackend {
        let cache = Cache::builder()
            .max_capacity(self.max_capacity)
            .expire_after(RecordExpiry {
                clock: Arc::clone(&self.clock),
            })
            .build();
        MokaBackend {
            cache,
            clock: self.clock,
            keys: self.keys,
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
        self.clock.now()
    }
}

impl Default for MokaBackend {
    fn default() -> Self {
        Self::new()
    }
}

/// What a conditional write found.
enum Outcome {
    Written(Version),
    Gone,
    Conflict,
}

#[async_trait]
impl Backend for MokaBackend {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        let now = self.now();
        Ok(self.cache.get(key).filter(|record| record.is_live(now)))
    }

    async fn create(&self, mut record: Record) -> Result<Stored> {
        record.version = Version::counter(1);
        for _ in 0..MAX_CREATE_ATTEMPTS {
            let key = self.keys.generate()?;
            let mut candidate = Some(record);
            let result = self.cache.entry(key.clone()).and_compute_with(|existing| {
                match (existing, candidate.take()) {
                    (None, Some(new)) => Op::Put(new),
                    (_, unused) => {
                        candidate = unused;
                        Op::Nop
                    }
                }
            });
            match (result, candidate) {
                (CompResult::Inserted(_), _) => {
                    return Ok(Stored {
                        key,
                        version: Version::counter(1),
                    });
                }
                (_, Some(unused)) => record = unused, // the key was taken: draw another
                (_, None) => break,
            }
        }
        Err(Error::backend(
            "moka",
            "no free session key found: the key generator keeps returning taken keys",
        ))
    }

    async fn save(&self, key: &SessionKey, mut record: Record) -> Result<Stored> {
        let now = self.now();
        let mut outcome = Outcome::Gone;
        self.cache.entry(key.clone()).and_compute_with(|existing| {
            let Some(current) = existing.filter(|entry| entry.value().is_live(now)) else {
                return Op::Nop;
            };
            if current.value().version != record.version {
                outcome = Outcome::Conflict;
                return Op::Nop;
            }
            record.version = current.value().version.next();
            outcome = Outcome::Written(record.version.clone());
            Op::Put(record)
        });
        match outcome {
            Outcome::Written(version) => Ok(Stored {
                key: key.clone(),
                version,
            }),
            Outcome::Gone => Err(Error::Gone),
            Outcome::Conflict => Err(Error::Conflict),
        }
    }

    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<()> {
        let now = self.now();
        let mut touched = false;
        self.cache.entry(key.clone()).and_compute_with(|existing| {
            match existing.filter(|entry| entry.value().is_live(now)) {
                Some(current) => {
                    touched = true;
                    let mut record = current.into_value();
                    record.expires_at = expires_at;
                    Op::Put(record)
                }
                None => Op::Nop,
            }
        });
        if touched { Ok(()) } else { Err(Error::Gone) }
    }

    async fn delete(&self, key: &SessionKey) -> Result<()> {
        self.cache
            .entry(key.clone())
            .and_compute_with(|_| Op::Remove);
        Ok(())
    }

    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        let now = self.now();
        Ok(self
            .cache
            .get(key)
            .is_some_and(|record| record.is_live(now)))
    }

    /// moka evicts expired records by itself; this also removes those expired by the
    /// backend's clock that moka has not reached yet, and counts them.
    async fn clear_expired(&self) -> Result<u64> {
        let now = self.now();
        let expired: Vec<Arc<SessionKey>> = self
            .cache
            .iter()
            .filter(|(_, record)| !record.is_live(now))
            .map(|(key, _)| key)
            .collect();
        let mut removed = 0;
        for key in expired {
            let result = self
                .cache
                .entry(SessionKey::clone(&key))
                .and_compute_with(|existing| {
                    match existing {
                        // Re-checked under the key's lock: a save may have revived it meanwhile.
                        Some(entry) if !entry.value().is_live(now) => Op::Remove,
                        _ => Op::Nop,
                    }
                });
            if matches!(result, CompResult::Removed(_)) {
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

/// moka's per-entry expiry: each record lives until its own `expires_at`.
struct RecordExpiry {
    clock: SharedClock,
}

impl RecordExpiry {
    fn remaining(&self, record: &Record) -> Duration {
        Duration::try_from(record.expires_at - self.clock.now()).unwrap_or(Duration::ZERO)
    }
}

impl moka::Expiry<SessionKey, Record> for RecordExpiry {
    fn expire_after_create(&self, _: &SessionKey, record: &Record, _: Instant) -> Option<Duration> {
        Some(self.remaining(record))
    }

    fn expire_after_update(
        &self,
        _: &SessionKey,
        record: &Record,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(self.remaining(record))
    }
}
