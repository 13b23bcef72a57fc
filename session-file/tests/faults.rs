//! Failure injection: with a `Faults` plan armed, every operation fails at its first file step
//! as `Error::Backend` naming `file`, with a source; healed, the session is there again.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use session_core::{Backend, Context, Data, Error, Expiry, ExpiryPolicy, Faults, Record, Result};
use session_file::FileBackend;
use time::OffsetDateTime;

fn record(user: &str) -> Record {
    let mut data = Data::new();
    data.insert("user".into(), user.into());
    let now = OffsetDateTime::now_utc();
    Record::new(data, Expiry::Seconds(3600), now, &ExpiryPolicy::default()).unwrap()
}

fn injected<T: std::fmt::Debug>(op: &str, result: Result<T>) {
    match result {
        Err(
            err @ Error::Backend {
                backend: "file", ..
            },
        ) => {
            assert!(std::error::Error::source(&err).is_some(), "{op}: no source");
        }
        other => panic!("{op}: expected an injected file failure, got {other:?}"),
    }
}

fn files_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|entry| {
            let name = entry.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("sessionid")
        })
        .count()
}

#[tokio::test]
async fn every_operation_fails_as_planned_and_heals() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Faults::new();
    let backend = FileBackend::builder(dir.path())
        .context(Context::default().with_faults(faults.clone()))
        .build()
        .unwrap();
    let stored = backend.create(record("alice")).await.unwrap();
    let key = stored.key;
    let mut loaded = backend.load(&key).await.unwrap().expect("a live session");
    loaded.version = stored.version;
    assert!(faults.calls() > 0);

    faults.fail_after(0);
    let later = OffsetDateTime::now_utc() + time::Duration::hours(2);
    injected("load", backend.load(&key).await);
    injected("create", backend.create(record("bob")).await);
    injected("save", backend.save(&key, loaded.clone()).await);
    injected("delete", backend.delete(&key).await);
    injected("exists", backend.exists(&key).await);
    injected("touch", backend.touch(&key, later).await);
    injected("cycle", backend.cycle(&key, loaded.clone()).await);
    injected("clear_expired", backend.clear_expired().await);

    faults.heal();
    let again = backend.load(&key).await.unwrap().expect("still there");
    assert_eq!(again.data, loaded.data);
    assert_eq!(files_in(dir.path()), 1);
}

/// A save failing between its staged write and its rename leaves the old file, and no
/// temporary file behind.
#[tokio::test]
async fn a_save_failing_before_its_rename_keeps_the_old_session() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Faults::new();
    let backend = FileBackend::builder(dir.path())
        .context(Context::default().with_faults(faults.clone()))
        .build()
        .unwrap();
    let stored = backend.create(record("alice")).await.unwrap();
    let mut changed = record("mallory");
    changed.version = stored.version;

    faults.fail_after(1); // the staging passes, the locked check and rename fail
    injected("save", backend.save(&stored.key, changed).await);
    faults.heal();
    let loaded = backend
        .load(&stored.key)
        .await
        .unwrap()
        .expect("still there");
    assert_eq!(loaded.data.get("user"), Some(&"alice".into()));
    assert_eq!(files_in(dir.path()), 1, "a temporary file was left behind");
}
