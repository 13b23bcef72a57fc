//! Failure injection: with a `Faults` plan armed, every operation that reaches the store fails
//! as `Error::Backend` naming the engine, with a source; healed, the session is there again.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use session_core::{Backend, Context, Data, Error, Expiry, ExpiryPolicy, Faults, Record, Result};
use time::OffsetDateTime;

fn record() -> Record {
    let mut data = Data::new();
    data.insert("user".into(), "alice".into());
    let now = OffsetDateTime::now_utc();
    Record::new(data, Expiry::Seconds(3600), now, &ExpiryPolicy::default()).unwrap()
}

fn injected<T: std::fmt::Debug>(engine: &str, op: &str, result: Result<T>) {
    match result {
        Err(err @ Error::Backend { backend, .. }) if backend == engine => {
            assert!(std::error::Error::source(&err).is_some(), "{op}: no source");
        }
        other => panic!("{op}: expected an injected {engine} failure, got {other:?}"),
    }
}

/// Creates a session, fails every operation on it, heals: the session loads again. True when
/// `clear_expired` failed too (on Redis it is no store call).
async fn fail_everything(engine: &str, backend: &dyn Backend, faults: &Faults) -> bool {
    let stored = backend.create(record()).await.unwrap();
    let key = stored.key;
    let mut loaded = backend.load(&key).await.unwrap().expect("a live session");
    loaded.version = stored.version;
    assert!(faults.calls() > 0, "{engine} never asks the plan");

    faults.fail_after(0);
    let later = OffsetDateTime::now_utc() + time::Duration::hours(2);
    injected(engine, "load", backend.load(&key).await);
    injected(engine, "create", backend.create(record()).await);
    injected(engine, "save", backend.save(&key, loaded.clone()).await);
    injected(engine, "delete", backend.delete(&key).await);
    injected(engine, "exists", backend.exists(&key).await);
    injected(engine, "touch", backend.touch(&key, later).await);
    injected(engine, "cycle", backend.cycle(&key, loaded.clone()).await);
    let cleared = backend.clear_expired().await;

    faults.heal();
    let again = backend.load(&key).await.unwrap().expect("still there");
    assert_eq!(again.data, loaded.data);
    backend.delete(&key).await.unwrap();
    match cleared {
        Ok(_) => false,
        Err(err) => {
            injected(engine, "clear_expired", Err::<(), _>(err));
            true
        }
    }
}

#[cfg(feature = "moka")]
#[tokio::test]
async fn moka_fails_as_planned_and_heals() {
    let faults = Faults::new();
    let backend = session_cache::MokaBackend::builder()
        .context(Context::default().with_faults(faults.clone()))
        .build();
    assert!(fail_everything("moka", &backend, &faults).await);
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_fails_as_planned_and_heals() {
    use session_conformance::services::{reachable, redis_url, skip_or_fail};

    let url = redis_url();
    if let Err(unavailable) = reachable("redis", &url) {
        skip_or_fail("redis_fails_as_planned_and_heals", &unavailable);
        return;
    }
    let faults = Faults::new();
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    let prefix = format!("faults-test:{}:{nanos}:", std::process::id());
    let backend = session_cache::RedisBackend::builder(url)
        .layout(session_cache::KeyLayout::braced(prefix))
        .context(Context::default().with_faults(faults.clone()))
        .build()
        .unwrap();
    // Redis expires sessions by itself: `clear_expired` sends nothing, so it cannot fail.
    assert!(!fail_everything("redis", &backend, &faults).await);
}
