#![allow(dead_code)] // each bench uses the part it needs

//! The harness the benchmarks share (`mod common;` in each bench): the session every row
//! works on, the `Candidate` trait, throughput measurement and the tower-sessions peer row.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use session_core::Data;

/// How long one measurement runs.
pub const ROUND: Duration = Duration::from_millis(1_000);
/// Tasks yield to the scheduler this often, as request handlers do at their I/O.
const YIELD_EVERY: u64 = 8;

/// The ~300-byte session: a logged-in user with a cart.
pub fn session_data() -> Data {
    let Value::Object(map) = json!({
        "_auth_user_id": "12345",
        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
        "_auth_user_hash": "460e5dae0b983677a5caf5263a7fff859c58724f1c102fd8dfe547bd60c1ce05",
        "cart": ["sku-1001", "sku-2002", "sku-3003"],
        "theme": "dark",
        "locale": "en-GB",
        "counter": 0
    }) else {
        unreachable!()
    };
    map
}

/// Any of our engines through the `Backend` trait: load, change one key, renew the expiry,
/// conditional save (re-done on a conflict).
pub struct Engine<B> {
    pub backend: B,
    pub keys: Vec<session_core::SessionKey>,
}

impl<B: session_core::Backend> Engine<B> {
    /// `sessions` sessions created in `backend`.
    pub async fn new(backend: B, sessions: usize) -> Self {
        let now = time::OffsetDateTime::now_utc();
        let policy = session_core::ExpiryPolicy::default();
        let mut keys = Vec::with_capacity(sessions);
        for _ in 0..sessions {
            let record = session_core::Record::new(
                session_data(),
                session_core::Expiry::Default,
                now,
                &policy,
            ).expect("a record");
            keys.push(backend.create(record).await.unwrap().key);
        }
        Self { backend, keys }
    }
}

impl<B: session_core::Backend + 'static> Candidate for Engine<B> {
    async fn cycle(&self, i: usize) {
        let key = &self.keys[i % self.keys.len()];
        loop {
            let Some(mut record) = self.backend.load(key).await.unwrap() else {
                return;
            };
            Arc::make_mut(&mut record.data).insert("counter".into(), json!(i));
            record.renew(
                time::OffsetDateTime::now_utc(),
                &session_core::ExpiryPolicy::default(),
            ).expect("a record");
            match self.backend.save(key, record).await {
                Ok(_) => return,
                Err(session_core::Error::Conflict) => continue,
                Err(other) => panic!("{other}"),
            }
        }
    }
}

/// One row of a benchmark table.
pub trait Candidate: Send + Sync + 'static {
    /// One request: load session `i`, change one key, save.
    fn cycle(&self, i: usize) -> impl Future<Output = ()> + Send;
}

/// Operations per second with `tasks` concurrent tasks hammering `candidate` for one round.
pub async fn measure<C: Candidate>(candidate: &Arc<C>, tasks: usize) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let total = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut handles = Vec::with_capacity(tasks);
    for task in 0..tasks {
        let (candidate, stop, total) =
            (Arc::clone(candidate), Arc::clone(&stop), Arc::clone(&total));
        handles.push(tokio::spawn(async move {
            // Tasks walk the keys with co-prime strides so they rarely meet.
            let mut i = task * 7919;
            let mut ops = 0u64;
            while !stop.load(Ordering::Relaxed) {
                candidate.cycle(i).await;
                i = i.wrapping_add(104_729);
                ops += 1;
                if ops.is_multiple_of(YIELD_EVERY) {
                    tokio::task::yield_now().await;
                }
            }
            total.fetch_add(ops, Ordering::Relaxed);
        }));
    }
    tokio::time::sleep(ROUND).await;
    stop.store(true, Ordering::Relaxed);
    for handle in handles {
        handle.await.unwrap();
    }
    total.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// The median.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The peer: a tower-sessions 0.14 store doing the same cycle (load, change one key, save with
/// a fresh two-week expiry).
pub struct Peer<S> {
    store: S,
    ids: Vec<tower_sessions_core::session::Id>,
}

impl<S: tower_sessions_core::SessionStore> Peer<S> {
    /// `sessions` sessions created in `store`.
    pub async fn new(store: S, sessions: usize) -> Self {
        let expiry_date = time::OffsetDateTime::now_utc() + time::Duration::weeks(2);
        let mut ids = Vec::with_capacity(sessions);
        for _ in 0..sessions {
            let mut record = tower_sessions_core::session::Record {
                id: tower_sessions_core::session::Id::default(),
                data: session_data().into_iter().collect(),
                expiry_date,
            };
            store.create(&mut record).await.unwrap();
            ids.push(record.id);
        }
        Self { store, ids }
    }
}

impl<S: tower_sessions_core::SessionStore> Candidate for Peer<S> {
    async fn cycle(&self, i: usize) {
        let id = &self.ids[i % self.ids.len()];
        let Some(mut record) = self.store.load(id).await.unwrap() else {
            return;
        };
        record.data.insert("counter".into(), json!(i));
        record.expiry_date = time::OffsetDateTime::now_utc() + time::Duration::weeks(2);
        self.store.save(&record).await.unwrap();
    }
}

/// One concurrency level: the median rate of each row and its median ratio to row 0.
pub struct Column {
    pub rates: Vec<f64>,
    pub ratios: Vec<f64>,
}

/// Runs `rounds` rounds of `rows` rows (`run(row)` measures one), rotating their order each
/// round so none always goes first; each ratio is taken against row 0 of the same round.
pub async fn compare<F, Fut>(label: &str, rows: usize, rounds: usize, mut run: F) -> Column
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = f64>,
{
    let mut rates = vec![Vec::new(); rows];
    let mut ratios = vec![Vec::new(); rows];
    for round in 0..rounds {
        let mut this_round = vec![0.0; rows];
        for offset in 0..rows {
            let which = (offset + round) % rows;
            this_round[which] = run(which).await;
        }
        for which in 0..rows {
            rates[which].push(this_round[which]);
            ratios[which].push(this_round[which] / this_round[0]);
        }
        eprintln!(
            "{label}, round {round}: {:?}",
            this_round.iter().map(|r| *r as u64).collect::<Vec<_>>()
        );
    }
    Column {
        rates: rates.into_iter().map(median).collect(),
        ratios: ratios.into_iter().map(median).collect(),
    }
}

/// The table rows: one line per row name, the single-task column then the concurrent one.
pub fn print_rows(names: &[&str], one: &Column, many: &Column) {
    for (which, name) in names.iter().enumerate() {
        println!(
            "| {name} | {:.0} | {:.2} | {:.0} | {:.2} |",
            one.rates[which], one.ratios[which], many.rates[which], many.ratios[which]
        );
    }
}
