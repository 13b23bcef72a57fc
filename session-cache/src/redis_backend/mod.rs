//! The Redis engine (Django's `cache` engine on Redis): single node and Redis Cluster.

mod cache;
mod django;
mod django_cached;
mod pickle;
mod pool;
mod scripts;
mod ttl;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use deadpool::Runtime;
use deadpool::managed::{PoolError, Timeouts};
use redis::{AsyncCommands, RedisError, SetExpiry, SetOptions};
use session_core::codec::framed;
use session_core::{
    Backend, Capabilities, Error, KeyGenerator, Record, Result, SessionKey, SharedClock, Stored,
    SystemClock, Version, async_trait,
};
use time::OffsetDateTime;

pub use django::{CACHE_KEY_PREFIX, CACHED_DB_KEY_PREFIX, DjangoCacheKeys, DjangoRedisBackend};
pub use django_cached::DjangoCachedDb;
use pool::{Connection, Held, Manager, Pool, Target};

/// Default key prefix (`SESSION_CACHE_KEY_PREFIX`).
pub const DEFAULT_KEY_PREFIX: &str = session_core::settings::defaults::CACHE_KEY_PREFIX;
/// Default time to open a connection before the operation fails.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Default time a command may take before the operation fails.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// Default number of multiplexed connections the backend keeps open (each carries many
/// requests at once).
pub const DEFAULT_CONNECTIONS: usize = 1;
/// A key generator that keeps returning taken keys gets this many tries, then an error.
const MAX_CREATE_ATTEMPTS: usize = 10_000;
/// How much of a stored value `exists` reads: enough for the header.
const HEADER_BYTES: isize = framed::MAX_HEADER_BYTES as isize;
const NAME: &str = "redis";

/// Sessions in Redis, expiring by Redis's own TTL.
///
/// One round trip per operation: `load` is a `GET`, `create` a `SET … NX PX`, `save` one
/// `EVALSHA` that checks the stored version and liveness and writes, `touch` one `EVALSHA` that
/// moves the stored expiry and the TTL, `delete` a `DEL`. Each session is one key,
/// `<prefix>{<session key>}`, so on Redis Cluster every command of a session goes to one slot.
///
/// Built from a URL (`redis://…`, or several separated by commas for a Redis Cluster) it keeps
/// its own pool of multiplexed connections that does not ping on checkout; built from an
/// application's deadpool-redis pool it uses that pool as it is (its manager pings on each
/// checkout: one more round trip per operation). Every command is bounded by the command
/// timeout, so a Redis that is down or hung fails the request with [`Error::Backend`] within
/// it; a connection that failed or timed out is replaced at its next use. Reads, `touch`,
/// `delete` and `create` (a new key each try) are retried once on a fresh connection after a
/// connection failure, within the same deadline; `save` is not (the first attempt may have
/// been applied).
///
/// ```no_run
/// # async fn demo() -> session_core::Result<()> {
/// use std::sync::Arc;
/// use session_cache::RedisBackend;
/// use session_core::SessionStore;
///
/// let backend = RedisBackend::builder("redis://127.0.0.1:6379").build()?;
/// let store = SessionStore::new(Arc::new(backend));
/// let session = store.session(None);
/// session.insert("user", "alice").await?;
/// session.save().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisBackend {
    inner: Arc<Inner>,
}

struct Inner {
    source: Source,
    prefix: String,
    clock: SharedClock,
    keys: KeyGenerator,
    command_timeout: Duration,
    cluster: bool,
}

/// Where connections come from.
enum Source {
    Own(Held),
    Single(deadpool_redis::Pool),
    Cluster(deadpool_redis::cluster::Pool),
}

impl fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: never shown.
        f.debug_struct("RedisBackend")
            .field("cluster", &self.inner.cluster)
            .field("prefix", &self.inner.prefix)
            .field("command_timeout", &self.inner.command_timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a [`RedisBackend`].
#[must_use]
pub struct RedisBackendBuilder {
    urls: Vec<String>,
    pool: Option<Source>,
    prefix: String,
    clock: SharedClock,
    keys: KeyGenerator,
    connections: usize,
    connect_timeout: Duration,
    command_timeout: Duration,
}

impl fmt::Debug for RedisBackendBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBackendBuilder")
            .field("nodes", &self.urls.len())
            .field("prefix", &self.prefix)
            .field("connections", &self.connections)
            .field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisBackendBuilder {
    fn new(urls: Vec<String>, pool: Option<Source>) -> Self {
        Self {
            urls,
            pool,
            prefix: DEFAULT_KEY_PREFIX.to_owned(),
            clock: SystemClock::shared(),
            keys: KeyGenerator::random(),
            connections: DEFAULT_CONNECTIONS,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }

    /// Prefix of every key (`SESSION_CACHE_KEY_PREFIX`, default `session:`).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The clock that decides liveness and TTLs (default: the system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Where new session keys come from (default: the OS CSPRNG).
    pub fn key_generator(mut self, keys: KeyGenerator) -> Self {
        self.keys = keys;
        self
    }

    /// Multiplexed connections the backend keeps open, commands taking them in turn (default
    /// [`DEFAULT_CONNECTIONS`]: concurrent requests pipeline on one socket, which is what Redis
    /// answers fastest; more help when one socket's bandwidth is the limit).
    pub fn connections(mut self, connections: usize) -> Self {
        self.connections = connections.max(1);
        self
    }

    /// Time to open a connection (default 2 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time a command may take, retries included (default 2 s).
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// The backend. Connects lazily: a Redis that is down fails requests, not start-up.
    ///
    /// # Errors
    /// [`Error::Config`] naming `SESSION_CACHE_URL` when a URL is not a Redis URL.
    pub fn build(self) -> Result<RedisBackend> {
        let cluster = self.urls.len() > 1 || matches!(self.pool, Some(Source::Cluster(_)));
        let source = match self.pool {
            Some(source) => source,
            None => Source::Own(Held::new(self.own_pool()?, self.connections)),
        };
        Ok(RedisBackend {
            inner: Arc::new(Inner {
                source,
                prefix: self.prefix,
                clock: self.clock,
                keys: self.keys,
                command_timeout: self.command_timeout,
                cluster,
            }),
        })
    }

    fn own_pool(&self) -> Result<Pool> {
        let invalid = |err: RedisError| {
            Error::config(
                "SESSION_CACHE_URL",
                format!("not a Redis URL ({:?})", err.kind()),
            )
        };
        let target = match self.urls.as_slice() {
            [] => return Err(Error::config("SESSION_CACHE_URL", "no Redis URL given")),
            [url] => Target::Single(redis::Client::open(url.as_str()).map_err(invalid)?),
            urls => Target::Cluster(Box::new(
                redis::cluster::ClusterClientBuilder::new(urls.to_vec())
                    .connection_timeout(self.connect_timeout)
                    .response_timeout(self.command_timeout)
                    .build()
                    .map_err(invalid)?,
            )),
        };
        let manager = Manager {
            target,
            connect_timeout: self.connect_timeout,
        };
        Pool::builder(manager)
            // Room beyond the held connections: commands that race to refill one slot each
            // open one, and the spare goes back to the pool.
            .max_size(self.connections * 2 + 2)
            .runtime(Runtime::Tokio1)
            .timeouts(Timeouts {
                wait: Some(self.connect_timeout),
                create: Some(self.connect_timeout),
                recycle: Some(self.connect_timeout),
            })
            .build()
            .map_err(|err| Error::config("SESSION_CACHE_URL", err.to_string()))
    }
}

/// Whether an operation may run again after a connection failure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    Once,
    Never,
}

impl RedisBackend {
    /// A builder for the Redis at `url` (`redis://[:password@]host:port[/db]`), or for a Redis
    /// Cluster when `url` lists several nodes separated by commas.
    pub fn builder(url: impl AsRef<str>) -> RedisBackendBuilder {
        let urls = url
            .as_ref()
            .split(',')
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .map(str::to_owned)
            .collect();
        RedisBackendBuilder::new(urls, None)
    }

    /// A builder over an application's deadpool-redis pool.
    pub fn builder_from_pool(pool: deadpool_redis::Pool) -> RedisBackendBuilder {
        RedisBackendBuilder::new(Vec::new(), Some(Source::Single(pool)))
    }

    /// A builder over an application's deadpool-redis cluster pool.
    pub fn builder_from_cluster_pool(pool: deadpool_redis::cluster::Pool) -> RedisBackendBuilder {
        RedisBackendBuilder::new(Vec::new(), Some(Source::Cluster(pool)))
    }

    /// True when the backend talks to a Redis Cluster.
    pub fn is_cluster(&self) -> bool {
        self.inner.cluster
    }

    /// The Redis key holding session `key`: `<prefix>{<key>}` (one hash slot per session).
    ///
    /// # Errors
    /// [`Error::InvalidKey`] outside Django's key syntax.
    pub fn redis_key(&self, key: &SessionKey) -> Result<String> {
        let key = key.django_syntax()?;
        let prefix = &self.inner.prefix;
        // Two of these per request: pushing beats `format!`'s machinery by ~0.3 µs each.
        let mut redis_key = String::with_capacity(prefix.len() + key.len() + 2);
        redis_key.push_str(prefix);
        redis_key.push('{');
        redis_key.push_str(key);
        redis_key.push('}');
        Ok(redis_key)
    }

    /// Stores `bytes` under session `key` exactly as given, live until `expires_at`: for
    /// importing sessions and for tests that need corrupt data.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] outside Django's key syntax; [`Error::Backend`] when Redis fails.
    pub async fn write_raw(
        &self,
        key: &SessionKey,
        bytes: &[u8],
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let redis_key = self.redis_key(key)?;
        let ttl = ttl::ttl_millis(expires_at, self.now());
        let bytes = bytes.to_vec();
        self.run(Retry::Once, move |mut conn| {
            let (redis_key, bytes) = (redis_key.clone(), bytes.clone());
            async move {
                conn.pset_ex::<_, _, ()>(redis_key, bytes, u64::try_from(ttl).unwrap_or(1))
                    .await
            }
        })
        .await
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    /// `DEL redis_key`.
    /// `DEL`; true when the key was there.
    async fn del(&self, redis_key: String) -> Result<bool> {
        let removed: u64 = self
            .run(Retry::Once, |mut conn| {
                let redis_key = redis_key.clone();
                async move { conn.del(redis_key).await }
            })
            .await?;
        Ok(removed > 0)
    }

    /// Stores `bytes` for `ttl` ms under a fresh key (`SET NX PX`, drawing again while the key
    /// is taken); the key. `redis_key` names the Redis key of a session key.
    async fn set_new(
        &self,
        redis_key: impl Fn(&SessionKey) -> Result<String>,
        bytes: &[u8],
        ttl: u64,
    ) -> Result<SessionKey> {
        for _ in 0..MAX_CREATE_ATTEMPTS {
            let key = self.inner.keys.generate()?;
            let redis_key = redis_key(&key)?;
            let set: Option<String> = self
                .run(Retry::Once, |mut conn| {
                    let redis_key = redis_key.clone();
                    let options = SetOptions::default()
                        .conditional_set(redis::ExistenceCheck::NX)
                        .with_expiration(SetExpiry::PX(ttl));
                    async move { conn.set_options(redis_key, bytes, options).await }
                })
                .await?;
            if set.is_some() {
                return Ok(key);
            }
        }
        Err(Error::backend(
            NAME,
            "no free session key found: the key generator keeps returning taken keys",
        ))
    }

    /// The value stored under session `key` (`None` for a key we could never have issued).
    async fn get_value(&self, key: &SessionKey) -> Result<Option<Vec<u8>>> {
        let Ok(redis_key) = self.redis_key(key) else {
            return Ok(None);
        };
        self.run(Retry::Once, |mut conn| {
            let redis_key = redis_key.clone();
            async move { conn.get(redis_key).await }
        })
        .await
    }

    /// The live record in a stored value; corrupt values are logged and absent.
    fn decode_live(&self, stored: &[u8]) -> Option<Record> {
        let now = framed::micros(self.now());
        let decoded = framed::parse(stored)
            .ok_or_else(|| Error::codec("no session header"))
            .and_then(|header| {
                if header.expires_at_micros <= now {
                    Ok(None)
                } else {
                    framed::decode(&header).map(Some)
                }
            });
        decoded.unwrap_or_else(|err| {
            tracing::warn!(
                backend = NAME,
                error = %err,
                "session data corrupted; treating the session as absent"
            );
            None
        })
    }

    /// A connection, and the flag that retires it when a command fails on it.
    async fn connection(&self) -> Result<(Connection, Option<Arc<AtomicBool>>)> {
        fn failed<E: std::error::Error + Send + Sync + 'static>(err: PoolError<E>) -> Error {
            Error::backend(NAME, err)
        }
        match &self.inner.source {
            Source::Own(held) => {
                let (connection, broken) = held.get().await.map_err(failed)?;
                Ok((connection, Some(broken)))
            }
            Source::Single(pool) => {
                let conn = pool.get().await.map_err(failed)?;
                Ok((Connection::Single((*conn).clone()), None))
            }
            Source::Cluster(pool) => {
                let conn = pool.get().await.map_err(failed)?;
                Ok((Connection::Cluster((*conn).clone()), None))
            }
        }
    }

    /// Runs `command` on a connection, bounded by the command timeout; after a connection
    /// failure or a timeout the connection is retired and, after a failure with
    /// [`Retry::Once`], the command runs once more on a fresh one, within the same deadline.
    ///
    /// On our own single-node connections this is the only timer per command: they carry no
    /// response timeout of their own (a second timer measured 0.2 µs per command at 32
    /// tasks), and a held connection is handed out without awaiting, so the checkout's bound
    /// never arms. The cluster client keeps its own response timeout, which also bounds its
    /// slot refreshes and redirections.
    async fn run<T, F, Fut>(&self, retry: Retry, command: F) -> Result<T>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let timeout = self.inner.command_timeout;
        let deadline = tokio::time::Instant::now() + timeout;
        let timed_out = || {
            Error::backend(
                NAME,
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no answer from Redis within {timeout:?}"),
                ),
            )
        };
        let mut tries = if retry == Retry::Once { 2 } else { 1 };
        loop {
            tries -= 1;
            let (conn, broken) = tokio::time::timeout_at(deadline, self.connection())
                .await
                .map_err(|_| timed_out())??;
            let retire = || {
                if let Some(broken) = &broken {
                    broken.store(true, Ordering::Relaxed);
                }
            };
            match tokio::time::timeout_at(deadline, command(conn)).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(err)) if is_connection_failure(&err) => {
                    retire();
                    if tries == 0 {
                        return Err(Error::backend(NAME, err));
                    }
                }
                Ok(Err(err)) => return Err(Error::backend(NAME, err)),
                Err(_) => {
                    // A connection that stopped answering may never answer again (a peer
                    // gone without a reset): the next command opens a fresh one.
                    retire();
                    return Err(timed_out());
                }
            }
        }
    }
}

fn unexpected(answer: i64) -> Error {
    Error::backend(
        NAME,
        format!("unexpected answer {answer} from a session script"),
    )
}

fn is_connection_failure(err: &RedisError) -> bool {
    err.is_io_error()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || err.is_timeout()
        || err.is_unrecoverable_error()
}

#[async_trait]
impl Backend for RedisBackend {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        let stored = self.get_value(key).await?;
        Ok(stored.and_then(|stored| self.decode_live(&stored)))
    }

    async fn create(&self, record: Record) -> Result<Stored> {
        let bytes = framed::encode(&record, 1)?;
        let ttl = ttl::ttl_millis(record.expires_at, self.now());
        let key = self
            .set_new(
                |key| self.redis_key(key),
                &bytes,
                u64::try_from(ttl).unwrap_or(1),
            )
            .await?;
        Ok(Stored {
            key,
            version: Version::counter(1),
        })
    }

    async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored> {
        let redis_key = self.redis_key(key)?;
        let expected = record.version.as_counter().ok_or(Error::Conflict)?;
        let next = expected.checked_add(1).ok_or(Error::Conflict)?;
        let bytes = framed::encode(&record, next)?;
        let now = self.now();
        let ttl = ttl::ttl_millis(record.expires_at, now);
        let answer: i64 = self
            .run(Retry::Never, |mut conn| {
                let mut call = scripts::SAVE.key(&redis_key);
                call.arg(expected)
                    .arg(framed::micros(now))
                    .arg(&bytes)
                    .arg(ttl);
                async move { call.invoke_async(&mut conn).await }
            })
            .await?;
        match answer {
            scripts::WRITTEN => Ok(Stored {
                key: key.clone(),
                version: Version::counter(next),
            }),
            scripts::CONFLICT => Err(Error::Conflict),
            scripts::GONE => Err(Error::Gone),
            other => Err(unexpected(other)),
        }
    }

    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<()> {
        let redis_key = self.redis_key(key)?;
        let now = self.now();
        let ttl = ttl::ttl_millis(expires_at, now);
        let answer: i64 = self
            .run(Retry::Once, |mut conn| {
                let mut call = scripts::TOUCH.key(&redis_key);
                call.arg(framed::micros(now))
                    .arg(framed::micros(expires_at))
                    .arg(ttl);
                async move { call.invoke_async(&mut conn).await }
            })
            .await?;
        match answer {
            scripts::WRITTEN => Ok(()),
            scripts::GONE => Err(Error::Gone),
            other => Err(unexpected(other)),
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        match self.redis_key(key) {
            Ok(redis_key) => self.del(redis_key).await,
            Err(_) => Ok(false), // nothing can be stored under such a key
        }
    }

    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        let Ok(redis_key) = self.redis_key(key) else {
            return Ok(false);
        };
        let head: Vec<u8> = self
            .run(Retry::Once, |mut conn| {
                let redis_key = redis_key.clone();
                async move { conn.getrange(redis_key, 0, HEADER_BYTES).await }
            })
            .await?;
        let now = framed::micros(self.now());
        Ok(framed::parse(&head).is_some_and(|header| header.expires_at_micros > now))
    }

    /// Redis expires sessions by itself: nothing to clear.
    async fn clear_expired(&self) -> Result<u64> {
        Ok(0)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::server_side().with_native_expiry(true)
    }
}
