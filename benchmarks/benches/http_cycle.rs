//! The whole request over HTTP on loopback: an axum handler that increments a counter in the
//! visitor's session, behind our `SessionLayer` on the in-process engine; the same app with no
//! session layer (the limit: the handler bumps a process-wide counter); and tower-sessions
//! 0.14's `SessionManagerLayer` on its `MemoryStore` (the peer). Each client connection is a
//! visitor: keep-alive HTTP/1.1, sending back the cookie it was given. 1 and 32 connections,
//! client and server in one process on 2 worker threads. Run: `cargo bench --bench http_cycle`.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::routing::get;
use common::{Candidate, ROUND, compare, measure, print_rows};
use session_kit::{MokaBackend, Session, SessionLayer, SessionStore, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

const ROUNDS: usize = 5;

static HITS: AtomicU64 = AtomicU64::new(0);

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

fn limit_app() -> Router {
    Router::new().route(
        "/",
        get(|| async { HITS.fetch_add(1, Ordering::Relaxed).to_string() }),
    )
}

fn ours_app() -> Router {
    let store = SessionStore::new(Arc::new(MokaBackend::new()));
    counter_app(SessionLayer::new(store, &Settings::default()).unwrap())
}

fn peer_app() -> Router {
    peer_counter_app(tower_sessions::MemoryStore::default())
}

/// The peer's counter handler behind tower-sessions' layer on `store`.
fn peer_counter_app<S: tower_sessions::SessionStore + Clone>(store: S) -> Router {
    let layer = tower_sessions::SessionManagerLayer::new(store);
    Router::new()
        .route(
            "/",
            get(|session: tower_sessions::Session| async move {
                let n: u64 = session.get("counter").await.unwrap().unwrap_or(0) + 1;
                session.insert("counter", n).await.unwrap();
                n.to_string()
            }),
        )
        .layer(layer)
}

const REDIS_URL: &str = "redis://127.0.0.1:6379";

/// The Redis limit: the handler reads its own cookie, `GET`s the counter, `SET`s it back with a
/// two-week TTL and sets a fresh cookie when there was none, by hand.
fn redis_limit_app(conn: redis::aio::MultiplexedConnection) -> Router {
    Router::new().route(
        "/",
        get(move |headers: axum::http::HeaderMap| {
            let mut conn = conn.clone();
            async move {
                let sent = headers
                    .get(axum::http::header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("sessionid="))
                    .map(str::to_owned);
                let (key, fresh) = match sent {
                    Some(key) => (key, false),
                    None => (
                        session_kit::KeyGenerator::random()
                            .generate()
                            .unwrap()
                            .as_str()
                            .to_owned(),
                        true,
                    ),
                };
                let redis_key = format!("bench-http-raw:{key}");
                let n: Option<u64> = redis::AsyncCommands::get(&mut conn, &redis_key)
                    .await
                    .unwrap();
                let n = n.unwrap_or(0) + 1;
                redis::AsyncCommands::pset_ex::<_, _, ()>(&mut conn, &redis_key, n, 1_209_600_000)
                    .await
                    .unwrap();
                let mut response = axum::response::IntoResponse::into_response(n.to_string());
                if fresh {
                    let cookie =
                        format!("sessionid={key}; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax");
                    response
                        .headers_mut()
                        .insert(axum::http::header::SET_COOKIE, cookie.parse().unwrap());
                }
                response
            }
        }),
    )
}

fn counter_app(layer: SessionLayer) -> Router {
    Router::new()
        .route(
            "/",
            get(|session: Session| async move {
                let n: u64 = session
                    .modify("counter", |n: Option<u64>| n.unwrap_or(0) + 1)
                    .await
                    .unwrap();
                n.to_string()
            }),
        )
        .layer(layer)
}

fn ours_redis_app() -> Router {
    let backend = session_kit::RedisBackend::builder(REDIS_URL)
        .layout(session_cache::KeyLayout::braced("bench-http-ours:"))
        .build()
        .unwrap();
    let store = SessionStore::new(Arc::new(backend));
    counter_app(SessionLayer::new(store, &Settings::default()).unwrap())
}

async fn peer_redis_app() -> Router {
    use tower_sessions_redis_store::fred::prelude::{ClientLike, Config, Pool};
    let pool = Pool::new(Config::from_url(REDIS_URL).unwrap(), None, None, None, 6).unwrap();
    let _connection = pool.connect();
    pool.wait_for_connect().await.unwrap();
    peer_counter_app(tower_sessions_redis_store::RedisStore::new(pool))
}

/// One visitor: a keep-alive connection and the cookie it was last given. The load generator
/// shares the CPUs (and the allocator) with the server, so it reuses its buffers: a request
/// allocates nothing on the client side, whether or not it carries a cookie.
struct Visitor {
    stream: TcpStream,
    cookie: Option<String>,
    request: Vec<u8>,
    buffer: Vec<u8>,
}

impl Visitor {
    async fn new(address: SocketAddr) -> Self {
        let stream = TcpStream::connect(address).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Self {
            stream,
            cookie: None,
            request: Vec::with_capacity(512),
            buffer: Vec::with_capacity(4096),
        }
    }

    /// One GET /, reading the whole response; keeps a `Set-Cookie` for the next request.
    async fn get(&mut self) {
        self.request.clear();
        self.request
            .extend_from_slice(b"GET / HTTP/1.1\r\nHost: bench\r\n");
        if let Some(cookie) = &self.cookie {
            self.request.extend_from_slice(b"Cookie: ");
            self.request.extend_from_slice(cookie.as_bytes());
            self.request.extend_from_slice(b"\r\n");
        }
        self.request.extend_from_slice(b"\r\n");
        self.stream.write_all(&self.request).await.unwrap();
        self.buffer.clear();
        let mut chunk = [0u8; 4096];
        loop {
            let read = self.stream.read(&mut chunk).await.unwrap();
            assert!(read > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..read]);
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buffer[..end]).unwrap();
                let length: usize =
                    header(head, "content-length").map_or(0, |v| v.parse().unwrap());
                if self.buffer.len() >= end + 4 + length {
                    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
                    if let Some(set) = header(head, "set-cookie") {
                        let value = set.split(';').next().unwrap();
                        let cookie = self.cookie.get_or_insert_with(String::new);
                        cookie.clear();
                        cookie.push_str(value);
                    }
                    return;
                }
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// A row: a server and a pool of visitors (one per concurrent task, taken in turn).
struct Site {
    visitors: Vec<Mutex<Visitor>>,
}

impl Site {
    async fn new(app: Router, visitors: usize) -> Self {
        let address = serve(app).await;
        let mut pool = Vec::with_capacity(visitors);
        for _ in 0..visitors {
            pool.push(Mutex::new(Visitor::new(address).await));
        }
        Self { visitors: pool }
    }
}

impl Candidate for Site {
    async fn cycle(&self, i: usize) {
        // Task t starts at t * 7919 and steps by 104,729: modulo the pool, each task keeps to
        // visitors of its own most of the time; the lock covers the rare meeting.
        let mut visitor = self.visitors[i % self.visitors.len()].lock().await;
        visitor.get().await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!(
        "round: {ROUND:?}; rounds: {ROUNDS}; worker threads: 2 (client and server share them)"
    );
    println!();
    table(
        "row",
        [
            "axum, no session layer (the limit)",
            "**ours: SessionLayer on MokaBackend**",
            "tower-sessions 0.14 SessionManagerLayer + MemoryStore",
        ],
        |_| async { [limit_app(), ours_app(), peer_app()] },
    )
    .await;

    // Redis: ratios to the hand-written Redis handler.
    let client = redis::Client::open(REDIS_URL).unwrap();
    let conn = client.get_multiplexed_async_connection().await.unwrap();
    println!();
    table(
        "Redis row",
        [
            "hand-written Redis GET + SET + cookie (the limit)",
            "**ours: SessionLayer on RedisBackend**",
            "tower-sessions 0.14 SessionManagerLayer + RedisStore 0.16",
        ],
        |_| {
            let conn = conn.clone();
            async move {
                [
                    redis_limit_app(conn),
                    ours_redis_app(),
                    peer_redis_app().await,
                ]
            }
        },
    )
    .await;
}

/// One table: the three apps `apps` builds, at 1 and 32 connections; ratios to the first.
async fn table<F, Fut>(header: &str, names: [&str; 3], apps: F)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = [Router; 3]>,
{
    println!("| {header} | 1 connection: req/s | × limit | 32 connections: req/s | × limit |");
    println!("|---|---:|---:|---:|---:|");
    let mut columns = Vec::new();
    for connections in [1usize, 32] {
        let mut sites = Vec::new();
        for app in apps(connections).await {
            sites.push(Arc::new(Site::new(app, connections).await));
        }
        let label = format!("{header}, connections {connections}");
        let sites = &sites;
        columns.push(
            compare(&label, 3, ROUNDS, |which| {
                measure(&sites[which], connections)
            })
            .await,
        );
    }
    print_rows(&names, &columns[0], &columns[1]);
}
