//! Failure injection: with a `Faults` plan armed, every operation fails at its first statement
//! as `Error::Backend` naming the database, with a source; healed, the session is there again.

#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use session_core::{Backend, Context, Data, Error, Expiry, ExpiryPolicy, Faults, Record, Result};
use session_db::DbBackend;
use time::OffsetDateTime;

fn record() -> Record {
    let mut data = Data::new();
    data.insert("x".into(), 1.into());
    let now = OffsetDateTime::now_utc();
    Record::new(data, Expiry::Seconds(3600), now, &ExpiryPolicy::default()).unwrap()
}

fn injected<T: std::fmt::Debug>(op: &str, result: Result<T>) {
    match result {
        Err(
            err @ Error::Backend {
                backend: "sqlite", ..
            },
        ) => {
            assert!(std::error::Error::source(&err).is_some(), "{op}: no source");
        }
        other => panic!("{op}: expected an injected sqlite failure, got {other:?}"),
    }
}

#[tokio::test]
async fn every_operation_fails_as_planned_and_heals() {
    let faults = Faults::new();
    let backend = DbBackend::builder("sqlite::memory:")
        .context(Context::default().with_faults(faults.clone()))
        .build()
        .await
        .unwrap();
    backend.migrate().await.unwrap();
    let stored = backend.create(record()).await.unwrap();
    let key = stored.key;
    let mut saved = backend.load(&key).await.unwrap().expect("a live session");
    saved.version = stored.version;
    assert!(faults.calls() > 0);

    faults.fail_after(0);
    let later = OffsetDateTime::now_utc() + time::Duration::hours(2);
    injected("load", backend.load(&key).await);
    injected("create", backend.create(record()).await);
    injected("save", backend.save(&key, saved.clone()).await);
    injected("delete", backend.delete(&key).await);
    injected("exists", backend.exists(&key).await);
    injected("touch", backend.touch(&key, later).await);
    injected("cycle", backend.cycle(&key, saved.clone()).await);
    injected("clear_expired", backend.clear_expired().await);

    faults.heal();
    let loaded = backend.load(&key).await.unwrap();
    assert_eq!(loaded.expect("still there").data, saved.data);
}

/// A fault inside the cycle's transaction (after its insert) rolls it back: the old key still
/// holds the session.
#[tokio::test]
async fn a_cycle_failing_midway_keeps_the_old_key() {
    let faults = Faults::new();
    let backend = DbBackend::builder("sqlite::memory:")
        .context(Context::default().with_faults(faults.clone()))
        .build()
        .await
        .unwrap();
    backend.migrate().await.unwrap();
    let key = backend.create(record()).await.unwrap().key;
    let loaded = backend.load(&key).await.unwrap().expect("a live session");
    for ok in 1..=3 {
        faults.fail_after(ok); // BEGIN, INSERT, DELETE pass in turn; then one fails
        injected("cycle", backend.cycle(&key, loaded.clone()).await);
        faults.heal();
        assert!(backend.exists(&key).await.unwrap(), "fail_after({ok})");
    }
    let fresh = backend.cycle(&key, loaded).await.unwrap().key;
    assert!(!backend.exists(&key).await.unwrap());
    assert!(backend.exists(&fresh).await.unwrap());
}
