//! The db engine's request cycle, per database: load a ~300-byte session, change one key, save.
//!
//! Rows, in one run per database: raw sqlx doing the same `SELECT` + conditional `UPDATE` on
//! the same table with the same JSON work (the limit), our `DbBackend` through the `Backend`
//! trait, and tower-sessions-sqlx-store 0.15 (the peer, on tower-sessions-core 0.14). 1 and
//! 32 tasks on 2 worker threads, one pool of 10 connections shared by the rows (one row runs at a
//! time), 1,000 sessions per row; ratios are
//! to the limit in the same round. Run: `cargo bench --bench db_cycle` (from `benchmarks/`),
//! with PostgreSQL and MariaDB on loopback (`SESSIONS_TEST_POSTGRES_URL`,
//! `SESSIONS_TEST_MYSQL_URL`).

use std::sync::Arc;

use serde_json::json;
use session_core::{Backend, Data, Expiry, ExpiryPolicy, Record, SessionKey};
use session_db::DbBackend;
mod common;

use common::{Candidate, Engine, Peer, ROUND, compare, measure, print_rows, session_data};
use time::OffsetDateTime;

const SESSIONS: usize = 1_000;
const ROUNDS: usize = 7;
const CONNECTIONS: u32 = 10;
const TABLE: &str = "bench_sessions";

fn record(now: OffsetDateTime) -> Record {
    Record::new(
        session_data(),
        Expiry::Default,
        now,
        &ExpiryPolicy::default(),
    ).expect("a record")
}

// ----- the limit: raw sqlx, the same statements and JSON work ---------------------------------

/// Raw sqlx on one database: `$pool` type, `$to_db` time conversion, placeholders.
macro_rules! raw_candidate {
    ($name:ident, $pool:ty, $to_db:expr, $select:expr, $update:expr) => {
        struct $name {
            pool: $pool,
            keys: Vec<SessionKey>,
        }

        impl Candidate for $name {
            async fn cycle(&self, i: usize) {
                let key = self.keys[i % SESSIONS].as_str();
                let to_db = $to_db;
                loop {
                    let now = OffsetDateTime::now_utc();
                    let row: Option<(String, i64)> = sqlx::query_as($select)
                        .bind(key)
                        .bind(to_db(now))
                        .fetch_optional(&self.pool)
                        .await
                        .unwrap();
                    let Some((text, version)) = row else { return };
                    // The engine's value is its header (version and times, `1:…:…:…:`) then
                    // the session dict as JSON: the JSON work is on the dict, the header is
                    // kept as stored (the columns hold the version and the expiry).
                    let (header, dict) = text.split_at(text.find('{').unwrap_or(0));
                    let mut data: Data = serde_json::from_str(dict).unwrap();
                    data.insert("counter".into(), json!(i));
                    let mut bytes = Vec::with_capacity(text.len() + 8);
                    bytes.extend_from_slice(header.as_bytes());
                    serde_json::to_writer(&mut bytes, &data).unwrap();
                    let text = String::from_utf8(bytes).unwrap();
                    let done = sqlx::query($update)
                        .bind(text)
                        .bind(to_db(now + time::Duration::weeks(2)))
                        .bind(key)
                        .bind(version)
                        .bind(to_db(now))
                        .execute(&self.pool)
                        .await
                        .unwrap();
                    if done.rows_affected() == 1 {
                        return;
                    }
                }
            }
        }
    };
}

raw_candidate!(
    RawPostgres,
    sqlx::PgPool,
    |at: OffsetDateTime| at,
    "SELECT session_data, version FROM bench_sessions WHERE session_key = $1 AND expire_date > $2",
    "UPDATE bench_sessions SET session_data = $1, expire_date = $2, version = version + 1 \
     WHERE session_key = $3 AND version = $4 AND expire_date > $5"
);
raw_candidate!(
    RawMySql,
    sqlx::MySqlPool,
    |at: OffsetDateTime| time::PrimitiveDateTime::new(at.date(), at.time()),
    "SELECT session_data, version FROM bench_sessions WHERE session_key = ? AND expire_date > ?",
    "UPDATE bench_sessions SET session_data = ?, expire_date = ?, version = version + 1 \
     WHERE session_key = ? AND version = ? AND expire_date > ?"
);
raw_candidate!(
    RawSqlite,
    sqlx::SqlitePool,
    |at: OffsetDateTime| session_core::datetime::format_naive(at, ' '),
    "SELECT session_data, version FROM bench_sessions WHERE session_key = ? AND expire_date > ?",
    "UPDATE bench_sessions SET session_data = ?, expire_date = ?, version = version + 1 \
     WHERE session_key = ? AND version = ? AND expire_date > ?"
);

// ----- ours ---------------------------------------------------------------------------------

// ----- set-up and the run -------------------------------------------------------------------

/// Our backend on the pool the other rows use (so every row has the same connections).
async fn ours_on(pool: session_db::DbPool) -> (DbBackend, Vec<SessionKey>) {
    let backend = DbBackend::builder_with_pool(pool)
        .table(TABLE)
        .build()
        .await
        .unwrap();
    backend
        .execute_unprepared(&format!("DROP TABLE IF EXISTS {TABLE}"))
        .await
        .unwrap();
    backend.migrate().await.unwrap();
    let now = OffsetDateTime::now_utc();
    let mut keys = Vec::with_capacity(SESSIONS);
    for _ in 0..SESSIONS {
        keys.push(backend.create(record(now)).await.unwrap().key);
    }
    (backend, keys)
}

async fn run_database<R: Candidate, P: Candidate>(
    database: &str,
    raw: R,
    ours: Engine<DbBackend>,
    peer: P,
) {
    let (raw, ours, peer) = (Arc::new(raw), Arc::new(ours), Arc::new(peer));
    println!("\n{database}:\n");
    println!("| row | 1 task: ops/s | 1 task: × raw | 32 tasks: ops/s | 32 tasks: × raw |");
    println!("|---|---:|---:|---:|---:|");
    let names = [
        "raw sqlx SELECT + UPDATE (the limit)",
        "**ours: DbBackend load + save**",
        "tower-sessions-sqlx-store 0.15",
    ];
    let mut columns = Vec::new();
    for tasks in [1usize, 32] {
        let label = format!("{database}, tasks {tasks}");
        columns.push(
            compare(&label, 3, ROUNDS, |which| {
                let (raw, ours, peer) = (&raw, &ours, &peer);
                async move {
                    match which {
                        0 => measure(raw, tasks).await,
                        1 => measure(ours, tasks).await,
                        _ => measure(peer, tasks).await,
                    }
                }
            })
            .await,
        );
    }
    print_rows(&names, &columns[0], &columns[1]);
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!(
        "sessions per row: {SESSIONS}; round: {ROUND:?}; rounds: {ROUNDS}; pools: {CONNECTIONS} connections; worker threads: 2"
    );
    let only = std::env::var("BENCH_DB").ok();
    let wanted = |db: &str| only.as_deref().is_none_or(|only| only == db);

    if wanted("postgres") {
        let url = env_or(
            "SESSIONS_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/test",
        );
        // BENCH_NO_FLUSH=1: commits are not waited for on disk (synchronous_commit = off), to
        // see the engines' own cost without the disk's noise.
        let no_flush = std::env::var("BENCH_NO_FLUSH").is_ok_and(|v| v == "1");
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if no_flush {
                        sqlx::Executor::execute(conn, "SET synchronous_commit = off").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .unwrap();
        let (backend, keys) = ours_on(session_db::DbPool::Postgres(pool.clone())).await;
        let raw = RawPostgres {
            pool: pool.clone(),
            keys: keys.clone(),
        };
        let store = tower_sessions_sqlx_store::PostgresStore::new(pool);
        store.migrate().await.unwrap();
        run_database(
            "PostgreSQL",
            raw,
            Engine { backend, keys },
            Peer::new(store, SESSIONS).await,
        )
        .await;
    }
    if wanted("mysql") {
        let url = env_or(
            "SESSIONS_TEST_MYSQL_URL",
            "mysql://root@127.0.0.1:3306/test",
        );
        let pool = sqlx::mysql::MySqlPoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect(&url)
            .await
            .unwrap();
        let (backend, keys) = ours_on(session_db::DbPool::MySql(pool.clone())).await;
        let raw = RawMySql {
            pool: pool.clone(),
            keys: keys.clone(),
        };
        let store = tower_sessions_sqlx_store::MySqlStore::new(pool);
        store.migrate().await.unwrap();
        run_database(
            "MariaDB",
            raw,
            Engine { backend, keys },
            Peer::new(store, SESSIONS).await,
        )
        .await;
    }
    if wanted("sqlite") {
        let path = std::env::temp_dir().join("sessions-bench.sqlite3");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let url = format!("sqlite://{}", path.display());
        // The options DbBackend uses for a URL (WAL, synchronous=NORMAL, busy timeout).
        let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
        let options = options
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(if std::env::var("BENCH_NO_FLUSH").is_ok_and(|v| v == "1") {
                sqlx::sqlite::SqliteSynchronous::Off
            } else {
                sqlx::sqlite::SqliteSynchronous::Normal
            })
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect_with(options)
            .await
            .unwrap();
        let (backend, keys) = ours_on(session_db::DbPool::Sqlite(pool.clone())).await;
        let raw = RawSqlite {
            pool: pool.clone(),
            keys: keys.clone(),
        };
        // The peer's own table, in the same database file with the same pool settings.
        let store = tower_sessions_sqlx_store::SqliteStore::new(pool);
        store.migrate().await.unwrap();
        run_database(
            "SQLite (file, WAL)",
            raw,
            Engine { backend, keys },
            Peer::new(store, SESSIONS).await,
        )
        .await;
    }
}
