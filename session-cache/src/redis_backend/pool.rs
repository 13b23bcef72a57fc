//! Connections to Redis: deadpool's pool of multiplexed connections, without a round trip per
//! checkout.
//!
//! deadpool-redis's stock manager sends `UNWATCH` + `PING` each time a connection leaves the
//! pool: a second round trip per operation. Ours does not ping. A multiplexed connection
//! already carries many requests at once, so a checkout takes a clone of the connection (a
//! handle to its pipeline) and hands the pooled object straight back: concurrent requests
//! pipeline over a few sockets, as over one raw multiplexed connection. A command that fails
//! on the socket (I/O error, timeout) marks its connection broken; the pool drops it at its
//! next checkout and opens a fresh one, so a restarted Redis is picked up with no restart of
//! the application.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
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

/// deadpool's manager for [`Pooled`] connections: connects with the timeouts, recycles
/// without a round trip.
pub(crate) struct Manager {
    pub(crate) target: Target,
    pub(crate) connect_timeout: Duration,
    pub(crate) command_timeout: Duration,
}

impl managed::Manager for Manager {
    type Type = Pooled;
    type Error = RedisError;

    async fn create(&self) -> Result<Pooled, RedisError> {
        let connection = match &self.target {
            Target::Single(client) => {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(self.connect_timeout))
                    .set_response_timeout(Some(self.command_timeout));
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
