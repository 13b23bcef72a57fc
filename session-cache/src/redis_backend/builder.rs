//! [`RedisBackendBuilder`]: URLs or an application's pool, the layout, the codec, timeouts.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use deadpool::Runtime;
use deadpool::managed::Timeouts;
use redis::RedisError;
use session_core::codec::RecordCodec;
use session_core::{Context, Error, JsonCodec, Result};

#[cfg(doc)]
use super::DEFAULT_KEY_PREFIX;
use super::pool::{Held, Manager, Pool, Target};
use super::{
    DEFAULT_COMMAND_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_CONNECTIONS, Inner, KeyLayout,
    RedisBackend, Source,
};

/// Builds a [`RedisBackend`].
#[must_use]
pub struct RedisBackendBuilder {
    urls: Vec<String>,
    pool: Option<Source>,
    layout: KeyLayout,
    codec: Arc<dyn RecordCodec>,
    context: Context,
    connections: usize,
    connect_timeout: Duration,
    command_timeout: Duration,
}

impl fmt::Debug for RedisBackendBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBackendBuilder")
            .field("nodes", &self.urls.len())
            .field("layout", &self.layout)
            .field("codec", &self.codec.name())
            .field("connections", &self.connections)
            .field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisBackendBuilder {
    pub(super) fn new(urls: Vec<String>, pool: Option<Source>) -> Self {
        Self {
            urls,
            pool,
            layout: KeyLayout::default(),
            codec: Arc::new(JsonCodec),
            context: Context::default(),
            connections: DEFAULT_CONNECTIONS,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }

    /// How session keys become Redis keys. Default: [`KeyLayout::Braced`] under
    /// [`DEFAULT_KEY_PREFIX`] (`SESSION_CACHE_KEY_PREFIX`).
    pub fn layout(mut self, layout: KeyLayout) -> Self {
        self.layout = layout;
        self
    }

    /// What each value holds. Default: [`JsonCodec`], the framed record, whose header the
    /// server-side scripts check. [`PickleCodec`](super::PickleCodec), with
    /// [`KeyLayout::Django`], is Django's own cache entry.
    pub fn codec(mut self, codec: impl RecordCodec + 'static) -> Self {
        self.codec = Arc::new(codec);
        self
    }

    /// The clock that decides liveness and TTLs, and the source of new keys (default:
    /// [`Context::default`]).
    pub fn context(mut self, context: Context) -> Self {
        self.context = context;
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
                layout: self.layout,
                codec: self.codec,
                context: self.context,
                command_timeout: self.command_timeout,
                cluster,
            }),
        })
    }

    fn own_pool(&self) -> Result<Pool> {
        let invalid =
            |err: RedisError| Error::config_source("SESSION_CACHE_URL", "not a Redis URL", err);
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
            .map_err(|err| {
                Error::config_source(
                    "SESSION_CACHE_URL",
                    "the connection pool cannot be built",
                    err,
                )
            })
    }
}
