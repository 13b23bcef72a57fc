//! The Redis engine's request cycle: load a ~300-byte session, change one key, save.
//!
//! Rows, in one run: raw redis-rs `GET` + `SET … PX` of the same JSON on one multiplexed
//! connection, with the same JSON work (the limit; no version check); our `RedisBackend`
//! (`GET`, then the conditional save's one `EVALSHA`); tower-sessions-redis-store 0.16 over a
//! fred pool of 6 connections (the peer; no version check). Then `CachedBackend(moka,
//! PostgreSQL)` against plain `DbBackend` on PostgreSQL. 1 and 32 tasks on 2 worker threads,
//! 1,000 sessions per row; ratios are to the first row of the table in the same round.
//! Run: `cargo bench --bench redis_cycle` (from `benchmarks/`), with Redis and PostgreSQL on
//! loopback (`SESSIONS_TEST_REDIS_URL`, `SESSIONS_TEST_POSTGRES_URL`).

mod common;

use std::sync::Arc;

use common::{Candidate, Engine, Peer, ROUND, compare, measure, print_rows, session_data};
use serde_json::json;
use session_cache::{CachedBackend, MokaBackend, RedisBackend};
use session_core::Data;
use session_db::DbBackend;
use tower_sessions_redis_store::fred::prelude::{ClientLike, Config, Pool};

const SESSIONS: usize = 1_000;
const ROUNDS: usize = 7;
const TTL_MS: u64 = 14 * 24 * 3600 * 1000;

/// The limit: GET, decode, change, encode, SET with a TTL, on one multiplexed connection.
struct Raw {
    conn: redis::aio::MultiplexedConnection,
    keys: Vec<String>,
}

impl Candidate for Raw {
    async fn cycle(&self, i: usize) {
        let key = &self.keys[i % SESSIONS];
        let mut conn = self.conn.clone();
        let bytes: Option<Vec<u8>> = redis::AsyncCommands::get(&mut conn, key).await.unwrap();
        let Some(bytes) = bytes else { return };
        let mut data: Data = serde_json::from_slice(&bytes).unwrap();
        data.insert("counter".into(), json!(i));
        let bytes = serde_json::to_vec(&data).unwrap();
        redis::AsyncCommands::pset_ex::<_, _, ()>(&mut conn, key, bytes, TTL_MS)
            .await
            .unwrap();
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

async fn table<A: Candidate, B: Candidate, C: Candidate>(
    title: &str,
    names: &[&str],
    rows: (Arc<A>, Arc<B>, Option<Arc<C>>),
) {
    println!("\n{title}:\n");
    println!(
        "| row | 1 task: ops/s | 1 task: × first row | 32 tasks: ops/s | 32 tasks: × first row |"
    );
    println!("|---|---:|---:|---:|---:|");
    let count = if rows.2.is_some() { 3 } else { 2 };
    let mut columns = Vec::new();
    for tasks in [1usize, 32] {
        let label = format!("{title}, tasks {tasks}");
        let rows = &rows;
        columns.push(
            compare(&label, count, ROUNDS, |which| async move {
                match which {
                    0 => measure(&rows.0, tasks).await,
                    1 => measure(&rows.1, tasks).await,
                    _ => measure(rows.2.as_ref().unwrap(), tasks).await,
                }
            })
            .await,
        );
    }
    print_rows(&names[..count], &columns[0], &columns[1]);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!("sessions per row: {SESSIONS}; round: {ROUND:?}; rounds: {ROUNDS}; worker threads: 2");
    let redis_url = env_or("SESSIONS_TEST_REDIS_URL", "redis://127.0.0.1:6379");
    let only_redis = std::env::var("BENCH_ONLY_REDIS").is_ok();

    // The limit's sessions hold the same JSON as ours.
    let client = redis::Client::open(redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let json = serde_json::to_vec(&session_data()).unwrap();
    let mut keys = Vec::with_capacity(SESSIONS);
    for n in 0..SESSIONS {
        let key = format!("bench-raw:{n:032}");
        redis::AsyncCommands::pset_ex::<_, _, ()>(&mut conn, &key, &json, TTL_MS)
            .await
            .unwrap();
        keys.push(key);
    }
    let raw = Arc::new(Raw { conn, keys });
    let backend = RedisBackend::builder(&redis_url)
        .layout(session_cache::KeyLayout::braced("bench-ours:"))
        .connections(env_or("BENCH_REDIS_CONNECTIONS", "1").parse().unwrap())
        .build()
        .unwrap();
    let ours_redis = Arc::new(Engine::new(backend, SESSIONS).await);
    let fred = Pool::new(Config::from_url(&redis_url).unwrap(), None, None, None, 6).unwrap();
    let _connection_task = fred.connect();
    fred.wait_for_connect().await.unwrap();
    let peer =
        Arc::new(Peer::new(tower_sessions_redis_store::RedisStore::new(fred), SESSIONS).await);
    table(
        "Redis",
        &[
            "raw redis-rs GET + SET on a multiplexed connection (the limit)",
            "**ours: RedisBackend load + conditional save**",
            "tower-sessions-redis-store 0.16 (fred pool of 6)",
        ],
        (raw, ours_redis, Some(peer)),
    )
    .await;

    if only_redis {
        return;
    }
    let pg_url = env_or(
        "SESSIONS_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/test",
    );
    let plain = DbBackend::builder(&pg_url)
        .table("bench_plain")
        .build()
        .await
        .unwrap();
    let cached_store = DbBackend::builder(&pg_url)
        .table("bench_cached")
        .build()
        .await
        .unwrap();
    for (db, table) in [(&plain, "bench_plain"), (&cached_store, "bench_cached")] {
        db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
            .await
            .unwrap();
        db.migrate().await.unwrap();
    }
    let plain = Arc::new(Engine::new(plain, SESSIONS).await);
    let cached = Arc::new(
        Engine::new(
            CachedBackend::new(MokaBackend::new(), cached_store),
            SESSIONS,
        )
        .await,
    );
    table::<_, _, Raw>(
        "cached_db on PostgreSQL",
        &[
            "DbBackend on PostgreSQL (no cache)",
            "**ours: CachedBackend(moka, PostgreSQL)**",
        ],
        (plain, cached, None),
    )
    .await;
}
