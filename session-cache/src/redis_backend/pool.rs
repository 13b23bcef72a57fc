//! Connections to Redis: deadpool's pool of multiplexed connections, without a round trip per
//! checkout.
//!
//! deadpool-redis's stock manager sends `UNWATCH` + `PING` each time a connection leaves the
//! pool: a second round trip per operation. Ours does not ping, and the backend does not even
//! check a connection out per command: a multiplexed connection already carries many requests
//! at once, so [`Held`] keeps a few connections out of the pool and each command clones one
//! (a handle to its pipeline): concurrent requests pipeline over them, as over one raw
//! multiplexed connection. A command that fails on the socket (I/O error, timeout) marks its
//! connection broken; it goes back to the pool, which drops it, and a fresh one is opened, so
//! a restarted Redis is picked up with no restart of the application.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use deadpool::managed::{self, Metrics, Object, PoolError, RecycleError, RecycleResult};
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use redis::{AsyncConnectionConfig, Cmd, Pipeline, RedisError, RedisFuture, Value};

/// One connection, to a single node or to a whole cluster (which routes each key to its
/// node and follows redirections itself).
#[derive(Clone)]
pub(crate) enum Connection {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(conn) => conn.req_packed_command(cmd),
            Self::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(conn) => conn.req_packed_commands(pipeline, offset, count),
            Self::Cluster(conn) => conn.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(conn) => conn.get_db(),
            Self::Cluster(conn) => conn.get_db(),
        }
    }
}

/// A pooled connection and the flag that retires it.
pub(crate) struct Pooled {
    pub(crate) connection: Connection,
    pub(crate) broken: Arc<AtomicBool>,
}

/// Where connections go.
#[derive(Clone)]
pub(crate) enum Target {
    Single(redis::Client),
    Cluster(Box<redis::cluster::ClusterClient>),
}

/// deadpool's manager for [`Pooled`] connections: connects within the connect timeout,
/// recycles without a round trip.
pub(crate) struct Manager {
    pub(crate) target: Target,
    pub(crate) connect_timeout: Duration,
}

impl managed::Manager for Manager {
    type Type = Pooled;
    type Error = RedisError;

    async fn create(&self) -> Result<Pooled, RedisError> {
        let connection = match &self.target {
            Target::Single(client) => {
                // No response timeout here: `RedisBackend::run` bounds every command, and
                // retires the connection when it times out.
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(self.connect_timeout))
                    .set_response_timeout(None);
                Connection::Single(
                    client
                        .get_multiplexed_async_connection_with_config(&config)
                        .await?,
                )
            }
            Target::Cluster(client) => Connection::Cluster(client.get_async_connection().await?),
        };
        Ok(Pooled {
            connection,
            broken: Arc::new(AtomicBool::new(false)),
        })
    }

    async fn recycle(&self, conn: &mut Pooled, _: &Metrics) -> RecycleResult<RedisError> {
        if conn.broken.load(Ordering::Relaxed) {
            Err(RecycleError::message("the connection failed a command"))
        } else {
            Ok(())
        }
    }
}

/// The pool the backend draws connections from.
pub(crate) type Pool = managed::Pool<Manager>;

/// The backend's own connections: checked out of the [`Pool`] once and kept, one per slot,
/// each command taking a clone of a slot's connection in turn. A checkout per command (a
/// semaphore, a lock and a clock read) costs more than a command's own client-side work; this
/// is a read lock and a clone. A connection that failed a command is put back, so the pool
/// drops it, and the slot takes a fresh one.
pub(crate) struct Held {
    pool: Pool,
    slots: Box<[RwLock<Option<Object<Manager>>>]>,
    next: AtomicUsize,
}

impl Held {
    /// `slots` connections out of `pool`, opened at first use.
    pub(crate) fn new(pool: Pool, slots: usize) -> Self {
        Self {
            pool,
            slots: (0..slots.max(1)).map(|_| RwLock::new(None)).collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// A connection for one command, and the flag that retires it.
    pub(crate) async fn get(&self) -> Result<(Connection, Arc<AtomicBool>), PoolError<RedisError>> {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let slot = &self.slots[index];
        if let Some(live) = slot.read().ok().as_deref().and_then(live) {
            return Ok(live);
        }
        let fresh = self.pool.get().await?;
        let handed = (fresh.connection.clone(), Arc::clone(&fresh.broken));
        if let Ok(mut held) = slot.write() {
            // Another command may have refilled the slot meanwhile: keep a live connection.
            if held
                .as_ref()
                .is_none_or(|object| object.broken.load(Ordering::Relaxed))
            {
                // The broken one, if any, goes back to the pool, whose recycle drops it.
                *held = Some(fresh);
            }
        }
        Ok(handed)
    }
}

fn live(slot: &Option<Object<Manager>>) -> Option<(Connection, Arc<AtomicBool>)> {
    slot.as_ref()
        .filter(|object| !object.broken.load(Ordering::Relaxed))
        .map(|object| (object.connection.clone(), Arc::clone(&object.broken)))
}
