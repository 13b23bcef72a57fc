//! Failure injection inside the file engine's steps (the conformance suite fails every
//! operation and every cycle point on every engine; this checks what only files have: no torn
//! or temporary file is left).

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
