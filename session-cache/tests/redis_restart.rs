//! Redis going away and coming back: a `redis-server` of this test's own on a spare port is
//! stopped while requests keep coming (each fails with a typed error within the timeout, none
//! hangs, nothing panics), then started again: requests succeed with no new backend. And Redis
//! hanging (SIGSTOP: the socket stays open, nothing answers) then resuming.

#![cfg(feature = "redis")]
// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use session_cache::RedisBackend;
use session_conformance::Unavailable;
use session_conformance::services::skip_or_fail;
use session_core::{Error, SessionStore};

const TIMEOUT: Duration = Duration::from_millis(500);

fn spare_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A redis-server of our own, killed when dropped.
struct Server(Child);

impl Server {
    async fn start(port: u16) -> Result<Self, Unavailable> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| Unavailable::new("redis-server", err))?;
        let server = Self(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(Unavailable::new(
            "redis-server",
            "did not listen within 5 s",
        ))
    }
}

impl Server {
    /// Sends `signal` (`STOP`, `CONT`) to the server.
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One request's worth of work: load the visitor's session, bump a counter, save.
async fn request(store: &SessionStore, cookie: Option<&str>) -> Result<String, Error> {
    let session = store.session(cookie);
    session
        .modify("hits", |hits: Option<u64>| hits.unwrap_or(0) + 1)
        .await?;
    session.save().await?;
    Ok(session.key().expect("saved").as_str().to_owned())
}

/// A Redis of our own on a spare port and sessions in it; `None` (after `SKIP`, or failing
/// when services are required) without a `redis-server`.
async fn started() -> Option<(u16, Server, SessionStore)> {
    let port = spare_port();
    match Server::start(port).await {
        Ok(server) => Some((port, server, store_on(port))),
        Err(missing) => {
            skip_or_fail("redis_restart", &missing);
            None
        }
    }
}

/// Sessions in the Redis on `port`, with short timeouts.
fn store_on(port: u16) -> SessionStore {
    let backend = RedisBackend::builder(format!("redis://127.0.0.1:{port}"))
        .connect_timeout(TIMEOUT)
        .command_timeout(TIMEOUT)
        .build()
        .unwrap();
    SessionStore::new(Arc::new(backend))
}

/// The first request to succeed within 10 s (each failure before it a backend error), once
/// Redis is back.
async fn once_redis_answers(store: &SessionStore, cookie: Option<&str>) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match request(store, cookie).await {
            Ok(key) => return key,
            Err(err) if Instant::now() < deadline => {
                assert!(matches!(err, Error::Backend { .. }), "{err:?}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => panic!("Redis is back but requests still fail: {err:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_fail_fast_while_redis_is_down_and_recover_when_it_is_back() {
    let Some((port, server, store)) = started().await else {
        return;
    };

    // Up: sessions are created and saved again.
    let mut key = request(&store, None).await.unwrap();
    for _ in 0..5 {
        key = request(&store, Some(&key)).await.unwrap();
    }

    // Down: every request fails with a backend error, within the timeout, no panic.
    drop(server);
    for _ in 0..10 {
        let started = Instant::now();
        let failed = request(&store, None).await.expect_err("Redis is down");
        assert!(matches!(failed, Error::Backend { .. }), "{failed:?}");
        assert!(failed.is_transient());
        assert!(
            started.elapsed() < TIMEOUT * 3,
            "a request took {:?} with Redis down",
            started.elapsed()
        );
    }

    // Back (empty: it kept nothing on disk): requests succeed again on the same backend.
    let _server = Server::start(port).await.unwrap();
    let fresh = once_redis_answers(&store, None).await;
    let again = request(&store, Some(&fresh)).await.unwrap();
    assert_eq!(again, fresh);
    let session = store.session(Some(&fresh));
    assert_eq!(session.get::<u64>("hits").await.unwrap(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_time_out_while_redis_hangs_and_recover_when_it_resumes() {
    let Some((_, server, store)) = started().await else {
        return;
    };
    let key = request(&store, None).await.unwrap();

    // Hung: the connection is open but nothing answers. Each request gives up within the
    // timeout with a transient backend error.
    server.signal("STOP");
    for _ in 0..3 {
        let started = Instant::now();
        let failed = request(&store, Some(&key)).await.expect_err("Redis hangs");
        assert!(matches!(failed, Error::Backend { .. }), "{failed:?}");
        assert!(failed.is_transient());
        let took = started.elapsed();
        assert!(
            (TIMEOUT / 2..TIMEOUT * 3).contains(&took),
            "a request took {took:?} with Redis hung"
        );
    }

    // Resumed: the same backend serves the same session again.
    server.signal("CONT");
    assert_eq!(once_redis_answers(&store, Some(&key)).await, key);
    let session = store.session(Some(&key));
    assert_eq!(session.get::<u64>("hits").await.unwrap(), Some(2));
}
