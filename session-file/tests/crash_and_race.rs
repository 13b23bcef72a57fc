//! Writers that crash and writers that race: a leftover temporary file never hides the
//! session, and of two saves of one version exactly one wins, whether the two writers are two
//! backends in one process or two processes.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use session_core::{Backend, Error, MockClock, SessionKey, SessionStore};
use session_file::FileBackend;

/// Set in the child processes of [`two_processes_never_lose_an_increment`].
const CHILD_DIR: &str = "SESSIONS_FILE_TEST_CHILD_DIR";
const CHILD_KEY: &str = "SESSIONS_FILE_TEST_CHILD_KEY";
const INCREMENTS_PER_PROCESS: u64 = 60;

fn backend(dir: &Path) -> FileBackend {
    FileBackend::builder(dir).build().unwrap()
}

async fn new_session(backend: &FileBackend, cart: &str) -> SessionKey {
    let store = SessionStore::new(Arc::new(backend.clone()));
    let session = store.session(None);
    session.insert("cart", vec![cart]).await.unwrap();
    session.save().await.unwrap();
    session.key().unwrap()
}

/// A writer killed between its write and its rename leaves `<file>_out_<random>` behind: the
/// session still reads as it was, saves still work, and the sweep removes the leftover only
/// once it is older than the grace period.
#[tokio::test]
async fn a_writer_killed_before_its_rename_leaves_the_old_session() {
    let dir = tempfile::tempdir().unwrap();
    let clock = MockClock::default();
    let backend = FileBackend::builder(dir.path())
        .context(session_core::Context::default().with_clock(clock.shared()))
        .build()
        .unwrap();
    let store = SessionStore::new(Arc::new(backend.clone())).with_clock(clock.shared());
    let session = store.session(None);
    session.insert("cart", vec!["apple"]).await.unwrap();
    session.save().await.unwrap();
    let key = session.key().unwrap();

    let file = backend.file_of(&key).unwrap();
    let mut leftover = file.clone().into_os_string();
    leftover.push("_out_crashed01");
    let leftover = std::path::PathBuf::from(leftover);
    std::fs::write(&leftover, b"2:17000000").unwrap(); // half a header, no record
    let now = session_core::Clock::now(&clock);
    let set_age = |age: time::Duration| {
        std::fs::File::options()
            .write(true)
            .open(&leftover)
            .unwrap()
            .set_modified((now - age).into())
            .unwrap();
    };
    set_age(time::Duration::seconds(1));

    let reread = store.session(Some(key.as_str()));
    assert_eq!(
        reread.get::<Vec<String>>("cart").await.unwrap(),
        Some(vec!["apple".to_owned()])
    );
    reread.insert("cart", vec!["apple", "pear"]).await.unwrap();
    reread.save().await.unwrap();

    assert_eq!(backend.clear_expired().await.unwrap(), 0);
    assert!(
        leftover.exists(),
        "a fresh temporary file may be a live write"
    );
    set_age(session_file::DEFAULT_TEMP_GRACE.try_into().unwrap());
    assert_eq!(
        backend.clear_expired().await.unwrap(),
        0,
        "no session expired"
    );
    assert!(!leftover.exists(), "an old one is a crash's leftover");
    let last = store.session(Some(key.as_str()));
    assert_eq!(
        last.get::<Vec<String>>("cart").await.unwrap(),
        Some(vec!["apple".to_owned(), "pear".to_owned()])
    );
}

/// Two backends on one directory (two processes' worth of locks and file handles) load one
/// version and save it at once, many times: exactly one save wins each round. A delete racing
/// a save never lets the session come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_backends_on_one_directory_race_and_exactly_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (backend(dir.path()), backend(dir.path()));
    for round in 0..50 {
        let key = new_session(&first, "apple").await;
        let a = first.load(&key).await.unwrap().unwrap();
        let b = second.load(&key).await.unwrap().unwrap();
        assert_eq!(a.version, b.version);
        let (ra, rb) = tokio::join!(
            tokio::spawn({
                let (first, key) = (first.clone(), key.clone());
                async move { first.save(&key, a).await }
            }),
            tokio::spawn({
                let (second, key) = (second.clone(), key.clone());
                async move { second.save(&key, b).await }
            })
        );
        let outcomes = [ra.unwrap(), rb.unwrap()];
        let wins = outcomes.iter().filter(|r| r.is_ok()).count();
        let conflicts = outcomes
            .iter()
            .filter(|r| matches!(r, Err(Error::Conflict)))
            .count();
        assert_eq!((wins, conflicts), (1, 1), "round {round}: {outcomes:?}");

        let loaded = second.load(&key).await.unwrap().unwrap();
        let (deleted, saved) = tokio::join!(
            tokio::spawn({
                let (first, key) = (first.clone(), key.clone());
                async move { first.delete(&key).await }
            }),
            tokio::spawn({
                let (second, key) = (second.clone(), key.clone());
                async move { second.save(&key, loaded).await }
            })
        );
        deleted.unwrap().unwrap();
        let saved = saved.unwrap();
        assert!(
            matches!(saved, Ok(_) | Err(Error::Gone)),
            "round {round}: {saved:?}"
        );
        assert!(first.load(&key).await.unwrap().is_none(), "round {round}");
        assert!(!first.file_of(&key).unwrap().exists(), "round {round}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.to_string_lossy().contains("_out_"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "refused saves leave no temporary file"
    );
}

/// Two processes increment one counter in one session through `Session::modify`, each many
/// times: with conditional saves under the directory's locks, no increment is lost.
#[test]
fn two_processes_never_lose_an_increment() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let key = runtime.block_on(new_session(&backend(dir.path()), "counter"));
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .args(["--exact", "increment_in_a_child_process", "--nocapture"])
                .env(CHILD_DIR, dir.path())
                .env(CHILD_KEY, key.as_str())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a child process failed");
    }
    let store = SessionStore::new(Arc::new(backend(dir.path())));
    let session = store.session(Some(key.as_str()));
    let counter: Option<u64> = runtime.block_on(session.get("counter")).unwrap();
    assert_eq!(counter, Some(2 * INCREMENTS_PER_PROCESS));
}

/// The child of [`two_processes_never_lose_an_increment`]; does nothing in a plain test run.
#[test]
fn increment_in_a_child_process() {
    let (Ok(dir), Ok(key)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_KEY)) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = SessionStore::new(Arc::new(backend(Path::new(&dir))))
            .with_conflict_deadline(Duration::from_secs(60));
        for _ in 0..INCREMENTS_PER_PROCESS {
            let session = store.session(Some(&key));
            session
                .modify("counter", |n: Option<u64>| n.unwrap_or(0) + 1)
                .await
                .unwrap();
            session.save().await.unwrap();
        }
    });
}
