//! The Redis engine (Django's `cache` engine on Redis): single node and Redis Cluster.

mod backend;
mod builder;
mod cache;
mod layout;
mod pickle;
mod pool;
mod scripts;
mod ttl;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use deadpool::managed::PoolError;
use redis::{AsyncCommands, RedisError};
use session_core::codec::{Beside, RecordCodec, load_live};
use session_core::{Context, Error, Record, Result, SessionKey};
use time::OffsetDateTime;

pub use builder::RedisBackendBuilder;
pub use layout::{
    CACHE_KEY_PREFIX, CACHED_DB_KEY_PREFIX, DEFAULT_KEY_PREFIX, DjangoCacheKeys, KeyLayout,
};
pub use pickle::PickleCodec;
use pool::{Connection, Held};

/// Default time to open a connection before the operation fails.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Default time a command may take before the operation fails.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// Default number of multiplexed connections the backend keeps open (each carries many
/// requests at once).
pub const DEFAULT_CONNECTIONS: usize = 1;
const NAME: &str = "redis";

/// Sessions in Redis, expiring by Redis's own TTL.
///
/// One round trip per operation: `load` is a `GET`, `create` a `SET … NX PX`, `save` one
/// `EVALSHA` that checks the stored version and liveness and writes, `touch` one `EVALSHA` that
/// moves the stored expiry and the TTL, `delete` a `DEL`. Each session is one key,
/// `<prefix>{<session key>}`, so on Redis Cluster every command of a session goes to one slot.
///
/// With Django's [`KeyLayout::Django`] and [`PickleCodec`] (`SESSION_CODEC=django`) it stores
/// exactly what Django's cache session engines store, so a Django app with the same Redis reads
/// and writes the sessions: `load` reads the value and its TTL in one script, the TTL being the
/// deadline (Redis decides liveness, not the engine's clock); a save compares the stored pickle
/// itself, so a write Django made since our load is a conflict; `touch` is a `PEXPIRE`.
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
    layout: KeyLayout,
    codec: Arc<dyn RecordCodec>,
    context: Context,
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
            .field("layout", &self.inner.layout)
            .field("codec", &self.inner.codec.name())
            .field("command_timeout", &self.inner.command_timeout)
            .finish_non_exhaustive()
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

    /// The Redis key holding session `key`, by the [`KeyLayout`].
    ///
    /// # Errors
    /// [`Error::InvalidKey`] outside Django's key syntax.
    pub fn redis_key(&self, key: &SessionKey) -> Result<String> {
        self.inner.layout.redis_key(key)
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

    /// True while Redis holds a value under session `key`, whatever the engine's clock says
    /// (`EXISTS`): for tests that Redis's own expiry really drops records.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] outside Django's key syntax; [`Error::Backend`] when Redis fails.
    pub async fn holds(&self, key: &SessionKey) -> Result<bool> {
        let redis_key = self.redis_key(key)?;
        self.run(Retry::Once, move |mut conn| {
            let redis_key = redis_key.clone();
            async move { conn.exists(redis_key).await }
        })
        .await
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.context.now()
    }

    fn codec(&self) -> &dyn RecordCodec {
        &*self.inner.codec
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

    /// The value stored under session `key` and what Redis keeps beside it (the TTL, for a
    /// codec without a header); `None` when there is none, or for a key we could never have
    /// issued, or for a tombstone.
    async fn fetch(&self, key: &SessionKey) -> Result<Option<(Vec<u8>, Beside)>> {
        let Ok(redis_key) = self.redis_key(key) else {
            return Ok(None);
        };
        let found = if self.codec().header_len().is_some() {
            let value: Option<Vec<u8>> = self
                .run(Retry::Once, |mut conn| {
                    let redis_key = redis_key.clone();
                    async move { conn.get(redis_key).await }
                })
                .await?;
            value.map(|value| (value, Beside::NOTHING))
        } else {
            let found: Option<(Vec<u8>, i64)> = self
                .run(Retry::Once, |mut conn| {
                    let call = scripts::LOAD_WITH_TTL.key(&redis_key);
                    async move { call.invoke_async(&mut conn).await }
                })
                .await?;
            let now = self.now();
            found.map(|(value, pttl)| {
                // A key without a TTL (written by hand) never expires by itself.
                let expires_at = (pttl > 0)
                    .then(|| now.checked_add(time::Duration::milliseconds(pttl)))
                    .flatten()
                    .unwrap_or(session_core::expiry::LATEST);
                (value, Beside::deadline(expires_at).with_modified(now))
            })
        };
        Ok(found.filter(|(value, _)| value != scripts::TOMBSTONE_VALUE.as_bytes()))
    }

    /// The live record stored under session `key`; values that do not decode are logged and
    /// absent.
    async fn load_live(&self, key: &SessionKey) -> Result<Option<Record>> {
        let Some((value, beside)) = self.fetch(key).await? else {
            return Ok(None);
        };
        Ok(load_live(self.codec(), &value, beside, self.now(), NAME))
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
    ///
    /// Every command, script and pipeline goes through here: it is one store call
    /// ([`Context::store_call`]), counted once before the connection is taken, whatever the
    /// retry.
    async fn run<T, F, Fut>(&self, retry: Retry, command: F) -> Result<T>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        self.inner.context.store_call(NAME)?;
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
