//! Django's `cache` engine on Redis, in Django's own layout (`SESSION_CODEC=django`): the key
//! `<KEY_PREFIX>:<VERSION>:django.contrib.sessions.cache<session key>` holding the pickled
//! session dict, expiring by Redis's TTL, exactly what `django.core.cache.backends.redis`
//! writes for Django's cache session engine.

use redis::{AsyncCommands, Script};
use session_core::signing::{b64_decode, b64_encode};
use session_core::{
    Backend, Capabilities, Error, Record, Result, SessionKey, Stored, Version, async_trait,
};
use std::sync::{Arc, LazyLock};
use time::OffsetDateTime;

use super::{NAME, RedisBackend, Retry, pickle, scripts, ttl};

/// Django's cache key prefix of the `cache` session engine.
pub const CACHE_KEY_PREFIX: &str = "django.contrib.sessions.cache";
/// Django's cache key prefix of the `cached_db` session engine.
pub const CACHED_DB_KEY_PREFIX: &str = "django.contrib.sessions.cached_db";

/// Where Django's cache keeps a session: `CACHES["default"]`'s `KEY_PREFIX` (default empty)
/// and `VERSION` (default 1), and the engine's own prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DjangoCacheKeys {
    /// `KEY_PREFIX` of Django's cache (default `""`).
    pub key_prefix: String,
    /// `VERSION` of Django's cache (default 1).
    pub version: i64,
    /// The session engine's prefix: [`CACHE_KEY_PREFIX`].
    pub engine_prefix: String,
}

impl Default for DjangoCacheKeys {
    fn default() -> Self {
        Self {
            key_prefix: String::new(),
            version: 1,
            engine_prefix: CACHE_KEY_PREFIX.to_owned(),
        }
    }
}

impl DjangoCacheKeys {
    /// Django's `make_key`: `<KEY_PREFIX>:<VERSION>:<engine prefix><session key>`.
    fn redis_key(&self, key: &SessionKey) -> Result<String> {
        Ok(format!(
            "{}:{}:{}{}",
            self.key_prefix,
            self.version,
            self.engine_prefix,
            key.django_syntax()?
        ))
    }
}

/// Sessions in Redis exactly as Django's cache session engine stores them, so a Django app
/// with the same Redis reads and writes them. Built on a [`RedisBackend`] (its pool, clock,
/// key generator and timeouts).
///
/// - `load` reads the value and its TTL in one script; the version is the stored pickle itself,
///   so a write Django made between our load and our save is a conflict (the save is one script
///   comparing the bytes), and a session Django deleted is `Gone`.
/// - Expiry is Redis's own TTL (Django's `get_expiry_age()` at save), read back as the
///   deadline: the engine's clock does not decide liveness here, Redis does.
/// - Only Django's dict is stored: creation time is not kept (no `SESSION_ABSOLUTE_AGE`).
#[derive(Clone, Debug)]
pub struct DjangoRedisBackend {
    redis: RedisBackend,
    keys: Arc<DjangoCacheKeys>,
}

/// `KEYS[1]`: the value and its TTL in ms, or nothing.
static LOAD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local value = redis.call('GET', KEYS[1])
if not value then return false end
return {value, redis.call('PTTL', KEYS[1])}
",
    )
});

/// `KEYS[1]`; `ARGV`: the value, its TTL (ms). Writes unless a tombstone is there.
static PUT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == 'tombstone' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
",
    )
});

/// `KEYS[1]`; `ARGV`: the value loaded, the new value, its TTL (ms).
static SAVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
if stored ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
",
    )
});

impl DjangoRedisBackend {
    /// Django's layout over `redis`, at `keys` (`DjangoCacheKeys::default()` for Django's
    /// defaults).
    pub fn new(redis: RedisBackend, keys: DjangoCacheKeys) -> Self {
        Self {
            redis,
            keys: Arc::new(keys),
        }
    }

    /// The Redis key of session `key`.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] outside Django's key syntax.
    pub fn redis_key(&self, key: &SessionKey) -> Result<String> {
        self.keys.redis_key(key)
    }

    fn ttl(&self, record: &Record) -> u64 {
        u64::try_from(ttl::ttl_millis(record.expires_at, self.redis.now())).unwrap_or(1)
    }

    /// Writes `record` under `key`, as Django's `cache.set` (the cache side of `cached_db`),
    /// unless a tombstone is there: a write that raced a delete must not bring the session
    /// back.
    pub(crate) async fn put(&self, key: &SessionKey, record: &Record) -> Result<()> {
        let redis_key = self.redis_key(key)?;
        let bytes = pickle::dumps(record)?;
        let ttl = self.ttl(record);
        self.redis
            .run(Retry::Once, |mut conn| {
                let mut call = PUT.key(&redis_key);
                call.arg(&bytes).arg(ttl);
                async move { call.invoke_async::<i64>(&mut conn).await }
            })
            .await
            .map(drop)
    }

    /// Marks `key` deleted for [`TOMBSTONE_TTL`](crate::TOMBSTONE_TTL): reads see no session and
    /// writes that raced the delete are refused. Django, reading the marker, finds no pickle
    /// and falls back to its table (an unreadable cache entry is a miss there).
    pub(crate) async fn bury(&self, key: &SessionKey) -> Result<()> {
        let redis_key = self.redis_key(key)?;
        let ttl = u64::try_from(crate::TOMBSTONE_TTL.as_millis()).unwrap_or(60_000);
        self.redis
            .run(Retry::Once, |mut conn| {
                let redis_key = redis_key.clone();
                async move {
                    conn.pset_ex::<_, _, ()>(redis_key, scripts::TOMBSTONE_VALUE, ttl)
                        .await
                }
            })
            .await
    }

    /// The pickled dict of `record`, as this cache stores it.
    pub(crate) fn pickled(record: &Record) -> Result<Vec<u8>> {
        pickle::dumps(record)
    }
}

#[async_trait]
impl Backend for DjangoRedisBackend {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        let Ok(redis_key) = self.redis_key(key) else {
            return Ok(None);
        };
        let found: Option<(Vec<u8>, i64)> = self
            .redis
            .run(Retry::Once, |mut conn| {
                let call = LOAD.key(&redis_key);
                async move { call.invoke_async(&mut conn).await }
            })
            .await?;
        let Some((bytes, pttl)) = found else {
            return Ok(None);
        };
        if bytes == scripts::TOMBSTONE_VALUE.as_bytes() {
            return Ok(None); // deleted a moment ago
        }
        match pickle::loads(&bytes) {
            Ok((data, expiry)) => {
                let now = self.redis.now();
                // A key without a TTL (written by hand) never expires by itself.
                let left = if pttl > 0 {
                    time::Duration::milliseconds(pttl)
                } else {
                    time::Duration::weeks(52 * 100)
                };
                let expires_at = now + left;
                Ok(Some(Record {
                    data: Arc::new(data),
                    expiry,
                    created_at: now,
                    modified_at: now,
                    expires_at,
                    version: Version::token(b64_encode(&bytes)),
                    handle: None,
                }))
            }
            Err(err) => {
                tracing::warn!(
                    backend = NAME,
                    error = %err,
                    "cached session is not a plain pickled dict; treating the session as absent"
                );
                Ok(None)
            }
        }
    }

    async fn create(&self, record: Record) -> Result<Stored> {
        let bytes = pickle::dumps(&record)?;
        let key = self
            .redis
            .set_new(|key| self.redis_key(key), &bytes, self.ttl(&record))
            .await?;
        Ok(Stored {
            key,
            version: Version::token(b64_encode(&bytes)),
        })
    }

    async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored> {
        let redis_key = self.redis_key(key)?;
        // A record never stored here carries no pickle: it can only be Gone or a conflict.
        let expected = record
            .version
            .as_token()
            .and_then(b64_decode)
            .unwrap_or_default();
        let bytes = pickle::dumps(&record)?;
        let ttl = self.ttl(&record);
        let answer: i64 = self
            .redis
            .run(Retry::Never, |mut conn| {
                let mut call = SAVE.key(&redis_key);
                call.arg(&expected).arg(&bytes).arg(ttl);
                async move { call.invoke_async(&mut conn).await }
            })
            .await?;
        match answer {
            scripts::WRITTEN => Ok(Stored {
                key: key.clone(),
                version: Version::token(b64_encode(&bytes)),
            }),
            scripts::CONFLICT => Err(Error::Conflict),
            scripts::GONE => Err(Error::Gone),
            other => Err(super::unexpected(other)),
        }
    }

    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        let redis_key = self.redis_key(key)?;
        let ttl = ttl::ttl_millis(expires_at, self.redis.now());
        let moved: bool = self
            .redis
            .run(Retry::Once, |mut conn| {
                let redis_key = redis_key.clone();
                async move { conn.pexpire(redis_key, ttl).await }
            })
            .await?;
        if moved {
            Ok(key.clone())
        } else {
            Err(Error::Gone)
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        match self.redis_key(key) {
            Ok(redis_key) => self.redis.del(redis_key).await,
            Err(_) => Ok(false), // nothing can be stored under such a key
        }
    }

    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        let Ok(redis_key) = self.redis_key(key) else {
            return Ok(false);
        };
        self.redis
            .run(Retry::Once, |mut conn| {
                let redis_key = redis_key.clone();
                async move { conn.exists(redis_key).await }
            })
            .await
    }

    /// Redis expires sessions by itself.
    async fn clear_expired(&self) -> Result<u64> {
        Ok(0)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::server_side()
            .with_native_expiry(true)
            .with_keeps_created_at(false)
    }
}
