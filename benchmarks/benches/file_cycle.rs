//! The file engine: its request cycle against raw `std::fs`, and `clear_expired` over 100,000
//! files of which half are expired.
//!
//! Cycle rows, in one run (1 and 32 tasks on 2 worker threads, 1,000 sessions per row, ratios
//! to the first row of the same round):
//! - the limit: `std::fs::read` of the file, JSON decode, change one key, encode, then a
//!   temporary file written (and `fsync`ed, in the durable table) and renamed over the old
//!   one; each of the two file steps in one `spawn_blocking`, as async code must run file I/O;
//! - ours: `FileBackend` load + conditional save (lock, header check, the same write and
//!   rename).
//!
//! The sweep: `FileBackend::clear_expired` (reads each file's header) against a Django-style
//! sweep in plain Rust (reads and JSON-decodes every file, removes the expired), files per
//! second over the whole directory.
//!
//! Run: `cargo bench --bench file_cycle` (from `benchmarks/`); `BENCH_FILE_DIR` picks the
//! directory's parent (default: the system temporary directory).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use common::{Candidate, Engine, ROUND, compare, measure, median, print_rows, session_data};
use serde_json::{Value, json};
use session_core::{Backend, Data, Expiry, ExpiryPolicy, Record};
use session_file::FileBackend;

const SESSIONS: usize = 1_000;
const ROUNDS: usize = 5;
const SWEEP_FILES: usize = 100_000;
const SWEEP_ROUNDS: usize = 3;

/// The limit: the same bytes read and replaced with plain `std::fs`.
struct Raw {
    dir: PathBuf,
    sync: bool,
}

impl Raw {
    fn path(&self, i: usize) -> PathBuf {
        self.dir.join(format!("raw{:032}", i % SESSIONS))
    }
}

/// Temporary names differ per write, as two tasks may meet on one key.
static TEMP_NAMES: AtomicU64 = AtomicU64::new(0);

fn replace(path: &Path, bytes: &[u8], sync: bool) {
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(
        "_out_{}",
        TEMP_NAMES.fetch_add(1, Ordering::Relaxed)
    ));
    let temp = PathBuf::from(temp);
    let mut file = std::fs::File::create(&temp).unwrap();
    file.write_all(bytes).unwrap();
    if sync {
        file.sync_data().unwrap();
    }
    drop(file);
    std::fs::rename(&temp, path).unwrap();
}

impl Candidate for Raw {
    async fn cycle(&self, i: usize) {
        let path = self.path(i);
        let read_path = path.clone();
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(read_path))
            .await
            .unwrap()
            .unwrap();
        let mut data: Data = serde_json::from_slice(&bytes).unwrap();
        data.insert("counter".into(), json!(i));
        let bytes = serde_json::to_vec(&data).unwrap();
        let sync = self.sync;
        tokio::task::spawn_blocking(move || replace(&path, &bytes, sync))
            .await
            .unwrap();
    }
}

fn fresh_dir(parent: &Path, name: &str) -> PathBuf {
    let dir = parent.join(format!("sessions-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn cycle_table(parent: &Path, sync: bool) {
    let label = if sync { "durable (fsync)" } else { "no fsync" };
    let raw_dir = fresh_dir(parent, &format!("raw-{sync}"));
    let json = serde_json::to_vec(&session_data()).unwrap();
    for n in 0..SESSIONS {
        std::fs::write(raw_dir.join(format!("raw{n:032}")), &json).unwrap();
    }
    let raw = Arc::new(Raw {
        dir: raw_dir.clone(),
        sync,
    });
    let ours_dir = fresh_dir(parent, &format!("ours-{sync}"));
    let backend = FileBackend::builder(&ours_dir)
        .sync_writes(sync)
        .build()
        .unwrap();
    let ours = Arc::new(Engine::new(backend, SESSIONS).await);

    println!("\nFile cycle, {label}:\n");
    println!("| row | 1 task: ops/s | 1 task: × limit | 32 tasks: ops/s | 32 tasks: × limit |");
    println!("|---|---:|---:|---:|---:|");
    let mut columns = Vec::new();
    for tasks in [1usize, 32] {
        let (raw, ours) = (&raw, &ours);
        columns.push(
            compare(
                &format!("{label}, tasks {tasks}"),
                2,
                ROUNDS,
                |which| async move {
                    match which {
                        0 => measure(raw, tasks).await,
                        _ => measure(ours, tasks).await,
                    }
                },
            )
            .await,
        );
    }
    print_rows(
        &[
            "raw std::fs read + write temp + rename (the limit)",
            "**ours: FileBackend load + conditional save**",
        ],
        &columns[0],
        &columns[1],
    );
    let _ = std::fs::remove_dir_all(raw_dir);
    let _ = std::fs::remove_dir_all(ours_dir);
}

/// Fills `backend`'s directory with `SWEEP_FILES` sessions, every other one expired.
async fn fill(backend: &FileBackend, count: usize, expired_only: bool) {
    let now = time::OffsetDateTime::now_utc();
    let policy = ExpiryPolicy::default();
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in 0..32 {
        let backend = backend.clone();
        tasks.spawn(async move {
            for n in (chunk..count).step_by(32) {
                let expiry = if expired_only || n % 2 == 0 {
                    Expiry::Seconds(-60)
                } else {
                    Expiry::Default
                };
                backend
                    .create(Record::new(session_data(), expiry, now, &policy).expect("a record"))
                    .await
                    .unwrap();
            }
        });
    }
    tasks.join_all().await;
}

/// Django's sweep in plain Rust: read and decode every session file, remove the expired.
fn full_decode_sweep(dir: &Path) -> u64 {
    let now = session_core::codec::framed::micros(time::OffsetDateTime::now_utc());
    let mut removed = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if !entry.file_name().to_string_lossy().starts_with("sessionid") {
            continue;
        }
        let bytes = std::fs::read(entry.path()).unwrap();
        let header = session_core::codec::framed::parse(&bytes).unwrap();
        let decoded: Value = serde_json::from_slice(header.record).unwrap();
        assert!(decoded.is_object());
        if header.expires_at_micros <= now {
            std::fs::remove_file(entry.path()).unwrap();
            removed += 1;
        }
    }
    removed
}

async fn sweep_table(parent: &Path) {
    let dir = fresh_dir(parent, "sweep");
    let backend = FileBackend::builder(&dir)
        .sync_writes(false)
        .build()
        .unwrap();
    fill(&backend, SWEEP_FILES, false).await;
    let half = (SWEEP_FILES / 2) as u64;
    let (mut ours, mut django) = (Vec::new(), Vec::new());
    for round in 0..SWEEP_ROUNDS {
        for which in [round % 2, 1 - round % 2] {
            let start = Instant::now();
            let removed = if which == 0 {
                backend.clear_expired().await.unwrap()
            } else {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || full_decode_sweep(&dir))
                    .await
                    .unwrap()
            };
            let rate = SWEEP_FILES as f64 / start.elapsed().as_secs_f64();
            assert_eq!(removed, half);
            eprintln!("sweep round {round}, row {which}: {rate:.0} files/s");
            if which == 0 { &mut ours } else { &mut django }.push(rate);
            fill(&backend, SWEEP_FILES / 2, true).await;
        }
    }
    let (ours, django) = (median(ours), median(django));
    println!("\nclear_expired over {SWEEP_FILES} files, half expired:\n");
    println!("| row | files/s | × Django-style sweep |");
    println!("|---|---:|---:|");
    println!(
        "| Django-style sweep: read + JSON-decode every file, remove the expired | {django:.0} | 1.00 |"
    );
    println!(
        "| **ours: FileBackend::clear_expired (header only)** | {ours:.0} | {:.2} |",
        ours / django
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let parent = std::env::var_os("BENCH_FILE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    println!(
        "sessions per row: {SESSIONS}; round: {ROUND:?}; rounds: {ROUNDS}; worker threads: 2; directory under {}",
        parent.display()
    );
    let only = std::env::var("BENCH_FILE_ONLY").unwrap_or_default();
    if only.is_empty() || only == "cycle" || only == "durable" {
        cycle_table(&parent, true).await;
    }
    if only.is_empty() || only == "cycle" || only == "nosync" {
        cycle_table(&parent, false).await;
    }
    if only.is_empty() || only == "sweep" {
        sweep_table(&parent).await;
    }
}
