//! What the conformance suite cannot see with its mock clock: moka's own eviction, on real
//! time and a real capacity bound.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use session_cache::MokaBackend;
use session_core::{Backend, Data, Expiry, ExpiryPolicy, Record, SystemClock};
use time::OffsetDateTime;

fn record(expiry: Expiry) -> Record {
    let mut data = Data::new();
    data.insert("user".into(), "alice".into());
    Record::new(
        data,
        expiry,
        OffsetDateTime::now_utc(),
        &ExpiryPolicy::default(),
    )
    .unwrap()
}

/// A save moves the deadline inside the slot without a moka write; moka must not evict the
/// session at the deadline it was first given.
#[tokio::test]
async fn moka_keeps_a_session_whose_deadline_a_save_moved() {
    let backend = MokaBackend::builder()
        .context(session_core::Context::default().with_clock(SystemClock::shared()))
        .build();
    let stored = backend.create(record(Expiry::Seconds(1))).await.unwrap();
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut loaded = backend
            .load(&stored.key)
            .await
            .unwrap()
            .expect("still live");
        loaded
            .renew(OffsetDateTime::now_utc(), &ExpiryPolicy::default())
            .unwrap();
        backend.save(&stored.key, loaded).await.unwrap();
    }
    // 3 s after creation, well past the first deadline (1 s) and retention (2 s).
    assert!(backend.load(&stored.key).await.unwrap().is_some());
    assert_eq!(backend.entry_count(), 1);
}

/// moka drops expired sessions by itself (native expiry), without `clear_expired`.
#[tokio::test]
async fn moka_evicts_expired_sessions_by_itself() {
    let backend = MokaBackend::builder()
        .context(session_core::Context::default().with_clock(SystemClock::shared()))
        .build();
    for _ in 0..3 {
        backend.create(record(Expiry::Seconds(1))).await.unwrap();
    }
    let keeper = backend.create(record(Expiry::Default)).await.unwrap();
    assert_eq!(backend.entry_count(), 4);
    // Deadline 1 s, kept one idle window (1 s) more for saves in flight; moka's timer wheel
    // may fire up to about a second after that.
    tokio::time::sleep(Duration::from_millis(4_000)).await;
    assert_eq!(
        backend.entry_count(),
        1,
        "the three expired sessions are gone"
    );
    assert!(backend.exists(&keeper.key).await.unwrap());
}

/// The capacity bound holds: the least recently used sessions go first.
#[tokio::test]
async fn capacity_is_bounded() {
    let backend = Arc::new(MokaBackend::builder().max_capacity(50).build());
    let first = backend.create(record(Expiry::Default)).await.unwrap();
    for _ in 0..500 {
        backend.create(record(Expiry::Default)).await.unwrap();
    }
    assert!(
        backend.entry_count() <= 50,
        "{} entries",
        backend.entry_count()
    );
    assert!(
        backend.load(&first.key).await.unwrap().is_none(),
        "the oldest went first"
    );
}

/// A record loaded before its session was evicted for capacity cannot be saved back through the
/// handle it carries: the eviction emptied the slot, so the save is `Gone`, not a silent write
/// into a slot nobody can reach.
#[tokio::test]
async fn save_after_capacity_eviction_is_gone() {
    let backend = MokaBackend::builder().max_capacity(10).build();
    let victim = backend.create(record(Expiry::Default)).await.unwrap();
    let loaded = backend.load(&victim.key).await.unwrap().expect("live");
    assert!(
        loaded.handle.is_some(),
        "moka hands out its slot with the record"
    );
    for _ in 0..200 {
        backend.create(record(Expiry::Default)).await.unwrap();
    }
    assert!(backend.entry_count() <= 10);
    let result = backend.save(&victim.key, loaded).await;
    assert!(
        matches!(result, Err(session_core::Error::Gone)),
        "{result:?}"
    );
    assert!(backend.load(&victim.key).await.unwrap().is_none());
}
