//! `CachedBackend` when only its cache fails: the store decides, and once the cache is back it
//! never serves the copy a failed cache call should have replaced or dropped.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use session_cache::{CachedBackend, MokaBackend};
use session_core::{Backend, Context, Data, Expiry, ExpiryPolicy, Faults, Record};
use time::OffsetDateTime;

/// A moka cache that fails as `faults` plans, in front of a moka store that never fails.
fn cached(faults: &Faults) -> CachedBackend<MokaBackend, MokaBackend> {
    let cache = MokaBackend::builder()
        .context(Context::default().with_faults(faults.clone()))
        .build();
    CachedBackend::new(cache, MokaBackend::new())
}

fn record(user: &str) -> Record {
    let mut data = Data::new();
    data.insert("user".into(), user.into());
    let now = OffsetDateTime::now_utc();
    Record::new(data, Expiry::Seconds(3600), now, &ExpiryPolicy::default()).unwrap()
}

#[tokio::test]
async fn a_cycle_during_a_cache_outage_leaves_no_old_key_to_serve() {
    let faults = Faults::new();
    let backend = cached(&faults);
    let stored = backend.create(record("alice")).await.unwrap();
    let loaded = backend.load(&stored.key).await.unwrap().unwrap(); // now cached
    faults.fail_after(0);
    let cycled = backend.cycle(&stored.key, loaded).await.unwrap();
    faults.heal();
    assert!(
        backend.load(&stored.key).await.unwrap().is_none(),
        "the old key was served"
    );
    assert!(!backend.exists(&stored.key).await.unwrap());
    assert_eq!(
        backend.load(&cycled.key).await.unwrap().unwrap().data["user"],
        "alice"
    );
}

#[tokio::test]
async fn a_logout_during_a_cache_outage_is_not_undone_when_it_is_back() {
    let faults = Faults::new();
    let backend = cached(&faults);
    let stored = backend.create(record("alice")).await.unwrap();
    backend.load(&stored.key).await.unwrap().unwrap();
    faults.fail_after(0);
    backend.delete(&stored.key).await.unwrap();
    faults.heal();
    assert!(
        backend.load(&stored.key).await.unwrap().is_none(),
        "the logout was undone"
    );
}

#[tokio::test]
async fn a_save_during_a_cache_blip_is_what_loads_next() {
    let faults = Faults::new();
    let backend = cached(&faults);
    let stored = backend.create(record("alice")).await.unwrap();
    let mut loaded = backend.load(&stored.key).await.unwrap().unwrap();
    Arc::make_mut(&mut loaded.data).insert("user".into(), "bob".into());
    faults.fail_call(0); // the cache write after the store's save fails, then the cache is fine
    backend.save(&stored.key, loaded).await.unwrap();
    let again = backend.load(&stored.key).await.unwrap().unwrap();
    assert_eq!(
        again.data["user"], "bob",
        "the stale cached copy was served"
    );
}
