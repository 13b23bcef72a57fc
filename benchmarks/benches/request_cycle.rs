//! The in-process request cycle: load a ~300-byte session, change one key, save it back.
//!
//! Every candidate runs the same cycle over the same 10,000 sessions, at 1 and 32 concurrent
//! tokio tasks on 2 worker threads, for `ROUND` seconds per measurement; rounds rotate the
//! order of the candidates, and each figure is reported as a ratio to the `DashMap` limit
//! measured in the same round (the machine is shared and noisy; ratios travel, absolute rates
//! do not). Run: `cargo bench` (from `benchmarks/`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;
use serde_json::json;
use session_cache::MokaBackend;
use session_core::{
    Backend, Error, Expiry, ExpiryPolicy, KeyGenerator, Record, SessionKey, SessionStore,
};
mod common;

use common::{Candidate, Peer, ROUND, compare, measure, print_rows, session_data};
use time::OffsetDateTime;

const SESSIONS: usize = 10_000;
const ROUNDS: usize = 7;

fn record(now: OffsetDateTime) -> Record {
    Record::new(
        session_data(),
        Expiry::Default,
        now,
        &ExpiryPolicy::default(),
    ).expect("a record")
}

fn keys() -> Vec<SessionKey> {
    let generator = KeyGenerator::random();
    (0..SESSIONS)
        .map(|_| generator.generate().unwrap())
        .collect()
}

// ----- the limit: a DashMap of decoded records, get + copy-on-write + insert ------------------

struct DashMapLimit {
    map: DashMap<SessionKey, Record>,
    keys: Vec<SessionKey>,
}

impl DashMapLimit {
    fn new() -> Self {
        let now = OffsetDateTime::now_utc();
        let keys = keys();
        let map = DashMap::new();
        for key in &keys {
            map.insert(key.clone(), record(now));
        }
        Self { map, keys }
    }
}

impl Candidate for DashMapLimit {
    async fn cycle(&self, i: usize) {
        let key = &self.keys[i % SESSIONS];
        let now = OffsetDateTime::now_utc();
        let Some(mut record) = self.map.get(key).map(|e| e.value().clone()) else {
            return;
        };
        assert!(record.is_live(now));
        Arc::make_mut(&mut record.data).insert("counter".into(), json!(i));
        self.map.insert(key.clone(), record);
    }
}

// ----- raw moka, the same work -----------------------------------------------------------------

struct RawMokaFuture {
    cache: moka::future::Cache<SessionKey, Record>,
    keys: Vec<SessionKey>,
}

impl RawMokaFuture {
    async fn new() -> Self {
        let now = OffsetDateTime::now_utc();
        let keys = keys();
        let cache = moka::future::Cache::new(100_000);
        for key in &keys {
            cache.insert(key.clone(), record(now)).await;
        }
        Self { cache, keys }
    }
}

impl Candidate for RawMokaFuture {
    async fn cycle(&self, i: usize) {
        let key = &self.keys[i % SESSIONS];
        let now = OffsetDateTime::now_utc();
        let Some(mut record) = self.cache.get(key).await else {
            return;
        };
        assert!(record.is_live(now));
        Arc::make_mut(&mut record.data).insert("counter".into(), json!(i));
        self.cache.insert(key.clone(), record).await;
    }
}

struct RawMokaSync {
    cache: moka::sync::Cache<SessionKey, Record>,
    keys: Vec<SessionKey>,
}

impl RawMokaSync {
    fn new() -> Self {
        let now = OffsetDateTime::now_utc();
        let keys = keys();
        let cache = moka::sync::Cache::new(100_000);
        for key in &keys {
            cache.insert(key.clone(), record(now));
        }
        Self { cache, keys }
    }
}

impl Candidate for RawMokaSync {
    async fn cycle(&self, i: usize) {
        let key = &self.keys[i % SESSIONS];
        let now = OffsetDateTime::now_utc();
        let Some(mut record) = self.cache.get(key) else {
            return;
        };
        assert!(record.is_live(now));
        Arc::make_mut(&mut record.data).insert("counter".into(), json!(i));
        self.cache.insert(key.clone(), record);
    }
}

// ----- ours: the Backend contract, and the full Session handle ---------------------------------

struct OursBackend {
    backend: MokaBackend,
    keys: Vec<SessionKey>,
    conflicts: AtomicU64,
}

impl OursBackend {
    async fn new() -> Self {
        let backend = MokaBackend::new();
        let now = OffsetDateTime::now_utc();
        let mut keys = Vec::with_capacity(SESSIONS);
        for _ in 0..SESSIONS {
            keys.push(backend.create(record(now)).await.unwrap().key);
        }
        Self {
            backend,
            keys,
            conflicts: AtomicU64::new(0),
        }
    }
}

impl Candidate for OursBackend {
    async fn cycle(&self, i: usize) {
        let key = &self.keys[i % SESSIONS];
        loop {
            let Some(mut record) = self.backend.load(key).await.unwrap() else {
                return;
            };
            Arc::make_mut(&mut record.data).insert("counter".into(), json!(i));
            match self.backend.save(key, record).await {
                Ok(_) => return,
                Err(Error::Conflict) => {
                    self.conflicts.fetch_add(1, Ordering::Relaxed);
                }
                Err(other) => panic!("{other}"),
            }
        }
    }
}

struct OursSession {
    store: SessionStore,
    keys: Vec<SessionKey>,
}

impl OursSession {
    async fn new() -> Self {
        let backend = Arc::new(MokaBackend::new());
        let now = OffsetDateTime::now_utc();
        let mut keys = Vec::with_capacity(SESSIONS);
        for _ in 0..SESSIONS {
            keys.push(backend.create(record(now)).await.unwrap().key);
        }
        Self {
            store: SessionStore::new(backend),
            keys,
        }
    }
}

impl Candidate for OursSession {
    async fn cycle(&self, i: usize) {
        let key = &self.keys[i % SESSIONS];
        let session = self.store.session(Some(key.as_str()));
        session.insert("counter", i).await.unwrap();
        session.save().await.unwrap();
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let limit = Arc::new(DashMapLimit::new());
    let raw_future = Arc::new(RawMokaFuture::new().await);
    let raw_sync = Arc::new(RawMokaSync::new());
    let ours_backend = Arc::new(OursBackend::new().await);
    let ours_session = Arc::new(OursSession::new().await);
    let ts_memory = Arc::new(
        Peer::new(
            tower_sessions_memory_store::MemoryStore::default(),
            SESSIONS,
        )
        .await,
    );
    let ts_moka = Arc::new(
        Peer::new(
            tower_sessions_moka_store::MokaStore::new(Some(100_000)),
            SESSIONS,
        )
        .await,
    );

    let names = [
        "DashMap get + copy-on-write + insert (the limit)",
        "raw moka future::Cache, same work",
        "raw moka sync::Cache, same work",
        "**ours: MokaBackend load + save (Backend trait)**",
        "**ours: Session handle (lazy load, insert, save)**",
        "tower-sessions 0.14 MemoryStore",
        "tower-sessions 0.14 MokaStore",
    ];
    // BENCH_COUNT=<n> with BENCH_ONLY=<row>: run exactly n cycles of that row in one task and
    // exit, for instruction counts under `valgrind --tool=callgrind` (see README).
    if let (Some(count), Some(row)) = (
        std::env::var("BENCH_COUNT")
            .ok()
            .and_then(|v| v.parse::<usize>().ok()),
        std::env::var("BENCH_ONLY")
            .ok()
            .and_then(|v| v.parse::<usize>().ok()),
    ) {
        for i in 0..count {
            match row {
                0 => limit.cycle(i).await,
                1 => raw_future.cycle(i).await,
                2 => raw_sync.cycle(i).await,
                3 => ours_backend.cycle(i).await,
                4 => ours_session.cycle(i).await,
                5 => ts_memory.cycle(i).await,
                _ => ts_moka.cycle(i).await,
            }
        }
        println!("ran {count} cycles of {}", names[row]);
        return;
    }
    println!(
        "sessions in store: {SESSIONS}; round: {ROUND:?}; rounds: {ROUNDS}; worker threads: 2"
    );
    let mut table = Vec::new();
    // BENCH_ONLY=<row> runs a single candidate (for profiling); other rows then read 0.
    let only: Option<usize> = std::env::var("BENCH_ONLY")
        .ok()
        .and_then(|v| v.parse().ok());
    for tasks in [1usize, 32] {
        let label = format!("tasks {tasks}");
        let column = compare(&label, names.len(), ROUNDS, |which| {
            let (limit, raw_future, raw_sync) = (&limit, &raw_future, &raw_sync);
            let (ours_backend, ours_session) = (&ours_backend, &ours_session);
            let (ts_memory, ts_moka) = (&ts_memory, &ts_moka);
            async move {
                if only.is_some_and(|only| only != which) {
                    return f64::NAN;
                }
                match which {
                    0 => measure(limit, tasks).await,
                    1 => measure(raw_future, tasks).await,
                    2 => measure(raw_sync, tasks).await,
                    3 => measure(ours_backend, tasks).await,
                    4 => measure(ours_session, tasks).await,
                    5 => measure(ts_memory, tasks).await,
                    _ => measure(ts_moka, tasks).await,
                }
            }
        })
        .await;
        table.push(column);
    }
    println!();
    println!(
        "| request cycle (load ~300 B session, change one key, save) | 1 task: ops/s | 1 task: × limit | 32 tasks: ops/s | 32 tasks: × limit |"
    );
    println!("|---|---:|---:|---:|---:|");
    print_rows(&names, &table[0], &table[1]);
    println!();
    println!(
        "conflicts retried by the Backend-level candidate: {}",
        ours_backend.conflicts.load(Ordering::Relaxed)
    );
}
